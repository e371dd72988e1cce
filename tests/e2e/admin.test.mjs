// Staff administration in Chromium: an admin adds an officer, who sets
// a password through the reset mail and signs in to the office; the
// admin disables the officer, whose open session ends at once; the admin
// cannot change their own account (not even with a hand-made form), and
// an officer has no admin page.  An admin reads every office's cases in
// the back office, chooses an office, and is offered no action: a
// hand-made form is refused and changes nothing.
import assert from 'node:assert/strict';
import test from 'node:test';

import { chromium } from 'playwright-core';

import { BASE, mail, postForm, psql } from './lib.mjs';
import { STAFF_PW, axeCheck, kitasctl, signInStaff, staffPassword } from './staff.mjs';

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

// A submitted case of office code, filed at the counter by its officer.
function counterCase(code) {
	const officer = `officer.${code.toLowerCase()}@imigrasi.example`;
	const ref = psql(`SELECT (case_create(o.id, f.id, a.id, 'E23', 1::smallint,
	    'regular', 'self', '', '', NULL)).reference
	    FROM accounts o, offices f, applicants a
	    WHERE o.email = :'p1' AND f.code = :'p2'
	    ORDER BY a.id DESC LIMIT 1`, officer, code);
	psql(`SELECT case_apply((SELECT id FROM accounts WHERE email = :'p1'),
	    id, 'submit', version, NULL) FROM cases WHERE reference = :'p2'`,
	    officer, ref);
	return ref;
}

test('an admin reads every office\'s cases and acts on none', async () => {
	const admin = 'admin@imigrasi.example';
	staffPassword(admin);
	const smg = counterCase('SMG');
	const jkt = counterCase('JKT');
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
	});
	try {
		const ad = await signInStaff(browser, admin, /\/admin$/);
		await ad.p.getByRole('link', { name: 'Cases of every office (read only)' }).click();
		await ad.p.waitForURL(/\/office(\?|$)/);
		await axeCheck(ad.p, 'office-queues-admin-en');
		assert.match(await ad.p.textContent('main'), /Read only/);
		assert.equal(await ad.p.locator('a[href="/office/link"]').count(), 0);

		// One office chosen: its cases, none of another's.
		await ad.p.locator('#office').selectOption('JKT');
		await ad.p.getByRole('button', { name: 'Show' }).click();
		await ad.p.waitForURL(/office=JKT/);
		assert.match(await ad.p.textContent('section:has(#q-check)'), new RegExp(jkt));
		assert.doesNotMatch(await ad.p.textContent('main'), new RegExp(smg));
		const unknown = await ad.ctx.request.get(`${BASE}/office?office=ZZZ`);
		assert.equal(unknown.status(), 404);

		// The search reaches every office.
		await ad.p.goto(`${BASE}/office/search?lang=en&ref=${jkt}`);
		assert.deepEqual(await ad.p.locator('table tbody th a').allTextContents(), [jkt]);

		// Another office's case page: everything, and no action.
		await ad.p.goto(`${BASE}/office/case/${smg}?lang=en`);
		await axeCheck(ad.p, 'office-case-admin-en');
		assert.match(await ad.p.textContent('main'), /Read only/);
		assert.equal(await ad.p.locator('main form[method=post]').count(), 0);

		// A hand-made action is refused and changes nothing.
		const v = psql(`SELECT version FROM cases WHERE reference = :'p1'`, smg);
		const csrf = await ad.p.locator('input[name=csrf]').first().getAttribute('value');
		const cookie = (await ad.ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
		const poke = await postForm(`/office/case/${smg}`, { csrf, lang: 'en',
		    action: 'reject', version: v, reason: 'An admin tries',
		    idem: 'admintestreadonly0001admintestreadonly' }, { cookie });
		assert.equal(poke.status, 403);
		assert.equal(psql(`SELECT state || ' ' || version FROM cases
		    WHERE reference = :'p1'`, smg), `submitted ${v}`);
		assert.equal(psql(`SELECT count(*) FROM audit_log l
		    JOIN accounts a ON a.id = l.account_id
		    JOIN cases c ON c.id = l.case_id
		    WHERE a.email = :'p1' AND c.reference = :'p2'`, admin, smg), '0');
		await ad.ctx.close();
	} finally {
		await browser.close();
	}
});

// kitasctl user add bounds a name in characters, as the web form and the
// database do: 200 Thai letters (600 bytes) are a name, 201 are not.
test('kitasctl user add counts a name in characters', () => {
	const who = `thai.officer.${process.pid}@imigrasi.example`;
	const long = 'ก'.repeat(201);
	assert.throws(() => kitasctl(['user', 'add', who, 'officer', 'SMG', long]));
	assert.equal(psql(`SELECT count(*) FROM accounts WHERE email = :'p1'`, who), '0');
	kitasctl(['user', 'add', who, 'officer', 'SMG', long.slice(1)]);
	assert.equal(psql(`SELECT length(display_name) FROM accounts WHERE email = :'p1'`,
	    who), '200');
});
