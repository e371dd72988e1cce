// Sponsor batches through the partner exchange, the sponsor signing with
// an independent RFC 9421 implementation (npm http-message-signatures):
// a batch of 500 applications with a few bad ones creates each good one
// once (a case submitted by the sponsor, with its billing code) and
// reports each bad one with its code and path, storing nothing of it;
// the same message again gets the same answer and creates nothing; the
// same applications under a new message id are refused one by one; a
// sponsor without the right is refused.  Every answer is checked for our
// signature and against the XSD, which is also served at /schemas/.
import assert from 'node:assert/strict';
import test from 'node:test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { BASE, ROOT, psql } from './lib.mjs';
import { keypair, partnerSend, rawPub, xmllint } from './partner.mjs';

const NS = 'urn:kitas:exchange:sponsor-batch:1';
const XSD = path.join(ROOT, 'assets/schemas/exchange-sponsor-batch-1.xsd');
const pid = process.pid;
const sponsor = { name: `PT Sponsor ${pid}`, keyid: `sponsor-${pid}`, key: keypair() };
const bank = { name: `Batch bank ${pid}`, keyid: `batch-bank-${pid}`, key: keypair() };
const kitasctl = (...args) => execFileSync(path.join(ROOT, 'kitasctl'), args,
    { cwd: ROOT, encoding: 'utf8' });

// A passport number of this run: S, the pid in base 36, the item.
const passport = (i) => `S${pid.toString(36).toUpperCase()}${String(i).padStart(4, '0')}`
    .slice(0, 12);
const inYears = (n) => `${new Date().getFullYear() + n}-06-30`;

function application(i, over = {}) {
	const a = { office: i % 2 ? 'SMG' : 'JKT', kind: 'E23', years: 1, level: 'regular',
	    family: 'WORKER', given: `NUMBER ${i}`, birth: '1988-04-12', sex: 'M',
	    nationality: 'PHL', passport: passport(i), expiry: inYears(5), ...over };
	return `<application itemId="it-${i}"><office>${a.office}</office>` +
	    `<permitKind>${a.kind}</permitKind><durationYears>${a.years}</durationYears>` +
	    `<serviceLevel>${a.level}</serviceLevel><applicant>` +
	    `<familyName>${a.family}</familyName><givenNames>${a.given}</givenNames>` +
	    `<birthDate>${a.birth}</birthDate><sex>${a.sex}</sex>` +
	    `<nationality>${a.nationality}</nationality><passportNo>${a.passport}</passportNo>` +
	    `<passportExpiry>${a.expiry}</passportExpiry></applicant>` +
	    `<domicile><address>Jl. Pemuda ${i}</address><city>Semarang</city></domicile>` +
	    `</application>\n`;
}

const batch = (id, apps) => `<?xml version="1.0" encoding="UTF-8"?>
<sponsorBatch xmlns="${NS}" version="1" messageId="${id}">
<sponsor><name>${sponsor.name}</name><rptka>RPTKA-2026/${pid}</rptka>` +
    `<email>hr@sponsor.example</email></sponsor>
${apps.join('')}</sponsorBatch>`;

// The items of an answer: id -> { outcome, reference, billing, errors }.
function items(text) {
	const out = new Map();
	for (const m of text.matchAll(/<item id="([^"]+)" outcome="(\w+)"([^>]*?)(\/>|>(.*?)<\/item>)/gs)) {
		const attr = (n) => m[3].match(new RegExp(`${n}="([^"]*)"`))?.[1];
		out.set(m[1], { outcome: m[2], reference: attr('reference'),
		    billing: attr('billingCode'), amount: attr('amount'),
		    errors: [...(m[5] ?? '').matchAll(/<error code="(\w+)" path="([^"]*)">/g)]
			.map((e) => `${e[1]} ${e[2]}`) });
	}
	return out;
}

const sponsored = () => +psql(`SELECT count(*) FROM cases WHERE sponsor_name = :'p1'`,
    sponsor.name);

// The bad ones, by item number: what is wrong, and the answer's error.
const JANSEN = psql(`SELECT passport_no FROM applicants WHERE family_name = 'JANSEN'`);
const bad = {
	7: [{ expiry: inYears(1) }, 'passport_expiry /sponsorBatch/application[7]/applicant/passportExpiry'],
	42: [{ nationality: 'IDN' }, 'citizen /sponsorBatch/application[42]/applicant/nationality'],
	100: [{ office: 'XXX' }, 'office_unknown /sponsorBatch/application[100]/office'],
	250: [{ office: 'DPS' }, 'office_not_served /sponsorBatch/application[250]/office'],
	300: [{ birth: inYears(1) }, 'birth_date /sponsorBatch/application[300]/applicant/birthDate'],
	400: [{ passport: passport(1), given: 'NUMBER 1' }, 'case_open /sponsorBatch/application[400]/applicant/passportNo'],
	450: [{ passport: JANSEN, nationality: 'NLD' },
	    'identity_mismatch /sponsorBatch/application[450]/applicant'],
};
const apps = Array.from({ length: 500 }, (_, k) => application(k + 1, bad[k + 1]?.[0]));

test.before(() => {
	kitasctl('partner-add', sponsor.name, 'sponsor-batch', sponsor.keyid,
	    rawPub(sponsor.key), 'SMG,JKT');
	kitasctl('partner-add', bank.name, 'payment-notice', bank.keyid, rawPub(bank.key));
});

test('the batch XSD is served at a stable URL', async () => {
	const r = await fetch(`${BASE}/schemas/exchange-sponsor-batch-1.xsd`);
	assert.equal(r.status, 200);
	assert.equal(await r.text(), readFileSync(XSD, 'utf8'));
});

test('500 applications, 7 bad: each good one becomes a case once, each bad one is reported and leaves nothing', async () => {
	const id = `batch-${pid}-1`;
	const r = await partnerSend(sponsor, 'sponsor-batch', batch(id, apps));
	assert.equal(r.status, 200, r.text.slice(0, 500));
	xmllint(r.text, XSD);
	assert.match(r.text, /accepted="493" rejected="7"/);
	const got = items(r.text);
	assert.equal(got.size, 500);
	for (const [n, [, error]] of Object.entries(bad)) {
		const it = got.get(`it-${n}`);
		assert.equal(it.outcome, 'rejected', `item ${n}`);
		assert.deepEqual(it.errors, [error], `item ${n}`);
		assert.equal(it.reference, undefined);
	}
	// Nothing of a bad one was stored.
	assert.equal(psql(`SELECT count(*) FROM applicants WHERE passport_no = ANY (:'p1')`,
	    `{${passport(7)},${passport(42)},${passport(100)},${passport(250)},${passport(300)}}`),
	    '0');
	assert.equal(sponsored(), 493);
	// Each good one: its case, submitted by the sponsor, with its own
	// billing code for the 1-year fee, at its office.
	const rows = psql(`SELECT c.reference || '|' || c.state || '|' || b.code || '|' || b.amount
	    || '|' || c.sponsor_ref || '|' || e.actor_role || '|' || c.domicile_city
	    FROM cases c JOIN billing_codes b ON b.case_id = c.id
	    JOIN case_events e ON e.case_id = c.id AND e.command = 'submit'
	    WHERE c.sponsor_name = :'p1' ORDER BY c.id`, sponsor.name).split('\n');
	assert.equal(rows.length, 493);
	const byRef = new Map(rows.map((l) => [l.split('|')[0], l.split('|')]));
	for (const [n, it] of got) {
		if (it.outcome !== 'accepted')
			continue;
		const row = byRef.get(it.reference);
		assert.ok(row, `${n}: ${it.reference} exists`);
		assert.deepEqual(row.slice(1), ['submitted', it.billing, '1500000',
		    `RPTKA-2026/${pid}`, 'partner', 'Semarang'], n);
		assert.equal(it.amount, '1500000');
	}
	assert.match(got.get('it-2').reference, /^JKT-/);
	assert.match(got.get('it-3').reference, /^SMG-/);

	// The same message again: the same answer, nothing new.
	const again = await partnerSend(sponsor, 'sponsor-batch', batch(id, apps));
	assert.equal(again.status, 200);
	assert.equal(again.text, r.text);
	assert.equal(sponsored(), 493);

	// The same applications under a new id: each one is refused, the
	// good ones as already in progress; nothing is created twice.
	const twice = await partnerSend(sponsor, 'sponsor-batch', batch(`batch-${pid}-2`, apps));
	assert.equal(twice.status, 200);
	assert.match(twice.text, /accepted="0" rejected="500"/);
	assert.deepEqual(items(twice.text).get('it-1').errors,
	    ['case_open /sponsorBatch/application[1]/applicant/passportNo']);
	assert.equal(sponsored(), 493);
	assert.equal(psql(`SELECT count(*) FROM exchange_messages
	    WHERE type = 'sponsor-batch' AND message_id LIKE :'p1'`, `batch-${pid}-%`), '2');
});

test('a batch with a bad document or from a partner without the right changes nothing', async () => {
	const before = psql(`SELECT count(*) FROM cases`);
	const one = [application(900)];
	const noRight = await partnerSend(bank, 'sponsor-batch', batch(`batch-${pid}-3`, one));
	assert.equal(noRight.status, 403);
	assert.match(noRight.text, /code="forbidden"/);
	const dup = batch(`batch-${pid}-4`, [application(901), application(901)]);
	const invalid = await partnerSend(sponsor, 'sponsor-batch', dup);
	assert.equal(invalid.status, 400);
	assert.match(invalid.text, /not a valid sponsorBatch: .*Duplicate key-sequence/s);
	assert.equal(psql(`SELECT count(*) FROM cases`), before);
});
