#!/usr/bin/env node
// Simulator of the national central clearance ("cekal") service, for the
// tests, drills and benchmarks of the KITAS case server.
//
//   node tests/central-sim/server.js [--port 8099] [--control-port 8098]
//        [--rate N] [--burst N] [--hit-rate F] [--pending-rate F]
//        [--mode NAME] [--verbose]
//
// Data port:    POST /clearance/v1/batch  (the protocol, see protocol.js)
// Control port: JSON API (GET /stats, POST /mode, ...), see README.md.
// Both listen on 127.0.0.1 only.

import http from 'node:http';
import { parseArgs } from 'node:util';
import { MAX_BODY, parseBatch, ProtocolError } from './protocol.js';
import { describeMode, Simulator } from './sim.js';
import { createControlServer } from './control.js';

const BATCH_PATH = '/clearance/v1/batch';
const HOST = '127.0.0.1';
const DRAIN_LIMIT = 16 * MAX_BODY; // beyond this a too large body is cut off

// ---------------------------------------------------------------------------
// Command line.

const USAGE = `usage: node tests/central-sim/server.js [options]
  --port N            data (protocol) port, default 8099 (env CENTRAL_SIM_PORT)
  --control-port N    control API port, default 8098 (env CENTRAL_SIM_CONTROL_PORT)
  --rate N            items per second the bucket lets through, 0 = unlimited (default 0)
  --burst N           bucket capacity in items, 0 = same as rate (default 0)
  --hit-rate F        fraction of keys that are hits, 0..1 (default 0.05)
  --pending-rate F    fraction of keys answered pending, 0..1 (default 0)
  --mode NAME         initial mode with default parameters (default up)
  --verbose           log every request
  --help              this text`;

function cli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'control-port': { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      'hit-rate': { type: 'string' },
      'pending-rate': { type: 'string' },
      mode: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (name, v, dflt) => {
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name}: not a number: ${v}`);
    return n;
  };
  const port = (name, v, dflt) => {
    const n = num(name, v, dflt);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}: not a port: ${v}`);
    return n;
  };
  return {
    port: port('--port', values.port ?? process.env.CENTRAL_SIM_PORT, 8099),
    controlPort: port('--control-port', values['control-port'] ?? process.env.CENTRAL_SIM_CONTROL_PORT, 8098),
    rate: num('--rate', values.rate, 0),
    burst: num('--burst', values.burst, 0),
    hitRate: num('--hit-rate', values['hit-rate'], 0.05),
    pendingRate: num('--pending-rate', values['pending-rate'], 0),
    mode: values.mode ?? 'up',
    verbose: values.verbose,
  };
}

let opts;
let sim;
try {
  opts = cli(process.argv.slice(2));
  sim = new Simulator(opts);
  if (opts.port === opts.controlPort) throw new Error('--port and --control-port must differ');
} catch (e) {
  console.error(`central-sim: ${e.message}\n${USAGE}`);
  process.exit(2);
}

function log(msg) {
  console.log(`${new Date().toISOString()} central-sim: ${msg}`);
}

// ---------------------------------------------------------------------------
// The data port.

let dataServer = null; // null while the mode is refused
const held = new Set(); // blackholed sockets
const slowTimers = new Set();

function send(res, status, body, headers = {}) {
  if (res.destroyed || res.writableEnded) return;
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Length': buf.length, ...headers });
  res.end(buf);
}

function sendText(res, status, text, headers = {}) {
  send(res, status, text + '\n', { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
}

function sendXml(res, status, xml) {
  send(res, status, xml, { 'Content-Type': 'application/xml; charset=utf-8' });
}

function destroyHeld() {
  for (const s of held) s.destroy();
  held.clear();
}

// Keeps the connection open and answers nothing.
function hold(req) {
  sim.stats.blackholed++;
  req.resume(); // read and forget the body, so the client's write completes
  const sock = req.socket;
  if (held.has(sock)) return;
  held.add(sock);
  sock.once('close', () => held.delete(sock));
}

// Reads the whole body; calls done(buffer) or done(null) when it is
// larger than MAX_BODY (drained up to DRAIN_LIMIT, then cut off).
function readBody(req, res, done) {
  const declared = Number(req.headers['content-length']);
  if (declared > DRAIN_LIMIT) {
    sim.stats.rejected++;
    sendText(res, 400, `body larger than ${MAX_BODY} bytes`, { Connection: 'close' });
    req.destroy();
    return;
  }
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c) => {
    size += c.length;
    if (size > DRAIN_LIMIT) {
      req.destroy();
      return;
    }
    if (size > MAX_BODY) tooLarge = true;
    if (!tooLarge) chunks.push(c);
  });
  req.on('end', () => done(tooLarge ? null : Buffer.concat(chunks, size)));
  req.on('error', () => {});
}

function onBatch(req, res, mode, t0) {
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/xml') {
    req.resume();
    sim.stats.rejected++;
    return sendText(res, 415, 'Content-Type must be application/xml');
  }
  readBody(req, res, (buf) => {
    if (!buf) {
      sim.stats.rejected++;
      if (opts.verbose) log(`400 body larger than ${MAX_BODY} bytes`);
      return sendText(res, 400, `body larger than ${MAX_BODY} bytes`, { Connection: 'close' });
    }
    let batch;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
      batch = parseBatch(text);
    } catch (e) {
      sim.stats.rejected++;
      const msg = e instanceof ProtocolError ? e.message : e instanceof TypeError ? 'body is not UTF-8' : `bad body: ${e.message}`;
      if (opts.verbose) log(`400 ${msg}`);
      return sendText(res, 400, msg);
    }
    // Central's own checks refuse a request whose passport starts with
    // REJ: the "this request is bad" answer, for the office's tests.
    const refused = batch.requests.find((r) => r.passport.startsWith('REJ'));
    if (refused) {
      sim.stats.rejected++;
      return sendText(res, 400, `request ${refused.key} refused: passport not acceptable`);
    }
    const n = batch.requests.length;
    const wait = sim.admit(n);
    if (wait) {
      if (opts.verbose) log(`429 batch of ${n} items, Retry-After ${wait}`);
      return sendText(res, 429, 'too many requests', { 'Retry-After': String(wait) });
    }
    const recs = sim.process(batch.requests, mode);
    const body = sim.responseBody(recs, mode);
    if (sim.isFaultyBody(mode)) sim.stats.faulty++;
    if (mode.mode === 'slow' && mode.seconds > 0) {
      const t = setTimeout(() => {
        slowTimers.delete(t);
        sendXml(res, 200, body);
      }, mode.seconds * 1000);
      slowTimers.add(t);
      res.once('close', () => {
        clearTimeout(t);
        slowTimers.delete(t);
      });
    } else {
      sendXml(res, 200, body);
    }
    if (opts.verbose) log(`200 batch of ${n} items from ${batch.office} (${mode.mode}) in ${Date.now() - t0} ms`);
  });
}

function onData(req, res) {
  const t0 = Date.now();
  const mode = sim.mode; // the mode when the request came in
  sim.stats.httpRequests++;
  if (opts.verbose) log(`${req.method} ${req.url} (${mode.mode})`);
  if (mode.mode === 'blackhole') return hold(req);
  const path = req.url.split('?')[0];
  if (path !== BATCH_PATH) {
    req.resume();
    return sendText(res, 404, 'not found');
  }
  if (req.method !== 'POST') {
    req.resume();
    return sendText(res, 405, 'method not allowed', { Allow: 'POST' });
  }
  if (mode.mode === 'error5xx') {
    req.resume();
    sim.stats.errors5xx++;
    const h = mode.status === 503 && mode.retryAfter !== undefined ? { 'Retry-After': String(mode.retryAfter) } : {};
    return sendText(res, mode.status, `simulated error ${mode.status}`, h);
  }
  if (mode.mode === 'throttle') {
    req.resume();
    sim.stats.throttled++;
    return sendText(res, 429, 'too many requests', { 'Retry-After': String(mode.retryAfter) });
  }
  onBatch(req, res, mode, t0);
}

function openData() {
  return new Promise((resolve, reject) => {
    const srv = http.createServer({ keepAliveTimeout: 5000 }, onData);
    srv.on('clientError', (err, sock) => {
      if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else sock.destroy();
    });
    srv.once('error', reject);
    srv.listen(opts.port, HOST, () => {
      srv.removeListener('error', reject);
      srv.on('error', (e) => log(`data port error: ${e.message}`));
      dataServer = srv;
      resolve();
    });
  });
}

function closeData() {
  const srv = dataServer;
  dataServer = null;
  if (!srv) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 1000);
    srv.close(() => {
      clearTimeout(t);
      resolve();
    });
    srv.closeAllConnections();
  });
}

// Mode changes run one after the other; each is complete (port open or
// closed, held sockets gone) when its promise resolves.
let modeChain = Promise.resolve();

function setMode(m, why = '') {
  const run = async () => {
    const old = sim.mode;
    sim.mode = m;
    if (m.mode !== 'blackhole') destroyHeld();
    if (m.mode === 'refused') await closeData();
    else if (!dataServer) {
      try {
        await openData();
      } catch (e) {
        sim.mode = { mode: 'refused' };
        log(`mode ${describeMode(old)} -> ${describeMode(m)} failed: cannot listen on ${HOST}:${opts.port}: ${e.message}`);
        throw e;
      }
    }
    log(`mode ${describeMode(old)} -> ${describeMode(m)}${why}`);
  };
  const p = modeChain.then(run, run);
  modeChain = p.catch(() => {});
  return p;
}

const controlServer = createControlServer({
  sim,
  log,
  verbose: opts.verbose,
  setMode,
  held: () => held.size,
  dataPortOpen: () => !!dataServer,
});

// ---------------------------------------------------------------------------
// Activity log, shutdown, start.

let last = { httpRequests: 0, received: 0, unique: 0, duplicates: 0, batches: 0, throttled: 0, rejected: 0 };
const minute = setInterval(() => {
  const s = sim.stats;
  if (s.httpRequests < last.httpRequests) last = { httpRequests: 0, received: 0, unique: 0, duplicates: 0, batches: 0, throttled: 0, rejected: 0 };
  if (s.httpRequests === last.httpRequests) return;
  const d = (k) => s[k] - last[k];
  log(
    `last minute: ${d('httpRequests')} requests, ${d('batches')} batches, ${d('received')} items ` +
      `(${d('unique')} new, ${d('duplicates')} duplicates), ${d('throttled')} throttled, ${d('rejected')} rejected; ` +
      `total unique ${s.unique} (clear ${s.clear}, hit ${s.hit}, pending ${s.pending}), max/s ${s.maxPerSecond}, mode ${sim.mode.mode}`,
  );
  last = { httpRequests: s.httpRequests, received: s.received, unique: s.unique, duplicates: s.duplicates, batches: s.batches, throttled: s.throttled, rejected: s.rejected };
}, 60_000);
minute.unref();

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: shutting down`);
  clearInterval(minute);
  destroyHeld();
  for (const t of slowTimers) clearTimeout(t);
  slowTimers.clear();
  let open = 0;
  const closed = () => {
    if (--open <= 0) process.exit(0);
  };
  for (const srv of [dataServer, controlServer]) {
    if (!srv || !srv.listening) continue;
    open++;
    srv.close(closed);
    srv.closeAllConnections();
  }
  if (open === 0) process.exit(0);
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

async function main() {
  await new Promise((resolve, reject) => {
    controlServer.once('error', reject);
    controlServer.listen(opts.controlPort, HOST, resolve);
  });
  if (sim.mode.mode !== 'refused') await openData();
  const c = sim.config;
  log(
    `ready data=${HOST}:${opts.port} control=${HOST}:${opts.controlPort} mode=${describeMode(sim.mode)} ` +
      `rate=${c.rate || 'unlimited'} burst=${c.burst} hitRate=${c.hitRate} pendingRate=${c.pendingRate}`,
  );
}

main().catch((e) => {
  console.error(`central-sim: cannot start: ${e.message}`);
  process.exit(1);
});
