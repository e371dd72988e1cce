-- Service levels: each case has a due time in working days from its
-- submission; the clock pauses while the case waits on the applicant
-- (more_info) and while it waits at awaiting_clearance on a central link
-- that is down.  An express case that misses its due time with outage
-- time on it is flagged for refund or compensation, automatically.

CREATE TABLE service_levels (
	level		service_level PRIMARY KEY,
	working_days	integer NOT NULL CHECK (working_days BETWEEN 1 AND 60)
);
INSERT INTO service_levels VALUES ('regular', 5), ('express', 2);

-- Days the offices are closed besides Saturday and Sunday (deployment
-- data: the demo seed loads 2026's national holidays).
CREATE TABLE holidays (
	day	date PRIMARY KEY,
	name	text NOT NULL CHECK (length(name) BETWEEN 1 AND 100)
);

-- When a case's clock started and its due time before any pause, kept by
-- a trigger on the history (the first submit starts it).
CREATE TABLE case_sla_clock (
	case_id		bigint PRIMARY KEY REFERENCES cases,
	started_at	timestamptz NOT NULL,
	nominal_due	timestamptz NOT NULL
);
CREATE INDEX case_sla_clock_due ON case_sla_clock (nominal_due);

CREATE TABLE compensations (
	case_id		bigint PRIMARY KEY REFERENCES cases,
	flagged_at	timestamptz NOT NULL,
	nominal_due	timestamptz NOT NULL,
	outage_from	timestamptz NOT NULL,
	outage_to	timestamptz,
	outage_seconds	integer NOT NULL CHECK (outage_seconds > 0),
	reason		text NOT NULL
);

GRANT SELECT ON service_levels, holidays, case_sla_clock, compensations
    TO kitas_app;

-- The end of the p_days-th working day after p_start, in the office's
-- time zone: a file handed in on Friday afternoon with 2 working days is
-- due at the end of Tuesday.
CREATE FUNCTION sla_add_working_days(p_start timestamptz, p_days integer,
    p_tz text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d	date := (p_start AT TIME ZONE p_tz)::date;
	n	integer := 0;
BEGIN
	WHILE n < p_days LOOP
		d := d + 1;
		IF extract(isodow FROM d) < 6 AND
		    NOT EXISTS (SELECT 1 FROM holidays WHERE day = d) THEN
			n := n + 1;
		END IF;
	END LOOP;
	RETURN ((d + 1)::timestamp) AT TIME ZONE p_tz;
END
$$;

CREATE FUNCTION sla_clock_start() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO case_sla_clock (case_id, started_at, nominal_due)
	    SELECT c.id, NEW.occurred_at,
	    sla_add_working_days(NEW.occurred_at, s.working_days, o.timezone)
	    FROM cases c
	    JOIN service_levels s ON s.level = c.service_level
	    JOIN offices o ON o.id = c.office_id
	    WHERE c.id = NEW.case_id
	    ON CONFLICT (case_id) DO NOTHING;
	RETURN NULL;
END
$$;

CREATE TRIGGER case_events_sla AFTER INSERT ON case_events
    FOR EACH ROW WHEN (NEW.command = 'submit')
    EXECUTE FUNCTION sla_clock_start();

-- Where a case stands against its service level at p_now.  The pauses
-- are computed from the history: time spent in more_info, and the part
-- of its time at awaiting_clearance that falls in a link outage.
CREATE FUNCTION case_sla(p_case bigint, p_now timestamptz DEFAULT now())
RETURNS TABLE (level service_level, started_at timestamptz,
    nominal_due timestamptz, paused_applicant interval,
    paused_outage interval, due_at timestamptz, finished_at timestamptz,
    overdue boolean, missed_by_outage boolean, outage_from timestamptz,
    outage_to timestamptz)
LANGUAGE sql STABLE AS $$
	WITH k AS (
		SELECT c.service_level, s.started_at, s.nominal_due
		FROM cases c JOIN case_sla_clock s ON s.case_id = c.id
		WHERE c.id = p_case
	), spans AS (
		-- Each state the case was in, from when to when.
		SELECT e.to_state AS state, e.occurred_at AS t0,
		    coalesce(lead(e.occurred_at) OVER (ORDER BY e.version),
		    p_now) AS t1
		FROM case_events e WHERE e.case_id = p_case
	), outage AS (
		SELECT greatest(s.t0, w.started_at) AS f,
		    least(s.t1, coalesce(w.ended_at, p_now)) AS t
		FROM spans s JOIN link_outages w
		    ON s.state = 'awaiting_clearance' AND
		    w.started_at < s.t1 AND coalesce(w.ended_at, p_now) > s.t0
	), sums AS (
		SELECT
		    coalesce((SELECT sum(t1 - t0) FROM spans
			WHERE state = 'more_info'), interval '0') AS applicant,
		    coalesce((SELECT sum(t - f) FROM outage WHERE t > f),
			interval '0') AS outage,
		    (SELECT min(f) FROM outage WHERE t > f) AS o_from,
		    (SELECT max(t) FROM outage WHERE t > f) AS o_to,
		    (SELECT min(occurred_at) FROM case_events
			WHERE case_id = p_case AND to_state IN ('issued',
			'rejected', 'withdrawn', 'cancelled')) AS done
	)
	SELECT k.service_level, k.started_at, k.nominal_due, sums.applicant,
	    sums.outage, k.nominal_due + sums.applicant + sums.outage,
	    sums.done,
	    coalesce(sums.done, p_now) > k.nominal_due + sums.applicant +
		sums.outage,
	    k.service_level = 'express' AND sums.outage > interval '0' AND
		coalesce(sums.done, p_now) > k.nominal_due + sums.applicant,
	    sums.o_from, sums.o_to
	FROM k, sums
$$;

-- Flag every express case that has missed its due time with outage time
-- on it, once.  Called from clr_housekeeping().
CREATE FUNCTION sla_flag_compensations(p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	n	integer;
BEGIN
	INSERT INTO compensations (case_id, flagged_at, nominal_due,
	    outage_from, outage_to, outage_seconds, reason)
	SELECT k.case_id, p_now, s.nominal_due, s.outage_from, s.outage_to,
	    extract(epoch FROM s.paused_outage)::integer,
	    format('express service missed its due time %s; the central '
	    'link was down %s to %s while the case waited for clearance '
	    '(times in %s)',
	    to_char(s.nominal_due AT TIME ZONE o.timezone, 'YYYY-MM-DD HH24:MI'),
	    to_char(s.outage_from AT TIME ZONE o.timezone, 'YYYY-MM-DD HH24:MI'),
	    coalesce(to_char(s.outage_to AT TIME ZONE o.timezone,
	    'YYYY-MM-DD HH24:MI'), 'now'), o.timezone)
	FROM case_sla_clock k
	JOIN cases c ON c.id = k.case_id AND c.service_level = 'express'
	JOIN offices o ON o.id = c.office_id
	CROSS JOIN LATERAL case_sla(k.case_id, p_now) s
	WHERE k.nominal_due < p_now AND s.missed_by_outage AND
	    extract(epoch FROM s.paused_outage) >= 1 AND
	    NOT EXISTS (SELECT 1 FROM compensations x WHERE x.case_id = k.case_id)
	ON CONFLICT (case_id) DO NOTHING;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

-- Periodic upkeep, safe to call from every dispatcher (one at a time does
-- the work): the accumulation alarm, the minute samples for the charts
-- and the drain rate, and the compensation flags.
CREATE FUNCTION clr_housekeeping(p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	p	central_policy%ROWTYPE;
	s	record;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7431823312) THEN
		RETURN;
	END IF;
	SELECT * INTO p FROM central_policy;
	SELECT * INTO s FROM clr_status(p_now);
	IF s.backlog >= p.alarm_backlog OR
	    s.oldest_seconds >= extract(epoch FROM p.alarm_oldest) THEN
		INSERT INTO incidents (kind, args, opened_at)
		    VALUES ('accumulation', jsonb_build_object('n', s.backlog,
		    'seconds', s.oldest_seconds), p_now)
		    ON CONFLICT (kind) WHERE kind = 'accumulation' AND
		    resolved_at IS NULL DO NOTHING;
	ELSE
		UPDATE incidents SET resolved_at = p_now
		    WHERE kind = 'accumulation' AND resolved_at IS NULL;
	END IF;
	INSERT INTO link_samples (at, state, backlog, oldest_seconds, answered)
	    SELECT date_trunc('minute', p_now), s.state, s.backlog,
	    s.oldest_seconds, (SELECT count(*) FROM clearance_results
	    WHERE received_at > date_trunc('minute', p_now) - interval '1 minute'
	    AND received_at <= date_trunc('minute', p_now))
	    ON CONFLICT (at) DO NOTHING;
	-- A "pending" that never became a verdict: nobody may wait for
	-- ever without a person knowing.
	INSERT INTO incidents (kind, case_id, office_id, args, opened_at)
	    SELECT 'verdict_overdue', c.id, c.office_id, jsonb_build_object(
	    'at', to_char(r.received_at AT TIME ZONE f.timezone,
	    'YYYY-MM-DD"T"HH24:MI')), p_now
	    FROM outbox o
	    JOIN cases c ON c.id = o.case_id
	    JOIN offices f ON f.id = c.office_id
	    CROSS JOIN LATERAL (SELECT min(x.received_at) AS received_at
		FROM clearance_results x WHERE x.outbox_id = o.id AND
		x.result = 'pending') r
	    WHERE o.status = 'pending' AND o.awaiting_async AND
		r.received_at < p_now - p.verdict_overdue AND
		-- Once per wait: a supervisor who resolved it chases it.
		NOT EXISTS (SELECT 1 FROM incidents i
		    WHERE i.kind = 'verdict_overdue' AND i.case_id = c.id AND
		    i.opened_at >= r.received_at)
	    ON CONFLICT (kind, case_id) WHERE case_id IS NOT NULL AND
	    resolved_at IS NULL DO NOTHING;
	PERFORM sla_flag_compensations(p_now);
END
$$;

-- Published processing times: from submission to issue, over the cases
-- issued in the last 180 days, per permit kind and service level.
CREATE FUNCTION processing_times(p_now timestamptz DEFAULT now())
RETURNS TABLE (permit_kind permit_kind, level service_level, cases bigint,
    median_days numeric, p90_days numeric)
LANGUAGE sql STABLE AS $$
	SELECT c.permit_kind, c.service_level, count(*),
	    round((percentile_cont(0.5) WITHIN GROUP (ORDER BY
		extract(epoch FROM i.occurred_at - s.started_at)) / 86400)::numeric,
		1),
	    round((percentile_cont(0.9) WITHIN GROUP (ORDER BY
		extract(epoch FROM i.occurred_at - s.started_at)) / 86400)::numeric,
		1)
	FROM cases c
	JOIN case_sla_clock s ON s.case_id = c.id
	JOIN case_events i ON i.case_id = c.id AND i.to_state = 'issued'
	WHERE i.occurred_at > p_now - interval '180 days'
	GROUP BY 1, 2
	ORDER BY 1, 2
$$;

-- The public status lookup, now with what the applicant needs to know
-- while the case waits for central: the link's state, the place in the
-- queue, an estimate, and the compensation flag.  Times are text in the
-- office's zone, ready to show.
DROP FUNCTION case_public_status(text, text);
CREATE FUNCTION case_public_status(p_reference text, p_passport text,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (reference text, state case_state, state_since text,
    office_code text, office_name text, service_level service_level,
    due_at text, link_state text, outage_since text, paused boolean,
    ahead bigint, eta_seconds integer, after_recovery integer,
    compensation boolean, ahead_more boolean)
-- plpgsql, not sql: a sql function plans its query on every call, and
-- planning this one cost ten times running it.  Step by step, not one
-- query: the public page is asked for every case, most of which are not
-- waiting for central, and starting the executor for the link's and the
-- SLA's subplans cost more than the lookup itself.
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	r	record;
BEGIN
	SELECT c.id, c.reference, c.state, c.state_since, c.service_level,
	    o.code, o.name, o.timezone INTO r
	FROM cases c
	JOIN applicants a ON a.id = c.applicant_id
	JOIN offices o ON o.id = c.office_id
	WHERE c.reference = upper(p_reference) AND
	    a.passport_no = upper(p_passport);
	IF NOT FOUND THEN
		RETURN;
	END IF;
	reference := r.reference;
	state := r.state;
	state_since := to_char(r.state_since AT TIME ZONE r.timezone,
	    'YYYY-MM-DD"T"HH24:MI');
	office_code := r.code;
	office_name := r.name;
	service_level := r.service_level;
	IF r.state NOT IN ('issued', 'rejected', 'withdrawn', 'cancelled',
	    'draft') THEN
		SELECT to_char(s.due_at AT TIME ZONE r.timezone,
		    'YYYY-MM-DD"T"HH24:MI') INTO due_at
		    FROM case_sla(r.id, p_now) s;
	END IF;
	-- Only what one case needs of the link: no counting of the whole
	-- backlog here (that is /metrics' job), and nothing at all for a
	-- case that is not in the queue.
	IF r.state = 'awaiting_clearance' THEN
		SELECT k.state, k.paused, to_char((SELECT w.started_at
		    FROM link_outages w WHERE w.ended_at IS NULL) AT TIME ZONE
		    r.timezone, 'YYYY-MM-DD"T"HH24:MI')
		    INTO link_state, paused, outage_since
		    FROM central_link k;
		SELECT e.ahead, e.eta_seconds, e.after_recovery, e.ahead_more
		    INTO ahead, eta_seconds, after_recovery, ahead_more
		    FROM clr_case_eta(r.id, p_now) e;
	END IF;
	compensation := EXISTS (SELECT 1 FROM compensations x
	    WHERE x.case_id = r.id);
	RETURN NEXT;
END
$$;

-- /metrics: the Prometheus text exposition, built where the numbers are.
CREATE FUNCTION metrics_text(p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH l AS (SELECT * FROM clr_status(p_now))
	SELECT concat_ws(E'\n',
	    '# HELP kitas_cases Cases by state.',
	    '# TYPE kitas_cases gauge',
	    (SELECT string_agg(format('kitas_cases{state="%s"} %s', s,
		(SELECT count(*) FROM cases c WHERE c.state = s)), E'\n'
		ORDER BY s)
		FROM unnest(enum_range(NULL::case_state)) AS s),
	    '# HELP kitas_clearance_backlog Clearance requests waiting to be sent.',
	    '# TYPE kitas_clearance_backlog gauge',
	    'kitas_clearance_backlog ' || l.backlog,
	    '# HELP kitas_clearance_oldest_seconds Age of the oldest waiting request.',
	    '# TYPE kitas_clearance_oldest_seconds gauge',
	    'kitas_clearance_oldest_seconds ' || l.oldest_seconds,
	    '# HELP kitas_central_breaker Circuit breaker state (1 = current).',
	    '# TYPE kitas_central_breaker gauge',
	    (SELECT string_agg(format('kitas_central_breaker{state="%s"} %s',
		s, (s = l.state)::int), E'\n')
		FROM unnest(ARRAY['closed', 'open', 'half_open']) AS s),
	    '# HELP kitas_central_paused Dispatch held by a supervisor.',
	    '# TYPE kitas_central_paused gauge',
	    'kitas_central_paused ' || l.paused::int,
	    '# HELP kitas_central_allowed_rate Requests per second allowed now.',
	    '# TYPE kitas_central_allowed_rate gauge',
	    'kitas_central_allowed_rate ' || l.allowed_rate,
	    '# HELP kitas_central_observed_rate Verdicts per second, last 5 minutes.',
	    '# TYPE kitas_central_observed_rate gauge',
	    'kitas_central_observed_rate ' || l.observed_rate,
	    '# HELP kitas_clearance_eta_seconds Estimated time to drain the backlog (NaN while nothing can be sent).',
	    '# TYPE kitas_clearance_eta_seconds gauge',
	    'kitas_clearance_eta_seconds ' || coalesce(l.eta_seconds::text, 'NaN'),
	    '# HELP kitas_alarm_accumulation Backlog or oldest age over its threshold.',
	    '# TYPE kitas_alarm_accumulation gauge',
	    'kitas_alarm_accumulation ' || l.alarm::int,
	    '# HELP kitas_incidents_open Incidents not yet resolved.',
	    '# TYPE kitas_incidents_open gauge',
	    (SELECT string_agg(format('kitas_incidents_open{kind="%s"} %s', k,
		(SELECT count(*) FROM incidents i WHERE i.kind = k AND
		i.resolved_at IS NULL)), E'\n')
		FROM unnest(ARRAY['retries_exhausted', 'accumulation']) AS k),
	    '# HELP kitas_compensations Express cases flagged for compensation.',
	    '# TYPE kitas_compensations gauge',
	    'kitas_compensations ' || (SELECT count(*) FROM compensations)
	) || E'\n'
	FROM l
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION case_public_status(text, text, timestamptz),
    clr_housekeeping(timestamptz),
    metrics_text(timestamptz), processing_times(timestamptz),
    case_sla(bigint, timestamptz) TO kitas_app;
