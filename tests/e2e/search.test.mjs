// Finding cases in the back office, in Chromium: a name finds the demo
// cases of the officer's office and no other's, a mistyped reference is
// answered next to its field (what was typed kept), more than 50 results
// come in pages; and an applicant's uploaded document opens for the
// office with the very bytes uploaded, the view audited, while staff of
// another office get "not found".
import assert from 'node:assert/strict';
import test from 'node:test';

import { chromium } from 'playwright-core';

import { applyThrough, BASE, Jar, login, psql, registerAndConfirm } from './lib.mjs';
import { axeCheck, signInStaff, staffPassword } from './staff.mjs';

const SMG = 'officer.smg@imigrasi.example';
const JKT = 'officer.jkt@imigrasi.example';
const tag = `s${process.pid}`;

let browser;

test.before(async () => {
	for (const e of [SMG, JKT])
		staffPassword(e);
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
	});
});

test.after(async () => {
	await browser?.close();
});

// The references in the results table, sorted.
async function found(p) {
	return (await p.locator('table tbody th a').allTextContents()).sort();
}

// Submit the search form with fields (by label); the response.
async function search(p, fields) {
	await p.goto(`${BASE}/office/search?lang=en`);
	for (const [label, value] of Object.entries(fields))
		await p.getByLabel(label, { exact: true }).fill(value);
	const [res] = await Promise.all([
		p.waitForResponse((r) => r.url().includes('/office/search?')),
		p.getByRole('button', { name: 'Search' }).click(),
	]);
	await p.waitForLoadState();
	return res;
}

test('a name finds the office\'s demo cases and no other office\'s', async () => {
	const { ctx, p } = await signInStaff(browser, SMG);
	try {
		await p.getByRole('link', { name: /Find a case/ }).click();
		await p.waitForURL(/\/office\/search/);
		const res = await search(p, { Name: 'schmidt' });
		assert.equal(res.status(), 200);
		const want = psql(`SELECT string_agg(c.reference, ',' ORDER BY c.reference)
		    FROM cases c JOIN applicants a ON a.id = c.applicant_id
		    JOIN offices o ON o.id = c.office_id
		    WHERE o.code = :'p1' AND a.family_name = 'SCHMIDT'`, 'SMG');
		const elsewhere = psql(`SELECT count(*) FROM cases c
		    JOIN applicants a ON a.id = c.applicant_id
		    JOIN offices o ON o.id = c.office_id
		    WHERE o.code <> 'SMG' AND a.family_name = 'SCHMIDT'`);
		assert.ok(want.length > 0, 'the demo has a SCHMIDT case at SMG');
		assert.ok(+elsewhere > 0, 'and one at another office');
		assert.deepEqual(await found(p), want.split(','));
		assert.equal(await p.inputValue('#name'), 'schmidt');
		await axeCheck(p, 'office-search-en');

		// A case is one click away.
		await p.getByRole('link', { name: want.split(',')[0] }).click();
		await p.waitForURL(new RegExp(`/office/case/${want.split(',')[0]}$`));
	} finally {
		await ctx.close();
	}
});

test('a mistyped reference is answered next to its field, 400', async () => {
	const { ctx, p } = await signInStaff(browser, SMG);
	try {
		const ref = psql(`SELECT c.reference FROM cases c JOIN offices o
		    ON o.id = c.office_id WHERE o.code = 'SMG' ORDER BY c.id LIMIT 1`);
		const last = ref.slice(-1);
		const wrong = ref.slice(0, -1) + (last === '7' ? '8' : '7');
		const name = `<b>O'Neil & "Co"</b>`;
		const res = await search(p, { 'Case reference': wrong.toLowerCase(),
		    Name: name, 'In this step for more than (days)': 'many' });
		assert.equal(res.status(), 400);
		assert.match(await p.textContent('#ref-error'), /typing mistake/);
		assert.equal(await p.getAttribute('#ref', 'aria-invalid'), 'true');
		assert.match(await p.textContent('#days-error'), /whole number of days/);
		// What was typed is kept, as text.
		assert.equal(await p.inputValue('#ref'), wrong.toLowerCase());
		assert.equal(await p.inputValue('#name'), name);
		assert.equal(await p.locator('main b').count(), 0);
		assert.equal(await p.locator('table').count(), 0, 'nothing was searched');
		await axeCheck(p, 'office-search-error-en');

		// A bad page number is a 400 too; the right reference finds its case.
		const bad = await ctx.request.get(`${BASE}/office/search?page=0`);
		assert.equal(bad.status(), 400);
		assert.equal((await search(p, { 'Case reference': ref })).status(), 200);
		assert.deepEqual(await found(p), [ref]);
	} finally {
		await ctx.close();
	}
});

test('more than 50 results come in pages', async () => {
	// 55 submitted cases of SMG, filed at the counter, each its own person.
	const made = psql(`
	    SELECT set_config('t.tag', :'p1', false) \\g /dev/null
	    CREATE TEMP TABLE made (ref text);
	    DO $$
	    DECLARE
		o integer := (SELECT id FROM offices WHERE code = 'SMG');
		a bigint := (SELECT id FROM accounts
		    WHERE email = 'officer.smg@imigrasi.example');
		ap bigint; r case_result;
	    BEGIN
		FOR i IN 1..55 LOOP
			INSERT INTO applicants (family_name, given_names, birth_date,
			    sex, nationality, passport_no, passport_expiry)
			VALUES ('PAGER', current_setting('t.tag') || 'x' || i,
			    '1980-01-01', 'X', 'NLD',
			    upper(current_setting('t.tag')) || 'P' || i, '2035-01-01')
			RETURNING id INTO ap;
			r := case_create(a, o, ap, 'E23', 1::smallint, 'regular',
			    'employer', 'PT Pager', '', NULL);
			r := case_apply(a, r.case_id, 'submit', r.version, NULL);
			IF r.code <> 'ok' THEN RAISE EXCEPTION 'submit: %', r.code; END IF;
			INSERT INTO made SELECT reference FROM cases WHERE id = r.case_id;
		END LOOP;
	    END $$;
	    SELECT string_agg(ref, ',' ORDER BY ref) FROM made;`, tag);
	const refs = made.split('\n').pop().split(',');
	assert.equal(refs.length, 55);

	const { ctx, p } = await signInStaff(browser, SMG);
	try {
		await search(p, { Name: `${tag}x` });
		const first = await found(p);
		assert.equal(first.length, 50);
		assert.match(await p.textContent('main'), /Cases found: 55/);
		assert.equal(await p.getByRole('link', { name: 'Previous page' }).count(), 0);
		await p.getByRole('link', { name: 'Next page' }).click();
		await p.waitForURL(/page=2/);
		assert.match(p.url(), new RegExp(`name=${tag}x`));
		const second = await found(p);
		assert.equal(second.length, 5);
		assert.equal(await p.getByRole('link', { name: 'Next page' }).count(), 0);
		assert.deepEqual([...first, ...second].sort(), refs);
		await p.getByRole('link', { name: 'Previous page' }).click();
		await p.waitForURL(/page=1/);
		assert.deepEqual(await found(p), first);
	} finally {
		await ctx.close();
	}
});

// --- a document uploaded through the portal -----------------------------
const PDF = Buffer.from(`%PDF-1.4\n% search test document ${tag} \u00ff\x00\x01\n`,
    'latin1');

function field(html, name) {
	return html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];
}

test('a document opens with the bytes uploaded, audited; not for JKT', async () => {
	const email = `search${process.pid}@example.org`;
	const pw = 'correct horse battery staple';
	const { jar } = await login(email, pw, await registerAndConfirm(email, pw));
	const r = await applyThrough(jar, { kind: 'E33G', duration: '1',
	    level: 'regular', address: 'Jl. Pemuda 3', area: 'Kota Semarang',
	    family: 'DOKUMEN', given: 'SITI', birth: '1990-02-03', sex: 'F',
	    nationality: 'NLD',
	    passport: `D${String(process.pid % 100000).padStart(5, "0")}X`,
	    expiry: '2035-01-01' });
	assert.equal(r.status, 303);
	const loc = r.headers.get('location');
	const ref = loc.split('/').pop();
	const page = await (await jar.get(loc)).text();
	const fd = new FormData();
	fd.append('csrf', field(page, 'csrf'));
	fd.append('type', 'passport');
	fd.append('file', new Blob([PDF]), 'my passport (2024)+\u00fc.pdf');
	const up = jar.take(await fetch(`${BASE}${loc}/document`, { method: 'POST',
	    body: fd, headers: jar.headers(), redirect: 'manual' }));
	assert.equal(up.status, 303);

	const viewed = () => psql(`SELECT count(*) FROM audit_log l
	    JOIN cases c ON c.id = l.case_id WHERE c.reference = :'p1'
	    AND l.action = 'document_viewed' AND l.detail->>'type' = 'passport'`, ref);
	const url = `/office/case/${ref}/document/passport`;

	const smg = await signInStaff(browser, SMG);
	const jkt = await signInStaff(browser, JKT);
	try {
		await smg.p.goto(`${BASE}/office/case/${ref}?lang=en`);
		const link = smg.p.locator(`a[href="${url}"]`);
		assert.equal(await link.count(), 1, 'the case page links the document');
		assert.equal(viewed(), '0', 'showing the case page views nothing');

		const res = await smg.ctx.request.get(BASE + url);
		assert.equal(res.status(), 200);
		assert.deepEqual(await res.body(), PDF);
		const h = res.headers();
		assert.equal(h['content-type'], 'application/pdf');
		assert.equal(h['content-disposition'], 'attachment; filename="mypassport2024.pdf"');
		assert.equal(h['x-content-type-options'], 'nosniff');
		assert.equal(h['cache-control'], 'no-store');
		assert.equal(viewed(), '1', 'the view is in the audit log');
		assert.equal(psql(`SELECT a.email FROM audit_log l JOIN accounts a
		    ON a.id = l.account_id JOIN cases c ON c.id = l.case_id
		    WHERE c.reference = :'p1' AND l.action = 'document_viewed'`, ref), SMG);

		for (const u of [url, `/office/case/${ref}/document/photo`,
		    `/office/case/${ref}/document/nonsense`]) {
			const other = await jkt.ctx.request.get(BASE + u);
			assert.equal(other.status(), 404, u);
		}
		assert.equal((await smg.ctx.request.get(
		    `${BASE}/office/case/${ref}/document/nonsense`)).status(), 404);
		assert.equal(viewed(), '1', 'refusals leave no audit row');

		// Not for an applicant either, not even the owner.
		const mine = await jar.get(url);
		assert.equal(mine.status, 403);
	} finally {
		await Promise.all([smg.ctx.close(), jkt.ctx.close()]);
	}
});
