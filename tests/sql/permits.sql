-- The issued e-ITAS (0010): four eyes, permit numbers that are
-- sequential, never orphaned and never reused, the stale-watchlist
-- guard, cancellation onto the revocation list, the registry feed, the
-- published keys and the printer's lease.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(58);

INSERT INTO accounts (role, office_id, email, display_name)
    SELECT 'supervisor', id, 't.supervisor2.a@test', 'supervisor2'
    FROM offices WHERE code = 'TAA';
INSERT INTO t_actor SELECT 'supervisor2', id FROM accounts
    WHERE email = 't.supervisor2.a@test';
SELECT extract(year FROM now() AT TIME ZONE 'Asia/Jakarta')::int AS yr \gset

-------------------------------------------------------------------------
-- 1. Proposing.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('cleared') AS c \gset
SELECT pg_temp.t_case('biometrics_done') AS early \gset

SELECT is((SELECT code FROM permit_propose(pg_temp.actor('officer_b'), :c, 1)),
    'forbidden', 'an officer of another office cannot propose');
SELECT is((SELECT code FROM permit_propose(pg_temp.actor('applicant'), :c, 1)),
    'forbidden', 'an applicant cannot propose');
SELECT is((SELECT code FROM permit_propose(pg_temp.actor('officer'), :early, 1)),
    'transition_not_allowed', 'a case not cleared cannot be proposed');
SELECT is((SELECT code FROM permit_propose(pg_temp.actor('officer'), :c, 7)),
    'version_conflict', 'a stale version is refused');
SELECT is((SELECT code FROM permit_propose(pg_temp.actor('officer'), :c, 1)),
    'ok', 'the officer proposes');
SELECT is((SELECT code FROM permit_propose(pg_temp.actor('officer2'), :c, 1)),
    'proposal_pending', 'one pending proposal at a time');

-------------------------------------------------------------------------
-- 2. Approving.
-------------------------------------------------------------------------
SELECT is((SELECT code FROM permit_issue(pg_temp.actor('officer2'), :c, 1,
    'issue-test-0')), 'forbidden', 'an officer cannot approve');
SELECT is((SELECT count(*) FROM permits)::int, 0, 'and no permit exists');

SELECT pg_temp.t_case('cleared') AS own \gset
SELECT is((SELECT code FROM permit_propose(pg_temp.actor('supervisor'), :own, 1)),
    'ok', 'a supervisor may propose too');
SELECT is((SELECT code FROM permit_issue(pg_temp.actor('supervisor'), :own, 1,
    'issue-test-1')), 'same_person', 'but never approve their own proposal');
SELECT is((SELECT state::text FROM cases WHERE id = :own), 'cleared',
    'the case did not move');
SELECT throws_ok(format($$UPDATE proposals SET status = 'confirmed',
    decided_by = proposed_by, decided_at = now() WHERE case_id = %s$$, :own),
    '23514', NULL, 'nor can anyone record it by hand');

SELECT is((SELECT code FROM permit_issue(pg_temp.actor('supervisor'), :c, 0,
    'issue-test-2')), 'version_conflict', 'a stale version is refused');

SELECT * FROM permit_issue(pg_temp.actor('supervisor'), :c, 1,
    'issue-test-3') \gset first_
SELECT is(:'first_code'::text, 'ok', 'a supervisor approves another''s proposal');
SELECT is(:'first_number'::text, 'TAA-' || :yr || '-P000001',
    'the first permit of the office and year is P000001');
SELECT is((SELECT state::text FROM cases WHERE id = :c), 'issued',
    'the case is issued');
SELECT is((SELECT row(status, decided_by = pg_temp.actor('supervisor'))::text
    FROM proposals WHERE case_id = :c), '(confirmed,t)',
    'the proposal records who confirmed');
SELECT is((SELECT row(holder_name, nationality, passport_no,
    valid_to - valid_from)::text FROM permits WHERE case_id = :c),
    '("TINA TESTER",NLD,TT1234567,364)',
    'the permit names the holder and runs one year');

SELECT * FROM permit_issue(pg_temp.actor('supervisor'), :c, 1,
    'issue-test-3') \gset again_
SELECT is(row(:'again_code', :'again_number')::text,
    row('ok', :'first_number')::text, 'a repeated approval answers the same');
SELECT is((SELECT count(*) FROM permits WHERE case_id = :c)::int, 1,
    'and issues once');
SELECT is((SELECT count(*) FROM permit_events)::int, 1,
    'one issued event in the feed');

-------------------------------------------------------------------------
-- 3. Numbers: consecutive, rolled back with a failed issuance.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('cleared') AS c2 \gset
SELECT pg_temp.t_case('cleared') AS c3 \gset
SELECT FROM permit_propose(pg_temp.actor('officer'), :c2, 1);
SELECT FROM permit_propose(pg_temp.actor('officer'), :c3, 1);

-- (pgTAP's own results roll back with a savepoint: test after it.)
SAVEPOINT failed_issue;
SELECT number AS drawn FROM permit_issue(pg_temp.actor('supervisor'), :c2,
    1, NULL) \gset
ROLLBACK TO SAVEPOINT failed_issue;
SELECT is(:'drawn'::text, 'TAA-' || :yr || '-P000002', 'the next number is drawn');
SELECT is((SELECT count(*) FROM permits WHERE case_id = :c2)::int, 0,
    'an issuance that fails leaves no permit behind');

UPDATE cases SET sponsor_email = 'hr@pt-uji.example' WHERE id = :c3;
SELECT is((SELECT number FROM permit_issue(pg_temp.actor('supervisor2'), :c3,
    1, NULL)), 'TAA-' || :yr || '-P000002',
    'and its number goes to the next permit: no gap, no orphan');
SELECT is((SELECT number FROM permit_issue(pg_temp.actor('supervisor'), :c2,
    1, NULL)), 'TAA-' || :yr || '-P000003', 'numbers stay consecutive');
SELECT is((SELECT string_agg(to_addr || ' ' || (data->>'reference'), ',')
    FROM mail_outbox WHERE kind = 'sponsor_permit'),
    'hr@pt-uji.example ' || (SELECT reference FROM cases WHERE id = :c3),
    'the sponsor with an address is told, once; one without is not');

-------------------------------------------------------------------------
-- 4. Stale-watchlist guard.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('cleared') AS old \gset
UPDATE clearance_results SET checked_at = now() - interval '400 days'
    WHERE case_id = :old;
SELECT FROM permit_propose(pg_temp.actor('officer'), :old, 1);
SELECT is((SELECT code FROM permit_issue(pg_temp.actor('supervisor'), :old, 1,
    NULL)), 'clearance_stale', 'an old clearance does not issue');
SELECT is((SELECT state::text FROM cases WHERE id = :old),
    'awaiting_clearance', 'the case goes back for a new check');
SELECT is((SELECT count(*) FROM outbox WHERE case_id = :old AND
    status = 'pending')::int, 1, 'which is queued for central');
SELECT is((SELECT status FROM proposals WHERE case_id = :old), 'superseded',
    'the proposal lapses');
SELECT is((SELECT count(*) FROM permits WHERE case_id = :old)::int, 0,
    'and no number was drawn');
SELECT is((SELECT last_serial FROM permit_counters), 3,
    'the counter did not move');

-------------------------------------------------------------------------
-- 5. No way around the four eyes.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('cleared') AS raw \gset
SAVEPOINT raw_issue;
SELECT (case_apply(pg_temp.actor('supervisor'), :raw, 'issue', 1,
    NULL)).code AS raw_code \gset
CREATE FUNCTION pg_temp.commit_check() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	SET CONSTRAINTS cases_issued_with_permit IMMEDIATE;
	RETURN 'committed';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE;
END $$;
SELECT pg_temp.commit_check() AS raw_commit \gset
ROLLBACK TO SAVEPOINT raw_issue;
SELECT is(:'raw_code'::text, 'ok', 'the bare command function moves the state');
SELECT is(:'raw_commit'::text, '23514',
    'but the transaction cannot commit without a permit');

SELECT format($$SELECT * FROM permit_issue(%s, %s, 1, NULL)$$,
    pg_temp.actor('supervisor'), :raw) AS raw_issue \gset
SET LOCAL ROLE kitas_app;
SELECT throws_ok(:'raw_issue', '42501', NULL,
    'the server''s role cannot call permit_issue directly');
RESET ROLE;

-------------------------------------------------------------------------
-- 6. Cancelling: revocation list and feed.
-------------------------------------------------------------------------
SELECT is((permit_cancel(pg_temp.actor('officer'), :c, 2, 'fraud',
    NULL)).code, 'forbidden', 'an officer cannot cancel a permit');
SELECT is((permit_cancel(pg_temp.actor('supervisor'), :c, 2, '  ',
    NULL)).code, 'invalid_input', 'a cancellation needs a reason');
SELECT is((permit_cancel(pg_temp.actor('supervisor'), :c, 2,
    'Sponsor withdrew', 'cancel-test-1')).code, 'ok', 'a supervisor cancels');
SELECT is((SELECT array_agg(number) FROM permit_revocations()),
    ARRAY[:'first_number'], 'the number is on the revocation list');
SELECT is((SELECT string_agg(kind, ',' ORDER BY seq) FROM permit_events),
    'issued,issued,issued,cancelled', 'the feed has every event in order');
SELECT is((SELECT row(found, reason)::text FROM permit_lookup(:'first_number')),
    '(t,"Sponsor withdrew")', 'lookup tells why');
SELECT is((SELECT found FROM permit_lookup('TAA-2026-P999999')), false,
    'an unknown number is not found');

-------------------------------------------------------------------------
-- 7. Published keys.
-------------------------------------------------------------------------
-- (The cluster may hold its own key already: these come after it.)
SELECT FROM permit_key_publish(901, decode(repeat('11', 32), 'hex'), current_date + 1);
SELECT FROM permit_key_publish(902, decode(repeat('22', 32), 'hex'), current_date + 2);
SELECT FROM permit_key_publish(903, decode(repeat('33', 32), 'hex'), current_date + 3);
SELECT FROM permit_key_revoke(902, 'leaked');
SELECT matches(permit_keys_text(), format(
    E'^KITAS-PERMIT-KEYS 1\n(key [0-9]+ [^\n]+\n)*key 901 %s %s retired ERER[^\n]+\nkey 902 %s %s revoked IiIi[^\n]+\nkey 903 %s - active MzMz[^\n]+\n$',
    current_date + 1, current_date + 2, current_date + 2, current_date + 3,
    current_date + 3), 'the key list: retired, revoked, active');

-------------------------------------------------------------------------
-- 8. The printer's lease.
-------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM permit_render_claim('w1', 10))::int, 3,
    'the printer claims the unrendered permits');
SELECT is((SELECT count(*) FROM permit_render_claim('w2', 10))::int, 0,
    'another worker gets none while leased');
SELECT is(permit_render_done('w2', (SELECT id FROM permits WHERE case_id = :c),
    903, 'KITAS1:AAAA', '\x01', 'permit:x', 1), NULL,
    'only the lease holder stores the result');
SELECT is(permit_render_done('w1', (SELECT id FROM permits WHERE case_id = :c),
    903, 'KITAS1:AAAA', '\x01', 'permit:x', 1), true, 'the lease holder stores it');

-- A permit that cannot be printed: later again, then an incident.
SELECT FROM permit_render_failed('w1', (SELECT id FROM permits WHERE case_id = :c2),
    'photo: PNG does not decode');
SELECT is((SELECT row(render_error, render_lease > now(), render_owner IS NULL)::text
    FROM permits WHERE case_id = :c2), '("photo: PNG does not decode",t,t)',
    'a failed print is tried again later');
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'print_failed')::int, 0,
    'no incident while tries remain');
UPDATE permits SET render_attempts = 20, render_owner = 'w1' WHERE case_id = :c3;
SELECT FROM permit_render_failed('w1', (SELECT id FROM permits WHERE case_id = :c3),
    'permit_keys: cannot open');
SELECT is((SELECT count(*) FROM incidents WHERE kind = 'print_failed' AND
    case_id = :c3)::int, 1, 'the last failed try opens an incident');

-------------------------------------------------------------------------
-- 9. The holder's download: only a valid permit of an issued case.
-------------------------------------------------------------------------
SELECT pg_temp.sessions('applicant', 'supervisor');
SELECT reference AS c3ref FROM cases WHERE id = :c3 \gset
SELECT reference AS cref FROM cases WHERE id = :c \gset
SELECT is((SELECT row(number, sealed IS NULL, aad IS NULL)::text
    FROM portal_permit_pdf(pg_temp.sess('applicant'), :'c3ref')),
    row('TAA-' || :yr || '-P000002', true, true)::text,
    'not printed yet: the number without a PDF (the server says wait)');
UPDATE permits SET render_owner = 'w2' WHERE case_id = :c3;
SELECT FROM permit_render_done('w2', (SELECT id FROM permits
    WHERE case_id = :c3), 903, 'KITAS1:CCCC', '\x03', 'permit:c3', 1);

SELECT is((SELECT number FROM portal_permit_pdf(pg_temp.sess('applicant'),
    :'c3ref')), 'TAA-' || :yr || '-P000002',
    'the holder downloads the permit of an issued case');
SELECT is((SELECT row(c.state, p.revoked_at IS NOT NULL,
    p.rendered_at IS NOT NULL)::text FROM cases c JOIN permits p
    ON p.case_id = c.id WHERE c.id = :c), '(cancelled,t,t)',
    'the cancelled case''s permit is revoked and printed');
SELECT is((SELECT count(*) FROM portal_permit_pdf(pg_temp.sess('applicant'),
    :'cref'))::int, 0, '... and the holder can no longer download it');
SELECT is((SELECT number FROM office_permit_pdf(pg_temp.sess('supervisor'),
    :'cref')), :'first_number', '... while the office keeps its copy');
SELECT pg_temp.sessions('admin');
SELECT is((SELECT number FROM office_permit_pdf(pg_temp.sess('admin'),
    :'cref')), :'first_number', 'an admin reads the office''s copy too');
SELECT is((SELECT count(*) FROM audit_log WHERE action = 'permit_pdf_viewed'
    AND account_id = pg_temp.actor('admin') AND
    case_id = :c)::int, 1, '... recorded in the audit log as staff''s is');
UPDATE permits SET revoked_at = now(), revoked_reason = 'test'
    WHERE case_id = :c3;
SELECT is((SELECT count(*) FROM portal_permit_pdf(pg_temp.sess('applicant'),
    :'c3ref'))::int, 0, 'a revoked permit is never downloaded');

SELECT * FROM finish();
ROLLBACK;
