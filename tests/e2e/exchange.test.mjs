// The partner exchange with an independent RFC 9421 implementation (npm
// http-message-signatures) as the partner: signed payment notices move a
// case to paid once; every way a request can be wrong is a 401/4xx XML
// error that changes nothing; our answers verify with the partner's
// library.
import assert from 'node:assert/strict';
import test from 'node:test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { BASE, ROOT, psql } from './lib.mjs';
import { answerVerifies, keypair, rawPub, signedPost } from './partner.mjs';

const partner = keypair();
const stranger = keypair();
const KEYID = `bank-${process.pid}`;

const send = (type, body, { key = partner.privateKey, keyid = KEYID, ...opts } = {}) =>
    signedPost(type, body, { key, keyid, ...opts });

const notice = (id, code, amount) => `<?xml version="1.0" encoding="UTF-8"?>
<paymentNotice xmlns="urn:kitas:exchange:payment:1" version="1" messageId="${id}">
<billingCode>${code}</billingCode><amount>${amount}</amount>
<paidAt>${new Date().toISOString()}</paidAt><bankRef>BNI-${id}</bankRef>
</paymentNotice>`;

let made = 0;
function billed() {
	// A fresh submitted case of office SMG with an open billing code.
	const passport = `EX${process.pid % 100000}${++made}`.slice(0, 12);
	const row = psql(`
	    SELECT id AS officer FROM accounts WHERE email = 'officer.smg@imigrasi.example' \\gset
	    INSERT INTO applicants (family_name, birth_date, sex, nationality, passport_no,
	        passport_expiry) VALUES ('PAYER', '1980-01-01', 'X', 'NLD', :'p1', '2035-01-01')
	        RETURNING id AS ap \\gset
	    SELECT (case_create(:officer, (SELECT id FROM offices WHERE code = 'SMG'), :ap,
	        'E23', 1::smallint, 'regular', 'employer', 'PT Bayar', '', NULL)).case_id AS c \\gset
	    SELECT case_apply(:officer, :c, 'submit', 1, NULL) \\g /dev/null
	    INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
	        VALUES ('8001' || lpad(:c::text, 11, '0'), :c, 1500000, now(),
	        now() + interval '7 days') RETURNING code || '|' || case_id`, passport);
	const [code, id] = row.split('\n').pop().split('|');
	return { code, id };
}

const events = (id) => +psql(`SELECT count(*) FROM case_events WHERE case_id = :'p1'
    AND command = 'pay'`, id);
const state = (id) => psql(`SELECT state FROM cases WHERE id = :'p1'`, id);

test.before(() => {
	execFileSync(path.join(ROOT, 'kitasctl'), ['partner-add', `Bank ${process.pid}`,
	    'payment-notice,clearance-result', KEYID, rawPub(partner)], { cwd: ROOT });
});

test('a signed payment notice pays the case once, and our answer verifies', async () => {
	const { code, id } = billed();
	const body = notice(`pay-${process.pid}-1`, code, 1500000);
	const first = await send('payment-notice', body);
	assert.equal(first.res.status, 200, first.text);
	assert.match(first.text, /outcome="accepted"/);
	assert.match(first.text, /state="paid"/);
	assert.equal(await answerVerifies(first.res), true, 'the answer is signed by us');
	assert.equal(state(id), 'paid');
	const again = await send('payment-notice', body);
	assert.equal(again.res.status, 200);
	assert.equal(again.text, first.text, 'a repeated message id gets the first answer');
	assert.equal(events(id), 1, 'paid once');
	assert.equal(psql(`SELECT count(*) FROM exchange_messages WHERE message_id = :'p1'`,
	    `pay-${process.pid}-1`), '1');
});

test('a wrong amount or an unknown code is refused and changes nothing', async () => {
	const { code, id } = billed();
	const wrong = await send('payment-notice', notice(`pay-${process.pid}-2`, code, 1400000));
	assert.equal(wrong.res.status, 422);
	assert.match(wrong.text, /code="wrong_amount"/);
	const unknown = await send('payment-notice', notice(`pay-${process.pid}-3`, '899999999999999', 1500000));
	assert.equal(unknown.res.status, 422);
	assert.match(unknown.text, /code="unknown_code"/);
	assert.equal(state(id), 'submitted');
	assert.equal(events(id), 0);
});

const refusals = [
	['an unknown key id', { keyid: 'nobody-knows-me' }, 401, /unknown_key/],
	['the wrong key', { key: stranger.privateKey }, 401, /bad-signature/],
	['a body changed after signing', { tamper: 'x' }, 401, /digest/],
	['a signature too old', { created: new Date(Date.now() - 3600 * 1000) }, 401, /expired|too old/],
	['a signature from the future', { created: new Date(Date.now() + 3600 * 1000) }, 401, /not-yet-valid|future/],
	['no Content-Digest covered', { fields: ['@method', '@path', 'content-type'] }, 401, /content-digest/],
];
for (const [name, how, status, msg] of refusals) {
	test(`refused: ${name}`, async () => {
		const { code, id } = billed();
		const r = await send('payment-notice', notice(`bad-${process.pid}-${name.length}`, code, 1500000), how);
		assert.equal(r.res.status, status, r.text);
		assert.match(r.text, msg);
		assert.match(r.text, /outcome="rejected"/);
		assert.equal(state(id), 'submitted');
	});
}

const hostile = [
	['a DOCTYPE (XXE)', `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><paymentNotice xmlns="urn:kitas:exchange:payment:1" version="1" messageId="xxe-000001"><billingCode>&x;</billingCode></paymentNotice>`, /DOCTYPE is not allowed/],
	['billion laughs', `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>`, /DOCTYPE is not allowed/],
	['a truncated document', '<paymentNotice xmlns="urn:kitas:exchange:payment:1" version="1" messageId="trunc-0001"><billingCode>8', /not well-formed/],
	['the wrong namespace', '<paymentNotice xmlns="urn:evil" version="1" messageId="ns-000001"/>', /not a valid paymentNotice/],
	['a document the schema refuses', '<paymentNotice xmlns="urn:kitas:exchange:payment:1" version="1" messageId="xsd-000001"><billingCode>12</billingCode></paymentNotice>', /not a valid paymentNotice/],
	['deep nesting', '<a>'.repeat(100) + '</a>'.repeat(100), /nested deeper/],
];
for (const [name, body, msg] of hostile) {
	test(`hostile XML refused: ${name}`, async () => {
		const before = psql(`SELECT count(*) FROM case_events`);
		const r = await send('payment-notice', body);
		assert.equal(r.res.status, 400, r.text);
		assert.match(r.text, msg);
		assert.doesNotMatch(r.text, /root:/, 'no file was read');
		assert.equal(psql(`SELECT count(*) FROM case_events`), before);
	});
}

// Bodies are kept and answered as text: a body that is not UTF-8,
// whatever it declares, is refused before anything else reads it.
test('a body that is not UTF-8 is refused and changes nothing', async () => {
	const before = psql(`SELECT count(*) FROM case_events`);
	const body = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>' +
	    '<paymentNotice xmlns="urn:kitas:exchange:payment:1" version="1" ' +
	    'messageId="latin1-0001"><billingCode>caf\u00e9</billingCode></paymentNotice>',
	    'latin1');
	const r = await send('payment-notice', body);
	assert.equal(r.res.status, 415, r.text);
	assert.match(r.text, /code="encoding"/);
	assert.equal(psql(`SELECT count(*) FROM case_events`), before);
});

// The longest reason the schema allows, in 4-byte characters: read
// whole (cut inside a character, the database would refuse the text and
// the partner would be told to retry for ever).
test('a clearance result with the longest reason is read whole and answered', async () => {
	const reason = '\u{1F6C2}'.repeat(500);
	const body = `<?xml version="1.0" encoding="UTF-8"?>
<clearanceResult xmlns="urn:kitas:exchange:clearance:1" version="1" messageId="clr-${process.pid}-1">
<answer key="00000000-0000-4000-8000-000000000001" result="hit" reference="CKL-1"
 reason="${reason}" checkedAt="${new Date().toISOString()}"/></clearanceResult>`;
	const r = await send('clearance-result', body);
	assert.equal(r.res.status, 422, r.text);
	assert.match(r.text, /code="not_found"/, 'no request has this key');
	assert.equal(psql(`SELECT octet_length(body) > 2000 FROM exchange_messages
	    WHERE message_id = :'p1'`, `clr-${process.pid}-1`), 't', 'logged whole');
});

test('a partner may send only its message types; an unsigned request is refused', async () => {
	const r = await fetch(`${BASE}/exchange/v1/payment-notice`, { method: 'POST',
	    headers: { 'content-type': 'application/xml' }, body: '<x/>' });
	assert.equal(r.status, 401);
	const t = await fetch(`${BASE}/exchange/v1/payment-notice`, { method: 'POST',
	    headers: { 'content-type': 'text/plain' }, body: 'x' });
	assert.equal(t.status, 415);
});
