-- The server's role acts only for someone it can prove: a session (the
-- portal_* and auth_* functions resolve the actor from the token hash) or
-- a partner's verified key.  The functions that take an actor id on trust
-- are for the owner's tools and for those wrappers, not for the server:
-- with its password alone one could otherwise act as any officer, as the
-- dispatcher's system account, or as any partner.  The back office will
-- call case_apply() through session-bound wrappers of its own.

REVOKE EXECUTE ON FUNCTION case_apply(bigint, bigint, text, integer, text,
    timestamptz, jsonb) FROM kitas_app;
REVOKE EXECUTE ON FUNCTION case_create(bigint, integer, bigint, permit_kind,
    smallint, service_level, text, text, text, text, timestamptz)
    FROM kitas_app;
REVOKE EXECUTE ON FUNCTION clr_pause(bigint, boolean, timestamptz),
    clr_resolve(uuid, text, text, text, timestamptz, timestamptz)
    FROM kitas_app;

-- A message is handled for the partner that owns the key that signed it,
-- and only while that key is valid: the caller's partner id must match.
-- A mismatch is not that partner's message, so nothing is logged under
-- its name (replayed = true only means "do not log" to the callers).
CREATE OR REPLACE FUNCTION exchange_prelude(p_partner integer,
    p_message_id text, p_type text, p_keyid text, p_signature bytea,
    p_now timestamptz, OUT status integer, OUT answer text,
    OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
	m	exchange_messages%ROWTYPE;
BEGIN
	replayed := false;
	IF NOT EXISTS (SELECT 1 FROM exchange_key(p_keyid, p_now) k
	    WHERE k.partner_id = p_partner) THEN
		status := 401;
		answer := exchange_answer(p_message_id, 'rejected',
		    'unknown_key', 'the key is not valid for this partner',
		    NULL, NULL);
		replayed := true;
		RETURN;
	END IF;
	SELECT * INTO m FROM exchange_messages
	    WHERE partner_id = p_partner AND message_id = p_message_id;
	IF FOUND THEN
		status := CASE m.outcome WHEN 'accepted' THEN 200 ELSE 422 END;
		answer := m.response;
		replayed := true;
		RETURN;
	END IF;
	INSERT INTO exchange_signatures VALUES (p_keyid, p_signature, p_now)
	    ON CONFLICT DO NOTHING;
	IF NOT FOUND THEN
		status := 401;
		answer := exchange_answer(p_message_id, 'rejected', 'replay',
		    'this signature was used before', NULL, NULL);
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM partners WHERE id = p_partner AND
	    p_type = ANY(types)) THEN
		status := 403;
		answer := exchange_answer(p_message_id, 'rejected', 'forbidden',
		    'this partner may not send ' || p_type, NULL, NULL);
	END IF;
END
$$;

-- An office list with a NULL in it would make "office = ANY(offices)"
-- unknown, and the scoping checks written as NOT (...) would pass.
ALTER TABLE partners ADD CONSTRAINT partners_offices_no_null
    CHECK (array_position(offices, NULL) IS NULL);
