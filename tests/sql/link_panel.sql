-- The central-link panel of the back office: the page model (staff only,
-- the office's incidents and compensations), the charts' buckets, the
-- supervisor's commands (pause with a reason, resume, acknowledge and
-- resolve an incident) with their audit rows, and the compensation CSV
-- with its quoting and formula guard.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(60);

SELECT pg_temp.sessions('officer', 'supervisor', 'officer_b', 'applicant');

-- One value of the page model of p_name's session.
CREATE FUNCTION pg_temp.m(p_name text, p_path text) RETURNS text
LANGUAGE sql AS $$
	SELECT (xpath(p_path, office_link_xml(pg_temp.sess(p_name))))[1]::text
$$;

CREATE FUNCTION pg_temp.cmd(p_name text, p_action text,
    p_reason text DEFAULT NULL, p_incident bigint DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
	SELECT office_link_command(pg_temp.sess(p_name), p_action, p_reason,
	    p_incident)
$$;

CREATE FUNCTION pg_temp.audits(p_action text) RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM audit_log WHERE action = p_action $$;

-------------------------------------------------------------------------
-- 1. Who sees the panel.
-------------------------------------------------------------------------
SELECT ok(office_link_xml(pg_temp.sess('applicant')) IS NULL,
    'an applicant gets no panel');
SELECT ok(office_link_xml(sha256('nobody'::bytea)) IS NULL,
    'no session, no panel');
SELECT is(pg_temp.m('officer', '/link/@role'), 'officer',
    'an officer gets the panel, marked read-only by role');
SELECT is(pg_temp.m('supervisor', '/link/@office'), 'TAA',
    'a supervisor gets it for their office');

-------------------------------------------------------------------------
-- 2. The link down, with a backlog and an outage window.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('awaiting_clearance', 'express') AS c1 \gset
SELECT reference AS ref1 FROM cases WHERE id = :c1 \gset
UPDATE outbox SET status = 'cancelled' WHERE status = 'pending';
INSERT INTO outbox (case_id, kind, priority, created_at)
    VALUES (:c1, 'clearance', 10, now() - interval '3 hours');
UPDATE central_link SET state = 'open', state_since = now() - interval '2 hours',
    next_probe_at = now() + interval '1 minute';
INSERT INTO link_outages (started_at, reason)
    VALUES (now() - interval '2 hours', 'test: connection refused');

SELECT is(pg_temp.m('officer', '/link/@state'), 'open',
    'the panel says the breaker is open');
SELECT is(pg_temp.m('officer', '/link/@backlog'), '1',
    '... with the backlog');
SELECT is(pg_temp.m('officer', '/link/oldest/@ref'), :'ref1',
    '... and the office''s oldest waiting case');
SELECT ok(pg_temp.m('officer', '/link/@outage-since') IS NOT NULL,
    '... and since when the outage runs');
SELECT is(pg_temp.m('officer', '/link/@eta-seconds'), NULL,
    '... and no estimate while nothing can be sent');
SELECT is(pg_temp.m('officer_b', '/link/oldest/@ref'), NULL,
    'another office''s staff do not see the case as theirs');

-------------------------------------------------------------------------
-- 3. The charts: buckets from link_samples.
-------------------------------------------------------------------------
DELETE FROM link_samples;
INSERT INTO link_samples (at, state, backlog, oldest_seconds, answered)
VALUES (now() - interval '30 minutes', 'open', 7, 600, 0),
    (now() - interval '90 minutes', 'closed', 3, 60, 120),
    (now() - interval '3 days', 'closed', 9, 60, 30),
    (now() - interval '9 days', 'closed', 99, 60, 30);
SELECT is(pg_temp.m('officer', 'count(/link/chart[@name="day"]/b)'), '24',
    'the day chart has 24 hourly buckets');
SELECT is(pg_temp.m('officer', 'count(/link/chart[@name="week"]/b)'), '28',
    'the week chart has 28 six-hour buckets');
SELECT is(pg_temp.m('officer', '/link/chart[@name="day"]/@max-backlog'), '7',
    'the day chart scales to the highest backlog of the day');
SELECT is(pg_temp.m('officer', '/link/chart[@name="week"]/@max-backlog'), '9',
    'the week chart scales to the week''s, not older samples');
SELECT is(pg_temp.m('officer',
    '/link/chart[@name="day"]/b[@rate="2.00"]/@backlog'), '3',
    'a bucket''s drain rate is its verdicts per second sampled');
SELECT is(pg_temp.m('officer', 'count(/link/chart[@name="day"]/b[@backlog])'),
    '2', 'buckets without samples carry no values');

-------------------------------------------------------------------------
-- 4. Pause and resume: supervisors only, a reason to pause, audited.
-------------------------------------------------------------------------
SELECT is(pg_temp.cmd('officer', 'pause', 'central asked'), 'forbidden',
    'an officer cannot pause');
SELECT is((SELECT paused FROM central_link), false, '... nothing changed');
SELECT is(pg_temp.cmd('applicant', 'resume'), 'forbidden',
    'an applicant cannot resume');
SELECT is(pg_temp.cmd('supervisor', 'pause', '   '), 'reason_required',
    'pausing needs a reason');
SELECT is(pg_temp.cmd('supervisor', 'pause', E'bad\x01reason'),
    'reason_required', '... without control characters');
SELECT is(pg_temp.cmd('supervisor', 'explode'), 'invalid_input',
    'an unknown action is invalid');
SELECT is(pg_temp.cmd('supervisor', 'pause', 'Central asked us to wait'),
    'ok', 'a supervisor pauses with a reason');
SELECT is((SELECT paused FROM clr_status()), true,
    '... clr_status() says paused');
SELECT is((SELECT detail->>'reason' FROM audit_log
    WHERE action = 'link_pause' AND account_id = pg_temp.actor('supervisor')),
    'Central asked us to wait', '... recorded in the audit log with the reason');
SELECT is(pg_temp.m('officer', '/link/@paused-reason'),
    'Central asked us to wait', '... and everyone reads the reason');
SELECT is(pg_temp.cmd('supervisor', 'pause', 'again'), 'ok',
    'pausing again is fine');
SELECT is(pg_temp.audits('link_pause'), 1::bigint,
    '... and records nothing again');
SELECT is(pg_temp.cmd('supervisor', 'resume'), 'ok', 'a supervisor resumes');
SELECT is((SELECT paused FROM clr_status()), false, '... dispatch goes on');
SELECT is(pg_temp.audits('link_resume'), 1::bigint, '... audited');

-------------------------------------------------------------------------
-- 5. Incidents: the office's and the global ones.
-------------------------------------------------------------------------
INSERT INTO incidents (kind, case_id, office_id, detail, opened_at)
VALUES ('retries_exhausted', :c1, (SELECT office_id FROM cases WHERE id = :c1),
    'central refused it', now() - interval '1 hour'),
    ('retries_exhausted', NULL, (SELECT id FROM offices WHERE code = 'TBB'),
    'TBB''s own', now()),
    ('accumulation', NULL, NULL, 'backlog', now());
SELECT id AS inc_a FROM incidents WHERE case_id = :c1 \gset
SELECT id AS inc_b FROM incidents WHERE detail = 'TBB''s own' \gset

SELECT is(pg_temp.m('officer', 'count(/link/incident)'), '2',
    'staff see their office''s incidents and the global ones');
SELECT is(pg_temp.m('officer_b', 'count(/link/incident[@global="true"])'), '1',
    'the accumulation alarm is everyone''s');
SELECT is(pg_temp.m('officer_b', 'count(/link/incident)'), '2',
    '... so does the other office, its own');
SELECT is(pg_temp.cmd('supervisor', 'acknowledge', NULL, :inc_b), 'not_found',
    'another office''s incident cannot be touched');
SELECT is(pg_temp.cmd('supervisor', 'acknowledge'), 'invalid_input',
    'acknowledging needs an incident');
SELECT is(pg_temp.cmd('officer', 'resolve', NULL, :inc_a), 'forbidden',
    'an officer cannot resolve');
SELECT is(pg_temp.cmd('supervisor', 'acknowledge', NULL, :inc_a), 'ok',
    'a supervisor acknowledges');
SELECT is(pg_temp.m('officer', '/link/incident[@id=' || :inc_a ||
    ']/@acknowledged-by'), 'supervisor', '... and everyone sees who');
SELECT is(pg_temp.cmd('supervisor', 'resolve', NULL, :inc_a), 'ok',
    '... and resolves it');
SELECT is((SELECT resolved_by FROM incidents WHERE id = :inc_a),
    pg_temp.actor('supervisor'), '... recorded on the incident');
SELECT is(pg_temp.audits('incident_resolve'), 1::bigint, '... and audited');
SELECT is(pg_temp.cmd('supervisor', 'resolve', NULL, :inc_a), 'not_found',
    'a resolved incident is no longer open');

-- A request central refused bad_answer_limit times is dead; once the
-- cause is dealt with, the supervisor sends it again.
SELECT pg_temp.t_case('awaiting_clearance') AS c9 \gset
INSERT INTO outbox (case_id, kind, status, bad_answers, finished_at,
    last_error) VALUES (:c9, 'clearance', 'dead', 3, now(), 'HTTP 400')
    RETURNING id AS o9, idem_key AS k9 \gset
INSERT INTO incidents (kind, case_id, office_id, detail, opened_at)
    SELECT 'retries_exhausted', id, office_id, 'refused 3 times', now()
    FROM cases WHERE id = :c9 RETURNING id AS inc_c \gset
SELECT is(pg_temp.m('supervisor', 'count(/link/incident[@id=' || :inc_c ||
    '])'), '1', 'the dead request''s incident is on the panel');
SELECT is(pg_temp.cmd('officer', 'retry', NULL, :inc_c), 'forbidden',
    'an officer cannot send it again');
SELECT is(pg_temp.cmd('supervisor', 'retry', NULL, :inc_b), 'not_found',
    '... nor a supervisor another office''s');
INSERT INTO incidents (kind, office_id, detail, opened_at)
    VALUES ('print_failed', (SELECT office_id FROM cases WHERE id = :c9),
    'printer', now()) RETURNING id AS inc_p \gset
SELECT is(pg_temp.cmd('supervisor', 'retry', NULL, :inc_p), 'invalid_input',
    'only a refused request can be sent again');
SELECT is(pg_temp.cmd('supervisor', 'resolve', NULL, :inc_c), 'retry_first',
    'closing it while the case waits for the refused request is refused');
SELECT is((SELECT resolved_at IS NULL FROM incidents WHERE id = :inc_c), true,
    '... the incident stays open');
SELECT is(pg_temp.cmd('supervisor', 'retry', NULL, :inc_c), 'ok',
    'the supervisor sends it again');
SELECT is((SELECT status || '/' || bad_answers || '/' || solo || '/' ||
    (idem_key = :'k9') FROM outbox WHERE id = :o9), 'pending/0/true/true',
    '... alone, with the same key and a fresh count of bad answers');
SELECT is((SELECT resolved_by FROM incidents WHERE id = :inc_c),
    pg_temp.actor('supervisor'), '... the incident is resolved');
SELECT is(pg_temp.audits('incident_retry'), 1::bigint, '... and audited');
SELECT is(pg_temp.cmd('supervisor', 'retry', NULL, :inc_c), 'not_found',
    'a second retry finds nothing open');

-------------------------------------------------------------------------
-- 6. Compensations and their CSV.
-------------------------------------------------------------------------
INSERT INTO compensations (case_id, flagged_at, nominal_due, outage_from,
    outage_to, outage_seconds, reason)
VALUES (:c1, now(), now() - interval '1 day', now() - interval '3 days',
    now() - interval '1 hour', 7200, '=missed, "late"');
SELECT is(pg_temp.m('officer', '/link/compensations/compensation/@ref'),
    :'ref1', 'the panel lists the office''s compensation');
SELECT is(pg_temp.m('officer_b', 'count(/link/compensations/compensation)'),
    '0', '... and not another office''s');
SELECT is(split_part(office_compensation_csv(pg_temp.sess('officer')),
    E'\r\n', 2), format('%s,TINA TESTER,%s,%s,%s,2.0,%s,"''=missed, ""late"""',
    :'ref1',
    to_char((now() - interval '1 day') AT TIME ZONE 'Asia/Jakarta',
	'YYYY-MM-DD"T"HH24:MI'),
    to_char((now() - interval '3 days') AT TIME ZONE 'Asia/Jakarta',
	'YYYY-MM-DD"T"HH24:MI'),
    to_char((now() - interval '1 hour') AT TIME ZONE 'Asia/Jakarta',
	'YYYY-MM-DD"T"HH24:MI'),
    to_char(now() AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD"T"HH24:MI')),
    'the CSV row is quoted (RFC 4180) and a formula is defused');
SELECT is(office_compensation_csv(pg_temp.sess('officer_b')),
    'reference,applicant,nominal_due,outage_from,outage_to,outage_hours,'
    'flagged_at,reason' || E'\r\n',
    'another office gets the header only');
SELECT is(pg_temp.audits('compensations_exported'), 2::bigint,
    'each export is audited');
SELECT is(array[csv_cell('+1'), csv_cell('@x'), csv_cell('-2'), csv_cell(NULL),
    csv_cell(E'a\nb'), csv_cell('plain')],
    array['''+1', '''@x', '''-2', '', E'"a\nb"', 'plain'],
    'csv_cell guards + @ - and quotes line breaks');

SELECT * FROM finish();
ROLLBACK;
