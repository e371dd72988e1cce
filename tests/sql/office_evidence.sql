-- The exchange's evidence in the back office (0020): supervisors only,
-- only partners serving their office, every view in the audit log.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(6);

SELECT pg_temp.sessions('officer', 'supervisor');

INSERT INTO partners (account_id, name, types, offices) VALUES
    (pg_temp.actor('partner'), 'Bank A', '{payment-notice}', NULL),
    (pg_temp.actor('partner_b'), 'Bank B', '{payment-notice}',
    ARRAY[(SELECT id FROM offices WHERE code = 'TBB')]);
INSERT INTO exchange_messages (partner_id, message_id, type, keyid, digest,
    signature, received_at, outcome, body, response)
SELECT p.id, 'msg-evd-0001', 'payment-notice', 'k', 'sha-256=:x:', '\x01',
    now(), 'accepted', '<body/>', '<answer/>'
FROM partners p WHERE p.name IN ('Bank A', 'Bank B');

SELECT ok(office_evidence_xml(pg_temp.sess('officer'), 'Bank A',
    'msg-evd-0001') IS NULL, 'an officer gets nothing');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Bank A',
    'msg-evd-0001')::text, '<message [^>]*type="payment-notice".*<body>&lt;body/&gt;</body>',
    'a supervisor reads a message of a partner serving the office');
SELECT is((SELECT count(*) FROM audit_log WHERE action = 'evidence_viewed'
    AND detail->>'partner' = 'Bank A')::int, 1, 'the view is audited');
SELECT doesnt_match(office_evidence_xml(pg_temp.sess('supervisor'), NULL,
    NULL)::text, 'Bank B', 'a partner of another office is not listed');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Bank B',
    'msg-evd-0001')::text, '<not-found/>', 'nor shown');
SELECT matches(office_evidence_xml(pg_temp.sess('supervisor'), 'Bank A',
    'bad id!')::text, '^<evidence-page[^>]*>(<partner [^>]*/>)*</evidence-page>$',
    'a malformed id is not looked up');

SELECT * FROM finish();
ROLLBACK;
