-- Mail delivery: every status change of an applicant's case becomes a
-- notice in their language, and a delivery worker (any Kore worker, any
-- instance) sends the outbox over SMTP, each mail once, with a lease and
-- retries; a sent mail's token (confirmation and reset links) is erased.

ALTER TABLE mail_outbox
	ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
	ADD COLUMN lease_owner text,
	ADD COLUMN lease_expires_at timestamptz;

CREATE FUNCTION mail_case_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO mail_outbox (account_id, to_addr, kind, lang, data,
	    created_at)
	    SELECT a.id, a.email, 'case_status', a.lang,
	    jsonb_build_object('reference', c.reference, 'state', NEW.to_state),
	    NEW.recorded_at
	    FROM cases c JOIN accounts a ON a.id = c.account_id
	    WHERE c.id = NEW.case_id AND a.role = 'applicant' AND
	    a.disabled_at IS NULL;
	RETURN NULL;
END
$$;

CREATE TRIGGER case_events_notice AFTER INSERT ON case_events
    FOR EACH ROW WHEN (NEW.from_state IS DISTINCT FROM NEW.to_state AND
    NEW.command <> 'create')
    EXECUTE FUNCTION mail_case_status();

-- Mails this worker may send now, leased for a minute.
CREATE FUNCTION mail_claim(p_owner text, p_max integer,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (id bigint, to_addr text, kind text, lang text, token text,
    reference text, state text)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH c AS (
		SELECT m.id FROM mail_outbox m
		WHERE m.sent_at IS NULL AND m.attempts < 20 AND
		    m.next_attempt_at <= p_now AND
		    (m.lease_expires_at IS NULL OR m.lease_expires_at <= p_now)
		ORDER BY m.id
		LIMIT least(greatest(p_max, 1), 50)
		FOR UPDATE SKIP LOCKED
	)
	UPDATE mail_outbox m SET lease_owner = p_owner,
	    lease_expires_at = p_now + interval '1 minute'
	FROM c WHERE m.id = c.id
	RETURNING m.id, m.to_addr, m.kind, m.lang, m.data->>'token',
	    m.data->>'reference', m.data->>'state'
$$;

-- What became of the mails a worker claimed: sent (the token is
-- erased), or a retry later with a growing delay.  Arrays are aligned.
CREATE FUNCTION mail_report(p_owner text, p_ids bigint[], p_oks boolean[],
    p_errors text[], p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE mail_outbox m SET
	    sent_at = CASE WHEN r.ok THEN p_now END,
	    data = CASE WHEN r.ok THEN m.data - 'token' ELSE m.data END,
	    attempts = m.attempts + 1,
	    last_error = CASE WHEN r.ok THEN NULL ELSE left(r.error, 500) END,
	    next_attempt_at = p_now + make_interval(secs =>
		least(3600, 10 * power(2, least(m.attempts, 12)))),
	    lease_owner = NULL, lease_expires_at = NULL
	FROM unnest(p_ids, p_oks, p_errors) AS r(id, ok, error)
	WHERE m.id = r.id AND m.lease_owner = p_owner AND m.sent_at IS NULL
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mail_claim(text, integer, timestamptz),
    mail_report(text, bigint[], boolean[], text[], timestamptz) TO kitas_app;
