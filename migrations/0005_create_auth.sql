-- Accounts that sign in: passwords (Argon2id, hashed by the server in task
-- threads; only the hash is here), sessions (only token hashes stored),
-- e-mail confirmation and password reset tokens (single use, expiring),
-- login throttling, and the mail outbox.  Every rule is in a function;
-- the server's role can read none of the secrets' tables directly.

ALTER TABLE accounts
	ADD COLUMN password_hash text
	    CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
	ADD COLUMN email_confirmed_at timestamptz,
	ADD COLUMN lang text NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en'));

REVOKE SELECT ON accounts FROM kitas_app;
GRANT SELECT (id, role, office_id, email, display_name, disabled_at,
    created_at, email_confirmed_at, lang) ON accounts TO kitas_app;

-- The knobs of sign-in, one row.
CREATE TABLE auth_policy (
	id		boolean PRIMARY KEY DEFAULT true CHECK (id),
	idle		interval NOT NULL DEFAULT '30 minutes',
	absolute	interval NOT NULL DEFAULT '12 hours',
	-- Failed logins allowed per window, per account and per address.
	fail_window	interval NOT NULL DEFAULT '15 minutes',
	per_account	integer NOT NULL DEFAULT 5 CHECK (per_account >= 1),
	per_address	integer NOT NULL DEFAULT 20 CHECK (per_address >= 1),
	confirm_ttl	interval NOT NULL DEFAULT '2 days',
	-- Another mail of the same kind to an account (a confirmation
	-- link, a reset link, "you are registered already") no sooner than
	-- this after the last: nobody's inbox is flooded through our forms.
	mail_again	interval NOT NULL DEFAULT '10 minutes',
	reset_ttl	interval NOT NULL DEFAULT '1 hour'
);
INSERT INTO auth_policy DEFAULT VALUES;

CREATE TABLE sessions (
	-- SHA-256 of the cookie's token; the token itself is never stored.
	token_hash	bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	account_id	bigint NOT NULL REFERENCES accounts,
	-- Echoed in every form of this session (CSRF).
	csrf		text NOT NULL CHECK (csrf ~ '^[A-Za-z0-9_-]{32,64}$'),
	created_at	timestamptz NOT NULL,
	last_seen_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	ended_at	timestamptz,
	address		inet
);
CREATE INDEX sessions_account ON sessions (account_id) WHERE ended_at IS NULL;

-- The network a per-address throttle counts: the address itself for
-- IPv4, its /64 for IPv6 (one subscriber's line or one host's prefix:
-- stepping through 2^64 addresses must not buy fresh limits).  An IPv4
-- address written as IPv6 (::ffff:a.b.c.d) stays that one address.
CREATE FUNCTION throttle_net(p_address inet) RETURNS inet
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN family(p_address) = 6 AND
	    NOT p_address <<= '::ffff:0:0/96'::inet
	    THEN network(set_masklen(p_address, 64))::inet
	    ELSE host(p_address)::inet END
$$;

CREATE TABLE login_attempts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email		text NOT NULL,
	account_id	bigint REFERENCES accounts,
	address		inet,
	net		inet GENERATED ALWAYS AS (throttle_net(address)) STORED,
	at		timestamptz NOT NULL,
	ok		boolean NOT NULL,
	-- Reserved by the server's begin, before hashing, and counted as a
	-- failure at once (parallel guesses cannot all pass the check);
	-- finish turns it into the outcome.  One cut short stays a failure.
	pending		boolean NOT NULL DEFAULT false
);
CREATE INDEX login_attempts_email ON login_attempts (lower(email), at);
CREATE INDEX login_attempts_pending ON login_attempts (lower(email))
    WHERE pending;
CREATE INDEX login_attempts_net ON login_attempts (net, at);

CREATE TABLE account_tokens (
	token_hash	bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	account_id	bigint NOT NULL REFERENCES accounts,
	purpose		text NOT NULL CHECK (purpose IN ('confirm', 'reset')),
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);

-- Notices to send, in the recipient's language.  A delivery worker sends
-- them over SMTP; tests read them here.
CREATE TABLE mail_outbox (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id	bigint REFERENCES accounts,
	to_addr		text NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('confirm', 'already_registered',
	    'reset', 'password_changed', 'case_status', 'sponsor_permit')),
	lang		text NOT NULL CHECK (lang IN ('id', 'en')),
	-- What the template needs (a link, a reference, a state).
	data		jsonb NOT NULL DEFAULT '{}',
	created_at	timestamptz NOT NULL,
	sent_at		timestamptz,
	attempts	integer NOT NULL DEFAULT 0,
	last_error	text
);
CREATE INDEX mail_outbox_unsent ON mail_outbox (id) WHERE sent_at IS NULL;

-- Mail tokens (confirm, reset) are random, URL-safe, 32 to 64
-- characters; only their SHA-256 is kept as the token, the mail carries
-- the token itself until it is sent.
CREATE FUNCTION auth_token_bad(p_token text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT p_token IS NULL OR p_token !~ '^[A-Za-z0-9_-]{32,64}$'
$$;

CREATE FUNCTION auth_token_hash(p_token text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT sha256(convert_to(p_token, 'UTF8'))
$$;

-- A hash that verifies no password: login with an unknown e-mail still
-- spends the same Argon2id time, so timing does not tell accounts apart.
CREATE FUNCTION auth_dummy_hash() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT '$argon2id$v=19$m=65536,t=2,p=1$QBKYvgA7LXT8fQ1c1qXnkg$'
	    'RZvuk58jLjh1N5Ozgif45aIWnzve5ZFWO8yipu5qoEU'::text
$$;

-- Whether account a was sent a mail of p_kind less than mail_again ago;
-- callers hold throttle_lock('mail', ...) so that twins take turns.
CREATE FUNCTION auth_mailed_lately(a accounts, p_kind text,
    p_now timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM mail_outbox m, auth_policy p
	    WHERE m.account_id = a.id AND m.kind = p_kind AND
	    m.created_at > p_now - p.mail_again)
$$;

-- A link for account a, to confirm its address or to reset its
-- password (p_purpose): its token (kept as its hash, valid confirm_ttl
-- or reset_ttl) and the mail of that kind that carries it.
CREATE FUNCTION auth_link_mail(a accounts, p_purpose text, p_token text,
    p_now timestamptz) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO account_tokens (token_hash, account_id, purpose, created_at,
	    expires_at)
	    SELECT auth_token_hash(p_token), a.id, p_purpose, p_now,
	    p_now + CASE p_purpose WHEN 'reset' THEN p.reset_ttl
	    ELSE p.confirm_ttl END FROM auth_policy p;
	INSERT INTO mail_outbox (account_id, to_addr, kind, lang, data,
	    created_at)
	    VALUES (a.id, a.email, p_purpose, a.lang,
	    jsonb_build_object('token', p_token), p_now);
$$;

-- Registration.  The answer never says whether the address was taken
-- (the mail does): 'ok' either way, with the account to mail.  A name
-- that is empty, blank, longer than 200 characters or holds a control
-- character is invalid_name; anything else wrong is invalid_input.
CREATE FUNCTION auth_register(p_email text, p_name text, p_hash text,
    p_lang text, p_token text, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, account_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	a	accounts%ROWTYPE;
BEGIN
	IF p_name IS NULL OR btrim(p_name) = '' OR length(p_name) > 200 OR
	    p_name ~ '[[:cntrl:]]' THEN
		RETURN QUERY SELECT 'invalid_name'::text, NULL::bigint;
		RETURN;
	END IF;
	IF p_email IS NULL OR NOT email_valid(p_email) OR p_hash IS NULL OR
	    p_hash NOT LIKE '$argon2id$%' OR p_lang IS NULL OR
	    p_lang NOT IN ('id', 'en') OR auth_token_bad(p_token) THEN
		RETURN QUERY SELECT 'invalid_input'::text, NULL::bigint;
		RETURN;
	END IF;
	-- The same request again (the server retries on a lost
	-- connection): the token says it was done already.
	IF EXISTS (SELECT 1 FROM account_tokens
	    WHERE token_hash = auth_token_hash(p_token)) THEN
		RETURN QUERY SELECT 'ok'::text, (SELECT t.account_id
		    FROM account_tokens t
		    WHERE t.token_hash = auth_token_hash(p_token));
		RETURN;
	END IF;
	SELECT * INTO a FROM accounts WHERE lower(email) = lower(p_email);
	IF FOUND THEN
		-- Remember the token so a retry sends no second mail.
		INSERT INTO account_tokens (token_hash, account_id, purpose,
		    created_at, expires_at, used_at)
		    VALUES (auth_token_hash(p_token), a.id, 'confirm', p_now,
		    p_now, p_now);
		PERFORM throttle_lock('mail', a.id::text);
		IF NOT auth_mailed_lately(a, 'already_registered', p_now) THEN
			INSERT INTO mail_outbox (account_id, to_addr, kind, lang,
			    created_at)
			    VALUES (a.id, a.email, 'already_registered', a.lang,
			    p_now);
		END IF;
		RETURN QUERY SELECT 'ok'::text, a.id;
		RETURN;
	END IF;
	INSERT INTO accounts (role, email, display_name, password_hash, lang)
	    VALUES ('applicant', p_email, p_name, p_hash, p_lang)
	    RETURNING * INTO a;
	PERFORM auth_link_mail(a, 'confirm', p_token, p_now);
	RETURN QUERY SELECT 'ok'::text, a.id;
END
$$;

-- Another confirmation link for the signed-in account, whose first one
-- was lost or expired.  Returns ok (mailed, p_token is the link's
-- token), confirmed (nothing to do), wait (a link went out less than
-- mail_again ago: that one still works) or session.  The same request
-- again (same token) is ok and mails nothing more.
CREATE FUNCTION auth_confirm_again(p_session bytea, p_token text,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a	accounts%ROWTYPE;
BEGIN
	SELECT * INTO a FROM accounts
	    WHERE id = auth_live_account(p_session, p_now) FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'session';
	END IF;
	IF a.email_confirmed_at IS NOT NULL THEN
		RETURN 'confirmed';
	END IF;
	IF auth_token_bad(p_token) THEN
		RETURN 'invalid_input';
	END IF;
	IF EXISTS (SELECT 1 FROM account_tokens
	    WHERE token_hash = auth_token_hash(p_token) AND account_id = a.id) THEN
		RETURN 'ok';
	END IF;
	-- Links really mailed (a registration of the same address by
	-- someone else mails the owner 'already_registered', not a link,
	-- and must not keep the owner's link from going out).  The account
	-- row is locked: twins take turns.
	IF auth_mailed_lately(a, 'confirm', p_now) THEN
		RETURN 'wait';
	END IF;
	PERFORM auth_link_mail(a, 'confirm', p_token, p_now);
	RETURN 'ok';
END
$$;

-- Use a confirm or reset token: single use, before it expires.  For a
-- reset, p_hash is the new password's hash and every session ends.
CREATE FUNCTION auth_use_token(p_purpose text, p_token text,
    p_hash text, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, account_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	t	account_tokens%ROWTYPE;
BEGIN
	IF auth_token_bad(p_token) THEN
		RETURN QUERY SELECT 'invalid'::text, NULL::bigint;
		RETURN;
	END IF;
	SELECT * INTO t FROM account_tokens
	    WHERE token_hash = auth_token_hash(p_token) AND
	    purpose = p_purpose FOR UPDATE;
	IF NOT FOUND OR t.used_at IS NOT NULL THEN
		RETURN QUERY SELECT 'invalid'::text, NULL::bigint;
		RETURN;
	END IF;
	IF t.expires_at < p_now THEN
		RETURN QUERY SELECT 'expired'::text, NULL::bigint;
		RETURN;
	END IF;
	IF p_purpose = 'reset' AND
	    (p_hash IS NULL OR p_hash NOT LIKE '$argon2id$%') THEN
		RETURN QUERY SELECT 'invalid_input'::text, NULL::bigint;
		RETURN;
	END IF;
	UPDATE account_tokens SET used_at = p_now
	    WHERE token_hash = t.token_hash;
	IF p_purpose = 'confirm' THEN
		UPDATE accounts SET email_confirmed_at = coalesce(email_confirmed_at,
		    p_now) WHERE id = t.account_id;
	ELSE
		UPDATE accounts SET password_hash = p_hash,
		    email_confirmed_at = coalesce(email_confirmed_at, p_now)
		    WHERE id = t.account_id;
		UPDATE sessions SET ended_at = p_now
		    WHERE sessions.account_id = t.account_id AND ended_at IS NULL;
		-- Any other reset link still out is spent too.
		UPDATE account_tokens SET used_at = p_now
		    WHERE account_tokens.account_id = t.account_id AND
		    purpose = 'reset' AND used_at IS NULL;
		INSERT INTO mail_outbox (account_id, to_addr, kind, lang, created_at)
		    SELECT id, email, 'password_changed', lang, p_now
		    FROM accounts WHERE id = t.account_id;
	END IF;
	RETURN QUERY SELECT 'ok'::text, t.account_id;
END
$$;

-- Ask for a reset: a token and a mail if the address has an account;
-- the same answer either way.
CREATE FUNCTION auth_reset_request(p_email text, p_token text,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a	accounts%ROWTYPE;
BEGIN
	IF auth_token_bad(p_token) OR p_email IS NULL OR
	    length(p_email) > 254 THEN
		RETURN 'invalid_input';
	END IF;
	IF EXISTS (SELECT 1 FROM account_tokens
	    WHERE token_hash = auth_token_hash(p_token)) THEN
		RETURN 'ok';	/* a retry of the same request */
	END IF;
	SELECT * INTO a FROM accounts WHERE lower(email) = lower(p_email) AND
	    disabled_at IS NULL AND role NOT IN ('system', 'partner');
	IF FOUND THEN
		-- The link mailed a moment ago still works (reset_ttl).
		PERFORM throttle_lock('mail', a.id::text);
		IF auth_mailed_lately(a, 'reset', p_now) THEN
			RETURN 'ok';
		END IF;
		PERFORM auth_link_mail(a, 'reset', p_token, p_now);
	END IF;
	RETURN 'ok';
END
$$;

-- Throttles count a key's recent attempts, then record one: callers in
-- parallel for one key would all count the same rows and all pass.  This
-- lock, held to the end of the caller's transaction, makes them take
-- turns, each counting what the one before it recorded; p_kind keeps the
-- kinds of key apart.  A caller taking two takes them in one order.
-- p_shared: the caller only counts and records nothing; such callers
-- need not take turns among themselves, only wait for those who record.
CREATE FUNCTION throttle_lock(p_kind text, p_key text,
    p_shared boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p_shared THEN
		PERFORM pg_advisory_xact_lock_shared(hashtext(p_kind),
		    hashtext(p_key));
	ELSE
		PERFORM pg_advisory_xact_lock(hashtext(p_kind), hashtext(p_key));
	END IF;
END
$$;

-- Before any hashing: may this e-mail try from this address now?  Gives
-- the hash to verify against (a dummy one for an unknown or disabled
-- account, so the work and the answer are the same).  p_reserve (the
-- server, about to hash): record the attempt now as a pending failure.
-- Without it the call only asks.
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
	-- A reservation counts, then records: sign-ins in parallel for one
	-- e-mail or from one address take turns (e-mail first, then
	-- address), each counting the reservations before it.
	IF p_reserve THEN
		PERFORM throttle_lock('login_email', lower(p_email));
		IF p_address IS NOT NULL THEN
			PERFORM throttle_lock('login_address',
			    throttle_net(p_address)::text);
		END IF;
	END IF;
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
		    WHERE net = throttle_net(p_address) AND NOT ok AND
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

-- The outcome of an attempt begin reserved (any one of this e-mail and
-- address still pending), else a new row.
CREATE FUNCTION auth_attempt_settle(p_email text, p_account bigint,
    p_address inet, p_ok boolean, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE login_attempts SET ok = p_ok, pending = false,
	    at = p_now, account_id = p_account
	    WHERE id = (SELECT l.id FROM login_attempts l WHERE l.pending AND
		lower(l.email) = lower(left(p_email, 254)) AND
		l.address IS NOT DISTINCT FROM p_address
		ORDER BY l.id LIMIT 1 FOR UPDATE SKIP LOCKED);
	IF NOT FOUND THEN
		INSERT INTO login_attempts (email, account_id, address, at, ok)
		    VALUES (left(p_email, 254), p_account, p_address, p_now,
		    p_ok);
	END IF;
END
$$;

-- After the hash was checked.  A success opens a session (a new token
-- every time: sessions rotate at login) and may store a rehash.
CREATE FUNCTION auth_login_finish(p_email text, p_account bigint,
    p_address inet, p_ok boolean, p_token_hash bytea, p_csrf text,
    p_rehash text, p_old_token_hash bytea, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pol	auth_policy%ROWTYPE;
	ok	boolean;
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
	PERFORM auth_attempt_settle(p_email, p_account, p_address, ok, p_now);
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

-- The one rule of a live session: not ended, not past its absolute
-- expiry, used within the idle limit, and its account not disabled.
-- Every function that acts for a session asks this.
CREATE FUNCTION auth_live_account(p_token_hash bytea, p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT s.account_id FROM sessions s
	    JOIN accounts a ON a.id = s.account_id
	    CROSS JOIN auth_policy p
	    WHERE s.token_hash = p_token_hash AND s.ended_at IS NULL AND
		s.expires_at > p_now AND s.last_seen_at + p.idle > p_now AND
		a.disabled_at IS NULL);
END
$$;

-- The session behind a cookie, if it is alive (idle and absolute
-- expiry), with who it is; touching it keeps it alive.
CREATE FUNCTION auth_session(p_token_hash bytea, p_now timestamptz DEFAULT now())
RETURNS TABLE (account_id bigint, role account_role, office_id integer,
    display_name text, email text, lang text, csrf text,
    email_confirmed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	acct	bigint := auth_live_account(p_token_hash, p_now);
BEGIN
	IF acct IS NULL THEN
		RETURN;
	END IF;
	-- One write a minute at most: the idle clock needs no more.
	UPDATE sessions SET last_seen_at = p_now
	    WHERE token_hash = p_token_hash AND
	    last_seen_at < p_now - interval '1 minute';
	RETURN QUERY SELECT a.id, a.role, a.office_id, a.display_name, a.email,
	    a.lang, s.csrf, a.email_confirmed_at IS NOT NULL
	    FROM accounts a JOIN sessions s ON s.account_id = a.id
	    WHERE s.token_hash = p_token_hash;
END
$$;

CREATE FUNCTION auth_logout(p_token_hash bytea, p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sessions SET ended_at = p_now
	WHERE token_hash = p_token_hash AND ended_at IS NULL
$$;

-- The signed-in account's password hash, to check the old password
-- before a change: nothing for a dead session.  The old password is a
-- guess like a sign-in's (someone may have found a browser left signed
-- in): it is reserved as a failed attempt in the sign-in throttle, per
-- account and per address, before any hashing, and refused (allowed
-- false, with the seconds to wait) once that throttle says so.
-- auth_password_change() settles the attempt as a success.
CREATE FUNCTION auth_password_hash(p_token_hash bytea, p_address inet,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (allowed boolean, retry_after integer, password_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	who	text := (SELECT email FROM accounts
		    WHERE id = auth_live_account(p_token_hash, p_now));
BEGIN
	IF who IS NOT NULL THEN
		RETURN QUERY SELECT b.allowed, b.retry_after, b.password_hash
		    FROM auth_login_begin(who, p_address, p_now, true) b;
	END IF;
END
$$;

-- Change the password of the session's account, whose old password the
-- server has just checked (auth_password_hash()); every other session
-- of the account ends.
CREATE FUNCTION auth_password_change(p_token_hash bytea, p_hash text,
    p_address inet, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	acct	bigint;
BEGIN
	IF p_hash IS NULL OR p_hash NOT LIKE '$argon2id$%' THEN
		RETURN 'invalid_input';
	END IF;
	acct := auth_live_account(p_token_hash, p_now);
	IF acct IS NULL THEN
		RETURN 'not_found';
	END IF;
	PERFORM auth_attempt_settle(email, acct, p_address, true, p_now)
	    FROM accounts WHERE id = acct;
	UPDATE accounts SET password_hash = p_hash WHERE id = acct;
	UPDATE sessions SET ended_at = p_now WHERE account_id = acct AND
	    ended_at IS NULL AND token_hash <> p_token_hash;
	INSERT INTO mail_outbox (account_id, to_addr, kind, lang, created_at)
	    SELECT id, email, 'password_changed', lang, p_now
	    FROM accounts WHERE id = acct;
	RETURN 'ok';
END
$$;

-- The applicant's own cases, found from the session itself: the server
-- never says whose cases to list.
CREATE FUNCTION portal_cases(p_token_hash bytea, p_now timestamptz DEFAULT now())
RETURNS TABLE (reference text, state case_state, permit_kind permit_kind,
    service_level service_level, updated text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT c.reference, c.state, c.permit_kind, c.service_level,
	    to_char(c.updated_at AT TIME ZONE o.timezone, 'YYYY-MM-DD"T"HH24:MI')
	FROM cases c
	JOIN offices o ON o.id = c.office_id
	WHERE c.account_id = auth_live_account(p_token_hash, p_now)
	ORDER BY c.created_at DESC
	LIMIT 100
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    portal_cases(bytea, timestamptz),
    auth_register(text, text, text, text, text, timestamptz),
    auth_confirm_again(bytea, text, timestamptz),
    auth_use_token(text, text, text, timestamptz),
    auth_reset_request(text, text, timestamptz),
    auth_login_begin(text, inet, timestamptz, boolean),
    auth_login_finish(text, bigint, inet, boolean, bytea, text, text, bytea,
	timestamptz),
    auth_session(bytea, timestamptz),
    auth_logout(bytea, timestamptz),
    auth_password_hash(bytea, inet, timestamptz),
    auth_password_change(bytea, text, inet, timestamptz)
    TO kitas_app;
