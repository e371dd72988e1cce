// The control API of the simulator: JSON in, JSON out, on its own port so
// that it keeps working while the data port is closed (mode refused).
// See README.md for every call.

import http from 'node:http';
import { BadInput, normaliseMode } from './sim.js';

const BODY_LIMIT = 16 * 1024 * 1024;

function sendJson(res, status, obj) {
  if (res.destroyed || res.writableEnded) return;
  // Pretty for people with curl, compact when big (GET /pending of a drain).
  let text = JSON.stringify(obj);
  if (text.length < 50_000) text = JSON.stringify(obj, null, 1);
  const buf = Buffer.from(text + '\n', 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
  res.end(buf);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new BadInput('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BadInput('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * ctx: { sim, log, verbose, setMode(m, why) -> Promise,
 *        held() -> number, dataPortOpen() -> boolean }
 */
export function createControlServer(ctx) {
  const { sim, log } = ctx;

  function statsView() {
    return {
      ...sim.stats.snapshot(),
      pendingUndelivered: sim.undelivered,
      answersKnown: sim.answers.size,
      held: ctx.held(),
      mode: sim.mode,
      dataPortOpen: ctx.dataPortOpen(),
      config: sim.configView(),
    };
  }

  async function route(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const r = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    if (ctx.verbose) log(`control ${r}`);
    switch (r) {
      case 'GET /health':
        return sendJson(res, 200, { ok: true, mode: sim.mode.mode, dataPortOpen: ctx.dataPortOpen() });
      case 'GET /stats':
        return sendJson(res, 200, statsView());
      case 'POST /reset':
        await readJson(req);
        sim.resetState();
        await ctx.setMode(normaliseMode({ mode: 'up' }), ' (reset)');
        return sendJson(res, 200, { ok: true, mode: sim.mode });
      case 'GET /mode':
        return sendJson(res, 200, sim.mode);
      case 'POST /mode': {
        const m = normaliseMode(await readJson(req));
        await ctx.setMode(m);
        return sendJson(res, 200, { ok: true, mode: sim.mode });
      }
      case 'GET /config':
        return sendJson(res, 200, sim.configView());
      case 'POST /config': {
        const c = sim.configure(await readJson(req));
        log(`config rate=${c.rate} burst=${c.burst} hitRate=${c.hitRate} pendingRate=${c.pendingRate}`);
        return sendJson(res, 200, { ok: true, config: c });
      }
      case 'GET /pending': {
        const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : Infinity;
        const all = ['1', 'true', 'yes'].includes(url.searchParams.get('all'));
        return sendJson(res, 200, sim.pendingList({ all, limit: limit >= 0 ? limit : Infinity }));
      }
      case 'POST /pending/ack': {
        const body = await readJson(req);
        return sendJson(res, 200, sim.ackPending(body.keys));
      }
      default:
        req.resume();
        if (req.method === 'GET' && url.pathname.startsWith('/answers/')) {
          const a = sim.answerFor(decodeURIComponent(url.pathname.slice('/answers/'.length)));
          return a ? sendJson(res, 200, a) : sendJson(res, 404, { error: 'no answer for that key' });
        }
        return sendJson(res, 404, { error: `no route ${r}` });
    }
  }

  return http.createServer((req, res) => {
    route(req, res).catch((e) => {
      if (e instanceof BadInput) sendJson(res, 400, { error: e.message });
      else sendJson(res, 500, { error: e.message });
    });
  });
}
