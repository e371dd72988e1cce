-- The central-link panel of the back office: what the link is doing (the
-- breaker, the backlog, the rates, an estimate), how it went over the last
-- day and week (from link_samples), the incidents a supervisor must look
-- at, the manual pause, and the express cases owed compensation because
-- an outage made them late.  Everyone on staff reads it; supervisors act.
-- Like the rest of the back office, every function finds the staff member
-- from the session, never from an account id passed on trust, and every
-- action lands in audit_log.
--
-- incidents already has acknowledged_at/_by and resolved_at/_by (0003):
-- nothing to add to the table.

-- The most recent hand pause, with its reason, for the panel: clr_pause()
-- keeps who and when on central_link, the reason lives in the audit log.
CREATE INDEX audit_log_link ON audit_log (id)
    WHERE action IN ('link_pause', 'link_resume');

-- A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line
-- break, quotes doubled.  A cell a spreadsheet would run as a formula
-- (= + - @, and tab or CR, which some spreadsheets strip before looking)
-- is prefixed with a single quote, so an applicant's name can never
-- become a formula on an officer's machine.
CREATE FUNCTION csv_cell(p_value text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN v ~ '[",\r\n]' THEN '"' || replace(v, '"', '""') || '"'
	    ELSE v END
	FROM (SELECT CASE WHEN p_value ~ '^[=+@\t\r-]' THEN '''' || p_value
	    ELSE coalesce(p_value, '') END AS v) x
$$;

-- One chart of the link: p_n buckets of p_bucket each, the last one
-- ending at the end of p_now's bucket.  Per bucket the highest backlog
-- sampled and the drain rate (verdicts per second over the minutes
-- sampled); a bucket without samples has neither, and the chart leaves a
-- gap.  max-* scale the axes (never 0).
CREATE FUNCTION link_chart_xml(p_name text, p_bucket interval, p_n integer,
    p_tz text, p_now timestamptz)
RETURNS xml
LANGUAGE sql STABLE AS $$
	WITH e AS (
		-- Bucket edges on the office's wall clock (00:00, 06:00...).
		SELECT to_timestamp(ceil(extract(epoch FROM p_now AT TIME ZONE
		    p_tz) / extract(epoch FROM p_bucket)) *
		    extract(epoch FROM p_bucket)) AT TIME ZONE 'UTC' AT TIME ZONE
		    p_tz AS t_end
	), b AS (
		SELECT i, e.t_end - p_bucket * (p_n - i) AS t0,
		    e.t_end - p_bucket * (p_n - i - 1) AS t1
		FROM e, generate_series(0, p_n - 1) AS i
	), v AS (
		SELECT b.i, b.t0, max(s.backlog) AS backlog,
		    round(sum(s.answered) / (count(s.at) * 60.0), 2) AS rate
		FROM b LEFT JOIN link_samples s ON s.at >= b.t0 AND s.at < b.t1
		GROUP BY b.i, b.t0
	)
	SELECT xmlelement(name chart, xmlattributes(p_name AS name,
	    p_n AS n,
	    (SELECT greatest(1, coalesce(max(backlog), 0)) FROM v)
		AS "max-backlog",
	    (SELECT CASE WHEN coalesce(max(rate), 0) = 0 THEN 1
		ELSE max(rate) END FROM v) AS "max-rate"),
	    (SELECT xmlagg(xmlelement(name b, xmlattributes(v.i AS i,
		to_char(v.t0 AT TIME ZONE p_tz, 'YYYY-MM-DD"T"HH24:MI') AS at,
		v.backlog AS backlog, v.rate AS rate)) ORDER BY v.i) FROM v))
$$;

-- The panel's page model.  NULL when the session is not staff.  The link
-- and its backlog are the deployment's (one link for every office); the
-- oldest waiting case, incidents and compensations are the staff
-- member's office's (incidents without an office, the accumulation
-- alarm, are everyone's).
CREATE FUNCTION office_link_xml(p_session bytea,
    p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	accounts%ROWTYPE := office_staff(p_session, p_now);
	o	offices%ROWTYPE;
BEGIN
	IF s.id IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT * INTO o FROM offices WHERE id = s.office_id;
	RETURN (
	SELECT xmlelement(name link, xmlattributes(o.code AS office,
	    o.name AS "office-name", s.role AS role, st.state AS state,
	    to_char(st.state_since AT TIME ZONE o.timezone,
		'YYYY-MM-DD"T"HH24:MI') AS since,
	    to_char(st.outage_since AT TIME ZONE o.timezone,
		'YYYY-MM-DD"T"HH24:MI') AS "outage-since",
	    st.paused AS paused,
	    to_char(l.paused_at AT TIME ZONE o.timezone,
		'YYYY-MM-DD"T"HH24:MI') AS "paused-at",
	    (SELECT display_name FROM accounts WHERE id = l.paused_by)
		AS "paused-by",
	    CASE WHEN st.paused THEN (SELECT a.detail->>'reason'
		FROM audit_log a WHERE a.action IN ('link_pause',
		'link_resume') ORDER BY a.id DESC LIMIT 1) END
		AS "paused-reason",
	    st.backlog AS backlog, st.oldest_seconds AS "oldest-seconds",
	    st.allowed_rate AS "allowed-rate",
	    st.observed_rate AS "observed-rate",
	    st.eta_seconds AS "eta-seconds", st.last_error AS "last-error",
	    st.alarm AS alarm),
	    (SELECT xmlelement(name oldest, xmlattributes(c.reference AS ref,
		c.service_level AS level,
		to_char(x.created_at AT TIME ZONE o.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS since))
		FROM outbox x JOIN cases c ON c.id = x.case_id
		WHERE x.status = 'pending' AND x.kind = 'clearance' AND
		    NOT x.awaiting_async AND c.office_id = s.office_id
		ORDER BY x.created_at, x.id LIMIT 1),
	    link_chart_xml('day', interval '1 hour', 24, o.timezone, p_now),
	    link_chart_xml('week', interval '6 hours', 28, o.timezone, p_now),
	    (SELECT xmlagg(xmlelement(name incident, xmlattributes(i.id AS id,
		i.kind AS kind, c.reference AS ref,
		i.args->>'n' AS n, i.args->>'seconds' AS seconds,
		i.args->>'at' AS at, i.args->>'number' AS number,
		nullif(i.detail, '') AS detail,
		i.office_id IS NULL AS global,
		to_char(i.opened_at AT TIME ZONE o.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS opened,
		to_char(i.acknowledged_at AT TIME ZONE o.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS acknowledged,
		w.display_name AS "acknowledged-by"))
		ORDER BY i.opened_at, i.id)
		FROM incidents i
		LEFT JOIN cases c ON c.id = i.case_id
		LEFT JOIN accounts w ON w.id = i.acknowledged_by
		WHERE i.resolved_at IS NULL AND
		    (i.office_id IS NULL OR i.office_id = s.office_id)),
	    (SELECT xmlelement(name compensations, xmlattributes(
		(SELECT count(*) FROM compensations m JOIN cases c
		    ON c.id = m.case_id WHERE c.office_id = s.office_id)
		    AS count),
		xmlagg(xmlelement(name compensation, xmlattributes(
		    r.reference AS ref, r.applicant AS name,
		    r.nominal_due AS due, r.outage_from AS "outage-from",
		    r.outage_to AS "outage-to", r.outage_hours AS "outage-hours",
		    r.flagged AS flagged))))
		FROM (SELECT * FROM office_compensation_rows(s, p_now)
		    LIMIT 100) r))
	FROM clr_status(p_now) st, central_link l);
END
$$;

-- The compensations of the staff member's office, newest first, times
-- in the office's zone; shared by the panel and the CSV.
CREATE FUNCTION office_compensation_rows(s accounts, p_now timestamptz)
RETURNS TABLE (reference text, applicant text, nominal_due text,
    outage_from text, outage_to text, outage_hours numeric, flagged text,
    reason text)
LANGUAGE sql STABLE AS $$
	SELECT c.reference, trim(a.given_names || ' ' || a.family_name),
	    to_char(m.nominal_due AT TIME ZONE o.timezone,
		'YYYY-MM-DD"T"HH24:MI'),
	    to_char(m.outage_from AT TIME ZONE o.timezone,
		'YYYY-MM-DD"T"HH24:MI'),
	    to_char(m.outage_to AT TIME ZONE o.timezone,
		'YYYY-MM-DD"T"HH24:MI'),
	    round(m.outage_seconds / 3600.0, 1),
	    to_char(m.flagged_at AT TIME ZONE o.timezone,
		'YYYY-MM-DD"T"HH24:MI'),
	    m.reason
	FROM compensations m
	JOIN cases c ON c.id = m.case_id
	JOIN applicants a ON a.id = c.applicant_id
	JOIN offices o ON o.id = c.office_id
	WHERE s.id IS NOT NULL AND c.office_id = s.office_id
	ORDER BY m.flagged_at DESC, c.reference
$$;

-- The compensation list as CSV (RFC 4180: CRLF line ends, a header
-- row), recorded in the audit log since it carries applicants' names.
-- NULL when the session is not staff.
CREATE FUNCTION office_compensation_csv(p_session bytea,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	accounts%ROWTYPE := office_staff(p_session, p_now);
	csv	text;
	n	integer;
BEGIN
	IF s.id IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT 'reference,applicant,nominal_due,outage_from,outage_to,'
	    'outage_hours,flagged_at,reason' || E'\r\n' ||
	    coalesce(string_agg(concat_ws(',', csv_cell(r.reference),
	    csv_cell(r.applicant), csv_cell(r.nominal_due),
	    csv_cell(r.outage_from), csv_cell(r.outage_to),
	    csv_cell(r.outage_hours::text), csv_cell(r.flagged),
	    csv_cell(r.reason)) || E'\r\n', ''), ''), count(*)
	INTO csv, n
	FROM office_compensation_rows(s, p_now) r;
	PERFORM audit(s.id, 'compensations_exported', NULL,
	    jsonb_build_object('rows', n), p_now);
	RETURN csv;
END
$$;

-- A supervisor's action on the link: pause (a reason is required: it is
-- what other offices' staff read on the panel), resume, acknowledge or
-- resolve an incident of their office or a global one, or retry the
-- request central refused (retries_exhausted): once the cause is dealt
-- with, it goes again, alone, with its idempotency key and a fresh count
-- of bad answers, and the incident is resolved.  Returns ok, forbidden
-- (not a supervisor, or no session), reason_required, not_found (no such
-- open incident for them, or nothing left to retry: the case has moved
-- on), retry_first (resolving a refused request the case still waits
-- for) or invalid_input.
-- Repeating an action changes nothing and records nothing again.
CREATE FUNCTION office_link_command(p_session bytea, p_action text,
    p_reason text, p_incident bigint, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	accounts%ROWTYPE := office_staff(p_session, p_now);
	why	text := nullif(trim(coalesce(p_reason, '')), '');
	l	central_link%ROWTYPE;
	i	incidents%ROWTYPE;
	code	text;
BEGIN
	IF s.id IS NULL OR s.role <> 'supervisor' THEN
		RETURN 'forbidden';
	END IF;
	IF p_action IS NULL OR p_action NOT IN ('pause', 'resume',
	    'acknowledge', 'resolve', 'retry') THEN
		RETURN 'invalid_input';
	END IF;

	IF p_action IN ('pause', 'resume') THEN
		IF p_action = 'pause' AND (why IS NULL OR length(why) > 500 OR
		    why ~ '[[:cntrl:]]') THEN
			RETURN 'reason_required';
		END IF;
		SELECT * INTO l FROM central_link FOR UPDATE;
		IF l.paused = (p_action = 'pause') THEN
			RETURN 'ok';
		END IF;
		code := clr_pause(s.id, p_action = 'pause', p_now);
		IF code = 'ok' THEN
			PERFORM audit(s.id, 'link_' || p_action, NULL,
			    CASE WHEN why IS NULL THEN '{}'
			    ELSE jsonb_build_object('reason', why) END, p_now);
		END IF;
		RETURN code;
	END IF;

	IF p_incident IS NULL THEN
		RETURN 'invalid_input';
	END IF;
	SELECT * INTO i FROM incidents WHERE id = p_incident AND
	    resolved_at IS NULL AND (office_id IS NULL OR
	    office_id = s.office_id) FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'not_found';
	END IF;
	IF p_action = 'retry' THEN
		IF i.kind <> 'retries_exhausted' THEN
			RETURN 'invalid_input';
		END IF;
		UPDATE outbox o SET status = 'pending', bad_answers = 0,
		    solo = true, next_attempt_at = p_now, finished_at = NULL
		    FROM cases c
		    WHERE o.case_id = i.case_id AND o.kind = 'clearance' AND
		    o.status = 'dead' AND c.id = o.case_id AND
		    c.state = 'awaiting_clearance';
		IF NOT FOUND THEN
			RETURN 'not_found';
		END IF;
	ELSIF p_action = 'resolve' AND i.kind = 'retries_exhausted' AND
	    EXISTS (SELECT 1 FROM outbox o JOIN cases c ON c.id = o.case_id
	    WHERE o.case_id = i.case_id AND o.kind = 'clearance' AND
	    o.status = 'dead' AND c.state = 'awaiting_clearance') THEN
		-- Closing it would leave the case waiting for a check that
		-- never goes (only the applicant's withdrawal ends the wait).
		RETURN 'retry_first';
	END IF;
	IF p_action = 'acknowledge' THEN
		IF i.acknowledged_at IS NOT NULL THEN
			RETURN 'ok';
		END IF;
		UPDATE incidents SET acknowledged_at = p_now,
		    acknowledged_by = s.id WHERE id = i.id;
	ELSE
		UPDATE incidents SET resolved_at = p_now, resolved_by = s.id,
		    acknowledged_at = coalesce(acknowledged_at, p_now),
		    acknowledged_by = coalesce(acknowledged_by, s.id)
		    WHERE id = i.id;
	END IF;
	PERFORM audit(s.id, 'incident_' || p_action, i.case_id,
	    jsonb_build_object('incident', i.id, 'kind', i.kind), p_now);
	RETURN 'ok';
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION office_link_xml(bytea, timestamptz),
    office_link_command(bytea, text, text, bigint, timestamptz),
    office_compensation_csv(bytea, timestamptz)
    TO kitas_app;
