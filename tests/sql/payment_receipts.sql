-- Payment receipts with four eyes (0014): when the billing system's
-- notice cannot arrive, an officer records the receipt number and a
-- supervisor, another person, confirms it; only then is the case paid.
-- No other path (the bare case_apply(), an officer alone) can commit a
-- payment; the billing partner's notice needs no second person.  One
-- receipt number pays one case.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(53);

SELECT pg_temp.sessions('officer', 'supervisor');

-- Whether the transaction so far could commit: the deferred check runs
-- now, and an error comes back as its SQLSTATE.
CREATE FUNCTION pg_temp.commit_check() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	SET CONSTRAINTS case_events_receipt_confirmed IMMEDIATE;
	SET CONSTRAINTS case_events_receipt_confirmed DEFERRED;
	RETURN 'committed';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE;
END $$;

-- A bare case_apply(pay) by p_actor, checked as at commit and then
-- undone whatever happened: its code, or the SQLSTATE the commit raised.
CREATE FUNCTION pg_temp.bare_pay(p_actor bigint, p_case bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	code	text;
BEGIN
	BEGIN
		code := (case_apply(p_actor, p_case, 'pay', (SELECT version
		    FROM cases WHERE id = p_case), NULL)).code;
		SET CONSTRAINTS case_events_receipt_confirmed IMMEDIATE;
		RAISE EXCEPTION 'undo' USING ERRCODE = 'KT001';
	EXCEPTION WHEN SQLSTATE 'KT001' THEN
		NULL;
	WHEN others THEN
		code := SQLSTATE;
	END;
	SET CONSTRAINTS case_events_receipt_confirmed DEFERRED;
	RETURN code;
END $$;

CREATE FUNCTION pg_temp.billing(p_case bigint, p_code text) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
	VALUES (p_code, p_case, 1500000, now() - interval '1 day',
	    now() + interval '6 days')
$$;

-------------------------------------------------------------------------
-- 1. Recording a receipt.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('submitted') AS c \gset
SELECT pg_temp.t_case('paid') AS paid \gset
SELECT pg_temp.billing(:c, '700000000000001');

SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :c, 1,
    '   ')), 'reason_required', 'a receipt needs its number');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :c, 1,
    'BNI 2026 <x>')), 'receipt_invalid',
    'a receipt number is letters, digits, dots, slashes and hyphens');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :c, 1,
    'AB1')), 'receipt_invalid', 'of at least four characters');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :c, 1,
    repeat('A', 41))), 'receipt_invalid', 'and at most forty');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer_b'), :c, 1,
    'BNI-2026-000917')), 'forbidden',
    'an officer of another office cannot record one');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('applicant'), :c, 1,
    'BNI-2026-000917')), 'forbidden', 'nor can the applicant');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :c, 7,
    'BNI-2026-000917')), 'version_conflict', 'a stale version is refused');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :paid, 1,
    'BNI-2026-000917')), 'transition_not_allowed',
    'only a case waiting for payment takes a receipt');
SELECT is((SELECT count(*) FROM proposals WHERE case_id IN (:c, :paid))::int,
    0, 'no refused receipt was recorded');

SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :c, 1,
    ' bni-2026-000917 ')), 'ok', 'the officer records the receipt');
SELECT is((SELECT row(command, reason, case_version, status)::text
    FROM proposals WHERE case_id = :c),
    '(pay,BNI-2026-000917,1,pending)',
    'the receipt number is kept trimmed and in capitals, with the version');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer2'), :c, 1,
    'MANDIRI-4711')), 'proposal_pending', 'one pending receipt per case');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :c),
    'submitted/1', 'a recorded receipt does not pay the case');

-------------------------------------------------------------------------
-- 2. Confirming it.
-------------------------------------------------------------------------
SELECT is((payment_confirm(pg_temp.actor('officer'), :c, 1,
    'rcp-confirm-0001')).code, 'same_person',
    'the officer who recorded it cannot confirm it');
SELECT is((payment_confirm(pg_temp.actor('officer2'), :c, 1,
    'rcp-confirm-0002')).code, 'forbidden',
    'another officer cannot either: a supervisor confirms');
SELECT is((payment_confirm(pg_temp.actor('officer_b'), :c, 1,
    'rcp-confirm-0003')).code, 'forbidden',
    'nor anyone of another office');
SELECT is((payment_confirm(pg_temp.actor('supervisor'), :c, 2,
    'rcp-confirm-0004')).code, 'version_conflict',
    'a stale version is refused');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :c),
    'submitted/1', 'none of the refused confirmations changed the case');
SELECT is((SELECT paid_at FROM billing_codes WHERE case_id = :c), NULL,
    '... nor the billing code');

SELECT is((payment_confirm(pg_temp.actor('supervisor'), :c, 1,
    'rcp-confirm-0005')).code, 'ok', 'the supervisor confirms');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :c),
    'paid/2', 'the case is paid');
SELECT is((SELECT row(actor_role::text, payload->>'receipt',
    (payload->>'proposed_by')::bigint = pg_temp.actor('officer'))::text
    FROM case_events WHERE case_id = :c AND command = 'pay'),
    '(supervisor,BNI-2026-000917,t)',
    'the event is the supervisor''s, with the receipt and who recorded it');
SELECT is((SELECT row(status, decided_by = pg_temp.actor('supervisor'))::text
    FROM proposals WHERE case_id = :c), '(confirmed,t)',
    'the receipt is confirmed by the supervisor');
SELECT is((SELECT row(paid_amount, bank_ref)::text FROM billing_codes
    WHERE case_id = :c), '(1500000,"receipt BNI-2026-000917")',
    'the open billing code is settled by the receipt');
SELECT is(pg_temp.commit_check(), 'committed', 'and it all commits');
SELECT is((payment_confirm(pg_temp.actor('supervisor'), :c, 1,
    'rcp-confirm-0005')).replayed, true,
    'a repeated confirmation answers as the first');
SELECT is((SELECT count(*) FROM case_events WHERE case_id = :c AND
    command = 'pay')::int, 1, '... and pays once');

-- The supervisor alone: recording and confirming is two people's work.
SELECT pg_temp.t_case('submitted') AS s1 \gset
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('supervisor'), :s1,
    1, 'BRI/2026/88')), 'ok', 'a supervisor may record a receipt');
SELECT is((payment_confirm(pg_temp.actor('supervisor'), :s1, 1, NULL)).code,
    'same_person', 'but not confirm their own');

-- A receipt recorded before the case changed lapses.
SELECT pg_temp.t_case('submitted') AS s2 \gset
SELECT FROM payment_propose(pg_temp.actor('officer'), :s2, 1, 'BCA-0001');
SELECT FROM case_apply(pg_temp.actor('officer'), :s2, 'request_info', 1, NULL);
SELECT FROM case_apply(pg_temp.actor('applicant'), :s2, 'provide_info', 2, NULL);
SELECT is((payment_confirm(pg_temp.actor('supervisor'), :s2, 3, NULL)).code,
    'proposal_stale', 'a receipt from an older version lapses');
SELECT is((SELECT status FROM proposals WHERE case_id = :s2), 'superseded',
    '... and is marked so');
SELECT is((SELECT state::text FROM cases WHERE id = :s2), 'submitted',
    '... and the case is not paid');
SELECT is((payment_confirm(pg_temp.actor('supervisor'), :s2, 3, NULL)).code,
    'no_proposal', 'then there is nothing to confirm');

-------------------------------------------------------------------------
-- 3. No other path pays.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('submitted') AS b \gset
SELECT is(pg_temp.bare_pay(pg_temp.actor('officer'), :b), 'forbidden',
    'an officer cannot pay a case with the bare case_apply()');
SELECT is(pg_temp.bare_pay(pg_temp.actor('supervisor'), :b), '23514',
    'a supervisor''s bare payment without a receipt never commits');
SELECT is(pg_temp.bare_pay(pg_temp.actor('partner'), :b), 'ok',
    'the billing partner''s notice needs no second person');

-------------------------------------------------------------------------
-- 4. Through the back office, by session.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('submitted') AS w \gset
SELECT reference AS wref FROM cases WHERE id = :w \gset
SELECT is(office_command(pg_temp.sess('officer'), :'wref', 'propose_payment',
    1, NULL, NULL), 'reason_required', 'the form needs the receipt number');
SELECT is(office_command(pg_temp.sess('officer'), :'wref', 'propose_payment',
    1, NULL, 'MANDIRI-2026-77'), 'ok', 'the officer records it');
SELECT matches(office_case_xml(pg_temp.sess('supervisor'), :'wref')::text,
    '<proposal command="pay"[^>]*mine="false"[^>]*reason="MANDIRI-2026-77"',
    'the supervisor sees the receipt waiting');
SELECT is(office_command(pg_temp.sess('supervisor'), :'wref',
    'confirm_payment', 1, 'rcp-office-00001', NULL), 'ok',
    'and confirms it');
SELECT is((SELECT string_agg(action, ',' ORDER BY id) FROM audit_log
    WHERE case_id = :w), 'propose_payment,confirm_payment',
    'both steps are in the audit log');

-------------------------------------------------------------------------
-- 5. A receipt pays one case.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('submitted') AS u \gset
SELECT reference AS uref FROM cases WHERE id = :u \gset
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :u, 1,
    'BNI-2026-000917')), 'receipt_used',
    'a receipt that paid one case cannot be recorded for another');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :u, 1,
    '  bni-2026-000917 ')), 'receipt_used', '... in any letter case');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer2'), :u, 1,
    'bri/2026/88')), 'receipt_used',
    'nor one still waiting for confirmation on another case');
SELECT is(office_command(pg_temp.sess('officer'), :'uref', 'propose_payment',
    1, NULL, 'Mandiri-2026-77'), 'receipt_used',
    'the back office answers the same');
SELECT is((SELECT count(*) FROM proposals WHERE case_id = :u)::int, 0,
    'nothing was recorded for that case');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :u),
    'submitted/1', '... and the case is unchanged');
SELECT is((SELECT count(*) FROM audit_log WHERE case_id = :u)::int, 0,
    '... and nothing is in its audit log');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer_b'), :u,
    1, 'BNI-2026-000917')), 'forbidden',
    'staff of another office learn nothing of the number');
SELECT throws_ok(format($$ INSERT INTO proposals (case_id, command,
    case_version, reason, proposed_by, proposed_at) VALUES (%s, 'pay', 1,
    'bni-2026-000917', %s, now()) $$, :u, pg_temp.actor('officer')),
    '23505', 'duplicate key value violates unique constraint '
    '"proposals_one_receipt"', 'no other path records a used receipt again');

-- A receipt that lapsed paid nothing: its number is free again.
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :u, 1,
    'bca-0001')), 'ok', 'a lapsed receipt''s number may be recorded again');

-- So is one left pending on a case that can no longer be paid with it.
SELECT pg_temp.t_case('submitted') AS d \gset
SELECT pg_temp.t_case('submitted') AS v \gset
SELECT FROM payment_propose(pg_temp.actor('officer'), :d, 1, 'BRI-2026-5150');
SELECT FROM case_apply(pg_temp.actor('applicant'), :d, 'withdraw', 1, NULL);
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('officer'), :v, 1,
    'BRI-2026-5150')), 'ok',
    'a receipt pending on a withdrawn case does not hold its number');
SELECT is((SELECT status FROM proposals WHERE case_id = :d), 'superseded',
    '... it lapses, as confirming it would have done');

SELECT * FROM finish();
ROLLBACK;
