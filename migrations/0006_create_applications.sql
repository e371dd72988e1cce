-- Applying through the portal: the draft an applicant builds step by
-- step, the documents each permit kind needs (stored encrypted by the
-- server: this database only ever sees sealed blobs), and the billing
-- code a submission creates.  The applicant is always found from the
-- session (p_session: the token's SHA-256), never from an id the
-- browser sends.

-- Fees (PP 28/2019): the stay permit by duration, and the express
-- surcharge.  Amounts in rupiah.
CREATE TABLE fees (
	item		text PRIMARY KEY CHECK (item IN ('itas_1y', 'itas_2y',
	    'express')),
	amount		bigint NOT NULL CHECK (amount > 0)
);
INSERT INTO fees VALUES ('itas_1y', 1500000), ('itas_2y', 2000000),
    ('express', 1000000);

CREATE TYPE doc_type AS ENUM ('passport', 'photo', 'sponsor_letter',
    'rptka', 'marriage_certificate', 'family_card', 'birth_certificate',
    'funds_evidence', 'income_evidence', 'insurance', 'domicile_letter',
    'other');

-- Which documents a permit kind needs before it can be submitted.
CREATE TABLE permit_requirements (
	permit_kind	permit_kind NOT NULL,
	doc_type	doc_type NOT NULL,
	PRIMARY KEY (permit_kind, doc_type)
);
INSERT INTO permit_requirements
SELECT k::permit_kind, d::doc_type FROM (VALUES
	('E23', 'passport'), ('E23', 'photo'), ('E23', 'sponsor_letter'),
	('E23', 'rptka'), ('E23', 'domicile_letter'),
	('E31A', 'passport'), ('E31A', 'photo'), ('E31A', 'sponsor_letter'),
	('E31A', 'marriage_certificate'), ('E31A', 'domicile_letter'),
	('E31C', 'passport'), ('E31C', 'photo'), ('E31C', 'sponsor_letter'),
	('E31C', 'birth_certificate'), ('E31C', 'family_card'),
	('E31E', 'passport'), ('E31E', 'photo'), ('E31E', 'sponsor_letter'),
	('E31E', 'birth_certificate'), ('E31E', 'family_card'),
	('E33', 'passport'), ('E33', 'photo'), ('E33', 'funds_evidence'),
	('E33', 'domicile_letter'),
	('E33G', 'passport'), ('E33G', 'photo'), ('E33G', 'income_evidence'),
	('E33G', 'domicile_letter'),
	('RETIREMENT', 'passport'), ('RETIREMENT', 'photo'),
	('RETIREMENT', 'funds_evidence'), ('RETIREMENT', 'insurance'),
	('RETIREMENT', 'domicile_letter')
) AS r(k, d);

ALTER TABLE cases
	ADD COLUMN domicile_address text NOT NULL DEFAULT ''
	    CHECK (length(domicile_address) <= 300 AND
	    domicile_address !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	ADD COLUMN domicile_city text NOT NULL DEFAULT ''
	    CHECK (length(domicile_city) <= 100 AND
	    domicile_city !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	-- Where the sponsor hears of the issued permit; may stay empty.
	ADD COLUMN sponsor_email text NOT NULL DEFAULT ''
	    CHECK (sponsor_email = '' OR email_valid(sponsor_email));

CREATE TABLE documents (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES cases,
	doc_type	doc_type NOT NULL,
	filename	text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200
	    AND filename !~ '[[:cntrl:]/\\]'),
	content_type	text NOT NULL CHECK (content_type IN ('application/pdf',
	    'image/jpeg', 'image/png')),
	size		integer NOT NULL CHECK (size > 0),
	-- vault_seal() output, bound to 'document:<reference>:<type>:<nonce>'
	-- so a sealed blob cannot be moved to another case or slot.
	sealed		bytea NOT NULL,
	aad		text NOT NULL UNIQUE,
	uploaded_by	bigint NOT NULL REFERENCES accounts,
	uploaded_at	timestamptz NOT NULL,
	replaced_at	timestamptz
);
CREATE UNIQUE INDEX documents_current ON documents (case_id, doc_type)
    WHERE replaced_at IS NULL;

-- SIMPONI-like billing codes: 15 digits, an amount, an expiry.
CREATE TABLE billing_codes (
	code		text PRIMARY KEY CHECK (code ~ '^[0-9]{15}$'),
	case_id		bigint NOT NULL REFERENCES cases,
	amount		bigint NOT NULL CHECK (amount > 0),
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	paid_at		timestamptz,
	paid_amount	bigint,
	bank_ref	text CHECK (length(bank_ref) <= 64),
	void_at		timestamptz,
	CHECK ((paid_at IS NULL) = (paid_amount IS NULL))
);
CREATE UNIQUE INDEX billing_codes_one_open ON billing_codes (case_id)
    WHERE paid_at IS NULL AND void_at IS NULL;

CREATE TABLE billing_policy (
	id		boolean PRIMARY KEY DEFAULT true CHECK (id),
	code_ttl	interval NOT NULL DEFAULT '7 days'
);
INSERT INTO billing_policy DEFAULT VALUES;

GRANT SELECT ON fees, permit_requirements, billing_policy TO kitas_app;
GRANT SELECT (id, case_id, doc_type, filename, content_type, size,
    uploaded_at, replaced_at) ON documents TO kitas_app;

-- The account behind a live session, or NULL (auth_live_account()'s
-- rule, under the portal's name).
CREATE FUNCTION portal_account(p_session bytea, p_now timestamptz)
RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT auth_live_account(p_session, p_now)
$$;

-- The applicant's case by reference, locked, or nothing: another
-- person's reference is simply not found.
CREATE FUNCTION portal_own_case(p_account bigint, p_reference text)
RETURNS cases
LANGUAGE sql AS $$
	SELECT * FROM cases WHERE reference = upper(p_reference) AND
	    account_id = p_account FOR UPDATE
$$;

-- A fresh 15-digit billing code for a case: a prefix for the office,
-- then random digits (tried again on the rare collision), valid for
-- billing_policy.code_ttl.
CREATE FUNCTION billing_issue(p_case cases, p_amount bigint, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	bc	text;
BEGIN
	LOOP
		bc := '8' || lpad(p_case.office_id::text, 3, '0') ||
		    lpad((floor(random() * 1e11))::bigint::text, 11, '0');
		EXIT WHEN NOT EXISTS (SELECT 1 FROM billing_codes WHERE code = bc);
	END LOOP;
	INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
	    SELECT bc, p_case.id, p_amount, p_now, p_now + p.code_ttl
	    FROM billing_policy p;
	RETURN bc;
END
$$;

-- A case that ends before it is paid (withdrawn, rejected, cancelled)
-- no longer takes its fee: its open code is void, in the transaction
-- that ends the case, whichever command (or later migration's
-- transition) ends it.  Void from when it was voided, as a renewed code
-- is: a payment notice for it afterwards is refused as for an expired
-- code, one paid before finds the case no longer waiting for it.
CREATE FUNCTION billing_void_on_end() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	UPDATE billing_codes SET void_at = NEW.recorded_at
	    WHERE case_id = NEW.case_id AND paid_at IS NULL AND
	    void_at IS NULL;
	RETURN NULL;
END
$$;

CREATE TRIGGER case_events_billing_void AFTER INSERT ON case_events
    FOR EACH ROW WHEN (NEW.to_state IN ('withdrawn', 'rejected',
    'cancelled') AND NEW.from_state IS DISTINCT FROM NEW.to_state)
    EXECUTE FUNCTION billing_void_on_end();

-- Who sponsors a permit kind: an employer for work, a spouse or a
-- relative for family, the applicant for the rest.
CREATE FUNCTION permit_sponsor_kind(p_kind permit_kind) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE p_kind WHEN 'E23' THEN 'employer' WHEN 'E31A' THEN 'spouse'
	    WHEN 'E31C' THEN 'relative' WHEN 'E31E' THEN 'relative'
	    ELSE 'self' END
$$;

-- The fee a case's billing code asks: the permit for its duration, and
-- the express surcharge.
CREATE FUNCTION case_fee(p_case cases) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT f.amount FROM fees f WHERE f.item =
	    CASE p_case.duration_years WHEN 1 THEN 'itas_1y' ELSE 'itas_2y' END)
	    + CASE WHEN p_case.service_level = 'express' THEN
	    (SELECT f.amount FROM fees f WHERE f.item = 'express') ELSE 0 END;
END
$$;

-- The rules on a person that every way of applying shares (the portal's
-- wizard, a sponsor's batch): not an Indonesian citizen, born before
-- today and after 1900, and a passport valid until the permit's end and
-- six months.  The names of the rules broken, none when all hold; a NULL
-- date breaks its rule.
CREATE FUNCTION applicant_rule_breaks(p_birth date, p_nationality text,
    p_expiry date, p_years smallint, p_today date)
RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT array_remove(ARRAY[
	    CASE WHEN p_nationality = 'IDN' THEN 'citizen' END,
	    CASE WHEN p_birth IS NULL OR p_birth >= p_today OR
		p_birth <= '1900-01-01' THEN 'birth_date' END,
	    CASE WHEN p_expiry IS NULL OR p_expiry < p_today +
		make_interval(years => p_years, months => 6)
		THEN 'passport_expiry' END], NULL)
$$;

-- Where a foreigner lives decides the office that handles the permit:
-- each regency or city (kabupaten/kota) belongs to one office.  The
-- applicant picks the place; the office follows.
CREATE TABLE office_areas (
	area		text PRIMARY KEY CHECK (length(area) BETWEEN 1 AND 100
	    AND area !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	office_id	integer NOT NULL REFERENCES offices
);

-- Passport steps refused because the passport is another account's:
-- the refusal must say so (the owner has to go to the office), which
-- makes the step a way to ask whether a passport has an application.
-- After three such refusals in a day an account gets, for any passport
-- not already its own, one answer that tells nothing (passport_tries).
CREATE TABLE passport_refusals (
	account_id	bigint NOT NULL REFERENCES accounts,
	at		timestamptz NOT NULL
);
CREATE INDEX passport_refusals_account ON passport_refusals (account_id, at);

-- An application before it is a case, one step per page: kind, terms,
-- sponsor, domicile, then the passport, which opens the case (its
-- reference carries the office, known only once the domicile is).  One
-- per account, kept until the case is opened, so the applicant can stop
-- after any step and come back.
CREATE TABLE application_drafts (
	account_id	bigint PRIMARY KEY REFERENCES accounts,
	permit_kind	permit_kind,
	duration_years	smallint CHECK (duration_years IN (1, 2)),
	service_level	service_level,
	sponsor_name	text NOT NULL DEFAULT '' CHECK (length(sponsor_name)
	    <= 200 AND sponsor_name !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	sponsor_ref	text NOT NULL DEFAULT '' CHECK (length(sponsor_ref)
	    <= 64 AND sponsor_ref !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	sponsor_email	text NOT NULL DEFAULT '' CHECK (sponsor_email = '' OR
	    email_valid(sponsor_email)),
	domicile_address text NOT NULL DEFAULT '' CHECK
	    (length(domicile_address) <= 300 AND
	    domicile_address !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	domicile_area	text REFERENCES office_areas,
	updated_at	timestamptz NOT NULL
);

-- The first step of a draft still to do; 'passport' when only the
-- passport is left.  A permit the applicant sponsors has no sponsor step.
CREATE FUNCTION apply_next_step(d application_drafts) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN d.permit_kind IS NULL THEN 'kind'
	    WHEN d.duration_years IS NULL OR d.service_level IS NULL THEN 'terms'
	    WHEN permit_sponsor_kind(d.permit_kind) <> 'self' AND
		(d.sponsor_name = '' OR
		 permit_sponsor_kind(d.permit_kind) = 'employer' AND
		 d.sponsor_ref = '') THEN 'sponsor'
	    WHEN d.domicile_area IS NULL OR d.domicile_address = '' THEN
		'domicile'
	    ELSE 'passport' END
$$;

-- The wizard's steps, in order.
CREATE FUNCTION apply_steps() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['kind', 'terms', 'sponsor', 'domicile', 'passport']
$$;

-- The step a page may show: the one asked for when every step before it
-- is done (and it applies to the permit), otherwise the first left.
CREATE FUNCTION apply_show_step(d application_drafts, p_step text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN array_position(apply_steps(), x.st) <=
	    array_position(apply_steps(), apply_next_step(d)) THEN x.st
	    ELSE apply_next_step(d) END
	FROM (SELECT CASE WHEN p_step = 'sponsor' AND
	    d.permit_kind IS NOT NULL AND
	    permit_sponsor_kind(d.permit_kind) = 'self' THEN 'domicile'
	    ELSE p_step END AS st) x
$$;

-- What XML can carry of a text the applicant typed: a refused step
-- shows it again, and a character XML 1.0 forbids would make the whole
-- model unreadable.
CREATE FUNCTION xml_chars(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT regexp_replace(p, '[\x01-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]', '',
	    'g')
$$;

-- The wizard page's model: the draft, the step shown, the choices the
-- step offers (kinds with their documents, fees and promised days,
-- places), the person's passport data as typed or last used, and the
-- errors of a refused step ({field, catalogue key} pairs).
CREATE FUNCTION apply_model(d application_drafts, p_step text,
    p_person text[], p_errors text[])
RETURNS xml
LANGUAGE sql STABLE AS $$
	SELECT xmlelement(name apply, xmlattributes(p_step AS step,
	    apply_next_step(d) AS next,
	    d.permit_kind AS kind, d.duration_years AS duration,
	    d.service_level AS level,
	    permit_sponsor_kind(d.permit_kind) AS "sponsor-kind",
	    xml_chars(d.sponsor_name) AS sponsor_name,
	    xml_chars(d.sponsor_ref) AS sponsor_ref,
	    xml_chars(d.sponsor_email) AS sponsor_email,
	    xml_chars(d.domicile_address) AS address,
	    d.domicile_area AS area, o.name AS office,
	    xml_chars(p_person[1]) AS family, xml_chars(p_person[2]) AS given,
	    xml_chars(p_person[3]) AS birth, xml_chars(p_person[4]) AS sex,
	    xml_chars(p_person[5]) AS nationality,
	    xml_chars(p_person[6]) AS passport,
	    xml_chars(p_person[7]) AS expiry),
	    (SELECT xmlagg(xmlelement(name error, xmlattributes(
		p_errors[i] AS field, p_errors[i + 1] AS key)))
		FROM generate_series(1, coalesce(array_length(p_errors, 1), 0),
		2) i),
	    (SELECT xmlagg(xmlelement(name permit, xmlattributes(k AS kind,
		permit_sponsor_kind(k) AS sponsor),
		(SELECT xmlagg(xmlelement(name doc, xmlattributes(
		    q.doc_type AS type)) ORDER BY q.doc_type)
		    FROM permit_requirements q WHERE q.permit_kind = k))
		ORDER BY k)
		FROM unnest(enum_range(NULL::permit_kind)) k),
	    (SELECT xmlagg(xmlelement(name fee, xmlattributes(f.item AS item,
		f.amount AS amount)) ORDER BY f.item) FROM fees f),
	    (SELECT xmlagg(xmlelement(name service, xmlattributes(
		s.level AS level, s.working_days AS days)) ORDER BY s.level)
		FROM service_levels s),
	    (SELECT xmlagg(xmlelement(name place, xmlattributes(a.area AS area,
		x.name AS office)) ORDER BY a.area)
		FROM office_areas a JOIN offices x ON x.id = a.office_id))
	FROM (SELECT 1) one
	LEFT JOIN office_areas oa ON oa.area = d.domicile_area
	LEFT JOIN offices o ON o.id = oa.office_id
$$;

-- The account's draft (an empty one when there is none yet).
CREATE FUNCTION apply_draft(p_account bigint) RETURNS application_drafts
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT d FROM application_drafts d
	    WHERE d.account_id = p_account),
	    ROW(p_account, NULL, NULL, NULL, '', '', '', '', NULL,
	    now())::application_drafts)
$$;

-- The passport data the account last applied with, to fill the form.
CREATE FUNCTION apply_last_person(p_account bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
	SELECT ARRAY[a.family_name, a.given_names, a.birth_date::text, a.sex,
	    a.nationality, a.passport_no, a.passport_expiry::text]
	FROM applicants a WHERE a.account_id = p_account
	ORDER BY a.id DESC LIMIT 1
$$;

-- GET /apply?step=S: the page of the step the applicant may see.  NULL
-- without a live session or for staff.
CREATE FUNCTION portal_apply_xml(p_session bytea, p_step text,
    p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	acct	bigint := portal_account(p_session, p_now);
	d	application_drafts;
BEGIN
	IF acct IS NULL OR (SELECT role FROM accounts WHERE id = acct) <>
	    'applicant' THEN
		RETURN NULL;
	END IF;
	d := apply_draft(acct);
	RETURN apply_model(d, apply_show_step(d, coalesce(p_step, '')),
	    apply_last_person(acct), NULL);
END
$$;

-- A date the applicant typed, or NULL when it is not one.
CREATE FUNCTION apply_date(p text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		RETURN NULL;
	END IF;
	RETURN p::date;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
	RETURN NULL;
END
$$;

-- POST /apply: save one step (p_v: its fields in the form's order).
-- 'ok' with the next step to show, or for the passport step the new
-- case's reference; 'invalid_input' with the page again, what was typed
-- and an error next to each wrong field; nothing is saved then.
--
-- The passport step opens the case.  The passport is the applicant's
-- own record: one that belongs to another account cannot be reused.
-- The person's details (what central checks and a permit prints) may
-- change only while every case of that passport is a draft; after that
-- the office corrects them.
CREATE FUNCTION portal_apply_save(p_session bytea, p_step text, p_v text[],
    p_idem text, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, next_step text, reference text, model xml)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	acct	bigint := portal_account(p_session, p_now);
	d	application_drafts;
	o	offices%ROWTYPE;
	ap	applicants%ROWTYPE;
	r	case_result;
	err	text[] := '{}';
	today	date;
	birth	date;
	expiry	date;
	brk	text[];
	sk	text;
BEGIN
	IF acct IS NULL THEN
		RETURN QUERY SELECT 'session'::text, NULL::text, NULL::text,
		    NULL::xml;
		RETURN;
	END IF;
	-- Staff apply for nobody here: the back office opens cases.
	IF (SELECT role FROM accounts WHERE id = acct) <> 'applicant' THEN
		RETURN QUERY SELECT 'forbidden'::text, NULL::text, NULL::text,
		    NULL::xml;
		RETURN;
	END IF;
	-- Serialise this account's steps (the draft row may not exist yet),
	-- then look for the same form again: a retry, or a twin that opened
	-- the case while this one waited for the lock.
	PERFORM 1 FROM accounts WHERE id = acct FOR UPDATE;
	IF p_step = 'passport' AND p_idem IS NOT NULL THEN
		SELECT c.reference INTO reference FROM case_events e
		    JOIN cases c ON c.id = e.case_id
		    WHERE e.actor_id = acct AND e.idem_key = p_idem AND
		    e.command = 'create';
		IF FOUND THEN
			RETURN QUERY SELECT 'ok'::text, NULL::text, reference,
			    NULL::xml;
			RETURN;
		END IF;
	END IF;
	d := apply_draft(acct);
	IF p_step IS NULL OR apply_show_step(d, p_step) <> p_step THEN
		-- A step out of order (an old tab): show the right one.
		RETURN QUERY SELECT 'ok'::text, apply_show_step(d,
		    coalesce(p_step, '')), NULL::text, NULL::xml;
		RETURN;
	END IF;
	p_v := array_cat(p_v, array_fill(NULL::text, ARRAY[7]));
	CASE p_step
	WHEN 'kind' THEN
		IF p_v[1] IS NULL OR NOT p_v[1] = ANY
		    (enum_range(NULL::permit_kind)::text[]) THEN
			err := err || ARRAY['kind', 'apply.err.kind'];
		ELSE
			d.permit_kind := p_v[1];
		END IF;
	WHEN 'terms' THEN
		IF p_v[1] IS NULL OR p_v[1] NOT IN ('1', '2') THEN
			err := err || ARRAY['duration', 'apply.err.duration'];
		ELSE
			d.duration_years := p_v[1];
		END IF;
		IF p_v[2] IS NULL OR p_v[2] NOT IN ('regular', 'express') THEN
			err := err || ARRAY['level', 'apply.err.level'];
		ELSE
			d.service_level := p_v[2];
		END IF;
	WHEN 'sponsor' THEN
		sk := permit_sponsor_kind(d.permit_kind);
		d.sponsor_name := btrim(coalesce(p_v[1], ''));
		d.sponsor_ref := btrim(coalesce(p_v[2], ''));
		d.sponsor_email := lower(btrim(coalesce(p_v[3], '')));
		IF length(d.sponsor_name) NOT BETWEEN 1 AND 200 OR
		    d.sponsor_name ~ '[[:cntrl:]\uFFFE\uFFFF]' THEN
			err := err || ARRAY['sponsor_name',
			    'apply.err.sponsor_name'];
		END IF;
		IF length(d.sponsor_ref) > 64 OR
		    d.sponsor_ref ~ '[[:cntrl:]\uFFFE\uFFFF]' OR
		    (sk = 'employer' AND d.sponsor_ref = '') THEN
			err := err || ARRAY['sponsor_ref',
			    'apply.err.sponsor_ref.' || sk];
		END IF;
		IF d.sponsor_email <> '' AND NOT email_valid(d.sponsor_email)
		    THEN
			err := err || ARRAY['sponsor_email',
			    'apply.err.sponsor_email'];
		END IF;
	WHEN 'domicile' THEN
		d.domicile_address := btrim(coalesce(p_v[1], ''));
		IF length(d.domicile_address) NOT BETWEEN 1 AND 300 OR
		    d.domicile_address ~ '[[:cntrl:]\uFFFE\uFFFF]' THEN
			err := err || ARRAY['address', 'apply.err.address'];
		END IF;
		IF NOT EXISTS (SELECT 1 FROM office_areas a
		    WHERE a.area = p_v[2]) THEN
			err := err || ARRAY['area', 'apply.err.area'];
		ELSE
			d.domicile_area := p_v[2];
		END IF;
	WHEN 'passport' THEN
		SELECT x.* INTO o FROM office_areas a
		    JOIN offices x ON x.id = a.office_id
		    WHERE a.area = d.domicile_area;
		today := (p_now AT TIME ZONE o.timezone)::date;
		p_v[1] := upper(btrim(coalesce(p_v[1], '')));
		p_v[2] := upper(btrim(coalesce(p_v[2], '')));
		p_v[5] := upper(btrim(coalesce(p_v[5], '')));
		birth := apply_date(p_v[3]);
		expiry := apply_date(p_v[7]);
		IF length(p_v[1]) NOT BETWEEN 1 AND 100 OR
		    p_v[1] ~ '[[:cntrl:]\uFFFE\uFFFF]' THEN
			err := err || ARRAY['family', 'apply.err.family'];
		END IF;
		IF length(p_v[2]) > 100 OR p_v[2] ~ '[[:cntrl:]\uFFFE\uFFFF]' THEN
			err := err || ARRAY['given', 'apply.err.given'];
		END IF;
		brk := applicant_rule_breaks(birth, p_v[5], expiry,
		    d.duration_years, today);
		IF 'birth_date' = ANY (brk) THEN
			err := err || ARRAY['birth', 'apply.err.birth'];
		END IF;
		IF p_v[4] IS NULL OR p_v[4] NOT IN ('F', 'M', 'X') THEN
			err := err || ARRAY['sex', 'apply.err.sex'];
		END IF;
		IF p_v[5] !~ '^[A-Z]{3}$' THEN
			err := err || ARRAY['nationality',
			    'apply.err.nationality'];
		ELSIF 'citizen' = ANY (brk) THEN
			err := err || ARRAY['nationality', 'apply.err.citizen'];
		END IF;
		IF coalesce(p_v[6], '') !~ '^[A-Z0-9]{5,12}$' THEN
			err := err || ARRAY['passport', 'apply.err.passport'];
		END IF;
		IF 'passport_expiry' = ANY (brk) THEN
			err := err || ARRAY['expiry', 'apply.err.expiry'];
		END IF;
		IF err = '{}' AND (SELECT count(*) FROM passport_refusals x
		    WHERE x.account_id = acct AND
		    x.at > p_now - interval '1 day') >= 3 AND
		    NOT EXISTS (SELECT 1 FROM applicants a
		    WHERE a.account_id = acct AND a.nationality = p_v[5] AND
		    a.passport_no = p_v[6]) THEN
			err := ARRAY['passport', 'apply.err.passport_tries'];
		END IF;
		IF err = '{}' THEN
			SELECT * INTO ap FROM applicants a
			    WHERE a.nationality = p_v[5] AND
			    a.passport_no = p_v[6];
			IF FOUND AND ap.account_id IS DISTINCT FROM acct THEN
				INSERT INTO passport_refusals VALUES (acct, p_now);
				err := ARRAY['passport', 'apply.err.passport_taken'];
			ELSIF FOUND AND (ap.family_name, ap.given_names,
			    ap.birth_date, ap.sex, ap.passport_expiry) IS
			    DISTINCT FROM (p_v[1], p_v[2], birth, p_v[4],
			    expiry) AND EXISTS (SELECT 1 FROM cases c
			    WHERE c.applicant_id = ap.id AND
			    c.state <> 'draft') THEN
				err := ARRAY['passport',
				    'apply.err.identity_locked'];
			END IF;
		END IF;
		IF err = '{}' THEN
			IF ap.id IS NULL THEN
				INSERT INTO applicants (account_id, family_name,
				    given_names, birth_date, sex, nationality,
				    passport_no, passport_expiry)
				    VALUES (acct, p_v[1], p_v[2], birth, p_v[4],
				    p_v[5], p_v[6], expiry)
				    RETURNING * INTO ap;
			ELSE
				UPDATE applicants SET family_name = p_v[1],
				    given_names = p_v[2], birth_date = birth,
				    sex = p_v[4], passport_expiry = expiry
				    WHERE id = ap.id;
			END IF;
			-- A sponsor typed for another kind, then changed.
			sk := permit_sponsor_kind(d.permit_kind);
			IF sk = 'self' THEN
				d.sponsor_name := '';
				d.sponsor_ref := '';
				d.sponsor_email := '';
			END IF;
			r := case_create(acct, o.id, ap.id, d.permit_kind,
			    d.duration_years, d.service_level, sk,
			    d.sponsor_name, d.sponsor_ref, p_idem, p_now);
			IF r.code <> 'ok' THEN
				RAISE EXCEPTION 'apply: case_create: %', r.code;
			END IF;
			UPDATE cases SET sponsor_email = d.sponsor_email,
			    domicile_address = d.domicile_address,
			    domicile_city = d.domicile_area
			    WHERE id = r.case_id;
			DELETE FROM application_drafts WHERE account_id = acct;
			RETURN QUERY SELECT 'ok'::text, NULL::text, r.reference,
			    NULL::xml;
			RETURN;
		END IF;
	ELSE
		NULL;	-- apply_show_step() knows only the steps above
	END CASE;
	IF err <> '{}' THEN
		RETURN QUERY SELECT 'invalid_input'::text, NULL::text, NULL::text,
		    apply_model(d, p_step, CASE WHEN p_step = 'passport' THEN
		    p_v[1:7] ELSE apply_last_person(acct) END, err);
		RETURN;
	END IF;
	d.updated_at := p_now;
	INSERT INTO application_drafts SELECT d.*
	    ON CONFLICT (account_id) DO UPDATE SET
	    permit_kind = EXCLUDED.permit_kind,
	    duration_years = EXCLUDED.duration_years,
	    service_level = EXCLUDED.service_level,
	    sponsor_name = EXCLUDED.sponsor_name,
	    sponsor_ref = EXCLUDED.sponsor_ref,
	    sponsor_email = EXCLUDED.sponsor_email,
	    domicile_address = EXCLUDED.domicile_address,
	    domicile_area = EXCLUDED.domicile_area,
	    updated_at = EXCLUDED.updated_at;
	RETURN QUERY SELECT 'ok'::text, apply_show_step(d,
	    (apply_steps())[array_position(apply_steps(), p_step) + 1]),
	    NULL::text, NULL::xml;
END
$$;

-- Housekeeping forgets a draft left untouched for half a year: it holds
-- a sponsor's name and an address, kept no longer than the applicant
-- seems to want them.
CREATE FUNCTION apply_forget(p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	DELETE FROM application_drafts WHERE updated_at < p_now - interval '180 days';
	DELETE FROM passport_refusals WHERE at < p_now - interval '1 day';
$$;

-- Corrections to the sponsor and the street address while the case is a
-- draft or the office asked for more information.  The place stays: it
-- chose the office, which the reference carries.
CREATE FUNCTION portal_draft_update(p_session bytea, p_reference text,
    p_sponsor_name text, p_sponsor_ref text, p_address text,
    p_sponsor_email text, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	c	cases%ROWTYPE;
	r	case_result;
	before	jsonb;
	after	jsonb;
BEGIN
	c := portal_own_case(portal_account(p_session, p_now), p_reference);
	IF c.id IS NULL THEN
		RETURN 'not_found';
	END IF;
	IF c.state NOT IN ('draft', 'more_info') THEN
		RETURN 'transition_not_allowed';
	END IF;
	IF length(coalesce(p_sponsor_name, '')) > 200 OR
	    length(coalesce(p_sponsor_ref, '')) > 64 OR
	    length(coalesce(p_address, '')) NOT BETWEEN 1 AND 300 OR
	    c.sponsor_kind = 'employer' AND coalesce(p_sponsor_ref, '') = '' OR
	    c.sponsor_kind <> 'self' AND coalesce(p_sponsor_name, '') = '' OR
	    concat(p_sponsor_name, p_sponsor_ref, p_address) ~
	    '[[:cntrl:]\uFFFE\uFFFF]' OR
	    coalesce(p_sponsor_email, '') <> '' AND
	    NOT email_valid(p_sponsor_email) THEN
		RETURN 'invalid_input';
	END IF;
	-- Once the office has the case, a change is a step of its history,
	-- with what it was and what it became.
	before := jsonb_build_object('sponsor_name', c.sponsor_name,
	    'sponsor_ref', c.sponsor_ref, 'domicile_address', c.domicile_address,
	    'sponsor_email', c.sponsor_email);
	after := jsonb_build_object('sponsor_name', coalesce(p_sponsor_name, ''),
	    'sponsor_ref', coalesce(p_sponsor_ref, ''), 'domicile_address',
	    p_address, 'sponsor_email', lower(coalesce(p_sponsor_email, '')));
	IF before = after THEN
		RETURN 'ok';
	END IF;
	IF c.state = 'more_info' THEN
		r := case_apply(c.account_id, c.id, 'update_details', c.version,
		    NULL, p_now, jsonb_build_object('before', before,
		    'after', after));
		IF r.code <> 'ok' THEN
			RETURN r.code;
		END IF;
	END IF;
	UPDATE cases SET sponsor_name = after->>'sponsor_name',
	    sponsor_ref = after->>'sponsor_ref',
	    domicile_address = after->>'domicile_address',
	    sponsor_email = after->>'sponsor_email',
	    updated_at = p_now
	    WHERE id = c.id;
	RETURN 'ok';
END
$$;

-- A document for the applicant's own case, already sealed by the server.
-- Replaces the previous one of the same type.
CREATE FUNCTION portal_document_add(p_session bytea, p_reference text,
    p_type doc_type, p_filename text, p_content_type text, p_size integer,
    p_sealed bytea, p_aad text, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	acct	bigint := portal_account(p_session, p_now);
	c	cases%ROWTYPE;
BEGIN
	c := portal_own_case(acct, p_reference);
	IF c.id IS NULL THEN
		RETURN 'not_found';
	END IF;
	IF c.state NOT IN ('draft', 'more_info') THEN
		RETURN 'transition_not_allowed';
	END IF;
	IF p_aad IS NULL OR p_aad NOT LIKE 'document:' || c.reference || ':' ||
	    p_type || ':%' THEN
		RETURN 'invalid_input';
	END IF;
	-- The same upload again (a retry): its AAD is already stored.
	IF EXISTS (SELECT 1 FROM documents WHERE aad = p_aad) THEN
		RETURN 'ok';
	END IF;
	UPDATE documents SET replaced_at = p_now
	    WHERE case_id = c.id AND doc_type = p_type AND replaced_at IS NULL;
	INSERT INTO documents (case_id, doc_type, filename, content_type, size,
	    sealed, aad, uploaded_by, uploaded_at)
	    VALUES (c.id, p_type, p_filename, p_content_type, p_size, p_sealed,
	    p_aad, acct, p_now);
	RETURN 'ok';
END
$$;

-- Submit the draft: every required document present, then the
-- transition and the billing code, in one transaction.
CREATE FUNCTION portal_submit(p_session bytea, p_reference text,
    p_version integer, p_idem text, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, billing_code text, amount bigint,
    expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	acct	bigint := portal_account(p_session, p_now);
	c	cases%ROWTYPE;
	r	case_result;
BEGIN
	c := portal_own_case(acct, p_reference);
	IF c.id IS NULL THEN
		RETURN QUERY SELECT 'not_found'::text, NULL::text, NULL::bigint,
		    NULL::timestamptz;
		RETURN;
	END IF;
	-- The office writes to this address about the case, and the
	-- billing code is issued to it: it must be the applicant's own.
	IF c.state = 'draft' AND (SELECT email_confirmed_at IS NULL
	    FROM accounts WHERE id = acct) THEN
		RETURN QUERY SELECT 'email_unconfirmed'::text, NULL::text,
		    NULL::bigint, NULL::timestamptz;
		RETURN;
	END IF;
	IF c.state = 'draft' AND EXISTS (SELECT 1 FROM permit_requirements q
	    WHERE q.permit_kind = c.permit_kind AND NOT EXISTS (SELECT 1
	    FROM documents d WHERE d.case_id = c.id AND
	    d.doc_type = q.doc_type AND d.replaced_at IS NULL)) THEN
		RETURN QUERY SELECT 'documents_missing'::text, NULL::text,
		    NULL::bigint, NULL::timestamptz;
		RETURN;
	END IF;
	r := case_apply(acct, c.id, 'submit', p_version, p_idem, p_now);
	IF r.code <> 'ok' THEN
		RETURN QUERY SELECT r.code, NULL::text, NULL::bigint,
		    NULL::timestamptz;
		RETURN;
	END IF;
	IF NOT r.replayed THEN
		PERFORM billing_issue(c, case_fee(c), p_now);
	END IF;
	RETURN QUERY SELECT 'ok'::text, b.code, b.amount, b.expires_at
	    FROM billing_codes b WHERE b.case_id = c.id AND b.paid_at IS NULL
	    AND b.void_at IS NULL;
END
$$;

-- The applicant's own commands on their case (withdraw, answer a
-- request for more information): the session says who, the reference
-- which case; case_apply() decides whether it may happen.  An answer
-- from the portal brings what was asked: info_missing until a document
-- was uploaded since the office's latest request.  (Staff recording an
-- answer brought to the counter go through office_command(): no upload.)
CREATE FUNCTION portal_command(p_session bytea, p_reference text,
    p_command text, p_version integer, p_idem text,
    p_now timestamptz DEFAULT now())
RETURNS case_result
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	acct	bigint := portal_account(p_session, p_now);
	c	cases%ROWTYPE;
BEGIN
	IF p_command NOT IN ('withdraw', 'provide_info') THEN
		RETURN case_fail('forbidden');
	END IF;
	c := portal_own_case(acct, p_reference);
	IF c.id IS NULL THEN
		RETURN case_fail('not_found');
	END IF;
	-- Only while the request is open: a replay of a done answer (the
	-- case has moved on) goes through to case_apply() unchanged.
	IF p_command = 'provide_info' AND c.state = 'more_info' AND
	    NOT EXISTS (SELECT 1 FROM documents d WHERE d.case_id = c.id AND
	    d.uploaded_at >= (SELECT max(e.recorded_at) FROM case_events e
	    WHERE e.case_id = c.id AND e.command = 'request_info')) THEN
		RETURN case_fail('info_missing', c);
	END IF;
	RETURN case_apply(acct, c.id, p_command, p_version, p_idem, p_now);
END
$$;

-- An expired, unpaid code is replaced by a new one.
CREATE FUNCTION portal_billing_renew(p_session bytea, p_reference text,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	c	cases%ROWTYPE;
	b	billing_codes%ROWTYPE;
BEGIN
	c := portal_own_case(portal_account(p_session, p_now), p_reference);
	IF c.id IS NULL THEN
		RETURN 'not_found';
	END IF;
	SELECT * INTO b FROM billing_codes WHERE case_id = c.id AND
	    paid_at IS NULL AND void_at IS NULL;
	IF c.state <> 'submitted' OR NOT FOUND THEN
		RETURN 'transition_not_allowed';
	END IF;
	IF b.expires_at > p_now THEN
		RETURN 'not_expired';
	END IF;
	UPDATE billing_codes SET void_at = p_now WHERE code = b.code;
	PERFORM billing_issue(c, b.amount, p_now);
	RETURN 'ok';
END
$$;

-- Everything the applicant's case page shows, as one XML document the
-- server hands to the template: the case, its steps, documents still
-- needed, the billing code, the link's news when it waits.  NULL when
-- the reference is not the session's.
CREATE FUNCTION portal_case_xml(p_session bytea, p_reference text,
    p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	-- plpgsql keeps the plan; a sql function would plan this every call.
	RETURN (
	WITH c AS (
		SELECT c.*, o.code AS office_code, o.name AS office_name,
		    o.timezone
		FROM cases c JOIN offices o ON o.id = c.office_id
		WHERE c.reference = upper(p_reference) AND
		    c.account_id = portal_account(p_session, p_now)
	)
	SELECT xmlelement(name "case",
	    xmlattributes(c.reference AS ref, c.state AS state,
		c.version AS version, c.permit_kind AS kind,
		c.duration_years AS duration, c.service_level AS level,
		c.office_name AS office, c.sponsor_name AS "sponsor-name",
		c.sponsor_ref AS "sponsor-ref",
		c.sponsor_email AS "sponsor-email",
		c.domicile_address AS address, c.domicile_city AS city),
	    (SELECT xmlagg(xmlelement(name step, xmlattributes(
		e.command AS command, e.to_state AS state,
		to_char(e.occurred_at AT TIME ZONE c.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS at,
		-- What the office asked for, or why it refused: the
		-- applicant's to read.  Other payloads (receipts, proposals)
		-- stay in the office.
		CASE WHEN e.command IN ('request_info', 'reject',
		    'decide_reject', 'cancel') THEN e.payload->>'reason' END
		    AS reason)) ORDER BY e.version)
		FROM case_events e WHERE e.case_id = c.id),
	    (SELECT xmlagg(xmlelement(name document, xmlattributes(
		q.doc_type AS type, d.filename AS filename, d.size AS size,
		to_char(d.uploaded_at AT TIME ZONE c.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS uploaded))
		ORDER BY q.doc_type)
		FROM permit_requirements q
		LEFT JOIN documents d ON d.case_id = c.id AND
		    d.doc_type = q.doc_type AND d.replaced_at IS NULL
		WHERE q.permit_kind = c.permit_kind),
	    (SELECT xmlelement(name billing, xmlattributes(b.code AS code,
		b.amount AS amount,
		to_char(b.expires_at AT TIME ZONE c.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS expires,
		b.expires_at < p_now AS expired,
		b.paid_at IS NOT NULL AS paid))
		FROM billing_codes b WHERE b.case_id = c.id AND b.void_at IS NULL
		ORDER BY b.created_at DESC LIMIT 1),
	    -- While it waits for central: the link, the queue, the estimate
	    -- (the status page's view of the same case).
	    (SELECT xmlelement(name link, xmlattributes(s.link_state AS state,
		s.outage_since AS "outage-since", s.paused AS paused,
		s.ahead AS ahead, s.ahead_more AS "ahead-more",
		s.eta_seconds AS eta,
		s.after_recovery AS "after-recovery"))
		FROM applicants a, case_public_status(c.reference, a.passport_no,
		    p_now) s
		WHERE a.id = c.applicant_id AND c.state = 'awaiting_clearance'),
	    (SELECT xmlelement(name compensation, xmlattributes(x.reason AS reason))
		FROM compensations x WHERE x.case_id = c.id))
	FROM c);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    portal_apply_xml(bytea, text, timestamptz),
    portal_apply_save(bytea, text, text[], text, timestamptz),
    apply_forget(timestamptz),
    portal_draft_update(bytea, text, text, text, text, text, timestamptz),
    portal_document_add(bytea, text, doc_type, text, text, integer, bytea,
	text, timestamptz),
    portal_submit(bytea, text, integer, text, timestamptz),
    portal_command(bytea, text, text, integer, text, timestamptz),
    portal_billing_renew(bytea, text, timestamptz),
    portal_case_xml(bytea, text, timestamptz)
    TO kitas_app;
