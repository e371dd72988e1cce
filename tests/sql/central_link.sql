-- The central link, part one: the shared token bucket, priorities, leases,
-- the circuit breaker through a multi-day outage, half-open probes and the
-- ramp after recovery, Retry-After, the manual pause and what the server's
-- role may do.  Verdicts, incidents and the queue estimates are in
-- central_link_record.sql.
--
-- Time is driven through p_now only: the simulated clock runs from eight
-- days ago (pg_temp.t), because case_apply() refuses an occurred_at more
-- than 30 days old or in the future, and now() is fixed in a transaction.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

-- Full jitter uses random(): make a run repeatable.
SELECT setseed(0.5);

\ir central_fixtures.psql

CREATE FUNCTION pg_temp.link_fail(p_owner text, p_ids bigint[],
    p_now timestamptz) RETURNS integer
LANGUAGE sql AS $$
	SELECT clr_report(p_owner, 'link', p_ids, NULL, NULL, NULL, NULL,
	    'connection refused', NULL, p_now)
$$;

SELECT plan(87);

-- 1. The token bucket ---------------------------------------------------
SELECT pg_temp.reset(pg_temp.t('0 s'));
CREATE TEMP TABLE b1 AS SELECT pg_temp.req(pg_temp.t('-1 h') +
    g * interval '1 s') AS id FROM generate_series(1, 60) AS g;

CREATE TEMP TABLE k1 AS SELECT * FROM clr_claim('w1', 100, pg_temp.t('1 s'));
SELECT is((SELECT count(*) FROM k1), 10::bigint,
    'one second after the refill a claim gets rate x 1 s = 10 requests');
SELECT set_eq($$ SELECT outbox_id FROM k1 $$,
    $$ SELECT id FROM b1 ORDER BY id LIMIT 10 $$,
    '... the ten oldest');
SELECT is(pg_temp.n('w2', 100, pg_temp.t('1 s')), 0::bigint,
    'a claim right after gets nothing: the bucket is empty');
SELECT is((SELECT count(*) FROM outbox WHERE id IN (SELECT outbox_id FROM k1)
    AND lease_owner = 'w1' AND lease_expires_at = pg_temp.t('61 s') AND
    attempts = 1 AND last_sent_at = pg_temp.t('1 s')), 10::bigint,
    'claimed rows are leased to the claimer for lease_seconds, attempts + 1');
SELECT is((SELECT row(k.idem_key, k.case_ref, k.passport_no, k.nationality,
    k.family_name, k.given_names, k.birth_date, k.permit_kind,
    k.office_code)::text FROM k1 k WHERE k.outbox_id = (SELECT min(id) FROM b1)),
    (SELECT row(o.idem_key, c.reference, 'TT1234567', 'NLD', 'TESTER', 'TINA',
    date '1990-01-01', 'E23', 'TAA')::text FROM outbox o
    JOIN cases c ON c.id = o.case_id WHERE o.id = (SELECT min(id) FROM b1)),
    'the claim carries the key and what central needs of the case');
SELECT is(pg_temp.n('w1', 100, pg_temp.t('1000 s')), 20::bigint,
    'after a long quiet spell a claim gets at most burst');
CREATE TEMP TABLE k2 AS
    SELECT * FROM clr_claim('slow', 1, pg_temp.t('1005 s'), 300);
SELECT is((SELECT count(*) FROM k2 JOIN outbox o ON o.id = k2.outbox_id
    WHERE o.lease_expires_at = pg_temp.t('1305 s')), 1::bigint,
    'a claimer whose sends may take 300 s gets a lease that long');
SELECT is(pg_temp.n('w1', 5, pg_temp.t('1010 s')), 5::bigint,
    'a claim takes no more than it asks for');
SELECT is(pg_temp.n('w3', 100, pg_temp.t('1010 s')), 15::bigint,
    '... and the rest of the bucket stays for the next');
UPDATE central_policy SET burst = 3;
SELECT is(pg_temp.n('w1', 100, pg_temp.t('3000 s')), 3::bigint,
    'a burst lowered at run time applies to the next claim');

-- 2. Priority: express first, then oldest --------------------------------
SELECT pg_temp.reset(pg_temp.t('1 h'));
SELECT pg_temp.req(pg_temp.t('30 min')) AS r_old,
    pg_temp.req(pg_temp.t('50 min'), 'express') AS e_new,
    pg_temp.req(pg_temp.t('40 min'), 'express') AS e_old,
    pg_temp.req(pg_temp.t('55 min')) AS r_new \gset
-- Queued in the same instant as r_old, but after it.
SELECT pg_temp.req(pg_temp.t('30 min')) AS r_tie \gset
SELECT is(pg_temp.ids('p', 1, pg_temp.t('1 h 10 s')), ARRAY[:e_old]::bigint[],
    'express goes before an older regular request, the older express first');
SELECT is(pg_temp.ids('p', 1, pg_temp.t('1 h 10 s')), ARRAY[:e_new]::bigint[],
    '... then the other express');
SELECT is(pg_temp.ids('p', 1, pg_temp.t('1 h 10 s')), ARRAY[:r_old]::bigint[],
    '... then the oldest regular one');
SELECT is(pg_temp.ids('p', 1, pg_temp.t('1 h 10 s')), ARRAY[:r_tie]::bigint[],
    '... of two as old, the one queued first');

-- A batch names one office: the first in line's.
SELECT pg_temp.reset(pg_temp.t('1 h 20 min'));
SELECT pg_temp.req(pg_temp.t('1 h 1 min')) AS a1,
    pg_temp.req(pg_temp.t('1 h 2 min')) AS b1,
    pg_temp.req(pg_temp.t('1 h 3 min')) AS a2 \gset
SELECT set_config('kitas.case_write', 'on', true) AS ignored \gset
UPDATE cases SET office_id = (SELECT id FROM offices WHERE code = 'TBB')
    WHERE id = (SELECT case_id FROM outbox WHERE id = :b1);
SELECT set_config('kitas.case_write', 'off', true) AS ignored \gset
SELECT is(pg_temp.ids('p', 10, pg_temp.t('1 h 21 min')),
    ARRAY[:a1, :a2]::bigint[],
    'a claim takes the first office''s requests, passing another''s');
SELECT is(pg_temp.ids('p', 10, pg_temp.t('1 h 21 min')), ARRAY[:b1]::bigint[],
    '... which the next claim takes');

-- 3. Leases --------------------------------------------------------------
SELECT pg_temp.reset(pg_temp.t('2 h'));
SELECT pg_temp.req(pg_temp.t('2 h')) AS l1 \gset
SELECT idem_key AS key1 FROM clr_claim('A', 10, pg_temp.t('2 h 10 s')) \gset
SELECT is(pg_temp.n('B', 10, pg_temp.t('2 h 1 min 9 s')), 0::bigint,
    'a leased request is not claimable before its lease expires');
CREATE TEMP TABLE k3 AS
    SELECT * FROM clr_claim('B', 10, pg_temp.t('2 h 1 min 10 s'));
SELECT is((SELECT array_agg(outbox_id) FROM k3), ARRAY[:l1]::bigint[],
    'once it has expired (its owner died) another claimer takes it');
SELECT is((SELECT idem_key FROM k3), :'key1'::uuid,
    '... with the same idempotency key');
SELECT is((SELECT lease_owner || '/' || attempts FROM outbox WHERE id = :l1),
    'B/2', '... leased to the new owner, a second attempt');
SELECT clr_report('A', 'rejected', ARRAY[:l1]::bigint[], NULL, NULL, NULL,
    NULL, 'HTTP 400', NULL, pg_temp.t('2 h 1 min 20 s')) AS ignored \gset
SELECT is((SELECT lease_owner || '/' || bad_answers || '/' || solo
    FROM outbox WHERE id = :l1), 'B/0/false',
    'a late report of the former owner leaves the new lease alone');

-- 4. The breaker, and an outage of days -----------------------------------
SELECT pg_temp.reset(pg_temp.t('1 day'));
SELECT pg_temp.req(pg_temp.t('23 h'), 'express') AS x1,
    pg_temp.req(pg_temp.t('23 h')) AS x2,
    pg_temp.req(pg_temp.t('23 h 1 s')) AS x3 \gset
-- An answer between failures resets their count, also when it comes
-- within a second of the last answer (clr_report() then skips the link
-- row only if nothing would change).
SELECT clr_report('A', 'ok', '{}', NULL, NULL, NULL, NULL, NULL, NULL,
    pg_temp.t('1 day 5 s')) AS ignored \gset
SELECT pg_temp.link_fail('A', '{}', pg_temp.t('1 day 5.2 s')) AS ignored,
    pg_temp.link_fail('A', '{}', pg_temp.t('1 day 5.4 s')) AS ignored2 \gset
SELECT clr_report('A', 'ok', '{}', NULL, NULL, NULL, NULL, NULL, NULL,
    pg_temp.t('1 day 5.6 s')) AS ignored \gset
SELECT is((SELECT state || '/' || failures FROM central_link), 'closed/0',
    'an answer resets the count of consecutive failures');
SELECT pg_temp.link_fail('A', pg_temp.ids('A', 10, pg_temp.t('1 day 10 s')),
    pg_temp.t('1 day 11 s')) AS ignored \gset
SELECT pg_temp.link_fail('A', pg_temp.ids('A', 10, pg_temp.t('1 day 12 s')),
    pg_temp.t('1 day 13 s')) AS ignored \gset
SELECT is((SELECT state || '/' || failures FROM central_link), 'closed/2',
    'two consecutive link failures leave the breaker closed');
SELECT pg_temp.link_fail('A', pg_temp.ids('A', 10, pg_temp.t('1 day 14 s')),
    pg_temp.t('1 day 15 s')) AS ignored \gset
SELECT is((SELECT state || '/' || failures || '/' || opens || '/' ||
    (state_since = pg_temp.t('1 day 15 s')) || '/' || last_error
    FROM central_link), 'open/0/1/true/connection refused',
    'failure_threshold consecutive failures open the breaker');
SELECT is((SELECT count(*) FROM link_outages WHERE ended_at IS NULL AND
    started_at = pg_temp.t('1 day 15 s') AND reason = 'connection refused'),
    1::bigint, '... and open an outage window');
SELECT ok((SELECT next_probe_at BETWEEN pg_temp.t('1 day 15 s') AND
    pg_temp.t('1 day 16 s') FROM central_link),
    'the first probe is due within [0, min(cap, base x 2^0)]');
SELECT is(pg_temp.n('B', 10, (SELECT next_probe_at FROM central_link) -
    interval '1 ms'), 0::bigint, 'while open and before the probe nothing goes');
SELECT is((SELECT count(*) FROM outbox WHERE id IN (:x1, :x2, :x3) AND
    status = 'pending' AND lease_owner IS NULL AND bad_answers = 0 AND
    NOT solo), 3::bigint,
    'link failures release the requests and count nothing against them');
SELECT is((SELECT row(state, outage_since = pg_temp.t('1 day 15 s'),
    allowed_rate, eta_seconds IS NULL, backlog)::text
    FROM clr_status(pg_temp.t('1 day 20 s'))), '(open,t,0.00,t,3)',
    'clr_status shows the outage: no rate, no eta, the backlog waits');

-- Three days of refused connections, probing whenever a probe is due and
-- trying in vain half way before it.  The cap is an hour here so that the
-- days pass in a few hundred probes.
UPDATE central_policy SET backoff_cap_ms = 3600000;
CREATE TEMP TABLE probes (at timestamptz, early bigint, claimed integer,
    state_after text, owner_after text, backoff interval, opens integer);
DO $$
DECLARE
	rep	timestamptz := pg_temp.t('1 day 15 s');
	due	timestamptz;
	early	bigint;
	ids	bigint[];
	st	text;
	ow	text;
BEGIN
	-- At most 1000 rounds: a broken backoff must not spin for minutes.
	FOR i IN 1..1000 LOOP
		SELECT next_probe_at INTO due FROM central_link;
		EXIT WHEN due IS NULL OR due > pg_temp.t('4 days 1 h');
		early := pg_temp.n('early', 10, rep + (due - rep) / 2);
		ids := pg_temp.ids('probe', 10, due);
		SELECT state, probe_owner INTO st, ow FROM central_link;
		rep := due + interval '2 s';
		PERFORM pg_temp.link_fail('probe', ids, rep);
		INSERT INTO probes SELECT due, early, cardinality(ids), st, ow,
		    next_probe_at - rep, opens FROM central_link;
	END LOOP;
END
$$;
SELECT ok((SELECT count(*) BETWEEN 60 AND 999 AND
    max(at) > pg_temp.t('3 days 23 h') FROM probes), 'three days of outage pass, probe after probe');
SELECT is((SELECT count(*) FROM probes WHERE claimed <> 1 OR
    state_after <> 'half_open' OR owner_after <> 'probe'), 0::bigint,
    'each due probe sends exactly one request and goes half-open');
SELECT is((SELECT count(*) FROM probes WHERE early <> 0), 0::bigint,
    'between probes nothing is claimed');
SELECT is((SELECT count(*) FROM probes WHERE backoff < interval '0' OR
    backoff > interval '1 hour'), 0::bigint,
    'the backoff never exceeds backoff_cap_ms');
SELECT is((SELECT count(*) FROM probes WHERE backoff >
    make_interval(secs => least(3600, power(2, opens - 1)))), 0::bigint,
    'each backoff is within min(cap, base x 2^opens)');
SELECT ok((SELECT max(backoff) > interval '30 min' FROM probes),
    'the backoff grows towards the cap');
SELECT ok((SELECT min(backoff) < interval '20 min' FROM probes
    WHERE opens > 13), '... and is drawn below it (full jitter), not the cap');
SELECT is((SELECT count(*) FROM outbox WHERE id IN (:x1, :x2, :x3) AND
    status = 'pending' AND bad_answers = 0), 3::bigint,
    'after days of outage every request is still pending, no bad answer');
SELECT is((SELECT count(*) FROM incidents WHERE case_id IN
    (SELECT case_id FROM outbox WHERE id IN (:x1, :x2, :x3))), 0::bigint,
    '... and no case needs a person');
SELECT is((SELECT count(*)::text || '/' ||
    bool_and(started_at = pg_temp.t('1 day 15 s') AND ended_at IS NULL)
    FROM link_outages WHERE started_at >= pg_temp.t('1 day')), '1/true',
    'one outage window covers the whole outage');

-- 5. Half-open, recovery and the ramp ------------------------------------
SELECT next_probe_at AS p FROM central_link \gset
CREATE TEMP TABLE h1 AS SELECT * FROM clr_claim('A', 10, :'p');
SELECT is((SELECT count(*) FROM h1), 1::bigint,
    'at next_probe_at one request goes: the probe');
SELECT is((SELECT state || '/' || probe_owner || '/' ||
    (probe_expires_at = :'p'::timestamptz + interval '60 s') FROM central_link),
    'half_open/A/true', '... and the breaker is half-open, the probe A''s');
SELECT is(pg_temp.n('B', 10, :'p'::timestamptz + interval '30 s'), 0::bigint,
    'a second claimer gets nothing while the probe is out');
CREATE TEMP TABLE h2 AS
    SELECT * FROM clr_claim('B', 10, :'p'::timestamptz + interval '60 s');
SELECT is((SELECT count(*)::text || '/' || (SELECT probe_owner FROM central_link)
    FROM h2), '1/B', 'when the probe''s owner vanished, another claimer probes');
SELECT :'p'::timestamptz + interval '61 s' AS rec \gset
SELECT is(clr_report('B', 'ok', ARRAY(SELECT outbox_id FROM h2), '{clear}',
    NULL, NULL, ARRAY[:'rec']::timestamptz[], NULL, NULL, :'rec'), 1,
    'the probe is answered');
SELECT is((SELECT state || '/' || failures || '/' || opens || '/' ||
    (recovered_at = :'rec') || '/' || (next_probe_at IS NULL)
    FROM central_link), 'closed/0/0/true/true',
    'a successful probe closes the breaker and starts the recovery');
SELECT is((SELECT ended_at FROM link_outages
    WHERE started_at = pg_temp.t('1 day 15 s')), :'rec'::timestamptz,
    '... and ends the outage window');
SELECT is((SELECT allowed_rate FROM clr_status(:'rec')), 1.00,
    'right after recovery the allowed rate is ramp_floor x rate');
SELECT is((SELECT clr_allowed_rate(p, l, :'rec'::timestamptz + interval '25 s')
    FROM central_policy p, central_link l), 3.25,
    'it climbs linearly over ramp_seconds');
SELECT is((SELECT allowed_rate FROM clr_status(:'rec'::timestamptz +
    interval '50 s')), 5.50, '... half way');
SELECT is((SELECT allowed_rate FROM clr_status(:'rec'::timestamptz +
    interval '100 s')), 10.00, '... to the full rate');
SELECT is((SELECT allowed_rate FROM clr_status(:'rec'::timestamptz +
    interval '1 hour')), 10.00, '... and stays there');
CREATE TEMP TABLE b5 AS SELECT pg_temp.req(pg_temp.t('4 days')) AS id
    FROM generate_series(1, 30);
SELECT is((SELECT backlog || '/' || eta_seconds FROM clr_status(:'rec'::timestamptz
    + interval '50 s')), '32/6',
    'during the ramp the eta is counted at the allowed rate (ceil(32 / 5.5))');
SELECT is(pg_temp.n('r', 100, :'rec'::timestamptz + interval '1 s'), 1::bigint,
    'one second into the ramp one request may go');
SELECT is(pg_temp.n('r', 100, :'rec'::timestamptz + interval '10 s'), 3::bigint,
    'during the ramp the bucket is small too (burst x allowed / rate)');
SELECT is(pg_temp.n('r', 100, :'rec'::timestamptz + interval '1000 s'),
    20::bigint, 'after the ramp the bucket is burst again');

-- 6. Retry-After ---------------------------------------------------------
SELECT pg_temp.reset(pg_temp.t('5 days'));
SELECT pg_temp.req(pg_temp.t('5 days')) AS y1,
    pg_temp.req(pg_temp.t('5 days')) AS y2 \gset
SELECT is(clr_report('W', 'throttled', pg_temp.ids('W', 10,
    pg_temp.t('5 days 10 s')), NULL, NULL, NULL, NULL, 'HTTP 429', 30,
    pg_temp.t('5 days 11 s')), 0, 'central says: slow down, retry after 30 s');
SELECT is((SELECT hold_until FROM central_link), pg_temp.t('5 days 41 s'),
    'nobody sends before Retry-After has passed');
SELECT is((SELECT count(*) FROM outbox WHERE id IN (:y1, :y2) AND
    status = 'pending' AND lease_owner IS NULL AND bad_answers = 0),
    2::bigint, 'the requests are released, no bad answer counted');
SELECT is((SELECT state || '/' || failures FROM central_link), 'closed/0',
    'a throttle is no link failure');
SELECT is((SELECT allowed_rate || '/' || eta_seconds
    FROM clr_status(pg_temp.t('5 days 20 s'))), '0.00/22',
    'during the hold nothing is allowed; the estimate counts the 21 s left in');
SELECT is((SELECT e.eta_seconds FROM outbox o, clr_case_eta(o.case_id,
    pg_temp.t('5 days 20 s')) e WHERE o.id = :y2), 22,
    '... and so does a case''s own estimate');
SELECT is((SELECT count(*) FROM link_outages WHERE ended_at IS NULL),
    0::bigint, 'a 30 s hold is the rate limit at work, not an outage');
SELECT is(pg_temp.n('V', 10, pg_temp.t('5 days 40 s')), 0::bigint,
    'a claim during the hold gets nothing');
SELECT is(pg_temp.n('V', 10, pg_temp.t('5 days 41 s')), 0::bigint,
    'at hold_until nothing has accrued: no burst when a hold ends');
SELECT is(pg_temp.n('V', 10, pg_temp.t('5 days 42 s')), 2::bigint,
    'a second later the requests go again, at the rate');
SELECT is(clr_report('V', 'throttled', ARRAY[:y1, :y2]::bigint[], NULL,
    NULL, NULL, NULL, 'HTTP 503', 600, pg_temp.t('5 days 50 s')), 0,
    'central is in maintenance: retry after ten minutes');
SELECT is((SELECT reason FROM link_outages WHERE ended_at IS NULL AND
    started_at = pg_temp.t('5 days 50 s')),
    'central asked to wait 600 s: HTTP 503',
    'a hold of hold_outage or more is outage time: the SLA clocks pause');
SELECT clr_report('X', 'ok', '{}', NULL, NULL, NULL, NULL, NULL, NULL,
    pg_temp.t('5 days 5 min')) AS ignored \gset
SELECT is((SELECT count(*) FROM link_outages WHERE ended_at IS NULL),
    1::bigint, 'an answer to a batch sent before the hold does not end it');
SELECT clr_report('X', 'ok', '{}', NULL, NULL, NULL, NULL, NULL, NULL,
    pg_temp.t('5 days 11 min')) AS ignored \gset
SELECT is((SELECT ended_at FROM link_outages
    WHERE started_at = pg_temp.t('5 days 50 s')), pg_temp.t('5 days 11 min'),
    'the first answer after the hold ends it');
SELECT is((SELECT allowed_rate FROM clr_status(pg_temp.t('5 days 11 min'))),
    1.90, 'and the rate climbs the ramp from the end of the hold '
    '(10 s in: 10 x (0.1 + 0.9 x 10 / 100))');

-- 7. The manual pause ----------------------------------------------------
SELECT pg_temp.reset(pg_temp.t('5 days 1 h'));
SELECT pg_temp.req(pg_temp.t('5 days 1 h')) AS g1,
    pg_temp.req(pg_temp.t('5 days 1 h')) AS g2 \gset
SELECT is(clr_pause(pg_temp.actor('officer'), true, pg_temp.t('5 days 1 h')),
    'forbidden', 'an officer may not pause dispatch');
SELECT is((SELECT paused FROM central_link), false, '... and did not');
SELECT is(clr_pause(pg_temp.actor('supervisor'), true,
    pg_temp.t('5 days 1 h')), 'ok', 'a supervisor may');
SELECT is((SELECT paused::text || '/' || (paused_by = pg_temp.actor('supervisor'))
    FROM central_link), 'true/true', '... the link says who paused it');
SELECT is(pg_temp.n('W', 10, pg_temp.t('5 days 1 h 10 s')), 0::bigint,
    'while paused nothing is claimed');
SELECT is((SELECT paused::text || '/' || coalesce(eta_seconds::text, 'none')
    FROM clr_status(pg_temp.t('5 days 1 h 10 s'))), 'true/none',
    'clr_status shows the pause and no eta');
SELECT is(clr_pause(pg_temp.actor('supervisor'), false,
    pg_temp.t('5 days 1 h 20 s')), 'ok', 'the supervisor lifts the pause');
SELECT is(pg_temp.n('W', 10, pg_temp.t('5 days 1 h 20 s')), 2::bigint,
    '... and the requests go again');
SELECT pg_temp.link_fail('W', '{}', pg_temp.t('5 days 1 h 30 s')) AS ignored,
    pg_temp.link_fail('W', '{}', pg_temp.t('5 days 1 h 31 s')) AS ignored2,
    pg_temp.link_fail('W', '{}', pg_temp.t('5 days 1 h 32 s')) AS ignored3 \gset
SELECT clr_pause(pg_temp.actor('supervisor'), true,
    pg_temp.t('5 days 1 h 33 s')) AS ignored \gset
SELECT is((SELECT state FROM central_link) || '/' ||
    pg_temp.n('W', 10, pg_temp.t('5 days 2 h')), 'open/0',
    'paused with the breaker open, no probe goes either');
SELECT clr_pause(pg_temp.actor('supervisor'), false,
    pg_temp.t('5 days 2 h')) AS ignored \gset
SELECT is(pg_temp.n('W', 10, pg_temp.t('5 days 2 h')), 1::bigint,
    '... until the pause is lifted');

-- 8. What the server's role may do ---------------------------------------
SELECT pg_temp.reset(pg_temp.t('5 days 3 h'));
SELECT pg_temp.req(pg_temp.t('5 days 3 h')) AS v1,
    pg_temp.t('5 days 3 h 10 s') AS tv,
    pg_temp.t('5 days 3 h 11 s') AS tv2 \gset
SET LOCAL ROLE kitas_app;
SELECT is((SELECT array_agg(outbox_id) FROM clr_claim('app', 10, :'tv')),
    ARRAY[:v1]::bigint[], 'the server''s role claims through clr_claim()');
SELECT is(clr_report('app', 'link', ARRAY[:v1]::bigint[], NULL, NULL, NULL,
    NULL, 'timeout', NULL, :'tv2'), 0,
    '... reports through clr_report()');
SELECT is((SELECT backlog::text || '/' || state || '/' || last_error
    FROM clr_status(:'tv2')), '1/closed/timeout',
    '... and reads clr_status()');
SELECT throws_ok($$ UPDATE central_link SET paused = true $$, '42501', NULL,
    'it cannot UPDATE central_link directly');
SELECT throws_ok($$ UPDATE central_policy SET rate = 1000 $$, '42501', NULL,
    'nor the policy');
SELECT throws_ok($$ UPDATE outbox SET status = 'done' $$, '42501', NULL,
    'nor the outbox');
SELECT throws_ok(format($$ SELECT clr_record(%s, 'clear', NULL, NULL, now(),
    'dispatch', now()) $$, :v1), '42501', NULL,
    'nor record a verdict past clr_report()');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
