-- The partner exchange (/exchange/v1): registered partners and their
-- Ed25519 keys, the message log (every message in, its digest, signature,
-- outcome, body and our answer; append-only), replay protection, and one
-- function per message type that checks, applies and logs in the same
-- transaction, so a message id is processed once and a repeat gets the
-- first answer.  The server checks signatures (src/sig.c); this database
-- decides what a verified partner may do.

CREATE TABLE partners (
	id		integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id	bigint NOT NULL UNIQUE REFERENCES accounts,
	name		text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
	-- Message types it may send, e.g. {payment-notice}.
	types		text[] NOT NULL CHECK (types <@ ARRAY['payment-notice',
	    'clearance-result']),
	-- Offices it serves; NULL: all.  No NULL inside: it would make
	-- "office = ANY(offices)" unknown and NOT (...) scoping pass.
	offices		integer[] CHECK (array_position(offices, NULL) IS NULL)
);

CREATE TABLE partner_keys (
	keyid		text PRIMARY KEY CHECK (keyid ~ '^[A-Za-z0-9._:-]{1,128}$'),
	partner_id	integer NOT NULL REFERENCES partners,
	public_key	bytea NOT NULL CHECK (length(public_key) = 32),
	valid_from	timestamptz NOT NULL,
	valid_to	timestamptz,
	revoked_at	timestamptz
);

CREATE TABLE exchange_messages (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	partner_id	integer NOT NULL REFERENCES partners,
	message_id	text NOT NULL CHECK (message_id ~ '^[A-Za-z0-9._:-]{8,128}$'),
	type		text NOT NULL,
	keyid		text NOT NULL,
	digest		text NOT NULL,
	signature	bytea NOT NULL,
	received_at	timestamptz NOT NULL,
	outcome		text NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
	error_code	text,
	body		text NOT NULL,
	response	text NOT NULL,
	-- The offices whose cases the message is about, as its type's
	-- function found them within the partner's offices: the case it
	-- paid, cleared or asked about, the offices a batch files at, the
	-- permits a feed page lists.  Empty: none (refused before it was
	-- read, or naming nothing of ours).  The back office shows a
	-- message to those offices only (0020).  No NULL inside, as for
	-- partners.offices.
	offices		integer[] NOT NULL DEFAULT '{}'
	    CHECK (array_position(offices, NULL) IS NULL),
	UNIQUE (partner_id, message_id)
);
CREATE TRIGGER exchange_messages_append_only BEFORE UPDATE OR DELETE
    ON exchange_messages FOR EACH ROW EXECUTE FUNCTION append_only();

-- A signature is good once: (keyid, signature bytes) seen before is a
-- replay, whatever the message id says.
CREATE TABLE exchange_signatures (
	keyid		text NOT NULL,
	signature	bytea NOT NULL,
	seen_at		timestamptz NOT NULL,
	PRIMARY KEY (keyid, signature)
);

GRANT SELECT (id, name, types) ON partners TO kitas_app;

-- The key a request names, if it is valid now, with its partner.  (In
-- plpgsql, as the other lookups on every request are, so that its plan
-- is cached: a SQL function is planned again on each call.)
CREATE FUNCTION exchange_key(p_keyid text, p_now timestamptz DEFAULT now())
RETURNS TABLE (partner_id integer, public_key text, types text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT p.id, encode(k.public_key, 'hex'), p.types
	FROM partner_keys k JOIN partners p ON p.id = k.partner_id
	JOIN accounts a ON a.id = p.account_id
	WHERE k.keyid = p_keyid AND k.revoked_at IS NULL AND
	    k.valid_from <= p_now AND (k.valid_to IS NULL OR k.valid_to > p_now)
	    AND a.disabled_at IS NULL;
END
$$;

-- The answer document.
CREATE FUNCTION exchange_answer(p_message_id text, p_outcome text,
    p_code text, p_text text, p_path text, p_case cases)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT '<?xml version="1.0" encoding="UTF-8"?>' || xmlelement(
	    name "exchangeAnswer",
	    xmlattributes('urn:kitas:exchange:1' AS xmlns, '1' AS version,
		p_message_id AS "messageId", p_outcome AS outcome),
	    CASE WHEN p_code IS NOT NULL THEN xmlelement(name error,
		xmlattributes(p_code AS code, p_path AS path), p_text) END,
	    CASE WHEN (p_case).id IS NOT NULL THEN xmlelement(name "case",
		xmlattributes((p_case).reference AS ref,
		(p_case).state AS state)) END)::text
$$;

-- Common start of every message: a key that is not this partner's (or
-- not valid now), the message id seen before (the first answer,
-- replayed), a replayed signature, or a type the partner may not send.
-- NULL to go on, else the answer to give (status, body), already logged
-- unless it is a replay or a key mismatch (not that partner's message
-- either).  With p_keep_forbidden a 403 is neither logged nor final: the
-- caller answers it its own way (case-status says not_found).
CREATE FUNCTION exchange_prelude(p_partner integer,
    p_message_id text, p_type text, p_keyid text, p_digest text,
    p_signature bytea, p_body text, p_now timestamptz,
    p_keep_forbidden boolean DEFAULT false,
    OUT status integer, OUT answer text)
LANGUAGE plpgsql AS $$
DECLARE
	m	exchange_messages%ROWTYPE;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM exchange_key(p_keyid, p_now) k
	    WHERE k.partner_id = p_partner) THEN
		status := 401;
		answer := exchange_answer(p_message_id, 'rejected',
		    'unknown_key', 'the key is not valid for this partner',
		    NULL, NULL);
		RETURN;
	END IF;
	SELECT * INTO m FROM exchange_messages
	    WHERE partner_id = p_partner AND message_id = p_message_id;
	IF FOUND THEN
		status := CASE m.outcome WHEN 'accepted' THEN 200 ELSE 422 END;
		answer := m.response;
		RETURN;
	END IF;
	INSERT INTO exchange_signatures VALUES (p_keyid, p_signature, p_now)
	    ON CONFLICT DO NOTHING;
	IF NOT FOUND THEN
		status := 401;
		answer := exchange_answer(p_message_id, 'rejected', 'replay',
		    'this signature was used before', NULL, NULL);
	ELSIF NOT EXISTS (SELECT 1 FROM partners WHERE id = p_partner AND
	    p_type = ANY(types)) THEN
		status := 403;
		answer := exchange_answer(p_message_id, 'rejected', 'forbidden',
		    'this partner may not send ' || p_type, NULL, NULL);
		IF p_keep_forbidden THEN
			RETURN;
		END IF;
	END IF;
	IF status IS NOT NULL THEN
		PERFORM exchange_log(p_partner, p_message_id, p_type, p_keyid,
		    p_digest, p_signature, p_body, status, 'refused', answer,
		    p_now);
	END IF;
END
$$;

-- p_offices: the offices the message concerns (exchange_messages.offices).
CREATE FUNCTION exchange_log(p_partner integer, p_message_id text,
    p_type text, p_keyid text, p_digest text, p_signature bytea,
    p_body text, p_status integer, p_code text, p_answer text,
    p_now timestamptz, p_offices integer[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO exchange_messages (partner_id, message_id, type, keyid,
	    digest, signature, received_at, outcome, error_code, body, response,
	    offices)
	VALUES (p_partner, p_message_id, p_type, p_keyid, p_digest, p_signature,
	    p_now, CASE WHEN p_status = 200 THEN 'accepted' ELSE 'rejected' END,
	    p_code, p_body, p_answer, coalesce(p_offices, '{}'));
END
$$;

-- A payment notice: the billing code is paid.  Wrong amount, unknown or
-- expired code: rejected, nothing changes.  The case moves to paid as the
-- partner's account.  A payment made in time is honoured even when its
-- notice arrives after the applicant renewed the expired code (a code is
-- void only from when it was voided; the unpaid replacement is voided);
-- one dated before its code existed is refused.
CREATE FUNCTION exchange_payment_notice(p_partner integer, p_message_id text,
    p_keyid text, p_digest text, p_signature bytea, p_body text,
    p_code text, p_amount bigint, p_paid_at timestamptz, p_bank_ref text,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (status integer, answer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pre	record;
	b	billing_codes%ROWTYPE;
	c	cases%ROWTYPE;
	pa	partners%ROWTYPE;
	r	case_result;
	st	integer := 200;
	err	text;
	msg	text;
	ans	text;
BEGIN
	pre := exchange_prelude(p_partner, p_message_id, 'payment-notice', p_keyid,
	    p_digest, p_signature, p_body, p_now);
	IF pre.status IS NOT NULL THEN
		RETURN QUERY SELECT pre.status, pre.answer;
		RETURN;
	END IF;
	SELECT * INTO pa FROM partners WHERE id = p_partner;
	SELECT * INTO b FROM billing_codes WHERE code = p_code FOR UPDATE;
	IF FOUND THEN
		SELECT * INTO c FROM cases WHERE id = b.case_id;
	END IF;
	IF NOT FOUND OR (pa.offices IS NOT NULL AND
	    NOT c.office_id = ANY(pa.offices)) THEN
		st := 422; err := 'unknown_code'; msg := 'no such billing code';
	ELSIF b.void_at <= p_paid_at OR b.expires_at < p_paid_at THEN
		st := 422; err := 'expired_code';
		msg := 'the billing code had expired when it was paid';
	ELSIF b.paid_at IS NOT NULL THEN
		st := 422; err := 'already_paid';
		msg := 'the billing code was paid before';
	ELSIF p_amount <> b.amount THEN
		st := 422; err := 'wrong_amount';
		msg := format('amount %s, the code asks %s', p_amount, b.amount);
	ELSIF p_paid_at > p_now + interval '5 minutes' THEN
		st := 422; err := 'invalid_input'; msg := 'paidAt is in the future';
	ELSIF p_paid_at < b.created_at - interval '5 minutes' THEN
		st := 422; err := 'invalid_input';
		msg := 'paidAt is before the billing code was issued';
	ELSE
		r := case_apply(pa.account_id, c.id, 'pay', c.version,
		    'exchange:' || p_message_id, least(p_paid_at, p_now),
		    jsonb_build_object('billing_code', p_code, 'bank_ref',
		    p_bank_ref, 'message_id', p_message_id));
		IF r.code <> 'ok' THEN
			st := 409; err := r.code;
			msg := 'the case is not waiting for this payment';
		ELSE
			UPDATE billing_codes SET paid_at = p_paid_at,
			    paid_amount = p_amount, bank_ref = p_bank_ref
			    WHERE code = b.code;
			UPDATE billing_codes SET void_at = p_now
			    WHERE case_id = c.id AND code <> b.code AND
			    paid_at IS NULL AND void_at IS NULL;
			SELECT * INTO c FROM cases WHERE id = c.id;
		END IF;
	END IF;
	ans := exchange_answer(p_message_id, CASE WHEN st = 200 THEN
	    'accepted' ELSE 'rejected' END, err, msg,
	    CASE WHEN err IS NOT NULL THEN '/paymentNotice' END,
	    CASE WHEN st = 200 THEN c END);
	-- A code of an office the partner does not serve is unknown to it:
	-- the message concerns no case of ours.
	PERFORM exchange_log(p_partner, p_message_id, 'payment-notice',
	    p_keyid, p_digest, p_signature, p_body, st, err, ans, p_now,
	    CASE WHEN err IS DISTINCT FROM 'unknown_code' THEN
	    ARRAY[c.office_id] END);
	RETURN QUERY SELECT st, ans;
END
$$;

-- An asynchronous clearance verdict (central answered "pending" before).
CREATE FUNCTION exchange_clearance_result(p_partner integer,
    p_message_id text, p_keyid text, p_digest text, p_signature bytea,
    p_body text, p_key uuid, p_result text, p_reference text,
    p_reason text, p_checked timestamptz, p_now timestamptz DEFAULT now())
RETURNS TABLE (status integer, answer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pre	record;
	code	text;
	st	integer;
	ans	text;
	c	cases%ROWTYPE;
BEGIN
	pre := exchange_prelude(p_partner, p_message_id, 'clearance-result', p_keyid,
	    p_digest, p_signature, p_body, p_now);
	IF pre.status IS NOT NULL THEN
		RETURN QUERY SELECT pre.status, pre.answer;
		RETURN;
	END IF;
	code := clr_resolve(p_key, p_result, p_reference, p_reason, p_checked,
	    p_now);
	st := CASE code WHEN 'ok' THEN 200 WHEN 'duplicate' THEN 200
	    WHEN 'not_found' THEN 422 WHEN 'invalid_input' THEN 422 ELSE 409 END;
	SELECT k.* INTO c FROM outbox o JOIN cases k ON k.id = o.case_id
	    WHERE o.idem_key = p_key;
	ans := exchange_answer(p_message_id, CASE WHEN st = 200 THEN
	    'accepted' ELSE 'rejected' END,
	    CASE WHEN st <> 200 THEN code END,
	    CASE code WHEN 'not_found' THEN 'no request has this key'
	    WHEN 'conflict' THEN 'a different verdict was recorded before'
	    WHEN 'cancelled' THEN 'the case was withdrawn' ELSE NULL END,
	    CASE WHEN st <> 200 THEN '/clearanceResult/answer/@key' END,
	    CASE WHEN st = 200 THEN c END);
	PERFORM exchange_log(p_partner, p_message_id, 'clearance-result',
	    p_keyid, p_digest, p_signature, p_body, st,
	    CASE WHEN st <> 200 THEN code END, ans, p_now,
	    CASE WHEN c.id IS NOT NULL THEN ARRAY[c.office_id] END);
	RETURN QUERY SELECT st, ans;
END
$$;

-- A message that never reached its type's function (bad signature, bad
-- XML) is still evidence: logged when its partner is known.
CREATE FUNCTION exchange_refused(p_partner integer, p_message_id text,
    p_type text, p_keyid text, p_digest text, p_signature bytea,
    p_body text, p_status integer, p_code text, p_answer text,
    p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	INSERT INTO exchange_messages (partner_id, message_id, type, keyid,
	    digest, signature, received_at, outcome, error_code, body, response)
	SELECT p_partner, p_message_id, p_type, p_keyid, p_digest, p_signature,
	    p_now, 'rejected', p_code, p_body, p_answer
	WHERE p_message_id ~ '^[A-Za-z0-9._:-]{8,128}$'
	ON CONFLICT (partner_id, message_id) DO NOTHING
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION exchange_key(text, timestamptz),
    exchange_payment_notice(integer, text, text, text, bytea, text, text,
	bigint, timestamptz, text, timestamptz),
    exchange_clearance_result(integer, text, text, text, bytea, text, uuid,
	text, text, text, timestamptz, timestamptz),
    exchange_refused(integer, text, text, text, text, bytea, text, integer,
	text, text, timestamptz)
    TO kitas_app;
