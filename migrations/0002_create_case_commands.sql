-- The one way a case changes: case_create() opens a draft, case_apply()
-- applies a command.  Both check the actor, the office and the transition
-- table, make repeated commands idempotent, and append the event and any
-- outbox row in the caller's transaction.  Errors that the caller can act
-- on come back as stable codes in case_result.code:
--
--   ok                      applied (or replayed: replayed = true)
--   invalid_input           a malformed argument; nothing was looked up
--   not_found               no such case, or not one the actor may see
--   forbidden               the actor may not do this (office, role)
--   version_conflict        the case changed since the caller read it
--   transition_not_allowed  no such command from the case's state
--   idempotency_key_reused  the key was used for another command
--   clearance_stale         issuing needs a fresher clearance; the case
--                           went back to awaiting_clearance to get one
--   biometrics_incomplete   record_biometrics needs the photo and all ten
--                           fingers, one of them captured (0015)

CREATE TYPE case_result AS (
	code		text,
	case_id		bigint,
	reference	text,
	state		case_state,
	version		integer,
	event_id	bigint,
	replayed	boolean
);

-- Luhn mod 36 check character; the same algorithm as src/ref.c.
CREATE FUNCTION case_ref_check(p_payload text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	alphabet constant text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
	factor	integer := 2;
	total	integer := 0;
	addend	integer;
BEGIN
	IF p_payload !~ '^[0-9A-Z]+$' THEN
		RETURN NULL;
	END IF;
	FOR i IN REVERSE length(p_payload)..1 LOOP
		addend := factor * (strpos(alphabet, substr(p_payload, i, 1)) - 1);
		factor := 3 - factor;
		total := total + addend / 36 + addend % 36;
	END LOOP;
	RETURN substr(alphabet, (36 - total % 36) % 36 + 1, 1);
END
$$;

-- Next reference of an office, in the office's own calendar year.  The
-- counter row is locked until the caller's transaction ends, so serials
-- are gap-free unless that transaction rolls back.
CREATE FUNCTION case_new_reference(p_office integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	o	offices%ROWTYPE;
	y	integer;
	n	integer;
	body	text;
BEGIN
	SELECT * INTO STRICT o FROM offices WHERE id = p_office;
	y := extract(year FROM now() AT TIME ZONE o.timezone);
	INSERT INTO case_ref_counters AS k (office_id, year, last_serial)
	    VALUES (p_office, y, 1)
	    ON CONFLICT (office_id, year)
	    DO UPDATE SET last_serial = k.last_serial + 1
	    RETURNING last_serial INTO n;
	body := o.code || y || lpad(n::text, 6, '0');
	RETURN o.code || '-' || y || '-' || lpad(n::text, 6, '0') || '-' ||
	    case_ref_check(body);
END
$$;

-- Only case_create() and case_apply() move a case's state or version;
-- they raise this transaction-local flag around their own writes.  The
-- server's role cannot write cases at all; this trigger also stops the
-- owner (a migration, an operator's psql) from doing it by mistake.
CREATE FUNCTION cases_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('kitas.case_write', true) = 'on' THEN
		RETURN NEW;
	END IF;
	IF TG_OP = 'INSERT' THEN
		RAISE EXCEPTION 'cases are opened only through case_create()'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF NEW.state IS DISTINCT FROM OLD.state OR
	    NEW.version IS DISTINCT FROM OLD.version OR
	    NEW.id IS DISTINCT FROM OLD.id THEN
		RAISE EXCEPTION 'cases.state changes only through case_apply()'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER cases_guard BEFORE INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_guard();

CREATE FUNCTION append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
	    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- A transition's guard: 'ok', or the code to return.  The central-link
-- migration gives it its body; until then every guard holds.  case_apply()
-- calls it with the case's row locked.
CREATE FUNCTION case_guard(p_guard text, p_case cases, p_now timestamptz)
RETURNS text
LANGUAGE sql AS $$ SELECT 'ok'::text $$;

-- A result with only a code: nothing happened.  (No DEFAULT on the row
-- parameter: a default of type cases would forbid ALTER TABLE cases.)
CREATE FUNCTION case_fail(p_code text, p_case cases)
RETURNS case_result
LANGUAGE sql IMMUTABLE AS $$
	SELECT (p_code, (p_case).id, (p_case).reference, (p_case).state,
	    (p_case).version, NULL::bigint, false)::case_result
$$;

CREATE FUNCTION case_fail(p_code text)
RETURNS case_result
LANGUAGE sql IMMUTABLE AS $$
	SELECT (p_code, NULL::bigint, NULL::text, NULL::case_state,
	    NULL::integer, NULL::bigint, false)::case_result
$$;

-- When an action happened must be now or recently: a counter may record
-- a step late (up to 30 days), but never in the future (5 minutes of
-- clock skew allowed).
CREATE FUNCTION case_occurred_ok(p_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT p_at <= now() + interval '5 minutes' AND
	    p_at >= now() - interval '30 days'
$$;

CREATE FUNCTION case_apply(
	p_actor		bigint,
	p_case		bigint,
	p_command	text,
	p_expected	integer,
	p_idem_key	text,
	p_occurred_at	timestamptz DEFAULT NULL,
	p_payload	jsonb DEFAULT '{}'
) RETURNS case_result
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a	accounts%ROWTYPE;
	c	cases%ROWTYPE;
	t	transitions%ROWTYPE;
	prior	case_events%ROWTYPE;
	at	timestamptz := coalesce(p_occurred_at, now());
	ev	bigint;
	g	text;
BEGIN
	IF p_actor IS NULL OR p_case IS NULL OR p_expected IS NULL OR
	    p_command IS NULL OR p_command !~ '^[a-z][a-z_]{1,39}$' OR
	    (p_idem_key IS NOT NULL AND
	     p_idem_key !~ '^[A-Za-z0-9._:-]{8,128}$') OR
	    jsonb_typeof(coalesce(p_payload, '{}')) <> 'object' OR
	    NOT case_occurred_ok(at) THEN
		RETURN case_fail('invalid_input');
	END IF;

	SELECT * INTO a FROM accounts WHERE id = p_actor AND disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN case_fail('forbidden');
	END IF;

	SELECT * INTO c FROM cases WHERE id = p_case FOR UPDATE;
	-- An applicant or partner never learns whether someone else's
	-- case exists; staff of another office are told they may not.
	IF NOT FOUND OR
	    (a.role = 'applicant' AND c.account_id IS DISTINCT FROM a.id) OR
	    (a.role = 'partner' AND a.office_id IS NOT NULL AND
	     c.office_id <> a.office_id) THEN
		RETURN case_fail('not_found');
	END IF;
	IF a.role IN ('officer', 'supervisor') AND c.office_id <> a.office_id
	    OR a.role = 'admin' THEN
		RETURN case_fail('forbidden');
	END IF;

	-- Checked after the row lock: a concurrent twin has committed by now.
	IF p_idem_key IS NOT NULL THEN
		SELECT * INTO prior FROM case_events
		    WHERE actor_id = p_actor AND idem_key = p_idem_key;
		IF FOUND THEN
			IF prior.case_id <> p_case OR prior.command <> p_command THEN
				RETURN case_fail('idempotency_key_reused');
			END IF;
			RETURN ('ok', c.id, c.reference, prior.to_state,
			    prior.version, prior.id, true)::case_result;
		END IF;
	END IF;

	IF c.version <> p_expected THEN
		RETURN case_fail('version_conflict', c);
	END IF;

	SELECT * INTO t FROM transitions
	    WHERE from_state = c.state AND command = p_command AND role = a.role;
	IF NOT FOUND THEN
		IF EXISTS (SELECT 1 FROM transitions
		    WHERE from_state = c.state AND command = p_command) THEN
			RETURN case_fail('forbidden', c);
		END IF;
		RETURN case_fail('transition_not_allowed', c);
	END IF;
	IF t.guard IS NOT NULL THEN
		g := case_guard(t.guard, c, at);
		IF g <> 'ok' THEN
			SELECT * INTO c FROM cases WHERE id = p_case;
			RETURN case_fail(g, c);
		END IF;
	END IF;

	PERFORM set_config('kitas.case_write', 'on', true);
	UPDATE cases SET state = t.to_state, version = version + 1,
	    state_since = CASE WHEN t.to_state <> c.state THEN now()
	    ELSE state_since END, updated_at = now()
	    WHERE id = p_case
	    RETURNING * INTO c;
	PERFORM set_config('kitas.case_write', 'off', true);

	INSERT INTO case_events (case_id, version, command, from_state,
	    to_state, actor_id, actor_role, office_id, occurred_at, idem_key,
	    payload)
	    VALUES (c.id, c.version, p_command, t.from_state, t.to_state,
	    a.id, a.role, c.office_id, at, p_idem_key,
	    coalesce(p_payload, '{}'))
	    RETURNING id INTO ev;

	IF t.effect = 'clearance_enqueue' THEN
		INSERT INTO outbox (case_id, kind, priority)
		    VALUES (c.id, 'clearance',
		    CASE c.service_level WHEN 'express' THEN 10 ELSE 100 END);
	ELSIF t.effect = 'clearance_cancel' THEN
		UPDATE outbox SET status = 'cancelled', finished_at = now(),
		    lease_owner = NULL, lease_expires_at = NULL
		    WHERE case_id = c.id AND kind = 'clearance' AND
		    status = 'pending';
	END IF;
	RETURN ('ok', c.id, c.reference, c.state, c.version, ev,
	    false)::case_result;
END
$$;

-- Open a draft case.  Applicants open cases for themselves (the case is
-- theirs), staff for their own office, partners (sponsor batches) for
-- offices they serve.
CREATE FUNCTION case_create(
	p_actor		bigint,
	p_office	integer,
	p_applicant	bigint,
	p_kind		permit_kind,
	p_duration	smallint,
	p_level		service_level,
	p_sponsor_kind	text,
	p_sponsor_name	text,
	p_sponsor_ref	text,
	p_idem_key	text,
	p_occurred_at	timestamptz DEFAULT NULL
) RETURNS case_result
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a	accounts%ROWTYPE;
	ap	applicants%ROWTYPE;
	prior	case_events%ROWTYPE;
	c	cases%ROWTYPE;
	at	timestamptz := coalesce(p_occurred_at, now());
	ev	bigint;
BEGIN
	IF p_actor IS NULL OR p_office IS NULL OR p_applicant IS NULL OR
	    p_kind IS NULL OR p_duration IS NULL OR p_duration NOT IN (1, 2) OR
	    p_level IS NULL OR p_sponsor_kind IS NULL OR
	    p_sponsor_kind NOT IN ('employer', 'spouse', 'relative', 'self') OR
	    length(coalesce(p_sponsor_name, '')) > 200 OR
	    length(coalesce(p_sponsor_ref, '')) > 64 OR
	    (p_idem_key IS NOT NULL AND
	     p_idem_key !~ '^[A-Za-z0-9._:-]{8,128}$') OR
	    NOT case_occurred_ok(at) THEN
		RETURN case_fail('invalid_input');
	END IF;

	SELECT * INTO a FROM accounts WHERE id = p_actor AND disabled_at IS NULL;
	IF NOT FOUND OR a.role IN ('admin', 'system') OR
	    (a.role IN ('officer', 'supervisor', 'partner') AND
	     a.office_id IS NOT NULL AND a.office_id <> p_office) THEN
		RETURN case_fail('forbidden');
	END IF;
	SELECT * INTO ap FROM applicants WHERE id = p_applicant;
	IF NOT FOUND OR (a.role = 'applicant' AND
	    ap.account_id IS DISTINCT FROM a.id) OR
	    NOT EXISTS (SELECT 1 FROM offices WHERE id = p_office) THEN
		RETURN case_fail('not_found');
	END IF;

	IF p_idem_key IS NOT NULL THEN
		-- Serialise twins on the actor's row, then look for the first.
		PERFORM 1 FROM accounts WHERE id = a.id FOR UPDATE;
		SELECT * INTO prior FROM case_events
		    WHERE actor_id = a.id AND idem_key = p_idem_key;
		IF FOUND THEN
			IF prior.command <> 'create' THEN
				RETURN case_fail('idempotency_key_reused');
			END IF;
			SELECT * INTO c FROM cases WHERE id = prior.case_id;
			RETURN ('ok', c.id, c.reference, prior.to_state,
			    prior.version, prior.id, true)::case_result;
		END IF;
	END IF;

	PERFORM set_config('kitas.case_write', 'on', true);
	INSERT INTO cases (reference, office_id, applicant_id, account_id,
	    permit_kind, duration_years, service_level, sponsor_kind,
	    sponsor_name, sponsor_ref)
	    VALUES (case_new_reference(p_office), p_office, p_applicant,
	    CASE WHEN a.role = 'applicant' THEN a.id ELSE ap.account_id END,
	    p_kind, p_duration, p_level, p_sponsor_kind,
	    coalesce(p_sponsor_name, ''), coalesce(p_sponsor_ref, ''))
	    RETURNING * INTO c;
	PERFORM set_config('kitas.case_write', 'off', true);

	INSERT INTO case_events (case_id, version, command, from_state,
	    to_state, actor_id, actor_role, office_id, occurred_at, idem_key)
	    VALUES (c.id, c.version, 'create', NULL, c.state, a.id, a.role,
	    c.office_id, at, p_idem_key)
	    RETURNING id INTO ev;
	RETURN ('ok', c.id, c.reference, c.state, c.version, ev,
	    false)::case_result;
END
$$;

-- The public status lookup: a case's current step, only for the right
-- reference and passport number together, and nothing personal.
CREATE FUNCTION case_public_status(p_reference text, p_passport text)
RETURNS TABLE (reference text, state case_state, state_since timestamptz,
    office_code text, office_name text, office_timezone text)
LANGUAGE sql STABLE AS $$
	SELECT c.reference, c.state, c.state_since, o.code, o.name, o.timezone
	FROM cases c
	JOIN applicants a ON a.id = c.applicant_id
	JOIN offices o ON o.id = c.office_id
	WHERE c.reference = upper(p_reference) AND
	    a.passport_no = upper(p_passport)
$$;

-- The transition table (ARCHITECTURE.md, "The case state machine").
-- Four-eyes rules on top of it (payment receipts, referral decisions,
-- issuing) come with the back office and permit migrations.
INSERT INTO transitions (from_state, command, role, to_state, effect, guard)
SELECT from_state::case_state, command, role::account_role,
    to_state::case_state, effect,
    CASE command WHEN 'issue' THEN 'clearance_fresh' END
FROM (VALUES
	('draft', 'submit', 'applicant', 'submitted', NULL),
	('draft', 'submit', 'officer', 'submitted', NULL),
	('draft', 'submit', 'supervisor', 'submitted', NULL),
	('draft', 'submit', 'partner', 'submitted', NULL),
	('draft', 'withdraw', 'applicant', 'withdrawn', NULL),

	('submitted', 'pay', 'partner', 'paid', NULL),
	('submitted', 'pay', 'supervisor', 'paid', NULL),
	('submitted', 'request_info', 'officer', 'more_info', NULL),
	('submitted', 'request_info', 'supervisor', 'more_info', NULL),
	('submitted', 'reject', 'officer', 'rejected', NULL),
	('submitted', 'reject', 'supervisor', 'rejected', NULL),
	('submitted', 'withdraw', 'applicant', 'withdrawn', NULL),

	('more_info', 'provide_info', 'applicant', 'submitted', NULL),
	('more_info', 'provide_info', 'officer', 'submitted', NULL),
	('more_info', 'reject', 'officer', 'rejected', NULL),
	('more_info', 'reject', 'supervisor', 'rejected', NULL),
	('more_info', 'withdraw', 'applicant', 'withdrawn', NULL),
	-- The applicant corrects the details the office asked about: a
	-- step in the history, and a new version for open office forms.
	('more_info', 'update_details', 'applicant', 'more_info', NULL),

	('paid', 'record_biometrics', 'officer', 'biometrics_done', NULL),
	('paid', 'record_biometrics', 'supervisor', 'biometrics_done', NULL),
	('paid', 'defer_biometrics', 'supervisor', 'biometrics_done', NULL),
	('paid', 'reject', 'officer', 'rejected', NULL),
	('paid', 'reject', 'supervisor', 'rejected', NULL),
	('paid', 'withdraw', 'applicant', 'withdrawn', NULL),

	('biometrics_done', 'request_clearance', 'officer',
	    'awaiting_clearance', 'clearance_enqueue'),
	('biometrics_done', 'request_clearance', 'supervisor',
	    'awaiting_clearance', 'clearance_enqueue'),
	('biometrics_done', 'request_clearance', 'system',
	    'awaiting_clearance', 'clearance_enqueue'),
	('biometrics_done', 'reject', 'officer', 'rejected', NULL),
	('biometrics_done', 'reject', 'supervisor', 'rejected', NULL),
	('biometrics_done', 'withdraw', 'applicant', 'withdrawn', NULL),

	('awaiting_clearance', 'clearance_clear', 'system', 'cleared', NULL),
	('awaiting_clearance', 'clearance_clear', 'partner', 'cleared', NULL),
	('awaiting_clearance', 'clearance_hit', 'system', 'referred', NULL),
	('awaiting_clearance', 'clearance_hit', 'partner', 'referred', NULL),
	('awaiting_clearance', 'withdraw', 'applicant', 'withdrawn',
	    'clearance_cancel'),

	('referred', 'decide_clear', 'officer', 'cleared', NULL),
	('referred', 'decide_clear', 'supervisor', 'cleared', NULL),
	('referred', 'decide_reject', 'officer', 'rejected', NULL),
	('referred', 'decide_reject', 'supervisor', 'rejected', NULL),
	('referred', 'withdraw', 'applicant', 'withdrawn', NULL),

	('cleared', 'issue', 'officer', 'issued', NULL),
	('cleared', 'issue', 'supervisor', 'issued', NULL),
	('cleared', 'refresh_clearance', 'system', 'awaiting_clearance',
	    'clearance_enqueue'),
	('cleared', 'refresh_clearance', 'supervisor', 'awaiting_clearance',
	    'clearance_enqueue'),
	('cleared', 'reject', 'supervisor', 'rejected', NULL),
	('cleared', 'withdraw', 'applicant', 'withdrawn', NULL),

	('issued', 'cancel', 'supervisor', 'cancelled', NULL)
) AS t(from_state, command, role, to_state, effect);

-- The dispatcher acts as this account on central's answers.
INSERT INTO accounts (role, email, display_name)
    VALUES ('system', 'system@kitas.invalid', 'Clearance dispatcher');

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
-- case_apply() and case_create() take the actor on trust: they are for
-- the owner's tools and for wrappers that prove the actor (portal_* from
-- the session, exchange_* from the partner's key), never for kitas_app,
-- whose password alone would otherwise act as anyone.
GRANT EXECUTE ON FUNCTION case_public_status(text, text), case_ref_check(text)
    TO kitas_app;
