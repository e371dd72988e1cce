-- The partner exchange's queries and key rotation (0017): case-status
-- answered only to an entitled partner (its right and its offices), with
-- one not_found for unknown and not entitled alike; evidence only of the
-- partner's own messages; partner keys added, retired and revoked as
-- exchange_key() then sees them; who may call what.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(56);

-------------------------------------------------------------------------
-- 1. The types may be granted.
-------------------------------------------------------------------------
SELECT lives_ok($$INSERT INTO partners (account_id, name, types) VALUES
    (pg_temp.actor('partner'), 'Q All', '{case-status,evidence}')$$,
    'a partner may be given case-status and evidence');
SELECT throws_ok($$INSERT INTO partners (account_id, name, types) VALUES
    (pg_temp.actor('partner_b'), 'Nobody', '{case-statuz}')$$,
    '23514', NULL, 'an unknown type is still refused');
INSERT INTO partners (account_id, name, types, offices) VALUES
    (pg_temp.actor('partner_b'), 'Q TBB', '{case-status,evidence}',
    ARRAY[(SELECT id FROM offices WHERE code = 'TBB')]),
    (pg_temp.actor('partner_c'), 'Q No right', '{payment-notice,evidence}',
    NULL);
SELECT id AS qall FROM partners WHERE name = 'Q All' \gset
SELECT id AS qtbb FROM partners WHERE name = 'Q TBB' \gset
SELECT id AS qnr FROM partners WHERE name = 'Q No right' \gset
INSERT INTO partner_keys (keyid, partner_id, public_key, valid_from) VALUES
    ('q-all', :qall, decode(repeat('71', 32), 'hex'), now() - interval '1 day'),
    ('q-tbb', :qtbb, decode(repeat('72', 32), 'hex'), now() - interval '1 day'),
    ('q-nr', :qnr, decode(repeat('73', 32), 'hex'), now() - interval '1 day');

-- Two cases of office TAA: one with an issued permit, one submitted.
SELECT pg_temp.t_case('cleared') AS c1 \gset
SELECT FROM permit_propose(pg_temp.actor('officer'), :c1, 1);
SELECT FROM permit_issue(pg_temp.actor('supervisor'), :c1, 1, NULL);
SELECT pg_temp.t_case('submitted') AS c2 \gset
SELECT reference AS r1 FROM cases WHERE id = :c1 \gset
SELECT reference AS r2 FROM cases WHERE id = :c2 \gset
SELECT number AS pnum FROM permits WHERE case_id = :c1 \gset
-- Well formed, right check character, never issued.
SELECT 'TAA-1999-999999-' || case_ref_check('TAA1999999999') AS unknown \gset

-------------------------------------------------------------------------
-- 2. An entitled partner is told.
-------------------------------------------------------------------------
SELECT * FROM exchange_case_status(:qall, 'cs-all-0001', 'q-all', 'd1',
    '\x01', '<caseStatusRequest a="1"/>', :'r1') \gset s1_
SELECT is(:s1_status, 200, 'a partner serving all offices is answered');
SELECT ok(xml_is_well_formed_document(:'s1_answer'), 'with an XML document');
SELECT matches(:'s1_answer'::text, format('^<\?xml version="1.0" encoding="UTF-8"\?>'
    '<caseStatus xmlns="urn:kitas:exchange:case-status:1" version="1" '
    'messageId="cs-all-0001" reference="%s"><state since="[0-9-]+T[0-9:.]+Z">'
    'issued</state><permitKind>E23</permitKind><office>TAA</office>'
    '<permit number="%s" validFrom="[0-9-]{10}" validTo="[0-9-]{10}"/>'
    '</caseStatus>$', :'r1', :'pnum'),
    'state, since, kind, office and the permit with its validity');
SELECT * FROM exchange_case_status(:qall, 'cs-all-0002', 'q-all', 'd2',
    '\x02', '<r/>', :'r2') \gset s2_
SELECT ok(:s2_status = 200 AND :'s2_answer' ~ '<state since="[^"]+">submitted</state>'
    AND :'s2_answer' !~ '<permit ', 'a case without a permit has no permit element');
SELECT is((SELECT status FROM exchange_case_status(:qall, 'cs-all-0003',
    'q-all', 'd3', '\x03', '<r/>', ' ' || lower(:'r1'))), 200,
    'a reference is read as the counter reads it (trimmed, any case)');
SELECT * FROM exchange_case_status(:qall, 'cs-all-0001', 'q-all', 'd1',
    '\x04', '<caseStatusRequest a="1"/>', :'r2') \gset again_
SELECT is(row(:again_status, :'again_answer')::text,
    row(:s1_status, :'s1_answer')::text,
    'a repeated message id gets the first answer');

-------------------------------------------------------------------------
-- 3. Not entitled is not_found, exactly as unknown.
-------------------------------------------------------------------------
SELECT * FROM exchange_case_status(:qtbb, 'cs-tbb-0001', 'q-tbb', 'db1',
    '\xb1', '<r/>', :'r1') \gset t1_
SELECT * FROM exchange_case_status(:qtbb, 'cs-tbb-0002', 'q-tbb', 'db2',
    '\xb2', '<r/>', :'unknown') \gset t2_
SELECT is(:t1_status, 422, 'a case of an office the partner does not serve: 422');
SELECT matches(:'t1_answer'::text, 'outcome="rejected"><error code="not_found" '
    'path="/caseStatusRequest/@reference">', '... not_found');
SELECT unalike(:'t1_answer'::text, '%' || :'r1' || '%', '... not even the reference echoed');
SELECT is(row(:t1_status, replace(:'t1_answer', 'cs-tbb-0001', 'X'))::text,
    row(:t2_status, replace(:'t2_answer', 'cs-tbb-0002', 'X'))::text,
    'the same answer as for a reference nobody issued (but the message id)');

SELECT * FROM exchange_case_status(:qnr, 'cs-nr-0001', 'q-nr', 'dn1',
    '\xc1', '<r/>', :'r1') \gset n1_
SELECT * FROM exchange_case_status(:qnr, 'cs-nr-0002', 'q-nr', 'dn2',
    '\xc2', '<r/>', :'unknown') \gset n2_
SELECT is(row(:n1_status, replace(:'n1_answer', 'cs-nr-0001', 'X'))::text,
    row(:t2_status, replace(:'t2_answer', 'cs-tbb-0002', 'X'))::text,
    'a partner without the case-status right gets the same not_found');
SELECT is(row(:n2_status, replace(:'n2_answer', 'cs-nr-0002', 'X'))::text,
    row(:n1_status, replace(:'n1_answer', 'cs-nr-0001', 'X'))::text,
    '... for a real case and an unknown one alike');
SELECT is((SELECT array_agg(DISTINCT row(type, outcome, error_code)::text)
    FROM exchange_messages WHERE message_id IN ('cs-tbb-0001', 'cs-tbb-0002',
    'cs-nr-0001', 'cs-nr-0002')), ARRAY['(case-status,rejected,not_found)'],
    'and all four are logged alike');
SELECT is((SELECT array_agg(DISTINCT cardinality(offices))
    FROM exchange_messages WHERE message_id IN ('cs-tbb-0001', 'cs-tbb-0002',
    'cs-nr-0001', 'cs-nr-0002')), ARRAY[0],
    'as about no office: they named no case the partner may see');
SELECT is((SELECT offices FROM exchange_messages
    WHERE message_id = 'cs-all-0001'), ARRAY[(SELECT id FROM offices
    WHERE code = 'TAA')], 'an answered question concerns the case''s office');

UPDATE partners SET offices = offices || (SELECT id FROM offices WHERE code = 'TAA')
    WHERE id = :qtbb;
SELECT is((SELECT status FROM exchange_case_status(:qtbb, 'cs-tbb-0003',
    'q-tbb', 'db3', '\xb3', '<r/>', :'r1')), 200,
    'once the partner serves the office, it is told');

-------------------------------------------------------------------------
-- 4. Malformed references.
-------------------------------------------------------------------------
SELECT * FROM exchange_case_status(:qall, 'cs-bad-0001', 'q-all', 'dx1',
    '\xd1', '<r/>', 'TAA-2026-12') \gset m1_
SELECT ok(:m1_status = 422 AND :'m1_answer' ~ 'code="invalid_input"',
    'a malformed reference is invalid_input');
SELECT * FROM exchange_case_status(:qall, 'cs-bad-0002', 'q-all', 'dx2',
    '\xd2', '<r/>', left(:'r1', 16) || CASE right(:'r1', 1) WHEN '0' THEN '1'
    ELSE '0' END) \gset m2_
SELECT ok(:m2_status = 422 AND :'m2_answer' ~ 'code="invalid_input"'
    AND :'m2_answer' ~ 'check character', 'a wrong check character is invalid_input');
SELECT is((SELECT status FROM exchange_case_status(:qall, 'cs-bad-0003',
    'q-all', 'dx3', '\xd3', '<r/>', NULL)), 422, 'no reference: invalid_input');

-------------------------------------------------------------------------
-- 5. Evidence: one's own messages only.
-------------------------------------------------------------------------
SELECT * FROM exchange_evidence(:qall, 'ev-all-0001', 'q-all', 'de1',
    '\xe1', '<r/>', 'cs-all-0001') \gset e1_
SELECT is(:e1_status, 200, 'a partner gets the evidence of its own message');
SELECT ok(xml_is_well_formed_document(:'e1_answer'), 'as an XML document');
SELECT matches(:'e1_answer'::text, '^<\?xml version="1.0" encoding="UTF-8"\?>'
    '<evidence xmlns="urn:kitas:exchange:evidence:1" version="1" '
    'messageId="ev-all-0001" of="cs-all-0001"><receivedAt>[0-9-]+T[0-9:.]+Z'
    '</receivedAt><type>case-status</type><digest>d1</digest><keyid>q-all</keyid>'
    '<signature>AQ==</signature><outcome>accepted</outcome><body>',
    'time, type, digest, key id, signature in base64, outcome');
SELECT ok(strpos(:'e1_answer', '<body>&lt;caseStatusRequest a="1"/&gt;</body>') > 0,
    'the body as received, escaped');
SELECT ok(strpos(:'e1_answer', '<answer>' || replace(replace(replace(:'s1_answer',
    '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</answer>') > 0,
    'and the answer we gave, escaped');
SELECT unalike(:'e1_answer'::text, '%<errorCode>%', 'an accepted message has no error code');

SELECT * FROM exchange_evidence(:qall, 'ev-all-0002', 'q-all', 'de2',
    '\xe2', '<r/>', 'cs-bad-0001') \gset e2_
SELECT matches(:'e2_answer'::text, '<outcome>rejected</outcome><errorCode>invalid_input'
    '</errorCode>', 'a refused message: its outcome and error code');
SELECT * FROM exchange_evidence(:qall, 'ev-all-0003', 'q-all', 'de3',
    '\xe3', E'<r>\r\n</r>', 'cs-all-0001') \gset e3_
SELECT * FROM exchange_evidence(:qall, 'ev-all-0004', 'q-all', 'de4',
    '\xe4', '<r/>', 'ev-all-0003') \gset e4_
SELECT ok(strpos(:'e4_answer', '<body>&lt;r&gt;&#x0d;' || E'\n' || '&lt;/r&gt;</body>') > 0,
    'a CR in a body is written as a reference (a parser gives it back)');

SELECT * FROM exchange_evidence(:qtbb, 'ev-tbb-0001', 'q-tbb', 'dt1',
    '\xf1', '<r/>', 'cs-all-0001') \gset o1_
SELECT * FROM exchange_evidence(:qtbb, 'ev-tbb-0002', 'q-tbb', 'dt2',
    '\xf2', '<r/>', 'never-sent-0001') \gset o2_
SELECT is(:o1_status, 422, 'another partner''s message id: 422');
SELECT matches(:'o1_answer'::text, 'code="not_found"', '... not_found');
SELECT is(replace(:'o1_answer', 'ev-tbb-0001', 'X'),
    replace(:'o2_answer', 'ev-tbb-0002', 'X'),
    '... as for a message id nobody sent');

SELECT is((SELECT row(type, outcome, keyid)::text FROM partner_evidence('Q All',
    'cs-all-0001')), '(case-status,accepted,q-all)',
    'the supervisor''s evidence (kitasctl) finds the message');
SELECT is((SELECT body FROM partner_evidence('Q All', 'cs-all-0001')),
    '<caseStatusRequest a="1"/>', '... with its body');
SELECT is((SELECT count(*) FROM partner_evidence('Q TBB', 'cs-all-0001'))::int, 0,
    '... only under the partner that sent it');

-------------------------------------------------------------------------
-- 6. Key rotation.
-------------------------------------------------------------------------
SELECT lives_ok($$SELECT FROM partner_key_add('Q All', 'q-all-2',
    encode(decode(repeat('74', 32), 'hex'), 'base64'))$$, 'a second key is added');
SELECT is((SELECT array_agg(k ORDER BY k) FROM (SELECT partner_id AS k FROM
    exchange_key('q-all') UNION ALL SELECT partner_id FROM exchange_key('q-all-2')) x),
    ARRAY[:qall, :qall], 'both keys work, for the same partner');
SELECT lives_ok($$SELECT FROM partner_key_add('Q All', 'q-all-3',
    encode(decode(repeat('75', 32), 'hex'), 'base64'), now() + interval '1 day')$$,
    'a key may be added for later');
SELECT is((SELECT count(*) FROM exchange_key('q-all-3'))::int
    || '/' || (SELECT count(*) FROM exchange_key('q-all-3', now() + interval '2 days')),
    '0/1', '... and works only from then');
SELECT throws_ok($$SELECT FROM partner_key_add('Nobody', 'q-x',
    encode(decode(repeat('76', 32), 'hex'), 'base64'))$$, 'P0002', NULL,
    'a key for an unknown partner is refused');
SELECT throws_ok($$SELECT FROM partner_key_add('Q All', 'q-all',
    encode(decode(repeat('76', 32), 'hex'), 'base64'))$$, '23505', NULL,
    'a key id is never reused');
SELECT throws_ok($$SELECT FROM partner_key_add('Q All', 'q-short',
    encode('\x0102'::bytea, 'base64'))$$, '23514', NULL,
    'a public key must be 32 bytes');

SELECT lives_ok($$SELECT FROM partner_key_retire('q-all', now() + interval '1 hour')$$,
    'the first key is retired from an hour on');
SELECT is((SELECT count(*) FROM exchange_key('q-all'))::int || '/' ||
    (SELECT count(*) FROM exchange_key('q-all', now() + interval '2 hours')),
    '1/0', '... it works until then, not after');
SELECT throws_ok($$SELECT FROM partner_key_retire('q-all', now() + interval '1 day')$$,
    '23514', NULL, 'a retirement is never moved later');
SELECT lives_ok($$SELECT FROM partner_key_retire('q-all')$$, '... but may come sooner');
SELECT is((SELECT count(*) FROM exchange_key('q-all'))::int, 0, 'retired now: unknown now');
SELECT is((SELECT status FROM exchange_case_status(:qall, 'cs-rot-0001', 'q-all',
    'dr1', '\x91', '<r/>', :'r1')), 401, 'and a message under it is refused');
SELECT is((SELECT status FROM exchange_case_status(:qall, 'cs-rot-0002', 'q-all-2',
    'dr2', '\x92', '<r/>', :'r1')), 200, 'while the new key works');

SELECT lives_ok($$SELECT FROM partner_key_revoke('q-all-2')$$, 'the new key is revoked');
SELECT is((SELECT count(*) FROM exchange_key('q-all-2'))::int, 0, '... unknown at once');
SELECT is((SELECT status FROM exchange_case_status(:qall, 'cs-rot-0003', 'q-all-2',
    'dr3', '\x93', '<r/>', :'r1')), 401, '... and refused');
SELECT throws_ok($$SELECT FROM partner_key_retire('q-all-2')$$, '23514', NULL,
    'a revoked key cannot be retired back into a date');
SELECT throws_ok($$SELECT FROM partner_key_revoke('nobody-0001')$$, 'P0002', NULL,
    'revoking an unknown key says so');

-------------------------------------------------------------------------
-- 7. Privileges.
-------------------------------------------------------------------------
SELECT ok(has_function_privilege('kitas_app', 'exchange_case_status(integer, text, '
    'text, text, bytea, text, text, timestamptz)', 'EXECUTE') AND
    has_function_privilege('kitas_app', 'exchange_evidence(integer, text, text, '
    'text, bytea, text, text, timestamptz)', 'EXECUTE'),
    'the server role may call the two exchange functions');
SELECT ok(NOT has_function_privilege('kitas_app', 'partner_key_add(text, text, text, '
    'timestamptz)', 'EXECUTE') AND NOT has_function_privilege('kitas_app',
    'partner_key_retire(text, timestamptz)', 'EXECUTE') AND NOT
    has_function_privilege('kitas_app', 'partner_key_revoke(text)', 'EXECUTE') AND NOT
    has_function_privilege('kitas_app', 'partner_evidence(text, text)', 'EXECUTE') AND NOT
    has_function_privilege('kitas_app', 'case_status_answer(text, bigint)', 'EXECUTE'),
    'but not the operator''s key and evidence functions, nor the helpers');

SELECT * FROM finish();
ROLLBACK;
