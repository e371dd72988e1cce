// The applicant's whole journey in Chromium, on a phone, without any
// script of ours: register, confirm from the mail, apply (express),
// upload, submit, pay (the payment notice as the billing partner's
// command; its signed XML has its own tests), follow the steps; the same
// case while central is down; central back, the office issues with four
// eyes, and the applicant downloads the e-ITAS, whose QR code zbar reads
// and node's crypto and an offline kitasctl verify.  Every page passes
// axe-core; a screenshot of each (and of the permit) is kept.
import assert from 'node:assert/strict';
import test from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

import { chromium } from 'playwright-core';

import { BASE, ROOT, issueFourEyes, mail, mailTo, outDir, psql, until } from './lib.mjs';
import { verifyToken } from './permit-token.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const PW = 'correct horse battery staple';
const shots = outDir('screenshots');

const PDF = Buffer.from('%PDF-1.4\n% journey test document\n');

test('apply for a permit in the browser, from registration to the issued e-ITAS', async () => {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const ctx = await browser.newContext({ viewport: { width: 360, height: 800 },
		    locale: 'id-ID', bypassCSP: true });
		const p = await ctx.newPage();
		const check = async (name) => {
			await p.addScriptTag({ path: AXE });
			const res = await p.evaluate(async () => await axe.run(document));
			const bad = res.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
			assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], name);
			const wide = await p.evaluate(() =>
			    document.documentElement.scrollWidth > window.innerWidth);
			assert.equal(wide, false, `${name} fits 360 px`);
			await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
		};
		const who = `journey${process.pid}@example.org`;

		await p.goto(`${BASE}/register`);
		await p.getByLabel('Nama lengkap').fill('Siti Rahma');
		await p.getByLabel('Alamat e-mail').fill(who);
		await p.getByLabel('Kata sandi', { exact: true }).fill(PW);
		await p.getByLabel('Ulangi kata sandi').fill(PW);
		await p.getByRole('button', { name: 'Buat akun' }).click();
		await p.waitForSelector('text=Periksa e-mail Anda');
		await p.goto(`${BASE}/confirm?token=${await mail(who, 'confirm')}`);
		await p.goto(`${BASE}/login?lang=en`);
		await p.getByLabel('E-mail address').fill(who);
		await p.getByLabel('Password').fill(PW);
		await p.getByRole('button', { name: 'Sign in' }).click();
		await p.waitForURL(/\/account$/);

		// One step per page; each is saved, so the applicant could stop
		// anywhere and come back.
		const sponsor = `sponsor${process.pid}@example.org`;
		const next = async (step) => {
			await p.getByRole('button', { name: 'Save and continue' }).click();
			await p.waitForURL(new RegExp(`/apply\\?step=${step}$`));
			await check(`apply-${step}-en`);
		};
		await p.goto(`${BASE}/apply`);
		await check('apply-kind-en');
		await p.getByLabel('Spouse of a citizen (E31A)').check();
		await next('terms');
		await p.getByLabel(/^2 years/).check();
		await p.getByLabel('Express').check();
		await next('sponsor');
		// A refused step: the error next to its field, as accessible.
		await p.getByRole('button', { name: 'Save and continue' }).click();
		await p.waitForSelector('#sponsor_name-error');
		assert.equal(await p.getByLabel("Sponsor's name").getAttribute('aria-invalid'), 'true');
		await check('apply-sponsor-refused-en');
		await p.getByLabel("Sponsor's name").fill('Budi Santoso');
		await p.getByLabel("Sponsor's NIK (optional)").fill('3171234567890001');
		await p.getByLabel("Sponsor's e-mail address (optional)").fill(sponsor);
		await next('domicile');
		await p.getByLabel('Street address in Indonesia').fill('Jl. Engku Putri 3');
		await p.getByLabel('City or regency').selectOption('Kota Batam');
		await next('passport');
		// The choices so far, and the office the place chose.
		assert.match(await p.textContent('dl.facts'), /Kantor Imigrasi Batam/);
		await p.getByLabel('Family name').fill('RAHMA');
		await p.getByLabel('Given names').fill('SITI');
		await p.getByLabel('Date of birth').fill('1990-06-15');
		await p.getByLabel('Female').check();
		await p.getByLabel('Nationality').fill('MYS');
		await p.getByLabel('Passport number').fill(`A${process.pid}`.slice(0, 9));
		await p.getByLabel('Passport valid until').fill('2034-06-15');
		await p.getByRole('button', { name: 'Open the application' }).click();
		await p.waitForURL(/\/case\/BTM-/);
		const ref = p.url().split('/').pop();
		await check('case-draft-en');
		assert.equal(await p.getByLabel("Sponsor's e-mail address").inputValue(), sponsor);

		// A real JPEG for the photo: it goes on the permit.
		const face = await p.screenshot({ type: 'jpeg', quality: 80,
		    clip: { x: 0, y: 0, width: 140, height: 180 } });
		for (const type of ['passport', 'photo', 'sponsor_letter', 'marriage_certificate',
		    'domicile_letter']) {
			await p.setInputFiles(`#file-${type}`, { name: `${type}.${type === 'photo' ? 'jpg' : 'pdf'}`,
			    mimeType: 'application/octet-stream', buffer: type === 'photo' ? face : PDF });
			await p.locator(`form:has(#file-${type}) button`).click();
			await p.waitForURL(new RegExp(`/case/${ref}$`));
		}
		assert.equal(await p.locator('text=still needed').count(), 0);
		await p.getByRole('button', { name: 'Submit the application' }).click();
		await p.waitForSelector('.billing');
		assert.match(await p.textContent('.billing'), /Rp3,000,000/);
		await check('case-submitted-en');

		// The state billing system's payment notice (simulated).
		psql(`SELECT case_apply((SELECT id FROM accounts WHERE role = 'partner'
		    ORDER BY id LIMIT 1), id, 'pay', version, NULL)
		    FROM cases WHERE reference = :'p1'`, ref);
		await p.reload();
		assert.match(await p.textContent('.state'), /Fee paid/);
		const steps = await p.locator('ol.timeline li').allTextContents();
		assert.equal(steps.length, 3);
		assert.match(steps.join(' | '), /Draft.*Submitted.*Fee paid/);

		// The office passes biometrics (the supervisor defers them:
		// office.test.mjs takes them through the forms) and sends the
		// case to central, which is down.
		psql(`DO $$ DECLARE c cases; o bigint; s bigint; v integer; BEGIN
		    SELECT * INTO c FROM cases WHERE reference = '${ref}';
		    SELECT id INTO o FROM accounts WHERE email = 'officer.btm@imigrasi.example';
		    SELECT id INTO s FROM accounts WHERE email = 'supervisor.btm@imigrasi.example';
		    v := (case_apply(s, c.id, 'defer_biometrics', c.version, NULL, NULL,
		        '{"reason": "journey"}')).version;
		    PERFORM case_apply(o, c.id, 'request_clearance', v, NULL); END $$`);
		psql(`UPDATE central_link SET state = 'open', state_since = now(),
		        next_probe_at = now() + interval '1 hour';
		    INSERT INTO link_outages (started_at, reason)
		        VALUES (now() - interval '3 hours', 'journey') ON CONFLICT DO NOTHING`);
		try {
			await p.goto(`${BASE}/case/${ref}?lang=id`);
			assert.match(await p.textContent('.banner'), /Sistem pusat tidak dapat dihubungi sejak/);
			await check('case-outage-id');
		} finally {
			psql(`UPDATE central_link SET state = 'closed', next_probe_at = NULL;
			    UPDATE link_outages SET ended_at = now() WHERE ended_at IS NULL;
			    UPDATE outbox SET status = 'cancelled' WHERE status = 'pending'
			        AND case_id <> (SELECT id FROM cases WHERE reference = :'p1')`, ref);
		}

		// Central is back and clears the case (through the dispatcher's
		// own recording path); the office issues with four eyes.
		psql(`SELECT clr_record(o.id, 'clear', NULL, NULL, now(), 'dispatch', now())
		    FROM outbox o JOIN cases c ON c.id = o.case_id
		    WHERE c.reference = :'p1' AND o.status = 'pending'`, ref);
		const issued = issueFourEyes(ref, 'officer.btm@imigrasi.example',
		    'supervisor.btm@imigrasi.example', 'journey-issue-1');
		assert.match(issued, /^ok BTM-\d{4}-P\d{6}$/);
		const number = issued.split(' ')[1];
		await until('the permit to be printed', () => psql(`SELECT rendered_at IS NOT NULL
		    FROM permits WHERE number = :'p1'`, number) === 't', 20000);
		await p.goto(`${BASE}/case/${ref}?lang=en`);
		assert.match(await p.textContent('.state'), /Permit issued/);
		await check('case-issued-en');
		const href = await p.getByRole('link', { name: 'Download your e-ITAS (PDF)' })
		    .getAttribute('href');
		const res = await ctx.request.get(BASE + href);
		assert.equal(res.status(), 200);
		assert.equal(res.headers()['content-type'], 'application/pdf');
		const pdf = await res.body();
		assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
		const permitDir = outDir('permit');
		const pdfPath = path.join(permitDir, `${number}.pdf`);
		writeFileSync(pdfPath, pdf);

		// The PDF's first page as an image (kept for people to look
		// at), its QR code read by zbar, not by us.
		execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', pdfPath,
		    path.join(shots, 'eitas-page1')]);
		const scanned = execFileSync('zbarimg', ['--raw', '-q',
		    path.join(shots, 'eitas-page1.png')], { encoding: 'utf8' }).trim();
		assert.equal(scanned, psql(`SELECT token FROM permits WHERE number = :'p1'`, number));

		// An independent Ed25519 check (node's crypto) with the
		// published keys.
		const keys = await (await fetch(`${BASE}/verify/keys`)).text();
		// Permit dates are WIB (UTC+7) dates.
		const wib = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
		const v = verifyToken(scanned, keys, { today: wib });
		assert.equal(v.reason, 'valid');
		assert.equal(v.permit.number, number);
		assert.equal(v.permit.holder, 'SITI RAHMA');
		assert.equal(v.permit.nationality, 'MYS');
		assert.equal(v.permit.kind, 'E31A');

		// kitasctl, fully offline: no network at all, no database.
		const crl = await (await fetch(`${BASE}/verify/revocations`)).text();
		writeFileSync(path.join(permitDir, 'keys.txt'), keys);
		writeFileSync(path.join(permitDir, 'crl.txt'), crl);
		const offline = execFileSync('unshare', ['--net', path.join(ROOT, 'kitasctl'),
		    'permit', 'verify', path.join(permitDir, 'keys.txt'),
		    path.join(permitDir, 'crl.txt'), pdfPath],
		    { encoding: 'utf8', env: { PATH: process.env.PATH } });
		assert.match(offline, /^result: valid$/m);
		assert.match(offline, new RegExp(`^permit: ${number}$`, 'm'));
		assert.match(offline, /revocation list: issued .*, 0 hours old/);

		// The sponsor was told, with where to check a permit.
		const note = await mailTo(sponsor, /Izin tinggal diterbitkan|Stay permit issued/);
		assert.match(note.subject, new RegExp(ref));
		assert.match(note.body, /\/verify\?lang=/);

		// The public page, in Indonesian, for whoever scans it.
		await p.goto(`${BASE}/verify?lang=id&t=${encodeURIComponent(scanned)}`);
		assert.match(await p.textContent('.verdict h2'), /Izin sah/);
		assert.match(await p.textContent('.verdict'), /SITI RAHMA/);
		await check('verify-valid-id');
		await ctx.close();
	} finally {
		await browser.close();
	}
});
