// The central-link panel in Chromium: the link goes down with an express
// case waiting; the panel shows it with the backlog and the charts; a
// supervisor pauses dispatch with a reason (audited, clr_status() says
// paused) and resumes it, acknowledges and resolves an incident, sends
// a request central refused until it was dead again; an
// officer sees the same panel without a single button, and a hand-made
// POST of theirs is refused with 403 and changes nothing; the case held
// by the outage is in the compensation list and in the CSV, which parses
// as RFC 4180 and defuses a formula.  The link is closed again at the end.
import assert from 'node:assert/strict';
import test from 'node:test';

import { chromium } from 'playwright-core';

import { BASE, linkStatus, makeWaiting, postForm, psql } from './lib.mjs';
import { axeCheck, signInStaff, staffPassword } from './staff.mjs';

const SUP = 'supervisor.smg@imigrasi.example';
const OFF = 'officer.smg@imigrasi.example';

// RFC 4180: fields quoted or not, "" inside quotes, CRLF after every
// record; anything else is an error.
function parseCsv(text) {
	const rows = [];
	let row = [], cell = '', quoted = false, wasQuoted = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (quoted) {
			if (ch !== '"')
				cell += ch;
			else if (text[i + 1] === '"')
				cell += '"', i++;
			else
				quoted = false;
		} else if (ch === '"' && cell === '' && !wasQuoted) {
			quoted = wasQuoted = true;
		} else if (ch === ',') {
			row.push(cell), cell = '', wasQuoted = false;
		} else if (ch === '\r' && text[i + 1] === '\n') {
			row.push(cell), rows.push(row);
			row = [], cell = '', wasQuoted = false, i++;
		} else if (ch === '\r' || ch === '\n' || ch === '"' || wasQuoted) {
			throw new Error(`malformed CSV at ${i}`);
		} else {
			cell += ch;
		}
	}
	if (quoted || cell !== '' || row.length)
		throw new Error('CSV does not end with CRLF');
	return rows;
}

const cookieHeader = async (ctx) =>
    (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
const paused = () => psql('SELECT paused FROM clr_status()');
const audits = (action) => psql(`SELECT count(*) FROM audit_log WHERE action = :'p1'`, action);

test('the central-link panel: supervisors act, officers read', async () => {
	staffPassword(SUP);
	staffPassword(OFF);
	const [caseId] = makeWaiting(1, 'lnkp', { express: true });
	const ref = psql(`SELECT reference FROM cases WHERE id = :'p1'`, caseId);
	const sample = psql(`SELECT date_trunc('minute', now()) - interval '37 minutes'`);
	let browser;
	try {
		// The link goes down; the minute samples tell its last hour.
		psql(`UPDATE central_link SET state = 'open', state_since = now(),
		    next_probe_at = now() + interval '1 hour', paused = false;
		    INSERT INTO link_outages (started_at, reason)
		    VALUES (now() - interval '1 minute', 'e2e: link panel')
		    ON CONFLICT DO NOTHING;
		    INSERT INTO link_samples (at, state, backlog, oldest_seconds, answered)
		    VALUES (:'p1', 'open', 5, 60, 0), (:'p1'::timestamptz - interval '1 hour',
		    'closed', 2, 10, 90) ON CONFLICT DO NOTHING;`, sample);
		const { backlog } = linkStatus();
		assert.ok(backlog >= 1);

		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
			args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
		});
		const sup = await signInStaff(browser, SUP);
		const p = sup.p;
		await p.getByRole('link', { name: /The central link/ }).click();
		await p.waitForURL(/\/office\/link$/);
		assert.match(await p.textContent('.link-state'), /Down/);
		assert.equal((await p.textContent('.link-backlog')).trim(), String(backlog));
		assert.match(await p.textContent('.link-eta'), /No estimate/);
		assert.equal(await p.locator('a[href^="/office/case/"]').count() >= 1, true);
		assert.equal(await p.locator('figure.chart svg polyline').count(), 4);
		assert.ok(await p.locator('#chart-day svg circle').count() >= 1);
		await axeCheck(p, 'office-link-down-en');

		// A pause without a reason is refused by the server too.
		const csrf = await p.locator('input[name=csrf]').first().getAttribute('value');
		const noReason = await postForm('/office/link', { csrf, lang: 'en',
		    action: 'pause', reason: ' ' }, { cookie: await cookieHeader(sup.ctx) });
		assert.equal(noReason.status, 400);
		assert.match(await noReason.text(), /needs a reason/);
		assert.equal(paused(), 'f');

		await p.getByLabel('Reason for pausing').fill('Central asked the offices to wait');
		await p.getByRole('button', { name: 'Pause dispatch' }).click();
		await p.waitForSelector('.link-paused');
		assert.match(await p.textContent('.link-reason'), /Central asked the offices to wait/);
		assert.equal(paused(), 't');
		assert.equal(psql(`SELECT detail->>'reason' FROM audit_log
		    WHERE action = 'link_pause' ORDER BY id DESC LIMIT 1`),
		    'Central asked the offices to wait');
		await p.getByRole('button', { name: 'Resume dispatch' }).click();
		await p.waitForSelector('button:has-text("Pause dispatch")');
		assert.equal(paused(), 'f');
		assert.equal(audits('link_resume'), '1');

		// An incident of the office: acknowledged, then resolved.
		const inc = psql(`INSERT INTO incidents (kind, case_id, office_id, args, detail,
		    opened_at) SELECT 'retries_exhausted', id, office_id, '{"n": 3}',
		    'e2e: central refused it', now() FROM cases WHERE id = :'p1' RETURNING id`,
		    caseId);
		await p.reload();
		const row = p.locator(`#incident-${inc}`);
		assert.match(await row.textContent(),
		    /Central refused the clearance request 3 times: e2e: central refused it/);
		await axeCheck(p, 'office-link-incident-en');
		await row.getByRole('button', { name: 'Acknowledge' }).click();
		await p.locator(`#incident-${inc}`).getByRole('button', { name: 'Acknowledge' })
		    .waitFor({ state: 'detached' });
		assert.equal(psql(`SELECT a.email FROM incidents i JOIN accounts a
		    ON a.id = i.acknowledged_by WHERE i.id = :'p1'`, inc), SUP);
		await p.locator(`#incident-${inc}`).getByRole('button', { name: 'Resolve' }).click();
		await p.waitForSelector(`#incident-${inc}`, { state: 'detached' });
		assert.equal(psql(`SELECT resolved_at IS NOT NULL FROM incidents
		    WHERE id = :'p1'`, inc), 't');

		// A request central refused until it was dead: once the cause
		// is dealt with, the supervisor sends it again.
		psql(`UPDATE outbox SET status = 'dead', bad_answers = 3, finished_at = now()
		    WHERE case_id = :'p1' AND status = 'pending'`, caseId);
		const inc3 = psql(`INSERT INTO incidents (kind, case_id, office_id, detail, opened_at)
		    SELECT 'retries_exhausted', id, office_id, 'e2e: refused 3 times', now()
		    FROM cases WHERE id = :'p1' RETURNING id`, caseId);
		await p.reload();
		await p.locator(`#incident-${inc3}`).getByRole('button', { name: 'Send again' }).click();
		await p.waitForSelector(`#incident-${inc3}`, { state: 'detached' });
		assert.equal(psql(`SELECT status || '/' || bad_answers || '/' || solo FROM outbox
		    WHERE case_id = :'p1' ORDER BY id DESC LIMIT 1`, caseId), 'pending/0/true');
		assert.equal(audits('incident_retry'), '1');

		// The officer: the same panel, no buttons; forged POSTs get 403.
		const off = await signInStaff(browser, OFF);
		await off.p.goto(`${BASE}/office/link?lang=en`);
		assert.match(await off.p.textContent('.link-state'), /Down/);
		assert.equal(await off.p.locator('main form').count(), 0);
		assert.equal(await off.p.locator('main button').count(), 0);
		assert.match(await off.p.textContent('main'), /Only a supervisor can pause/);
		await axeCheck(off.p, 'office-link-officer-en');
		const ocsrf = await off.p.locator('input[name=csrf]').first().getAttribute('value');
		const ocookie = await cookieHeader(off.ctx);
		const before = psql('SELECT count(*) FROM audit_log');
		const forged = await postForm('/office/link', { csrf: ocsrf, lang: 'en',
		    action: 'pause', reason: 'an officer tries' }, { cookie: ocookie });
		assert.equal(forged.status, 403);
		assert.match(await forged.text(), /Only a supervisor can do this/);
		const inc2 = psql(`INSERT INTO incidents (kind, office_id, detail, opened_at)
		    SELECT 'retries_exhausted', office_id, 'e2e: second', now()
		    FROM cases WHERE id = :'p1' RETURNING id`, caseId);
		const forged2 = await postForm('/office/link', { csrf: ocsrf, lang: 'en',
		    action: 'resolve', incident: inc2 }, { cookie: ocookie });
		assert.equal(forged2.status, 403);
		const nocsrf = await postForm('/office/link', { lang: 'en', action: 'resume' },
		    { cookie: ocookie });
		assert.equal(nocsrf.status, 403);
		assert.equal(paused(), 'f');
		assert.equal(psql(`SELECT resolved_at IS NULL FROM incidents WHERE id = :'p1'`, inc2), 't');
		assert.equal(psql('SELECT count(*) FROM audit_log'), before);

		// The express case held by the outage is owed compensation.
		assert.equal(psql(`INSERT INTO compensations (case_id, flagged_at,
		    nominal_due, outage_from, outage_to, outage_seconds, reason)
		    SELECT :'p1'::bigint, now(), s.nominal_due, s.outage_from, s.outage_to,
		    extract(epoch FROM s.paused_outage)::integer,
		    '=HYPERLINK("http://evil.example"), express missed its due time'
		    FROM case_sla(:'p1'::bigint, now() + interval '10 days') s
		    WHERE s.missed_by_outage RETURNING case_id`, caseId), String(caseId));
		await off.p.reload();
		assert.match(await off.p.textContent('table.compensations'), new RegExp(ref));
		await axeCheck(off.p, 'office-link-compensation-en');
		await off.p.goto(`${BASE}/office/link?lang=id`);
		assert.match(await off.p.textContent('h1'), /Koneksi ke sistem pusat/);
		await axeCheck(off.p, 'office-link-officer-id');
		const csv = await off.ctx.request.get(`${BASE}/office/link/compensation.csv`);
		assert.equal(csv.status(), 200);
		assert.match(csv.headers()['content-type'], /^text\/csv/);
		const rows = parseCsv(await csv.text());
		assert.equal(rows[0][0], 'reference');
		for (const r of rows)
			assert.equal(r.length, rows[0].length);
		const mine = rows.find((r) => r[0] === ref);
		assert.ok(mine, `the CSV has ${ref}`);
		assert.equal(mine[rows[0].indexOf('reason')],
		    `'=HYPERLINK("http://evil.example"), express missed its due time`);
		assert.equal(psql(`SELECT count(*) > 0 FROM audit_log
		    WHERE action = 'compensations_exported'`), 't');
		await Promise.all([sup.ctx.close(), off.ctx.close()]);
	} finally {
		await browser?.close();
		psql(`UPDATE central_link SET state = 'closed', state_since = now(),
		        failures = 0, opens = 0, next_probe_at = NULL, paused = false,
		        paused_at = NULL, paused_by = NULL, probe_owner = NULL,
		        probe_expires_at = NULL;
		    UPDATE link_outages SET ended_at = now() WHERE ended_at IS NULL;
		    UPDATE incidents SET resolved_at = now()
		        WHERE resolved_at IS NULL AND detail LIKE 'e2e:%';
		    UPDATE outbox SET status = 'cancelled', lease_owner = NULL,
		        lease_expires_at = NULL
		        WHERE case_id = :'p1' AND status = 'pending';
		    DELETE FROM link_samples WHERE at IN (:'p2'::timestamptz,
		        :'p2'::timestamptz - interval '1 hour');`, caseId, sample);
	}
});
