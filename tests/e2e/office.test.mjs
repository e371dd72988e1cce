// The back office in Chromium: an officer records a payment receipt that
// only a supervisor, another person, can confirm; a stale page is refused
// with a message; the officer takes the case to the central check while
// central is down: the case waits, the panel shows the outage and the
// backlog, and when central returns the case clears by itself (the real
// dispatcher against the simulator).  The issuance needs a second person
// who is a supervisor, the office downloads the permit (recorded in the
// audit log), and staff of another office see nothing of the case, even
// by guessing URLs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';

import { chromium } from 'playwright-core';

import {
	BASE, caseStates, linkStatus, postForm, psql, resetLink, sim, startKore, until,
} from './lib.mjs';
import { axeCheck, signInStaff, staffPassword } from './staff.mjs';


const state = (ref) => psql(`SELECT state FROM cases WHERE reference = :'p1'`, ref);
const version = (ref) => psql(`SELECT version FROM cases WHERE reference = :'p1'`, ref);
const DRILL_PORT = Number(process.env.TEST_DRILL_PORT ?? 18081);

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
	// Its billing code (the portal's submission issues one the same way).
	psql(`SELECT billing_issue(c, 1500000, now()) FROM cases c WHERE reference = :'p1'`, ref);

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

		// A receipt without its number, or with a malformed one,
		// changes nothing.
		await p.getByRole('button', { name: 'Record the payment receipt' }).click();
		assert.match(await p.textContent('.alert'), /needs a reason or number/);
		await p.getByLabel('Receipt number').fill('BNI <2026>');
		await p.getByRole('button', { name: 'Record the payment receipt' }).click();
		assert.match(await p.textContent('.alert'), /A receipt number has 4 to 40/);
		assert.equal(state(ref), 'submitted');

		// A second tab shows the same version; the first one acts.
		const other = await ctx.newPage();
		await other.goto(`${BASE}/office/case/${ref}?lang=en`);
		await p.getByLabel('Receipt number').fill('BNI-2026-000917');
		await p.getByRole('button', { name: 'Record the payment receipt' }).click();
		await p.waitForSelector('text=You recorded this receipt');
		assert.equal(state(ref), 'submitted', 'a receipt alone does not pay');
		await axeCheck(p, 'office-case-receipt-en');
		// Nor can its recorder confirm it with a hand-made form.
		const ocsrf = await p.locator('input[name=csrf]').first().getAttribute('value');
		const ocookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
		const self = await postForm(`/office/case/${ref}`, { csrf: ocsrf, lang: 'en',
		    action: 'confirm_payment', version: version(ref),
		    idem: 'officetestreceipt001officetestreceipt' }, { cookie: ocookies });
		assert.equal(self.status, 403);
		assert.match(await self.text(), /You recorded this receipt yourself/);
		assert.equal(state(ref), 'submitted');

		// A supervisor finds it waiting and confirms it.
		const sup = await signInStaff(browser, 'supervisor.smg@imigrasi.example');
		assert.match(await sup.p.textContent('section:has(#q-approve)'), new RegExp(ref));
		await sup.p.goto(`${BASE}/office/case/${ref}?lang=en`);
		assert.match(await sup.p.textContent('dl.receipt'), /BNI-2026-000917/);
		await sup.p.getByRole('button', { name: 'Confirm the payment' }).click();
		await sup.p.waitForSelector('text=Fee paid');
		assert.equal(state(ref), 'paid');
		assert.equal(psql(`SELECT b.bank_ref FROM billing_codes b JOIN cases c
		    ON c.id = b.case_id WHERE c.reference = :'p1' AND b.paid_at IS NOT NULL`, ref),
		    'receipt BNI-2026-000917');
		await p.reload();
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
		// One finger from the device at least: ten exceptions would
		// be a supervisor's deferral.
		await p.locator('#q1').fill('70');
		await p.locator('#t1').fill(randomBytes(600).toString('base64'));
		for (let i = 2; i <= 10; i++)
			await p.locator(`#x${i}`).selectOption('bandaged');
		await p.getByRole('button', { name: 'Save the fingerprints' }).click();
		await p.waitForSelector('#bio-fingers:has-text("10 of 10")');
		await p.getByRole('button', { name: 'Biometrics and interview done' }).click();
		await p.waitForSelector('button:has-text("Send to the central check")');

		// Central is down when the case goes to it: the case waits,
		// and the panel tells the truth.
		await sim.reset();
		await sim.config({ hitRate: 0 });
		await sim.mode('refused');
		resetLink({ failure_threshold: 1 });
		const drill = await startKore('office', DRILL_PORT, {
		    KITAS_CENTRAL_TIMEOUT_MS: '1500', KITAS_CENTRAL_CONNECT_MS: '500' });
		try {
			await p.getByRole('button', { name: 'Send to the central check' }).click();
			await p.waitForSelector('.state-awaiting_clearance');
			const id = +psql(`SELECT id FROM cases WHERE reference = :'p1'`, ref);
			await until('the breaker to open', () => linkStatus().state === 'open',
			    15000, 100);
			assert.deepEqual(caseStates([id]).map((c) => [c.state, c.verdicts]),
			    [['awaiting_clearance', 0]]);
			await p.goto(`${BASE}/office/link?lang=en`);
			// Open, or half-open for the moment a probe is out (the
			// dispatcher keeps probing every second here).
			assert.match(await p.textContent('.link-state'), /Down|Testing/);
			assert.ok(+(await p.textContent('.link-backlog')).trim() >= 1);
			assert.match(await p.textContent('main'), new RegExp(ref));

			// Central returns; nobody touches the case.
			await sim.mode('up');
			await until('the case to clear by itself', () =>
			    caseStates([id])[0].state === 'cleared', 20000, 200);
			assert.equal(caseStates([id])[0].verdicts, 1);
			const st = await sim.stats();
			assert.equal(st.duplicates, 0, 'central never saw it twice');
			await p.goto(`${BASE}/office/case/${ref}?lang=en`);
		} finally {
			await drill.stop();
			await sim.reset();
			resetLink();
		}
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
		// Nor with another token (the one-round-trip path checks it
		// in the database).
		const badcsrf = await postForm(`/office/case/${ref}`, { csrf: 'x'.repeat(43),
		    lang: 'en', action: 'propose_issue', version: version(ref),
		    idem: 'officetestforged0003officetestforged' }, { cookie: cookies });
		assert.equal(badcsrf.status, 403);
		assert.equal(psql(`SELECT count(*) FROM proposals p JOIN cases c ON c.id = p.case_id
		    WHERE c.reference = :'p1' AND p.command = 'issue'`, ref), '1',
		    'only the first proposal exists');

		await sup.p.goto(`${BASE}/office?lang=en`);
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
		    'propose_payment,confirm_payment,biometric_photo,fingerprints,' +
		    'record_biometrics,request_clearance,' +
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
