// Drills of the central link, against the real Kore dispatcher and the
// independent central simulator: nothing lost, nothing decided twice, no
// state changed by a bad answer, the breaker and the rate as specified,
// and the truth on the status page and in /metrics.  Every wait is
// bounded; time-dependent rules over days are in tests/sql/central_link.sql
// with an injected clock.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
	caseStates, get, linkStatus, makeWaiting, postForm, psql, resetLink,
	sim, stack, startKore, until,
} from './lib.mjs';

// TEST_DRILL_PORT lets a second checkout run the suite beside this one.
const DRILL_PORT = Number(process.env.TEST_DRILL_PORT ?? 18081);
const DECIDED = new Set(['cleared', 'referred']);

function allDecided(ids) {
	const s = caseStates(ids);
	return s.every((c) => DECIDED.has(c.state));
}

function assertOnceEach(ids) {
	for (const c of caseStates(ids)) {
		assert.ok(DECIDED.has(c.state), `case ${c.id} is ${c.state}`);
		assert.equal(c.verdicts, 1, `case ${c.id} got ${c.verdicts} verdicts`);
	}
}

function assertUntouched(ids) {
	for (const c of caseStates(ids)) {
		assert.equal(c.state, 'awaiting_clearance', `case ${c.id}`);
		assert.equal(c.verdicts, 0, `case ${c.id}`);
	}
	assert.equal(+psql(`SELECT count(*) FROM outbox WHERE case_id =
	    ANY(string_to_array(:'p1', ',')::bigint[]) AND bad_answers > 0`,
	    ids.join(',')), 0, 'no link fault counted against a case');
}

function passportOf(id) {
	return psql(`SELECT c.reference || '|' || a.passport_no FROM cases c
	    JOIN applicants a ON a.id = c.applicant_id WHERE c.id = :'p1'`, id)
	    .split('|');
}

let kore;
test.before(async () => {
	await sim.reset();
	resetLink();
	kore = await startKore('a', DRILL_PORT, { KITAS_CENTRAL_TIMEOUT_MS: '1500',
	    KITAS_CENTRAL_CONNECT_MS: '500' });
});
test.after(async () => {
	await kore?.stop();
	await sim.mode('up');
	resetLink();
});

test('a waiting case is cleared by itself, once', async () => {
	await sim.reset();
	resetLink();
	const ids = makeWaiting(10, 'da');
	await until('all decided', () => allDecided(ids), 10000);
	assertOnceEach(ids);
	const st = await sim.stats();
	assert.equal(st.unique, 10);
	assert.equal(st.duplicates, 0);
});

test('outage: nothing is sent, nothing is lost, the truth is told, and the backlog drains by itself at the allowed rate', async () => {
	await sim.reset();
	resetLink({ rate: 20, burst: 10, ramp_seconds: 2, ramp_floor: 0.25 });
	await sim.mode('refused');
	const ids = makeWaiting(60, 'ob', { express: false });
	await until('breaker open', () => linkStatus().state === 'open', 10000);

	// While it is down, intake goes on: new cases reach the queue too.
	const more = makeWaiting(20, 'oc');
	await new Promise((r) => setTimeout(r, 1500));
	assertUntouched([...ids, ...more]);
	assert.equal((await sim.stats()).received, 0, 'central received nothing');

	const [ref, passport] = passportOf(more[19]);
	const page = await (await postForm('/status', { ref, passport, lang: 'en' })).text();
	assert.match(page, /The central system has been unreachable since/);
	assert.match(page, /Applications before yours in the queue: 79\./);
	assert.match(page, /after the connection returns/);
	const metrics = await (await get('/metrics')).text();
	// Open, or half open while a probe is out (one a second here): not
	// closed.  The page above says "unreachable" for both.
	assert.match(metrics, /kitas_central_breaker\{state="closed"\} 0/);
	assert.match(metrics, /kitas_central_breaker\{state="(open|half_open)"\} 1/);
	assert.match(metrics, /kitas_clearance_backlog 80/);

	await sim.mode('up');
	const all = [...ids, ...more];
	await until('backlog drained', () => allDecided(all), 30000, 200);
	assertOnceEach(all);
	const st = await sim.stats();
	assert.equal(st.unique, 80);
	assert.equal(st.duplicates, 0, 'central never saw a request twice');
	assert.ok(st.maxPerSecond <= 20 + 10,
	    `central saw ${st.maxPerSecond}/s (rate 20 + burst 10)`);
	// Slow start: the first busy second is far below the full rate.
	const seconds = st.perSecond.map((s) => s.items);
	assert.ok(seconds[0] <= 0.25 * 20 + 10, `first second ${seconds[0]}`);
	assert.equal(+psql(`SELECT count(*) FROM link_outages
	    WHERE ended_at IS NULL`), 0, 'the outage window is closed');
});

const faults = [
	['blackhole', {}],
	['slow', { seconds: 3 }],
	['error5xx', { status: 502 }],
	['malformed', {}],
	['xsdinvalid', { variant: 'mixed' }],
	['wrongkey', { variant: 'one' }],
];
for (const [mode, params] of faults) {
	test(`fault ${mode}: no state changes, then everything clears once`, async () => {
		await sim.reset();
		resetLink({ failure_threshold: 2 });
		await sim.mode(mode, params);
		const ids = makeWaiting(5, `f${faults.findIndex((f) => f[0] === mode)}`);
		await until('breaker open', () => linkStatus().state !== 'closed',
		    15000, 100);
		assertUntouched(ids);
		assert.equal(+psql(`SELECT count(*) FROM clearance_results WHERE
		    case_id = ANY(string_to_array(:'p1', ',')::bigint[])`,
		    ids.join(',')), 0, 'no verdict was believed');
		await sim.mode('up');
		await until('decided', () => allDecided(ids), 20000, 200);
		assertOnceEach(ids);
	});
}

test('a failing dispatcher query is survived; the backlog clears afterwards', async () => {
	await sim.reset();
	resetLink();
	const workers = kore.workers();
	const fn = 'clr_claim(text, integer, timestamptz, integer)';
	let ids;
	psql(`REVOKE EXECUTE ON FUNCTION ${fn} FROM kitas_app`);
	try {
		ids = makeWaiting(5, 'dq');
		await new Promise((r) => setTimeout(r, 1500));
		assertUntouched(ids);
	} finally {
		psql(`GRANT EXECUTE ON FUNCTION ${fn} TO kitas_app`);
	}
	await until('all decided', () => allDecided(ids), 10000);
	assertOnceEach(ids);
	assert.deepEqual(kore.workers(), workers, 'no worker died');
});

test('duplicate answers are harmless', async () => {
	await sim.reset();
	resetLink();
	await sim.mode('duplicate');
	const ids = makeWaiting(5, 'dd');
	await until('decided', () => allDecided(ids), 10000);
	assertOnceEach(ids);
	assert.equal(linkStatus().state, 'closed');
	await sim.mode('up');
});

test('throttling: Retry-After is obeyed and costs nothing', async () => {
	await sim.reset();
	resetLink();
	await sim.mode('throttle', { retryAfter: 2 });
	const ids = makeWaiting(5, 'th');
	await until('held', () => psql(`SELECT hold_until > now()
	    FROM central_link`) === 't', 5000);
	const before = (await sim.stats()).httpRequests;
	await new Promise((r) => setTimeout(r, 1000));
	assert.equal((await sim.stats()).httpRequests, before,
	    'nothing sent while Retry-After runs');
	assertUntouched(ids);
	assert.equal(linkStatus().state, 'closed', 'a busy centre is not a dead one');
	await sim.mode('up');
	await until('decided', () => allDecided(ids), 10000);
	assertOnceEach(ids);
});

test('pending: the verdict comes later, once', async () => {
	await sim.reset();
	resetLink();
	await sim.mode('pending');
	const ids = makeWaiting(3, 'pe');
	await until('answered pending', () => +psql(`SELECT count(*) FROM outbox
	    WHERE awaiting_async AND case_id = ANY(string_to_array(:'p1', ',')::bigint[])`,
	    ids.join(',')) === 3, 10000);
	assertUntouched(ids);
	const pend = (await sim.pending()).pending ?? (await sim.pending());
	const list = Array.isArray(pend) ? pend : pend.items;
	for (const p of list) {
		const deliver = () => psql(`SELECT clr_resolve(:'p1'::uuid, :'p2',
		    nullif(:'p3', ''), nullif(:'p4', ''), :'p5'::timestamptz)`,
		    p.key, p.result, p.reference ?? '', p.reason ?? '', p.checkedAt);
		assert.match(deliver(), /^(ok|transition_not_allowed)$/);
		assert.equal(deliver(), 'duplicate', 'a repeated verdict changes nothing');
	}
	assertOnceEach(ids);
	await sim.mode('up');
});

test('kill -9 of the worker holding a batch: the batch completes, each case once', async () => {
	await sim.reset();
	resetLink({ lease_seconds: 3 });
	await sim.mode('slow', { seconds: 1.2 });
	const ids = makeWaiting(20, 'kw');
	let owner;
	await until('a batch in flight', () => (owner = psql(`SELECT lease_owner
	    FROM outbox WHERE lease_owner IS NOT NULL LIMIT 1`)) !== '', 5000, 20);
	const pid = +owner.split(':').pop();
	assert.ok(kore.workers().includes(pid), 'the lease names a worker');
	process.kill(pid, 'SIGKILL');
	await sim.mode('up');
	await until('decided', () => allDecided(ids), 20000, 200);
	assertOnceEach(ids);
	const st = await sim.stats();
	assert.equal(st.unique, 20, 'central checked each person once');
});

test('kill -9 of the whole server mid-drain, then a restart: each case once', async () => {
	await sim.reset();
	resetLink({ rate: 40, burst: 10, lease_seconds: 3 });
	const ids = makeWaiting(150, 'ks');
	await until('draining', () => caseStates(ids).some((c) => c.state !== 'awaiting_clearance'),
	    10000, 50);
	await kore.kill9();
	const done = caseStates(ids).filter((c) => c.state !== 'awaiting_clearance').length;
	assert.ok(done < 150, 'killed before the end');
	kore = await startKore('a', DRILL_PORT);
	await until('decided', () => allDecided(ids), 30000, 200);
	assertOnceEach(ids);
	assert.equal((await sim.stats()).unique, 150);
});

test('PostgreSQL restarts mid-drain: the dispatcher recovers by itself', async () => {
	await sim.reset();
	resetLink({ rate: 40, burst: 10 });
	const ids = makeWaiting(120, 'pg');
	await until('draining', () => caseStates(ids).some((c) => c.state !== 'awaiting_clearance'),
	    10000, 50);
	stack('db-down');
	await new Promise((r) => setTimeout(r, 1000));
	stack('db-up');
	await until('decided', () => allDecided(ids), 30000, 200);
	assertOnceEach(ids);
});

test('two instances drain one backlog without sending anything twice', async () => {
	await sim.reset();
	resetLink({ rate: 100, burst: 20 });
	const other = await startKore('b', DRILL_PORT + 1);
	try {
		const ids = makeWaiting(300, 'mi');
		await until('decided', () => allDecided(ids), 30000, 200);
		assertOnceEach(ids);
		const st = await sim.stats();
		assert.equal(st.unique, 300);
		assert.equal(st.duplicates, 0, 'no request was sent twice');
		assert.ok(st.maxPerSecond <= 120, `max ${st.maxPerSecond}/s`);
	} finally {
		await other.stop();
	}
});

test('a request central refuses as bad ends in an incident, never a silent drop', async () => {
	await sim.reset();
	resetLink({ bad_answer_limit: 2 });
	// The simulator refuses any batch holding a passport starting REJ.
	const good = makeWaiting(4, 'gd');
	const [id] = makeWaiting(1, 'rej');
	await until('dead', () => psql(`SELECT status FROM outbox WHERE case_id = :'p1'`,
	    id) === 'dead', 15000, 100);
	assert.equal(caseStates([id])[0].state, 'awaiting_clearance');
	assert.equal(psql(`SELECT count(*) FROM incidents WHERE case_id = :'p1'
	    AND kind = 'retries_exhausted' AND resolved_at IS NULL`, id), '1');
	assert.equal(linkStatus().state, 'closed', 'a bad request is not a dead link');
	// It went alone after the first refusal, so it sank nobody else.
	await until('others decided', () => allDecided(good), 10000);
	assertOnceEach(good);
});
