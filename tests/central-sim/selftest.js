// Self-test of the central clearance simulator.
//
//   node --test tests/central-sim/selftest.js
//
// Starts the simulator on free ports, drives the protocol and the control
// API, and checks responses against assets/schemas/central-clearance-1.xsd
// with xmllint (Debian package libxml2-utils).  The simulator process is
// killed at the end, also when a test fails.

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const XSD = path.join(REPO, 'assets/schemas/central-clearance-1.xsd');
const SERVER = path.join(HERE, 'server.js');
const NS = 'urn:kitas:central:clearance:1';
const BATCH = '/clearance/v1/batch';
const T = { timeout: 10_000 }; // no test runs longer than this

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Helpers.

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// One HTTP request on a fresh connection.  Resolves { status, headers,
// body, ms }; rejects with the socket error (err.code) or, after
// `timeout` ms, with code 'CLIENT_TIMEOUT'.
function request(port, method, urlPath, { body, headers = {}, timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - t0 }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

function codeOf(promise) {
  return promise.then(
    (r) => `HTTP ${r.status}`,
    (e) => e.code || e.message,
  );
}

const NAT = ['AUS', 'DEU', 'NLD', 'USA', 'JPN', 'FRA'];
const KINDS = ['E23', 'E31A', 'E31C', 'E31E', 'E33', 'E33G', 'RETIREMENT'];
let serial = 0;

function makeRequests(n, over = {}) {
  const out = [];
  for (let i = 0; i < n; i++) {
    serial++;
    out.push({
      key: randomUUID(),
      caseRef: `SMG-2026-${String(serial % 1e6).padStart(6, '0')}-${'0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'[serial % 34]}`,
      passport: `X${String(1000000 + serial)}`,
      nationality: NAT[serial % NAT.length],
      familyName: serial % 7 === 0 ? `O'Brien & <Sons> "${serial}"` : `Family${serial}`,
      givenNames: serial % 5 === 0 ? '' : 'Ann Marie',
      birthDate: '1980-02-29',
      permitKind: KINDS[serial % KINDS.length],
      ...over,
    });
  }
  return out;
}

const xesc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function batchXml(reqs, { office = 'SMG', ns = NS, root = 'clearanceBatch', version = '1', omit = null, extra = '' } = {}) {
  const items = reqs
    .map((r) => {
      const f = ['caseRef', 'passport', 'nationality', 'familyName', 'givenNames', 'birthDate', 'permitKind']
        .filter((k) => k !== omit)
        .map((k) => `<${k}>${xesc(r[k])}</${k}>`)
        .join('');
      return `  <request key="${r.key}">${f}</request>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${ns}" version="${version}" office="${office}" sentAt="2026-03-01T10:00:00+07:00">\n${items}\n${extra}</${root}>\n`;
}

// 0 = valid, 1 = not well-formed, 3/4 = not valid against the schema.
function xmllint(text, { schema = true } = {}) {
  const args = schema ? ['--noout', '--schema', XSD, '-'] : ['--noout', '-'];
  const r = spawnSync('xmllint', args, { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.status;
}

function parseAnswers(xml) {
  const doc = new DOMParser({
    onError(level, msg) {
      throw new Error(`${level}: ${msg}`);
    },
  }).parseFromString(xml, 'application/xml');
  const root = doc.documentElement;
  const list = [];
  const els = root.getElementsByTagNameNS('*', 'answer');
  for (let i = 0; i < els.length; i++) {
    const e = els[i];
    const a = { key: e.getAttribute('key'), result: e.getAttribute('result'), checkedAt: e.getAttribute('checkedAt') };
    if (e.hasAttribute('reference')) a.reference = e.getAttribute('reference');
    if (e.hasAttribute('reason')) a.reason = e.getAttribute('reason');
    list.push(a);
  }
  return { ns: root.namespaceURI, root: root.localName, version: root.getAttribute('version'), answers: list };
}

// ---------------------------------------------------------------------------
// The simulator under test.

const sims = new Set();
process.on('exit', () => {
  for (const p of sims) p.kill('SIGKILL');
});

async function startSim(extraArgs = []) {
  const port = await freePort();
  let controlPort = await freePort();
  while (controlPort === port) controlPort = await freePort();
  const proc = spawn(process.execPath, [SERVER, '--port', String(port), '--control-port', String(controlPort), ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  sims.add(proc);
  let out = '';
  proc.stdout.on('data', (c) => (out += c));
  proc.stderr.on('data', (c) => (out += c));
  proc.once('exit', () => sims.delete(proc));
  const deadline = Date.now() + 5000;
  while (!/ ready /.test(out)) {
    if (proc.exitCode !== null) throw new Error(`simulator exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`simulator did not start: ${out}`);
    await sleep(25);
  }
  return {
    proc,
    port,
    controlPort,
    output: () => out,
    stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

let sim;

async function ctl(method, p, body) {
  const r = await request(sim.controlPort, method, p, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  return { status: r.status, json: JSON.parse(r.body) };
}

const stats = async () => (await ctl('GET', '/stats')).json;

async function setMode(m) {
  const r = await ctl('POST', '/mode', m);
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

function postBatch(xml, opts = {}) {
  return request(sim.port, 'POST', BATCH, {
    body: xml,
    headers: { 'Content-Type': 'application/xml', ...(opts.headers || {}) },
    timeout: opts.timeout ?? 5000,
  });
}

// ---------------------------------------------------------------------------

describe('central clearance simulator', () => {
  before(async () => {
    sim = await startSim();
  });
  after(() => sim && sim.stop());
  beforeEach(async () => {
    assert.equal((await ctl('POST', '/reset')).status, 200);
  });

  test('health and a schema-valid test batch', T, async () => {
    const h = await ctl('GET', '/health');
    assert.equal(h.status, 200);
    assert.equal(h.json.ok, true);
    assert.equal(xmllint(batchXml(makeRequests(3))), 0, 'the batches this test sends are valid');
  });

  test('valid batch: one answer per key, schema-valid; again: same answers, counted as duplicates', T, async () => {
    const reqs = makeRequests(20);
    const xml = batchXml(reqs);
    const r1 = await postBatch(xml);
    assert.equal(r1.status, 200);
    assert.match(r1.headers['content-type'], /^application\/xml/);
    assert.equal(xmllint(r1.body), 0, 'up-mode response is valid against the XSD');
    const a1 = parseAnswers(r1.body);
    assert.equal(a1.ns, NS);
    assert.deepEqual(a1.answers.map((a) => a.key), reqs.map((r) => r.key));
    for (const a of a1.answers) {
      assert.ok(['clear', 'hit'].includes(a.result));
      assert.ok(!Number.isNaN(Date.parse(a.checkedAt)));
    }
    let s = await stats();
    assert.equal(s.received, 20);
    assert.equal(s.unique, 20);
    assert.equal(s.duplicates, 0);
    assert.equal(s.batches, 1);
    assert.equal(s.clear + s.hit + s.pending, 20);

    await sleep(20); // a later checkedAt would show
    const r2 = await postBatch(xml);
    assert.equal(r2.status, 200);
    assert.deepEqual(parseAnswers(r2.body).answers, a1.answers, 'same result, reference and checkedAt');
    s = await stats();
    assert.equal(s.received, 40);
    assert.equal(s.unique, 20, 'unique unchanged');
    assert.equal(s.duplicates, 20);
    assert.equal(s.batches, 2);
    assert.deepEqual([...s.dupKeys].sort(), reqs.map((r) => r.key).sort());
    // Repeated keys load central too: all 40 are in the per-second
    // counts (the two batches may fall in two seconds).
    assert.equal(s.perSecond.reduce((n, x) => n + x.items, 0), 40);
    assert.ok(s.maxPerSecond >= 20 && s.maxPerSecond <= 40);

    // A batch mixing a known key with new ones.
    const mixed = [reqs[0], ...makeRequests(2)];
    const r3 = await postBatch(batchXml(mixed));
    assert.deepEqual(parseAnswers(r3.body).answers[0], a1.answers[0]);
    s = await stats();
    assert.equal(s.unique, 22);
    assert.equal(s.duplicates, 21);

    const one = await ctl('GET', `/answers/${reqs[0].key}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.result, a1.answers[0].result);
  });

  test('hits: deterministic from the key, with reference and reason; forced by passport', T, async () => {
    try {
      assert.equal((await ctl('POST', '/config', { hitRate: 0.5 })).status, 200);
      const reqs = makeRequests(100);
      const first = parseAnswers((await postBatch(batchXml(reqs))).body).answers;
      const hits = first.filter((a) => a.result === 'hit');
      assert.ok(hits.length > 25 && hits.length < 75, `about half are hits (${hits.length})`);
      for (const a of hits) {
        assert.match(a.reference, /^CKL-\d{4}-\d{6}$/);
        assert.ok(a.reason.length > 0);
      }
      await ctl('POST', '/reset');
      const again = parseAnswers((await postBatch(batchXml(reqs))).body).answers;
      assert.deepEqual(
        again.map(({ key, result, reference, reason }) => ({ key, result, reference, reason })),
        first.map(({ key, result, reference, reason }) => ({ key, result, reference, reason })),
        'a fresh run decides the same',
      );
      await ctl('POST', '/config', { hitRate: 0 });
      const forced = makeRequests(2);
      forced[0].passport = 'HIT0001';
      const fa = parseAnswers((await postBatch(batchXml(forced))).body).answers;
      assert.equal(fa[0].result, 'hit');
      assert.equal(fa[1].result, 'clear');
    } finally {
      await ctl('POST', '/config', { hitRate: 0.05 });
    }
  });

  test('bad bodies are 400 (415 for the wrong type) and counted as rejected', T, async () => {
    const [r] = makeRequests(1);
    const ok = batchXml([r]);
    const cases = {
      'not well-formed': ok.replace('</clearanceBatch>', ''),
      'not XML': 'hello',
      empty: '',
      doctype: `<?xml version="1.0"?>\n<!DOCTYPE clearanceBatch [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n${ok.split('\n').slice(1).join('\n').replace('Family', '&x;')}`,
      'wrong namespace': batchXml([r], { ns: 'urn:kitas:central:clearance:2' }),
      'wrong root': batchXml([r], { root: 'clearanceAnswers' }),
      'version 2': batchXml([r], { version: '2' }),
      'office lower case': batchXml([r], { office: 'smg' }),
      'missing field': batchXml([r], { omit: 'nationality' }),
      'fields out of order': ok.replace(/<passport>(.*?)<\/passport><nationality>(.*?)<\/nationality>/, '<nationality>$2</nationality><passport>$1</passport>'),
      'extra element': batchXml([r], { extra: '<note>x</note>\n' }),
      'no request': batchXml([]),
      'over 100 requests': batchXml(makeRequests(101)),
      'duplicate key in batch': batchXml([r, { ...makeRequests(1)[0], key: r.key }]),
      'upper-case key': batchXml([{ ...r, key: r.key.toUpperCase() }]),
      'bad caseRef': batchXml([{ ...r, caseRef: 'SMG-26-1-X' }]),
      'bad passport': batchXml([{ ...r, passport: 'ab' }]),
      'bad nationality': batchXml([{ ...r, nationality: 'AU' }]),
      'bad birthDate': batchXml([{ ...r, birthDate: '2023-02-30' }]),
      'bad permitKind': batchXml([{ ...r, permitKind: 'E99' }]),
      'name over 100': batchXml([{ ...r, familyName: 'A'.repeat(101) }]),
      'over 1 MiB': batchXml([r], { extra: `<!--${'x'.repeat(1100 * 1024)}-->\n` }),
    };
    let n = 0;
    for (const [what, body] of Object.entries(cases)) {
      const res = await postBatch(body);
      assert.equal(res.status, 400, `${what}: ${res.status} ${res.body}`);
      n++;
    }
    const notUtf8 = Buffer.concat([Buffer.from(ok.replace('Family', 'F')), Buffer.from([0xff, 0xfe])]);
    assert.equal((await postBatch(notUtf8)).status, 400, 'not UTF-8');
    n++;
    const wrongType = await request(sim.port, 'POST', BATCH, { body: ok, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(wrongType.status, 415);
    n++;
    assert.equal((await request(sim.port, 'GET', BATCH)).status, 405);
    assert.equal((await request(sim.port, 'POST', '/nope', { body: ok })).status, 404);
    const s = await stats();
    assert.equal(s.rejected, n);
    assert.equal(s.unique, 0);
    assert.equal(s.received, 0);
    assert.equal((await postBatch(ok)).status, 200, 'still serving after all that');
  });

  test('mode refused: connection refused, control still works, up re-opens the port', T, async () => {
    await setMode({ mode: 'refused' });
    assert.equal(await codeOf(postBatch(batchXml(makeRequests(1)))), 'ECONNREFUSED');
    const h = await ctl('GET', '/health');
    assert.equal(h.json.dataPortOpen, false);
    await setMode({ mode: 'up' });
    assert.equal(await codeOf(postBatch(batchXml(makeRequests(1)))), 'HTTP 200');
  });

  test('mode blackhole: no answer until the client gives up; held sockets dropped on mode change', T, async () => {
    await setMode({ mode: 'blackhole' });
    const t0 = Date.now();
    assert.equal(await codeOf(postBatch(batchXml(makeRequests(1)), { timeout: 500 })), 'CLIENT_TIMEOUT');
    assert.ok(Date.now() - t0 >= 450);
    // A client that would wait for ever: the mode change ends it.
    const waiting = codeOf(postBatch(batchXml(makeRequests(1)), { timeout: 8000 }));
    await sleep(200);
    let s = await stats();
    assert.equal(s.held, 1);
    assert.equal(s.blackholed, 2);
    assert.equal(s.unique, 0, 'nothing was checked');
    const t1 = Date.now();
    await setMode({ mode: 'up' });
    assert.match(await waiting, /ECONNRESET|socket hang up/);
    assert.ok(Date.now() - t1 < 2000);
    s = await stats();
    assert.equal(s.held, 0);
    assert.equal((await postBatch(batchXml(makeRequests(1)))).status, 200);
  });

  test('mode slow: correct answer after N seconds', T, async () => {
    await setMode({ mode: 'slow', seconds: 1 });
    const reqs = makeRequests(3);
    const r = await postBatch(batchXml(reqs), { timeout: 5000 });
    assert.equal(r.status, 200);
    assert.ok(r.ms >= 950, `took ${r.ms} ms`);
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
    assert.equal(xmllint(r.body), 0);
    assert.deepEqual(parseAnswers(r.body).answers.map((a) => a.key), reqs.map((x) => x.key));
    // A client that gives up first: the check was done, a retry is a duplicate.
    assert.equal(await codeOf(postBatch(batchXml(reqs), { timeout: 300 })), 'CLIENT_TIMEOUT');
    await setMode({ mode: 'up' });
    const s = await stats();
    assert.equal(s.unique, 3);
    assert.equal(s.duplicates, 3);
  });

  test('mode error5xx: the status, Retry-After only with 503', T, async () => {
    const xml = batchXml(makeRequests(2));
    await setMode({ mode: 'error5xx' });
    assert.equal((await postBatch(xml)).status, 500);
    await setMode({ mode: 'error5xx', status: 502 });
    assert.equal((await postBatch(xml)).status, 502);
    await setMode({ mode: 'error5xx', status: 503, retryAfter: 7 });
    const r = await postBatch(xml);
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '7');
    await setMode({ mode: 'error5xx', status: 500, retryAfter: 7 });
    assert.equal((await postBatch(xml)).headers['retry-after'], undefined);
    const s = await stats();
    assert.equal(s.errors5xx, 4);
    assert.equal(s.unique, 0);
  });

  test('mode throttle: 429 with Retry-After, counted', T, async () => {
    await setMode({ mode: 'throttle', retryAfter: 3 });
    const r = await postBatch(batchXml(makeRequests(5)));
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '3');
    const s = await stats();
    assert.equal(s.throttled, 1);
    assert.equal(s.unique, 0);
  });

  test('mode malformed: 200 with a body that is not well-formed', T, async () => {
    await setMode({ mode: 'malformed' });
    const r = await postBatch(batchXml(makeRequests(4)));
    assert.equal(r.status, 200);
    assert.equal(xmllint(r.body, { schema: false }), 1, 'xmllint: not well-formed');
    assert.throws(() => parseAnswers(r.body));
    assert.equal((await stats()).faulty, 1);
  });

  test('mode xsdinvalid: well-formed, invalid against the XSD, in every variant', T, async () => {
    const upBody = (await postBatch(batchXml(makeRequests(3)))).body;
    assert.equal(xmllint(upBody), 0, 'up is valid');
    for (const variant of [undefined, 'result', 'checkedAt', 'mixed', 'namespace', 'version']) {
      await setMode(variant ? { mode: 'xsdinvalid', variant } : { mode: 'xsdinvalid' });
      const r = await postBatch(batchXml(makeRequests(3)));
      assert.equal(r.status, 200);
      assert.equal(xmllint(r.body, { schema: false }), 0, `${variant}: well-formed`);
      assert.notEqual(xmllint(r.body), 0, `${variant}: schema-invalid\n${r.body}`);
    }
  });

  test('mode wrongkey: well-formed answers for keys that were not asked', T, async () => {
    await setMode({ mode: 'wrongkey' });
    const reqs = makeRequests(5);
    const asked = new Set(reqs.map((r) => r.key));
    const r = await postBatch(batchXml(reqs));
    assert.equal(r.status, 200);
    assert.equal(xmllint(r.body), 0, 'schema-valid, the fault is in the keys');
    const got = parseAnswers(r.body).answers;
    assert.equal(got.length, 5);
    assert.ok(got.every((a) => !asked.has(a.key)));
    await setMode({ mode: 'wrongkey', variant: 'one' });
    const reqs2 = makeRequests(5);
    const asked2 = new Set(reqs2.map((x) => x.key));
    const got2 = parseAnswers((await postBatch(batchXml(reqs2))).body).answers;
    assert.equal(got2.filter((a) => !asked2.has(a.key)).length, 1);
  });

  test('mode duplicate: every answer twice', T, async () => {
    await setMode({ mode: 'duplicate' });
    const reqs = makeRequests(4);
    const r = await postBatch(batchXml(reqs));
    assert.equal(r.status, 200);
    const keys = parseAnswers(r.body).answers.map((a) => a.key);
    assert.equal(keys.length, 8);
    for (const q of reqs) assert.equal(keys.filter((k) => k === q.key).length, 2);
    assert.equal((await stats()).unique, 4, 'central checked each once');
  });

  test('mode pending: pending answers, verdicts in GET /pending, ack delivers them', T, async () => {
    await setMode({ mode: 'pending' });
    const reqs = makeRequests(6);
    const r = await postBatch(batchXml(reqs));
    assert.equal(r.status, 200);
    assert.equal(xmllint(r.body), 0);
    const got = parseAnswers(r.body).answers;
    assert.ok(got.every((a) => a.result === 'pending' && a.reference === undefined));
    let p = (await ctl('GET', '/pending')).json;
    assert.deepEqual(p.map((x) => x.key).sort(), reqs.map((x) => x.key).sort());
    for (const v of p) {
      assert.ok(['clear', 'hit'].includes(v.result));
      assert.ok(v.checkedAt);
      if (v.result === 'hit') assert.match(v.reference, /^CKL-/);
    }
    // Asked again (even in up mode): the same pending answer.
    await setMode({ mode: 'up' });
    const again = parseAnswers((await postBatch(batchXml(reqs))).body).answers;
    assert.deepEqual(again, got);
    let s = await stats();
    assert.equal(s.pending, 6);
    assert.equal(s.duplicates, 6);
    assert.equal(s.pendingUndelivered, 6);
    const ack = (await ctl('POST', '/pending/ack', { keys: [reqs[0].key, reqs[1].key, 'no-such-key'] })).json;
    assert.equal(ack.acked, 2);
    assert.deepEqual(ack.unknown, ['no-such-key']);
    p = (await ctl('GET', '/pending')).json;
    assert.equal(p.length, 4);
    assert.equal((await ctl('GET', '/pending?all=1')).json.length, 6);
    s = await stats();
    assert.equal(s.pendingUndelivered, 4);
  });

  test('pending rate in up mode', T, async () => {
    try {
      await ctl('POST', '/config', { pendingRate: 1 });
      const reqs = makeRequests(3);
      const got = parseAnswers((await postBatch(batchXml(reqs))).body).answers;
      assert.ok(got.every((a) => a.result === 'pending'));
      assert.equal((await ctl('GET', '/pending')).json.length, 3);
    } finally {
      await ctl('POST', '/config', { pendingRate: 0 });
    }
  });

  test('token bucket: rate 50, burst 10 throttles and never passes more than 60 items a second', T, async () => {
    try {
      const c = await ctl('POST', '/config', { rate: 50, burst: 10 });
      assert.equal(c.status, 200);
      // 100 items at once, in 20 batches of 5.
      const burst = await Promise.all(Array.from({ length: 20 }, () => postBatch(batchXml(makeRequests(5)))));
      const ok = burst.filter((r) => r.status === 200).length;
      const throttled = burst.filter((r) => r.status === 429);
      assert.ok(ok >= 2 && ok < 20, `${ok} of 20 batches passed`);
      assert.ok(throttled.length > 0);
      for (const r of throttled) assert.ok(Number(r.headers['retry-after']) >= 1);
      // A batch larger than the bucket never passes.
      assert.equal((await postBatch(batchXml(makeRequests(11)))).status, 429);
      // Hammer it for 2.2 s, ignoring Retry-After.
      let okItems = ok * 5;
      const until = Date.now() + 2200;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (Date.now() < until) {
            const r = await postBatch(batchXml(makeRequests(5)));
            if (r.status === 200) okItems += 5;
            else await sleep(5);
          }
        }),
      );
      const s = await stats();
      assert.ok(s.maxPerSecond <= 60, `maxPerSecond ${s.maxPerSecond}`);
      assert.ok(s.maxPerSecond >= 40, `maxPerSecond ${s.maxPerSecond}`);
      for (const x of s.perSecond) assert.ok(x.items <= 60, JSON.stringify(x));
      assert.equal(s.unique, okItems, 'all or nothing: only admitted batches were checked');
      assert.equal(s.duplicates, 0);
      assert.equal(s.oversize, 1);
      assert.ok(s.throttled >= throttled.length + 1);
      assert.equal(s.throttledItems, (s.throttled - 1) * 5 + 11);
    } finally {
      await ctl('POST', '/config', { rate: 0, burst: 0 });
    }
  });

  test('reset: counters, answers and mode', T, async () => {
    const reqs = makeRequests(3);
    await postBatch(batchXml(reqs));
    await postBatch(batchXml(reqs));
    await postBatch('junk');
    await setMode({ mode: 'refused' });
    const r = await ctl('POST', '/reset');
    assert.equal(r.json.mode.mode, 'up');
    let s = await stats();
    for (const k of ['received', 'unique', 'duplicates', 'batches', 'rejected', 'throttled', 'maxPerSecond']) assert.equal(s[k], 0, k);
    assert.deepEqual(s.dupKeys, []);
    assert.deepEqual(s.perSecond, []);
    assert.equal(s.dataPortOpen, true);
    assert.equal((await postBatch(batchXml(reqs))).status, 200);
    s = await stats();
    assert.equal(s.unique, 3, 'answers were forgotten');
    assert.equal(s.duplicates, 0);
  });

  test('control API rejects bad input', T, async () => {
    assert.equal((await ctl('POST', '/mode', { mode: 'sideways' })).status, 400);
    assert.equal((await ctl('POST', '/mode', { mode: 'throttle', retryAfter: 1.5 })).status, 400);
    assert.equal((await ctl('POST', '/mode', { mode: 'error5xx', status: 404 })).status, 400);
    assert.equal((await ctl('POST', '/config', { hitRate: 2 })).status, 400);
    assert.equal((await ctl('POST', '/config', { speed: 1 })).status, 400);
    assert.equal((await ctl('GET', '/nope')).status, 404);
    assert.equal((await ctl('GET', '/mode')).json.mode, 'up');
  });

  test('throughput: 100 batches of 100 items', T, async (t) => {
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      const r = await postBatch(batchXml(makeRequests(100)));
      assert.equal(r.status, 200);
    }
    const ms = Date.now() - t0;
    const s = await stats();
    assert.equal(s.unique, 10_000);
    assert.equal(s.duplicates, 0);
    assert.ok(ms < 8000, `${ms} ms`);
    t.diagnostic(`10000 items in ${ms} ms (${Math.round(10_000_000 / ms)} items/s, client included)`);
  });
});

test('SIGTERM: clean exit 0 within 1 s, even with held and slow requests', T, async () => {
  const s2 = await startSim(['--mode', 'slow']); // 5 s
  try {
    const post = () =>
      codeOf(request(s2.port, 'POST', BATCH, { body: batchXml(makeRequests(1)), headers: { 'Content-Type': 'application/xml' } }));
    const slow = post();
    await sleep(100);
    const m = await request(s2.controlPort, 'POST', '/mode', { body: '{"mode":"blackhole"}' });
    assert.equal(m.status, 200);
    const held = post();
    await sleep(200);
    const t0 = Date.now();
    const exited = new Promise((resolve) => s2.proc.once('exit', (code, signal) => resolve({ code, signal })));
    s2.proc.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.equal(code, 0, `exit ${code} ${signal}\n${s2.output()}`);
    assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
    assert.match(await held, /ECONNRESET|socket hang up/);
    assert.match(await slow, /ECONNRESET|socket hang up/);
    assert.match(s2.output(), /SIGTERM/);
  } finally {
    s2.stop();
  }
});
