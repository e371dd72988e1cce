-- The applicant's case page model (portal_case_xml, 0006): the office's
-- request and refusal reasons reach the applicant; what stays in the
-- office (a payment receipt number, a proposal) does not.  A case that
-- ends unpaid voids its billing code.  The applicant's answer to a
-- request for information brings a document.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(25);

INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen_at,
    expires_at)
    VALUES (sha256('portal-case-test'), pg_temp.actor('applicant'),
    repeat('c', 32), now(), now(), now() + interval '1 hour');

SELECT pg_temp.t_case('submitted') AS c \gset
SELECT reference AS ref FROM cases WHERE id = :c \gset
SELECT FROM case_apply(pg_temp.actor('officer'), :c, 'request_info', 1, NULL,
    now(), '{"reason": "Bring the RPTKA approval, page 2"}');

SELECT matches(portal_case_xml(sha256('portal-case-test'), :'ref')::text,
    'command="request_info"[^>]*reason="Bring the RPTKA approval, page 2"',
    'the applicant reads what the office asked for');

SELECT FROM case_apply(pg_temp.actor('applicant'), :c, 'provide_info', 2, NULL);
SELECT FROM case_apply(pg_temp.actor('supervisor'), :c, 'pay', 3, NULL, now(),
    '{"receipt": "BNI-SECRET-4711", "reason": "BNI-SECRET-4711"}');
SELECT doesnt_match(portal_case_xml(sha256('portal-case-test'), :'ref')::text,
    'BNI-SECRET-4711', 'a receipt number stays in the office');

SELECT pg_temp.t_case('submitted') AS mine \gset
UPDATE cases SET account_id = pg_temp.actor('other_applicant') WHERE id = :mine;
SELECT ok(portal_case_xml(sha256('portal-case-test'),
    (SELECT reference FROM cases WHERE id = :mine)) IS NULL,
    'another person''s case has no model');
SELECT ok(portal_case_xml(sha256('no-such-session'), :'ref') IS NULL,
    'no session, no model');

-------------------------------------------------------------------------
-- A case that ends before it is paid: its code is void, not payable.
-------------------------------------------------------------------------
INSERT INTO partners (account_id, name, types)
    VALUES (pg_temp.actor('partner'), 'Bank T', '{payment-notice}');
INSERT INTO partner_keys (keyid, partner_id, public_key, valid_from)
    SELECT 't-now', id, decode(repeat('11', 32), 'hex'),
    now() - interval '1 day' FROM partners WHERE name = 'Bank T';
SELECT id AS bank FROM partners WHERE name = 'Bank T' \gset

SELECT pg_temp.t_case('submitted') AS w \gset
SELECT reference AS wref FROM cases WHERE id = :w \gset
SELECT billing_issue(c, 1500000, now()) AS wcode FROM cases c WHERE id = :w
    \gset
SELECT is((portal_command(sha256('portal-case-test'), :'wref', 'withdraw', 1,
    NULL)).code, 'ok', 'the applicant withdraws a submitted case');
SELECT is((SELECT void_at FROM billing_codes WHERE code = :'wcode'), now(),
    '... which voids its open billing code in the same transaction');
SELECT doesnt_match(portal_case_xml(sha256('portal-case-test'),
    :'wref')::text, '<billing', '... so the case page shows no code');
SELECT is((SELECT status FROM exchange_payment_notice(:bank, 'msg-void-01',
    't-now', 'dv1', '\x0a', '<body/>', :'wcode', 1500000, now(), 'REFV')),
    422, 'a payment notice for the void code afterwards is refused');
SELECT is((SELECT row(c.state, c.version, b.paid_at)::text FROM cases c
    JOIN billing_codes b ON b.case_id = c.id WHERE b.code = :'wcode'),
    row('withdrawn', 2, NULL::timestamptz)::text,
    '... and changes nothing: still withdrawn, the code unpaid');

SELECT pg_temp.t_case('submitted') AS rj \gset
SELECT billing_issue(c, 1500000, now()) AS rcode FROM cases c WHERE id = :rj
    \gset
SELECT FROM case_apply(pg_temp.actor('officer'), :rj, 'request_info', 1,
    NULL, now(), '{"reason": "Bring the RPTKA approval"}');
SELECT is((SELECT void_at FROM billing_codes WHERE code = :'rcode'), NULL,
    'a request for more information leaves the code open');
SELECT FROM case_apply(pg_temp.actor('officer'), :rj, 'reject', 2, NULL,
    now(), '{"reason": "Not a valid RPTKA"}');
SELECT is((SELECT void_at FROM billing_codes WHERE code = :'rcode'), now(),
    'a rejection voids it');

-------------------------------------------------------------------------
-- Answering a request for information (portal_command 'provide_info').
-------------------------------------------------------------------------
-- A passport uploaded with the draft, an hour before the request.
SELECT pg_temp.t_case('draft') AS mi \gset
SELECT reference AS miref FROM cases WHERE id = :mi \gset
SELECT portal_document_add(sha256('portal-case-test'), :'miref', 'passport',
    'passport.pdf', 'application/pdf', 100, '\x01',
    'document:' || :'miref' || ':passport:1', now() - interval '1 hour')
    AS ignore \gset
SELECT FROM case_apply(pg_temp.actor('applicant'), :mi, 'submit', 1, NULL);
SELECT FROM case_apply(pg_temp.actor('officer'), :mi, 'request_info', 2,
    NULL, now(), '{"reason": "The RPTKA approval, page 2"}');
SELECT is((portal_command(sha256('portal-case-test'), :'miref',
    'provide_info', 3, NULL)).code, 'info_missing',
    'the applicant cannot answer a request without uploading anything');
SELECT is((SELECT row(state, version)::text FROM cases WHERE id = :mi),
    '(more_info,3)', '... the case still waits for the answer');
SELECT is(portal_document_add(sha256('portal-case-test'), :'miref', 'rptka',
    'rptka.pdf', 'application/pdf', 100, '\x02',
    'document:' || :'miref' || ':rptka:1'), 'ok',
    'the applicant uploads what was asked');
SELECT is((portal_command(sha256('portal-case-test'), :'miref',
    'provide_info', 3, 'answer-key-0001')).code, 'ok',
    '... and then answers: a document since the request');
SELECT is((portal_command(sha256('portal-case-test'), :'miref',
    'provide_info', 3, 'answer-key-0001')).code, 'ok',
    '... a repeated answer replays');

-- At the counter the officer records the answer brought on paper.
SELECT pg_temp.sessions('officer');
SELECT FROM case_apply(pg_temp.actor('officer'), :mi, 'request_info', 4,
    NULL, now(), '{"reason": "The original passport, at the counter"}');
SELECT is(office_command(pg_temp.sess('officer'), :'miref', 'provide_info',
    5, NULL, NULL), 'ok',
    'an officer records the answer at the counter without an upload');

-------------------------------------------------------------------------
-- Details corrected while the office waits are a step of the history.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('more_info') AS m \gset
SELECT reference AS mref, version AS mv FROM cases WHERE id = :m \gset
UPDATE cases SET domicile_address = 'Jl. Lama 1' WHERE id = :m;
SELECT is(portal_draft_update(sha256('portal-case-test'), :'mref', 'PT Uji',
    'RPTKA-1', 'Jl. Baru 2', ''), 'ok', 'the applicant corrects the address');
SELECT is((SELECT row(c.version - :mv, e.command, e.to_state,
    e.payload->'before'->>'domicile_address',
    e.payload->'after'->>'domicile_address')::text
    FROM cases c JOIN case_events e ON e.case_id = c.id AND
    e.version = c.version WHERE c.id = :m),
    '(1,update_details,more_info,"Jl. Lama 1","Jl. Baru 2")',
    '... a step with what it was and what it became, and a new version');
SELECT is(portal_draft_update(sha256('portal-case-test'), :'mref', 'PT Uji',
    'RPTKA-1', 'Jl. Baru 2', ''), 'ok', 'the same details again ...');
SELECT is((SELECT version - :mv FROM cases WHERE id = :m), 1,
    '... are no new step');
SELECT is((SELECT count(*) FROM mail_outbox WHERE data->>'reference' = :'mref'
    AND kind = 'case_status'), 0::bigint, 'no status mail for it');

-------------------------------------------------------------------------
-- Submitting needs a confirmed e-mail address: the office writes to it
-- and the billing code is issued to it.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('draft') AS d \gset
SELECT reference AS dref FROM cases WHERE id = :d \gset
INSERT INTO documents (case_id, doc_type, filename, content_type, size,
    sealed, aad, uploaded_by, uploaded_at)
    SELECT :d, q.doc_type, 'x.pdf', 'application/pdf', 10, '\x00',
    'test:' || :d || ':' || q.doc_type, pg_temp.actor('applicant'), now()
    FROM permit_requirements q WHERE q.permit_kind = 'E23';
UPDATE accounts SET email_confirmed_at = NULL
    WHERE id = pg_temp.actor('applicant');
SELECT is((SELECT code FROM portal_submit(sha256('portal-case-test'), :'dref',
    1, 'submit-unconfirmed-1')), 'email_unconfirmed',
    'an unconfirmed address cannot submit');
SELECT is((SELECT state || '/' || version || '/' || (SELECT count(*)
    FROM billing_codes WHERE case_id = :d) FROM cases WHERE id = :d),
    'draft/1/0', '... the case stays a draft, and no billing code is issued');
UPDATE accounts SET email_confirmed_at = now()
    WHERE id = pg_temp.actor('applicant');
SELECT is((SELECT code FROM portal_submit(sha256('portal-case-test'), :'dref',
    1, 'submit-unconfirmed-2')), 'ok', 'confirmed, the same case goes');

SELECT * FROM finish();
ROLLBACK;
