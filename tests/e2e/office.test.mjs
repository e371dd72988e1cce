// The back office in Chromium: an officer takes a case from the payment
// receipt to the central check, a stale page is refused with a message,
// the issuance needs a second person who is a supervisor, the office
// downloads the permit (recorded in the audit log), and staff of another
// office see nothing of the case, even by guessing URLs.
import assert from 'node:assert/strict';
import test from 'node:test';

import { chromium } from 'playwright-core';

import { BASE, postForm, psql, until } from './lib.mjs';
import { axeCheck, signInStaff, staffPassword } from './staff.mjs';


const state = (ref) => psql(`SELECT state FROM cases WHERE reference = :'p1'`, ref);
const version = (ref) => psql(`SELECT version FROM cases WHERE reference = :'p1'`, ref);

test('an officer works a case; issuing takes a second person', async () => {
	for (const e of ['officer.smg@imigrasi.example', 'supervisor.smg@imigrasi.example',
	    'officer.jkt@imigrasi.example'])
		staffPassword(e);
	// A fresh submitted case of SMG, filed at the counter.
	const ref = psql(`SELECT (case_create(o.id, f.id, a.id, 'E33', 1::smallint,
	    'express', 'self', '', '', NULL)).reference
	    FROM accounts o, offices f, applicants a
	    WHERE o.email = 'officer.smg@imigrasi.example' AND f.code = 'SMG'
	    ORDER BY a.id DESC LIMIT 1`);
	psql(`SELECT case_apply((SELECT id FROM accounts WHERE email = 'officer.smg@imigrasi.example'),
	    id, 'submit', version, NULL) FROM cases WHERE reference = :'p1'`, ref);

	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
	});
	try {
		const { ctx, p } = await signInStaff(browser, 'officer.smg@imigrasi.example');
		await axeCheck(p, 'office-queues-en');
		assert.match(await p.textContent(`section:has(#q-check)`), new RegExp(ref));
		await p.getByRole('link', { name: ref }).click();
		await p.waitForURL(new RegExp(`/office/case/${ref}$`));
		await axeCheck(p, 'office-case-submitted-en');

		// A receipt without its number changes nothing.
		await p.getByRole('button', { name: 'Record the payment receipt' }).click();
		assert.match(await p.textContent('.alert'), /needs a reason or number/);
		assert.equal(state(ref), 'submitted');

		// A second tab shows the same version; the first one acts.
		const other = await ctx.newPage();
		await other.goto(`${BASE}/office/case/${ref}?lang=en`);
		await p.getByLabel('Receipt number').fill('BNI-2026-000917');
		await p.getByRole('button', { name: 'Record the payment receipt' }).click();
		await p.waitForSelector('text=Fee paid');
		assert.equal(state(ref), 'paid');
		const v = version(ref);
		await other.getByLabel('Reason for rejection').fill('Late');
		const [resp] = await Promise.all([
			other.waitForResponse((r) => r.url().endsWith(`/office/case/${ref}`) &&
			    r.request().method() === 'POST'),
			other.getByRole('button', { name: 'Reject the application' }).click(),
		]);
		assert.equal(resp.status(), 409);
		assert.match(await other.textContent('.alert'), /Someone else changed this case/);
		assert.equal(state(ref), 'paid');
		assert.equal(version(ref), v);

		// Not done before the photo and all ten fingers are in
		// (biometrics.test.mjs covers the forms in full).
		await p.getByRole('button', { name: 'Biometrics and interview done' }).click();
		assert.match(await p.textContent('.alert'), /Biometrics are not complete/);
		assert.equal(state(ref), 'paid');
		await p.getByLabel('Facial photo file (JPEG or PNG)').setInputFiles({
		    name: 'face.jpg', mimeType: 'image/jpeg',
		    buffer: await p.screenshot({ type: 'jpeg' }) });
		await p.getByRole('button', { name: 'Save the facial photo' }).click();
		await p.waitForSelector('#bio-photo:has-text("image/jpeg")');
		for (let i = 1; i <= 10; i++)
			await p.locator(`#x${i}`).selectOption('bandaged');
		await p.getByRole('button', { name: 'Save the fingerprints' }).click();
		await p.waitForSelector('#bio-fingers:has-text("10 of 10")');
		await p.getByRole('button', { name: 'Biometrics and interview done' }).click();
		await p.waitForSelector('button:has-text("Send to the central check")');
		await p.getByRole('button', { name: 'Send to the central check' }).click();
		await p.waitForSelector('.state-awaiting_clearance');
		assert.equal(psql(`SELECT count(*) FROM outbox o JOIN cases c ON c.id = o.case_id
		    WHERE c.reference = :'p1' AND o.status = 'pending'`, ref), '1');

		// Central answers (the dispatcher's own recording path).
		psql(`SELECT clr_record(o.id, 'clear', NULL, NULL, now(), 'dispatch', now())
		    FROM outbox o JOIN cases c ON c.id = o.case_id
		    WHERE c.reference = :'p1' AND o.status = 'pending'`, ref);
		await p.reload();
		await p.getByRole('button', { name: 'Propose to issue the permit' }).click();
		await p.waitForSelector('text=You proposed this issuance');
		await axeCheck(p, 'office-case-proposed-en');

		// The officer cannot approve, not even with a hand-made form.
		const csrf = await p.locator('input[name=csrf]').first().getAttribute('value');
		const cookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
		const forged = await postForm(`/office/case/${ref}`, { csrf, lang: 'en',
		    action: 'issue', version: version(ref), idem: 'officetestforged0001officetestforged' },
		    { cookie: cookies });
		assert.equal(forged.status, 403);
		assert.equal(state(ref), 'cleared');
		// Nor without the CSRF token.
		const nocsrf = await postForm(`/office/case/${ref}`, { lang: 'en',
		    action: 'propose_issue', version: version(ref), idem: 'officetestforged0002officetestforged' },
		    { cookie: cookies });
		assert.equal(nocsrf.status, 403);

		const sup = await signInStaff(browser, 'supervisor.smg@imigrasi.example');
		assert.match(await sup.p.textContent('section:has(#q-approve)'), new RegExp(ref));
		await sup.p.goto(`${BASE}/office/case/${ref}?lang=en`);
		await sup.p.getByRole('button', { name: 'Approve and issue the permit' }).click();
		await sup.p.waitForSelector('text=Permit issued');
		assert.equal(state(ref), 'issued');
		const number = psql(`SELECT p.number FROM permits p JOIN cases c ON c.id = p.case_id
		    WHERE c.reference = :'p1'`, ref);
		assert.match(number, /^SMG-\d{4}-P\d{6}$/);
		await until('the permit to be printed', async () => {
			await sup.p.reload();
			return await sup.p.locator('text=Download the e-ITAS').count() === 1;
		}, 20000, 500);
		const pdf = await sup.ctx.request.get(`${BASE}/office/case/${ref}/permit.pdf`);
		assert.equal(pdf.status(), 200);
		assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
		assert.equal(psql(`SELECT count(*) FROM audit_log l JOIN cases c ON c.id = l.case_id
		    WHERE c.reference = :'p1' AND l.action = 'permit_pdf_viewed'`, ref), '1');
		assert.equal(psql(`SELECT string_agg(l.action, ',' ORDER BY l.id) FROM audit_log l
		    JOIN cases c ON c.id = l.case_id WHERE c.reference = :'p1'
		    AND l.action <> 'permit_pdf_viewed'`, ref),
		    'pay,biometric_photo,fingerprints,record_biometrics,request_clearance,' +
		    'propose_issue,issue');

		// Another office's staff: the case does not exist for them.
		const jkt = await signInStaff(browser, 'officer.jkt@imigrasi.example');
		assert.doesNotMatch(await jkt.p.textContent('main'), new RegExp(ref));
		for (const url of [`/office/case/${ref}`, `/office/case/${ref}/permit.pdf`]) {
			const r = await jkt.ctx.request.get(BASE + url);
			assert.equal(r.status(), 404, url);
		}
		const jcsrf = await jkt.p.locator('input[name=csrf]').first().getAttribute('value')
		    .catch(() => null);
		const jcookies = (await jkt.ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
		const poke = await postForm(`/office/case/${ref}`, { csrf: jcsrf ?? '', lang: 'en',
		    action: 'cancel', version: version(ref), idem: 'officetestjkt00001officetestjkt00001',
		    reason: 'guess' }, { cookie: jcookies });
		assert.ok([403, 404].includes(poke.status), `status ${poke.status}`);
		assert.equal(state(ref), 'issued');
		await Promise.all([ctx.close(), sup.ctx.close(), jkt.ctx.close()]);
	} finally {
		await browser.close();
	}
});
