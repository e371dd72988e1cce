-- The back office: officers and supervisors act on their own office's
-- cases through the same command functions as everyone else, proven by
-- their session (never by an account id the server passes on trust).
-- Admins read every office's cases and act on none.  Every action and
-- every view of a document lands in an append-only audit log.

CREATE TABLE audit_log (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		timestamptz NOT NULL,
	account_id	bigint NOT NULL REFERENCES accounts,
	office_id	integer REFERENCES offices,
	action		text NOT NULL CHECK (action ~ '^[a-z_]{2,40}$'),
	case_id		bigint REFERENCES cases,
	detail		jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_case ON audit_log (case_id, id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION append_only();

CREATE FUNCTION audit(p_account bigint, p_action text, p_case bigint,
    p_detail jsonb, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO audit_log (at, account_id, office_id, action, case_id,
	    detail)
	SELECT p_now, a.id, a.office_id, p_action, p_case,
	    coalesce(p_detail, '{}')
	FROM accounts a WHERE a.id = p_account;
END
$$;

-- The staff member behind a live session who may act on their office's
-- cases (an officer or a supervisor), or nothing.  Every command path
-- finds its actor here, so an admin, who only reads, is nobody to them.
CREATE FUNCTION office_staff(p_session bytea, p_now timestamptz)
RETURNS accounts
LANGUAGE plpgsql STABLE AS $$
DECLARE
	a	accounts%ROWTYPE;
BEGIN
	SELECT * INTO a FROM accounts
	WHERE id = auth_live_account(p_session, p_now) AND
	    role IN ('officer', 'supervisor') AND disabled_at IS NULL;
	RETURN a;
END
$$;

-- Who reads cases in the back office, and whose: the account behind a
-- live session (id and role; all NULL when it is not staff) and the ids
-- of the offices whose cases it may read: an officer's or a supervisor's
-- own office, every office for an admin.  p_office (a code) narrows that
-- to one office, or to none when it is no such office or not theirs.
-- Only the page models and the audited views use it; a command never
-- does (office_staff() above), so reading gives an admin nothing to act
-- with.
CREATE FUNCTION office_reader(p_session bytea, p_office text,
    p_now timestamptz, OUT id bigint, OUT role account_role,
    OUT office_ids integer[])
LANGUAGE sql STABLE AS $$
	SELECT a.id, a.role, ARRAY(SELECT o.id FROM offices o
	    WHERE (a.role = 'admin' OR o.id = a.office_id) AND
	    (p_office IS NULL OR o.code = p_office) ORDER BY o.id)
	FROM accounts a
	WHERE a.id = auth_live_account(p_session, p_now) AND
	    a.role IN ('officer', 'supervisor', 'admin') AND
	    a.disabled_at IS NULL
$$;

-- The work queues of the offices the session reads, as the page model:
-- each case in the queue of its step, express first, then by due time,
-- with what the SLA says, its times in its office's zone.  Staff see
-- their office; an admin sees every office, or the one p_office names,
-- and gets the offices to choose from.  The page names its office when
-- it shows one; otherwise each case names its own.  NULL when the
-- session is not staff or p_office is not an office they read.
CREATE FUNCTION office_queues_xml(p_session bytea,
    p_office text DEFAULT NULL, p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	record;
	o	offices%ROWTYPE;
BEGIN
	SELECT * INTO s FROM office_reader(p_session, p_office, p_now);
	IF s.id IS NULL OR cardinality(s.office_ids) = 0 THEN
		RETURN NULL;
	END IF;
	IF cardinality(s.office_ids) = 1 THEN
		SELECT * INTO o FROM offices WHERE id = s.office_ids[1];
	END IF;
	RETURN (
	WITH c AS (
		SELECT c.*, CASE
		    WHEN c.state = 'submitted' AND EXISTS (SELECT 1 FROM
			proposals p WHERE p.case_id = c.id AND
			p.command = 'pay' AND p.status = 'pending')
			THEN 'approve'
		    WHEN c.state IN ('submitted', 'more_info') THEN 'check'
		    WHEN c.state = 'paid' THEN 'biometrics'
		    WHEN c.state = 'biometrics_done' THEN 'clearance'
		    WHEN c.state = 'awaiting_clearance' THEN 'central'
		    WHEN c.state = 'referred' THEN 'referred'
		    WHEN c.state = 'cleared' AND EXISTS (SELECT 1 FROM
			proposals p WHERE p.case_id = c.id AND
			p.status = 'pending') THEN 'approve'
		    WHEN c.state = 'cleared' THEN 'issue'
		    END AS queue,
		    trim(a.given_names || ' ' || a.family_name) AS name,
		    f.code AS office_code, f.timezone,
		    k.due_at, k.overdue, k.paused_outage,
		    EXISTS (SELECT 1 FROM compensations m
			WHERE m.case_id = c.id) AS compensation
		FROM cases c JOIN applicants a ON a.id = c.applicant_id
		JOIN offices f ON f.id = c.office_id
		LEFT JOIN LATERAL case_sla(c.id, p_now) k ON true
		WHERE c.office_id = ANY (s.office_ids) AND c.state IN (
		    'submitted', 'more_info', 'paid', 'biometrics_done',
		    'awaiting_clearance', 'referred', 'cleared')
	)
	SELECT xmlelement(name queues, xmlattributes(o.code AS office,
	    o.name AS "office-name", s.role AS role),
	    (SELECT xmlagg(xmlelement(name office, xmlattributes(
		f.code AS code, f.name AS name)) ORDER BY f.code)
		FROM offices f WHERE s.role = 'admin'),
	    (SELECT xmlagg(xmlelement(name queue, xmlattributes(q.name AS name,
		(SELECT count(*) FROM c WHERE c.queue = q.name) AS count),
		(SELECT xmlagg(xmlelement(name "case", xmlattributes(
		    c.reference AS ref, c.office_code AS office,
		    c.state AS state,
		    c.permit_kind AS kind, c.service_level AS level,
		    c.name AS name,
		    to_char(c.state_since AT TIME ZONE c.timezone,
			'YYYY-MM-DD"T"HH24:MI') AS since,
		    to_char(c.due_at AT TIME ZONE c.timezone,
			'YYYY-MM-DD"T"HH24:MI') AS due,
		    c.overdue AS overdue,
		    CASE WHEN c.paused_outage > interval '0' THEN
			to_char(c.paused_outage, 'DD"d" HH24"h"') END
			AS "outage-paused",
		    c.compensation AS compensation))
		    ORDER BY c.service_level DESC, c.due_at NULLS LAST,
		    c.id)
		    FROM (SELECT * FROM c WHERE c.queue = q.name
		    ORDER BY c.service_level DESC, c.due_at NULLS LAST, c.id
		    LIMIT 100) c)) ORDER BY q.ord)
		FROM (VALUES (1, 'check'), (2, 'biometrics'),
		    (3, 'clearance'), (4, 'central'), (5, 'referred'),
		    (6, 'issue'), (7, 'approve')) AS q(ord, name))));
END
$$;

-- One case of an office the session reads, everything the case page
-- shows; role says what the viewer may do (an admin: nothing).  NULL
-- when the session is not staff or the case is another office's (a
-- guessed reference learns nothing).
CREATE FUNCTION office_case_xml(p_session bytea,
    p_reference text, p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	record;
BEGIN
	SELECT * INTO s FROM office_reader(p_session, NULL, p_now);
	IF s.id IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN (
	WITH c AS (
		SELECT c.*, o.code AS office_code, o.name AS office_name,
		    o.timezone
		FROM cases c JOIN offices o ON o.id = c.office_id
		WHERE c.reference = upper(p_reference) AND
		    c.office_id = ANY (s.office_ids)
	)
	SELECT xmlelement(name "case",
	    xmlattributes(c.reference AS ref, c.state AS state,
		c.version AS version, c.permit_kind AS kind,
		c.duration_years AS duration, c.service_level AS level,
		c.office_name AS office, c.sponsor_kind AS "sponsor-kind",
		c.sponsor_name AS "sponsor-name", c.sponsor_ref AS "sponsor-ref",
		c.domicile_address AS address, c.domicile_city AS city,
		s.role AS role, s.id AS me),
	    (SELECT xmlelement(name applicant, xmlattributes(
		a.family_name AS family, a.given_names AS given,
		a.birth_date AS birth, a.sex AS sex,
		a.nationality AS nationality, a.passport_no AS passport,
		a.passport_expiry AS "passport-expiry"))
		FROM applicants a WHERE a.id = c.applicant_id),
	    (SELECT xmlagg(xmlelement(name step, xmlattributes(
		e.version AS version, e.command AS command,
		e.to_state AS state, w.display_name AS who,
		e.actor_role AS role,
		to_char(e.occurred_at AT TIME ZONE c.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS at,
		to_char(e.recorded_at AT TIME ZONE c.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS recorded,
		e.payload->>'reason' AS reason)) ORDER BY e.version)
		FROM case_events e JOIN accounts w ON w.id = e.actor_id
		WHERE e.case_id = c.id),
	    (SELECT xmlagg(xmlelement(name document, xmlattributes(
		d.doc_type AS type, d.filename AS filename, d.size AS size,
		d.content_type AS "content-type")) ORDER BY d.doc_type)
		FROM documents d WHERE d.case_id = c.id AND
		d.replaced_at IS NULL),
	    (SELECT xmlelement(name billing, xmlattributes(b.code AS code,
		b.amount AS amount, b.paid_at IS NOT NULL AS paid,
		b.bank_ref AS "bank-ref"))
		FROM billing_codes b WHERE b.case_id = c.id AND b.void_at IS NULL
		ORDER BY b.created_at DESC LIMIT 1),
	    (SELECT xmlelement(name clearance, xmlattributes(r.result AS result,
		r.reference AS reference, r.reason AS reason,
		to_char(r.checked_at AT TIME ZONE c.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS checked))
		FROM clearance_results r WHERE r.case_id = c.id
		ORDER BY r.id DESC LIMIT 1),
	    (SELECT xmlelement(name outbox, xmlattributes(x.status AS status,
		x.attempts AS attempts, x.awaiting_async AS "awaiting-answer"))
		FROM outbox x WHERE x.case_id = c.id AND x.kind = 'clearance'
		ORDER BY x.id DESC LIMIT 1),
	    (SELECT xmlelement(name proposal, xmlattributes(
		p.command AS command, w.display_name AS "proposed-by",
		p.proposed_by = s.id AS mine,
		to_char(p.proposed_at AT TIME ZONE c.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS at,
		nullif(p.reason, '') AS reason))
		FROM proposals p JOIN accounts w ON w.id = p.proposed_by
		WHERE p.case_id = c.id AND p.status = 'pending' AND
		    p.command = ANY (CASE c.state WHEN 'submitted' THEN
		    '{pay}' WHEN 'cleared' THEN '{issue}' WHEN 'referred' THEN
		    '{decide_clear,decide_reject}' END::text[])
		ORDER BY p.id DESC LIMIT 1),
	    (SELECT xmlelement(name permit, xmlattributes(pm.number AS number,
		pm.valid_from AS "valid-from", pm.valid_to AS "valid-to",
		pm.rendered_at IS NOT NULL AS printed,
		pm.revoked_reason AS "revoked-reason"))
		FROM permits pm WHERE pm.case_id = c.id),
	    biometrics_xml(c.id, c.timezone))
	FROM c);
END
$$;

-- A staff action on a case, by reference, from the session.  Reasons
-- are required where the applicant or the record needs them; the
-- command function decides everything else (office, role, version,
-- idempotency, and through the transition's guard that record_biometrics
-- has the photo and all ten fingers).  The answer is a case_result code.
-- The functions of referral decisions and payment receipts (0014) come
-- later; plpgsql finds them when called.  A deferral of biometrics needs
-- its reason.
CREATE FUNCTION office_command(p_session bytea,
    p_reference text, p_action text, p_expected integer, p_idem_key text,
    p_reason text, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN office_command_as(office_staff(p_session, p_now), p_reference,
	    p_action, p_expected, p_idem_key, p_reason, p_now);
END
$$;

-- The same for the staff member s that the caller found from the session
-- (NULL fields: nobody).  Not granted to the server.
CREATE FUNCTION office_command_as(s accounts, p_reference text,
    p_action text, p_expected integer, p_idem_key text, p_reason text,
    p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	c	cases%ROWTYPE;
	why	text := nullif(trim(coalesce(p_reason, '')), '');
	r	case_result;
BEGIN
	IF s.id IS NULL THEN
		RETURN 'forbidden';
	END IF;
	SELECT * INTO c FROM cases WHERE reference = upper(p_reference) AND
	    office_id = s.office_id;
	IF NOT FOUND THEN
		RETURN 'not_found';
	END IF;
	IF why IS NOT NULL AND (length(why) > 500 OR why ~ '[[:cntrl:]]') OR
	    why IS NULL AND p_action IN ('request_info', 'reject',
	    'propose_payment',
	    'decide_reject', 'cancel', 'propose_clear', 'propose_reject',
	    'defer_biometrics') THEN
		RETURN 'reason_required';
	END IF;

	IF p_action IN ('request_info', 'provide_info', 'reject',
	    'record_biometrics', 'defer_biometrics', 'request_clearance') THEN
		r := case_apply(s.id, c.id, p_action, p_expected,
		    p_idem_key, p_now, CASE WHEN why IS NULL THEN '{}'
		    ELSE jsonb_build_object('reason', why) END);
	ELSIF p_action = 'propose_payment' THEN
		r.code := (SELECT x.code FROM payment_propose(s.id, c.id,
		    p_expected, why, p_now) x);
	ELSIF p_action = 'confirm_payment' THEN
		r := payment_confirm(s.id, c.id, p_expected, p_idem_key,
		    p_now);
	ELSIF p_action = 'propose_issue' THEN
		r.code := (SELECT x.code FROM permit_propose(s.id, c.id,
		    p_expected, p_now) x);
	ELSIF p_action = 'issue' THEN
		SELECT x.code, x.replayed INTO r.code, r.replayed
		    FROM permit_issue(s.id, c.id, p_expected, p_idem_key,
		    p_now) x;
	ELSIF p_action = 'cancel' THEN
		r := permit_cancel(s.id, c.id, p_expected, why, p_idem_key,
		    p_now);
	ELSIF p_action IN ('propose_clear', 'propose_reject') THEN
		r.code := (SELECT x.code FROM decision_propose(s.id, c.id,
		    CASE p_action WHEN 'propose_clear' THEN 'decide_clear'
		    ELSE 'decide_reject' END, p_expected, why, p_now) x);
	ELSIF p_action = 'confirm_decision' THEN
		r := decision_confirm(s.id, c.id, p_expected, p_idem_key,
		    p_now);
	ELSE
		RETURN 'invalid_input';
	END IF;
	-- A replay (the same idempotency key again: a double click, a
	-- resent form) answers 'ok' as the first one did and changes
	-- nothing; the first one is in the audit log already.  Proposals
	-- take no key and are never replays.
	IF r.code = 'ok' AND r.replayed IS NOT TRUE THEN
		PERFORM audit(s.id, p_action, c.id, CASE WHEN why IS NULL
		    THEN '{}' ELSE jsonb_build_object('reason', why) END,
		    p_now);
	END IF;
	RETURN r.code;
END
$$;

-- A back-office form's POST in one round trip: the live session, the
-- CSRF token the form carries (compared by digest, so the time taken
-- tells nothing of the token), the session's idle clock touched as
-- auth_session() does, and office_command().  'session' when the session
-- or the token is wrong: the server then checks them itself and answers
-- (sign-in page, 403); it renders every refusal the same way.
CREATE FUNCTION office_post(p_session bytea, p_reference text,
    p_action text, p_expected integer, p_idem_key text, p_reason text,
    p_csrf text, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	seen	timestamptz;
	s	accounts%ROWTYPE;
BEGIN
	SELECT x.last_seen_at INTO seen FROM sessions x
	    WHERE x.token_hash = p_session AND
	    sha256(convert_to(x.csrf, 'UTF8')) =
	    sha256(convert_to(coalesce(p_csrf, ''), 'UTF8'));
	IF FOUND THEN
		s := office_staff(p_session, p_now);
	END IF;
	IF s.id IS NULL THEN
		RETURN 'session';
	END IF;
	IF seen < p_now - interval '1 minute' THEN
		UPDATE sessions SET last_seen_at = p_now
		    WHERE token_hash = p_session;
	END IF;
	RETURN office_command_as(s, p_reference, p_action, p_expected,
	    p_idem_key, p_reason, p_now);
END
$$;

-- The office's copy of an issued permit (sealed; the server opens it),
-- for whoever reads the case's office (an admin too), recorded in the
-- audit log as a document view.
CREATE FUNCTION office_permit_pdf(p_session bytea, p_reference text,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (number text, sealed bytea, aad text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	record;
	p	permits%ROWTYPE;
BEGIN
	SELECT * INTO s FROM office_reader(p_session, NULL, p_now);
	SELECT pm.* INTO p FROM permits pm JOIN cases c ON c.id = pm.case_id
	    WHERE c.reference = upper(p_reference) AND
	    c.office_id = ANY (s.office_ids) AND pm.rendered_at IS NOT NULL;
	IF s.id IS NULL OR NOT FOUND THEN
		RETURN;
	END IF;
	PERFORM audit(s.id, 'permit_pdf_viewed', p.case_id,
	    jsonb_build_object('number', p.number), p_now);
	RETURN QUERY SELECT p.number, p.pdf_sealed, p.pdf_aad;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION office_queues_xml(bytea, text, timestamptz),
    office_case_xml(bytea, text, timestamptz),
    office_command(bytea, text, text, integer, text, text, timestamptz),
    office_post(bytea, text, text, integer, text, text, text, timestamptz),
    office_permit_pdf(bytea, text, timestamptz)
    TO kitas_app;
