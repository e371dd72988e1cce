// Notices by e-mail, through libcurl's SMTP to the local sink: the
// confirmation link works from the mail itself, and every status change
// of a case reaches the applicant in their language.
import assert from 'node:assert/strict';
import test from 'node:test';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { applyThrough, BASE, Jar, OUT, login, mailTo, psql } from './lib.mjs';

const PW = 'correct horse battery staple';

test('the confirmation mail carries a link that confirms the address', async () => {
	const who = `mail${process.pid}a@example.org`;
	const j = new Jar();
	const csrf = (await (await j.get('/register?lang=id')).text())
	    .match(/name="csrf" value="([^"]+)"/)[1];
	await j.post('/register', { csrf, name: 'Ayu', email: who, password: PW,
	    password2: PW, lang: 'id' });
	const m = await mailTo(who, /Konfirmasi alamat e-mail/);
	assert.match(m.raw, /^Content-Type: text\/plain; charset=utf-8/m);
	const link = m.body.match(/(http:\/\/\S+\/confirm\?token=[A-Za-z0-9_-]+&lang=id)/)[1];
	assert.ok(link.startsWith(BASE));
	const r = await j.get(link.slice(BASE.length));
	assert.equal(r.status, 200);
	assert.match(await r.text(), /sudah dikonfirmasi/);
	// Once sent, the database keeps no copy of the token.
	assert.equal(psql(`SELECT count(*) FROM mail_outbox WHERE to_addr = :'p1'
	    AND kind = 'confirm' AND sent_at IS NOT NULL AND data ? 'token'`, who), '0');
});

test('a status change of a case reaches the applicant by mail', async () => {
	const who = `mail${process.pid}b@example.org`;
	const j = new Jar();
	const csrf = (await (await j.get('/register?lang=en')).text())
	    .match(/name="csrf" value="([^"]+)"/)[1];
	await j.post('/register', { csrf, name: 'Made', email: who, password: PW,
	    password2: PW, lang: 'en' });
	const link = (await mailTo(who, /Confirm your e-mail/)).body
	    .match(/\/confirm\?token=[A-Za-z0-9_-]+&lang=en/)[0];
	await j.get(link);
	await login(who, PW, j);
	const r = await applyThrough(j, { kind: 'E23', duration: '2', level: 'regular',
	    sponsor_name: 'PT Bali Villas', sponsor_ref: 'RPTKA-2026-0042',
	    address: 'Jl. Sunset Road 88', area: 'Kabupaten Badung',
	    family: 'WIRAWAN', given: 'MADE', birth: '1980-01-01', sex: 'M',
	    nationality: 'AUS', passport: `MW${process.pid}`.slice(0, 12),
	    expiry: '2035-01-01' });
	const ref = r.headers.get('location').split('/').pop();
	// An officer of the office moves the case (through the SQL command
	// function, as the back office will).
	psql(`SELECT case_apply((SELECT id FROM accounts WHERE email =
	    'officer.dps@imigrasi.example'), id, 'submit', version, NULL)
	    FROM cases WHERE reference = :'p1'`, ref);
	const m = await mailTo(who, new RegExp(`Your application ${ref}`));
	assert.match(m.body, /is now at this step: Submitted/);
	assert.match(m.body, new RegExp(`/case/${ref}\\?lang=en`));
});

// A query of the mail worker that fails in the database (here: its right
// to claim is taken away for a moment) is logged and retried; the worker
// survives it and the mail goes out once the database answers again.
test('a failing mail query is survived, and the mail goes out afterwards', async () => {
	const who = `mail${process.pid}c@example.org`;
	const fn = 'mail_claim(text, integer, timestamptz)';
	psql(`REVOKE EXECUTE ON FUNCTION ${fn} FROM kitas_app`);
	try {
		const j = new Jar();
		const csrf = (await (await j.get('/register?lang=en')).text())
		    .match(/name="csrf" value="([^"]+)"/)[1];
		await j.post('/register', { csrf, name: 'Nyoman', email: who,
		    password: PW, password2: PW, lang: 'en' });
		await new Promise((r) => setTimeout(r, 2000));
		assert.equal(psql(`SELECT count(*) FROM mail_outbox WHERE to_addr = :'p1'
		    AND sent_at IS NULL`, who), '1', 'queued, not sent, while claiming fails');
	} finally {
		psql(`GRANT EXECUTE ON FUNCTION ${fn} TO kitas_app`);
	}
	await mailTo(who, /Confirm your e-mail/);
	const log = readFileSync(path.join(OUT, 'kore.log'), 'utf8');
	assert.match(log, /mail claim: .*permission denied/, 'the failure was logged');
	assert.doesNotMatch(log, /\) gone/, 'no worker died');
});
