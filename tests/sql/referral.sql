-- Referral decisions (0014): a referred case is cleared or rejected by
-- two people of its office, one proposing with a reason, another
-- confirming; never one person alone, not even through the bare
-- case_apply().
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(47);

SELECT pg_temp.sessions('officer', 'officer2', 'supervisor');

-- Whether the transaction so far could commit: the deferred checks run
-- now, and an error comes back as its SQLSTATE.
CREATE FUNCTION pg_temp.commit_check() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	SET CONSTRAINTS case_events_decision_confirmed IMMEDIATE;
	SET CONSTRAINTS case_events_decision_confirmed DEFERRED;
	RETURN 'committed';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE;
END $$;

-------------------------------------------------------------------------
-- 1. Proposing.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('referred') AS r \gset
SELECT pg_temp.t_case('cleared') AS cl \gset

SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer'), :r,
    'decide_reject', 1, '   ')), 'reason_required',
    'a rejection needs a reason');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer'), :r,
    'decide_clear', 1, NULL)), 'reason_required',
    'so does clearing');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer'), :r,
    'decide_clear', 1, E'line\nbreak')), 'reason_required',
    'a reason has no control characters');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer'), :r,
    'issue', 1, 'x')), 'invalid_input', 'only decisions are proposed here');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer_b'), :r,
    'decide_clear', 1, 'No match')), 'forbidden',
    'an officer of another office cannot propose');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('applicant'), :r,
    'decide_clear', 1, 'No match')), 'forbidden', 'nor can the applicant');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer'), :cl,
    'decide_clear', 1, 'No match')), 'transition_not_allowed',
    'only a referred case is decided');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer'), :r,
    'decide_clear', 7, 'No match')), 'version_conflict',
    'a stale version is refused');
SELECT is((SELECT count(*) FROM proposals WHERE case_id = :r)::int, 0,
    'and no refused proposal was recorded');

SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer'), :r,
    'decide_reject', 1, '  Same person as the alert  ')), 'ok',
    'the officer proposes to reject');
SELECT is((SELECT row(command, reason, case_version, status)::text
    FROM proposals WHERE case_id = :r),
    '(decide_reject,"Same person as the alert",1,pending)',
    'the proposal keeps the command, the trimmed reason and the version');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer2'), :r,
    'decide_clear', 1, 'No match')), 'proposal_pending',
    'one pending decision per case, whichever way');
SELECT throws_ok(format($$INSERT INTO proposals (case_id, command,
    case_version, proposed_by, proposed_at) VALUES (%s, 'decide_clear', 1,
    %s, now())$$, :cl, pg_temp.actor('officer')), '23514', NULL,
    'a decision proposal without a reason cannot be stored');

-------------------------------------------------------------------------
-- 2. Confirming.
-------------------------------------------------------------------------
SELECT is((decision_confirm(pg_temp.actor('officer'), :r, 1,
    'refer-test-0001')).code, 'same_person',
    'the proposer cannot confirm their own proposal');
SELECT is((SELECT state::text FROM cases WHERE id = :r), 'referred',
    'the case did not move');
SELECT is((SELECT status FROM proposals WHERE case_id = :r), 'pending',
    'and the proposal still waits');
SELECT throws_ok(format($$UPDATE proposals SET status = 'confirmed',
    decided_by = proposed_by, decided_at = now() WHERE case_id = %s$$, :r),
    '23514', NULL, 'nor can anyone record it by hand');
SELECT is((decision_confirm(pg_temp.actor('officer_b'), :r, 1, NULL)).code,
    'forbidden', 'an officer of another office cannot confirm');
SELECT is((decision_confirm(pg_temp.actor('applicant'), :r, 1, NULL)).code,
    'forbidden', 'nor can the applicant');
SELECT is((decision_confirm(pg_temp.actor('officer2'), :r, 0, NULL)).code,
    'version_conflict', 'a stale version is refused');
SELECT is((decision_confirm(pg_temp.actor('officer2'), :cl, 1, NULL)).code,
    'no_proposal', 'there is nothing to confirm without a proposal');

SELECT is((decision_confirm(pg_temp.actor('officer2'), :r, 1,
    'refer-test-0002')).code, 'ok', 'a different officer confirms');
SELECT is((SELECT state::text FROM cases WHERE id = :r), 'rejected',
    'the case is rejected');
SELECT is((SELECT row(e.command, e.actor_id = pg_temp.actor('officer2'),
    e.payload->>'reason',
    (e.payload->>'proposed_by')::bigint = pg_temp.actor('officer'))::text
    FROM case_events e WHERE e.case_id = :r AND e.version = 2),
    '(decide_reject,t,"Same person as the alert",t)',
    'the event is the confirmer''s, with the reason and the proposer');
SELECT is((SELECT row(status, decided_by = pg_temp.actor('officer2'))::text
    FROM proposals WHERE case_id = :r), '(confirmed,t)',
    'the proposal records who confirmed');
SELECT is(pg_temp.commit_check(), 'committed',
    'and the transaction may commit');
SELECT is((SELECT row(code, state, version, replayed)::text
    FROM decision_confirm(pg_temp.actor('officer2'), :r, 1,
    'refer-test-0002')), '(ok,rejected,2,t)',
    'a repeated confirmation answers as the first did');
SELECT is((SELECT count(*) FROM case_events WHERE case_id = :r)::int, 2,
    'and decides once');

-- A supervisor may confirm an officer's proposal to clear.
SELECT pg_temp.t_case('referred') AS r2 \gset
SELECT FROM decision_propose(pg_temp.actor('officer'), :r2, 'decide_clear',
    1, 'Different birth date');
SELECT is((decision_confirm(pg_temp.actor('supervisor'), :r2, 1, NULL)).code,
    'ok', 'a supervisor confirms an officer''s proposal');
SELECT is((SELECT state::text FROM cases WHERE id = :r2), 'cleared',
    'the case is cleared');

-------------------------------------------------------------------------
-- 3. A proposal made on an older version lapses.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('referred') AS r3 \gset
SELECT FROM decision_propose(pg_temp.actor('officer'), :r3, 'decide_clear',
    1, 'No match');
SELECT set_config('kitas.case_write', 'on', true) IS NOT NULL AS flag \gset
UPDATE cases SET version = version + 1 WHERE id = :r3;
SELECT set_config('kitas.case_write', 'off', true) IS NOT NULL AS flag \gset
SELECT is((decision_confirm(pg_temp.actor('officer2'), :r3, 2, NULL)).code,
    'proposal_stale', 'a proposal on an older version is not confirmed');
SELECT is((SELECT status FROM proposals WHERE case_id = :r3), 'superseded',
    'it lapses');
SELECT is((SELECT state::text FROM cases WHERE id = :r3), 'referred',
    'the case did not move');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('officer2'), :r3,
    'decide_clear', 2, 'No match')), 'ok', 'and a new proposal may be made');

-------------------------------------------------------------------------
-- 4. No way around the four eyes.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('referred') AS raw \gset
SAVEPOINT raw_decide;
SELECT (case_apply(pg_temp.actor('officer'), :raw, 'decide_clear', 1,
    NULL, NULL, '{"reason": "mine alone"}')).code AS raw_code \gset
SELECT pg_temp.commit_check() AS raw_commit \gset
ROLLBACK TO SAVEPOINT raw_decide;
SELECT is(:'raw_code'::text, 'ok',
    'the bare command function moves the state');
SELECT is(:'raw_commit'::text, '23514',
    'but one person''s decision cannot commit');

-- A pending proposal is not enough: the decider must be its confirmer.
SELECT FROM decision_propose(pg_temp.actor('officer'), :raw, 'decide_clear',
    1, 'No match');
SAVEPOINT raw_pending;
SELECT (case_apply(pg_temp.actor('officer2'), :raw, 'decide_clear', 1,
    NULL)).code AS pend_code \gset
SELECT pg_temp.commit_check() AS pend_commit \gset
ROLLBACK TO SAVEPOINT raw_pending;
SELECT is(:'pend_code'::text, 'ok', 'a second officer applies it bare');
SELECT is(:'pend_commit'::text, '23514',
    'which cannot commit while the proposal is unconfirmed');

SELECT format($$SELECT * FROM decision_confirm(%s, %s, 1, NULL)$$,
    pg_temp.actor('officer2'), :raw) AS raw_confirm \gset
SELECT format($$SELECT * FROM decision_propose(%s, %s, 'decide_clear', 1,
    'x')$$, pg_temp.actor('officer2'), :raw) AS raw_propose \gset
SET LOCAL ROLE kitas_app;
SELECT throws_ok(:'raw_confirm', '42501', NULL,
    'the server''s role cannot call decision_confirm directly');
SELECT throws_ok(:'raw_propose', '42501', NULL,
    'nor decision_propose');
RESET ROLE;

-------------------------------------------------------------------------
-- 5. Through the back office, from the session.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('referred') AS w \gset
SELECT reference AS wref FROM cases WHERE id = :w \gset
SELECT is(office_command(pg_temp.sess('officer'), :'wref', 'propose_reject',
    1, NULL, '  '), 'reason_required', 'a proposal needs a reason');
SELECT is(office_command(pg_temp.sess('officer'), :'wref', 'propose_reject',
    1, NULL, 'Forged sponsor letter'), 'ok', 'the officer proposes');
SELECT is((SELECT row(p.command, p.reason, p.mine)::text FROM
    xmltable('/case/proposal' PASSING office_case_xml(pg_temp.sess('officer'),
    :'wref') COLUMNS command text PATH '@command', reason text PATH '@reason',
    mine text PATH '@mine') p),
    '(decide_reject,"Forged sponsor letter",true)',
    'the case page shows the proposer their own pending decision');
SELECT is((SELECT row(p.who, p.mine)::text FROM
    xmltable('/case/proposal' PASSING office_case_xml(pg_temp.sess('officer2'),
    :'wref') COLUMNS who text PATH '@proposed-by', mine text PATH '@mine') p),
    '(officer,false)', 'and another officer whose it is');
SELECT is(office_command(pg_temp.sess('officer'), :'wref', 'confirm_decision',
    1, 'refer-test-0003', NULL), 'same_person',
    'the proposer cannot confirm it');
SELECT is(office_command(pg_temp.sess('officer2'), :'wref',
    'confirm_decision', 1, 'refer-test-0004', NULL), 'ok',
    'another officer confirms');
SELECT is((SELECT string_agg(action || ':' || coalesce(detail->>'reason', ''),
    ',' ORDER BY id) FROM audit_log WHERE case_id = :w),
    'propose_reject:Forged sponsor letter,confirm_decision:',
    'both steps are in the audit log');

SELECT * FROM finish();
ROLLBACK;
