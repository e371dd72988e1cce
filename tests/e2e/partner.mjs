// A partner of the exchange, as an independent implementation would be
// one: requests signed with npm http-message-signatures (RFC 9421,
// ed25519) over @method, @path, content-type and the RFC 9530
// Content-Digest; our answers' signatures and digests checked with the
// same library.  Not our C in any of it.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { httpbis, createSigner, createVerifier } from 'http-message-signatures';

import { BASE, STATE } from './lib.mjs';

export const keypair = () => generateKeyPairSync('ed25519');

// The public key in base64, as kitasctl partner-add takes it.
export const rawPub = (k) => Buffer.from(k.publicKey.export({ format: 'jwk' }).x,
    'base64url').toString('base64');

export const digestOf = (body) =>
    `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

// The server's exchange public key (exchange.pub: "keyid base64").
export function serverKey() {
	const [, b64] = readFileSync(path.join(STATE, 'exchange.pub'), 'utf8').trim().split(' ');
	return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519',
	    x: Buffer.from(b64, 'base64').toString('base64url') }, format: 'jwk' });
}

export const COVERED = ['@method', '@path', 'content-type', 'content-digest'];

// POST body to base/exchange/v1/type signed with key as keyid (or
// unsigned); tamper replaces the body after signing.  The response, its
// text and the request's Signature header.
export async function signedPost(type, body, { key, keyid, fields = COVERED,
    created = new Date(), tamper = null, unsigned = false, base = BASE } = {}) {
	const url = `${base}/exchange/v1/${type}`;
	let headers = { 'content-type': 'application/xml', 'content-digest': digestOf(body) };
	if (!unsigned) {
		const signed = await httpbis.signMessage({
		    key: createSigner(key, 'ed25519', keyid), fields,
		    params: ['created', 'keyid', 'alg'], paramValues: { created } },
		    { method: 'POST', url, headers });
		headers = signed.headers;
	}
	const res = await fetch(url, { method: 'POST', headers, body: tamper ?? body });
	const text = await res.text();
	return { res, text, signature: headers.signature ?? headers.Signature };
}

// Whether our answer's signature verifies with the server's key.
export async function answerVerifies(res) {
	return httpbis.verifyMessage({ keyLookup: async () => ({
	    verify: createVerifier(serverKey(), 'ed25519') }) },
	    { status: res.status, headers: Object.fromEntries(res.headers.entries()) });
}

// POST as partner who ({ key, keyid }, or as opts say), asserting that
// the answer is signed by us and its Content-Digest matches.
export async function partnerSend(who, type, body, opts = {}) {
	const { res, text, signature } = await signedPost(type, body,
	    { key: who.key.privateKey, keyid: who.keyid, ...opts });
	assert.equal(await answerVerifies(res), true, `the answer is signed by us: ${text}`);
	assert.equal(res.headers.get('content-digest'), digestOf(text));
	return { status: res.status, text, signature };
}

// xmllint against one of our XSDs, or well-formed only (an error answer).
export function xmllint(text, schema) {
	const args = ['--noout', ...(schema ? ['--schema', schema] : []), '-'];
	try {
		execFileSync('xmllint', args, { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
	} catch (e) {
		assert.fail(`xmllint ${schema ? 'schema' : 'parse'}: ${e.stderr}\n${text}`);
	}
}
