-- The civil registry's permit feed through the exchange (0012): pages in
-- seq order with a cursor that never skips nor repeats, the partner's
-- offices filtered but the cursor moving past the others, a repeated
-- message id answered as the first time, refusals, and who may call it.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(36);

-------------------------------------------------------------------------
-- 1. The type may be granted; unknown types still may not.
-------------------------------------------------------------------------
SELECT lives_ok($$INSERT INTO partners (account_id, name, types) VALUES
    (pg_temp.actor('partner'), 'Registry', '{permit-events}')$$,
    'a partner may be given permit-events');
SELECT throws_ok($$INSERT INTO partners (account_id, name, types) VALUES
    (pg_temp.actor('partner_c'), 'Nobody', '{permit-eventz}')$$,
    '23514', NULL, 'an unknown type is still refused');
INSERT INTO partners (account_id, name, types, offices) VALUES
    (pg_temp.actor('partner_b'), 'Registry B', '{permit-events}',
    ARRAY[(SELECT id FROM offices WHERE code = 'TBB')]),
    (pg_temp.actor('partner_c'), 'Bank C', '{payment-notice}', NULL);
SELECT id AS reg FROM partners WHERE name = 'Registry' \gset
SELECT id AS reg_b FROM partners WHERE name = 'Registry B' \gset
SELECT id AS bank FROM partners WHERE name = 'Bank C' \gset
INSERT INTO partner_keys (keyid, partner_id, public_key, valid_from) VALUES
    ('f-reg', :reg, decode(repeat('61', 32), 'hex'), now() - interval '1 day'),
    ('f-reg-b', :reg_b, decode(repeat('62', 32), 'hex'), now() - interval '1 day'),
    ('f-bank', :bank, decode(repeat('63', 32), 'hex'), now() - interval '1 day');

-------------------------------------------------------------------------
-- 2. Four events: TAA issued, TBB issued, TAA cancelled, TAA issued.
-------------------------------------------------------------------------
SELECT coalesce(max(seq), 0) AS base FROM permit_events \gset
SELECT pg_temp.t_case('cleared') AS c1 \gset
SELECT pg_temp.t_case('cleared') AS c2 \gset
SELECT pg_temp.t_case('cleared') AS c3 \gset
SELECT FROM permit_propose(pg_temp.actor('officer'), :c1, 1);
SELECT FROM permit_issue(pg_temp.actor('supervisor'), :c1, 1, NULL);
SELECT FROM permit_propose(pg_temp.actor('officer'), :c2, 1);
SELECT FROM permit_issue(pg_temp.actor('supervisor'), :c2, 1, NULL);
-- (A permit of office TBB, without walking a TBB case through.)
UPDATE permits SET office_id = (SELECT id FROM offices WHERE code = 'TBB')
    WHERE case_id = :c2;
SELECT FROM permit_cancel(pg_temp.actor('supervisor'), :c1, 2,
    'Sponsor & guarantor <withdrew>', NULL);
SELECT FROM permit_propose(pg_temp.actor('officer'), :c3, 1);
SELECT FROM permit_issue(pg_temp.actor('supervisor'), :c3, 1, NULL);
SELECT is((SELECT max(seq) FROM permit_events), :base + 4::bigint,
    'four new events');

-------------------------------------------------------------------------
-- 3. Paging from the cursor.
-------------------------------------------------------------------------
SELECT * FROM exchange_permit_events(:reg, 'feed-0001', 'f-reg', 'd1',
    '\x01', '<r/>', :base, 2) \gset p1_
SELECT is(:p1_status, 200, 'a read is answered');
SELECT ok(xml_is_well_formed_document(:'p1_answer'), 'with an XML document');
SELECT matches(:'p1_answer'::text, format('^<\?xml version="1.0" encoding="UTF-8"\?>'
    '<permitEvents xmlns="urn:kitas:exchange:permit-events:1" version="1" '
    'messageId="feed-0001" after="%s" next="%s" more="true">', :base,
    :base + 2), 'the first page: next after its last event, more to come');
SELECT is((SELECT array_agg(m[1]::bigint) FROM regexp_matches(:'p1_answer'::text,
    '<event seq="([0-9]+)"', 'g') m), ARRAY[:base + 1, :base + 2]::bigint[],
    'the first two events, in order');
SELECT matches(:'p1_answer'::text, '<event seq="[0-9]+" kind="issued" at="[0-9-]+T[0-9:.]+Z">'
    '<permitNumber>TAA-[0-9]{4}-P[0-9]{6}</permitNumber><holderName>TINA TESTER'
    '</holderName><nationality>NLD</nationality><passportNo>TT1234567</passportNo>'
    '<birthDate>1990-01-01</birthDate><permitKind>E23</permitKind><validFrom>'
    '[0-9-]{10}</validFrom><validTo>[0-9-]{10}</validTo><office>TAA</office></event>',
    'an issued event carries the permit and its holder');

SELECT * FROM exchange_permit_events(:reg, 'feed-0002', 'f-reg', 'd2',
    '\x02', '<r/>', :base + 2, 2) \gset p2_
SELECT is((SELECT array_agg(m[1]::bigint) FROM regexp_matches(:'p2_answer'::text,
    '<event seq="([0-9]+)"', 'g') m), ARRAY[:base + 3, :base + 4]::bigint[],
    'the next page starts after the cursor: nothing twice');
SELECT matches(:'p2_answer'::text, format('next="%s" more="false"', :base + 4),
    'the last page says so');
SELECT matches(:'p2_answer'::text, 'kind="cancelled".*<reason>Sponsor &amp; guarantor '
    '&lt;withdrew&gt;</reason></event>', 'a cancellation says why, escaped');
SELECT is((SELECT count(*) FROM regexp_matches(:'p2_answer'::text, '<reason>', 'g'))::int,
    1, 'and only a cancellation has a reason');

SELECT * FROM exchange_permit_events(:reg, 'feed-0003', 'f-reg', 'd3',
    '\x03', '<r/>', :base + 4, NULL) \gset p3_
SELECT is(:p3_status, 200, 'a read at the end is answered');
SELECT unalike(:'p3_answer'::text, '%<event%', 'with no events');
SELECT matches(:'p3_answer'::text, format('after="%s" next="%s" more="false"',
    :base + 4, :base + 4), 'and the cursor stays');

-------------------------------------------------------------------------
-- 4. A partner of one office: only its events, the cursor moves on.
-------------------------------------------------------------------------
SELECT * FROM exchange_permit_events(:reg_b, 'feed-b-0001', 'f-reg-b', 'db1',
    '\xb1', '<r/>', :base, 1) \gset b_
SELECT is((SELECT array_agg(m[1]::bigint) FROM regexp_matches(:'b_answer'::text,
    '<event seq="([0-9]+)"', 'g') m), ARRAY[:base + 2]::bigint[],
    'a TBB partner sees only the TBB event');
SELECT unalike(:'b_answer'::text, '%<office>TAA%', 'and nothing of TAA');
SELECT matches(:'b_answer'::text, format('next="%s" more="false"', :base + 4),
    'but its cursor moves past the TAA events that follow');
SELECT * FROM exchange_permit_events(:reg_b, 'feed-b-0002', 'f-reg-b', 'db2',
    '\xb2', '<r/>', :base + 2, 1) \gset b2_
SELECT matches(:'b2_answer'::text, format('next="%s" more="false"/>$',
    :base + 4), 'also when the page has none of its events');
SELECT is((SELECT offices FROM exchange_messages
    WHERE message_id = 'feed-0001'), (SELECT array_agg(id ORDER BY id)
    FROM offices WHERE code IN ('TAA', 'TBB')),
    'a page''s log entry concerns the offices of the permits it lists');
SELECT is((SELECT offices FROM exchange_messages
    WHERE message_id = 'feed-b-0001'), ARRAY[(SELECT id FROM offices
    WHERE code = 'TBB')], '... only TBB''s for the TBB partner');
SELECT is((SELECT offices FROM exchange_messages
    WHERE message_id = 'feed-b-0002'), '{}'::integer[],
    '... and none for a page without events');

-------------------------------------------------------------------------
-- 5. Idempotency and the log.
-------------------------------------------------------------------------
SELECT FROM permit_cancel(pg_temp.actor('supervisor'), :c3, 2, 'Later', NULL);
SELECT * FROM exchange_permit_events(:reg, 'feed-0001', 'f-reg', 'd1',
    '\x04', '<r/>', :base, 2) \gset again_
SELECT is(row(:again_status, :'again_answer')::text,
    row(:p1_status, :'p1_answer')::text,
    'a repeated message id gets the first answer, byte for byte');
SELECT is((SELECT row(count(*), min(type), min(outcome))::text
    FROM exchange_messages WHERE partner_id = :reg AND message_id = 'feed-0001'),
    '(1,permit-events,accepted)', 'logged once, as accepted');
SELECT is((SELECT response FROM exchange_messages WHERE partner_id = :reg AND
    message_id = 'feed-0002'), :'p2_answer', 'the log keeps the answer given');
SELECT is((SELECT status FROM exchange_permit_events(:reg, 'feed-0005', 'f-reg',
    'd5', '\x01', '<r/>', 0, 1)), 401,
    'a signature seen before is a replay under a new message id');

-------------------------------------------------------------------------
-- 6. Refusals.
-------------------------------------------------------------------------
SELECT * FROM exchange_permit_events(:reg, 'feed-0006', 'f-reg', 'd6',
    '\x06', '<r/>', :base + 6, 10) \gset ahead_
SELECT is(:ahead_status, 422, 'a cursor beyond the feed is refused');
SELECT matches(:'ahead_answer'::text, 'code="invalid_cursor"', '... as invalid_cursor');
SELECT is((SELECT status FROM exchange_permit_events(:reg, 'feed-0007', 'f-reg',
    'd7', '\x07', '<r/>', -1, 10)), 422, 'a negative cursor is refused');
SELECT is((SELECT answer FROM exchange_permit_events(:reg, 'feed-0008', 'f-reg',
    'd8', '\x08', '<r/>', 0, 501)) ~ 'code="invalid_input" path="/permitEventsRequest/@limit"',
    true, 'a limit over 500 is refused');
SELECT * FROM exchange_permit_events(:bank, 'feed-c-0001', 'f-bank', 'dc1',
    '\xc1', '<r/>', 0, 10) \gset bank_
SELECT is(:bank_status, 403, 'a partner without the right is refused');
SELECT ok(:'bank_answer' ~ 'code="forbidden"' AND :'bank_answer' !~ '<event',
    '... with the XML error and no event');
SELECT is((SELECT status FROM exchange_permit_events(:reg, 'feed-0009', 'f-reg-b',
    'd9', '\x09', '<r/>', 0, 10)), 401, 'a key is good only for its own partner');

-------------------------------------------------------------------------
-- 7. Privileges: the server may call the function, and nothing else.
-------------------------------------------------------------------------
SELECT ok(has_function_privilege('kitas_app', 'exchange_permit_events(integer, '
    'text, text, text, bytea, text, bigint, integer, timestamptz)', 'EXECUTE'),
    'the server role may read the feed through the exchange');
SET LOCAL ROLE kitas_app;
SELECT throws_ok($$SELECT permit_feed_page(NULL, 'x', 0, 10)$$, '42501', NULL,
    'but not around it');
SELECT throws_ok($$SELECT * FROM permit_events$$, '42501', NULL,
    'nor read the events table');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
