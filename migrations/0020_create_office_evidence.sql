-- The exchange's evidence for a supervisor, in the back office
-- (/office/evidence): the log entry of a partner's message (what we
-- received, under which key and signature, and what we answered), as
-- kitasctl evidence prints it.  Only partners that serve the
-- supervisor's office are listed; every view is written to the audit
-- log.
--
-- A message is shown only when it concerns the supervisor's office and
-- no other (exchange_messages.offices, recorded when it was received).
-- A partner may serve several offices, or all: scoping by partner alone
-- showed one office's supervisor every office's payments and sponsor
-- batches.  A message about no case of ours, or also about another
-- office's (a batch filed at two offices, a feed page listing permits
-- of several), is not shown here at all: its body cannot be cut without
-- breaking its signature, so it stays with kitasctl evidence.  It is
-- answered as a message never sent, so the page tells nothing of other
-- offices.

-- Whether a logged message is for the back office of office p_office.
CREATE FUNCTION evidence_for_office(p_offices integer[], p_office integer)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT cardinality(p_offices) > 0 AND p_offices <@ ARRAY[p_office]
$$;

-- The page model: the partners to choose from and, when a partner and a
-- message id are given, the message or <not-found/>.  NULL when the
-- session is not a supervisor's.
CREATE FUNCTION office_evidence_xml(p_session bytea, p_partner text,
    p_message_id text, p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	accounts%ROWTYPE := office_staff(p_session, p_now);
	pa	partners%ROWTYPE;
	e	record;
	found	xml;
BEGIN
	IF s.id IS NULL OR s.role <> 'supervisor' THEN
		RETURN NULL;
	END IF;
	IF p_partner IS NOT NULL AND
	    p_message_id ~ '^[A-Za-z0-9._:-]{8,128}$' THEN
		SELECT * INTO pa FROM partners WHERE name = p_partner AND
		    (offices IS NULL OR s.office_id = ANY (offices));
		SELECT v.* INTO e FROM exchange_messages m,
		    partner_evidence(pa.name, p_message_id) v
		    WHERE m.partner_id = pa.id AND m.message_id = p_message_id
		    AND evidence_for_office(m.offices, s.office_id);
		IF e.type IS NULL THEN
			found := xmlelement(name "not-found");
		ELSE
			PERFORM audit(s.id, 'evidence_viewed', NULL,
			    jsonb_build_object('partner', pa.name, 'message_id',
			    p_message_id), p_now);
			found := xmlelement(name message, xmlattributes(
			    e.received_at AS received, e.type AS type,
			    e.digest AS digest, e.keyid AS keyid,
			    e.outcome AS outcome, e.error_code AS error),
			    xmlelement(name signature, e.signature),
			    xmlelement(name body, e.body),
			    xmlelement(name response, e.response));
		END IF;
	END IF;
	RETURN xmlelement(name "evidence-page", xmlattributes(
	    p_partner AS partner, p_message_id AS id),
	    (SELECT xmlagg(xmlelement(name partner, xmlattributes(p.name AS name))
		ORDER BY p.name) FROM partners p
		WHERE p.offices IS NULL OR s.office_id = ANY (p.offices)),
	    found);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION office_evidence_xml(bytea, text, text, timestamptz)
    TO kitas_app;
