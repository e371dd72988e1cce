// The walking skeleton over HTTP: probes, the status lookup in both
// languages, bad input, and the headers every page carries.
import assert from 'node:assert/strict';
import test from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { BASE, ROOT, get, postForm, psql, demoCase } from './lib.mjs';

test('healthz answers while the process is up', async () => {
	const r = await get('/healthz');
	assert.equal(r.status, 200);
	assert.equal(await r.text(), 'ok\n');
});

test('readyz answers 200 when the database is reachable', async () => {
	const r = await get('/readyz');
	assert.equal(r.status, 200);
});

test('the start page is Indonesian by default', async () => {
	const r = await get('/');
	const html = await r.text();
	assert.equal(r.status, 200);
	assert.match(html, /<html lang="id">/);
	assert.match(html, /Cek status permohonan/);
});

test('Accept-Language picks English', async () => {
	const html = await (await get('/', { 'accept-language': 'en-GB,en;q=0.9' })).text();
	assert.match(html, /<html lang="en">/);
	assert.match(html, /Check the status of an application/);
});

test('?lang= wins and is remembered in a cookie', async () => {
	const r = await get('/?lang=en', { 'accept-language': 'id' });
	assert.match(await r.text(), /<html lang="en">/);
	const cookie = r.headers.get('set-cookie');
	assert.match(cookie, /^lang=en;/);
	assert.match(cookie, /SameSite=Lax/);
	assert.match(cookie, /Secure/);
	const again = await get('/', { cookie: 'lang=en', 'accept-language': 'id' });
	assert.match(await again.text(), /<html lang="en">/);
});

test('an unsupported ?lang= is dropped, not echoed', async () => {
	const r = await get('/?lang=%3Cscript%3E', { 'accept-language': 'en' });
	assert.equal(r.status, 200);
	const html = await r.text();
	assert.match(html, /<html lang="en">/);
	assert.doesNotMatch(html, /<script/);
});

test('pages carry the security headers', async () => {
	const r = await get('/');
	assert.match(r.headers.get('content-security-policy'), /default-src 'none'/);
	assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
	assert.equal(r.headers.get('cache-control'), 'no-store');
	assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
	assert.equal(r.headers.get('strict-transport-security'), null,
	    'HSTS belongs to nginx, not to plain HTTP on loopback');
});

test('the status lookup shows the current step in English', async () => {
	const c = demoCase('awaiting_clearance');
	const r = await postForm('/status', { ref: c.ref, passport: c.passport, lang: 'en' });
	const html = await r.text();
	assert.equal(r.status, 200);
	assert.match(html, new RegExp(c.ref));
	assert.match(html, /Central check/);
	assert.match(html, /waiting for the central clearance check/);
	assert.match(html, /aria-current="step"/);
});

test('the status lookup shows the current step in Indonesian', async () => {
	const c = demoCase('paid');
	const r = await postForm('/status', { ref: c.ref.toLowerCase(),
	    passport: c.passport.toLowerCase(), lang: 'id' });
	const html = await r.text();
	assert.equal(r.status, 200);
	assert.match(html, /Biaya sudah dibayar/);
});

test('the result shows no personal data', async () => {
	const c = demoCase('issued');
	const name = psql(`SELECT a.family_name FROM cases c JOIN applicants a
	    ON a.id = c.applicant_id WHERE c.reference = :'p1'`, c.ref);
	const html = await (await postForm('/status', { ref: c.ref, passport: c.passport })).text();
	assert.doesNotMatch(html, new RegExp(name));
	assert.doesNotMatch(html, new RegExp(c.passport));
});

// What differs between the two answers is only what the user typed.
function withoutEcho(html, ...typed) {
	return typed.reduce((h, t) => h.split(t).join('*'), html);
}

test('an unknown reference and a wrong passport get the same answer', async () => {
	const c = demoCase('submitted');
	const unknown = await postForm('/status', { ref: 'JKT-2026-999999-1',
	    passport: c.passport, lang: 'en' });
	const wrong = await postForm('/status', { ref: c.ref,
	    passport: 'X1234567', lang: 'en' });
	assert.equal(unknown.status, 404);
	assert.equal(wrong.status, 404);
	const a = withoutEcho(await unknown.text(), 'JKT-2026-999999-1', c.passport);
	const b = withoutEcho(await wrong.text(), c.ref, 'X1234567');
	assert.equal(a, b);
	assert.match(a, /We found no application with this reference and passport number/);
});

const bad = [
	['missing reference', { ref: '', passport: 'C01X00T47' }, /Enter the case reference/],
	['malformed reference', { ref: 'SMG-26-123', passport: 'C01X00T47' }, /This is not a case reference/],
	['mistyped reference', { ref: 'SMG-2026-000123-8', passport: 'C01X00T47' }, /typing mistake/],
	['swapped digits', { ref: 'SMG-2026-000132-7', passport: 'C01X00T47' }, /typing mistake/],
	['script in reference', { ref: '<script>alert(1)</script>', passport: 'C01X00T47' }, /This is not a case reference/],
	['SQL in reference', { ref: "SMG-2026-000123-7' OR '1'='1", passport: 'C01X00T47' }, /This is not a case reference/],
	['missing passport', { ref: 'SMG-2026-000123-7', passport: '' }, /Enter the passport number/],
	['SQL in passport', { ref: 'SMG-2026-000123-7', passport: "x' OR 1=1--" }, /5 to 12 letters and digits/],
	['passport too long', { ref: 'SMG-2026-000123-7', passport: 'A'.repeat(40) }, /5 to 12 letters and digits/],
	['non-ASCII passport', { ref: 'SMG-2026-000123-7', passport: 'Ç01X00T47' }, /5 to 12 letters and digits/],
	['oversized field', { ref: 'S'.repeat(5000), passport: 'C01X00T47' }, /Enter the case reference/],
];
for (const [name, fields, message] of bad) {
	test(`bad input is refused with a message: ${name}`, async () => {
		const r = await postForm('/status', { ...fields, lang: 'en' });
		const html = await r.text();
		assert.equal(r.status, 400);
		assert.match(html, message);
		assert.match(html, /aria-invalid="true"/);
		assert.doesNotMatch(html, /<script>alert/);
	});
}

test('what was typed is kept, escaped, when validation fails', async () => {
	const r = await postForm('/status', { ref: '"><b>x</b>', passport: 'C01X00T47', lang: 'en' });
	const html = await r.text();
	assert.equal(r.status, 400);
	// Either quoting is HTML; what matters is that the markup is text.
	assert.match(html, /value=('"&gt;|"&quot;&gt;)&lt;b&gt;x&lt;\/b&gt;('|")/);
	assert.doesNotMatch(html, /<b>x/);
	assert.match(html, /value="C01X00T47"/);
});

test('bad input in Indonesian gets an Indonesian message', async () => {
	const r = await postForm('/status', { ref: 'SMG-2026-000123-8', passport: 'C01X00T47', lang: 'id' });
	assert.equal(r.status, 400);
	assert.match(await r.text(), /salah ketik/);
});

test('methods other than the route\'s are refused', async () => {
	assert.equal((await get('/status')).status, 405);
	assert.equal((await fetch(BASE + '/', { method: 'DELETE' })).status, 405);
});

test('a body over the limit is refused by Kore before the handler', async () => {
	// Kore answers as soon as it reads the length, without the body.
	const { createConnection } = await import('node:net');
	const url = new URL(BASE);
	const status = await new Promise((resolve, reject) => {
		const sock = createConnection(+url.port, url.hostname, () => {
			sock.write('POST /status HTTP/1.1\r\nHost: x\r\n' +
			    'Content-Type: application/x-www-form-urlencoded\r\n' +
			    `Content-Length: ${7 * 1024 * 1024}\r\n\r\nref=`);
		});
		sock.setTimeout(5000, () => reject(new Error('no answer')));
		sock.once('data', (d) => {
			resolve(+d.toString().split(' ')[1]);
			sock.destroy();
		});
		sock.on('error', reject);
	});
	assert.equal(status, 413);
});

test('every state has its words in both catalogues', () => {
	const states = psql('SELECT unnest(enum_range(NULL::case_state))').split('\n');
	assert.equal(states.length, 12);
	for (const lang of ['en', 'id']) {
		const cat = readFileSync(path.join(ROOT, `assets/i18n/${lang}.xml`), 'utf8');
		for (const s of states) {
			assert.match(cat, new RegExp(`k="state\\.${s}"`), `${lang}: state.${s}`);
			assert.match(cat, new RegExp(`k="state\\.${s}\\.explain"`), `${lang}: state.${s}.explain`);
		}
	}
});

test('guessing is throttled: 20 misses from one address, then 429', async () => {
	const c = demoCase('issued');
	let last;
	for (let i = 0; i < 21; i++)
		last = await postForm('/status', { ref: c.ref, passport: `WRONG${i}X`, lang: 'en' });
	assert.equal(last.status, 429);
	assert.equal(last.headers.get('retry-after'), '900');
	assert.match(await last.text(), /Too many lookups that found nothing/);
	// Even the right pair waits now: the limit is per address.
	const right = await postForm('/status', { ref: c.ref, passport: c.passport });
	assert.equal(right.status, 429);
	psql(`DELETE FROM status_misses`);
	assert.equal((await postForm('/status', { ref: c.ref, passport: c.passport })).status, 200);
});

test('behind nginx the client is X-Real-IP: one client\'s guesses slow only that client', async () => {
	const c = demoCase('issued');
	psql(`DELETE FROM status_misses`);
	for (let i = 0; i < 21; i++)
		await postForm('/status', { ref: c.ref, passport: `GUESS${i}X` },
		    { 'x-real-ip': '203.0.113.7' });
	const guesser = await postForm('/status', { ref: c.ref, passport: c.passport },
	    { 'x-real-ip': '203.0.113.7' });
	assert.equal(guesser.status, 429);
	const other = await postForm('/status', { ref: c.ref, passport: c.passport },
	    { 'x-real-ip': '198.51.100.9' });
	assert.equal(other.status, 200, 'another client behind the same proxy is not slowed');
	psql(`DELETE FROM status_misses`);
});
