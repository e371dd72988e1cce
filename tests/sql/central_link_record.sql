-- The central link, part two: what becomes of central's answers.  Verdicts
-- recorded with their case's transition, duplicates and late answers,
-- requests refused as bad and the incident they end in, asynchronous
-- verdicts by key, withdrawal while a request is out, the stale-watchlist
-- guard on issuing, the queue estimates and the accumulation alarm.  The
-- breaker and the bucket are in central_link.sql.
--
-- Time is driven through p_now only: the simulated clock runs from eight
-- days ago (pg_temp.t), because case_apply() refuses an occurred_at more
-- than 30 days old or in the future, and now() is fixed in a transaction.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

\ir central_fixtures.psql

CREATE FUNCTION pg_temp.case_of(p_outbox bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT case_id FROM outbox WHERE id = p_outbox $$;

-- A statement's result, or the SQLSTATE it failed with (so that a
-- failing check does not abort the rest of the file).
CREATE FUNCTION pg_temp.try(p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r	text;
BEGIN
	EXECUTE p_sql INTO r;
	RETURN r;
EXCEPTION WHEN others THEN
	RETURN 'error ' || SQLSTATE;
END
$$;

SELECT plan(91);

-- 1. An ok report with its verdicts --------------------------------------
SELECT pg_temp.reset(pg_temp.t('1 h'));
SELECT pg_temp.req(pg_temp.t('1 h')) AS a,
    pg_temp.req(pg_temp.t('1 h 1 s')) AS b,
    pg_temp.req(pg_temp.t('1 h 2 s')) AS c,
    pg_temp.req(pg_temp.t('1 h 3 s')) AS d \gset
SELECT is(pg_temp.ids('W', 10, pg_temp.t('1 h 10 s')),
    ARRAY[:a, :b, :c, :d]::bigint[], 'four requests go in one batch');
SELECT count(*) AS ev0 FROM case_events \gset
SELECT is(clr_report('W', 'ok', ARRAY[:a, :b, :c, :d]::bigint[],
    ARRAY['clear', 'hit', 'pending', NULL],
    ARRAY[NULL, 'REF-77', NULL, NULL],
    ARRAY[NULL, 'watchlist match', NULL, NULL],
    ARRAY[pg_temp.t('1 h 15 s'), pg_temp.t('1 h 15 s'),
    pg_temp.t('1 h 15 s'), NULL], NULL, NULL, pg_temp.t('1 h 20 s')), 3,
    'central answers clear, hit, pending, and nothing for the fourth');
SELECT is((SELECT k.state || '/' || o.status || '/' ||
    (o.finished_at = pg_temp.t('1 h 20 s')) || '/' || (o.lease_owner IS NULL)
    FROM outbox o JOIN cases k ON k.id = o.case_id WHERE o.id = :a),
    'cleared/done/true/true', 'clear: the case is cleared, the request done');
SELECT is((SELECT row(result, via, checked_at = pg_temp.t('1 h 15 s'),
    received_at = pg_temp.t('1 h 20 s'))::text FROM clearance_results
    WHERE outbox_id = :a), '(clear,dispatch,t,t)',
    '... and the verdict is kept, received via dispatch');
SELECT is((SELECT k.state || '/' || r.result || '/' || r.reference || '/' ||
    r.reason FROM outbox o JOIN cases k ON k.id = o.case_id
    JOIN clearance_results r ON r.outbox_id = o.id WHERE o.id = :b),
    'referred/hit/REF-77/watchlist match',
    'hit: the case is referred, with central''s reference');
SELECT is((SELECT e.command || '/' || e.actor_role || '/' ||
    (e.payload->>'reference') || '/' || (e.idem_key = 'clr-' || o.idem_key) ||
    '/' || (e.occurred_at = pg_temp.t('1 h 20 s'))
    FROM case_events e JOIN outbox o ON o.case_id = e.case_id
    WHERE o.id = :b ORDER BY e.id DESC LIMIT 1),
    'clearance_hit/system/REF-77/true/true',
    '... by the system account, keyed by the request, at p_now');
SELECT is((SELECT row(k.state, o.status, o.awaiting_async,
    o.next_attempt_at = pg_temp.t('1 day 1 h 20 s'), o.lease_owner IS NULL,
    (SELECT string_agg(r.result, ',') FROM clearance_results r
    WHERE r.outbox_id = o.id))::text
    FROM outbox o JOIN cases k ON k.id = o.case_id WHERE o.id = :c),
    '(awaiting_clearance,pending,t,t,t,pending)',
    'pending: the case waits, the request awaits the asynchronous verdict '
    'until pending_recheck');
SELECT is((SELECT row(k.state, o.status, o.lease_owner IS NULL, o.attempts,
    o.bad_answers, o.solo, o.awaiting_async,
    o.next_attempt_at = pg_temp.t('1 h 3 s'),
    (SELECT count(*) FROM clearance_results r WHERE r.outbox_id = o.id))::text
    FROM outbox o JOIN cases k ON k.id = o.case_id WHERE o.id = :d),
    '(awaiting_clearance,pending,t,1,0,f,f,t,0)',
    'no verdict: the request is only released');
SELECT is((SELECT count(*) FROM case_events), :ev0 + 2::bigint,
    'two transitions were recorded');
SELECT is(pg_temp.ids('W2', 10, pg_temp.t('1 h 21 s')), ARRAY[:d]::bigint[],
    'the released request goes again, the pending one does not');
SELECT count(*) AS ev1 FROM case_events \gset
SELECT is(clr_report('W', 'ok', ARRAY[:a, :b]::bigint[], '{clear,hit}',
    '{NULL,REF-77}', '{NULL,watchlist match}',
    ARRAY[pg_temp.t('1 h 15 s'), pg_temp.t('1 h 15 s')], NULL, NULL,
    pg_temp.t('1 h 30 s')), 0, 'the same report again records nothing');
SELECT is((SELECT count(*) FROM case_events), :ev1::bigint,
    '... appends no event');
SELECT is((SELECT count(*) FROM clearance_results
    WHERE outbox_id IN (:a, :b)), 2::bigint, '... and no second verdict');
SELECT is(clr_report('W', 'ok', ARRAY[:a]::bigint[], '{hit}', '{REF-78}',
    NULL, ARRAY[pg_temp.t('1 h 31 s')], NULL, NULL, pg_temp.t('1 h 32 s')),
    0, 'a late different verdict for a finished request is not recorded');
SELECT is((SELECT state::text FROM cases WHERE id = pg_temp.case_of(:a)),
    'cleared', '... and does not touch the case');
SELECT ok(:c = ANY (pg_temp.ids('W3', 10, pg_temp.t('1 day 1 h 20 s'))),
    'after pending_recheck the pending request is asked again');

-- 2. Requests central refuses as bad -------------------------------------
SELECT pg_temp.reset(pg_temp.t('2 h'));
SELECT pg_temp.req(pg_temp.t('2 h')) AS z1,
    pg_temp.req(pg_temp.t('2 h 1 s')) AS z1b \gset
SELECT is(clr_report('W', 'rejected', pg_temp.ids('W', 10,
    pg_temp.t('2 h 10 s')), NULL, NULL, NULL, NULL, 'HTTP 400: schema', NULL,
    pg_temp.t('2 h 11 s')), 0, 'central refuses a batch of two as bad');
SELECT is((SELECT string_agg(row(status, bad_answers, solo,
    lease_owner IS NULL)::text, ' ' ORDER BY id) FROM outbox
    WHERE id IN (:z1, :z1b)), '(pending,1,t,t) (pending,1,t,t)',
    '... one bad answer each, and next time each goes alone');
SELECT is((SELECT state || '/' || failures FROM central_link), 'closed/0',
    'a bad request says nothing against the link');
SELECT pg_temp.req(pg_temp.t('1 h'), 'express') AS z2,
    pg_temp.req(pg_temp.t('1 h')) AS z3 \gset
SELECT is(pg_temp.ids('W', 10, pg_temp.t('2 h 20 s')), ARRAY[:z1]::bigint[],
    'the next claim takes the older alone, before older and express requests');
SELECT clr_report('W', 'rejected', ARRAY[:z1]::bigint[], NULL, NULL, NULL,
    NULL, 'HTTP 400: schema', NULL, pg_temp.t('2 h 21 s')) AS ignored \gset
SELECT is(pg_temp.ids('W', 10, pg_temp.t('2 h 30 s')), ARRAY[:z1]::bigint[],
    '... and again after a second refusal');
SELECT clr_report('W', 'rejected', ARRAY[:z1]::bigint[], NULL, NULL, NULL,
    NULL, 'HTTP 400: schema', NULL, pg_temp.t('2 h 31 s')) AS ignored \gset
SELECT is((SELECT status || '/' || bad_answers || '/' || (lease_owner IS NULL)
    FROM outbox WHERE id = :z1), 'dead/3/true',
    'at bad_answer_limit the request is dead');
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'retries_exhausted' AND
    case_id = pg_temp.case_of(:z1) AND resolved_at IS NULL), 1::bigint,
    '... and exactly one incident is open for its case');
SELECT ok((SELECT i.args = '{"n": 3}' AND i.detail = 'HTTP 400: schema'
    AND i.office_id = k.office_id AND i.opened_at = pg_temp.t('2 h 31 s')
    FROM incidents i JOIN cases k ON k.id = i.case_id
    WHERE i.case_id = pg_temp.case_of(:z1)),
    '... with the count and the error as central gave it');
SELECT is((SELECT state::text || '/' || version FROM cases
    WHERE id = pg_temp.case_of(:z1)), 'awaiting_clearance/2',
    'the case stays where it is');
SELECT is(pg_temp.ids('W', 10, pg_temp.t('2 h 35 s')), ARRAY[:z1b]::bigint[],
    'then the other refused one, alone too');
SELECT clr_report('W', 'ok', ARRAY[:z1b]::bigint[], '{clear}', NULL, NULL,
    ARRAY[pg_temp.t('2 h 36 s')], NULL, NULL, pg_temp.t('2 h 36 s'))
    AS ignored \gset
SELECT is(pg_temp.ids('W', 10, pg_temp.t('2 h 40 s')),
    ARRAY[:z2, :z3]::bigint[], 'the other requests go as a batch again');
SELECT clr_report('W', 'ok', ARRAY[:z2, :z3]::bigint[], '{clear,clear}',
    NULL, NULL, ARRAY[pg_temp.t('2 h 45 s'), pg_temp.t('2 h 45 s')], NULL,
    NULL, pg_temp.t('2 h 45 s')) AS ignored \gset
-- The incident still open, an operator queues the case again by hand (no
-- command does) and central refuses that request as often.
INSERT INTO outbox (case_id, kind, created_at, next_attempt_at)
    VALUES (pg_temp.case_of(:z1), 'clearance', pg_temp.t('2 h 50 s'),
    pg_temp.t('2 h 50 s'));
DO $$
BEGIN
	FOR i IN 1..3 LOOP
		PERFORM clr_report('W', 'rejected', pg_temp.ids('W', 10,
		    pg_temp.t('3 h') + i * interval '2 min'), NULL, NULL, NULL,
		    NULL, 'HTTP 400: schema', NULL,
		    pg_temp.t('3 h 1 min') + i * interval '2 min');
	END LOOP;
END
$$;
SELECT is((SELECT string_agg(status, ',' ORDER BY id) FROM outbox
    WHERE case_id = pg_temp.case_of(:z1)), 'dead,dead',
    'a second request of the case runs out too');
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'retries_exhausted' AND
    case_id = pg_temp.case_of(:z1)), 1::bigint,
    '... and joins the open incident instead of a second one');

-- 3. Asynchronous verdicts by key ----------------------------------------
SELECT pg_temp.reset(pg_temp.t('3 h'));
SELECT pg_temp.req(pg_temp.t('3 h')) AS q1,
    pg_temp.req(pg_temp.t('3 h 1 s')) AS q2 \gset
SELECT clr_report('W', 'ok', pg_temp.ids('W', 10, pg_temp.t('3 h 10 s')),
    '{pending,pending}', NULL, NULL,
    ARRAY[pg_temp.t('3 h 10 s'), pg_temp.t('3 h 10 s')], NULL, NULL,
    pg_temp.t('3 h 11 s')) AS ignored \gset
SELECT idem_key AS kq1 FROM outbox WHERE id = :q1 \gset
SELECT idem_key AS kq2 FROM outbox WHERE id = :q2 \gset
SELECT is(clr_resolve(:'kq1', 'clear', NULL, NULL, pg_temp.t('3 h 30 min'),
    pg_temp.t('3 h 31 min')), 'ok',
    'the asynchronous clear resolves a pending request');
SELECT is((SELECT k.state || '/' || o.status || '/' || o.awaiting_async
    FROM outbox o JOIN cases k ON k.id = o.case_id WHERE o.id = :q1),
    'cleared/done/false', '... the case is cleared, the request done');
SELECT is((SELECT via || '/' || (checked_at = pg_temp.t('3 h 30 min'))
    FROM clearance_results WHERE outbox_id = :q1 AND result <> 'pending'),
    'exchange/true', '... the verdict kept, received via the exchange');
SELECT count(*) AS ev2 FROM case_events \gset
SELECT is(clr_resolve(:'kq1', 'clear', NULL, NULL, pg_temp.t('3 h 30 min'),
    pg_temp.t('3 h 40 min')), 'duplicate',
    'the same message again is a duplicate');
SELECT is(clr_resolve(:'kq1', 'hit', 'REF-9', NULL, pg_temp.t('3 h 45 min'),
    pg_temp.t('3 h 46 min')), 'conflict',
    'a different verdict afterwards is a conflict');
SELECT is((SELECT count(*) - :ev2 FROM case_events)::text || '/' ||
    (SELECT count(*) FROM clearance_results WHERE outbox_id = :q1 AND
    result <> 'pending') || '/' ||
    (SELECT state FROM cases WHERE id = pg_temp.case_of(:q1)), '0/1/cleared',
    '... neither of them changes anything');
SELECT is(clr_resolve(gen_random_uuid(), 'clear', NULL, NULL,
    pg_temp.t('3 h 50 min'), pg_temp.t('3 h 50 min')), 'not_found',
    'an unknown key is not_found');
SELECT is(clr_resolve(:'kq2', 'pending', NULL, NULL, pg_temp.t('3 h 50 min'),
    pg_temp.t('3 h 50 min')), 'invalid_input',
    '"pending" is no verdict to resolve with');
-- NULL NOT IN (...) is NULL: a missing result must still be caught
-- before clr_record() (whose insert would fail on it).
SELECT is(pg_temp.try(format($$ SELECT clr_resolve(%L, NULL, NULL, NULL,
    now(), now()) $$, :'kq2')), 'invalid_input',
    'a missing result is invalid_input too');
SELECT is((SELECT o.status || '/' ||
    (SELECT count(*) FROM clearance_results r WHERE r.outbox_id = o.id)
    FROM outbox o WHERE o.id = :q2), 'pending/1',
    '... and they leave the request alone');
SELECT is(clr_resolve(:'kq2', 'hit', 'REF-10', 'match',
    pg_temp.t('3 h 55 min'), pg_temp.t('3 h 56 min')), 'ok',
    'an asynchronous hit resolves it');
SELECT is((SELECT state::text FROM cases WHERE id = pg_temp.case_of(:q2)),
    'referred', '... the case is referred');

-- 4. Withdrawn while a request is out ------------------------------------
SELECT pg_temp.reset(pg_temp.t('4 h'));
SELECT pg_temp.req(pg_temp.t('4 h')) AS w1,
    pg_temp.req(pg_temp.t('4 h 1 s')) AS w2 \gset
SELECT pg_temp.ids('W', 10, pg_temp.t('4 h 10 s')) AS ignored \gset
SELECT clr_report('W', 'ok', ARRAY[:w2]::bigint[], '{pending}', NULL, NULL,
    ARRAY[pg_temp.t('4 h 11 s')], NULL, NULL, pg_temp.t('4 h 11 s'))
    AS ignored \gset
SELECT idem_key AS kw2 FROM outbox WHERE id = :w2 \gset
SELECT is((case_apply(pg_temp.actor('applicant'), pg_temp.case_of(:w1),
    'withdraw', 2, NULL)).code, 'ok',
    'an applicant withdraws while the request is in flight');
SELECT is((case_apply(pg_temp.actor('applicant'), pg_temp.case_of(:w2),
    'withdraw', 2, NULL)).code, 'ok',
    '... another while central''s verdict is pending');
SELECT is((SELECT string_agg(status || '/' || (lease_owner IS NULL), ','
    ORDER BY id) FROM outbox WHERE id IN (:w1, :w2)),
    'cancelled/true,cancelled/true', 'both requests are cancelled');
SELECT is(pg_temp.n('V', 10, pg_temp.t('2 days')), 0::bigint,
    '... and never claimed again');
SELECT is(clr_report('W', 'ok', ARRAY[:w1]::bigint[], '{clear}', NULL, NULL,
    ARRAY[pg_temp.t('4 h 20 s')], NULL, NULL, pg_temp.t('4 h 21 s')), 0,
    'the late answer for the one in flight is not recorded');
SELECT isnt(clr_resolve(:'kw2', 'hit', 'REF-11', NULL, pg_temp.t('4 h 30 s'),
    pg_temp.t('4 h 30 s')), 'ok', 'nor the late asynchronous verdict');
SELECT is((SELECT string_agg(k.state::text, ',' ORDER BY o.id) FROM outbox o
    JOIN cases k ON k.id = o.case_id WHERE o.id IN (:w1, :w2)),
    'withdrawn,withdrawn', '... both cases stay withdrawn');
SELECT is((SELECT count(*) FROM clearance_results WHERE outbox_id IN
    (:w1, :w2) AND result <> 'pending'), 0::bigint,
    '... and no verdict is kept for them');

-- 5. The stale-watchlist guard on issuing (on the real clock) ------------
SELECT pg_temp.reset(now() - interval '1 minute');
SELECT pg_temp.t_case('cleared') AS s1 \gset
UPDATE clearance_results SET checked_at = now() - interval '31 days'
    WHERE case_id = :s1;
SELECT is((case_apply(pg_temp.actor('officer'), :s1, 'issue', 1, NULL)).code,
    'clearance_stale',
    'issuing on a verdict older than clearance_max_age is clearance_stale');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :s1),
    'awaiting_clearance/2', '... the case went back to awaiting_clearance');
SELECT is((SELECT command || '/' || actor_role FROM case_events
    WHERE case_id = :s1 ORDER BY id DESC LIMIT 1), 'refresh_clearance/system',
    '... by the system account');
SELECT is((SELECT count(*)::text || '/' || min(priority) FROM outbox
    WHERE case_id = :s1 AND status = 'pending'), '1/100',
    '... with a new clearance request');
SELECT is(clr_resolve((SELECT idem_key FROM outbox WHERE case_id = :s1 AND
    status = 'pending'), 'clear', NULL, NULL, now()), 'ok',
    'central clears the case again');
SELECT is((case_apply(pg_temp.actor('officer'), :s1, 'issue', 3, NULL)).code,
    'ok', 'with the fresh verdict the permit is issued');
SELECT pg_temp.t_case('cleared') AS s2 \gset
UPDATE clearance_results SET checked_at = now() - interval '29 days'
    WHERE case_id = :s2;
SELECT is((case_apply(pg_temp.actor('officer'), :s2, 'issue', 1, NULL)).code,
    'ok', 'a verdict within clearance_max_age is fresh enough');
UPDATE central_policy SET clearance_max_age = '7 days';
SELECT pg_temp.t_case('cleared') AS s3 \gset
UPDATE clearance_results SET checked_at = now() - interval '8 days'
    WHERE case_id = :s3;
SELECT is((case_apply(pg_temp.actor('supervisor'), :s3, 'issue', 1,
    NULL)).code, 'clearance_stale',
    'clearance_max_age is the policy''s at issue time, for supervisors too');

-- 6. Where the queue stands: clr_status and clr_case_eta ------------------
SELECT pg_temp.reset(pg_temp.t('1 day'));
UPDATE central_policy SET rate = 0.5;
SELECT pg_temp.req(pg_temp.t('23 h 55 min')) AS r1,
    pg_temp.req(pg_temp.t('23 h 56 min 40 s')) AS r2,
    pg_temp.req(pg_temp.t('23 h 58 min 20 s'), 'express') AS e1,
    pg_temp.req(pg_temp.t('23 h 59 min 10 s'), 'express') AS e2,
    pg_temp.req(pg_temp.t('23 h 40 min')) AS qa \gset
-- Queued in the same instant as r2, but after it.
SELECT pg_temp.req(pg_temp.t('23 h 56 min 40 s')) AS r3 \gset
-- The oldest one waits for the exchange's verdict, not for the link.
UPDATE outbox SET awaiting_async = true, next_attempt_at = pg_temp.t('2 days')
    WHERE id = :qa;
SELECT is((SELECT row(state, backlog, oldest_seconds)::text
    FROM clr_status(pg_temp.t('1 day'))), '(closed,5,300)',
    'the backlog is what waits to be sent, the oldest of it 300 s');
SELECT is((SELECT row(allowed_rate, eta_seconds)::text
    FROM clr_status(pg_temp.t('1 day'))), '(0.50,10)',
    'with the link closed the eta is ceil(backlog / rate)');
SELECT is((SELECT array_agg(e.ahead ORDER BY v.ord) FROM (VALUES
    (1, pg_temp.case_of(:e1)), (2, pg_temp.case_of(:e2)),
    (3, pg_temp.case_of(:r1)), (4, pg_temp.case_of(:r2)),
    (5, pg_temp.case_of(:r3))) AS v(ord, cid),
    clr_case_eta(v.cid, pg_temp.t('1 day')) AS e),
    ARRAY[0, 1, 2, 3, 4]::bigint[],
    'clr_case_eta: express before regular, then oldest (of two as old, the '
    'one queued first), ahead of a case');
SELECT is((SELECT array_agg(e.eta_seconds ORDER BY v.ord) FROM (VALUES
    (1, pg_temp.case_of(:e1)), (2, pg_temp.case_of(:e2)),
    (3, pg_temp.case_of(:r1)), (4, pg_temp.case_of(:r2)),
    (5, pg_temp.case_of(:r3))) AS v(ord, cid),
    clr_case_eta(v.cid, pg_temp.t('1 day')) AS e), ARRAY[2, 4, 6, 8, 10],
    '... and its eta is ceil((ahead + 1) / rate)');
SELECT is((SELECT row(e.ahead, e.ahead_more, e.eta_seconds)::text
    FROM clr_case_eta(pg_temp.case_of(:r3), pg_temp.t('1 day'), 3) AS e),
    '(3,t,8)', 'counted up to the cap only: more than 3 ahead, more than 8 s');
SELECT is((SELECT row(e.ahead, e.ahead_more)::text
    FROM clr_case_eta(pg_temp.case_of(:r2), pg_temp.t('1 day'), 3) AS e),
    '(3,f)', 'exactly the cap ahead is exact, not "more than"');
SELECT is((SELECT row(e.ahead, e.ahead_more)::text
    FROM clr_case_eta(pg_temp.case_of(:r2), pg_temp.t('1 day'), 4) AS e),
    '(3,f)', 'under the cap the count is exact');
SELECT is((SELECT count(*) FROM clr_case_eta(pg_temp.case_of(:qa),
    pg_temp.t('1 day'))), 0::bigint,
    'a request awaiting the exchange is not in the queue');
-- Central answered only 0.1 a second through the last five minutes,
-- with requests waiting all along: the estimates believe what it did.
SELECT date_trunc('minute', pg_temp.t('1 day 5 min')) AS m0 \gset
INSERT INTO link_samples (at, state, backlog, oldest_seconds, answered)
    SELECT :'m0'::timestamptz + g * interval '1 minute', 'closed', 5,
    600, 6 FROM generate_series(1, 5) g;
SELECT is((SELECT row(allowed_rate, eta_seconds)::text
    FROM clr_status(:'m0'::timestamptz + interval '5 min 30 s')), '(0.50,50)',
    'central slower than allowed: the eta counts at the observed rate');
SELECT is((SELECT eta_seconds FROM clr_case_eta(pg_temp.case_of(:r3),
    :'m0'::timestamptz + interval '5 min 30 s')), 50,
    '... and so does a case''s own');
SELECT is((SELECT eta_seconds FROM clr_case_eta(pg_temp.case_of(:r3),
    :'m0'::timestamptz + interval '6 min 30 s')), 10,
    'four minutes of samples (the fifth not written yet) are not enough: the allowed rate');
DELETE FROM link_samples WHERE at > :'m0';
UPDATE central_link SET state = 'open', next_probe_at = pg_temp.t('1 day 1 h');
SELECT is((SELECT row(e.ahead, e.eta_seconds, e.after_recovery)::text
    FROM clr_case_eta(pg_temp.case_of(:r3), pg_temp.t('1 day')) AS e),
    '(4,,38)', 'while the link is down: no eta, only how long after '
    'recovery, up the ramp: 5 requests from 0.05/s climbing take 37.3 s');
SELECT is((SELECT clr_ramp_seconds(p, 127.5) FROM central_policy p), 300::numeric,
    'a queue longer than the ramp carries: 100 s of ramp (27.5 sent), '
    'then 100 at 0.5/s');
SELECT is((SELECT eta_seconds FROM clr_status(pg_temp.t('1 day'))), NULL::integer,
    '... and clr_status has no eta');

-- 7. Housekeeping: the accumulation alarm and the samples ----------------
SELECT pg_temp.reset(pg_temp.t('2 days'));
SELECT date_trunc('minute', pg_temp.t('2 days')) AS hk \gset
UPDATE central_policy SET alarm_backlog = 3;
SELECT pg_temp.req(:'hk'::timestamptz - interval '1 min') AS h1,
    pg_temp.req(:'hk'::timestamptz - interval '1 min') AS h2 \gset
SELECT clr_housekeeping(:'hk') AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'accumulation' AND
    resolved_at IS NULL), 0::bigint, 'below alarm_backlog there is no alarm');
SELECT pg_temp.req(:'hk'::timestamptz) AS h3 \gset
SELECT clr_housekeeping(:'hk'::timestamptz + interval '1 min') AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'accumulation' AND
    resolved_at IS NULL), 1::bigint, 'at alarm_backlog the alarm opens');
SELECT is((SELECT alarm FROM clr_status(:'hk'::timestamptz + interval '1 min')),
    true, '... clr_status shows it');
SELECT clr_housekeeping(:'hk'::timestamptz + interval '2 min') AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'accumulation' AND
    opened_at >= :'hk'), 1::bigint, 'only one alarm is open at a time');
SELECT clr_report('W', 'ok', pg_temp.ids('W', 1,
    :'hk'::timestamptz + interval '2 min 10 s'), '{clear}', NULL, NULL,
    ARRAY[:'hk'::timestamptz + interval '2 min 10 s'], NULL, NULL,
    :'hk'::timestamptz + interval '2 min 11 s') AS ignored \gset
SELECT clr_housekeeping(:'hk'::timestamptz + interval '3 min') AS ignored \gset
SELECT is((SELECT resolved_at FROM incidents WHERE kind = 'accumulation' AND
    opened_at >= :'hk'), :'hk'::timestamptz + interval '3 min',
    'when the backlog drops below it the alarm is resolved');
SELECT is((SELECT row(state, backlog, oldest_seconds, answered)::text
    FROM link_samples WHERE at = :'hk'::timestamptz + interval '1 min'),
    '(closed,3,120,0)', 'each minute leaves a sample');
SELECT is((SELECT row(backlog, answered)::text FROM link_samples
    WHERE at = :'hk'::timestamptz + interval '3 min'), '(2,1)',
    '... counting the verdicts of the minute before');
UPDATE central_policy SET alarm_backlog = 500;
SELECT pg_temp.req(:'hk'::timestamptz - interval '2 days') AS h4 \gset
SELECT clr_housekeeping(:'hk'::timestamptz + interval '4 min') AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'accumulation' AND
    resolved_at IS NULL), 1::bigint,
    'a request waiting longer than alarm_oldest raises the alarm too');
SELECT is((SELECT answered FROM link_samples
    WHERE at = :'hk'::timestamptz + interval '4 min'), 0,
    'a sample counts the verdicts of its minute before only');

-- A "pending" that never becomes a verdict is a supervisor's to chase.
SELECT pg_temp.reset(:'hk'::timestamptz + interval '5 min');
SELECT pg_temp.req(:'hk'::timestamptz + interval '5 min') AS v1 \gset
SELECT clr_report('V', 'ok', pg_temp.ids('V', 10, :'hk'::timestamptz +
    interval '6 min'), '{pending}', NULL, NULL,
    ARRAY[:'hk'::timestamptz + interval '6 min'], NULL, NULL,
    :'hk'::timestamptz + interval '6 min 30 s') AS ignored \gset
SELECT clr_housekeeping(:'hk'::timestamptz + interval '7 min 5 s')
    AS ignored \gset
SELECT is((SELECT answered FROM link_samples
    WHERE at = :'hk'::timestamptz + interval '7 min'), 1,
    'a pending answer counts in the drain: its request left the queue');
SELECT clr_housekeeping(:'hk'::timestamptz + interval '6 days')
    AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'verdict_overdue'),
    0::bigint, 'six days after "pending" nobody is alarmed yet');
SELECT clr_housekeeping(:'hk'::timestamptz + interval '7 days 7 min')
    AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'verdict_overdue' AND
    case_id = pg_temp.case_of(:v1) AND resolved_at IS NULL), 1::bigint,
    'after verdict_overdue an incident names the case');
SELECT clr_housekeeping(:'hk'::timestamptz + interval '7 days 8 min')
    AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'verdict_overdue'),
    1::bigint, '... once');
UPDATE incidents SET resolved_at = :'hk'::timestamptz + interval '7 days 8 min'
    WHERE kind = 'verdict_overdue';
SELECT clr_housekeeping(:'hk'::timestamptz + interval '7 days 9 min')
    AS ignored \gset
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'verdict_overdue'),
    1::bigint, 'a supervisor resolved it (they chase central): not again');
UPDATE incidents SET resolved_at = NULL WHERE kind = 'verdict_overdue';
SELECT is(clr_resolve((SELECT idem_key FROM outbox WHERE id = :v1), 'clear',
    NULL, NULL, :'hk'::timestamptz + interval '7 days 9 min',
    :'hk'::timestamptz + interval '7 days 10 min'), 'ok',
    'the verdict comes through the exchange at last');
SELECT is((SELECT resolved_at FROM incidents WHERE kind = 'verdict_overdue'),
    :'hk'::timestamptz + interval '7 days 10 min',
    '... and resolves the incident');

-- 8. Bad arguments -------------------------------------------------------
SELECT pg_temp.reset(pg_temp.t('3 days'));
SELECT throws_ok($$ SELECT clr_report('W', 'maybe', '{}', NULL, NULL, NULL,
    NULL, NULL, NULL, now()) $$, '22023', 'clr_report: bad arguments',
    'clr_report refuses an unknown outcome');
SELECT throws_ok($$ SELECT * FROM clr_claim('W', 0, now()) $$, '22023',
    'clr_claim: bad arguments', 'clr_claim refuses a batch of none');
UPDATE central_link SET state = 'open', opens = 1,
    next_probe_at = pg_temp.t('3 days 1 h');
INSERT INTO link_outages (started_at, reason)
    VALUES (pg_temp.t('3 days'), 'test outage');
-- NULL NOT IN (...) is NULL: a missing outcome must not slip past the
-- argument check and be taken for a successful answer (clr_link_ok()).
SELECT throws_ok(format($$ SELECT clr_report('W', NULL, '{}', NULL, NULL,
    NULL, NULL, NULL, NULL, %L) $$, pg_temp.t('3 days 1 min')), '22023',
    'clr_report: bad arguments', 'clr_report refuses a missing outcome');
SELECT is((SELECT state FROM central_link), 'open',
    '... which says nothing about the link');

SELECT * FROM finish();
ROLLBACK;
