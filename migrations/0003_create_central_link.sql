-- The central link: the state every dispatcher (each Kore worker of each
-- instance) shares through this database, so that all of them together
-- respect one circuit breaker and one token bucket.
--
-- Every function takes p_now, the clock, so the tests can drive a week of
-- outage in milliseconds.  The server passes now().
--
-- Rules:
--   * While the breaker is open nothing is sent, and no attempt is
--     counted against a case: an outage of weeks exhausts nothing.
--   * Only answers saying the request itself is bad (HTTP 400) count
--     toward bad_answer_limit; reaching it opens an incident, the case
--     stays where it is, visible.
--   * A request is sent under a lease; a dispatcher that dies leaves a
--     lease that expires, and the retry carries the same idempotency key.

-- The knobs, one row.  Supervisors may change them at run time (e.g. when
-- central asks the offices to slow down): every dispatcher reads them on
-- every claim.
CREATE TABLE central_policy (
	id		boolean PRIMARY KEY DEFAULT true CHECK (id),
	-- Items per second central may receive from this deployment, and
	-- how many may go at once after a quiet spell.
	rate		numeric NOT NULL DEFAULT 20 CHECK (rate > 0),
	burst		integer NOT NULL DEFAULT 100 CHECK (burst >= 1),
	-- After an outage the rate climbs from ramp_floor x rate to rate
	-- over ramp_seconds, so a recovering centre is not flooded.
	ramp_seconds	integer NOT NULL DEFAULT 300 CHECK (ramp_seconds >= 0),
	ramp_floor	numeric NOT NULL DEFAULT 0.1
	    CHECK (ramp_floor > 0 AND ramp_floor <= 1),
	-- Consecutive link failures that open the breaker.
	failure_threshold integer NOT NULL DEFAULT 3
	    CHECK (failure_threshold >= 1),
	-- Open breaker: the next probe after a random delay in
	-- [0, min(cap, base x 2^opens)] ("full jitter").
	backoff_base_ms	integer NOT NULL DEFAULT 1000 CHECK (backoff_base_ms > 0),
	backoff_cap_ms	integer NOT NULL DEFAULT 300000
	    CHECK (backoff_cap_ms >= backoff_base_ms),
	lease_seconds	integer NOT NULL DEFAULT 60 CHECK (lease_seconds > 0),
	-- Answers of "this request is bad" before a case needs a person.
	bad_answer_limit integer NOT NULL DEFAULT 3 CHECK (bad_answer_limit >= 1),
	-- A "pending" answer is asked again (same key) if the asynchronous
	-- verdict has not come after this long.
	pending_recheck	interval NOT NULL DEFAULT '1 day',
	-- Central said "pending" this long ago and no verdict came: a
	-- supervisor must chase it (asking again only repeats "pending").
	verdict_overdue	interval NOT NULL DEFAULT '7 days',
	-- A clearance older than this at issue time is asked again.
	clearance_max_age interval NOT NULL DEFAULT '30 days',
	-- A Retry-After this long or longer (maintenance, overload) counts
	-- as outage time: the waiting cases' SLA clocks pause.
	hold_outage	interval NOT NULL DEFAULT '1 minute',
	-- Accumulation alarm.
	alarm_backlog	integer NOT NULL DEFAULT 500 CHECK (alarm_backlog >= 1),
	alarm_oldest	interval NOT NULL DEFAULT '1 day'
);
INSERT INTO central_policy DEFAULT VALUES;

CREATE TABLE central_link (
	id		boolean PRIMARY KEY DEFAULT true CHECK (id),
	state		text NOT NULL DEFAULT 'closed'
	    CHECK (state IN ('closed', 'open', 'half_open')),
	state_since	timestamptz NOT NULL DEFAULT now(),
	failures	integer NOT NULL DEFAULT 0,	-- consecutive
	opens		integer NOT NULL DEFAULT 0,	-- consecutive, for backoff
	next_probe_at	timestamptz,
	probe_owner	text,
	probe_expires_at timestamptz,
	tokens		numeric NOT NULL DEFAULT 0,
	refilled_at	timestamptz NOT NULL DEFAULT now(),
	recovered_at	timestamptz,
	-- Retry-After from central: nobody sends before this.
	hold_until	timestamptz,
	paused		boolean NOT NULL DEFAULT false,
	paused_at	timestamptz,
	paused_by	bigint REFERENCES accounts,
	last_error	text,
	last_error_at	timestamptz,
	last_ok_at	timestamptz
);
INSERT INTO central_link DEFAULT VALUES;

-- When the link was down: from the breaker opening to its closing.  The
-- SLA clock pauses for the part of these a case spends waiting at
-- awaiting_clearance.
CREATE TABLE link_outages (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	started_at	timestamptz NOT NULL,
	ended_at	timestamptz,
	reason		text NOT NULL,
	CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX link_outages_one_open ON link_outages ((true))
    WHERE ended_at IS NULL;

ALTER TABLE outbox
	ADD COLUMN bad_answers integer NOT NULL DEFAULT 0
	    CHECK (bad_answers >= 0),
	-- Sent alone: it was in a batch central refused as bad.
	ADD COLUMN solo boolean NOT NULL DEFAULT false,
	ADD COLUMN last_sent_at timestamptz,
	-- Central said "pending": the verdict comes through the exchange.
	ADD COLUMN awaiting_async boolean NOT NULL DEFAULT false;

-- Every verdict central gave, in order; the newest one of a case is its
-- clearance.
CREATE TABLE clearance_results (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	outbox_id	bigint NOT NULL REFERENCES outbox,
	case_id		bigint NOT NULL REFERENCES cases,
	result		text NOT NULL CHECK (result IN ('clear', 'hit', 'pending')),
	reference	text CHECK (length(reference) <= 40),
	reason		text CHECK (length(reason) <= 500),
	checked_at	timestamptz NOT NULL,
	received_at	timestamptz NOT NULL,
	via		text NOT NULL CHECK (via IN ('dispatch', 'exchange'))
);
CREATE INDEX clearance_results_case ON clearance_results (case_id, id);
-- Answers by when they came: the drain rate counts every answer, a
-- "pending" too (it takes its request out of the queue).
CREATE INDEX clearance_results_received ON clearance_results (received_at);
-- The queue as applicants see it (backlog, place in line): counted from
-- this index alone.
CREATE INDEX outbox_queue ON outbox (priority, created_at, id)
    WHERE status = 'pending' AND kind = 'clearance' AND NOT awaiting_async;

-- Requests waiting for central's asynchronous verdict (housekeeping
-- looks for the overdue ones).
CREATE INDEX outbox_awaiting ON outbox (id) WHERE status = 'pending' AND
    awaiting_async;

-- Requests that must go alone (central refused their batch as bad).
CREATE INDEX outbox_solo ON outbox (id) WHERE solo AND status = 'pending';

-- One final verdict per request.
CREATE UNIQUE INDEX clearance_results_final ON clearance_results (outbox_id)
    WHERE result <> 'pending';

-- Things a supervisor must look at; never silently dropped.
CREATE TABLE incidents (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind		text NOT NULL CHECK (kind IN ('retries_exhausted',
	    'accumulation', 'print_failed', 'verdict_overdue')),
	case_id		bigint REFERENCES cases,
	office_id	integer REFERENCES offices,
	-- What the page tells in the reader's language (i18n
	-- office.link.incident.about.KIND): its numbers and times.
	args		jsonb NOT NULL DEFAULT '{}',
	-- The error as the other side gave it, untranslated; '' if none.
	detail		text NOT NULL DEFAULT '',
	opened_at	timestamptz NOT NULL,
	acknowledged_at	timestamptz,
	acknowledged_by	bigint REFERENCES accounts,
	resolved_at	timestamptz,
	resolved_by	bigint REFERENCES accounts
);
CREATE UNIQUE INDEX incidents_one_open_alarm ON incidents (kind)
    WHERE kind = 'accumulation' AND resolved_at IS NULL;
CREATE UNIQUE INDEX incidents_one_per_case ON incidents (kind, case_id)
    WHERE case_id IS NOT NULL AND resolved_at IS NULL;

-- One sample a minute for the back office charts and the drain rate.
CREATE TABLE link_samples (
	at		timestamptz PRIMARY KEY,
	state		text NOT NULL,
	backlog		integer NOT NULL,
	oldest_seconds	integer NOT NULL,
	answered	integer NOT NULL	-- verdicts in the minute before
);

GRANT SELECT ON central_policy, central_link, link_outages, clearance_results,
    incidents, link_samples TO kitas_app;

-- The rate allowed at p_now: none while central's Retry-After holds,
-- slow start after a recovery.
CREATE FUNCTION clr_allowed_rate(p central_policy, l central_link,
    p_now timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN l.state <> 'closed' OR l.paused OR l.hold_until > p_now THEN 0
	    WHEN l.recovered_at IS NULL OR p.ramp_seconds = 0 THEN p.rate
	    ELSE p.rate * least(1, p.ramp_floor + (1 - p.ramp_floor) *
		extract(epoch FROM p_now - l.recovered_at) / p.ramp_seconds)
	    END
$$;

-- Open the breaker: next probe after full-jitter backoff, and an outage
-- window if none is open.
CREATE FUNCTION clr_open(p central_policy, l central_link, p_now timestamptz,
    p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	cap_ms	numeric;
BEGIN
	cap_ms := least(p.backoff_cap_ms::numeric,
	    p.backoff_base_ms::numeric * power(2, least(l.opens, 30)));
	UPDATE central_link SET state = 'open', state_since = p_now,
	    opens = l.opens + 1, failures = 0, probe_owner = NULL,
	    probe_expires_at = NULL, recovered_at = NULL,
	    next_probe_at = p_now + make_interval(secs => random() * cap_ms / 1000);
	INSERT INTO link_outages (started_at, reason)
	    VALUES (p_now, p_reason) ON CONFLICT DO NOTHING;
END
$$;

-- Claim what this dispatcher may send now: nothing while paused, held by
-- Retry-After or open; one probe when a probe is due; else as many as the
-- bucket holds, up to p_max, express first, then oldest, of the office
-- first in line (a batch names its office).  Rows get a
-- lease; their attempts go up (attempts are information, not a limit).
-- The lease outlasts the claimer's own send timeout (p_min_lease,
-- seconds) whatever lease_seconds says: a lease that ran out while the
-- request was still on its way would let another send it again.
CREATE FUNCTION clr_claim(p_owner text, p_max integer,
    p_now timestamptz DEFAULT now(), p_min_lease integer DEFAULT 0)
RETURNS TABLE (outbox_id bigint, idem_key uuid, case_ref text,
    passport_no text, nationality text, family_name text, given_names text,
    birth_date date, permit_kind text, office_code text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	p	central_policy%ROWTYPE;
	l	central_link%ROWTYPE;
	n	integer;
	cap	numeric;
	taken	integer;
	ids	bigint[];
	office	integer;
BEGIN
	IF p_owner IS NULL OR length(p_owner) > 100 OR p_max IS NULL OR
	    p_max < 1 OR p_max > 100 OR p_min_lease IS NULL OR
	    p_min_lease NOT BETWEEN 0 AND 3600 THEN
		RAISE EXCEPTION 'clr_claim: bad arguments'
		    USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO p FROM central_policy;
	p.lease_seconds := greatest(p.lease_seconds, p_min_lease);
	SELECT * INTO l FROM central_link FOR UPDATE;
	IF l.paused OR l.hold_until > p_now THEN
		RETURN;
	END IF;

	IF l.state = 'open' THEN
		IF p_now < l.next_probe_at THEN
			RETURN;
		END IF;
		n := 1;
	ELSIF l.state = 'half_open' THEN
		IF l.probe_expires_at > p_now THEN
			RETURN;		-- the probe is out
		END IF;
		n := 1;			-- its sender died: probe again
	ELSE
		-- Refill; during the ramp the bucket is smaller too.
		cap := greatest(1, p.burst * clr_allowed_rate(p, l, p_now) / p.rate);
		l.tokens := least(cap, l.tokens + clr_allowed_rate(p, l, p_now) *
		    greatest(0, extract(epoch FROM p_now - l.refilled_at)));
		n := least(p_max, floor(l.tokens))::integer;
		UPDATE central_link SET tokens = l.tokens, refilled_at = p_now;
		IF n < 1 THEN
			RETURN;
		END IF;
	END IF;

	-- A request central refused as bad goes alone, so it cannot sink
	-- the others again.
	IF EXISTS (SELECT 1 FROM outbox o WHERE o.solo AND
	    o.status = 'pending' AND o.next_attempt_at <= p_now AND
	    (o.lease_expires_at IS NULL OR o.lease_expires_at <= p_now)) THEN
		SELECT array_agg(x.id) INTO ids FROM (SELECT o.id FROM outbox o
		    WHERE o.solo AND o.status = 'pending' AND
		    o.next_attempt_at <= p_now AND (o.lease_expires_at IS NULL
		    OR o.lease_expires_at <= p_now)
		    ORDER BY o.priority, o.created_at, o.id
		    LIMIT 1 FOR UPDATE SKIP LOCKED) x;
	ELSE
		-- Walks outbox_ready in order; rows out on a lease are
		-- skipped, rows another claimer holds are not waited for.
		-- A batch names one office (the protocol's office
		-- attribute): the first in line's, then its next requests.
		SELECT c.office_id INTO office FROM outbox o
		    JOIN cases c ON c.id = o.case_id
		    WHERE o.status = 'pending' AND o.kind = 'clearance' AND
		    o.next_attempt_at <= p_now AND (o.lease_expires_at IS NULL
		    OR o.lease_expires_at <= p_now)
		    ORDER BY o.priority, o.created_at, o.id
		    LIMIT 1 FOR UPDATE OF o SKIP LOCKED;
		SELECT array_agg(x.id) INTO ids FROM (SELECT o.id FROM outbox o
		    JOIN cases c ON c.id = o.case_id AND c.office_id = office
		    WHERE o.status = 'pending' AND o.kind = 'clearance' AND
		    o.next_attempt_at <= p_now AND (o.lease_expires_at IS NULL
		    OR o.lease_expires_at <= p_now)
		    ORDER BY o.priority, o.created_at, o.id
		    LIMIT n FOR UPDATE OF o SKIP LOCKED) x;
	END IF;

	RETURN QUERY
	WITH leased AS (
		UPDATE outbox o SET lease_owner = p_owner,
		    lease_expires_at = p_now + make_interval(secs => p.lease_seconds),
		    attempts = o.attempts + 1, last_sent_at = p_now
		WHERE o.id = ANY(ids)
		RETURNING o.id, o.idem_key, o.case_id, o.priority, o.created_at
	)
	SELECT x.id, x.idem_key, k.reference, a.passport_no,
	    a.nationality::text, a.family_name, a.given_names, a.birth_date,
	    k.permit_kind::text, f.code
	FROM leased x
	JOIN cases k ON k.id = x.case_id
	JOIN applicants a ON a.id = k.applicant_id
	JOIN offices f ON f.id = k.office_id
	ORDER BY x.priority, x.created_at, x.id;
	GET DIAGNOSTICS taken = ROW_COUNT;

	IF l.state = 'closed' THEN
		UPDATE central_link SET tokens = tokens - taken;
	ELSIF taken > 0 THEN
		UPDATE central_link SET state = 'half_open', state_since = p_now,
		    probe_owner = p_owner, probe_expires_at = p_now +
		    make_interval(secs => p.lease_seconds);
	END IF;
END
$$;

-- The link answered: close the breaker if it was not (the ramp starts
-- again from its floor) and end the outage window, unless central's
-- Retry-After still holds (an answer of a batch sent before it).
CREATE FUNCTION clr_link_ok(l central_link, p_now timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF l.state <> 'closed' THEN
		UPDATE central_link SET state = 'closed', state_since = p_now,
		    recovered_at = p_now, tokens = 0, refilled_at = p_now,
		    probe_owner = NULL, probe_expires_at = NULL,
		    next_probe_at = NULL;
	END IF;
	IF l.hold_until IS NULL OR l.hold_until <= p_now THEN
		UPDATE link_outages SET ended_at = greatest(p_now, started_at)
		    WHERE ended_at IS NULL;
	END IF;
	UPDATE central_link SET failures = 0, opens = 0, last_ok_at = p_now;
END
$$;

-- The link failed (refused, timed out, 5xx, an answer we cannot trust).
CREATE FUNCTION clr_link_failed(p central_policy, l central_link,
    p_now timestamptz, p_error text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE central_link SET failures = l.failures + 1,
	    last_error = left(p_error, 500), last_error_at = p_now;
	IF l.state = 'half_open' OR
	    (l.state = 'closed' AND l.failures + 1 >= p.failure_threshold) THEN
		SELECT * INTO l FROM central_link;
		PERFORM clr_open(p, l, p_now, left(p_error, 500));
	END IF;
END
$$;

-- Record one verdict for an outbox row, with the case's transition, in
-- the caller's transaction.  A row already final (a duplicate or late
-- answer) is left alone.  Returns what happened: ok, pending, duplicate,
-- not_found, or case_apply()'s code when the case has moved on.
CREATE FUNCTION clr_record(p_outbox bigint, p_result text, p_ref text,
    p_reason text, p_checked timestamptz, p_via text, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	p	central_policy%ROWTYPE;
	o	outbox%ROWTYPE;
	r	case_result;
	sys	bigint;
	v	integer;
BEGIN
	SELECT * INTO p FROM central_policy;
	SELECT * INTO o FROM outbox WHERE id = p_outbox FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'not_found';
	END IF;
	IF o.status <> 'pending' THEN
		RETURN 'duplicate';
	END IF;
	INSERT INTO clearance_results (outbox_id, case_id, result, reference,
	    reason, checked_at, received_at, via)
	    VALUES (o.id, o.case_id, p_result, p_ref, p_reason, p_checked,
	    p_now, p_via);
	IF p_result = 'pending' THEN
		UPDATE outbox SET lease_owner = NULL, lease_expires_at = NULL,
		    awaiting_async = true, solo = false,
		    next_attempt_at = p_now + p.pending_recheck
		    WHERE id = o.id;
		RETURN 'pending';
	END IF;

	SELECT id INTO sys FROM accounts WHERE role = 'system' ORDER BY id
	    LIMIT 1;
	-- The case lock is taken inside case_apply(); an officer acting on
	-- the same case at the same instant costs one more round.
	FOR i IN 1..3 LOOP
		SELECT version INTO v FROM cases WHERE id = o.case_id;
		r := case_apply(sys, o.case_id, CASE p_result
		    WHEN 'clear' THEN 'clearance_clear' ELSE 'clearance_hit' END,
		    v, 'clr-' || o.idem_key::text, least(p_now, now()),
		    jsonb_build_object('reference', p_ref, 'reason', p_reason,
		    'checked_at', p_checked, 'via', p_via));
		EXIT WHEN r.code <> 'version_conflict';
	END LOOP;
	UPDATE outbox SET status = 'done', finished_at = p_now,
	    lease_owner = NULL, lease_expires_at = NULL, awaiting_async = false
	    WHERE id = o.id;
	-- The verdict a supervisor was chasing has come.
	UPDATE incidents SET resolved_at = p_now
	    WHERE kind = 'verdict_overdue' AND case_id = o.case_id AND
	    resolved_at IS NULL;
	RETURN r.code;
END
$$;

-- What became of a batch the dispatcher sent.  p_ids are the rows it
-- claimed; with p_outcome 'ok' the arrays hold the verdict for each id
-- (NULL where central gave none).
--   ok         the link works; verdicts are recorded
--   link       refused, timed out, 5xx, or an answer we cannot trust:
--              nothing about any case is believed; counts toward the
--              breaker, never toward a case's attempts
--   throttled  429/503 with Retry-After: nobody sends before it passes
--   rejected   400, the request itself is bad: counts toward the case's
--              bad_answer_limit; the rows go alone next time
-- Only rows still leased to p_owner are released; answers are recorded
-- whoever holds the lease (the key is the same).
CREATE FUNCTION clr_report(p_owner text, p_outcome text, p_ids bigint[],
    p_results text[], p_refs text[], p_reasons text[],
    p_checked timestamptz[], p_error text, p_retry_after integer,
    p_now timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	p	central_policy%ROWTYPE;
	l	central_link%ROWTYPE;
	o	outbox%ROWTYPE;
	n	integer := 0;
	hold	integer;
BEGIN
	IF p_outcome IS NULL OR
	    p_outcome NOT IN ('ok', 'link', 'throttled', 'rejected') OR
	    p_owner IS NULL OR p_ids IS NULL OR cardinality(p_ids) > 100 THEN
		RAISE EXCEPTION 'clr_report: bad arguments'
		    USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO p FROM central_policy;

	FOR i IN 1..coalesce(cardinality(p_ids), 0) LOOP
		IF p_outcome = 'ok' AND p_results[i] IS NOT NULL THEN
			IF clr_record(p_ids[i], p_results[i], p_refs[i],
			    p_reasons[i], p_checked[i], 'dispatch', p_now)
			    NOT IN ('duplicate', 'not_found') THEN
				n := n + 1;
			END IF;
			CONTINUE;
		END IF;
		SELECT * INTO o FROM outbox WHERE id = p_ids[i] AND
		    lease_owner = p_owner AND status = 'pending' FOR UPDATE;
		CONTINUE WHEN NOT FOUND;
		IF p_outcome = 'rejected' AND o.bad_answers + 1 >= p.bad_answer_limit
		THEN
			UPDATE outbox SET status = 'dead', finished_at = p_now,
			    bad_answers = o.bad_answers + 1, lease_owner = NULL,
			    lease_expires_at = NULL,
			    last_error = left(p_error, 500)
			    WHERE id = o.id;
			INSERT INTO incidents (kind, case_id, office_id, args,
			    detail, opened_at)
			    SELECT 'retries_exhausted', c.id, c.office_id,
			    jsonb_build_object('n', o.bad_answers + 1),
			    left(coalesce(p_error, ''), 500), p_now
			    FROM cases c WHERE c.id = o.case_id
			    ON CONFLICT (kind, case_id) WHERE case_id IS NOT NULL
			    AND resolved_at IS NULL DO NOTHING;
		ELSE
			UPDATE outbox SET lease_owner = NULL, lease_expires_at = NULL,
			    bad_answers = o.bad_answers +
			    CASE p_outcome WHEN 'rejected' THEN 1 ELSE 0 END,
			    solo = o.solo OR p_outcome = 'rejected',
			    last_error = left(CASE p_outcome
				WHEN 'ok' THEN 'central gave no answer for it'
				ELSE coalesce(nullif(p_error, ''), p_outcome) END, 500)
			    WHERE id = o.id;
		END IF;
	END LOOP;

	-- The link last, and locked only when something changes, so that
	-- reports and claims of many dispatchers do not queue on its row.
	SELECT * INTO l FROM central_link;
	IF p_outcome <> 'ok' OR l.state <> 'closed' OR l.failures <> 0 OR
	    l.opens <> 0 OR l.last_ok_at IS NULL OR
	    l.last_ok_at < p_now - interval '1 second' THEN
		SELECT * INTO l FROM central_link FOR UPDATE;
		IF p_outcome = 'link' THEN
			PERFORM clr_link_failed(p, l, p_now,
			    coalesce(p_error, 'link'));
		ELSE
			PERFORM clr_link_ok(l, p_now);
		END IF;
		IF p_outcome = 'throttled' THEN
			-- Nothing accrues while held: no burst when it ends.
			hold := greatest(1, least(coalesce(p_retry_after, 1), 3600));
			UPDATE central_link SET hold_until = p_now +
			    make_interval(secs => hold), tokens = 0,
			    refilled_at = p_now + make_interval(secs => hold);
			-- A minute or more (maintenance, overload) is outage
			-- time like any other: the SLA clock of the waiting
			-- cases pauses until central answers again.  Shorter
			-- holds are the rate limit doing its work.
			IF make_interval(secs => hold) >= p.hold_outage THEN
				INSERT INTO link_outages (started_at, reason)
				    VALUES (p_now, left(format('central asked to '
				    'wait %s s: %s', hold, p_error), 500))
				    ON CONFLICT DO NOTHING;
				-- And back from it as from any outage: up
				-- the ramp.
				UPDATE central_link SET recovered_at = p_now +
				    make_interval(secs => hold);
			END IF;
		END IF;
	END IF;
	RETURN n;
END
$$;

-- An asynchronous verdict (the exchange's clearance result message) for
-- the request with idempotency key p_key.  Repeating it changes nothing.
-- Returns ok, duplicate (this verdict was already recorded), conflict (a
-- different final verdict was), cancelled (the case was withdrawn while
-- it waited), not_found, or case_apply()'s code.
CREATE FUNCTION clr_resolve(p_key uuid, p_result text, p_ref text,
    p_reason text, p_checked timestamptz, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	o	outbox%ROWTYPE;
	prior	clearance_results%ROWTYPE;
BEGIN
	IF p_key IS NULL OR p_result IS NULL OR
	    p_result NOT IN ('clear', 'hit') OR p_checked IS NULL THEN
		RETURN 'invalid_input';
	END IF;
	SELECT * INTO o FROM outbox WHERE idem_key = p_key FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'not_found';
	END IF;
	IF o.status = 'cancelled' THEN
		RETURN 'cancelled';	/* withdrawn: no verdict is wanted */
	END IF;
	IF o.status <> 'pending' THEN
		SELECT * INTO prior FROM clearance_results
		    WHERE outbox_id = o.id AND result <> 'pending';
		IF FOUND AND prior.result = p_result AND
		    prior.reference IS NOT DISTINCT FROM p_ref THEN
			RETURN 'duplicate';
		END IF;
		RETURN 'conflict';
	END IF;
	RETURN clr_record(o.id, p_result, p_ref, p_reason, p_checked,
	    'exchange', p_now);
END
$$;

-- Seconds from a recovery until n requests have gone: the ramp climbs
-- linearly from floor x rate to rate over ramp_seconds, so it sends
-- rate x (floor t + (1 - floor) t^2 / 2T) in its first t seconds; after
-- it, the full rate.
CREATE FUNCTION clr_ramp_seconds(p central_policy, p_n numeric)
RETURNS numeric
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	t	numeric := p.ramp_seconds;
	f	numeric := p.ramp_floor;
	inramp	numeric := p.rate * t * (1 + f) / 2;
	a	numeric;
BEGIN
	IF t = 0 OR f = 1 OR p_n >= inramp THEN
		RETURN t * (1 - f) / 2 + p_n / p.rate;	-- T + (n - inramp) / rate
	END IF;
	a := p.rate * (1 - f) / (2 * t);
	RETURN (sqrt(power(p.rate * f, 2) + 4 * a * p_n) - p.rate * f) / (2 * a);
END
$$;

-- The rate the queue drains at from now, and the seconds before it
-- starts (what is left of a Retry-After hold); rate 0 while nothing can
-- be sent.  The policy allows a rate; when central has answered slower
-- than that through the last five minutes, although requests were
-- waiting all along (p_waiting_since: the oldest of them, or the case's
-- own) and nothing held the link back, the observed rate is the truth.
-- It comes from the minute samples, not from counting verdicts: the
-- status page asks this on every look.
CREATE FUNCTION clr_drain_rate(p central_policy, l central_link,
    p_now timestamptz, p_waiting_since timestamptz)
RETURNS TABLE (rate numeric, held numeric)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	-- The last five whole minutes, as the samples cut them.
	upto	timestamptz := date_trunc('minute', p_now);
	quiet	timestamptz := upto - interval '5 minutes';
	obs	numeric;
BEGIN
	rate := clr_allowed_rate(p, l, greatest(p_now, l.hold_until));
	held := greatest(0, coalesce(extract(epoch FROM l.hold_until - p_now),
	    0));
	IF rate > 0 AND held = 0 AND p_waiting_since <= quiet AND
	    l.state_since <= quiet AND
	    coalesce(l.recovered_at, '-infinity') <= quiet AND
	    coalesce(l.hold_until, '-infinity') <= quiet THEN
		SELECT CASE WHEN count(*) = 5 THEN sum(answered) / 300.0 END
		    INTO obs FROM link_samples
		    WHERE at > quiet AND at <= upto;
		IF obs > 0 THEN
			rate := least(rate, obs);
		END IF;
	END IF;
	RETURN NEXT;
END
$$;

-- The link as everyone should see it: state, backlog, oldest waiting
-- request, the rate allowed now and the rate observed over the last five
-- minutes, and an estimate of when the backlog is through (NULL while
-- nothing can be sent).
CREATE FUNCTION clr_status(p_now timestamptz DEFAULT now())
RETURNS TABLE (state text, state_since timestamptz, paused boolean,
    outage_since timestamptz, backlog bigint, oldest_seconds integer,
    allowed_rate numeric, observed_rate numeric, eta_seconds integer,
    last_error text, alarm boolean)
LANGUAGE sql STABLE AS $$
	WITH p AS (SELECT * FROM central_policy),
	l AS (SELECT * FROM central_link),
	b AS (SELECT count(*) AS n, min(created_at) AS oldest FROM outbox
	    WHERE status = 'pending' AND kind = 'clearance' AND
	    NOT awaiting_async),
	obs AS (SELECT count(*) / 300.0 AS rate FROM clearance_results
	    WHERE received_at > p_now - interval '5 minutes' AND
	    received_at <= p_now),
	r AS (SELECT clr_allowed_rate(p, l, p_now) AS allowed, d.rate AS later,
	    d.held FROM p, l, b, clr_drain_rate(p, l, p_now, b.oldest) d)
	SELECT l.state, l.state_since, l.paused,
	    (SELECT started_at FROM link_outages WHERE ended_at IS NULL),
	    b.n, coalesce(extract(epoch FROM p_now - b.oldest), 0)::integer,
	    round(r.allowed, 2), round(obs.rate, 2),
	    CASE WHEN b.n = 0 THEN 0
		WHEN r.later = 0 THEN NULL
		ELSE ceil(r.held + b.n / r.later)::integer END,
	    l.last_error,
	    EXISTS (SELECT 1 FROM incidents WHERE kind = 'accumulation' AND
		resolved_at IS NULL)
	FROM l, b, obs, r
$$;

-- Where one case stands in the queue: requests ahead of it and the
-- estimated seconds until its request goes (NULL while the link is down
-- or paused; after_recovery then says how long once it is back, through
-- the ramp).
-- Counted up to p_cap only (ahead_more: more than that many, and the
-- estimates are then lower bounds): the status page asks this on every
-- look, counting a queue of 100 000 took tens of milliseconds, and past
-- ten thousand the exact place tells the applicant nothing more.
CREATE FUNCTION clr_case_eta(p_case bigint, p_now timestamptz DEFAULT now(),
    p_cap integer DEFAULT 10000)
RETURNS TABLE (ahead bigint, eta_seconds integer, after_recovery integer,
    ahead_more boolean)
LANGUAGE sql STABLE AS $$
	WITH me AS (SELECT priority, created_at, id FROM outbox
	    WHERE case_id = p_case AND status = 'pending' AND
	    kind = 'clearance' AND NOT awaiting_async),
	a AS (SELECT count(*) AS n FROM (SELECT 1 FROM outbox o, me
	    WHERE o.status = 'pending' AND o.kind = 'clearance' AND
	    NOT o.awaiting_async AND (o.priority, o.created_at, o.id) <
	    (me.priority, me.created_at, me.id) LIMIT p_cap + 1) x),
	r AS (SELECT d.rate AS later, d.held,
	    clr_ramp_seconds(p, least(a.n, p_cap) + 1) AS cold
	    FROM central_policy p, central_link l, me, a,
	    clr_drain_rate(p, l, p_now, me.created_at) d)
	SELECT least(a.n, p_cap),
	    CASE WHEN r.later = 0 THEN NULL
		ELSE ceil(r.held + (least(a.n, p_cap) + 1) / r.later)::integer
		END,
	    ceil(r.cold)::integer,
	    a.n > p_cap
	FROM me, a, r
$$;

-- Hold or release dispatch by hand (central asked offices to wait).
CREATE FUNCTION clr_pause(p_actor bigint, p_paused boolean,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_actor AND
	    role IN ('supervisor', 'admin') AND disabled_at IS NULL) THEN
		RETURN 'forbidden';
	END IF;
	UPDATE central_link SET paused = p_paused,
	    paused_at = CASE WHEN p_paused THEN p_now END,
	    paused_by = CASE WHEN p_paused THEN p_actor END;
	RETURN 'ok';
END
$$;

-- The transitions' guards.
--
-- biometrics_complete (record_biometrics): the photo and all ten fingers,
-- one of them captured.  Here rather than in the back office's command,
-- so that no caller of case_apply() can finish biometrics without them;
-- the case's row lock also holds off the biometrics writes, which take
-- it too (biometrics_case()).  biometrics_complete() comes with the
-- biometrics tables (0015), which attach this guard; plpgsql finds it
-- when called.
--
-- clearance_fresh (issue), the stale-watchlist guard: issue only on a
-- verdict younger than clearance_max_age; an older one (or none) sends
-- the case back to awaiting_clearance for a new check, and issuing waits
-- for it.
CREATE OR REPLACE FUNCTION case_guard(p_guard text, p_case cases,
    p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	checked	timestamptz;
	maxage	interval;
	r	case_result;
BEGIN
	IF p_guard = 'biometrics_complete' THEN
		IF biometrics_complete(p_case.id) THEN
			RETURN 'ok';
		END IF;
		RETURN 'biometrics_incomplete';
	END IF;
	IF p_guard <> 'clearance_fresh' THEN
		RAISE EXCEPTION 'case_guard: unknown guard %', p_guard;
	END IF;
	SELECT clearance_max_age INTO maxage FROM central_policy;
	SELECT checked_at INTO checked FROM clearance_results
	    WHERE case_id = p_case.id AND result <> 'pending'
	    ORDER BY id DESC LIMIT 1;
	IF checked >= p_now - maxage THEN
		RETURN 'ok';
	END IF;
	r := case_apply((SELECT id FROM accounts WHERE role = 'system'
	    ORDER BY id LIMIT 1), p_case.id, 'refresh_clearance',
	    p_case.version, NULL, p_now,
	    jsonb_build_object('why', 'clearance older than ' || maxage));
	IF r.code <> 'ok' THEN
		RAISE EXCEPTION 'case_guard: refresh of % failed: %',
		    p_case.reference, r.code;
	END IF;
	RETURN 'clearance_stale';
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clr_allowed_rate(central_policy, central_link,
    timestamptz), clr_drain_rate(central_policy, central_link, timestamptz,
    timestamptz), clr_ramp_seconds(central_policy, numeric) TO kitas_app;
GRANT EXECUTE ON FUNCTION clr_claim(text, integer, timestamptz, integer),
    clr_report(text, text, bigint[], text[], text[], text[], timestamptz[],
    text, integer, timestamptz),
    clr_status(timestamptz), clr_case_eta(bigint, timestamptz, integer)
    TO kitas_app;
-- clr_resolve() (a verdict) and clr_pause() (an actor on trust) are not
-- the server's: verdicts come through exchange_clearance_result(), a
-- signed message; pausing through kitasctl.
