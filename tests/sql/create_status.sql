-- case_create() and the public status lookup.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(14);

SELECT id AS ap FROM applicants WHERE passport_no = 'TT1234567' \gset
SELECT id AS ap2 FROM applicants WHERE passport_no = 'OO7654321' \gset
SELECT id AS oa FROM offices WHERE code = 'TAA' \gset

SELECT case_create(pg_temp.actor('applicant'), :oa, :ap, 'E33G', 2::smallint,
    'express', 'self', '', '', 'create-key-0001') AS r \gset
SELECT is((:'r'::case_result).code, 'ok', 'an applicant opens their own case');
SELECT is((SELECT row(state, version, account_id, office_id)::text FROM cases
    WHERE id = (:'r'::case_result).case_id),
    row('draft', 1, pg_temp.actor('applicant'), :oa)::text,
    '... a draft at version 1 that is theirs');
SELECT is((SELECT row(command, from_state, to_state)::text FROM case_events
    WHERE case_id = (:'r'::case_result).case_id),
    row('create', NULL, 'draft')::text, '... with a create event');
SELECT is((case_create(pg_temp.actor('applicant'), :oa, :ap, 'E33G',
    2::smallint, 'express', 'self', '', '', 'create-key-0001')).case_id,
    (:'r'::case_result).case_id, 'repeating the create opens no second case');
SELECT is((SELECT count(*) FROM cases WHERE applicant_id = :ap), 1::bigint,
    '... there is still one');
SELECT is((case_create(pg_temp.actor('applicant'), :oa, :ap2, 'E23',
    1::smallint, 'regular', 'employer', '', '', NULL)).code, 'not_found',
    'an applicant cannot open a case for someone else''s record');
SELECT is((case_create(pg_temp.actor('officer_b'), :oa, :ap2, 'E23',
    1::smallint, 'regular', 'employer', '', '', NULL)).code, 'forbidden',
    'an officer cannot open a case for another office');
SELECT is((case_create(pg_temp.actor('admin'), :oa, :ap2, 'E23',
    1::smallint, 'regular', 'employer', '', '', NULL)).code, 'forbidden',
    'an admin opens no cases');
SELECT is((case_create(pg_temp.actor('officer'), :oa, :ap2, 'E23',
    3::smallint, 'regular', 'employer', '', '', NULL)).code, 'invalid_input',
    'a three-year permit is invalid_input');
SELECT is((case_create(pg_temp.actor('officer'), :oa, :ap2, 'E23',
    1::smallint, 'regular', 'uncle', '', '', NULL)).code, 'invalid_input',
    'an unknown sponsor kind is invalid_input');

SELECT (:'r'::case_result).reference AS ref \gset
SELECT is((SELECT state::text FROM case_public_status(:'ref', 'TT1234567')),
    'draft', 'the status lookup finds a case by reference and passport');
SELECT is((SELECT count(*) FROM case_public_status(lower(:'ref'),
    'tt1234567')), 1::bigint, '... in any letter case');
SELECT is_empty(format($$ SELECT * FROM case_public_status(%L, 'OO7654321')
    $$, :'ref'), 'a wrong passport number finds nothing');
SELECT is_empty($$ SELECT * FROM case_public_status('TAA-2026-999999-0',
    'TT1234567') $$, 'an unknown reference finds nothing');

SELECT * FROM finish();
ROLLBACK;
