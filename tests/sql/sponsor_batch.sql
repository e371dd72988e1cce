-- Sponsor batches (0019): each application is stored whole or not at
-- all, even when storing fails half-way; the rest of the batch goes on;
-- the fee and the sponsor kind come from the same rules as the portal's.
-- (tests/e2e/batch.test.mjs sends 500 of them signed, through the server.)
BEGIN;
SET client_min_messages = error;
\ir fixtures.psql

SELECT plan(14);

INSERT INTO partners (account_id, name, types, offices) VALUES
    (pg_temp.actor('partner'), 'Sponsor T', '{sponsor-batch}',
    ARRAY[(SELECT id FROM offices WHERE code = 'TAA')]);
SELECT id AS sp FROM partners WHERE name = 'Sponsor T' \gset
INSERT INTO partner_keys (keyid, partner_id, public_key, valid_from)
    VALUES ('t-sponsor', :sp, decode(repeat('11', 32), 'hex'),
    now() - interval '1 day');

CREATE FUNCTION pg_temp.app(p_item text, p_kind text, p_passport text,
    p_level text DEFAULT 'regular', p_years int DEFAULT 1)
RETURNS text LANGUAGE sql AS $$
	SELECT format('<application itemId="%s"><office>TAA</office>'
	    '<permitKind>%s</permitKind><durationYears>%s</durationYears>'
	    '<serviceLevel>%s</serviceLevel><applicant><familyName>BATCH'
	    '</familyName><birthDate>1980-01-01</birthDate><sex>F</sex>'
	    '<nationality>AUS</nationality><passportNo>%s</passportNo>'
	    '<passportExpiry>2040-01-01</passportExpiry></applicant>'
	    '</application>', p_item, p_kind, p_years, p_level, p_passport)
$$;
CREATE FUNCTION pg_temp.batch(p_id text, p_rptka text, VARIADIC p_apps text[])
RETURNS text LANGUAGE sql AS $$
	SELECT '<?xml version="1.0" encoding="UTF-8"?>'
	    '<sponsorBatch xmlns="urn:kitas:exchange:sponsor-batch:1" version="1" '
	    'messageId="' || p_id || '"><sponsor><name>PT Uji</name>' ||
	    coalesce('<rptka>' || p_rptka || '</rptka>', '') || '</sponsor>' ||
	    array_to_string(p_apps, '') || '</sponsorBatch>'
$$;

-- Storing fails half-way for E33 (after the applicant row, at the case):
-- that item leaves nothing, the others are stored.
ALTER TABLE cases ADD CONSTRAINT t_no_e33 CHECK (permit_kind <> 'E33')
    NOT VALID;
SELECT * FROM exchange_sponsor_batch(:sp, 'batch-t-0001', 't-sponsor', 'd',
    '\x01', pg_temp.batch('batch-t-0001', 'RPTKA-9', pg_temp.app('a', 'E23',
    'BT00001', 'express', 2), pg_temp.app('b', 'E33', 'BT00002'),
    pg_temp.app('c', 'E31A', 'BT00003'))) \gset one_
SELECT is(:one_status, 200, 'the batch is answered');
SELECT matches(:'one_answer'::text, 'accepted="2" rejected="1"',
    'two items stored, one not');
SELECT matches(:'one_answer'::text,
    '<item id="b" outcome="rejected"><error code="not_stored" path="/sponsorBatch/application\[2\]">',
    'the failed one is reported as not stored');
SELECT is((SELECT count(*) FROM applicants WHERE passport_no = 'BT00002')::int,
    0, 'and its applicant row did not stay');
SELECT is((SELECT count(*) FROM cases c JOIN applicants a ON a.id = c.applicant_id
    WHERE a.passport_no LIKE 'BT%')::int, 2, 'the other two are cases');
ALTER TABLE cases DROP CONSTRAINT t_no_e33;

SELECT is((SELECT row(c.state, c.sponsor_kind, c.sponsor_ref, b.amount)::text
    FROM cases c JOIN applicants a ON a.id = c.applicant_id
    JOIN billing_codes b ON b.case_id = c.id WHERE a.passport_no = 'BT00001'),
    '(submitted,employer,RPTKA-9,3000000)',
    'a 2-year express E23: submitted, the employer''s RPTKA, Rp2,000,000 + 1,000,000');
SELECT is((SELECT row(c.sponsor_kind, c.sponsor_ref, b.amount)::text
    FROM cases c JOIN applicants a ON a.id = c.applicant_id
    JOIN billing_codes b ON b.case_id = c.id WHERE a.passport_no = 'BT00003'),
    '(spouse,"",1500000)', 'a spouse''s E31A: no RPTKA, Rp1,500,000');
SELECT is((SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
    JOIN applicants a ON a.id = c.applicant_id WHERE a.passport_no = 'BT00001'
    AND e.actor_id = pg_temp.actor('partner'))::int, 2,
    'created and submitted by the sponsor''s account');

-- Without the RPTKA an E23 is refused; other kinds are not.
SELECT * FROM exchange_sponsor_batch(:sp, 'batch-t-0002', 't-sponsor', 'd',
    '\x02', pg_temp.batch('batch-t-0002', NULL, pg_temp.app('d', 'E23',
    'BT00004'), pg_temp.app('e', 'E33G', 'BT00005'))) \gset two_
SELECT matches(:'two_answer'::text,
    '<item id="d" outcome="rejected"><error code="rptka_required" path="/sponsorBatch/sponsor/rptka">',
    'an E23 without the sponsor''s RPTKA is refused');
SELECT matches(:'two_answer'::text, '<item id="e" outcome="accepted"',
    'an E33G in the same batch is stored');

-- The message id again: the first answer, nothing stored.
SELECT * FROM exchange_sponsor_batch(:sp, 'batch-t-0002', 't-sponsor', 'd',
    '\x03', pg_temp.batch('batch-t-0002', NULL, pg_temp.app('f', 'E33G',
    'BT00006'))) \gset again_
SELECT is(:'again_answer'::text, :'two_answer'::text, 'a repeated message id gets the first answer');
SELECT is((SELECT count(*) FROM applicants WHERE passport_no = 'BT00006')::int,
    0, 'and stores nothing');

-- The log entry concerns the offices the applications are filed at that
-- the sponsor serves (the back office shows it to those, 0020); one at
-- an office it does not serve is refused and adds none.
SELECT * FROM exchange_sponsor_batch(:sp, 'batch-t-0003', 't-sponsor', 'd',
    '\x04', pg_temp.batch('batch-t-0003', NULL, pg_temp.app('g', 'E33G',
    'BT00007'), replace(pg_temp.app('h', 'E33G', 'BT00008'),
    '<office>TAA<', '<office>TBB<'))) \gset three_
SELECT matches(:'three_answer'::text,
    '<item id="h" outcome="rejected"><error code="office_not_served"',
    'an application at an office the sponsor does not serve is refused');
SELECT is((SELECT offices FROM exchange_messages
    WHERE message_id = 'batch-t-0003'), ARRAY[(SELECT id FROM offices
    WHERE code = 'TAA')], 'and the batch concerns the served office only');

SELECT * FROM finish();
ROLLBACK;
