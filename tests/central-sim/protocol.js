// The central clearance protocol, version 1, as the simulator speaks it:
// parsing and checking a <clearanceBatch>, deciding an outcome from a key,
// and writing <clearanceAnswers>.  The contract is
// assets/schemas/central-clearance-1.xsd; this is an independent
// implementation of it (no code shared with the case server).

import { createHash } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';

export const NS = 'urn:kitas:central:clearance:1';
export const MAX_BODY = 1024 * 1024; // 1 MiB
export const MAX_REQUESTS = 100;

export const PERMIT_KINDS = new Set(['E23', 'E31A', 'E31C', 'E31E', 'E33', 'E33G', 'RETIREMENT']);

const RE_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RE_CASEREF = /^[A-Z]{3}-[0-9]{4}-[0-9]{6}-[0-9A-Z]$/;
const RE_PASSPORT = /^[A-Z0-9]{5,12}$/;
const RE_NATIONALITY = /^[A-Z]{3}$/;
const RE_OFFICE = /^[A-Z]{3}$/;
const RE_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RE_DATETIME =
  /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;

// The children of <request>, in the order xs:sequence demands.
const FIELDS = ['caseRef', 'passport', 'nationality', 'familyName', 'givenNames', 'birthDate', 'permitKind'];

export class ProtocolError extends Error {}

function fail(msg) {
  throw new ProtocolError(msg);
}

function daysInMonth(y, m) {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

function validYmd(y, m, d) {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

export function isDate(s) {
  const m = RE_DATE.exec(s);
  return !!m && validYmd(+m[1], +m[2], +m[3]);
}

export function isDateTime(s) {
  const m = RE_DATETIME.exec(s);
  if (!m) return false;
  if (!validYmd(Math.abs(+m[1]), +m[2], +m[3])) return false;
  if (+m[4] > 23 || +m[5] > 59 || +m[6] > 59) return false;
  if (m[9] !== undefined && (+m[9] > 14 || +m[10] > 59)) return false;
  return true;
}

// Characters of an xs:string (code points, not UTF-16 units).
function charLength(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// Attributes other than namespace declarations and the allowed names.
function checkAttributes(el, allowed, what) {
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i];
    if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
    if (a.namespaceURI || !allowed.includes(a.name)) fail(`${what}: unexpected attribute ${a.name}`);
  }
}

// The element children of el; text other than white space is an error.
function elementChildren(el, what) {
  const out = [];
  const kids = el.childNodes;
  for (let i = 0; i < kids.length; i++) {
    const n = kids[i];
    if (n.nodeType === 1) out.push(n);
    else if ((n.nodeType === 3 || n.nodeType === 4) && /\S/.test(n.data)) fail(`${what}: unexpected text`);
  }
  return out;
}

// The text of a simple-content element (no element children allowed).
function simpleText(el, what) {
  let s = '';
  const kids = el.childNodes;
  for (let i = 0; i < kids.length; i++) {
    const n = kids[i];
    if (n.nodeType === 3 || n.nodeType === 4) s += n.data;
    else if (n.nodeType === 1) fail(`${what}: unexpected element ${n.nodeName}`);
  }
  return s;
}

const XML_WS = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/**
 * Parses and checks a batch body (a string).  Returns
 * { office, sentAt, requests: [{ key, caseRef, passport, nationality,
 * familyName, givenNames, birthDate, permitKind }] } or throws ProtocolError.
 */
export function parseBatch(text) {
  if (/<!DOCTYPE/i.test(text)) fail('DOCTYPE is not allowed');
  let doc;
  let first = null; // the first complaint of the parser; any level is fatal
  try {
    doc = new DOMParser({
      onError(level, msg) {
        if (!first) first = String(msg).split('\n')[0];
        throw new Error(first);
      },
    }).parseFromString(text, 'application/xml');
  } catch (e) {
    fail(`not well-formed: ${first || String(e && e.message ? e.message : e).split('\n')[0]}`);
  }
  const root = doc && doc.documentElement;
  if (!root) fail('no root element');
  if (root.namespaceURI !== NS) fail(`root element is not in namespace ${NS}`);
  if (root.localName !== 'clearanceBatch') fail(`root element is ${root.localName}, not clearanceBatch`);
  checkAttributes(root, ['version', 'office', 'sentAt'], 'clearanceBatch');
  if (root.getAttribute('version') !== '1' || !root.hasAttribute('version')) fail('version must be "1"');
  const office = root.getAttribute('office');
  if (!RE_OFFICE.test(office || '')) fail('office must be three capital letters');
  const sentAt = (root.getAttribute('sentAt') || '').replace(XML_WS, '');
  if (!root.hasAttribute('sentAt') || !isDateTime(sentAt)) fail('sentAt must be an xs:dateTime');

  const reqEls = elementChildren(root, 'clearanceBatch');
  if (reqEls.length === 0) fail('no request');
  if (reqEls.length > MAX_REQUESTS) fail(`more than ${MAX_REQUESTS} requests (${reqEls.length})`);

  const seen = new Set();
  const requests = new Array(reqEls.length);
  for (let i = 0; i < reqEls.length; i++) {
    const el = reqEls[i];
    const where = `request ${i + 1}`;
    if (el.namespaceURI !== NS || el.localName !== 'request') fail(`${where}: unexpected element ${el.nodeName}`);
    checkAttributes(el, ['key'], where);
    const key = el.getAttribute('key');
    if (!el.hasAttribute('key') || !RE_KEY.test(key)) fail(`${where}: key must be a lower-case UUID`);
    if (seen.has(key)) fail(`${where}: key ${key} occurs twice in the batch`);
    seen.add(key);

    const kids = elementChildren(el, where);
    if (kids.length !== FIELDS.length) fail(`${where}: expected ${FIELDS.join(', ')}`);
    const r = { key };
    for (let j = 0; j < FIELDS.length; j++) {
      const k = kids[j];
      if (k.namespaceURI !== NS || k.localName !== FIELDS[j]) {
        fail(`${where}: expected ${FIELDS[j]}, found ${k.nodeName}`);
      }
      checkAttributes(k, [], `${where} ${FIELDS[j]}`);
      r[FIELDS[j]] = simpleText(k, `${where} ${FIELDS[j]}`);
    }
    if (!RE_CASEREF.test(r.caseRef)) fail(`${where}: bad caseRef`);
    if (!RE_PASSPORT.test(r.passport)) fail(`${where}: bad passport`);
    if (!RE_NATIONALITY.test(r.nationality)) fail(`${where}: bad nationality`);
    if (charLength(r.familyName) > 100) fail(`${where}: familyName longer than 100`);
    if (charLength(r.givenNames) > 100) fail(`${where}: givenNames longer than 100`);
    r.birthDate = r.birthDate.replace(XML_WS, '');
    if (!isDate(r.birthDate)) fail(`${where}: birthDate must be YYYY-MM-DD`);
    if (!PERMIT_KINDS.has(r.permitKind)) fail(`${where}: bad permitKind`);
    requests[i] = r;
  }
  return { office, sentAt, requests };
}

// ---------------------------------------------------------------------------
// Outcomes.  Deterministic from the key (SHA-256), so repeated runs agree.

const REASONS = [
  'Name and date of birth match an entry on the immigration watch list (cekal)',
  'Passport number reported lost or stolen',
  'Overstay and deportation record from an earlier stay',
  'Entry ban requested by a law-enforcement agency (cekal)',
];

/**
 * Decides the outcome for a new key.  Returns { result, final, reference,
 * reason } where result is clear|hit|pending and final is the verdict
 * (clear|hit) a pending check ends with.  `forcePending` is the pending mode.
 *
 * Forced outcomes for tests: a passport starting with HIT is always a hit,
 * PEND always pending, CLR always clear; otherwise the hash decides.  (A
 * passport starting with REJ makes server.js refuse the whole batch: 400.)
 */
export function decide(key, passport, cfg, forcePending) {
  const h = createHash('sha256').update(key).digest();
  const u1 = h.readUInt32BE(0) / 4294967296;
  const u2 = h.readUInt32BE(4) / 4294967296;
  let pending = forcePending || u1 < cfg.pendingRate;
  let hit = u2 < cfg.hitRate;
  if (passport) {
    if (passport.startsWith('HIT')) hit = true;
    else if (passport.startsWith('PEND')) pending = true;
    else if (passport.startsWith('CLR')) {
      hit = false;
      pending = forcePending;
    }
  }
  const final = hit ? 'hit' : 'clear';
  const out = { result: pending ? 'pending' : final, final, reference: null, reason: null };
  if (hit) {
    const year = new Date().getUTCFullYear();
    out.reference = `CKL-${year}-${String(h.readUInt32BE(8) % 1000000).padStart(6, '0')}`;
    out.reason = REASONS[h[12] % REASONS.length];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing.

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
const RE_ESC = /[&<>"'\t\n\r]/g;
const RE_NEEDS_ESC = /[&<>"'\t\n\r]/; // not global: .test() keeps no state

export function escapeAttr(s) {
  s = String(s);
  return RE_NEEDS_ESC.test(s) ? s.replace(RE_ESC, (c) => ESC[c]) : s;
}

// One <answer/> element.  rec: { key, result, reference, reason, checkedAt }.
// Keys and results never need escaping; reference and reason are escaped.
export function answerXml(rec, overrides) {
  const r = overrides ? { ...rec, ...overrides } : rec;
  let s = `<answer key="${escapeAttr(r.key)}" result="${escapeAttr(r.result)}"`;
  if (r.reference) s += ` reference="${escapeAttr(r.reference)}"`;
  if (r.reason) s += ` reason="${escapeAttr(r.reason)}"`;
  if (r.checkedAt) s += ` checkedAt="${escapeAttr(r.checkedAt)}"`;
  return s + '/>';
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

// The <clearanceAnswers> document around already written <answer/> strings.
export function answersDocument(fragments, ns = NS) {
  return `${HEAD}<clearanceAnswers xmlns="${ns}" version="1">\n${fragments.join('\n')}${fragments.length ? '\n' : ''}</clearanceAnswers>\n`;
}
