-- A staff action through the back office (0011 office_command()): every
-- action that changed something is in the audit log once; a command
-- sent again with its idempotency key (a double click, a resent form)
-- answers as the first one did and writes neither an event nor an
-- audit row.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(22);

SELECT pg_temp.sessions('officer', 'officer2', 'supervisor');

-- The office's command on case p_ref as p_name, with the version the
-- form was shown with.
CREATE FUNCTION pg_temp.cmd(p_name text, p_ref text, p_action text,
    p_version integer, p_key text, p_reason text DEFAULT NULL)
RETURNS text
LANGUAGE sql AS $$
	SELECT office_command(pg_temp.sess(p_name), p_ref, p_action,
	    p_version, p_key, p_reason)
$$;

CREATE FUNCTION pg_temp.audited(p_case bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(string_agg(action, ',' ORDER BY id), '')
	FROM audit_log WHERE case_id = p_case
$$;

-------------------------------------------------------------------------
-- 1. A transition sent twice.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('submitted') AS c \gset
SELECT reference AS ref FROM cases WHERE id = :c \gset

SELECT is(pg_temp.cmd('officer', :'ref', 'request_info', 1,
    'office-cmd-0001', 'Bank statement missing'), 'ok',
    'the officer asks for more information');
SELECT is(pg_temp.cmd('officer', :'ref', 'request_info', 1,
    'office-cmd-0001', 'Bank statement missing'), 'ok',
    'the same form again answers the same');
SELECT is((SELECT count(*) FROM case_events WHERE case_id = :c AND
    command = 'request_info')::int, 1, 'the case changed once');
SELECT is(pg_temp.audited(:c), 'request_info', 'and is audited once');
SELECT is(pg_temp.cmd('officer', :'ref', 'reject', 2, 'office-cmd-0001',
    'Late'), 'idempotency_key_reused',
    'the key of another command is refused');
SELECT is(pg_temp.audited(:c), 'request_info', 'and not audited');
SELECT is(pg_temp.cmd('officer', :'ref', 'provide_info', 2,
    'office-cmd-0002'), 'ok', 'a new key is a new command');
SELECT is(pg_temp.audited(:c), 'request_info,provide_info',
    'audited as such');

-------------------------------------------------------------------------
-- 2. A payment receipt confirmed twice.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('submitted') AS p \gset
SELECT reference AS pref FROM cases WHERE id = :p \gset
SELECT is(pg_temp.cmd('officer', :'pref', 'propose_payment', 1, NULL,
    'BNI-2026-424242'), 'ok', 'the officer records a receipt');
SELECT is(pg_temp.cmd('supervisor', :'pref', 'confirm_payment', 1,
    'office-cmd-0003'), 'ok', 'the supervisor confirms it');
SELECT is(pg_temp.cmd('supervisor', :'pref', 'confirm_payment', 1,
    'office-cmd-0003'), 'ok', 'the confirmation sent again answers the same');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :p),
    'paid/2', 'the case is paid once');
SELECT is(pg_temp.audited(:p), 'propose_payment,confirm_payment',
    'and the confirmation is audited once');

-------------------------------------------------------------------------
-- 3. A referral decision and an issuance confirmed twice.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('referred') AS d \gset
SELECT reference AS dref FROM cases WHERE id = :d \gset
SELECT is(pg_temp.cmd('officer', :'dref', 'propose_clear', 1, NULL,
    'Not the person on the list'), 'ok', 'an officer proposes to clear');
SELECT is(pg_temp.cmd('officer2', :'dref', 'confirm_decision', 1,
    'office-cmd-0004'), 'ok', 'another confirms');
SELECT is(pg_temp.cmd('officer2', :'dref', 'confirm_decision', 1,
    'office-cmd-0004'), 'ok', 'and sends it again');
SELECT is(pg_temp.audited(:d), 'propose_clear,confirm_decision',
    'the decision is audited once');

SELECT pg_temp.t_case('cleared') AS i \gset
SELECT reference AS iref FROM cases WHERE id = :i \gset
SELECT is(pg_temp.cmd('officer', :'iref', 'propose_issue', 1, NULL), 'ok',
    'an officer proposes the issuance');
SELECT is(pg_temp.cmd('supervisor', :'iref', 'issue', 1, 'office-cmd-0005'),
    'ok', 'the supervisor approves');
SELECT is(pg_temp.cmd('supervisor', :'iref', 'issue', 1, 'office-cmd-0005'),
    'ok', 'and sends the approval again');
SELECT is((SELECT count(*) FROM permits WHERE case_id = :i)::int, 1,
    'one permit is issued');
SELECT is(pg_temp.audited(:i), 'propose_issue,issue',
    'and the approval is audited once');

SELECT * FROM finish();
ROLLBACK;
