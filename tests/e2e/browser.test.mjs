// The status page in real Chromium, without JavaScript of ours: a person
// switches language, types a reference, submits, reads the step; every
// page passes axe-core with no serious or critical violation.
import assert from 'node:assert/strict';
import test from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { BASE, demoCase, outDir } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const shots = outDir('screenshots');

let browser;
test.before(async () => {
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
		    '--no-first-run', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'],
	});
});
test.after(async () => browser?.close());

async function page(locale = 'en-US', width = 360) {
	// bypassCSP only lets the test inject axe; the pages load no script.
	const ctx = await browser.newContext({ viewport: { width, height: 800 },
	    locale, bypassCSP: true });
	return ctx.newPage();
}

async function axe(p, name) {
	await p.addScriptTag({ path: AXE });
	const res = await p.evaluate(async () =>
	    // eslint-disable-next-line no-undef
	    await axe.run(document, { resultTypes: ['violations'] }));
	const bad = res.violations.filter((v) =>
	    v.impact === 'serious' || v.impact === 'critical');
	assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [],
	    `${name}: axe violations`);
}

async function shot(p, name) {
	await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

test('look up a case on an Indonesian phone, then in English', async () => {
	const c = demoCase('awaiting_clearance');
	const p = await page('id-ID');
	await p.goto(`${BASE}/`);
	assert.equal(await p.getAttribute('html', 'lang'), 'id');
	await axe(p, 'home-id');
	await shot(p, 'home-id');

	await p.click('a[hreflang="en"]');
	assert.equal(await p.getAttribute('html', 'lang'), 'en');
	await p.getByLabel('Case reference').fill(c.ref.toLowerCase());
	await p.getByLabel('Passport number').fill(c.passport);
	await p.getByRole('button', { name: 'Check status' }).click();
	await p.waitForSelector('.case');
	assert.equal(await p.textContent('#case-ref'), c.ref);
	assert.match(await p.textContent('.state'), /Central check/);
	await axe(p, 'status-en');
	await shot(p, 'status-en');
	// The page fits a 360 px screen: nothing scrolls sideways.
	const overflow = await p.evaluate(() =>
	    document.documentElement.scrollWidth > window.innerWidth);
	assert.equal(overflow, false);
	await p.context().close();
});

test('a typo is shown next to the field, with what was typed', async () => {
	const p = await page();
	await p.goto(`${BASE}/?lang=en`);
	await p.getByLabel('Case reference').fill('SMG-2026-000123-8');
	await p.getByLabel('Passport number').fill('C01X00T47');
	await p.getByRole('button', { name: 'Check status' }).click();
	await p.waitForSelector('#ref-error');
	assert.match(await p.textContent('#ref-error'), /typing mistake/);
	assert.equal(await p.inputValue('#ref'), 'SMG-2026-000123-8');
	assert.equal(await p.getAttribute('#ref', 'aria-invalid'), 'true');
	await axe(p, 'status-error-en');
	await shot(p, 'status-error-en');
	await p.context().close();
});

test('the pages work with JavaScript turned off', async () => {
	const c = demoCase('issued');
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const p = await ctx.newPage();
	await p.goto(`${BASE}/?lang=id`);
	await p.fill('#ref', c.ref);
	await p.fill('#passport', c.passport);
	await p.click('button[type=submit]');
	await p.waitForSelector('.case');
	assert.match(await p.textContent('.state'), /Izin tinggal terbit/);
	await shot(p, 'status-issued-id-nojs');
	await ctx.close();
});
