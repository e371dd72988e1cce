// Applying through the portal: start, complete, upload (encrypted, checked
// by content), submit with a billing code; and nobody reaches another
// applicant's case, by link or by guessing.
import assert from 'node:assert/strict';
import test from 'node:test';

import { applyThrough, BASE, Jar, login, psql, registerAndConfirm } from './lib.mjs';
import { STAFF_PW, staffPassword } from './staff.mjs';

const PW = 'correct horse battery staple';
let n = 0;
const who = () => `applicant${process.pid}x${++n}@example.org`;
const PDF = Buffer.from('%PDF-1.4\n% a tiny test document with a secret-marker-7731\n');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

async function signedIn() {
	const email = who();
	const { jar } = await login(email, PW, await registerAndConfirm(email, PW));
	return jar;
}

function field(html, name) {
	return html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];
}

async function apply(j, overrides = {}) {
	const passport = `P${process.pid % 100000}${++n}`.slice(0, 12);
	const r = await applyThrough(j, { kind: 'E33G', duration: '1',
	    level: 'express', address: 'Jl. Pandanaran 8', area: 'Kota Semarang',
	    family: 'LESTARI', given: 'AYU', birth: '1991-04-05', sex: 'F',
	    nationality: 'NLD', passport, expiry: '2035-01-01', ...overrides });
	return { res: r, passport };
}

async function upload(j, loc, type, bytes, name = 'file.pdf', csrf) {
	const page = await (await j.get(loc)).text();
	const fd = new FormData();
	fd.append('csrf', csrf ?? field(page, 'csrf'));
	fd.append('type', type);
	fd.append('file', new Blob([bytes]), name);
	return j.take(await fetch(BASE + loc + '/document', { method: 'POST', body: fd,
	    headers: j.headers(), redirect: 'manual' }));
}

test('start an application, complete it, submit it, get a billing code', async () => {
	const j = await signedIn();
	const { res } = await apply(j);
	assert.equal(res.status, 303);
	const loc = res.headers.get('location');
	assert.match(loc, /^\/case\/SMG-\d{4}-\d{6}-[0-9A-Z]$/);

	let page = await (await j.get(loc + '?lang=en')).text();
	assert.match(page, /Draft/);
	assert.equal((page.match(/still needed/g) ?? []).length, 4,
	    'E33G needs passport, photo, income evidence and proof of address');

	// Submitting too early changes nothing.
	let r = await j.post(loc, { csrf: field(page, 'csrf'), action: 'submit',
	    version: field(page, 'version'), idem: field(page, 'idem') });
	assert.equal(r.status, 400);
	assert.match(await r.text(), /Some documents are still needed/);

	for (const type of ['passport', 'photo', 'income_evidence', 'domicile_letter'])
		assert.equal((await upload(j, loc, type, type === 'photo' ? PNG : PDF)).status, 303);
	// Refused details come back as typed, and change nothing.
	r = await j.post(loc, { csrf: field(page, 'csrf'), action: 'details',
	    sponsor_name: '', sponsor_ref: '', address: 'Jl. Pemuda 12',
	    sponsor_email: 'no-at-sign' });
	assert.equal(r.status, 400);
	const refused = await r.text();
	assert.match(refused, /value="no-at-sign"/);
	assert.match(refused, /value="Jl\. Pemuda 12"/);
	assert.equal(psql(`SELECT domicile_address FROM cases WHERE reference = :'p1'`,
	    loc.split('/').pop()), 'Jl. Pandanaran 8');
	r = await j.post(loc, { csrf: field(page, 'csrf'), action: 'details',
	    sponsor_name: '', sponsor_ref: '', address: 'Jl. Pemuda 12' });
	assert.equal(r.status, 303);

	page = await (await j.get(loc + '?lang=en')).text();
	assert.equal((page.match(/still needed/g) ?? []).length, 0);
	const submit = { csrf: field(page, 'csrf'), action: 'submit',
	    version: field(page, 'version'), idem: field(page, 'idem') };
	r = await j.post(loc, submit);
	assert.equal(r.status, 303);
	page = await (await j.get(loc + '?lang=en')).text();
	assert.match(page, /Submitted/);
	const code = page.match(/class="code">(\d{15})</)?.[1];
	assert.ok(code, 'a 15-digit billing code');
	assert.match(page, /Rp2,500,000/, '1 year plus the express surcharge');
	// The same form sent again is a replay: no second submission, no
	// second billing code.
	r = await j.post(loc, submit);
	assert.equal(r.status, 303);
	const ref = loc.split('/').pop();
	assert.equal(psql(`SELECT count(*) FROM billing_codes b JOIN cases c ON c.id = b.case_id
	    WHERE c.reference = :'p1'`, ref), '1');
	assert.equal(psql(`SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
	    WHERE c.reference = :'p1' AND e.command = 'submit'`, ref), '1');
});

test('an application is saved step by step, and a refused step keeps what was typed', async () => {
	const email = who();
	const { jar: j } = await login(email, PW, await registerAndConfirm(email, PW));
	const r = await applyThrough(j, { kind: 'E31A', duration: '1', level: 'regular',
	    sponsor_name: '<script>alert(1)</script>', sponsor_email: 'not-an-address' });
	assert.equal(r.status, 400);
	const page = await r.text();
	assert.match(page, /<p class="error" id="sponsor_email-error">/);
	assert.match(page, /value="not-an-address"/, 'the typed value is kept');
	assert.match(page, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
	assert.doesNotMatch(page, /<script>alert/, 'nothing rendered unescaped');
	const draft = () => psql(`SELECT concat_ws('|', d.permit_kind, d.duration_years,
	    d.service_level, d.sponsor_name) FROM application_drafts d
	    JOIN accounts a ON a.id = d.account_id WHERE a.email = :'p1'`, email);
	assert.equal(draft(), 'E31A|1|regular|', 'the refused step stored nothing');

	// A later step cannot be sent before this one: back to the sponsor.
	const form = await (await j.get('/apply?step=sponsor&lang=en')).text();
	const skip = await j.post('/apply', { csrf: field(form, 'csrf'), idem: field(form, 'idem'),
	    step: 'passport', family: 'LESTARI', given: 'AYU', birth: '1991-04-05', sex: 'F',
	    nationality: 'NLD', passport: 'SKIP12345', expiry: '2035-01-01' });
	assert.equal(skip.status, 303);
	assert.equal(skip.headers.get('location'), '/apply?step=sponsor');
	assert.equal(psql(`SELECT count(*) FROM applicants WHERE passport_no = 'SKIP12345'`), '0');

	// Signed in again elsewhere, the application resumes where it stopped.
	const { jar: k } = await login(email, PW);
	const resumed = await (await k.get('/apply?lang=en')).text();
	assert.match(resumed, /name="step" value="sponsor"/);
	assert.match(resumed, /aria-current="step">Sponsor</);
});

test('the passport form sent twice at once opens one case; a long address stays whole', async () => {
	const j = await signedIn();
	// 300 characters, about 370 bytes: the bound is the database's, in
	// characters.
	const address = `Perumahan Griya ${'Ásri'.repeat(80)}`.slice(0, 300);
	const r = await applyThrough(j, { kind: 'E33G', duration: '1', level: 'regular',
	    address, area: 'Kota Semarang' }, 'domicile');
	assert.equal(r.headers.get('location'), '/apply?step=passport');
	const page = await (await j.get('/apply?step=passport&lang=en')).text();
	const form = { csrf: field(page, 'csrf'), idem: field(page, 'idem'), step: 'passport',
	    family: 'KEMBAR', given: 'DUA', birth: '1990-01-01', sex: 'M', nationality: 'NLD',
	    passport: `K${process.pid % 100000}TW`, expiry: '2035-01-01' };
	const [a, b] = await Promise.all([j.post('/apply', form), j.post('/apply', form)]);
	assert.equal(a.status, 303);
	assert.equal(b.status, 303);
	assert.match(a.headers.get('location'), /^\/case\/SMG-/);
	assert.equal(b.headers.get('location'), a.headers.get('location'), 'both show the one case');
	const ref = a.headers.get('location').split('/').pop();
	assert.equal(psql(`SELECT count(*) FROM cases c JOIN applicants p ON p.id = c.applicant_id
	    WHERE p.passport_no = :'p1'`, form.passport), '1');
	assert.equal(psql(`SELECT domicile_address FROM cases WHERE reference = :'p1'`, ref), address);
});

test('a form not sent as UTF-8 is refused with a message and stores nothing', async () => {
	const email = who();
	const { jar: j } = await login(email, PW, await registerAndConfirm(email, PW));
	const page = await (await j.get('/apply?step=kind&lang=en')).text();
	// "caf\xe9" as Latin-1 would send it: not UTF-8.
	const body = `csrf=${field(page, 'csrf')}&idem=${field(page, 'idem')}` +
	    '&step=kind&lang=en&kind=caf%E9';
	const r = j.take(await fetch(BASE + '/apply', { method: 'POST', body,
	    headers: j.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
	    redirect: 'manual' }));
	assert.equal(r.status, 400);
	assert.match(await r.text(), /The form was not sent as UTF-8/);
	assert.equal(psql(`SELECT count(*) FROM application_drafts d JOIN accounts a
	    ON a.id = d.account_id WHERE a.email = :'p1'`, email), '0');
});

test('staff do not apply: 403, and nothing is stored', async () => {
	staffPassword('officer.smg@imigrasi.example');
	const { jar } = await login('officer.smg@imigrasi.example', STAFF_PW);
	assert.equal((await jar.get('/apply?lang=en')).status, 403);
	const csrf = await jar.csrf('/office?lang=en');
	const r = await jar.post('/apply', { csrf, step: 'kind', kind: 'E33', lang: 'en' });
	assert.equal(r.status, 403);
	assert.match(await r.text(), /Only applicants apply/);
	assert.equal(psql(`SELECT count(*) FROM application_drafts d JOIN accounts a
	    ON a.id = d.account_id WHERE a.email = 'officer.smg@imigrasi.example'`), '0');
});

test('documents are stored sealed: no plaintext in the database', async () => {
	const j = await signedIn();
	const loc = (await apply(j)).res.headers.get('location');
	assert.equal((await upload(j, loc, 'passport', PDF)).status, 303);
	const ref = loc.split('/').pop();
	assert.equal(psql(`SELECT count(*) FROM documents d JOIN cases c ON c.id = d.case_id
	    WHERE c.reference = :'p1'`, ref), '1');
	assert.equal(psql(`SELECT count(*) FROM documents WHERE
	    position(convert_to('secret-marker-7731', 'UTF8') in sealed) > 0`), '0');
	assert.equal(psql(`SELECT bool_and(length(sealed) = size + 121) FROM documents d
	    JOIN cases c ON c.id = d.case_id WHERE c.reference = :'p1'`, ref), 't');
});

test('files are judged by their content, and bad ones store nothing', async () => {
	const j = await signedIn();
	const loc = (await apply(j)).res.headers.get('location');
	const ref = loc.split('/').pop();
	const bad = [
		['photo', Buffer.from('GIF89a....'), 'photo.png', /Only PDF, JPEG and PNG/],
		['passport', Buffer.from('<html><script>alert(1)</script>'), 'pass.pdf', /Only PDF, JPEG and PNG/],
		['passport', Buffer.from('MZ\x90\x00 an executable'), 'pass.pdf', /Only PDF, JPEG and PNG/],
		['nonsense', PDF, 'a.pdf', /Choose which document/],
	];
	for (const [type, bytes, name, msg] of bad) {
		const r = await upload(j, loc, type, bytes, name);
		assert.equal(r.status, 400, name);
		assert.match(await r.text(), msg);
	}
	const big = Buffer.alloc(5 * 1024 * 1024 + 1, 0x20);
	PDF.copy(big);
	const r = await upload(j, loc, 'passport', big);
	assert.equal(r.status, 400);
	assert.match(await r.text(), /larger than 5 MB/);
	assert.equal(psql(`SELECT count(*) FROM documents d JOIN cases c ON c.id = d.case_id
	    WHERE c.reference = :'p1'`, ref), '0');
});

test('an upload without the CSRF token stores nothing', async () => {
	const j = await signedIn();
	const loc = (await apply(j)).res.headers.get('location');
	const r = await upload(j, loc, 'passport', PDF, 'p.pdf', 'forged-forged-forged-forged-forged-00');
	assert.equal(r.status, 403);
	assert.equal(psql(`SELECT count(*) FROM documents d JOIN cases c ON c.id = d.case_id
	    WHERE c.reference = :'p1'`, loc.split('/').pop()), '0');
});

test('nobody reaches another applicant\'s case, by link or by guess', async () => {
	const a = await signedIn();
	const locA = (await apply(a)).res.headers.get('location');
	const b = await signedIn();
	const seen = await b.get(locA);
	assert.equal(seen.status, 404);
	assert.doesNotMatch(await seen.text(), /LESTARI|AYU/);
	const pageB = await (await b.get('/account')).text();
	const csrf = field(pageB, 'csrf');
	for (const action of ['details', 'submit', 'withdraw']) {
		const r = await b.post(locA, { csrf, action, version: '1',
		    idem: 'guess-guess-guess-guess-guess-guess-00', sponsor_name: 'Mallory' });
		assert.equal(r.status, 404, action);
	}
	const up = await upload(b, '/account', 'passport', PDF, 'x.pdf', csrf)
	    .catch(() => null);
	void up;
	const fd = new FormData();
	fd.append('csrf', csrf);
	fd.append('type', 'passport');
	fd.append('file', new Blob([PDF]), 'x.pdf');
	const r = b.take(await fetch(BASE + locA + '/document', { method: 'POST', body: fd,
	    headers: b.headers(), redirect: 'manual' }));
	assert.equal(r.status, 404);
	const ref = locA.split('/').pop();
	assert.equal(psql(`SELECT sponsor_name || '|' || state || '|' ||
	    (SELECT count(*) FROM documents d WHERE d.case_id = c.id)
	    FROM cases c WHERE reference = :'p1'`, ref), '|draft|0', 'nothing changed');
	// Signed out, the case page sends to the sign-in page.
	assert.equal((await new Jar().get(locA)).status, 303);
	// A malformed or mistyped reference is not found either.
	assert.equal((await a.get('/case/SMG-2026-000001-0')).status, 404);
});

test('bad application input is refused with a message and stores nothing', async () => {
	const j = await signedIn();
	const before = psql(`SELECT count(*) FROM cases`);
	for (const o of [
		{ expiry: '2027-01-01' },		// passport ends before the permit + 6 months
		{ birth: '2999-01-01' },
		{ nationality: 'Netherlands' },
		{ passport: "x' OR 1=1--" },
		{ family: '' },
		{ kind: 'E99' },
		{ duration: '3' },
		{ level: "express' OR '1'='1" },
		{ area: 'Atlantis' },
		{ address: 'x'.repeat(301) },
		{ address: '\u0000' },
	]) {
		const { res } = await apply(j, o);
		assert.equal(res.status, 400, JSON.stringify(o));
		const page = await res.text();
		assert.match(page, /Some answers need correcting/, JSON.stringify(o));
		assert.match(page, /class="error" id="[a-z_]+-error"/, JSON.stringify(o));
	}
	assert.equal(psql(`SELECT count(*) FROM cases`), before);
});

test('once a case has left draft, a new application cannot rewrite the person', async () => {
	const j = await signedIn();
	const first = await apply(j);
	const loc = first.res.headers.get('location');
	const family = () => psql(`SELECT family_name FROM applicants WHERE passport_no = :'p1'`,
	    first.passport);
	// While every case is a draft, the details may still be corrected.
	let r = await apply(j, { passport: first.passport, family: 'LESTARY' });
	assert.equal(r.res.status, 303);
	assert.equal(family(), 'LESTARY');
	const page = await (await j.get(loc + '?lang=en')).text();
	assert.equal((await j.post(loc, { csrf: field(page, 'csrf'), action: 'withdraw',
	    version: field(page, 'version'), idem: field(page, 'idem') })).status, 303);
	const cases = psql(`SELECT count(*) FROM cases`);
	r = await apply(j, { passport: first.passport, family: 'SOMEONE ELSE' });
	assert.equal(r.res.status, 400);
	assert.match(await r.res.text(), /cannot change once an application is submitted/);
	assert.equal(family(), 'LESTARY', 'the person is unchanged');
	assert.equal(psql(`SELECT count(*) FROM cases`), cases, 'no case was opened');
	r = await apply(j, { passport: first.passport, family: 'LESTARY' });
	assert.equal(r.res.status, 303, 'the same person may apply again');
});

test('the applicant withdraws; a withdrawn case takes no more documents', async () => {
	const j = await signedIn();
	const loc = (await apply(j)).res.headers.get('location');
	let page = await (await j.get(loc + '?lang=en')).text();
	let r = await j.post(loc, { csrf: field(page, 'csrf'), action: 'withdraw',
	    version: field(page, 'version'), idem: field(page, 'idem') });
	assert.equal(r.status, 303);
	page = await (await j.get(loc + '?lang=en')).text();
	assert.match(page, /Withdrawn/);
	r = await upload(j, loc, 'passport', PDF);
	assert.equal(r.status, 409);
});

test('while central is down, the case page says so, with the queue and an estimate', async () => {
	const j = await signedIn();
	const loc = (await apply(j)).res.headers.get('location');
	const ref = loc.split('/').pop();
	// The office takes it to the central check (as the back office will;
	// the supervisor defers the biometrics, which this test does not take).
	psql(`DO $$ DECLARE c cases; o bigint; s bigint; r case_result; cmd text; BEGIN
	    SELECT * INTO c FROM cases WHERE reference = current_setting('t.ref');
	    SELECT id INTO o FROM accounts WHERE email = 'officer.smg@imigrasi.example';
	    SELECT id INTO s FROM accounts WHERE email = 'supervisor.smg@imigrasi.example';
	    r := (c.id, c.id, NULL, c.state, c.version, NULL, false)::case_result;
	    FOREACH cmd IN ARRAY ARRAY['submit', 'pay', 'defer_biometrics',
		'request_clearance'] LOOP
		r := case_apply(CASE cmd WHEN 'pay' THEN (SELECT id FROM accounts
		    WHERE role = 'partner' AND office_id IS NULL ORDER BY id LIMIT 1)
		    WHEN 'defer_biometrics' THEN s ELSE o END, c.id, cmd, r.version,
		    NULL, NULL, CASE cmd WHEN 'defer_biometrics' THEN
		    '{"reason": "portal test"}' ELSE '{}' END::jsonb);
		IF r.code <> 'ok' THEN RAISE EXCEPTION '%: %', cmd, r.code; END IF;
	    END LOOP; END $$`.replace("current_setting('t.ref')", `'${ref}'`));
	psql(`UPDATE central_link SET state = 'open', state_since = now(),
	        next_probe_at = now() + interval '1 hour';
	    INSERT INTO link_outages (started_at, reason)
	        VALUES (now() - interval '2 hours', 'drill') ON CONFLICT DO NOTHING`);
	try {
		const page = await (await j.get(loc + '?lang=en')).text();
		assert.match(page, /Central check/);
		assert.match(page, /The central system has been unreachable since/);
		assert.match(page, /Applications before yours in the queue: \d+\./);
		assert.match(page, /after the connection returns/);
		const id = await (await j.get(loc + '?lang=id')).text();
		assert.match(id, /Sistem pusat tidak dapat dihubungi sejak/);
	} finally {
		psql(`UPDATE central_link SET state = 'closed', state_since = now(),
		        next_probe_at = NULL;
		    UPDATE link_outages SET ended_at = now() WHERE ended_at IS NULL;
		    UPDATE outbox SET status = 'cancelled' WHERE status = 'pending'`);
	}
});
