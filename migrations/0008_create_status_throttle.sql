-- The public status lookup is throttled per address: a reference and a
-- passport number are hard to guess together, and guessing is slower
-- still at 20 misses per quarter hour.  Hits are not counted (an office
-- may look up many of its own cases).

CREATE TABLE status_misses (
	address	inet NOT NULL,
	net	inet GENERATED ALWAYS AS (throttle_net(address)) STORED,
	at	timestamptz NOT NULL
);
CREATE INDEX status_misses_net ON status_misses (net, at);

CREATE FUNCTION status_lookup(p_reference text, p_passport text,
    p_address inet, p_now timestamptz DEFAULT now())
RETURNS TABLE (throttled boolean, reference text, state case_state,
    state_since text, office_code text, office_name text,
    service_level service_level, due_at text, link_state text,
    outage_since text, paused boolean, ahead bigint, eta_seconds integer,
    after_recovery integer, compensation boolean, ahead_more boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	record;
	hit	boolean;
BEGIN
	SELECT * INTO r FROM case_public_status(p_reference, p_passport,
	    p_now);
	hit := FOUND;
	-- Count, then record a miss: misses in parallel from one address
	-- take turns (throttle_lock()), each counting the misses before it.
	-- Hits record nothing, so they only wait for misses in flight, not
	-- for each other: many people share an address (an office's kiosk,
	-- a carrier's NAT).
	IF p_address IS NOT NULL THEN
		PERFORM throttle_lock('status_address',
		    throttle_net(p_address)::text, hit);
		IF (SELECT count(*) FROM status_misses m
		    WHERE m.net = throttle_net(p_address) AND
		    m.at > p_now - interval '15 minutes') >= 20 THEN
			RETURN QUERY SELECT true, NULL::text, NULL::case_state,
			    NULL::text, NULL::text, NULL::text,
			    NULL::service_level, NULL::text, NULL::text,
			    NULL::text, NULL::boolean, NULL::bigint,
			    NULL::integer, NULL::integer, NULL::boolean,
			    NULL::boolean;
			RETURN;
		END IF;
		IF NOT hit THEN
			INSERT INTO status_misses (address, at) VALUES (p_address, p_now);
		END IF;
	END IF;
	IF hit THEN
		RETURN QUERY SELECT false, r.reference, r.state, r.state_since,
		    r.office_code, r.office_name, r.service_level, r.due_at,
		    r.link_state, r.outage_since, r.paused, r.ahead,
		    r.eta_seconds, r.after_recovery, r.compensation,
		    r.ahead_more;
	END IF;
END
$$;

-- Housekeeping forgets misses after a day.
CREATE FUNCTION status_forget(p_now timestamptz DEFAULT now())
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	DELETE FROM status_misses WHERE at < p_now - interval '1 day'
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION status_lookup(text, text, inet, timestamptz),
    status_forget(timestamptz) TO kitas_app;
