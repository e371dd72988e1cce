-- Three pieces of the partner exchange (0009):
--
-- case-status: a partner asks where a case stands.  It is answered only
-- when the partner is entitled to the case (it has the case-status right
-- and serves the case's office); otherwise, as for a reference nobody
-- issued, not_found: the answer must not tell a partner which references
-- exist in offices it does not serve.
--
-- evidence: a partner asks for our log entry of a message it sent (what
-- we received, under which key and signature, and what we answered), for
-- its own disputes.  Only its own messages: another partner's message id
-- is not_found, like one never sent.
--
-- Partner keys rotate without downtime: a new key is added while the old
-- one still works, then the old one is retired (from a time) or, when
-- compromised, revoked (at once).  exchange_key() already honours
-- valid_from, valid_to and revoked_at; these functions are what kitasctl
-- calls to set them.

ALTER TABLE partners DROP CONSTRAINT partners_types_check,
    ADD CONSTRAINT partners_types_check CHECK (types <@ ARRAY[
    'payment-notice', 'clearance-result', 'permit-events', 'case-status',
    'evidence']);

-- UTC with microseconds, as the feed writes times.
CREATE FUNCTION exchange_time(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The caseStatus answer for a case the partner is entitled to.
CREATE FUNCTION case_status_answer(p_message_id text, p_case bigint)
RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT '<?xml version="1.0" encoding="UTF-8"?>' || xmlelement(
	    name "caseStatus",
	    xmlattributes('urn:kitas:exchange:case-status:1' AS xmlns,
		'1' AS version, p_message_id AS "messageId",
		c.reference AS reference),
	    xmlelement(name state, xmlattributes(
		exchange_time(c.state_since) AS since), c.state::text),
	    xmlelement(name "permitKind", c.permit_kind::text),
	    xmlelement(name office, o.code),
	    CASE WHEN p.id IS NOT NULL THEN xmlelement(name permit,
		xmlattributes(p.number AS number,
		to_char(p.valid_from, 'YYYY-MM-DD') AS "validFrom",
		to_char(p.valid_to, 'YYYY-MM-DD') AS "validTo",
		exchange_time(p.revoked_at) AS "cancelledAt")) END)::text
	FROM cases c JOIN offices o ON o.id = c.office_id
	LEFT JOIN permits p ON p.case_id = c.id
	WHERE c.id = p_case
$$;

-- A partner asks for a case by its reference.  A malformed reference or
-- a wrong check character is invalid_input (that depends on the text
-- alone, not on what exists).  Entitled: the partner has the
-- case-status right and serves the case's office (offices NULL: all).
-- Anything else, unknown or not entitled, gets the one not_found answer,
-- logged with the same outcome and code.  So a partner without the right
-- is not told "forbidden" here, unlike for other types: the prelude's
-- 403 (its last check, after the signature was recorded as used) is
-- turned into "not entitled".
CREATE FUNCTION exchange_case_status(p_partner integer, p_message_id text,
    p_keyid text, p_digest text, p_signature bytea, p_body text,
    p_reference text, p_now timestamptz DEFAULT now())
RETURNS TABLE (status integer, answer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pre	record;
	pa	partners%ROWTYPE;
	ref	text := upper(btrim(p_reference));
	cid	bigint;
	offs	integer[];
	st	integer := 200;
	err	text;
	msg	text;
	ans	text;
BEGIN
	pre := exchange_prelude(p_partner, p_message_id, 'case-status', p_keyid,
	    p_digest, p_signature, p_body, p_now, true);
	IF pre.status IS NOT NULL AND pre.status <> 403 THEN
		RETURN QUERY SELECT pre.status, pre.answer;
		RETURN;
	END IF;
	SELECT * INTO pa FROM partners WHERE id = p_partner;
	IF ref IS NULL OR ref !~ '^[A-Z]{3}-[0-9]{4}-[0-9]{6}-[0-9A-Z]$' THEN
		st := 422; err := 'invalid_input';
		msg := 'the reference is not OFF-YYYY-NNNNNN-C';
	ELSIF right(ref, 1) <> case_ref_check(replace(left(ref, 15), '-', ''))
	    THEN
		st := 422; err := 'invalid_input';
		msg := 'the reference''s check character is wrong';
	ELSE
		IF pre.status IS NULL THEN
			SELECT c.id, ARRAY[c.office_id] INTO cid, offs
			    FROM cases c
			    WHERE c.reference = ref AND (pa.offices IS NULL OR
			    c.office_id = ANY (pa.offices));
		END IF;
		IF cid IS NULL THEN
			st := 422; err := 'not_found'; msg := 'no such case';
		ELSE
			ans := case_status_answer(p_message_id, cid);
		END IF;
	END IF;
	IF st <> 200 THEN
		ans := exchange_answer(p_message_id, 'rejected', err, msg,
		    '/caseStatusRequest/@reference', NULL);
	END IF;
	PERFORM exchange_log(p_partner, p_message_id, 'case-status', p_keyid,
	    p_digest, p_signature, p_body, st, err, ans, p_now, offs);
	RETURN QUERY SELECT st, ans;
END
$$;

-- The evidence document of one logged message.  The signature in
-- base64 on one line; body and answer as text, escaped by xmlelement
-- (which also writes a CR as a reference, so a parser gives back the
-- exact body and the digest can be checked against it).
CREATE FUNCTION evidence_answer(p_message_id text, m exchange_messages)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT '<?xml version="1.0" encoding="UTF-8"?>' || xmlelement(
	    name evidence,
	    xmlattributes('urn:kitas:exchange:evidence:1' AS xmlns,
		'1' AS version, p_message_id AS "messageId",
		m.message_id AS "of"),
	    xmlelement(name "receivedAt", exchange_time(m.received_at)),
	    xmlelement(name type, m.type),
	    xmlelement(name digest, m.digest),
	    xmlelement(name keyid, m.keyid),
	    xmlelement(name signature,
		translate(encode(m.signature, 'base64'), E'\n', '')),
	    xmlelement(name outcome, m.outcome),
	    CASE WHEN m.error_code IS NOT NULL THEN
		xmlelement(name "errorCode", m.error_code) END,
	    xmlelement(name body, m.body),
	    xmlelement(name answer, m.response))::text
$$;

-- A partner asks for the log entry of a message it sent before.
CREATE FUNCTION exchange_evidence(p_partner integer, p_message_id text,
    p_keyid text, p_digest text, p_signature bytea, p_body text,
    p_of text, p_now timestamptz DEFAULT now())
RETURNS TABLE (status integer, answer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pre	record;
	m	exchange_messages%ROWTYPE;
	st	integer := 200;
	ans	text;
BEGIN
	pre := exchange_prelude(p_partner, p_message_id, 'evidence', p_keyid,
	    p_digest, p_signature, p_body, p_now);
	IF pre.status IS NOT NULL THEN
		RETURN QUERY SELECT pre.status, pre.answer;
		RETURN;
	END IF;
	SELECT * INTO m FROM exchange_messages
	    WHERE partner_id = p_partner AND message_id = p_of;
	IF FOUND THEN
		ans := evidence_answer(p_message_id, m);
	ELSE
		st := 422;
		ans := exchange_answer(p_message_id, 'rejected', 'not_found',
		    'no message of yours has this id', '/evidenceRequest/@of',
		    NULL);
	END IF;
	-- The answer carries the earlier message: it concerns what that did.
	PERFORM exchange_log(p_partner, p_message_id, 'evidence', p_keyid,
	    p_digest, p_signature, p_body, st,
	    CASE WHEN st <> 200 THEN 'not_found' END, ans, p_now, m.offices);
	RETURN QUERY SELECT st, ans;
END
$$;

-- kitasctl evidence PARTNER MESSAGE_ID: the same log entry, for a
-- supervisor (no row: no such partner or message).
CREATE FUNCTION partner_evidence(p_partner_name text, p_message_id text)
RETURNS TABLE (received_at text, type text, digest text, keyid text,
    signature text, outcome text, error_code text, body text,
    response text)
LANGUAGE sql STABLE AS $$
	SELECT exchange_time(m.received_at), m.type, m.digest, m.keyid,
	    translate(encode(m.signature, 'base64'), E'\n', ''), m.outcome,
	    m.error_code, m.body, m.response
	FROM exchange_messages m JOIN partners p ON p.id = m.partner_id
	WHERE p.name = p_partner_name AND m.message_id = p_message_id
$$;

-- kitasctl partner-key add: another key for a partner, valid from
-- p_valid_from; the partner's other keys stay as they are.
CREATE FUNCTION partner_key_add(p_partner_name text, p_keyid text,
    p_public_key text, p_valid_from timestamptz DEFAULT now())
RETURNS partner_keys
LANGUAGE plpgsql AS $$
DECLARE
	pid	integer;
	k	partner_keys%ROWTYPE;
BEGIN
	SELECT id INTO pid FROM partners WHERE name = p_partner_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no partner named "%"', p_partner_name
		    USING ERRCODE = 'no_data_found';
	END IF;
	INSERT INTO partner_keys (keyid, partner_id, public_key, valid_from)
	    VALUES (p_keyid, pid, decode(p_public_key, 'base64'),
	    coalesce(p_valid_from, now()))
	    RETURNING * INTO k;
	RETURN k;
END
$$;

-- kitasctl partner-key retire: the key stops working at p_at.  A
-- retirement is never moved later (that would revive a key someone
-- decided to end); a revoked key stays revoked.
CREATE FUNCTION partner_key_retire(p_keyid text,
    p_at timestamptz DEFAULT now())
RETURNS partner_keys
LANGUAGE plpgsql AS $$
DECLARE
	k	partner_keys%ROWTYPE;
BEGIN
	SELECT * INTO k FROM partner_keys WHERE keyid = p_keyid FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no key "%"', p_keyid
		    USING ERRCODE = 'no_data_found';
	ELSIF k.revoked_at IS NOT NULL THEN
		RAISE EXCEPTION 'key "%" was revoked at %', p_keyid,
		    k.revoked_at USING ERRCODE = 'check_violation';
	ELSIF k.valid_to IS NOT NULL AND k.valid_to < coalesce(p_at, now())
	    THEN
		RAISE EXCEPTION 'key "%" is already retired at %', p_keyid,
		    k.valid_to USING ERRCODE = 'check_violation';
	END IF;
	UPDATE partner_keys SET valid_to = coalesce(p_at, now())
	    WHERE keyid = p_keyid RETURNING * INTO k;
	RETURN k;
END
$$;

-- kitasctl partner-key revoke: refused from now on (a compromised key).
-- Revoking twice keeps the first time.
CREATE FUNCTION partner_key_revoke(p_keyid text)
RETURNS partner_keys
LANGUAGE plpgsql AS $$
DECLARE
	k	partner_keys%ROWTYPE;
BEGIN
	UPDATE partner_keys SET revoked_at = coalesce(revoked_at, now())
	    WHERE keyid = p_keyid RETURNING * INTO k;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no key "%"', p_keyid
		    USING ERRCODE = 'no_data_found';
	END IF;
	RETURN k;
END
$$;

REVOKE EXECUTE ON FUNCTION exchange_time(timestamptz),
    case_status_answer(text, bigint),
    exchange_case_status(integer, text, text, text, bytea, text, text,
	timestamptz),
    evidence_answer(text, exchange_messages),
    exchange_evidence(integer, text, text, text, bytea, text, text,
	timestamptz),
    partner_evidence(text, text),
    partner_key_add(text, text, text, timestamptz),
    partner_key_retire(text, timestamptz),
    partner_key_revoke(text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    exchange_case_status(integer, text, text, text, bytea, text, text,
	timestamptz),
    exchange_evidence(integer, text, text, text, bytea, text, text,
	timestamptz)
    TO kitas_app;
