-- Sponsor batches (partner exchange, 0009): an employer or an agency
-- files many applications in one signed document
-- (assets/schemas/exchange-sponsor-batch-1.xsd).  The server has parsed
-- it with the hardened parser and validated it against the schema before
-- it gets here; this function reads the fields with XMLTABLE.
--
-- Each application is checked and stored on its own, in its own
-- subtransaction: it becomes an applicant (or the one the office already
-- knows by passport), a case created and submitted by the sponsor's
-- account, and its billing code; or it is reported with every error
-- found, and nothing of it stays, not even when storing fails half-way.
-- The message id makes the whole batch idempotent: a repeat gets the
-- first answer and stores nothing.

ALTER TABLE partners DROP CONSTRAINT partners_types_check,
    ADD CONSTRAINT partners_types_check CHECK (types <@ ARRAY[
    'payment-notice', 'clearance-result', 'permit-events', 'case-status',
    'evidence', 'sponsor-batch']);

-- What is wrong with one application, as (code, path, text) rows; none
-- when it may be stored.  p_at is the item's path, e.g.
-- /sponsorBatch/application[3].  ap is the applicant the office already
-- knows by this passport, if any.
CREATE FUNCTION sponsor_item_errors(p_partner partners, p_at text,
    p_office offices, p_office_code text, p_kind permit_kind,
    p_years smallint, p_rptka text, p_family text, p_given text,
    p_birth date, p_sex text, p_nationality text, p_expiry date,
    ap applicants, p_now timestamptz)
RETURNS TABLE (code text, path text, text text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	today	date := (p_now AT TIME ZONE
	    coalesce(p_office.timezone, 'Asia/Jakarta'))::date;
	need	date := today + make_interval(years => p_years, months => 6);
	brk	text[] := applicant_rule_breaks(p_birth, p_nationality,
	    p_expiry, p_years, today);
BEGIN
	IF p_office.id IS NULL THEN
		RETURN QUERY SELECT 'office_unknown', p_at || '/office',
		    format('no office has the code %s', p_office_code);
	ELSIF p_partner.offices IS NOT NULL AND
	    NOT p_office.id = ANY (p_partner.offices) THEN
		RETURN QUERY SELECT 'office_not_served', p_at || '/office',
		    format('this sponsor does not file at office %s',
		    p_office_code);
	END IF;
	IF p_kind = 'E23' AND p_rptka IS NULL THEN
		RETURN QUERY SELECT 'rptka_required', '/sponsorBatch/sponsor/rptka',
		    'a work permit (E23) needs the sponsor''s RPTKA';
	END IF;
	IF 'citizen' = ANY (brk) THEN
		RETURN QUERY SELECT 'citizen', p_at || '/applicant/nationality',
		    'an Indonesian citizen needs no stay permit';
	END IF;
	IF 'birth_date' = ANY (brk) THEN
		RETURN QUERY SELECT 'birth_date', p_at || '/applicant/birthDate',
		    'the birth date must be in the past';
	END IF;
	IF 'passport_expiry' = ANY (brk) THEN
		RETURN QUERY SELECT 'passport_expiry',
		    p_at || '/applicant/passportExpiry',
		    format('the passport must be valid until %s at least (the '
		    'permit''s end and six months)', need);
	END IF;
	IF ap.id IS NOT NULL AND (ap.family_name, ap.given_names, ap.birth_date,
	    ap.sex) IS DISTINCT FROM (p_family, p_given, p_birth, p_sex) THEN
		RETURN QUERY SELECT 'identity_mismatch', p_at || '/applicant',
		    'this passport is known under another name, birth date or sex';
	ELSIF ap.id IS NOT NULL AND EXISTS (SELECT 1 FROM cases c
	    WHERE c.applicant_id = ap.id AND c.state NOT IN ('issued',
	    'rejected', 'withdrawn', 'cancelled')) THEN
		RETURN QUERY SELECT 'case_open', p_at || '/applicant/passportNo',
		    'this passport already has an application in progress';
	END IF;
END
$$;

CREATE FUNCTION exchange_sponsor_batch(p_partner integer,
    p_message_id text, p_keyid text, p_digest text, p_signature bytea,
    p_body text, p_now timestamptz DEFAULT now())
RETURNS TABLE (status integer, answer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pre	record;
	pa	partners%ROWTYPE;
	doc	xml;
	sp	record;
	it	record;
	o	offices%ROWTYPE;
	ap	applicants%ROWTYPE;
	r	case_result;
	c	cases%ROWTYPE;
	b	billing_codes%ROWTYPE;
	errs	xml;
	items	xml[] := '{}';
	nok	integer := 0;
	offs	integer[] := '{}';
	at	text;
	ans	text;
BEGIN
	pre := exchange_prelude(p_partner, p_message_id, 'sponsor-batch', p_keyid,
	    p_digest, p_signature, p_body, p_now);
	IF pre.status IS NOT NULL THEN
		RETURN QUERY SELECT pre.status, pre.answer;
		RETURN;
	END IF;
	SELECT * INTO pa FROM partners WHERE id = p_partner;
	doc := XMLPARSE(DOCUMENT p_body);
	SELECT * INTO sp FROM XMLTABLE(
	    XMLNAMESPACES('urn:kitas:exchange:sponsor-batch:1' AS b),
	    '/b:sponsorBatch/b:sponsor' PASSING doc COLUMNS
		name text PATH 'b:name', rptka text PATH 'b:rptka',
		email text PATH 'b:email');

	FOR it IN SELECT * FROM XMLTABLE(
	    XMLNAMESPACES('urn:kitas:exchange:sponsor-batch:1' AS b),
	    '/b:sponsorBatch/b:application' PASSING doc COLUMNS
		n for ORDINALITY,
		item text PATH '@itemId',
		office text PATH 'b:office',
		kind permit_kind PATH 'b:permitKind',
		years smallint PATH 'b:durationYears',
		level service_level PATH 'b:serviceLevel',
		family text PATH 'b:applicant/b:familyName',
		given text PATH 'b:applicant/b:givenNames' DEFAULT '',
		birth date PATH 'b:applicant/b:birthDate',
		sex text PATH 'b:applicant/b:sex',
		nat text PATH 'b:applicant/b:nationality',
		passport text PATH 'b:applicant/b:passportNo',
		expiry date PATH 'b:applicant/b:passportExpiry',
		address text PATH 'b:domicile/b:address' DEFAULT '',
		city text PATH 'b:domicile/b:city' DEFAULT '')
	LOOP
		at := format('/sponsorBatch/application[%s]', it.n);
		SELECT * INTO o FROM offices WHERE code = it.office;
		-- The message concerns the offices its applications are
		-- filed at (those the partner serves), stored or not: its
		-- body holds their applicants.
		IF o.id IS NOT NULL AND (pa.offices IS NULL OR
		    o.id = ANY (pa.offices)) AND NOT o.id = ANY (offs) THEN
			offs := offs || o.id;
		END IF;
		SELECT * INTO ap FROM applicants
		    WHERE nationality = it.nat AND passport_no = it.passport;
		SELECT xmlagg(xmlelement(name error, xmlattributes(e.code AS code,
		    e.path AS path), e.text)) INTO errs
		    FROM sponsor_item_errors(pa, at, o, it.office, it.kind,
		    it.years, sp.rptka, it.family, it.given, it.birth, it.sex,
		    it.nat, it.expiry, ap, p_now) e;
		IF errs IS NULL THEN
			BEGIN
				IF ap.id IS NULL THEN
					INSERT INTO applicants (family_name,
					    given_names, birth_date, sex,
					    nationality, passport_no,
					    passport_expiry)
					    VALUES (it.family, it.given, it.birth,
					    it.sex, it.nat, it.passport, it.expiry)
					    RETURNING * INTO ap;
				ELSIF ap.passport_expiry <> it.expiry THEN
					UPDATE applicants SET
					    passport_expiry = it.expiry
					    WHERE id = ap.id;
				END IF;
				r := case_create(pa.account_id, o.id, ap.id,
				    it.kind, it.years, it.level,
				    permit_sponsor_kind(it.kind), sp.name,
				    CASE WHEN it.kind = 'E23' THEN sp.rptka
				    ELSE '' END, NULL, p_now);
				IF r.code = 'ok' THEN
					UPDATE cases SET domicile_address =
					    it.address, domicile_city = it.city,
					    sponsor_email =
					    lower(coalesce(sp.email, ''))
					    WHERE id = r.case_id;
					r := case_apply(pa.account_id, r.case_id,
					    'submit', r.version, NULL, p_now,
					    jsonb_build_object('message_id',
					    p_message_id, 'item', it.item));
				END IF;
				IF r.code <> 'ok' THEN
					RAISE EXCEPTION 'case: %', r.code;
				END IF;
				SELECT * INTO c FROM cases WHERE id = r.case_id;
				PERFORM billing_issue(c, case_fee(c), p_now);
				SELECT * INTO b FROM billing_codes
				    WHERE case_id = c.id AND paid_at IS NULL AND
				    void_at IS NULL;
			EXCEPTION WHEN others THEN
				-- Nothing of this item stays; the rest go on.
				RAISE WARNING 'sponsor batch % item %: %',
				    p_message_id, it.item, SQLERRM;
				errs := xmlelement(name error, xmlattributes(
				    'not_stored' AS code, at AS path),
				    'the application could not be stored; '
				    'nothing of it was kept');
			END;
		END IF;
		IF errs IS NULL THEN
			nok := nok + 1;
			items := items || xmlelement(name item, xmlattributes(
			    it.item AS id, 'accepted' AS outcome,
			    c.reference AS reference, b.code AS "billingCode",
			    b.amount AS amount,
			    exchange_time(b.expires_at) AS "billingExpires"));
		ELSE
			items := items || xmlelement(name item, xmlattributes(
			    it.item AS id, 'rejected' AS outcome), errs);
		END IF;
	END LOOP;

	ans := '<?xml version="1.0" encoding="UTF-8"?>' || xmlelement(
	    name "sponsorBatchAnswer",
	    xmlattributes('urn:kitas:exchange:sponsor-batch:1' AS xmlns,
		'1' AS version, p_message_id AS "messageId", nok AS accepted,
		cardinality(items) - nok AS rejected),
	    (SELECT xmlagg(x ORDER BY i) FROM unnest(items)
		WITH ORDINALITY AS u(x, i)))::text;
	PERFORM exchange_log(p_partner, p_message_id, 'sponsor-batch', p_keyid,
	    p_digest, p_signature, p_body, 200, NULL, ans, p_now, offs);
	RETURN QUERY SELECT 200, ans;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION exchange_sponsor_batch(integer, text, text, text,
    bytea, text, timestamptz) TO kitas_app;
