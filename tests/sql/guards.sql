-- Nothing but the command functions moves a case: the server's role has
-- no write privilege, and the owner is stopped by triggers.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(13);

SELECT pg_temp.t_case('submitted') AS c \gset
SELECT case_apply(pg_temp.actor('officer'), :c, 'request_info', 1, NULL);

SELECT pg_temp.actor('officer') AS officer \gset
SET LOCAL ROLE kitas_app;
SELECT throws_ok(format($$ UPDATE cases SET state = 'issued' WHERE id = %s $$,
    :c), '42501', NULL, 'the server''s role cannot UPDATE cases.state');
SELECT throws_ok($$ INSERT INTO cases (reference, office_id, applicant_id,
    permit_kind, duration_years, sponsor_kind) VALUES ('TAA-2026-999999-0',
    1, 1, 'E23', 1, 'self') $$, '42501', NULL,
    'nor INSERT a case');
SELECT throws_ok(format($$ DELETE FROM case_events WHERE case_id = %s $$, :c),
    '42501', NULL, 'nor DELETE history');
SELECT throws_ok($$ INSERT INTO transitions VALUES ('draft', 'issue',
    'applicant', 'issued', NULL) $$, '42501', NULL,
    'nor add a transition');
SELECT throws_ok($$ UPDATE outbox SET status = 'done' $$, '42501', NULL,
    'nor touch the outbox');
SELECT is((SELECT state::text FROM cases WHERE id = :c), 'more_info',
    'it can read cases');
SELECT throws_ok(format($$ SELECT case_apply(%s, %s, 'record_biometrics', 2,
    NULL) $$, :officer, :c), '42501', NULL,
    'nor call case_apply() with an actor it cannot prove (it goes through session-bound wrappers)');
RESET ROLE;

SELECT throws_ok(format($$ UPDATE cases SET state = 'issued' WHERE id = %s $$,
    :c), '42501', 'cases.state changes only through case_apply()',
    'the owner cannot move a state by hand either');
SELECT throws_ok(format($$ UPDATE cases SET version = 99 WHERE id = %s $$,
    :c), '42501', NULL, 'nor a version');
SELECT lives_ok(format($$ UPDATE cases SET sponsor_name = 'PT Baru'
    WHERE id = %s $$, :c), 'other columns stay correctable by the owner');
SELECT throws_ok(format($$ UPDATE case_events SET command = 'x'
    WHERE case_id = %s $$, :c), '42501', NULL, 'history is append-only');
SELECT throws_ok($$ TRUNCATE case_events CASCADE $$, '42501', NULL,
    'and cannot be truncated');
SELECT throws_ok($$ INSERT INTO cases (reference, office_id, applicant_id,
    permit_kind, duration_years, sponsor_kind) VALUES ('TAA-2026-999999-0',
    1, 1, 'E23', 1, 'self') $$, '42501', NULL,
    'cases are opened only through case_create()');

SELECT * FROM finish();
ROLLBACK;
