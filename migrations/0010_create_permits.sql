-- The issued e-ITAS.  Issuing takes two people (an officer proposes, a
-- supervisor of the same office approves; never the same person), and
-- only then is a permit number drawn: sequential per office and year,
-- in the approving transaction, so a failed issuance rolls its number
-- back and no number ever belongs to a case that is not issued.  The
-- PDF and its signed token are made afterwards by the server (the
-- signing key never enters the database); the public keys and the
-- revocations are here, published to anyone who verifies.

-- Public halves of the permit signing keys (the secret halves live in
-- a 0600 file, see src/permit.h).  One key signs at a time; a retired
-- key still verifies the permits it signed; a revoked key verifies
-- nothing.
CREATE TABLE permit_keys (
	id		integer PRIMARY KEY CHECK (id BETWEEN 1 AND 65535),
	public_key	bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
	valid_from	date NOT NULL,
	valid_to	date CHECK (valid_to >= valid_from),
	revoked_at	timestamptz,
	revoked_reason	text CHECK (length(revoked_reason) BETWEEN 1 AND 500),
	CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE UNIQUE INDEX permit_keys_one_active ON permit_keys ((true))
    WHERE valid_to IS NULL AND revoked_at IS NULL;

CREATE TABLE permit_counters (
	office_id	integer NOT NULL REFERENCES offices,
	year		integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
	last_serial	integer NOT NULL CHECK (last_serial BETWEEN 0 AND 999999),
	PRIMARY KEY (office_id, year)
);

-- Four eyes: a proposal by one person, decided by another.  The command
-- runs only when the proposal is confirmed, against the case version it
-- was proposed on.
CREATE TABLE proposals (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES cases,
	command		text NOT NULL CHECK (command IN ('issue')),
	case_version	integer NOT NULL,
	reason		text NOT NULL DEFAULT '' CHECK (length(reason) <= 500 AND
	    reason !~ '[[:cntrl:]]'),
	proposed_by	bigint NOT NULL REFERENCES accounts,
	proposed_at	timestamptz NOT NULL,
	status		text NOT NULL DEFAULT 'pending' CHECK (status IN
	    ('pending', 'confirmed', 'declined', 'superseded')),
	decided_by	bigint REFERENCES accounts,
	decided_at	timestamptz,
	CHECK ((status = 'pending') = (decided_at IS NULL)),
	CHECK (decided_by IS DISTINCT FROM proposed_by),
	CHECK (status <> 'confirmed' OR decided_by IS NOT NULL)
);
CREATE UNIQUE INDEX proposals_one_pending ON proposals (case_id, command)
    WHERE status = 'pending';

CREATE TABLE permits (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id		bigint NOT NULL UNIQUE REFERENCES cases,
	number		text NOT NULL UNIQUE
	    CHECK (number ~ '^[A-Z]{3}-[0-9]{4}-P[0-9]{6}$'),
	office_id	integer NOT NULL REFERENCES offices,
	holder_name	text NOT NULL CHECK (length(holder_name) BETWEEN 1 AND 100),
	nationality	char(3) NOT NULL,
	passport_no	text NOT NULL,
	birth_date	date NOT NULL,
	permit_kind	permit_kind NOT NULL,
	sponsor_name	text NOT NULL,
	valid_from	date NOT NULL,
	valid_to	date NOT NULL CHECK (valid_to >= valid_from),
	issued_at	timestamptz NOT NULL,
	proposal_id	bigint NOT NULL UNIQUE REFERENCES proposals,
	-- Filled by the server once it has signed and rendered the permit.
	key_id		integer REFERENCES permit_keys,
	token		text CHECK (length(token) <= 400),
	pdf_sealed	bytea,
	pdf_aad		text UNIQUE,
	pdf_size	integer,
	rendered_at	timestamptz,
	render_owner	text,
	render_lease	timestamptz,
	render_attempts	integer NOT NULL DEFAULT 0,
	render_error	text CHECK (length(render_error) <= 300),
	revoked_at	timestamptz,
	revoked_by	bigint REFERENCES accounts,
	revoked_reason	text CHECK (length(revoked_reason) BETWEEN 1 AND 500),
	CHECK ((rendered_at IS NULL) = (pdf_sealed IS NULL) AND
	    (pdf_sealed IS NULL) = (token IS NULL) AND
	    (token IS NULL) = (key_id IS NULL)),
	CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX permits_unrendered ON permits (id) WHERE rendered_at IS NULL;

-- The civil registry's feed: issued and cancelled permits in commit
-- order.  Writers serialise on permit_feed's row, so a reader resuming
-- after seq n never misses a row that commits later with a smaller seq.
CREATE TABLE permit_feed (
	id		boolean PRIMARY KEY DEFAULT true CHECK (id),
	last_seq	bigint NOT NULL DEFAULT 0
);
INSERT INTO permit_feed DEFAULT VALUES;

CREATE TABLE permit_events (
	seq		bigint PRIMARY KEY,
	permit_id	bigint NOT NULL REFERENCES permits,
	kind		text NOT NULL CHECK (kind IN ('issued', 'cancelled')),
	at		timestamptz NOT NULL
);
CREATE TRIGGER permit_events_append_only BEFORE UPDATE OR DELETE
    ON permit_events FOR EACH ROW EXECUTE FUNCTION append_only();

CREATE FUNCTION permit_event(p_permit bigint, p_kind text, p_at timestamptz)
RETURNS void
LANGUAGE sql AS $$
	WITH f AS (UPDATE permit_feed SET last_seq = last_seq + 1
	    RETURNING last_seq)
	INSERT INTO permit_events (seq, permit_id, kind, at)
	    SELECT f.last_seq, p_permit, p_kind, p_at FROM f
$$;

-- A case never reaches 'issued' without its permit, whoever moves it
-- (checked at commit, when both rows exist; at commit the definer's
-- rights are gone, so the check carries its own).
CREATE FUNCTION permits_required() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NEW.state = 'issued' AND NOT EXISTS (SELECT 1 FROM permits p
	    JOIN proposals q ON q.id = p.proposal_id
	    WHERE p.case_id = NEW.id AND q.status = 'confirmed') THEN
		RAISE EXCEPTION 'case % issued without an approved permit',
		    NEW.reference USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.state = 'cancelled' AND EXISTS (SELECT 1 FROM permits
	    WHERE case_id = NEW.id AND revoked_at IS NULL) THEN
		RAISE EXCEPTION 'case % cancelled but its permit not revoked',
		    NEW.reference USING ERRCODE = 'check_violation';
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER cases_issued_with_permit AFTER UPDATE ON cases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.state IN ('issued', 'cancelled') AND
    OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION permits_required();

-- Staff of the case's office, or nothing ('forbidden' otherwise).
CREATE FUNCTION permit_staff(p_actor bigint, p_case cases,
    p_roles account_role[])
RETURNS accounts
LANGUAGE plpgsql STABLE AS $$
DECLARE
	a	accounts%ROWTYPE;
BEGIN
	SELECT * INTO a FROM accounts WHERE id = p_actor AND
	    disabled_at IS NULL AND role = ANY (p_roles) AND
	    office_id = p_case.office_id;
	RETURN a;
END
$$;

-- Opening a proposal, the part issuing, referral decisions and payment
-- receipts (0014) share: the case locked, the actor an officer or supervisor of its office, the version
-- and the state right, and no proposal of p_group pending
-- (proposal_pending); then p_command proposed with p_reason.
CREATE FUNCTION proposal_open(p_actor bigint, p_case bigint,
    p_command text, p_group text[], p_state case_state, p_expected integer,
    p_reason text, p_now timestamptz)
RETURNS TABLE (code text, proposal bigint)
LANGUAGE plpgsql AS $$
DECLARE
	c	cases%ROWTYPE;
	id	bigint;
BEGIN
	SELECT * INTO c FROM cases WHERE cases.id = p_case FOR UPDATE;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'not_found', NULL::bigint;
	ELSIF (permit_staff(p_actor, c, '{officer,supervisor}')).id IS NULL THEN
		RETURN QUERY SELECT 'forbidden', NULL::bigint;
	ELSIF c.version <> p_expected THEN
		RETURN QUERY SELECT 'version_conflict', NULL::bigint;
	ELSIF c.state <> p_state THEN
		RETURN QUERY SELECT 'transition_not_allowed', NULL::bigint;
	ELSIF EXISTS (SELECT 1 FROM proposals p WHERE p.case_id = c.id AND
	    p.command = ANY (p_group) AND p.status = 'pending') THEN
		RETURN QUERY SELECT 'proposal_pending', NULL::bigint;
	ELSE
		INSERT INTO proposals (case_id, command, case_version, reason,
		    proposed_by, proposed_at)
		    VALUES (c.id, p_command, c.version, p_reason, p_actor, p_now)
		    RETURNING proposals.id INTO id;
		RETURN QUERY SELECT 'ok', id;
	END IF;
END
$$;

-- An officer or supervisor proposes to issue a cleared case.  A second
-- proposal while one is pending is refused (proposal_pending).
CREATE FUNCTION permit_propose(p_actor bigint, p_case bigint,
    p_expected integer, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, proposal bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT * FROM proposal_open(p_actor, p_case, 'issue',
	    '{issue}', 'cleared', p_expected, '', p_now);
END
$$;

-- A supervisor of the office, not the proposer, approves: the stale-
-- watchlist guard runs (an old clearance is asked again and the
-- proposal lapses), then the number is drawn and the case issued, all
-- in this transaction.  replayed says a repeated approval (the same
-- idempotency key) answered as the first one did and changed nothing.
CREATE FUNCTION permit_issue(p_actor bigint, p_case bigint,
    p_expected integer, p_idem_key text, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, number text, version integer,
    replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	c	cases%ROWTYPE;
	p	proposals%ROWTYPE;
	ap	applicants%ROWTYPE;
	o	offices%ROWTYPE;
	r	case_result;
	yr	integer;
	serial	integer;
	num	text;
	pid	bigint;
	today	date;
BEGIN
	SELECT * INTO c FROM cases WHERE cases.id = p_case FOR UPDATE;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'not_found', NULL::text,
		    NULL::integer, false;
		RETURN;
	END IF;
	-- A repeated approval answers as the first one did.
	IF p_idem_key IS NOT NULL AND EXISTS (SELECT 1 FROM case_events e
	    WHERE e.actor_id = p_actor AND e.idem_key = p_idem_key AND
	    e.case_id = c.id AND e.command = 'issue') THEN
		RETURN QUERY SELECT 'ok', pm.number, c.version, true
		    FROM permits pm WHERE pm.case_id = c.id;
		RETURN;
	END IF;
	IF (permit_staff(p_actor, c, '{supervisor}')).id IS NULL THEN
		RETURN QUERY SELECT 'forbidden', NULL::text,
		    NULL::integer, false;
		RETURN;
	END IF;
	IF c.version <> p_expected THEN
		RETURN QUERY SELECT 'version_conflict', NULL::text,
		    c.version, false;
		RETURN;
	END IF;
	SELECT * INTO p FROM proposals WHERE case_id = c.id AND
	    command = 'issue' AND status = 'pending' FOR UPDATE;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'no_proposal', NULL::text, c.version, false;
		RETURN;
	END IF;
	IF p.proposed_by = p_actor THEN
		RETURN QUERY SELECT 'same_person', NULL::text, c.version, false;
		RETURN;
	END IF;
	IF p.case_version <> c.version THEN
		UPDATE proposals SET status = 'superseded', decided_at = p_now
		    WHERE id = p.id;
		RETURN QUERY SELECT 'proposal_stale', NULL::text,
		    c.version, false;
		RETURN;
	END IF;

	r := case_apply(p_actor, c.id, 'issue', p_expected, p_idem_key, p_now,
	    jsonb_build_object('proposal', p.id));
	IF r.code <> 'ok' THEN
		-- clearance_stale: the guard has sent the case back for a
		-- new check; the proposal lapses with the version it named.
		UPDATE proposals SET status = 'superseded', decided_at = p_now
		    WHERE id = p.id;
		RETURN QUERY SELECT r.code, NULL::text, r.version, false;
		RETURN;
	END IF;
	UPDATE proposals SET status = 'confirmed', decided_by = p_actor,
	    decided_at = p_now WHERE id = p.id;

	SELECT * INTO o FROM offices WHERE offices.id = c.office_id;
	SELECT * INTO ap FROM applicants WHERE applicants.id = c.applicant_id;
	-- The number's year is the office's; validity dates are WIB dates,
	-- as every verifier reads them (src/permit.h).
	yr := extract(year FROM p_now AT TIME ZONE o.timezone);
	today := (p_now AT TIME ZONE 'Asia/Jakarta')::date;
	INSERT INTO permit_counters AS pc (office_id, year, last_serial)
	    VALUES (c.office_id, yr, 1)
	    ON CONFLICT (office_id, year) DO UPDATE
	    SET last_serial = pc.last_serial + 1
	    RETURNING last_serial INTO serial;
	num := o.code || '-' || yr || '-P' || lpad(serial::text, 6, '0');

	INSERT INTO permits (case_id, number, office_id, holder_name,
	    nationality, passport_no, birth_date, permit_kind, sponsor_name,
	    valid_from, valid_to, issued_at, proposal_id)
	    VALUES (c.id, num, c.office_id,
	    left(trim(ap.given_names || ' ' || ap.family_name), 100),
	    ap.nationality, ap.passport_no, ap.birth_date, c.permit_kind,
	    c.sponsor_name, today,
	    (today + make_interval(years => c.duration_years))::date - 1,
	    p_now, p.id)
	    RETURNING id INTO pid;
	PERFORM permit_event(pid, 'issued', p_now);
	-- The sponsor hears of it too (the holder by the status notice), in
	-- the language of the account that applied.
	INSERT INTO mail_outbox (to_addr, kind, lang, data, created_at)
	    SELECT c.sponsor_email, 'sponsor_permit',
	    coalesce((SELECT lang FROM accounts WHERE id = c.account_id), 'id'),
	    jsonb_build_object('reference', c.reference, 'state', 'issued'),
	    p_now
	    WHERE c.sponsor_email <> '';
	RETURN QUERY SELECT 'ok', num, r.version, false;
END
$$;

-- A supervisor cancels an issued permit with a reason: the case moves
-- to cancelled and the number goes on the revocation list.
CREATE FUNCTION permit_cancel(p_actor bigint, p_case bigint,
    p_expected integer, p_reason text, p_idem_key text,
    p_now timestamptz DEFAULT now())
RETURNS case_result
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	case_result;
	pid	bigint;
BEGIN
	IF p_reason IS NULL OR length(trim(p_reason)) NOT BETWEEN 1 AND 500
	    OR p_reason ~ '[[:cntrl:]]' THEN
		RETURN case_fail('invalid_input');
	END IF;
	r := case_apply(p_actor, p_case, 'cancel', p_expected, p_idem_key,
	    p_now, jsonb_build_object('reason', trim(p_reason)));
	IF r.code <> 'ok' OR r.replayed THEN
		RETURN r;
	END IF;
	UPDATE permits SET revoked_at = p_now, revoked_by = p_actor,
	    revoked_reason = trim(p_reason)
	    WHERE case_id = p_case RETURNING id INTO pid;
	PERFORM permit_event(pid, 'cancelled', p_now);
	RETURN r;
END
$$;

-- The photo printed on a case's permit, still sealed: the applicant's
-- uploaded one.  (0015 prefers the photo taken at the counter.)
CREATE FUNCTION permit_photo(p_case bigint, OUT sealed bytea, OUT aad text)
LANGUAGE sql STABLE AS $$
	SELECT d.sealed, d.aad FROM documents d
	WHERE d.case_id = p_case AND d.doc_type = 'photo' AND
	    d.replaced_at IS NULL
$$;

-- The server's printer: permits still to sign and render, leased for
-- five minutes, with what goes on the paper (the holder's photo still
-- sealed; the server opens it only while rendering).
CREATE FUNCTION permit_render_claim(p_owner text, p_max integer,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (id bigint, number text, holder text, nationality text,
    passport text, birth_date text, kind text, valid_from text,
    valid_to text, sponsor text, office text, issued text,
    photo_sealed bytea, photo_aad text)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH c AS (
		SELECT p.id FROM permits p
		WHERE p.rendered_at IS NULL AND p.render_attempts < 20 AND
		    (p.render_lease IS NULL OR p.render_lease <= p_now)
		ORDER BY p.id
		LIMIT least(greatest(p_max, 1), 10)
		FOR UPDATE SKIP LOCKED
	), l AS (
		UPDATE permits p SET render_owner = p_owner,
		    render_lease = p_now + interval '5 minutes',
		    render_attempts = p.render_attempts + 1
		FROM c WHERE p.id = c.id
		RETURNING p.*
	)
	SELECT l.id, l.number, l.holder_name, l.nationality, l.passport_no,
	    to_char(l.birth_date, 'YYYY-MM-DD'), l.permit_kind::text,
	    to_char(l.valid_from, 'YYYY-MM-DD'),
	    to_char(l.valid_to, 'YYYY-MM-DD'), l.sponsor_name,
	    o.name || ' (' || o.code || ')',
	    to_char(l.issued_at AT TIME ZONE o.timezone, 'YYYY-MM-DD'),
	    ph.sealed, ph.aad
	FROM l JOIN offices o ON o.id = l.office_id
	CROSS JOIN LATERAL permit_photo(l.case_id) ph
	ORDER BY l.id
$$;

-- The signed, rendered permit comes back; only the lease holder may
-- store it, and only once.
CREATE FUNCTION permit_render_done(p_owner text, p_id bigint, p_key integer,
    p_token text, p_sealed bytea, p_aad text, p_size integer,
    p_now timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE permits SET key_id = p_key, token = p_token,
	    pdf_sealed = p_sealed, pdf_aad = p_aad, pdf_size = p_size,
	    rendered_at = p_now, render_owner = NULL, render_lease = NULL
	WHERE id = p_id AND render_owner = p_owner AND rendered_at IS NULL
	RETURNING true
$$;

-- The printer could not make the permit (a photo that does not decode,
-- a key file it cannot read): tried again later, and after the last try
-- a supervisor's incident, never a silent stop.
CREATE FUNCTION permit_render_failed(p_owner text, p_id bigint, p_error text,
    p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH p AS (
		UPDATE permits SET render_error = left(p_error, 300),
		    render_owner = NULL,
		    render_lease = p_now + least(interval '1 hour',
			interval '30 seconds' * power(2, render_attempts))
		WHERE id = p_id AND render_owner = p_owner AND
		    rendered_at IS NULL
		RETURNING *
	)
	INSERT INTO incidents (kind, case_id, office_id, args, detail,
	    opened_at)
	SELECT 'print_failed', p.case_id, p.office_id,
	    jsonb_build_object('n', p.render_attempts, 'number', p.number),
	    left(coalesce(p_error, ''), 200), p_now
	FROM p WHERE p.render_attempts >= 20
	ON CONFLICT DO NOTHING
$$;

-- The holder's permit PDF (sealed) for a session that owns the case,
-- while it is a permit: the case issued, the permit not revoked.  A
-- cancelled e-ITAS is not handed out again to be shown as valid.  One
-- not printed yet comes without its PDF (sealed and aad NULL: the
-- server says to wait); no row at all when there is nothing to wait for.
CREATE FUNCTION portal_permit_pdf(p_session bytea, p_reference text,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (number text, sealed bytea, aad text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT p.number, p.pdf_sealed, p.pdf_aad
	FROM cases c JOIN permits p ON p.case_id = c.id
	WHERE c.reference = upper(p_reference) AND
	    c.account_id = portal_account(p_session, p_now) AND
	    c.state = 'issued' AND p.revoked_at IS NULL
$$;

-- The published public key list (src/permit.h's text format).
CREATE FUNCTION permit_keys_text() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT E'KITAS-PERMIT-KEYS 1\n' || coalesce(string_agg(
	    format(E'key %s %s %s %s %s\n', k.id,
	    to_char(k.valid_from, 'YYYY-MM-DD'),
	    coalesce(to_char(k.valid_to, 'YYYY-MM-DD'), '-'),
	    CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
		WHEN k.valid_to IS NOT NULL THEN 'retired' ELSE 'active' END,
	    encode(k.public_key, 'base64')), '' ORDER BY k.id), '')
	FROM permit_keys k
$$;

-- What /verify adds to a token's own word: is the permit ours, is it
-- revoked, and why.
CREATE FUNCTION permit_lookup(p_number text)
RETURNS TABLE (found boolean, revoked_at timestamptz, reason text,
    office text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT true, p.revoked_at, p.revoked_reason, o.name
	FROM permits p JOIN offices o ON o.id = p.office_id
	WHERE p.number = p_number
	UNION ALL
	SELECT false, NULL, NULL, NULL
	WHERE NOT EXISTS (SELECT 1 FROM permits WHERE number = p_number)
$$;

-- Entries of the revocation list, sorted as the list is.
CREATE FUNCTION permit_revocations()
RETURNS TABLE (number text, revoked_at bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT number, extract(epoch FROM revoked_at)::bigint FROM permits
	WHERE revoked_at IS NOT NULL ORDER BY number COLLATE "C"
$$;

-- kitasctl keys rotate: the new key signs from today, the one before it
-- retires (and keeps verifying what it signed).
CREATE FUNCTION permit_key_publish(p_id integer, p_public bytea,
    p_today date DEFAULT current_date)
RETURNS void
LANGUAGE sql AS $$
	UPDATE permit_keys SET valid_to = p_today
	    WHERE valid_to IS NULL AND revoked_at IS NULL;
	INSERT INTO permit_keys (id, public_key, valid_from)
	    VALUES (p_id, p_public, p_today);
$$;

-- kitasctl keys revoke: a compromised key verifies nothing any more.
CREATE FUNCTION permit_key_revoke(p_id integer, p_reason text,
    p_now timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE sql AS $$
	UPDATE permit_keys SET revoked_at = p_now, revoked_reason = p_reason,
	    valid_to = coalesce(valid_to, p_now::date)
	WHERE id = p_id AND revoked_at IS NULL
	RETURNING true
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION permit_render_claim(text, integer, timestamptz),
    permit_render_done(text, bigint, integer, text, bytea, text, integer,
	timestamptz),
    permit_render_failed(text, bigint, text, timestamptz),
    portal_permit_pdf(bytea, text, timestamptz), permit_keys_text(),
    permit_lookup(text), permit_revocations()
    TO kitas_app;
