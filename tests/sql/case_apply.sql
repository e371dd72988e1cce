-- case_apply(): versions, idempotency, office and owner scoping, input
-- validation, events and the outbox.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(35);

-- Version check.
SELECT pg_temp.t_case('submitted') AS c1 \gset
SELECT is((case_apply(pg_temp.actor('supervisor'), :c1, 'pay', 2, NULL)).code,
    'version_conflict', 'a stale expected version is a conflict');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :c1),
    'submitted/1', '... and changes nothing');
SELECT is((case_apply(pg_temp.actor('supervisor'), :c1, 'pay', 1, NULL)).code,
    'ok', 'the current version applies');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :c1),
    'paid/2', '... and bumps the version');

-- Idempotency.
SELECT pg_temp.t_case('submitted') AS c2 \gset
SELECT case_apply(pg_temp.actor('supervisor'), :c2, 'pay', 1,
    'receipt-0001-abc') AS first \gset
SELECT row_to_json(case_apply(pg_temp.actor('supervisor'), :c2, 'pay', 1,
    'receipt-0001-abc'))::jsonb AS again \gset
SELECT is((:'again'::jsonb)->>'code', 'ok',
    'repeating a command with its key answers ok');
SELECT is(((:'again'::jsonb)->>'replayed')::boolean, true,
    '... says it was a replay');
SELECT is(((:'again'::jsonb)->>'event_id')::bigint, (:'first'::case_result).event_id,
    '... with the first result''s event');
SELECT is((SELECT count(*) FROM case_events WHERE case_id = :c2), 2::bigint,
    '... and appends no second event');
SELECT is((SELECT version FROM cases WHERE id = :c2), 2,
    '... nor bumps the version again');
SELECT pg_temp.t_biometrics(:c2);
SELECT is((case_apply(pg_temp.actor('supervisor'), :c2, 'record_biometrics', 2,
    'receipt-0001-abc')).code, 'idempotency_key_reused',
    'a key reused for another command is refused');
SELECT is((case_apply(pg_temp.actor('officer2'), :c2, 'record_biometrics', 2,
    'receipt-0001-abc')).code, 'ok',
    'keys are per actor: an officer''s same key is a new command');

-- Scoping.
SELECT pg_temp.t_case('submitted') AS c3 \gset
SELECT is((case_apply(pg_temp.actor('officer_b'), :c3, 'request_info', 1,
    NULL)).code,
    'forbidden', 'an officer of another office may not act');
SELECT is((case_apply(pg_temp.actor('other_applicant'), :c3, 'withdraw', 1,
    NULL)).code, 'not_found',
    'another applicant is told the case does not exist');
SELECT is((case_apply(pg_temp.actor('partner_b'), :c3, 'pay', 1,
    NULL)).code, 'not_found', 'a partner of another office sees nothing');
SELECT is((case_apply(pg_temp.actor('applicant'), :c3, 'pay', 1, NULL)).code,
    'forbidden', 'an applicant cannot mark their own case paid');
SELECT is((case_apply(pg_temp.actor('supervisor'), -1, 'pay', 1, NULL)).code,
    'not_found', 'an unknown case is not_found');
UPDATE accounts SET disabled_at = now() WHERE id = pg_temp.actor('officer2');
SELECT is((case_apply(pg_temp.actor('officer2'), :c3, 'request_info', 1,
    NULL)).code,
    'forbidden', 'a disabled account may not act');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :c3),
    'submitted/1', 'none of the refused commands changed the case');

-- Input validation.
SELECT is((case_apply(pg_temp.actor('officer'), :c3, 'Pay; DROP', 1,
    NULL)).code, 'invalid_input', 'a malformed command is invalid_input');
SELECT is((case_apply(pg_temp.actor('supervisor'), :c3, 'pay', 1,
    'short')).code, 'invalid_input', 'a too short key is invalid_input');
SELECT is((case_apply(pg_temp.actor('supervisor'), :c3, 'pay', 1,
    'bad key with spaces')).code, 'invalid_input', 'a key with spaces too');
SELECT is((case_apply(pg_temp.actor('supervisor'), :c3, 'pay', 1, NULL,
    now() + interval '1 hour')).code, 'invalid_input',
    'an action in the future is invalid_input');
SELECT is((case_apply(pg_temp.actor('supervisor'), :c3, 'pay', 1, NULL,
    now() - interval '60 days')).code, 'invalid_input',
    'an action recorded two months late is invalid_input');
SELECT is((case_apply(pg_temp.actor('supervisor'), :c3, 'pay', 1, NULL, NULL,
    '[1,2]')).code, 'invalid_input', 'a payload that is not an object too');
SELECT is((case_apply(pg_temp.actor('supervisor'), :c3, 'pay', NULL,
    NULL)).code, 'invalid_input', 'the expected version is required');

-- The event.
SELECT case_apply(pg_temp.actor('supervisor'), :c3, 'pay', 1, 'evt-test-0001',
    now() - interval '2 hours', '{"receipt": "R-77"}') AS r3 \gset
SELECT is((SELECT row(actor_id, actor_role::text, office_id, command,
    from_state::text, to_state::text, payload->>'receipt')::text
    FROM case_events WHERE id = (:'r3'::case_result).event_id),
    row(pg_temp.actor('supervisor'), 'supervisor',
    (SELECT id FROM offices WHERE code = 'TAA'), 'pay', 'submitted', 'paid',
    'R-77')::text,
    'the event names actor, role, office, command, states and payload');
SELECT ok((SELECT recorded_at - occurred_at BETWEEN interval '119 minutes'
    AND interval '121 minutes' FROM case_events
    WHERE id = (:'r3'::case_result).event_id),
    'occurred_at is when it happened, recorded_at when it was stored');

-- The outbox.
SELECT pg_temp.t_case('biometrics_done', 'express') AS c4 \gset
SELECT is((case_apply(pg_temp.actor('officer'), :c4, 'request_clearance', 1,
    NULL)).code, 'ok', 'an officer sends a case to clearance');
SELECT is((SELECT row(status, priority, kind)::text FROM outbox
    WHERE case_id = :c4), row('pending', 10, 'clearance')::text,
    '... which enqueues one express-priority request');
SELECT is((case_apply(pg_temp.actor('applicant'), :c4, 'withdraw', 2,
    NULL)).code, 'ok', 'the applicant withdraws while it waits');
SELECT is((SELECT status FROM outbox WHERE case_id = :c4), 'cancelled',
    '... which cancels the request before it is sent');
SELECT pg_temp.t_case('biometrics_done') AS c5 \gset
SELECT is((case_apply(pg_temp.actor('system'), :c5, 'request_clearance', 1,
    NULL)).code, 'ok', 'the system may send to clearance too');
SELECT is((SELECT priority FROM outbox WHERE case_id = :c5), 100::smallint,
    '... a regular case with regular priority');
SELECT throws_ok(format($$ INSERT INTO outbox (case_id, kind)
    VALUES (%s, 'clearance') $$, :c5), '23505', NULL,
    'a case never has two open clearance requests');
SELECT is((case_apply(pg_temp.actor('system'), :c5, 'clearance_clear', 2,
    NULL)).code, 'ok', 'central''s clear moves the case to cleared');

SELECT * FROM finish();
ROLLBACK;
