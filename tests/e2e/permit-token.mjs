// An independent reader of the e-ITAS permit token, the public key list
// and the signed revocation list (assets/permit-token.md), written from
// the format description with node's own crypto only, so the e2e tests
// do not trust the C code (src/permit.c) to check itself.
//
//   decodeToken(text)                -> fields, body and sig; throws
//   verifyToken(text, keysText, opt) -> { ok, reason, permit }
//   verifyCrl(text, keysText)        -> { ok, reason, ... }
//   parseKeys(keysText)              -> Map kid -> key; throws
//
// reason is one of the names src/permit.c gives: valid, malformed,
// unknown_key, forged, key_revoked, revoked, expired, not_yet_valid.
// A key list (or, in verifyToken, a revocation list) that is itself
// invalid throws: that is a broken test set-up, not a verdict on a token.
import crypto from 'node:crypto';

const PREFIX = 'KITAS1:';
const TOKEN_DOMAIN = Buffer.from('KITAS-PERMIT-TOKEN\0', 'latin1');
const CRL_DOMAIN = Buffer.from('KITAS-PERMIT-CRL\0', 'latin1');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SIG_LEN = 64;
const TOKEN_TEXT_MAX = 391;

function fail(msg) {
	throw new Error(`permit: ${msg}`);
}

// RFC 4648 base32, no padding; refuses other characters, impossible
// lengths and set leftover bits, as src/permit.c does.
function base32Decode(s) {
	const out = [];
	let acc = 0;
	let bits = 0;
	for (const ch of s) {
		const v = B32.indexOf(ch);
		if (v < 0)
			fail(`bad base32 character ${JSON.stringify(ch)}`);
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out.push((acc >> bits) & 0xff);
			acc &= (1 << bits) - 1;
		}
	}
	if (bits >= 5 || acc !== 0)
		fail('base32 is not canonical');
	return Buffer.from(out);
}

// Exactly n bytes of standard padded base64, in its one canonical text.
function base64Exact(s, n) {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s))
		fail('bad base64');
	const b = Buffer.from(s, 'base64');
	if (b.length !== n || b.toString('base64') !== s)
		fail(`base64 is not ${n} canonical bytes`);
	return b;
}

function dayToText(day) {
	return new Date(day * 86400000).toISOString().slice(0, 10);
}

function textToDay(s) {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
	if (!m)
		fail(`bad date ${JSON.stringify(s)}`);
	const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
	if (+m[1] < 1970 || dayToText(ms / 86400000) !== s)
		fail(`bad date ${s}`);
	return ms / 86400000;
}

function textToTime(s) {
	const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(s);
	if (!m || +m[2] > 23 || +m[3] > 59 || +m[4] > 59)
		fail(`bad time ${JSON.stringify(s)}`);
	return textToDay(m[1]) * 86400 + (+m[2]) * 3600 + (+m[3]) * 60 +
	    (+m[4]);
}

// fatal: invalid UTF-8 throws; ignoreBOM: a leading U+FEFF is kept, as
// the C reader keeps it, instead of being silently dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Decode a token without checking its signature.  Throws on anything
// src/permit.c calls malformed.
export function decodeToken(text) {
	if (typeof text !== 'string' || text.length > TOKEN_TEXT_MAX ||
	    !text.startsWith(PREFIX))
		fail('not a KITAS1: token');
	const bin = base32Decode(text.slice(PREFIX.length));
	if (bin.length < 3 + SIG_LEN)
		fail('token too short');
	const body = bin.subarray(0, bin.length - SIG_LEN);
	const sig = bin.subarray(bin.length - SIG_LEN);
	let pos = 0;
	const need = (n) => {
		if (body.length - pos < n)
			fail('token field runs past the end');
	};
	const str = (what, max, re) => {
		need(1);
		const n = body[pos++];
		need(n);
		const raw = body.subarray(pos, pos + n);
		pos += n;
		if (n < 1 || n > max)
			fail(`${what} length ${n}`);
		let s;
		try {
			s = utf8.decode(raw);
		} catch {
			fail(`${what} is not UTF-8`);
		}
		if (!re.test(s))
			fail(`${what} not in the allowed form`);
		return s;
	};
	if (body[pos++] !== 1)
		fail('token version is not 1');
	need(2);
	const kid = body.readUInt16BE(pos);
	pos += 2;
	if (kid === 0)
		fail('key id 0');
	const number = str('number', 32, /^[A-Z0-9-]+$/);
	// UTF-8 checked above; no C0, DEL or C1 controls.
	const holder = str('holder', 100, /^[^\u0000-\u001f\u007f-\u009f]+$/u);
	const passport = str('passport', 20, /^[A-Z0-9]+$/);
	need(3);
	const nationality = body.subarray(pos, pos + 3).toString('latin1');
	pos += 3;
	if (!/^[A-Z]{3}$/.test(nationality))
		fail('nationality');
	const kind = str('kind', 10, /^[A-Z0-9]+$/);
	if (body.length - pos !== 4)
		fail('trailing or missing bytes after kind');
	const from = body.readUInt16BE(pos);
	const to = body.readUInt16BE(pos + 2);
	if (from > to)
		fail('valid_to before valid_from');
	return {
		kid, number, holder, passport, nationality, kind,
		validFrom: dayToText(from), validTo: dayToText(to),
		validFromDay: from, validToDay: to,
		body: Buffer.from(body), sig: Buffer.from(sig),
	};
}

function publicKey(raw) {
	return crypto.createPublicKey({
		key: Buffer.concat([SPKI_ED25519, raw]),
		format: 'der', type: 'spki',
	});
}

// The public key list: Map kid -> { kid, from, to, status, raw, key }.
export function parseKeys(text) {
	if (typeof text !== 'string' || !text.startsWith('KITAS-PERMIT-KEYS 1\n'))
		fail('key list header');
	if (!text.endsWith('\n'))
		fail('key list does not end in a newline');
	const lines = text.slice(0, -1).split('\n').slice(1);
	if (lines.length === 0 || (lines.length === 1 && lines[0] === ''))
		fail('key list holds no key');
	const keys = new Map();
	const seen = new Set();
	for (const line of lines) {
		const m = /^key ([1-9][0-9]{0,4}) (\S+) (\S+) (active|retired|revoked) (\S+)$/.exec(line);
		if (!m)
			fail(`key list line ${JSON.stringify(line)}`);
		const kid = +m[1];
		const from = textToDay(m[2]);
		const to = m[3] === '-' ? null : textToDay(m[3]);
		if (kid > 65535 || (to !== null && to < from))
			fail(`key list line ${JSON.stringify(line)}`);
		const raw = base64Exact(m[5], 32);
		if (keys.has(kid) || seen.has(m[5]))
			fail(`key list repeats key ${kid}`);
		seen.add(m[5]);
		keys.set(kid, {
			kid, from: m[2], to: m[3] === '-' ? null : m[3],
			status: m[4], raw, key: publicKey(raw),
		});
	}
	return keys;
}

// Check a revocation list's form and signature against the key list.
export function verifyCrl(text, keysText) {
	try {
		const keys = parseKeys(keysText);
		if (typeof text !== 'string' || !text.endsWith('\n'))
			fail('CRL does not end in a newline');
		const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
		const signed = text.slice(0, lastStart);
		const m = /^sig (\S{88})\n$/.exec(text.slice(lastStart));
		if (!m)
			fail('CRL does not end in "sig BASE64SIG"');
		const sig = base64Exact(m[1], 64);
		const lines = signed.slice(0, -1).split('\n');
		if (lines.length < 4 || lines[0] !== 'KITAS-PERMIT-CRL 1')
			fail('CRL header');
		const issued = /^issued (\S+)$/.exec(lines[1]);
		const next = /^next-update (\S+)$/.exec(lines[2]);
		const kidm = /^key ([1-9][0-9]{0,4})$/.exec(lines[3]);
		if (!issued || !next || !kidm)
			fail('CRL head lines');
		const issuedAt = textToTime(issued[1]);
		const nextUpdate = textToTime(next[1]);
		if (nextUpdate <= issuedAt)
			fail('next-update not after issued');
		const kid = +kidm[1];
		const k = keys.get(kid);
		if (!k)
			return { ok: false, reason: 'unknown_key', kid };
		if (!crypto.verify(null, Buffer.concat([CRL_DOMAIN,
		    Buffer.from(signed, 'utf8')]), k.key, sig))
			return { ok: false, reason: 'forged', kid };
		if (k.status === 'revoked')
			return { ok: false, reason: 'key_revoked', kid };
		const revoked = [];
		for (const line of lines.slice(4)) {
			const e = /^revoked ([A-Z0-9-]{1,32}) (\S+)$/.exec(line);
			if (!e)
				fail(`CRL line ${JSON.stringify(line)}`);
			const prev = revoked.length ?
			    revoked[revoked.length - 1].number : null;
			// Byte order: the numbers are ASCII.
			if (prev !== null && !(prev < e[1]))
				fail('CRL numbers unsorted or repeated');
			revoked.push({ number: e[1],
			    revokedAt: textToTime(e[2]) });
		}
		return { ok: true, reason: 'valid', kid, issued: issuedAt,
		    nextUpdate, revoked };
	} catch (e) {
		return { ok: false, reason: 'malformed', error: e.message };
	}
}

// Everything an offline verifier decides, in src/permit.c's order.
// opt.crl: revocation list text (checked with verifyCrl; a bad one
// throws); opt.today: "YYYY-MM-DD", without it dates are not checked.
export function verifyToken(text, keysText, opt = {}) {
	let permit;
	try {
		permit = decodeToken(text);
	} catch (e) {
		return { ok: false, reason: 'malformed', permit: null,
		    error: e.message };
	}
	const k = parseKeys(keysText).get(permit.kid);
	const no = (reason) => ({ ok: false, reason, permit });
	if (!k)
		return no('unknown_key');
	if (!crypto.verify(null, Buffer.concat([TOKEN_DOMAIN, permit.body]),
	    k.key, permit.sig))
		return no('forged');
	if (k.status === 'revoked')
		return no('key_revoked');
	if (opt.crl !== undefined) {
		const crl = verifyCrl(opt.crl, keysText);
		if (!crl.ok)
			fail(`revocation list refused: ${crl.reason}`);
		if (crl.revoked.some((e) => e.number === permit.number))
			return no('revoked');
	}
	if (opt.today !== undefined) {
		const today = textToDay(opt.today);
		if (today > permit.validToDay)
			return no('expired');
		if (today < permit.validFromDay)
			return no('not_yet_valid');
	}
	return { ok: true, reason: 'valid', permit };
}
