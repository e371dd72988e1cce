-- The exchange's evidence in the back office (0020): supervisors only,
-- only partners serving their office, only messages that concern their
-- office and no other (exchange_messages.offices, recorded by each
-- message type's function), every view in the audit log.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(22);

WITH a AS (
	INSERT INTO accounts (role, office_id, email, display_name)
	VALUES ('supervisor', (SELECT id FROM offices WHERE code = 'TBB'),
	    't.supervisor.b@test', 'supervisor_b')
	RETURNING id
)
INSERT INTO t_actor SELECT 'supervisor_b', id FROM a;
SELECT pg_temp.sessions('officer', 'supervisor', 'supervisor_b');

INSERT INTO partners (account_id, name, types, offices) VALUES
    (pg_temp.actor('partner'), 'Bank A', '{payment-notice}', NULL),
    (pg_temp.actor('partner_b'), 'Bank B', '{payment-notice}',
    ARRAY[(SELECT id FROM offices WHERE code = 'TBB')]);
INSERT INTO exchange_messages (partner_id, message_id, type, keyid, digest,
    signature, received_at, outcome, body, response, offices)
SELECT p.id, 'msg-evd-0001', 'payment-notice', 'k', 'sha-256=:x:', '\x01',
    now(), 'accepted', '<body/>', '<answer/>', coalesce(p.offices,
    ARRAY[(SELECT id FROM offices WHERE code = 'TAA')])
FROM partners p WHERE p.name IN ('Bank A', 'Bank B');

SELECT ok(office_evidence_xml(pg_temp.sess('officer'), 'Bank A',
    'msg-evd-0001') IS NULL, 'an officer gets nothing');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Bank A',
    'msg-evd-0001')::text, '<message [^>]*type="payment-notice".*<body>&lt;body/&gt;</body>',
    'a supervisor reads a message about the office');
SELECT is((SELECT count(*) FROM audit_log WHERE action = 'evidence_viewed'
    AND detail->>'partner' = 'Bank A')::int, 1, 'the view is audited');
SELECT doesnt_match(office_evidence_xml(pg_temp.sess('supervisor'), NULL,
    NULL)::text, 'Bank B', 'a partner of another office is not listed');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Bank B',
    'msg-evd-0001')::text, '<not-found/>', 'nor shown');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Bank A',
    'bad id!')::text, '^<evidence-page[^>]*>(<partner [^>]*/>)*</evidence-page>$',
    'a malformed id is not looked up');

-------------------------------------------------------------------------
-- A partner serving both offices: each message is shown to the office
-- it concerns, as its type's function recorded it, and to no other.
-------------------------------------------------------------------------
INSERT INTO partners (account_id, name, types, offices) VALUES
    (pg_temp.actor('partner_c'), 'Agency M',
    '{payment-notice,sponsor-batch,evidence}',
    (SELECT array_agg(id ORDER BY id) FROM offices
    WHERE code IN ('TAA', 'TBB')));
SELECT id AS m FROM partners WHERE name = 'Agency M' \gset
INSERT INTO partner_keys (keyid, partner_id, public_key, valid_from)
    VALUES ('t-m', :m, decode(repeat('66', 32), 'hex'),
    now() - interval '1 day');
SELECT id AS taa FROM offices WHERE code = 'TAA' \gset
SELECT id AS tbb FROM offices WHERE code = 'TBB' \gset

-- A submitted case in each office, each with its billing code.
SELECT pg_temp.t_case('submitted') AS ca \gset
SELECT (case_create(pg_temp.actor('officer_b'), :tbb,
    (SELECT id FROM applicants WHERE passport_no = 'OO7654321'), 'E23',
    1::smallint, 'regular', 'employer', 'PT Uji', 'RPTKA-1', NULL)).case_id
    AS cb \gset
SELECT case_apply(pg_temp.actor('officer_b'), :cb, 'submit', 1, NULL)
    \g /dev/null
INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
    VALUES ('800200000000001', :ca, 1500000, now(), now() + interval '7 days'),
    ('800200000000002', :cb, 1500000, now(), now() + interval '7 days');

SELECT is((SELECT status FROM exchange_payment_notice(:m, 'msg-m-0001', 't-m',
    'd', '\x11', '<b1/>', '800200000000002', 1500000, now(), 'R2')), 200,
    'the partner pays office TBB''s case');
SELECT is((SELECT offices FROM exchange_messages WHERE partner_id = :m AND
    message_id = 'msg-m-0001'), ARRAY[:tbb],
    'the message is recorded as about office TBB');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Agency M',
    'msg-m-0001')::text, '<not-found/>',
    'office TAA''s supervisor is not shown it, though the partner serves TAA');
SELECT is((SELECT count(*) FROM audit_log WHERE action = 'evidence_viewed'
    AND detail->>'message_id' = 'msg-m-0001')::int, 0,
    'and no view is recorded');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor_b'), 'Agency M',
    'msg-m-0001')::text, '<message [^>]*type="payment-notice".*<body>&lt;b1/&gt;</body>',
    'office TBB''s supervisor is');

SELECT is((SELECT status FROM exchange_payment_notice(:m, 'msg-m-0002', 't-m',
    'd', '\x12', '<b2/>', '800200000000001', 1500000, now(), 'R1')), 200,
    'the partner pays office TAA''s case');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Agency M',
    'msg-m-0002')::text, '<message ',
    'that one office TAA''s supervisor reads');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor_b'), 'Agency M',
    'msg-m-0002')::text, '<not-found/>', 'and office TBB''s does not');

-- A notice that names no case of ours concerns no office.
SELECT is((SELECT status FROM exchange_payment_notice(:m, 'msg-m-0003', 't-m',
    'd', '\x13', '<b3/>', '899999999999999', 1500000, now(), 'R3')), 422,
    'a notice for an unknown code is refused');
SELECT ok(office_evidence_xml(pg_temp.sess('supervisor'), 'Agency M',
    'msg-m-0003')::text ~ '<not-found/>' AND office_evidence_xml(
    pg_temp.sess('supervisor_b'), 'Agency M', 'msg-m-0003')::text
    ~ '<not-found/>', 'and is shown to no office');

-- The partner's evidence request carries the earlier message: it
-- concerns the same office.
SELECT is((SELECT status FROM exchange_evidence(:m, 'msg-m-0004', 't-m', 'd',
    '\x14', '<e/>', 'msg-m-0001')), 200, 'the partner asks for its evidence');
SELECT is((SELECT offices FROM exchange_messages WHERE partner_id = :m AND
    message_id = 'msg-m-0004'), ARRAY[:tbb],
    'which concerns office TBB as the message it returns');

-- A sponsor batch holds the applicants of every office it files at.
CREATE FUNCTION pg_temp.batch(p_id text, VARIADIC p_offices text[])
RETURNS text LANGUAGE sql AS $$
	SELECT '<?xml version="1.0" encoding="UTF-8"?>'
	    '<sponsorBatch xmlns="urn:kitas:exchange:sponsor-batch:1" version="1" '
	    'messageId="' || p_id || '"><sponsor><name>PT Uji</name></sponsor>' ||
	    string_agg(format('<application itemId="%s"><office>%s</office>'
	    '<permitKind>E31A</permitKind><durationYears>1</durationYears>'
	    '<serviceLevel>regular</serviceLevel><applicant><familyName>BATCH'
	    '</familyName><birthDate>1980-01-01</birthDate><sex>F</sex>'
	    '<nationality>AUS</nationality><passportNo>%s</passportNo>'
	    '<passportExpiry>2040-01-01</passportExpiry></applicant>'
	    '</application>', i, o, 'EV' || p_id_n || i), '' ORDER BY i) ||
	    '</sponsorBatch>'
	FROM unnest(p_offices) WITH ORDINALITY AS u(o, i),
	    (SELECT right(p_id, 4) AS p_id_n) n
$$;
SELECT is((SELECT status FROM exchange_sponsor_batch(:m, 'msg-m-0005', 't-m',
    'd', '\x15', pg_temp.batch('msg-m-0005', 'TBB'))), 200,
    'a batch filed at office TBB');
SELECT ok(office_evidence_xml(pg_temp.sess('supervisor'), 'Agency M',
    'msg-m-0005')::text ~ '<not-found/>' AND office_evidence_xml(
    pg_temp.sess('supervisor_b'), 'Agency M', 'msg-m-0005')::text
    ~ '<message ', 'is shown to office TBB only');
SELECT is((SELECT status FROM exchange_sponsor_batch(:m, 'msg-m-0006', 't-m',
    'd', '\x16', pg_temp.batch('msg-m-0006', 'TAA', 'TBB'))), 200,
    'a batch filed at both offices');
SELECT ok(office_evidence_xml(pg_temp.sess('supervisor'), 'Agency M',
    'msg-m-0006')::text ~ '<not-found/>' AND office_evidence_xml(
    pg_temp.sess('supervisor_b'), 'Agency M', 'msg-m-0006')::text
    ~ '<not-found/>',
    'is shown to neither: each would see the other''s applicants');

SELECT * FROM finish();
ROLLBACK;
