-- The civil registry's permit feed (0010's permit_events) as an exchange
-- message type: the partner sends a signed permitEventsRequest with the
-- last seq it holds and gets the next page of issued and cancelled
-- permits, in seq (= commit) order, with the cursor to send next time.
-- Only events of the offices the partner serves are listed, but the
-- cursor moves past the others too, so nothing is read twice.  The read
-- is logged like every message and its answer kept, so a repeated
-- message id gets the first answer byte for byte.

ALTER TABLE partners DROP CONSTRAINT partners_types_check,
    ADD CONSTRAINT partners_types_check CHECK (types <@ ARRAY[
    'payment-notice', 'clearance-result', 'permit-events']);

-- One page of the feed for a partner (its offices; NULL: all) after
-- p_after: up to p_limit events and the cursor.  One statement, so the
-- page and the feed's end come from the same snapshot: a next that
-- skips to the end never skips an event this page did not see.  more:
-- an event of the partner's offices follows next.  offices: those of the
-- permits the page lists (what the message's log entry concerns).
CREATE FUNCTION permit_feed_page(p_offices integer[], p_message_id text,
    p_after bigint, p_limit integer, OUT answer text, OUT offices integer[])
LANGUAGE sql STABLE AS $$
	WITH hit AS (
		SELECT e.seq, e.kind, e.at, p.number, p.holder_name,
		    p.nationality, p.passport_no, p.birth_date, p.permit_kind,
		    p.valid_from, p.valid_to, o.code, p.revoked_reason,
		    p.office_id
		FROM permit_events e JOIN permits p ON p.id = e.permit_id
		JOIN offices o ON o.id = p.office_id
		WHERE e.seq > p_after AND (p_offices IS NULL OR
		    p.office_id = ANY (p_offices))
		ORDER BY e.seq
		LIMIT p_limit + 1
	), page AS (
		SELECT * FROM hit ORDER BY seq LIMIT p_limit
	), cur AS (
		SELECT (SELECT count(*) FROM hit) > p_limit AS more
	)
	SELECT '<?xml version="1.0" encoding="UTF-8"?>' || xmlelement(
	    name "permitEvents",
	    xmlattributes('urn:kitas:exchange:permit-events:1' AS xmlns,
		'1' AS version, p_message_id AS "messageId", p_after AS after,
		CASE WHEN cur.more THEN (SELECT max(seq) FROM page)
		ELSE greatest(p_after, (SELECT coalesce(max(seq), 0)
		    FROM permit_events)) END AS next,
		CASE WHEN cur.more THEN 'true' ELSE 'false' END AS more),
	    (SELECT xmlagg(xmlelement(name event,
		xmlattributes(g.seq AS seq, g.kind AS kind,
		    to_char(g.at AT TIME ZONE 'UTC',
		    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at),
		xmlelement(name "permitNumber", g.number),
		xmlelement(name "holderName", g.holder_name),
		xmlelement(name nationality, g.nationality),
		xmlelement(name "passportNo", g.passport_no),
		xmlelement(name "birthDate", to_char(g.birth_date, 'YYYY-MM-DD')),
		xmlelement(name "permitKind", g.permit_kind::text),
		xmlelement(name "validFrom", to_char(g.valid_from, 'YYYY-MM-DD')),
		xmlelement(name "validTo", to_char(g.valid_to, 'YYYY-MM-DD')),
		xmlelement(name office, g.code),
		CASE WHEN g.kind = 'cancelled' THEN
		    xmlelement(name reason, g.revoked_reason) END)
		ORDER BY g.seq) FROM page g))::text,
	    (SELECT coalesce(array_agg(DISTINCT g.office_id), '{}') FROM page g)
	FROM cur
$$;

-- A partner reads the feed.  after: the last seq it holds (0 at first);
-- limit: 1 to 500 events, 100 when not given.  A cursor beyond the
-- feed's end is refused rather than answered empty: the partner's state
-- and ours disagree (a restored database?), and silence would lose the
-- events that reuse those numbers.
CREATE FUNCTION exchange_permit_events(p_partner integer, p_message_id text,
    p_keyid text, p_digest text, p_signature bytea, p_body text,
    p_after bigint, p_limit integer, p_now timestamptz DEFAULT now())
RETURNS TABLE (status integer, answer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pre	record;
	pa	partners%ROWTYPE;
	lim	integer := coalesce(p_limit, 100);
	st	integer := 200;
	err	text;
	msg	text;
	pth	text := '/permitEventsRequest/@after';
	ans	text;
	offs	integer[];
BEGIN
	pre := exchange_prelude(p_partner, p_message_id, 'permit-events', p_keyid,
	    p_digest, p_signature, p_body, p_now);
	IF pre.status IS NOT NULL THEN
		RETURN QUERY SELECT pre.status, pre.answer;
		RETURN;
	END IF;
	SELECT * INTO pa FROM partners WHERE id = p_partner;
	IF p_after IS NULL OR p_after < 0 THEN
		st := 422; err := 'invalid_input'; msg := 'after must be 0 or more';
	ELSIF lim NOT BETWEEN 1 AND 500 THEN
		st := 422; err := 'invalid_input'; msg := 'limit must be 1 to 500';
		pth := '/permitEventsRequest/@limit';
	ELSIF p_after > (SELECT coalesce(max(seq), 0) FROM permit_events) THEN
		st := 422; err := 'invalid_cursor';
		msg := 'after is beyond the last event of the feed';
	ELSE
		SELECT g.answer, g.offices INTO ans, offs
		    FROM permit_feed_page(pa.offices, p_message_id, p_after,
		    lim) g;
	END IF;
	IF st <> 200 THEN
		ans := exchange_answer(p_message_id, 'rejected', err, msg, pth,
		    NULL);
	END IF;
	PERFORM exchange_log(p_partner, p_message_id, 'permit-events',
	    p_keyid, p_digest, p_signature, p_body, st, err, ans, p_now, offs);
	RETURN QUERY SELECT st, ans;
END
$$;

REVOKE EXECUTE ON FUNCTION permit_feed_page(integer[], text, bigint, integer),
    exchange_permit_events(integer, text, text, text, bytea, text, bigint,
	integer, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION exchange_permit_events(integer, text, text, text,
    bytea, text, bigint, integer, timestamptz) TO kitas_app;
