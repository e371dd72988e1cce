-- Service levels: working days with holidays, the pauses (applicant,
-- outage), the compensation flag, processing times and the public view.
-- The clock is injected (p_now); event times are set where a test needs
-- a history that spans days.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(22);

-- Working days, in the office's zone (Asia/Jakarta, UTC+7).
INSERT INTO holidays VALUES ('2030-01-01', 'Tahun Baru');
SELECT is(sla_add_working_days('2029-12-28 15:00+07', 2, 'Asia/Jakarta'),
    '2030-01-03 00:00+07'::timestamptz,
    'Friday + 2 working days skips the weekend and New Year: due end of Wednesday');
SELECT is(sla_add_working_days('2029-12-24 09:00+07', 1, 'Asia/Jakarta'),
    '2029-12-26 00:00+07'::timestamptz,
    'Monday + 1 working day is due at the end of Tuesday');
SELECT is(sla_add_working_days('2029-12-29 10:00+07', 1, 'Asia/Jakarta'),
    '2030-01-01 00:00+07'::timestamptz,
    'a Saturday submission counts from the next working day (Monday)');
SELECT is(sla_add_working_days('2029-12-27 16:30+00', 1, 'Asia/Makassar'),
    '2030-01-01 00:00+08'::timestamptz,
    'the office''s own zone decides the day: already Friday in Denpasar');

-- A case with a history written by hand, days apart: submitted, more
-- information asked, answered, paid, biometrics, waiting for clearance.
SELECT pg_temp.t_case('draft', 'express') AS c \gset
SELECT pg_temp.actor('officer') AS officer \gset
CREATE TEMP TABLE t_hist (v integer, cmd text, f case_state, t case_state,
    at timestamptz);
INSERT INTO t_hist VALUES
	(2, 'submit', 'draft', 'submitted', now() - interval '10 days'),
	(3, 'request_info', 'submitted', 'more_info', now() - interval '9 days'),
	(4, 'provide_info', 'more_info', 'submitted', now() - interval '8 days'),
	(5, 'pay', 'submitted', 'paid', now() - interval '8 days' + interval '1 hour'),
	(6, 'record_biometrics', 'paid', 'biometrics_done', now() - interval '7 days'),
	(7, 'request_clearance', 'biometrics_done', 'awaiting_clearance',
	    now() - interval '7 days' + interval '1 hour');
INSERT INTO case_events (case_id, version, command, from_state, to_state,
    actor_id, actor_role, office_id, occurred_at)
SELECT :c, v, cmd, f, t, :officer, 'officer',
    (SELECT id FROM offices WHERE code = 'TAA'), at FROM t_hist ORDER BY v;
SELECT set_config('kitas.case_write', 'on', true) \g /dev/null
UPDATE cases SET state = 'awaiting_clearance', version = 7 WHERE id = :c;
SELECT set_config('kitas.case_write', 'off', true) \g /dev/null

SELECT is((SELECT started_at FROM case_sla_clock WHERE case_id = :c),
    now() - interval '10 days', 'the first submit starts the clock');
SELECT is((SELECT paused_applicant FROM case_sla(:c)), interval '1 day',
    'the day in more_info pauses the clock');
SELECT is((SELECT paused_outage FROM case_sla(:c)), interval '0',
    'no outage, no outage pause');
SELECT ok((SELECT overdue AND NOT missed_by_outage FROM case_sla(:c)),
    'an express case 10 days in is overdue, but not through an outage');

-- Two outage windows, one overlapping the wait, one before it.
INSERT INTO link_outages (started_at, ended_at, reason) VALUES
	(now() - interval '9 days', now() - interval '8 days 12 hours', 'before'),
	(now() - interval '6 days', now() - interval '4 days', 'cable cut');
SELECT is((SELECT paused_outage FROM case_sla(:c)), interval '2 days',
    'only the outage while the case waited for clearance pauses it');
SELECT is((SELECT due_at - nominal_due FROM case_sla(:c)),
    interval '3 days', 'due time moves by both pauses');
SELECT ok((SELECT missed_by_outage FROM case_sla(:c)),
    'the express case missed its due time with outage time on it');
SELECT is((SELECT outage_from FROM case_sla(:c)), now() - interval '6 days',
    'the window the case waited through is named');

-- An open outage counts up to p_now.
INSERT INTO link_outages (started_at, reason)
    VALUES (now() - interval '1 day', 'still down');
SELECT is((SELECT paused_outage FROM case_sla(:c, now())),
    interval '3 days', 'an outage still going counts up to now');

-- The flag: once, by housekeeping, for express cases only.
SELECT is(sla_flag_compensations(now()), 1, 'housekeeping flags the case');
SELECT is(sla_flag_compensations(now()), 0, '... once');
SELECT ok((SELECT reason LIKE '%express service missed its due time%'
    AND outage_seconds >= 2 * 86400 FROM compensations WHERE case_id = :c),
    'the flag carries the outage window as its reason');
SELECT ok((SELECT reason LIKE '%down ' || to_char((now() - interval '6 days')
    AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD HH24:MI') || ' to %' ||
    '(times in Asia/Jakarta)' FROM compensations WHERE case_id = :c),
    '... in the office''s time, saying which');

SELECT pg_temp.t_case('draft', 'regular') AS r \gset
INSERT INTO case_events (case_id, version, command, from_state, to_state,
    actor_id, actor_role, office_id, occurred_at)
SELECT :r, v, cmd, f, t, :officer, 'officer',
    (SELECT id FROM offices WHERE code = 'TAA'), at FROM t_hist ORDER BY v;
SELECT set_config('kitas.case_write', 'on', true) \g /dev/null
UPDATE cases SET state = 'awaiting_clearance', version = 7 WHERE id = :r;
SELECT set_config('kitas.case_write', 'off', true) \g /dev/null
SELECT is(sla_flag_compensations(now()), 0,
    'a regular case held by the same outage is not flagged');

-- The public view shows the flag and the queue only to the right person.
SELECT is((SELECT compensation FROM case_public_status(
    (SELECT reference FROM cases WHERE id = :c), 'TT1234567')), true,
    'the applicant sees the compensation flag');
SELECT is((SELECT link_state FROM case_public_status(
    (SELECT reference FROM cases WHERE id = :r), 'TT1234567')), 'closed',
    'a waiting case shows the link');
SELECT pg_temp.t_case('paid') AS paid \gset
SELECT is((SELECT link_state FROM case_public_status(
    (SELECT reference FROM cases WHERE id = :paid), 'TT1234567')), NULL,
    'a case not in the queue does not count the queue');

-- Processing times: from submission to issue.
SELECT pg_temp.t_case('draft') AS i \gset
INSERT INTO case_events (case_id, version, command, from_state, to_state,
    actor_id, actor_role, office_id, occurred_at)
VALUES (:i, 2, 'submit', 'draft', 'submitted', :officer, 'officer',
    (SELECT id FROM offices WHERE code = 'TAA'), now() - interval '6 days'),
    (:i, 3, 'issue', 'cleared', 'issued', :officer, 'officer',
    (SELECT id FROM offices WHERE code = 'TAA'), now() - interval '2 days');
SELECT is((SELECT median_days FROM processing_times()
    WHERE permit_kind = 'E23' AND level = 'regular'), 4.0,
    'processing time is submission to issue, in days');

SELECT * FROM finish();
ROLLBACK;
