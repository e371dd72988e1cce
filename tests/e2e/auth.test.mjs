// Accounts and sessions over HTTP and in Chromium: register, confirm,
// sign in and out, reset, change the password; CSRF, throttling, cookie
// flags, no account enumeration, sessions that rotate and end.
import assert from 'node:assert/strict';
import test from 'node:test';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';

import { BASE, Jar, login, mail, outDir, psql, registerAndConfirm, until } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const PW = 'correct horse battery staple';
let n = 0;
const email = () => `person${process.pid}x${++n}@example.org`;

test('register, confirm, sign in, see my applications, sign out', async () => {
	const who = email();
	const j = await registerAndConfirm(who, PW, 'Ayu Lestari');
	assert.ok(psql(`SELECT email_confirmed_at IS NOT NULL FROM accounts
	    WHERE email = :'p1'`, who) === 't');
	const { res } = await login(who, PW, j);
	assert.equal(res.status, 303);
	assert.equal(res.headers.get('location'), '/account');
	const sid = j.c.get('kitas_sid');
	assert.ok(sid, 'a session cookie');
	assert.ok(sid.attrs.includes('HttpOnly'));
	assert.ok(sid.attrs.includes('SameSite=Lax'));
	assert.ok(sid.attrs.includes('Secure'));
	assert.ok(sid.attrs.includes('Path=/'));
	const page = await (await j.get('/account?lang=en')).text();
	assert.match(page, /My applications/);
	assert.match(page, /Ayu Lestari/);
	const csrf = page.match(/name="csrf" value="([^"]+)"/)[1];
	const out = await j.post('/logout', { csrf });
	assert.equal(out.status, 303);
	assert.equal((await j.get('/account')).status, 303, 'signed out');
});

test('a lost confirmation link can be sent again, not again and again', async () => {
	const who = email();
	const j = new Jar();
	const rcsrf = await j.csrf('/register?lang=en');
	assert.equal((await j.post('/register', { csrf: rcsrf, name: 'Late Reader',
	    email: who, password: PW, password2: PW, lang: 'en' })).status, 200);
	const first = await mail(who, 'confirm');
	await login(who, PW, j);
	let page = await (await j.get('/account?lang=en')).text();
	assert.match(page, /Please confirm your e-mail address/);
	const csrf = page.match(/name="csrf" value="([^"]+)"/)[1];
	assert.equal((await j.post('/account/confirm', { lang: 'en' })).status, 403,
	    'no CSRF token, no mail');
	let r = await j.post('/account/confirm', { csrf, lang: 'en' });
	assert.equal(r.status, 303);
	assert.equal(r.headers.get('location'), '/account?confirm=wait',
	    'the first link went out a moment ago: wait');
	page = await (await j.get('/account?lang=en&confirm=wait')).text();
	assert.match(page, /A link went out a few minutes ago/);
	psql(`UPDATE mail_outbox SET created_at = created_at - interval '1 hour'
	    WHERE account_id = (SELECT id FROM accounts WHERE email = :'p1')`, who);
	r = await j.post('/account/confirm', { csrf, lang: 'en' });
	assert.equal(r.headers.get('location'), '/account?confirm=sent');
	let second;
	await until('a second link', async () => (second = await mail(who, 'confirm')) !== first);
	assert.equal((await j.get(`/confirm?token=${second}`)).status, 200);
	assert.equal(psql(`SELECT email_confirmed_at IS NOT NULL FROM accounts
	    WHERE email = :'p1'`, who), 't');
	page = await (await j.get('/account?lang=en')).text();
	assert.doesNotMatch(page, /Send the confirmation link again/);
});

test('a session token is stored only as its hash', async () => {
	const who = email();
	const { jar } = await login(who, PW, await registerAndConfirm(who, PW));
	const token = jar.c.get('kitas_sid').value;
	assert.equal(psql(`SELECT count(*) FROM sessions
	    WHERE token_hash = sha256(convert_to(:'p1', 'UTF8'))`, token), '1');
	assert.equal(psql(`SELECT count(*) FROM sessions s
	    WHERE encode(s.token_hash, 'escape') LIKE '%' || :'p1' || '%'`, token), '0');
});

test('no form changes anything without its CSRF token', async () => {
	const j = new Jar();
	await j.get('/register');
	const who = email();
	for (const csrf of [undefined, 'x'.repeat(43), 'forged-token-forged-token-forged-token-123']) {
		const f = { name: 'X', email: who, password: PW, password2: PW };
		if (csrf) f.csrf = csrf;
		const r = await j.post('/register', f);
		assert.equal(r.status, 403);
	}
	assert.equal(psql(`SELECT count(*) FROM accounts WHERE email = :'p1'`, who), '0');
	assert.equal(psql(`SELECT count(*) FROM mail_outbox WHERE to_addr = :'p1'`, who), '0');
});

test('registration does not tell whether an address has an account', async () => {
	const who = email();
	await registerAndConfirm(who, PW);
	const j = new Jar();
	const csrf = await j.csrf('/register?lang=en');
	const again = await j.post('/register', { csrf, name: 'Someone', email: who.toUpperCase(),
	    password: 'another password 1', password2: 'another password 1', lang: 'en' });
	const fresh = await j.post('/register', { csrf, name: 'Someone', email: email(),
	    password: 'another password 1', password2: 'another password 1', lang: 'en' });
	assert.equal(again.status, 200);
	assert.equal(await again.text(), await fresh.text());
	assert.equal(psql(`SELECT count(*) FROM accounts WHERE lower(email) = lower(:'p1')`, who), '1');
	assert.equal(psql(`SELECT count(*) FROM mail_outbox WHERE lower(to_addr) = lower(:'p1')
	    AND kind = 'already_registered'`, who), '1', 'the owner is told by mail');
});

test('bad registration input is refused field by field and nothing is stored', async () => {
	const j = new Jar();
	const csrf = await j.csrf('/register?lang=en');
	const cases = [
		[{ name: '', email: 'a@b.cd', password: PW, password2: PW }, /Enter your full name/],
		[{ name: 'A', email: 'not-an-address', password: PW, password2: PW }, /This is not an e-mail address/],
		[{ name: '   ', email: email(), password: PW, password2: PW }, /Enter your full name/],
		[{ name: 'Ayu\u0001Lestari', email: email(), password: PW, password2: PW }, /Enter your full name/],
		[{ name: 'A', email: email(), password: 'short', password2: 'short' }, /at least 10 characters/],
		[{ name: 'A', email: email(), password: PW, password2: PW + 'x' }, /not the same/],
		[{ name: 'A', email: email(), password: 'x'.repeat(129), password2: 'x'.repeat(129) }, /at most 128/],
		[{ name: 'A', email: 'same.as@password.org', password: 'same.as@password.org', password2: 'same.as@password.org' }, /must not be your e-mail/],
	];
	for (const [fields, message] of cases) {
		const r = await j.post('/register', { csrf, lang: 'en', ...fields });
		const html = await r.text();
		assert.equal(r.status, 400, JSON.stringify(fields));
		assert.match(html, message);
		assert.doesNotMatch(html, new RegExp(`value="${PW}"`), 'passwords are never echoed');
	}
	assert.equal(psql(`SELECT count(*) FROM accounts WHERE email = 'same.as@password.org'
	    OR email = 'not-an-address'`), '0');
});

test('a name with markup is stored as text and shown escaped', async () => {
	const who = email();
	const name = '<script>alert(1)</script> & "Ayu"';
	const { jar } = await login(who, PW, await registerAndConfirm(who, PW, name));
	const html = await (await jar.get('/account')).text();
	assert.doesNotMatch(html, /<script>alert/);
	assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; "Ayu"/);
});

test('a name is bounded in characters, not bytes: 200 Thai letters fit, 201 do not', async () => {
	// 600 bytes of UTF-8: over any byte bound of 200, within the
	// database's 200 characters.
	const who = email();
	const name = '\u0E28'.repeat(200);
	const { jar } = await login(who, PW, await registerAndConfirm(who, PW, name));
	assert.equal(psql(`SELECT length(display_name) || ' ' || octet_length(display_name)
	    FROM accounts WHERE email = :'p1'`, who), '200 600', 'stored whole');
	assert.match(await (await jar.get('/account')).text(), new RegExp(name));
	const j = new Jar();
	const r = await j.post('/register', { csrf: await j.csrf('/register?lang=en'),
	    lang: 'en', name: name + '\u0E28', email: email(), password: PW, password2: PW });
	assert.equal(r.status, 400);
	assert.match(await r.text(), /Enter your full name/);
});

test('wrong passwords are throttled before any hashing, even the right one then', async () => {
	const who = email();
	await registerAndConfirm(who, PW);
	const j = new Jar();
	for (let i = 0; i < 5; i++) {
		const { res } = await login(who, 'wrong password ' + i, j);
		assert.equal(res.status, 401);
		assert.match(await res.text(), /e-mail address or the password is not right/);
	}
	const { res } = await login(who, PW, j);
	assert.equal(res.status, 429);
	assert.match(res.headers.get('retry-after'), /^[1-9][0-9]*$/);
	assert.match(await res.text(), /Too many attempts/);
	assert.equal(j.c.get('kitas_sid'), undefined, 'no session');
});

test('a wrong current password is a guess: throttled like a sign-in', async () => {
	const who = email();
	await registerAndConfirm(who, PW);
	const { jar } = await login(who, PW);
	const csrf = await jar.csrf('/account/password?lang=en');
	const change = (old) => jar.post('/account/password', { csrf, old,
	    password: 'a brand new password', password2: 'a brand new password' });
	for (let i = 0; i < 5; i++) {
		const r = await change('wrong password ' + i);
		assert.equal(r.status, 400);
		assert.match(await r.text(), /current password is not right/);
	}
	const r = await change(PW);
	assert.equal(r.status, 429, 'even the right one, once throttled');
	assert.match(r.headers.get('retry-after'), /^[1-9][0-9]*$/);
	assert.match(await r.text(), /Too many attempts/);
	assert.equal((await login(who, PW)).res.status, 429,
	    'a sign-in to the account waits too');
	assert.equal(psql(`SELECT count(*) FROM mail_outbox WHERE to_addr = :'p1'
	    AND kind = 'password_changed'`, who), '0', 'the password did not change');
});

test('an unknown address gets the same answer as a wrong password', async () => {
	const a = await login(email(), PW);
	const who = email();
	await registerAndConfirm(who, PW);
	const b = await login(who, 'not the password');
	assert.equal(a.res.status, 401);
	assert.equal(b.res.status, 401);
	const strip = (h) => h.replace(/value="[^"]*"/g, '');
	assert.equal(strip(await a.res.text()), strip(await b.res.text()));
});

test('sessions rotate at sign-in and a password change ends the others', async () => {
	const who = email();
	await registerAndConfirm(who, PW);
	const one = (await login(who, PW)).jar;
	const before = one.c.get('kitas_sid').value;
	// Signing in again from a signed-in browser (the form is the
	// session's now): a new token, and the old session ends.
	const again = await one.post('/login', { csrf: await one.csrf('/account'),
	    email: who, password: PW });
	assert.equal(again.status, 303);
	assert.notEqual(one.c.get('kitas_sid').value, before, 'a new token at sign-in');
	assert.equal(psql(`SELECT ended_at IS NOT NULL FROM sessions WHERE
	    token_hash = sha256(convert_to(:'p1', 'UTF8'))`, before), 't',
	    'the old session ended');

	const two = (await login(who, PW)).jar;
	const csrf = await one.csrf('/account/password?lang=en');
	const bad = await one.post('/account/password', { csrf, old: 'not it at all',
	    password: 'a brand new password', password2: 'a brand new password' });
	assert.equal(bad.status, 400);
	assert.match(await bad.text(), /current password is not right/);
	const ok = await one.post('/account/password', { csrf, old: PW,
	    password: 'a brand new password', password2: 'a brand new password' });
	assert.equal(ok.status, 200);
	assert.equal((await one.get('/account')).status, 200, 'this session stays');
	assert.equal((await two.get('/account')).status, 303, 'the other one ended');
	assert.equal((await login(who, PW)).res.status, 401);
	assert.equal((await login(who, 'a brand new password')).res.status, 303);
	assert.equal(psql(`SELECT count(*) FROM mail_outbox WHERE to_addr = :'p1'
	    AND kind = 'password_changed'`, who), '1', 'a notice was queued');
});

test('the longest allowed password works whole; a longer one is refused, not cut', async () => {
	// 128 bytes of UTF-8 (the rule's limit), the size of a hash buffer.
	const longest = '\u{1F511}'.repeat(31) + 'abcd';
	assert.equal(Buffer.byteLength(longest), 128);
	const who = email();
	await registerAndConfirm(who, longest);
	assert.equal((await login(who, longest)).res.status, 303, 'it signs in');
	assert.equal((await login(who, longest.slice(0, -1))).res.status, 401,
	    'and only the whole password does');
	const { jar } = await login(who, longest);
	const csrf = await jar.csrf('/account/password?lang=en');
	const tooLong = 'y'.repeat(300);
	const r = await jar.post('/account/password', { csrf, old: longest,
	    password: tooLong, password2: tooLong });
	assert.equal(r.status, 400, 'a 300-byte password is refused');
	assert.equal((await login(who, longest)).res.status, 303, 'the old one still works');
});

test('password reset: one link, used once, and every session ends', async () => {
	const who = email();
	await registerAndConfirm(who, PW);
	const other = (await login(who, PW)).jar;
	const j = new Jar();
	const csrf = await j.csrf('/reset?lang=en');
	const r = await j.post('/reset', { csrf, email: who, lang: 'en' });
	const unknown = await j.post('/reset', { csrf, email: email(), lang: 'en' });
	assert.equal(r.status, 200);
	assert.equal(await r.text(), await unknown.text(), 'no enumeration');
	const token = await mail(who, 'reset');
	assert.ok(token.length >= 32);
	const form = await j.get(`/reset/new?token=${token}&lang=en`);
	assert.equal(form.status, 200);
	const c2 = (await form.text()).match(/name="csrf" value="([^"]+)"/)[1];
	const done = await j.post('/reset/new', { csrf: c2, token, password: 'reset to this one',
	    password2: 'reset to this one', lang: 'en' });
	assert.equal(done.status, 200);
	assert.match(await done.text(), /Your password is changed/);
	const again = await j.post('/reset/new', { csrf: c2, token, password: 'and once more ok',
	    password2: 'and once more ok', lang: 'en' });
	assert.equal(again.status, 400, 'the link works once');
	assert.equal((await other.get('/account')).status, 303, 'old sessions ended');
	assert.equal((await login(who, 'reset to this one')).res.status, 303);
});

test('a confirmation link works once', async () => {
	const j = new Jar();
	const who = email();
	const csrf = await j.csrf('/register');
	await j.post('/register', { csrf, name: 'Once', email: who, password: PW, password2: PW });
	const token = await mail(who, 'confirm');
	assert.equal((await j.get(`/confirm?token=${token}`)).status, 200);
	assert.equal((await j.get(`/confirm?token=${token}`)).status, 400);
	assert.equal((await j.get('/confirm?token=%3Cscript%3E')).status, 400);
});

test('in Chromium: register and sign in on a phone, pages pass axe', async () => {
	const shots = outDir('screenshots');
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const ctx = await browser.newContext({ viewport: { width: 360, height: 800 },
		    locale: 'en-GB', bypassCSP: true });
		const p = await ctx.newPage();
		const axe = async (name) => {
			await p.addScriptTag({ path: AXE });
			const res = await p.evaluate(async () => await axe.run(document));
			const bad = res.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
			assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], name);
			await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
		};
		const who = email();
		await p.goto(`${BASE}/register`);
		await axe('register-en');
		await p.getByLabel('Full name').fill('Made Wirawan');
		await p.getByLabel('E-mail address').fill(who);
		await p.getByLabel('Password', { exact: true }).fill(PW);
		await p.getByLabel('Password again').fill('not the same one');
		await p.getByRole('button', { name: 'Create account' }).click();
		await p.waitForSelector('#password2-error');
		await axe('register-error-en');
		await p.getByLabel('Password', { exact: true }).fill(PW);
		await p.getByLabel('Password again').fill(PW);
		await p.getByRole('button', { name: 'Create account' }).click();
		await p.waitForSelector('text=Check your e-mail');
		await p.goto(`${BASE}/confirm?token=${await mail(who, 'confirm')}`);
		await p.waitForSelector('text=Your e-mail address is confirmed');
		await p.goto(`${BASE}/login`);
		await axe('login-en');
		await p.getByLabel('E-mail address').fill(who);
		await p.getByLabel('Password').fill(PW);
		await p.getByRole('button', { name: 'Sign in' }).click();
		await p.waitForURL(/\/account$/);
		await axe('account-en');
		const cookies = await ctx.cookies();
		const sid = cookies.find((c) => c.name === 'kitas_sid');
		assert.ok(sid && sid.httpOnly && sid.secure && sid.sameSite === 'Lax');
		await p.getByRole('button', { name: 'Sign out' }).click();
		await p.waitForURL(`${BASE}/`);
		await ctx.close();
	} finally {
		await browser.close();
	}
});

// A client that hangs up while its login waits for the database or for
// Argon2id must not hurt the worker: the request's state holds Kore's own
// query and task structs, which must outlive the hang-up.  (A worker that
// dies fails the run; one that hangs fails the requests below.)
test('clients hanging up mid-login leave every worker working', async () => {
	const who = email();
	await registerAndConfirm(who, PW);
	const j = new Jar();
	const csrf = await j.csrf('/login?lang=en');
	// Each from its own address and for its own (unknown) e-mail: an
	// attempt cut short counts as a failure, and no throttle may fill up.
	const bodyOf = (i) => new URLSearchParams({ csrf,
	    email: `gone${process.pid}x${i}@example.org`, password: PW,
	    lang: 'en' }).toString();
	const { hostname, port } = new URL(BASE);
	const hangUp = (after, i) => new Promise((done) => {
		const body = bodyOf(i);
		const s = net.connect(+port, hostname, () => {
			s.write(`POST /login HTTP/1.1\r\nHost: ${hostname}\r\n` +
			    `X-Real-IP: 192.0.2.${i + 1}\r\n` +
			    `Cookie: ${j.header()}\r\n` +
			    'Content-Type: application/x-www-form-urlencoded\r\n' +
			    `Content-Length: ${body.length}\r\n\r\n${body}`);
			setTimeout(() => { s.destroy(); done(); }, after);
		});
		s.on('error', done);
	});
	for (let i = 0; i < 24; i++)
		await hangUp([0, 1, 5, 20, 60, 150][i % 6], i);
	await new Promise((r) => setTimeout(r, 1500));
	// Many requests, so that every worker answers some.
	for (let i = 0; i < 12; i++) {
		const r = await fetch(`${BASE}/login?lang=en`, { signal: AbortSignal.timeout(5000) });
		assert.equal(r.status, 200);
	}
	const { res } = await login(who, PW);
	assert.equal(res.status, 303, 'a real login still works');
});
