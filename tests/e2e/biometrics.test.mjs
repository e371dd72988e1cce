// Biometrics and interview in the back office, in Chromium: an officer
// records the facial photo (a GIF named .jpg is refused and nothing is
// stored), nine captured fingers and one exception, and the interview
// notes; "Biometrics and interview done" is refused before and accepted
// after.  Then a data-only dump of the whole database holds none of it in
// the clear: not a template, not the notes, not the photo's bytes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import test from 'node:test';

import { chromium } from 'playwright-core';

import { BASE, psql } from './lib.mjs';
import { axeCheck, signInStaff, staffPassword } from './staff.mjs';

const OFFICER = 'officer.smg@imigrasi.example';
const FINGERS = ['Right thumb', 'Right index finger', 'Right middle finger',
    'Right ring finger', 'Right little finger', 'Left thumb',
    'Left index finger', 'Left middle finger', 'Left ring finger',
    'Left little finger'];
// A 1x1 GIF: a real image, but not one we print.
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
    'base64');

const state = (ref) => psql(`SELECT state FROM cases WHERE reference = :'p1'`, ref);
const count = (table, ref) => psql(`SELECT count(*) FROM ${table} t
    JOIN cases c ON c.id = t.case_id WHERE c.reference = :'p1'`, ref);

// A paid case of SMG, filed and paid at the counter.
function paidCase() {
	return psql(`SELECT set_config('bio.officer', :'p1', false) \\g /dev/null
	    DO $$
	    DECLARE
		a bigint := (SELECT id FROM accounts
		    WHERE email = current_setting('bio.officer'));
		r case_result;
	    BEGIN
		r := case_create(a, (SELECT id FROM offices WHERE code = 'SMG'),
		    (SELECT id FROM applicants ORDER BY id DESC LIMIT 1), 'E33',
		    1::smallint, 'regular', 'self', '', '', NULL);
		r := case_apply(a, r.case_id, 'submit', r.version, NULL);
		r := case_apply((SELECT id FROM accounts WHERE role = 'partner'
		    AND office_id IS NULL ORDER BY id LIMIT 1), r.case_id, 'pay',
		    r.version, NULL);
		PERFORM set_config('bio.ref', r.reference, false);
	    END $$;
	    SELECT current_setting('bio.ref');`, OFFICER).split('\n').pop();
}

// Submit a form; the response to its POST.
async function submit(p, button, path) {
	const [resp] = await Promise.all([
		p.waitForResponse((r) => r.url().endsWith(path) &&
		    r.request().method() === 'POST'),
		p.getByRole('button', { name: button }).click(),
	]);
	await p.waitForLoadState();
	return resp;
}

test('an officer records biometrics and interview; none of it is stored in the clear', async () => {
	staffPassword(OFFICER);
	const ref = paidCase();
	assert.equal(state(ref), 'paid');

	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
	});
	try {
		const { p } = await signInStaff(browser, OFFICER);
		await p.goto(`${BASE}/office/case/${ref}?lang=en`);
		await axeCheck(p, 'office-case-biometrics-en');

		// Nothing recorded: "done" is refused.
		let r = await submit(p, 'Biometrics and interview done', `/office/case/${ref}`);
		assert.equal(r.status(), 409);
		assert.match(await p.textContent('.alert'), /Biometrics are not complete/);
		assert.equal(state(ref), 'paid');

		// A GIF named face.jpg: refused by its content, nothing stored.
		await p.getByLabel('Facial photo file (JPEG or PNG)').setInputFiles({
		    name: 'face.jpg', mimeType: 'image/jpeg', buffer: GIF });
		r = await submit(p, 'Save the facial photo', `/office/case/${ref}/photo`);
		assert.equal(r.status(), 400);
		assert.match(await p.textContent('.alert'), /must be a JPEG or PNG/);
		assert.equal(count('biometric_photos', ref), '0');

		// A real JPEG.
		const jpeg = await p.screenshot({ type: 'jpeg', quality: 80 });
		await p.getByLabel('Facial photo file (JPEG or PNG)').setInputFiles({
		    name: 'face.jpg', mimeType: 'image/jpeg', buffer: jpeg });
		r = await submit(p, 'Save the facial photo', `/office/case/${ref}/photo`);
		assert.equal(r.status(), 303);
		assert.match(await p.textContent('#bio-photo'),
		    new RegExp(`image/jpeg, ${jpeg.length} B`));

		// Nine fingers from the device, one amputated.
		const templates = FINGERS.slice(0, 9).map(() => randomBytes(600));
		for (let i = 0; i < 9; i++) {
			await p.getByLabel(`${FINGERS[i]}: Quality`, { exact: true })
			    .fill(String(60 + i));
			await p.getByLabel(`${FINGERS[i]}: Template (base64)`, { exact: true })
			    .fill(templates[i].toString('base64'));
		}
		await p.getByLabel(`${FINGERS[9]}: Exception`, { exact: true })
		    .selectOption('amputated');
		r = await submit(p, 'Save the fingerprints', `/office/case/${ref}/fingers`);
		assert.equal(r.status(), 303);
		assert.match(await p.textContent('#bio-fingers'), /10 of 10/);
		assert.equal(psql(`SELECT string_agg(coalesce(f.exception::text,
		    f.quality::text), ',' ORDER BY f.position) FROM fingerprints f
		    JOIN cases c ON c.id = f.case_id WHERE c.reference = :'p1'`, ref),
		    '60,61,62,63,64,65,66,67,68,amputated');

		const notes = 'Sponsor PT Kopi Lintas confirmed the post; applicant ' +
		    'answered in Bahasa, marker Qv7wZk3';
		await p.getByLabel('Interview notes').fill(notes);
		r = await submit(p, 'Save the interview notes', `/office/case/${ref}/interview`);
		assert.equal(r.status(), 303);
		assert.match(await p.textContent('#bio-interview'), /Recorded/);
		await axeCheck(p, 'office-case-biometrics-recorded-en');

		// Now "done" goes through.
		await p.getByRole('button', { name: 'Biometrics and interview done' }).click();
		await p.waitForSelector('button:has-text("Send to the central check")');
		assert.equal(state(ref), 'biometrics_done');
		assert.equal(psql(`SELECT string_agg(l.action, ',' ORDER BY l.id)
		    FROM audit_log l JOIN cases c ON c.id = l.case_id
		    WHERE c.reference = :'p1'`, ref),
		    'biometric_photo,fingerprints,interview,record_biometrics');

		// The whole database, as a backup would take it.
		const dump = execFileSync('pg_dump', ['--data-only'],
		    { encoding: 'utf8', maxBuffer: 1 << 30 });
		assert.ok(dump.includes(`biometric-photo:${ref}:`),
		    'the dump holds the biometrics tables');
		for (const t of templates) {
			const b64 = t.toString('base64');
			assert.ok(!dump.includes(b64.slice(100, 160)),
			    'no template as base64');
			assert.ok(!dump.includes(t.subarray(100, 132).toString('hex')),
			    'no template as bytes');
		}
		assert.ok(!dump.includes('Qv7wZk3'), 'no interview notes');
		const mid = Math.floor(jpeg.length / 2);
		assert.ok(!dump.includes(jpeg.subarray(mid, mid + 32).toString('hex')),
		    'no photo bytes');
	} finally {
		await browser.close();
	}
});
