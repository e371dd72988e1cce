// Back-office helpers shared by the staff tests: a password set the way
// an operator does it, a signed-in Chromium context, and the page check
// every test runs (axe-core, then a screenshot kept with the output).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

import { BASE, ROOT, outDir } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const shots = outDir('screenshots');

export const STAFF_PW = 'staff test password 1';

// kitasctl with input on stdin (a password never goes on a command line).
export function kitasctl(args, input = '') {
	execFileSync(path.join(ROOT, 'kitasctl'), args,
	    { input, stdio: ['pipe', 'ignore', 'inherit'] });
}

export function staffPassword(email) {
	kitasctl(['user', 'password', email], `${STAFF_PW}\n`);
}

export async function signInStaff(browser, email, home = /\/office$/) {
	const ctx = await browser.newContext({ viewport: { width: 1024, height: 900 },
	    locale: 'en-GB', bypassCSP: true });
	const p = await ctx.newPage();
	await p.goto(`${BASE}/login?lang=en`);
	await p.getByLabel('E-mail address').fill(email);
	await p.getByLabel('Password').fill(STAFF_PW);
	await p.getByRole('button', { name: 'Sign in' }).click();
	await p.waitForURL(home);
	return { ctx, p };
}

export async function axeCheck(p, name) {
	await p.addScriptTag({ path: AXE });
	const res = await p.evaluate(async () => await axe.run(document));
	const bad = res.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
	assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], name);
	await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}
