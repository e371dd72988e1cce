-- A person's identity (names, birth date, sex, passport expiry) is what
-- central checked and what a permit prints.  Opening a new draft with the
-- same passport rewrote it on the shared applicant record, cases already
-- submitted, cleared or issued included.  Now the identity may change only
-- while every case of that passport is still a draft; after that a
-- differing identity is refused (identity_locked: the office corrects it).
-- Only the ELSE branch differs from 0006.

CREATE OR REPLACE FUNCTION portal_draft_create(p_session bytea, p_family text,
    p_given text, p_birth date, p_sex text, p_nationality text,
    p_passport text, p_expiry date, p_kind permit_kind, p_duration smallint,
    p_level service_level, p_office text, p_idem text,
    p_now timestamptz DEFAULT now())
RETURNS case_result
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	acct	bigint := portal_account(p_session, p_now);
	ap	applicants%ROWTYPE;
	o	offices%ROWTYPE;
BEGIN
	IF acct IS NULL THEN
		RETURN case_fail('forbidden');
	END IF;
	SELECT * INTO o FROM offices WHERE code = p_office;
	IF NOT FOUND THEN
		RETURN case_fail('invalid_input');
	END IF;
	-- The passport must outlast the permit it applies for.
	IF p_expiry IS NULL OR p_birth IS NULL OR p_duration IS NULL OR
	    p_expiry < (p_now AT TIME ZONE o.timezone)::date +
	    make_interval(years => p_duration, months => 6) OR
	    p_birth > (p_now AT TIME ZONE o.timezone)::date OR
	    p_passport !~ '^[A-Z0-9]{5,12}$' OR
	    p_nationality !~ '^[A-Z]{3}$' OR p_sex NOT IN ('F', 'M', 'X') OR
	    length(coalesce(p_family, '')) NOT BETWEEN 1 AND 100 OR
	    length(coalesce(p_given, '')) > 100 OR
	    p_family ~ '[[:cntrl:]]' OR p_given ~ '[[:cntrl:]]' THEN
		RETURN case_fail('invalid_input');
	END IF;
	SELECT * INTO ap FROM applicants
	    WHERE nationality = p_nationality AND passport_no = p_passport;
	IF FOUND AND ap.account_id IS DISTINCT FROM acct THEN
		RETURN case_fail('passport_taken');
	END IF;
	IF NOT FOUND THEN
		INSERT INTO applicants (account_id, family_name, given_names,
		    birth_date, sex, nationality, passport_no, passport_expiry)
		    VALUES (acct, p_family, coalesce(p_given, ''), p_birth, p_sex,
		    p_nationality, p_passport, p_expiry)
		    RETURNING * INTO ap;
	ELSIF (ap.family_name, ap.given_names, ap.birth_date, ap.sex,
	    ap.passport_expiry) IS DISTINCT FROM (p_family,
	    coalesce(p_given, ''), p_birth, p_sex, p_expiry) THEN
		IF EXISTS (SELECT 1 FROM cases WHERE applicant_id = ap.id AND
		    state <> 'draft') THEN
			RETURN case_fail('identity_locked');
		END IF;
		UPDATE applicants SET family_name = p_family,
		    given_names = coalesce(p_given, ''), birth_date = p_birth,
		    sex = p_sex, passport_expiry = p_expiry
		    WHERE id = ap.id;
	END IF;
	RETURN case_create(acct, o.id, ap.id, p_kind, p_duration, p_level,
	    CASE p_kind WHEN 'E23' THEN 'employer' WHEN 'E31A' THEN 'spouse'
	    WHEN 'E31C' THEN 'relative' WHEN 'E31E' THEN 'relative'
	    ELSE 'self' END, '', '', p_idem, p_now);
END
$$;
