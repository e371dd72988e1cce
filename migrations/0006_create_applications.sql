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
	    domicile_address !~ '[[:cntrl:]]'),
	ADD COLUMN domicile_city text NOT NULL DEFAULT ''
	    CHECK (length(domicile_city) <= 100 AND domicile_city !~ '[[:cntrl:]]'),
	-- Where the sponsor hears of the issued permit; may stay empty.
	ADD COLUMN sponsor_email text NOT NULL DEFAULT ''
	    CHECK (sponsor_email = '' OR (length(sponsor_email) <= 254 AND
	    sponsor_email ~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+\.[^@[:space:][:cntrl:]]+$'));

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

-- Step one: who applies (passport data) and for what.  Opens the draft
-- case.  The passport is the applicant's own record: one that belongs to
-- another account cannot be reused.  The person's details (what central
-- checks and a permit prints) may change only while every case of that
-- passport is a draft; after that: identity_locked (the office corrects).
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

CREATE FUNCTION portal_draft_create(p_session bytea, p_family text,
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
	    permit_sponsor_kind(p_kind), '', '', p_idem, p_now);
END
$$;

-- Later steps: sponsor and domicile, only while the case is a draft or
-- the office asked for more information.
CREATE FUNCTION portal_draft_update(p_session bytea, p_reference text,
    p_sponsor_name text, p_sponsor_ref text, p_address text, p_city text,
    p_sponsor_email text, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	c	cases%ROWTYPE;
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
	    length(coalesce(p_address, '')) > 300 OR
	    length(coalesce(p_city, '')) > 100 OR
	    concat(p_sponsor_name, p_sponsor_ref, p_address, p_city) ~
	    '[[:cntrl:]]' OR coalesce(p_sponsor_email, '') <> '' AND
	    (length(p_sponsor_email) > 254 OR p_sponsor_email !~
	    '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+\.[^@[:space:][:cntrl:]]+$') THEN
		RETURN 'invalid_input';
	END IF;
	UPDATE cases SET sponsor_name = coalesce(p_sponsor_name, ''),
	    sponsor_ref = coalesce(p_sponsor_ref, ''),
	    domicile_address = coalesce(p_address, ''),
	    domicile_city = coalesce(p_city, ''),
	    sponsor_email = lower(coalesce(p_sponsor_email, '')),
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
-- which case; case_apply() decides whether it may happen.
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
		s.ahead AS ahead, s.eta_seconds AS eta,
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
    portal_draft_create(bytea, text, text, date, text, text, text, date,
	permit_kind, smallint, service_level, text, text, timestamptz),
    portal_draft_update(bytea, text, text, text, text, text, text,
	timestamptz),
    portal_document_add(bytea, text, doc_type, text, text, integer, bytea,
	text, timestamptz),
    portal_submit(bytea, text, integer, text, timestamptz),
    portal_command(bytea, text, text, integer, text, timestamptz),
    portal_billing_renew(bytea, text, timestamptz),
    portal_case_xml(bytea, text, timestamptz)
    TO kitas_app;
