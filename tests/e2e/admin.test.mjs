// Staff administration in Chromium: an admin adds an officer, who sets
// a password through the reset mail and signs in to the office; the
// admin disables the officer, whose open session ends at once; the admin
// cannot change their own account (not even with a hand-made form), and
// an officer has no admin page.
import assert from 'node:assert/strict';
import test from 'node:test';

import { chromium } from 'playwright-core';

import { BASE, mail, postForm, psql } from './lib.mjs';
import { STAFF_PW, axeCheck, signInStaff, staffPassword } from './staff.mjs';

test('an admin manages staff; nobody changes their own account', async () => {
	const admin = 'admin@imigrasi.example';
	const who = `new.officer.${process.pid}@imigrasi.example`;
	staffPassword(admin);
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
	});
	try {
		const ad = await signInStaff(browser, admin, /\/admin$/);
		await axeCheck(ad.p, 'admin-en');
		await ad.p.getByLabel('Full name').fill('Dewi Lestari');
		await ad.p.getByLabel('E-mail address').fill(who);
		await ad.p.locator('#new-role').selectOption('officer');
		await ad.p.locator('#new-office').selectOption('SMG');
		await ad.p.getByRole('button', { name: 'Add' }).click();
		await ad.p.waitForSelector(`text=${who}`);
		assert.equal(psql(`SELECT role || ' ' || (SELECT code FROM offices o WHERE o.id = office_id)
		    FROM accounts WHERE email = :'p1'`, who), 'officer SMG');

		// A second add with the same address changes nothing.
		await ad.p.getByLabel('Full name').fill('Twin');
		await ad.p.getByLabel('E-mail address').fill(who.toUpperCase());
		await ad.p.locator('#new-office').selectOption('SMG');
		await ad.p.getByRole('button', { name: 'Add' }).click();
		assert.match(await ad.p.textContent('.alert'), /exists already/);

		// The new officer chooses a password through the reset mail.
		const ctx = await browser.newContext({ locale: 'en-GB' });
		const p = await ctx.newPage();
		await p.goto(`${BASE}/reset?lang=en`);
		await p.getByLabel('E-mail address').fill(who);
		await p.getByRole('button', { name: 'Send the link' }).click();
		const token = await mail(who, 'reset');
		await p.goto(`${BASE}/reset/new?token=${token}&lang=en`);
		await p.locator('input[name=password]').fill(STAFF_PW);
		await p.locator('input[name=password2]').fill(STAFF_PW);
		await p.getByRole('button', { name: 'Save the new password' }).click();
		await p.waitForSelector('text=Your password is changed');
		await p.goto(`${BASE}/login?lang=en`);
		await p.getByLabel('E-mail address').fill(who);
		await p.getByLabel('Password').fill(STAFF_PW);
		await p.getByRole('button', { name: 'Sign in' }).click();
		await p.waitForURL(/\/office$/);

		// The officer has no admin page.
		const denied = await ctx.request.get(`${BASE}/admin`);
		assert.equal(denied.status(), 403);

		// Disabled: the open session ends at once.
		const id = psql(`SELECT id FROM accounts WHERE email = :'p1'`, who);
		const row = ad.p.locator('form.staff-row', { hasText: who });
		await row.locator('input[name=disabled]').check();
		await row.getByRole('button', { name: 'Save' }).click();
		await ad.p.waitForURL(/\/admin$/);
		assert.notEqual(psql(`SELECT disabled_at FROM accounts WHERE id = :'p1'`, id), '');
		const after = await ctx.request.get(`${BASE}/office`, { maxRedirects: 0 });
		assert.equal(after.status(), 303);
		assert.match(after.headers().location, /\/login$/);

		// Not even a hand-made form changes the admin's own account.
		const me = psql(`SELECT id FROM accounts WHERE email = :'p1'`, admin);
		const csrf = await ad.p.locator('input[name=csrf]').first().getAttribute('value');
		const cookie = (await ad.ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
		const own = await postForm('/admin', { csrf, lang: 'en', action: 'update',
		    account: me, role: 'admin', office: '-', disabled: 'yes' }, { cookie });
		assert.equal(own.status, 403);
		assert.equal(psql(`SELECT disabled_at IS NULL FROM accounts WHERE id = :'p1'`, me), 't');
		assert.equal(psql(`SELECT string_agg(action, ',' ORDER BY id) FROM audit_log
		    WHERE account_id = :'p1'`, me), 'staff_created,staff_updated');
		await Promise.all([ctx.close(), ad.ctx.close()]);
	} finally {
		await browser.close();
	}
});
