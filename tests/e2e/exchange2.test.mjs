// The partner exchange's queries and key rotation, with an independent
// RFC 9421 implementation (npm http-message-signatures) as the partners:
// case-status tells an entitled partner where a case stands, and anyone
// else exactly what it would hear for a reference nobody issued;
// evidence gives a partner our log entry of its own earlier message with
// the body byte for byte; a partner's keys rotate without downtime (add,
// sign with the new one, retire the old, revoke).  Every answer is
// checked for our signature and Content-Digest, and every document
// answer against its XSD.
import assert from 'node:assert/strict';
import test from 'node:test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { BASE, ROOT, psql } from './lib.mjs';
import { digestOf, keypair, partnerSend, rawPub, xmllint } from './partner.mjs';
import { axeCheck, signInStaff, staffPassword } from './staff.mjs';

const SCHEMA = {
	'case-status': path.join(ROOT, 'assets/schemas/exchange-case-status-1.xsd'),
	evidence: path.join(ROOT, 'assets/schemas/exchange-evidence-1.xsd'),
};
const NS_STATUS = 'urn:kitas:exchange:case-status:1';
const NS_EVIDENCE = 'urn:kitas:exchange:evidence:1';

const pid = process.pid;
// Entitled everywhere; of another office only; without the case-status right.
const agency = { name: `Agency ${pid}`, keyid: `agency-${pid}`, key: keypair() };
const other = { name: `Agency other ${pid}`, keyid: `agency-other-${pid}`, key: keypair() };
const noright = { name: `Agency noright ${pid}`, keyid: `agency-nr-${pid}`, key: keypair() };

const kitasctl = (...args) => execFileSync(path.join(ROOT, 'kitasctl'), args,
    { cwd: ROOT, encoding: 'utf8' });

let made = 0;
const msgid = (tag) => `ex2-${pid}-${tag}-${++made}`;

// POST body to type signed by who (or as told); the answer's signature
// and Content-Digest checked.  The request's signature header comes back.
const send = (who, type, body, { key = who.key.privateKey, keyid = who.keyid } = {}) =>
    partnerSend(who, type, body, { key, keyid });

// The text of an evidence element, as an XML parser reads it (xmllint
// ends what it prints with a newline of its own).
const field = (doc, name) => execFileSync('xmllint',
    ['--xpath', `string(/*[local-name()="evidence"]/*[local-name()="${name}"])`, '-'],
    { input: doc, encoding: 'utf8' }).replace(/\n$/, '');

const statusRequest = (id, reference) => `<?xml version="1.0" encoding="UTF-8"?>
<caseStatusRequest xmlns="${NS_STATUS}" version="1" messageId="${id}" reference="${reference}"/>`;
const evidenceRequest = (id, of) => `<?xml version="1.0" encoding="UTF-8"?>
<evidenceRequest xmlns="${NS_EVIDENCE}" version="1" messageId="${id}" of="${of}"/>`;
const withoutId = (text, id) => text.split(id).join('MESSAGE-ID');

let issued;		/* { reference, office, number, from, to } */

test.before(() => {
	kitasctl('partner-add', agency.name, 'payment-notice,case-status,evidence',
	    agency.keyid, rawPub(agency.key));
	kitasctl('partner-add', other.name, 'case-status,evidence', other.keyid,
	    rawPub(other.key));
	kitasctl('partner-add', noright.name, 'evidence', noright.keyid, rawPub(noright.key));
	const row = psql(`SELECT concat_ws('|', c.reference, c.office_id, p.number,
	    to_char(p.valid_from, 'YYYY-MM-DD'), to_char(p.valid_to, 'YYYY-MM-DD'))
	    FROM cases c JOIN permits p ON p.case_id = c.id
	    WHERE c.state = 'issued' AND p.revoked_at IS NULL ORDER BY c.id LIMIT 1`);
	const [reference, office, number, from, to] = row.split('|');
	assert.ok(number, 'the demo data has an issued permit');
	issued = { reference, office, number, from, to };
	psql(`UPDATE partners SET offices = ARRAY[(SELECT min(id) FROM offices
	    WHERE id <> :'p1')] WHERE name = :'p2'`, office, other.name);
});

test('an entitled partner is told the state, kind, office and permit', async () => {
	const id = msgid('status');
	const r = await send(agency, 'case-status', statusRequest(id, issued.reference));
	assert.equal(r.status, 200, r.text);
	xmllint(r.text, SCHEMA['case-status']);
	const code = psql(`SELECT code FROM offices WHERE id = :'p1'`, issued.office);
	assert.match(r.text, new RegExp(`<caseStatus xmlns="${NS_STATUS}" version="1" ` +
	    `messageId="${id}" reference="${issued.reference}"><state since="[^"]+Z">issued` +
	    `</state><permitKind>[A-Z0-9]+</permitKind><office>${code}</office>` +
	    `<permit number="${issued.number}" validFrom="${issued.from}" ` +
	    `validTo="${issued.to}"/></caseStatus>$`));
	const again = await send(agency, 'case-status', statusRequest(id, issued.reference));
	assert.equal(again.text, r.text, 'a repeated message id gets the first answer');
});

test('not entitled is answered exactly as a reference nobody issued', async () => {
	const unknown = psql(`SELECT 'SMG-1999-999999-' || case_ref_check('SMG1999999999')`);
	const answers = [];
	for (const [who, reference] of [[agency, unknown], [other, issued.reference],
	    [other, unknown], [noright, issued.reference], [noright, unknown]]) {
		const id = msgid('nf');
		const r = await send(who, 'case-status', statusRequest(id, reference));
		assert.equal(r.status, 422, r.text);
		assert.match(r.text, /outcome="rejected"><error code="not_found"/);
		assert.doesNotMatch(r.text, new RegExp(issued.reference));
		xmllint(r.text);
		answers.push(withoutId(r.text, id));
	}
	for (const a of answers.slice(1))
		assert.equal(a, answers[0], 'byte for byte, but the message id');
});

test('a malformed reference or a wrong check character is invalid_input', async () => {
	const ref = issued.reference;
	const wrong = ref.slice(0, -1) + (ref.endsWith('0') ? '1' : '0');
	for (const reference of ['SMG-2026-12', 'not a reference', wrong]) {
		const r = await send(agency, 'case-status', statusRequest(msgid('bad'), reference));
		assert.equal(r.status, 422, `${reference}: ${r.text}`);
		assert.match(r.text, /code="invalid_input"/);
		xmllint(r.text);
	}
});

// A fresh submitted case of office SMG with an open billing code (as
// exchange.test.mjs makes one).
function billed() {
	const passport = `XQ${pid % 100000}${++made}`.slice(0, 12);
	const row = psql(`
	    SELECT id AS officer FROM accounts WHERE email = 'officer.smg@imigrasi.example' \\gset
	    INSERT INTO applicants (family_name, birth_date, sex, nationality, passport_no,
	        passport_expiry) VALUES ('EVIDENCE', '1980-01-01', 'X', 'NLD', :'p1', '2035-01-01')
	        RETURNING id AS ap \\gset
	    SELECT (case_create(:officer, (SELECT id FROM offices WHERE code = 'SMG'), :ap,
	        'E23', 1::smallint, 'regular', 'employer', 'PT Bukti', '', NULL)).case_id AS c \\gset
	    SELECT case_apply(:officer, :c, 'submit', 1, NULL) \\g /dev/null
	    INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
	        VALUES ('8002' || lpad(:c::text, 11, '0'), :c, 1500000, now(),
	        now() + interval '7 days') RETURNING code`, passport);
	return row.split('\n').pop();
}

let paymentId;		/* the agency's accepted payment notice */
let paymentBody;	/* as sent */
let paymentAnswer;	/* as we answered */

test('evidence of an earlier payment notice gives the exact body and our answer', async () => {
	paymentId = msgid('pay');
	// CRLF line ends and markup in a comment: the body must come back as sent.
	const body = `<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- batch 7 & <ok> -->\r\n` +
	    `<paymentNotice xmlns="urn:kitas:exchange:payment:1" version="1" messageId="${paymentId}">` +
	    `\r\n<billingCode>${billed()}</billingCode><amount>1500000</amount>` +
	    `<paidAt>${new Date().toISOString()}</paidAt><bankRef>BNI-${paymentId}</bankRef>` +
	    `\r\n</paymentNotice>\r\n`;
	const paid = await send(agency, 'payment-notice', body);
	assert.equal(paid.status, 200, paid.text);
	paymentBody = body;
	paymentAnswer = paid.text;

	const id = msgid('ev');
	const r = await send(agency, 'evidence', evidenceRequest(id, paymentId));
	assert.equal(r.status, 200, r.text);
	xmllint(r.text, SCHEMA.evidence);
	assert.match(r.text, new RegExp(`^<\\?xml[^>]*><evidence xmlns="${NS_EVIDENCE}" ` +
	    `version="1" messageId="${id}" of="${paymentId}">`));
	assert.equal(field(r.text, 'body'), body, 'the body byte for byte');
	assert.equal(field(r.text, 'answer'), paid.text, 'our answer as sent');
	assert.equal(field(r.text, 'type'), 'payment-notice');
	assert.equal(field(r.text, 'keyid'), agency.keyid);
	assert.equal(field(r.text, 'digest'), digestOf(body));
	assert.equal(field(r.text, 'outcome'), 'accepted');
	assert.equal(field(r.text, 'signature'), /=:([^:]+):$/.exec(paid.signature)[1],
	    'the signature we verified');
	assert.ok(Math.abs(Date.parse(field(r.text, 'receivedAt')) - Date.now()) < 60000);

	const out = kitasctl('evidence', agency.name, paymentId);
	assert.match(out, /^type: payment-notice$/m);
	assert.match(out, /^outcome: accepted$/m);
	assert.ok(out.includes(`<bankRef>BNI-${paymentId}</bankRef>\\x0d\n</paymentNotice>`),
	    `the supervisor sees the body: ${out}`);
});

test('evidence only of one\'s own messages', async () => {
	const theirs = msgid('theirs');
	const r = await send(other, 'evidence', evidenceRequest(theirs, paymentId));
	assert.equal(r.status, 422, r.text);
	assert.match(r.text, /code="not_found"/);
	assert.doesNotMatch(r.text, /BNI-/);
	xmllint(r.text);
	const never = msgid('never');
	const n = await send(other, 'evidence', evidenceRequest(never, `never-sent-${pid}`));
	assert.equal(withoutId(r.text, theirs), withoutId(n.text, never),
	    'the same answer as for a message nobody sent');
	assert.throws(() => execFileSync(path.join(ROOT, 'kitasctl'),
	    ['evidence', other.name, paymentId], { cwd: ROOT, stdio: 'pipe' }),
	    'nor does kitasctl find it under another partner');
});

// The same log entry for a supervisor, in the back office: audited,
// refused to officers, a malformed id answered next to its field.
test('a supervisor reads the evidence in the back office; an officer cannot', async () => {
	const SUP = 'supervisor.smg@imigrasi.example', OFF = 'officer.smg@imigrasi.example';
	staffPassword(SUP);
	staffPassword(OFF);
	const viewed = () => +psql(`SELECT count(*) FROM audit_log WHERE action = 'evidence_viewed'
	    AND detail->>'message_id' = :'p1'`, paymentId);
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
	});
	try {
		const { ctx, p } = await signInStaff(browser, SUP);
		await p.getByRole('link', { name: 'Evidence of partner messages' }).click();
		await p.waitForURL(/\/office\/evidence$/);
		await p.getByLabel('Partner').selectOption(agency.name);
		await p.getByLabel('Message id').fill('not valid!');
		const [bad] = await Promise.all([
			p.waitForResponse((r) => r.url().includes('/office/evidence?')),
			p.getByRole('button', { name: 'Show the evidence' }).click(),
		]);
		assert.equal(bad.status(), 400);
		assert.match(await p.textContent('#id-error'), /8 to 128 letters/);
		assert.equal(await p.getByLabel('Message id').inputValue(), 'not valid!');
		assert.equal(viewed(), 0);

		await p.getByLabel('Message id').fill(paymentId);
		await p.getByRole('button', { name: 'Show the evidence' }).click();
		await p.waitForSelector('pre.evidence-body');
		// The HTML parser reads CRLF in text as LF.
		assert.equal(await p.textContent('pre.evidence-body'),
		    paymentBody.replace(/\r\n/g, '\n'));
		assert.equal(await p.textContent('pre.evidence-response'), paymentAnswer);
		assert.match(await p.textContent('dl.evidence'), new RegExp(agency.keyid));
		assert.equal(viewed(), 1, 'the view is in the audit log');
		await axeCheck(p, 'office-evidence-en');

		await p.getByLabel('Message id').fill(`${paymentId}-none`);
		await p.getByRole('button', { name: 'Show the evidence' }).click();
		await p.waitForSelector('text=This partner sent no message with this id.');

		const off = await signInStaff(browser, OFF);
		const r = await off.ctx.request.get(`${BASE}/office/evidence?partner=` +
		    `${encodeURIComponent(agency.name)}&id=${paymentId}`);
		assert.equal(r.status(), 403);
		assert.equal(viewed(), 1);
		await Promise.all([ctx.close(), off.ctx.close()]);
	} finally {
		await browser.close();
	}
});

test('keys rotate without downtime: add, switch, retire, revoke', async () => {
	const second = { ...agency, keyid: `agency-${pid}-2`, key: keypair() };
	const status = (who) => send(who, 'case-status', statusRequest(msgid('rot'),
	    issued.reference));
	const unknownKey = (await send(agency, 'case-status', statusRequest(msgid('unk'),
	    issued.reference), { keyid: `nobody-${pid}` })).text;
	assert.match(unknownKey, /code="unknown_key"/);

	kitasctl('partner-key', 'add', agency.name, second.keyid, rawPub(second.key));
	assert.equal((await status(second)).status, 200, 'the new key is accepted');
	assert.equal((await status(agency)).status, 200, 'and the old one still works');

	kitasctl('partner-key', 'retire', agency.keyid);
	const old = await status(agency);
	assert.equal(old.status, 401, old.text);
	assert.equal(old.text, unknownKey, 'a retired key is refused as an unknown one');
	assert.equal((await status(second)).status, 200, 'the new key carries on');

	kitasctl('partner-key', 'revoke', second.keyid);
	const revoked = await status(second);
	assert.equal(revoked.status, 401, revoked.text);
	assert.equal(revoked.text, unknownKey, 'a revoked key is refused at once');
});
