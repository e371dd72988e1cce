// The permit events feed for the civil registry (/exchange/v1/permit-events),
// read by an independent RFC 9421 implementation (npm
// http-message-signatures) as the partner: paged from 0 it gives exactly
// the permit_events table in order; after new issuances and a
// cancellation, the saved cursor gives exactly the new events; a repeated
// message id gives the first answer byte for byte; a partner serving one
// office sees only that office but its cursor still moves past the rest;
// a registry resumes from its saved cursor after our server restarted;
// unsigned, badly signed or unauthorised reads are refused.  Every answer
// is checked for our signature, and every feed page against the XSD.
import assert from 'node:assert/strict';
import test from 'node:test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { ROOT, psql, startKore } from './lib.mjs';
import { keypair, partnerSend, rawPub, xmllint } from './partner.mjs';

const XSD = path.join(ROOT, 'assets/schemas/exchange-permit-events-1.xsd');
const NS = 'urn:kitas:exchange:permit-events:1';

const registry = { name: `Registry ${process.pid}`, keyid: `registry-${process.pid}`,
    key: keypair() };
const local = { name: `Registry SMG ${process.pid}`, keyid: `registry-smg-${process.pid}`,
    key: keypair() };
const bank = { name: `Feed bank ${process.pid}`, keyid: `feed-bank-${process.pid}`,
    key: keypair() };
const stranger = keypair();

let made = 0;
const msgid = (tag) => `feed-${process.pid}-${tag}-${++made}`;

const request = (id, after, limit) => `<?xml version="1.0" encoding="UTF-8"?>
<permitEventsRequest xmlns="${NS}" messageId="${id}" after="${after}"${
    limit === undefined ? '' : ` limit="${limit}"`}/>`;

// POST body signed by who (or as told), the answer's signature checked.
const send = (who, body, opts = {}) => partnerSend(who, 'permit-events', body, opts);

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// A feed page: status 200, valid, and its cursor and events as data.
function page(r) {
	assert.equal(r.status, 200, r.text);
	xmllint(r.text, XSD);
	const head = /<permitEvents [^>]*next="(\d+)" more="(true|false)"/.exec(r.text);
	assert.ok(head, r.text);
	const events = [...r.text.matchAll(/<event seq="(\d+)" kind="(\w+)" at="([^"]+)">(.*?)<\/event>/g)]
	    .map(([, seq, kind, at, inner]) => {
		const el = (n) => {
			const m = new RegExp(`<${n}>([^<]*)</${n}>`).exec(inner);
			return m ? unescape(m[1]) : '';
		};
		return [seq, kind, at, el('permitNumber'), el('holderName'), el('nationality'),
		    el('passportNo'), el('birthDate'), el('permitKind'), el('validFrom'),
		    el('validTo'), el('office'), el('reason')].join('|');
	    });
	return { next: +head[1], more: head[2] === 'true', events };
}

// The permit_events table after seq, as the feed should list it.
function table(after, office = null) {
	const rows = psql(`SELECT concat_ws('|', e.seq, e.kind,
	    to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	    p.number, p.holder_name, p.nationality, p.passport_no,
	    to_char(p.birth_date, 'YYYY-MM-DD'), p.permit_kind,
	    to_char(p.valid_from, 'YYYY-MM-DD'), to_char(p.valid_to, 'YYYY-MM-DD'),
	    o.code, CASE WHEN e.kind = 'cancelled' THEN p.revoked_reason ELSE '' END)
	    FROM permit_events e JOIN permits p ON p.id = e.permit_id
	    JOIN offices o ON o.id = p.office_id
	    WHERE e.seq > :'p1' AND (:'p2' = '' OR o.code = :'p2') ORDER BY e.seq`,
	    after, office ?? '');
	return rows === '' ? [] : rows.split('\n');
}

const lastSeq = () => +psql('SELECT coalesce(max(seq), 0) FROM permit_events');

// Read everything after a cursor in pages of limit (from the server at
// opts.base, or the suite's): the events and the cursor at the end.
async function readAll(who, after, limit, opts = {}) {
	const events = [];
	for (let pages = 0; pages < 1000; pages++) {
		const p = page(await send(who, request(msgid('page'), after, limit), opts));
		assert.ok(p.events.length <= limit, 'never more than the limit');
		if (p.more)
			assert.equal(p.events.length, limit, 'a page short of the limit is the last');
		assert.ok(p.next >= after, 'the cursor never goes back');
		events.push(...p.events);
		after = p.next;
		if (!p.more)
			return { events, cursor: after };
	}
	assert.fail('the feed never ended');
}

// A new permit of an office: a cleared case, proposed by the officer and
// approved by the supervisor (as permit.test.mjs does).  Its case id.
function issue(office, tag) {
	const id = psql(`
	    INSERT INTO applicants (family_name, given_names, birth_date, sex, nationality,
	        passport_no, passport_expiry) VALUES ('FEED', :'p2', '1979-05-06', 'X', 'NZL',
	        :'p2', '2035-01-01') RETURNING id AS ap \\gset
	    SELECT (case_create((SELECT id FROM accounts
	        WHERE email = 'officer.' || lower(:'p1') || '@imigrasi.example'),
	        (SELECT id FROM offices WHERE code = :'p1'), :ap, 'E33', 1::smallint,
	        'regular', 'self', '', '', NULL)).case_id`, office, tag).split('\n').pop();
	psql(`BEGIN;
	    SELECT set_config('kitas.case_write', 'on', true) \\g /dev/null
	    UPDATE cases SET state = 'cleared' WHERE id = :'p1';
	    COMMIT;
	    INSERT INTO outbox (case_id, kind, status, finished_at) VALUES (:'p1', 'clearance', 'done', now());
	    INSERT INTO clearance_results (outbox_id, case_id, result, checked_at, received_at, via)
	        VALUES (currval(pg_get_serial_sequence('outbox', 'id')), :'p1', 'clear', now(), now(), 'dispatch')`, id);
	const staff = (role) => `(SELECT id FROM accounts WHERE email = '${role}.' ||
	    lower(:'p2') || '@imigrasi.example')`;
	assert.equal(psql(`SELECT code FROM permit_propose(${staff('officer')}, :'p1',
	    (SELECT version FROM cases WHERE id = :'p1'))`, id, office), 'ok');
	assert.equal(psql(`SELECT code FROM permit_issue(${staff('supervisor')}, :'p1',
	    (SELECT version FROM cases WHERE id = :'p1'), :'p3')`, id, office, `feed-${tag}`), 'ok');
	return id;
}

function cancel(id, reason) {
	assert.equal(psql(`SELECT (permit_cancel((SELECT id FROM accounts WHERE role = 'supervisor'
	    AND office_id = c.office_id ORDER BY id LIMIT 1), c.id, c.version, :'p2',
	    :'p3')).code FROM cases c WHERE c.id = :'p1'`, id, reason, `feed-cancel-${id}`), 'ok');
}

let cursor;		/* the registry's, after the first full read */
let firstPage;		/* { body, text } of the first read from 0 */

test.before(() => {
	const add = (p, types) => execFileSync(path.join(ROOT, 'kitasctl'), ['partner-add',
	    p.name, types, p.keyid, rawPub(p.key)], { cwd: ROOT });
	add(registry, 'permit-events');
	add(local, 'permit-events');
	add(bank, 'payment-notice');
	psql(`UPDATE partners SET offices = ARRAY[(SELECT id FROM offices WHERE code = 'SMG')]
	    WHERE name = :'p1'`, local.name);
});

test('read from 0 in pages of 2, the feed is the permit_events table in order', async () => {
	const want = table(0);
	assert.ok(want.some((e) => e.includes('|issued|')) &&
	    want.some((e) => e.includes('|cancelled|')),
	    'the demo data has issued and cancelled permits');
	assert.ok(want.length > 2, 'more than one page');
	firstPage = { body: request(msgid('first'), 0, 2) };
	const first = await send(registry, firstPage.body);
	firstPage.text = first.text;
	const p = page(first);
	assert.deepEqual(p.events, want.slice(0, 2));
	assert.equal(p.more, true);
	const rest = await readAll(registry, p.next, 2);
	assert.deepEqual([...p.events, ...rest.events], want);
	assert.match(want.find((e) => e.includes('|cancelled|')), /\|[^|]+$/,
	    'a cancellation says why');
	assert.equal(rest.cursor, lastSeq());
	cursor = rest.cursor;
});

test('after new issuances and a cancellation the saved cursor gives exactly the new events',
    async () => {
	const tag = String(process.pid).padStart(7, '0');
	const smg = issue('SMG', `FS${tag}`);
	const jkt = issue('JKT', `FJ${tag}`);
	cancel(jkt, 'Feed test: the sponsor withdrew');
	const want = table(cursor);
	assert.equal(want.length, 3);
	assert.deepEqual(want.map((e) => e.split('|')[1]), ['issued', 'issued', 'cancelled']);

	const p = page(await send(registry, request(msgid('new'), cursor, 100)));
	assert.deepEqual(p.events, want, 'the new events, each once, in order');
	assert.equal(p.more, false);
	assert.equal(p.next, lastSeq());
	assert.match(p.events[2], /\|JKT\|Feed test: the sponsor withdrew$/);

	const again = page(await send(registry, request(msgid('none'), p.next)));
	assert.deepEqual(again.events, [], 'nothing twice');
	assert.equal(again.next, p.next, 'the cursor stays at the end');
	assert.equal(again.more, false);
	cursor = p.next;
	assert.ok(smg);
});

// TEST_DRILL_PORT lets a second checkout run the suite beside this one.
const DRILL_PORT = Number(process.env.TEST_DRILL_PORT ?? 18081);

test('after the server restarts, the saved cursor resumes: nothing missed, nothing twice',
    async () => {
	const base = `http://127.0.0.1:${DRILL_PORT}`;
	const env = { KITAS_CENTRAL_URL: '', KITAS_SMTP_URL: '' };
	let kore = await startKore('feed', DRILL_PORT, env);
	try {
		const { cursor: saved } = await readAll(registry, 0, 50, { base });
		assert.equal(saved, lastSeq());
		await kore.stop();
		kore = null;
		// The office goes on while the server is away.
		const id = issue('DPS', `RST${process.pid % 100000}`);
		cancel(id, 'Restart drill');
		kore = await startKore('feed', DRILL_PORT, env);
		const { events, cursor: after } = await readAll(registry, saved, 50, { base });
		assert.equal(events.length, 2, 'the issuance and the cancellation');
		assert.deepEqual(events, table(saved));
		assert.equal(after, lastSeq());
	} finally {
		await kore?.stop();
	}
});

test('a repeated message id gives the first answer byte for byte', async () => {
	const r = await send(registry, firstPage.body);
	assert.equal(r.status, 200);
	assert.equal(r.text, firstPage.text);
	xmllint(r.text, XSD);
	const id = /messageId="([^"]+)"/.exec(firstPage.body)[1];
	assert.equal(psql(`SELECT count(*) FROM exchange_messages WHERE message_id = :'p1'`, id), '1',
	    'logged once');
	assert.equal(psql(`SELECT response FROM exchange_messages WHERE message_id = :'p1'`, id),
	    firstPage.text, 'the log keeps the answer given');
});

test('a partner serving one office sees only its events, and its cursor moves past the rest',
    async () => {
	const all = await readAll(local, 0, 2);
	const want = table(0, 'SMG');
	assert.ok(want.length > 0);
	assert.deepEqual(all.events, want);
	assert.equal(all.cursor, lastSeq(), 'the cursor is at the end of the whole feed');
	assert.ok(+want[want.length - 1].split('|')[0] < all.cursor,
	    'past the last events, of another office');
	const again = page(await send(local, request(msgid('local'), all.cursor)));
	assert.deepEqual(again.events, []);
	assert.equal(again.next, all.cursor);
});

test('unsigned or badly signed requests are refused and change nothing', async () => {
	const before = psql('SELECT count(*) FROM exchange_messages');
	const body = request(msgid('bad'), 0, 2);
	const cases = [
		['unsigned', { unsigned: true }, /code="signature"/],
		['a stranger\'s key', { key: stranger.privateKey }, /bad-signature/],
		['an unknown key id', { keyid: 'nobody-knows-me' }, /unknown_key/],
		['a body changed after signing', { tamper: request(msgid('bad'), 0, 500) }, /code="digest"/],
	];
	for (const [name, how, msg] of cases) {
		const r = await send(registry, body, how);
		assert.equal(r.status, 401, `${name}: ${r.text}`);
		assert.match(r.text, msg, name);
		assert.match(r.text, /outcome="rejected"/);
		assert.doesNotMatch(r.text, /<event/, `${name}: no event leaked`);
		xmllint(r.text);
	}
	assert.equal(psql('SELECT count(*) FROM exchange_messages'), before, 'nothing logged');
	// The same message id, properly signed, is still fresh.
	assert.deepEqual(page(await send(registry, body)).events, table(0).slice(0, 2));
});

test('a partner without the permit-events right gets the XML error', async () => {
	const r = await send(bank, request(msgid('bank'), 0, 2));
	assert.equal(r.status, 403, r.text);
	assert.match(r.text, /^<\?xml[^>]*>\s*<exchangeAnswer xmlns="urn:kitas:exchange:1"/);
	assert.match(r.text, /outcome="rejected"/);
	assert.match(r.text, /code="forbidden"/);
	assert.doesNotMatch(r.text, /<event/);
	xmllint(r.text);
});

test('a cursor beyond the feed or a limit out of range is refused', async () => {
	const ahead = await send(registry, request(msgid('ahead'), lastSeq() + 1));
	assert.equal(ahead.status, 422, ahead.text);
	assert.match(ahead.text, /code="invalid_cursor"/);
	xmllint(ahead.text);
	for (const limit of [0, 501]) {
		const r = await send(registry, request(msgid('limit'), 0, limit));
		assert.equal(r.status, 400, r.text);
		assert.match(r.text, /not a valid permitEventsRequest/);
	}
	const answer = await send(registry, firstPage.text.replace(/messageId="[^"]+"/,
	    `messageId="${msgid('root')}"`));
	assert.equal(answer.status, 400, 'an answer document is not a request');
});
