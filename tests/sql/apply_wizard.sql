-- Applying one step per page (portal_apply_save / portal_apply_xml,
-- 0006): each step is saved on its own, a wrong answer saves nothing of
-- its step, a step cannot be skipped, the place chooses the office, and
-- the passport step opens the case exactly once.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(37);

SELECT pg_temp.sessions('applicant', 'other_applicant');

CREATE FUNCTION pg_temp.save(p_step text, VARIADIC p_v text[])
RETURNS TABLE (code text, next_step text, reference text, model xml)
LANGUAGE sql AS $$
	SELECT * FROM portal_apply_save(pg_temp.sess('applicant'), p_step, p_v,
	    'wizard-key-0001')
$$;
CREATE FUNCTION pg_temp.errors(p_model xml) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(f::text, ' ' ORDER BY f::text)
	FROM unnest(xpath('/apply/error/@field', p_model)) f
$$;

-- Nothing saved yet: the first step, whatever is asked for.
SELECT is((xpath('/apply/@step', portal_apply_xml(pg_temp.sess('applicant'),
    'passport')))[1]::text, 'kind', 'a later step is not shown before the first');
SELECT is(next_step, 'kind', 'a later step cannot be saved before the first')
    FROM pg_temp.save('domicile', 'Jl. Pemuda 1', 'Kota TAA');
SELECT is(count(*), 0::bigint, 'and nothing was stored')
    FROM application_drafts WHERE account_id = pg_temp.actor('applicant');

SELECT is(code || ' ' || pg_temp.errors(model), 'invalid_input kind',
    'an unknown permit kind is refused next to its field')
    FROM pg_temp.save('kind', 'E99');
SELECT is(next_step, 'terms', 'a permit kind saved, on to the terms')
    FROM pg_temp.save('kind', 'E23');
SELECT is(code || ' ' || pg_temp.errors(model), 'invalid_input duration level',
    'both wrong terms are reported at once')
    FROM pg_temp.save('terms', '3', 'overnight');
SELECT is(service_level, NULL, 'a refused step saves nothing')
    FROM application_drafts WHERE account_id = pg_temp.actor('applicant');
SELECT is(next_step, 'sponsor', 'terms saved, a work permit needs its sponsor')
    FROM pg_temp.save('terms', '2', 'express');

SELECT is(pg_temp.errors(model), 'sponsor_ref',
    'an employer without an RPTKA reference is refused')
    FROM pg_temp.save('sponsor', 'PT Maju Jaya', '', '');
SELECT is(pg_temp.errors(model), 'sponsor_email sponsor_name',
    'a name with control characters and a bad e-mail address are refused')
    FROM pg_temp.save('sponsor', E'PT\tMaju', 'RPTKA-1', 'not-an-address');
SELECT matches(model::text, 'sponsor_email="not-an-address"',
    'what was typed comes back to the page')
    FROM pg_temp.save('sponsor', 'PT Maju', 'RPTKA-1', 'not-an-address');
SELECT is(pg_temp.errors(model), 'sponsor_email sponsor_name sponsor_ref',
    'what XML cannot carry is refused in every sponsor field')
    FROM pg_temp.save('sponsor', E'PT \uFFFE', E'R\uFFFF', E'a\uFFFE@b.example');
SELECT is(next_step, 'domicile', 'sponsor saved')
    FROM pg_temp.save('sponsor', 'PT Maju Jaya', 'RPTKA-2026-001',
    'HR@Maju.example');

SELECT is(pg_temp.errors(model), 'area', 'a place no office serves is refused')
    FROM pg_temp.save('domicile', 'Jl. Pemuda 1', 'Atlantis');
SELECT is(pg_temp.errors(model), 'address', 'an address XML cannot carry is refused')
    FROM pg_temp.save('domicile', E'Jl. \uFFFF', 'Kota TBB');
SELECT is(pg_temp.errors(model), 'address', 'an empty address is refused')
    FROM pg_temp.save('domicile', '  ', 'Kota TBB');
SELECT is(next_step, 'passport', 'domicile saved')
    FROM pg_temp.save('domicile', 'Jl. Pemuda 1', 'Kota TBB');
SELECT is((xpath('/apply/@office', portal_apply_xml(
    pg_temp.sess('applicant'), 'passport')))[1]::text, 'Test office B',
    'the place chose the office');

-- A self-sponsored kind has no sponsor step.
SELECT pg_temp.save('kind', 'E33G');
SELECT is((xpath('/apply/@step', portal_apply_xml(pg_temp.sess('applicant'),
    'sponsor')))[1]::text, 'domicile', 'no sponsor step for a remote worker');
SELECT pg_temp.save('kind', 'E23');

-- The passport step: every field checked.
SELECT is(pg_temp.errors(model),
    'birth expiry family nationality passport sex',
    'six wrong passport fields, six errors')
    FROM pg_temp.save('passport', '', 'X', '2999-01-01', 'Q', 'de',
    'ab', '2020-02-30');
SELECT is(pg_temp.errors(model), 'expiry',
    'a passport that does not outlast the permit by six months is refused')
    FROM pg_temp.save('passport', 'Müller', 'Anna', '1985-03-04', 'F', 'DEU',
    'C01X00T47', (current_date + interval '2 years 3 months')::date::text);
SELECT is(pg_temp.errors(model), 'birth',
    'born today is refused, as in a sponsor''s batch (the same rule)')
    FROM pg_temp.save('passport', 'BARU', '',
    (now() AT TIME ZONE 'Asia/Jakarta')::date::text, 'F', 'NLD',
    'C01X00T49', '2040-01-01');
SELECT is(pg_temp.errors(model), 'nationality',
    'a citizen does not apply for a stay permit')
    FROM pg_temp.save('passport', 'SANTOSO', '', '1985-03-04', 'M', 'IDN',
    'C01X00T48', '2040-01-01');
SELECT is(count(*), 0::bigint, 'no refused passport step stored a person')
    FROM applicants WHERE passport_no IN ('C01X00T47', 'C01X00T48');

SELECT code AS opened, reference AS ref FROM pg_temp.save('passport',
    'Müller', 'Anna', '1985-03-04', 'F', 'deu', 'C01X00T47', '2040-01-01') \gset
SELECT is(:'opened'::text, 'ok', 'the passport step opens the case');
SELECT is(row(c.state, o.code, c.permit_kind, c.duration_years,
    c.service_level, c.sponsor_kind, c.sponsor_ref, c.sponsor_email,
    c.domicile_address, c.domicile_city, a.family_name, a.nationality)::text,
    row('draft'::case_state, 'TBB', 'E23'::permit_kind, 2::smallint,
    'express'::service_level, 'employer', 'RPTKA-2026-001',
    'hr@maju.example', 'Jl. Pemuda 1', 'Kota TBB', 'MÜLLER', 'DEU')::text,
    'the case carries every step, at the office of the place')
    FROM cases c JOIN offices o ON o.id = c.office_id
    JOIN applicants a ON a.id = c.applicant_id WHERE c.reference = :'ref';
SELECT is(count(*), 0::bigint, 'the draft is gone once the case is open')
    FROM application_drafts WHERE account_id = pg_temp.actor('applicant');
SELECT is(reference, :'ref', 'the same form again gives the same case')
    FROM pg_temp.save('passport', 'Müller', 'Anna', '1985-03-04', 'F', 'DEU',
    'C01X00T47', '2040-01-01');

-- Another account cannot use the same passport.
SELECT portal_apply_save(pg_temp.sess('other_applicant'), s, v, NULL)
    FROM (VALUES (1, 'kind', ARRAY['E33']), (2, 'terms', ARRAY['1', 'regular']),
    (3, 'domicile', ARRAY['Jl. Kenari 2', 'Kota TAA'])) x(n, s, v) ORDER BY n;
SELECT is(pg_temp.errors(model) || ' ' || code, 'passport invalid_input',
    'a passport of another account is refused')
    FROM portal_apply_save(pg_temp.sess('other_applicant'), 'passport',
    ARRAY['MÜLLER', 'ANNA', '1985-03-04', 'F', 'DEU', 'C01X00T47',
    '2040-01-01'], NULL);

-- Passports of other accounts, tried one after another: after three
-- such refusals in a day, every passport not the account's own gets one
-- answer that does not tell whether it is taken.
INSERT INTO applicants (account_id, family_name, birth_date, sex,
    nationality, passport_no, passport_expiry)
    SELECT pg_temp.actor('applicant'), 'MÜLLER', '1985-03-04', 'F', 'DEU',
    'C01X00T5' || g, '2040-01-01' FROM generate_series(1, 2) g;
CREATE FUNCTION pg_temp.try(p_passport text) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(k::text, ' ') FROM portal_apply_save(
	    pg_temp.sess('other_applicant'), 'passport', ARRAY['MÜLLER', 'ANNA',
	    '1985-03-04', 'F', 'DEU', p_passport, '2040-01-01'], NULL) s,
	    unnest(xpath('/apply/error/@key', s.model)) k
$$;
SELECT is(pg_temp.try('C01X00T51') || ' ' || pg_temp.try('C01X00T52'),
    'apply.err.passport_taken apply.err.passport_taken',
    'the second and third passports of another account are refused as such');
SELECT is(pg_temp.try('C01X00T99') || ' ' || pg_temp.try('C01X00T47'),
    'apply.err.passport_tries apply.err.passport_tries',
    '... then a free passport and a taken one get the same answer');
SELECT is((SELECT count(*) FROM applicants WHERE passport_no = 'C01X00T99'),
    0::bigint, '... and nothing is stored');
SELECT apply_forget(now() + interval '25 hours');
SELECT is((SELECT count(*) FROM passport_refusals
    WHERE account_id = pg_temp.actor('other_applicant')), 0::bigint,
    'housekeeping forgets the refusals after a day');

-- The case page's corrections follow the same rules.
SELECT is(portal_draft_update(pg_temp.sess('applicant'), :'ref', 'PT Maju Jaya',
    'RPTKA-2026-001', E'Jl. \uFFFE', ''), 'invalid_input',
    'a correction XML cannot carry is refused');

-- Staff apply for nobody through the portal.
SELECT pg_temp.sessions('officer');
SELECT is(code, 'forbidden', 'an officer cannot start an application')
    FROM portal_apply_save(pg_temp.sess('officer'), 'kind', ARRAY['E33'], NULL);

-- A draft nobody touched for half a year is forgotten; a recent one stays.
UPDATE application_drafts SET updated_at = now() - interval '181 days'
    WHERE account_id = pg_temp.actor('other_applicant');
SELECT pg_temp.save('kind', 'E33');
SELECT apply_forget();
SELECT is(count(*), 0::bigint, 'an abandoned draft is forgotten')
    FROM application_drafts WHERE account_id = pg_temp.actor('other_applicant');
SELECT is(count(*), 1::bigint, 'a recent one is kept')
    FROM application_drafts WHERE account_id = pg_temp.actor('applicant');

SELECT * FROM finish();
ROLLBACK;
