-- The login throttle counted an attempt only when it finished, after
-- Argon2id: parallel guesses all passed the check before any of them was
-- recorded.  Now the server's begin reserves the attempt (a pending
-- failure, counted at once); finish turns that row into the outcome.  An
-- attempt whose client went away stays a failure, the safe side.  A begin
-- without p_reserve only asks (the tests probe the policy that way).
-- The functions repeat 0005's with these changes.

ALTER TABLE login_attempts ADD COLUMN pending boolean NOT NULL DEFAULT false;
CREATE INDEX login_attempts_pending ON login_attempts (lower(email))
    WHERE pending;

DROP FUNCTION auth_login_begin(text, inet, timestamptz);
CREATE FUNCTION auth_login_begin(p_email text, p_address inet,
    p_now timestamptz DEFAULT now(), p_reserve boolean DEFAULT false)
RETURNS TABLE (allowed boolean, retry_after integer, account_id bigint,
    password_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pol	auth_policy%ROWTYPE;
	a	accounts%ROWTYPE;
	fails	bigint;
	oldest	timestamptz;
BEGIN
	SELECT * INTO pol FROM auth_policy;
	-- Failures since the last success, within the window.
	SELECT count(*), min(at) INTO fails, oldest FROM login_attempts
	    WHERE lower(email) = lower(p_email) AND NOT ok AND
	    at > p_now - pol.fail_window AND at > coalesce((SELECT max(at)
	    FROM login_attempts WHERE lower(email) = lower(p_email) AND ok),
	    '-infinity');
	IF fails >= pol.per_account THEN
		RETURN QUERY SELECT false, greatest(1, extract(epoch FROM
		    oldest + pol.fail_window - p_now)::integer), NULL::bigint,
		    NULL::text;
		RETURN;
	END IF;
	IF p_address IS NOT NULL THEN
		SELECT count(*), min(at) INTO fails, oldest FROM login_attempts
		    WHERE address = p_address AND NOT ok AND
		    at > p_now - pol.fail_window;
		IF fails >= pol.per_address THEN
			RETURN QUERY SELECT false, greatest(1, extract(epoch FROM
			    oldest + pol.fail_window - p_now)::integer),
			    NULL::bigint, NULL::text;
			RETURN;
		END IF;
	END IF;
	SELECT * INTO a FROM accounts WHERE lower(email) = lower(p_email) AND
	    disabled_at IS NULL AND password_hash IS NOT NULL;
	IF p_reserve THEN
		INSERT INTO login_attempts (email, account_id, address, at, ok,
		    pending) VALUES (left(p_email, 254), a.id, p_address, p_now,
		    false, true);
	END IF;
	RETURN QUERY SELECT true, 0, a.id,
	    coalesce(a.password_hash, auth_dummy_hash());
END
$$;

CREATE OR REPLACE FUNCTION auth_login_finish(p_email text, p_account bigint,
    p_address inet, p_ok boolean, p_token_hash bytea, p_csrf text,
    p_rehash text, p_old_token_hash bytea, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pol	auth_policy%ROWTYPE;
	ok	boolean;
	outcome	boolean;	-- ok, where the column of that name would win
	exp	timestamptz;
BEGIN
	SELECT * INTO pol FROM auth_policy;
	-- A retry of the same sign-in (the server resends on a lost
	-- connection): the session is already there.
	IF EXISTS (SELECT 1 FROM sessions s WHERE s.token_hash = p_token_hash
	    AND s.account_id = p_account) THEN
		RETURN QUERY SELECT 'ok'::text, (SELECT s.expires_at
		    FROM sessions s WHERE s.token_hash = p_token_hash);
		RETURN;
	END IF;
	-- The account must still be the e-mail's, and enabled.
	ok := coalesce(p_ok, false) AND EXISTS (SELECT 1 FROM accounts a
	    WHERE a.id = p_account AND lower(a.email) = lower(p_email) AND
	    a.disabled_at IS NULL AND a.password_hash IS NOT NULL);
	-- The attempt begin reserved (any one of this e-mail and address
	-- still pending), else a new row.
	outcome := ok;
	UPDATE login_attempts SET ok = outcome, pending = false,
	    at = p_now, account_id = p_account
	    WHERE id = (SELECT l.id FROM login_attempts l WHERE l.pending AND
		lower(l.email) = lower(left(p_email, 254)) AND
		l.address IS NOT DISTINCT FROM p_address
		ORDER BY l.id LIMIT 1 FOR UPDATE SKIP LOCKED);
	IF NOT FOUND THEN
		INSERT INTO login_attempts (email, account_id, address, at, ok)
		    VALUES (left(p_email, 254), p_account, p_address, p_now, ok);
	END IF;
	IF NOT ok THEN
		RETURN QUERY SELECT 'bad_credentials'::text, NULL::timestamptz;
		RETURN;
	END IF;
	IF p_rehash IS NOT NULL AND p_rehash LIKE '$argon2id$%' THEN
		UPDATE accounts SET password_hash = p_rehash WHERE id = p_account;
	END IF;
	IF p_old_token_hash IS NOT NULL THEN
		UPDATE sessions SET ended_at = p_now
		    WHERE token_hash = p_old_token_hash AND ended_at IS NULL;
	END IF;
	exp := p_now + pol.absolute;
	INSERT INTO sessions (token_hash, account_id, csrf, created_at,
	    last_seen_at, expires_at, address)
	    VALUES (p_token_hash, p_account, p_csrf, p_now, p_now, exp,
	    p_address);
	RETURN QUERY SELECT 'ok'::text, exp;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_begin(text, inet, timestamptz, boolean)
    TO kitas_app;
