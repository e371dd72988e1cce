-- The applicant's case page model (portal_case_xml, 0006): the office's
-- request and refusal reasons reach the applicant; what stays in the
-- office (a payment receipt number, a proposal) does not.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(4);

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

SELECT * FROM finish();
ROLLBACK;
