// The applicant's whole journey in Chromium, on a phone, without any
// script of ours: register, confirm from the mail, apply (express),
// upload, submit, pay (the payment notice is simulated until the partner
// exchange exists), follow the steps; then the same case while central is
// down.  Every page passes axe-core; a screenshot of each is kept.
import assert from 'node:assert/strict';
import test from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { BASE, mail, outDir, psql } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const PW = 'correct horse battery staple';
const shots = outDir('screenshots');

const PDF = Buffer.from('%PDF-1.4\n% journey test document\n');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

test('apply for a permit in the browser, from registration to payment', async () => {
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

		await p.goto(`${BASE}/apply`);
		await check('apply-en');
		await p.getByLabel('Family name').fill('RAHMA');
		await p.getByLabel('Given names').fill('SITI');
		await p.getByLabel('Date of birth').fill('1990-06-15');
		await p.getByLabel('Sex').selectOption('F');
		await p.getByLabel('Nationality').fill('MYS');
		await p.getByLabel('Passport number').fill(`A${process.pid}`.slice(0, 9));
		await p.getByLabel('Passport valid until').fill('2034-06-15');
		await p.getByLabel('Kind of permit').selectOption('E31A');
		await p.getByLabel('Duration').selectOption('2');
		await p.getByLabel('Service').selectOption('express');
		await p.getByLabel('Immigration office (where you live)').selectOption('BTM');
		await p.getByRole('button', { name: 'Start the application' }).click();
		await p.waitForURL(/\/case\/BTM-/);
		const ref = p.url().split('/').pop();
		await check('case-draft-en');

		await p.getByLabel('Sponsor', { exact: true }).fill('Budi Santoso');
		await p.getByLabel("Sponsor's reference").fill('AN-2019-0042');
		await p.getByLabel('Address in Indonesia', { exact: true }).fill('Jl. Engku Putri 3');
		await p.getByLabel('City').fill('Batam');
		await p.getByRole('button', { name: 'Save' }).click();
		await p.waitForURL(new RegExp(`/case/${ref}$`));
		for (const type of ['passport', 'photo', 'sponsor_letter', 'marriage_certificate',
		    'domicile_letter']) {
			await p.setInputFiles(`#file-${type}`, { name: `${type}.${type === 'photo' ? 'png' : 'pdf'}`,
			    mimeType: 'application/octet-stream', buffer: type === 'photo' ? PNG : PDF });
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

		// The office records biometrics and sends it to central, which is down.
		psql(`DO $$ DECLARE c cases; o bigint; v integer; BEGIN
		    SELECT * INTO c FROM cases WHERE reference = '${ref}';
		    SELECT id INTO o FROM accounts WHERE email = 'officer.btm@imigrasi.example';
		    v := (case_apply(o, c.id, 'record_biometrics', c.version, NULL)).version;
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
			    UPDATE outbox SET status = 'cancelled' WHERE status = 'pending'`);
		}
		await ctx.close();
	} finally {
		await browser.close();
	}
});
