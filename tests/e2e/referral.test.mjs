// Referral decisions in Chromium: a case that central's watch-list check
// referred is decided by two people of its office.  One officer proposes
// to reject it with a reason; that officer sees no way to confirm, and a
// hand-made confirmation is refused and changes nothing; a second officer
// confirms, and the case is rejected with the reason in its event.
import assert from 'node:assert/strict';
import test from 'node:test';

import { chromium } from 'playwright-core';

import { BASE, postForm, psql } from './lib.mjs';
import { STAFF_PW, axeCheck, kitasctl, signInStaff } from './staff.mjs';

const OFFICER = 'officer.smg@imigrasi.example';
const SECOND = `referral.${process.pid}.smg@imigrasi.example`;
const REASON = 'Passport photo and fingerprints match the alert subject';

// A case of SMG that central referred: forced into the state as the
// owner (as tests/sql/fixtures.psql does), with central's hit.
function referredCase() {
	const ref = psql(`SELECT (case_create(o.id, f.id, a.id, 'E33', 1::smallint,
	    'regular', 'self', '', '', NULL)).reference
	    FROM accounts o, offices f, applicants a
	    WHERE o.email = '${OFFICER}' AND f.code = 'SMG'
	    ORDER BY a.id DESC LIMIT 1`);
	psql(`BEGIN;
	SELECT FROM set_config('kitas.case_write', 'on', true);
	UPDATE cases SET state = 'referred', state_since = now()
	    WHERE reference = :'p1';
	SELECT FROM set_config('kitas.case_write', 'off', true);
	WITH o AS (INSERT INTO outbox (case_id, kind, status, finished_at)
	    SELECT id, 'clearance', 'done', now() FROM cases
	    WHERE reference = :'p1' RETURNING id, case_id)
	INSERT INTO clearance_results (outbox_id, case_id, result, reference,
	    reason, checked_at, received_at, via)
	    SELECT o.id, o.case_id, 'hit', 'CTR-HIT-4417',
	    'Name and birth year match a watch-list entry', now(), now(),
	    'dispatch' FROM o;
	COMMIT;`, ref);
	return ref;
}

const one = (sql, ref) => psql(sql, ref);
const state = (ref) => one(`SELECT state FROM cases WHERE reference = :'p1'`, ref);
const version = (ref) => one(`SELECT version FROM cases WHERE reference = :'p1'`, ref);

test('a referral decision takes two officers, never one', async () => {
	kitasctl(['user', 'password', OFFICER], `${STAFF_PW}\n`);
	kitasctl(['user', 'add', SECOND, 'officer', 'SMG', 'Dewi Second']);
	kitasctl(['user', 'password', SECOND], `${STAFF_PW}\n`);
	const ref = referredCase();
	assert.equal(state(ref), 'referred');

	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
	});
	try {
		const { ctx, p } = await signInStaff(browser, OFFICER);
		assert.match(await p.textContent('section:has(#q-referred)'), new RegExp(ref));
		await p.goto(`${BASE}/office/case/${ref}?lang=en`);
		const actions = p.locator('section:has(#h-actions)');
		assert.match(await actions.textContent(), /CTR-HIT-4417/);
		assert.match(await actions.textContent(), /match a watch-list entry/);
		await axeCheck(p, 'office-case-referred-en');

		// No reason, no proposal.
		await p.getByRole('button', { name: 'Propose: reject' }).click();
		assert.match(await p.textContent('.alert'), /needs a reason/);
		assert.equal(one(`SELECT count(*) FROM proposals q JOIN cases c
		    ON c.id = q.case_id WHERE c.reference = :'p1'`, ref), '0');

		await p.getByLabel('Reason for rejecting').fill(REASON);
		await p.getByRole('button', { name: 'Propose: reject' }).click();
		await p.waitForSelector('text=You proposed this decision');
		assert.equal(await p.getByRole('button', { name: 'Confirm the decision' }).count(), 0);
		assert.equal(await p.getByRole('button', { name: 'Propose: clear' }).count(), 0);
		assert.equal(state(ref), 'referred');
		await axeCheck(p, 'office-case-decision-mine-en');

		// A hand-made confirmation by the proposer is refused.
		const v = version(ref);
		const csrf = await p.locator('input[name=csrf]').first().getAttribute('value');
		const cookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
		const forged = await postForm(`/office/case/${ref}`, { csrf, lang: 'en',
		    action: 'confirm_decision', version: v,
		    idem: 'referraltestforged0001referraltestforged' }, { cookie: cookies });
		assert.equal(forged.status, 403);
		assert.match(await forged.text(), /another officer or supervisor must confirm/);
		assert.equal(state(ref), 'referred');
		assert.equal(version(ref), v);
		assert.equal(one(`SELECT string_agg(q.status, ',') FROM proposals q
		    JOIN cases c ON c.id = q.case_id WHERE c.reference = :'p1'`, ref),
		    'pending');

		const second = await signInStaff(browser, SECOND);
		await second.p.goto(`${BASE}/office/case/${ref}?lang=en`);
		const text = await second.p.textContent('section:has(#h-actions)');
		assert.match(text, /Decision proposed by Officer SMG/);
		assert.match(text, /Reject the application/);
		assert.ok(text.includes(REASON), 'the reason is shown to the confirmer');
		await axeCheck(second.p, 'office-case-decision-confirm-en');
		await second.p.getByRole('button', { name: 'Confirm the decision' }).click();
		await second.p.waitForSelector('.state-rejected');

		assert.equal(state(ref), 'rejected');
		assert.equal(one(`SELECT a.email || '|' || (e.payload->>'reason')
		    FROM case_events e JOIN cases c ON c.id = e.case_id
		    JOIN accounts a ON a.id = e.actor_id
		    WHERE c.reference = :'p1' AND e.command = 'decide_reject'`, ref),
		    `${SECOND}|${REASON}`);
		assert.equal(one(`SELECT string_agg(q.status, ',') FROM proposals q
		    JOIN cases c ON c.id = q.case_id WHERE c.reference = :'p1'`, ref),
		    'confirmed');
		assert.equal(one(`SELECT string_agg(l.action, ',' ORDER BY l.id)
		    FROM audit_log l JOIN cases c ON c.id = l.case_id
		    WHERE c.reference = :'p1'`, ref), 'propose_reject,confirm_decision');
		await Promise.all([ctx.close(), second.ctx.close()]);
	} finally {
		await browser.close();
	}
});
