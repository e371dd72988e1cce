// The simulator's state and behaviour, without HTTP: remembered answers,
// pending verdicts, modes, configuration, and what a batch is answered
// with.  server.js puts this on the two ports.

import { randomUUID } from 'node:crypto';
import { TokenBucket } from './bucket.js';
import { Stats } from './stats.js';
import { answerXml, answersDocument, decide, NS } from './protocol.js';

export const MODES = [
  'up', 'refused', 'blackhole', 'slow', 'error5xx', 'throttle',
  'malformed', 'xsdinvalid', 'wrongkey', 'duplicate', 'pending',
];

const XSD_VARIANTS = ['result', 'checkedAt', 'mixed', 'namespace', 'version'];
const WRONGKEY_VARIANTS = ['all', 'one'];

export class BadInput extends Error {}

function bad(msg) {
  throw new BadInput(msg);
}

function wholeSeconds(v, name, dflt) {
  if (v === undefined || v === null) return dflt;
  if (!Number.isInteger(v) || v < 0) bad(`${name} must be a whole number of seconds >= 0`);
  return v;
}

/**
 * Checks a mode request ({ mode, ...params }) and returns the normalised
 * mode object, or throws BadInput.
 */
export function normaliseMode(body) {
  if (!body || typeof body !== 'object' || typeof body.mode !== 'string') bad('expected {"mode": "..."}');
  const name = body.mode;
  if (!MODES.includes(name)) bad(`unknown mode ${name}; one of ${MODES.join(', ')}`);
  const m = { mode: name };
  switch (name) {
    case 'slow': {
      const s = body.seconds === undefined ? 5 : body.seconds;
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 3600) bad('seconds must be a number from 0 to 3600');
      m.seconds = s;
      break;
    }
    case 'error5xx': {
      const st = body.status === undefined ? 500 : body.status;
      if (!Number.isInteger(st) || st < 500 || st > 599) bad('status must be 500..599');
      m.status = st;
      const ra = wholeSeconds(body.retryAfter, 'retryAfter', null);
      if (ra !== null) m.retryAfter = ra;
      break;
    }
    case 'throttle':
      m.retryAfter = wholeSeconds(body.retryAfter, 'retryAfter', 1);
      break;
    case 'xsdinvalid':
      m.variant = body.variant === undefined ? 'result' : body.variant;
      if (!XSD_VARIANTS.includes(m.variant)) bad(`variant must be one of ${XSD_VARIANTS.join(', ')}`);
      break;
    case 'wrongkey':
      m.variant = body.variant === undefined ? 'all' : body.variant;
      if (!WRONGKEY_VARIANTS.includes(m.variant)) bad(`variant must be one of ${WRONGKEY_VARIANTS.join(', ')}`);
      break;
    default:
      break;
  }
  return m;
}

export function describeMode(m) {
  const params = Object.entries(m).filter(([k]) => k !== 'mode').map(([k, v]) => `${k}=${v}`);
  return params.length ? `${m.mode} (${params.join(', ')})` : m.mode;
}

function fraction(v, name) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) bad(`${name} must be a number from 0 to 1`);
  return v;
}

function nonNegative(v, name) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`${name} must be a number >= 0`);
  return v;
}

export class Simulator {
  constructor({ rate = 0, burst = 0, hitRate = 0.05, pendingRate = 0, mode = 'up' } = {}) {
    this.config = {
      rate: nonNegative(rate, 'rate'),
      burst: nonNegative(burst, 'burst'),
      hitRate: fraction(hitRate, 'hitRate'),
      pendingRate: fraction(pendingRate, 'pendingRate'),
    };
    this.bucket = new TokenBucket(this.config.rate, this.config.burst);
    this.stats = new Stats();
    this.mode = normaliseMode({ mode });
    this.answers = new Map(); // key -> { key, result, reference, reason, checkedAt, xml }
    this.finals = new Map(); // key -> { key, caseRef, result, reference, reason, checkedAt, delivered }
    this.undelivered = 0;
  }

  // Counters, answers and pending verdicts forgotten, bucket full.  (The
  // mode is the server's business: it also has to re-open the port.)
  resetState() {
    this.stats.reset();
    this.answers.clear();
    this.finals.clear();
    this.undelivered = 0;
    this.bucket.reset();
  }

  // Partial update; returns the new configuration.
  configure(body) {
    if (!body || typeof body !== 'object') bad('expected a JSON object');
    const known = ['rate', 'burst', 'hitRate', 'pendingRate'];
    for (const k of Object.keys(body)) if (!known.includes(k)) bad(`unknown setting ${k}; one of ${known.join(', ')}`);
    const c = { ...this.config };
    if (body.rate !== undefined) c.rate = nonNegative(body.rate, 'rate');
    if (body.burst !== undefined) c.burst = nonNegative(body.burst, 'burst');
    if (body.hitRate !== undefined) c.hitRate = fraction(body.hitRate, 'hitRate');
    if (body.pendingRate !== undefined) c.pendingRate = fraction(body.pendingRate, 'pendingRate');
    this.config = c;
    if (body.rate !== undefined || body.burst !== undefined) this.bucket.configure(c.rate, c.burst);
    return this.configView();
  }

  configView() {
    return { ...this.config, bucket: this.bucket.toJSON() };
  }

  /**
   * Admits a parsed batch through the bucket.  Returns 0 when admitted,
   * otherwise the Retry-After seconds of a 429 (counted as throttled).
   */
  admit(n) {
    const wait = this.bucket.take(n);
    if (wait === 0) return 0;
    this.stats.throttled++;
    this.stats.throttledItems += n;
    if (wait === Infinity) {
      this.stats.oversize++;
      return this.bucket.secondsToFull();
    }
    return wait;
  }

  /**
   * Answers the requests of an admitted batch: remembered answers for keys
   * seen before, new ones (and remembered) for the rest.  Returns the
   * answer records in request order.
   */
  process(requests, mode = this.mode) {
    const now = Date.now();
    const checkedAt = new Date(now).toISOString();
    const forcePending = mode.mode === 'pending';
    const st = this.stats;
    const out = new Array(requests.length);
    let fresh = 0;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i];
      let rec = this.answers.get(r.key);
      if (rec) {
        st.duplicates++;
        st.noteDupKey(r.key);
      } else {
        const d = decide(r.key, r.passport, this.config, forcePending);
        rec = { key: r.key, result: d.result, reference: null, reason: null, checkedAt, xml: '' };
        if (d.result === 'hit') {
          rec.reference = d.reference;
          rec.reason = d.reason;
        } else if (d.result === 'pending') {
          this.finals.set(r.key, {
            key: r.key, caseRef: r.caseRef, result: d.final,
            reference: d.reference, reason: d.reason, checkedAt, delivered: false,
          });
          this.undelivered++;
        }
        rec.xml = answerXml(rec);
        this.answers.set(r.key, rec);
        st[d.result]++;
        fresh++;
      }
      out[i] = rec;
    }
    st.batches++;
    st.received += requests.length;
    st.unique += fresh;
    st.countReceived(requests.length, now);
    return out;
  }

  /**
   * The 200 body for the answer records under the given mode: correct for
   * up, slow and pending, deliberately broken for the fault modes.
   */
  responseBody(recs, mode = this.mode) {
    switch (mode.mode) {
      case 'duplicate': {
        const f = [];
        for (const r of recs) f.push(r.xml, r.xml);
        return answersDocument(f);
      }
      case 'malformed': {
        // Cut before the end of the root element: never well-formed.
        const doc = answersDocument(recs.map((r) => r.xml));
        const cut = doc.lastIndexOf('</clearanceAnswers>');
        return doc.slice(0, Math.max(60, Math.min(cut, Math.floor(doc.length / 2))));
      }
      case 'xsdinvalid':
        switch (mode.variant) {
          case 'checkedAt':
            return answersDocument(recs.map((r) => answerXml(r, { checkedAt: null })));
          case 'mixed':
            return answersDocument(recs.map((r, i) => (i === 0 ? answerXml(r, { result: 'maybe' }) : r.xml)));
          case 'namespace':
            return answersDocument(recs.map((r) => r.xml), 'urn:kitas:central:clearance:2');
          case 'version':
            return answersDocument(recs.map((r) => r.xml)).replace(' version="1"', ' version="2"');
          default:
            return answersDocument(recs.map((r) => answerXml(r, { result: 'maybe' })));
        }
      case 'wrongkey':
        return answersDocument(
          recs.map((r, i) => (mode.variant === 'one' && i > 0 ? r.xml : answerXml(r, { key: randomUUID() }))),
        );
      default:
        return answersDocument(recs.map((r) => r.xml));
    }
  }

  isFaultyBody(mode = this.mode) {
    return ['duplicate', 'malformed', 'xsdinvalid', 'wrongkey'].includes(mode.mode);
  }

  // The verdicts of pending checks: undelivered ones, or all with all=true.
  pendingList({ all = false, limit = Infinity } = {}) {
    const out = [];
    for (const f of this.finals.values()) {
      if (out.length >= limit) break;
      if (!all && f.delivered) continue;
      const o = { key: f.key, caseRef: f.caseRef, result: f.result, reference: f.reference, reason: f.reason, checkedAt: f.checkedAt };
      if (all) o.delivered = f.delivered;
      out.push(o);
    }
    return out;
  }

  ackPending(keys) {
    if (!Array.isArray(keys)) bad('expected {"keys": [...]}');
    let acked = 0;
    const unknown = [];
    for (const k of keys) {
      const f = typeof k === 'string' ? this.finals.get(k) : undefined;
      if (!f) unknown.push(k);
      else if (!f.delivered) {
        f.delivered = true;
        this.undelivered--;
        acked++;
      }
    }
    return { acked, unknown, undelivered: this.undelivered };
  }

  answerFor(key) {
    const r = this.answers.get(key);
    if (!r) return null;
    return { key: r.key, result: r.result, reference: r.reference, reason: r.reason, checkedAt: r.checkedAt };
  }
}

export { NS };
