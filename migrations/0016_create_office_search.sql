-- The back office finds its cases (by reference, passport, name, state,
-- permit kind, time in the current step, office) and opens an
-- applicant's document.  Both are bound to the session and to the
-- offices it reads (office_reader(): staff their own, an admin every
-- one); every document view lands in the audit log, in the same
-- transaction that hands out the sealed blob, so no view goes
-- unrecorded, whoever looks.

-- One page of the cases the session reads that match every given
-- filter (NULL: no filter; p_office narrows to one office, and to none
-- when it is not one they read), longest in their step first, as the
-- page model.  The page names its office when it searched one;
-- otherwise each case names its own, and an admin gets the offices to
-- choose from.  NULL when the session is not staff.
--
-- The name is a substring of "given family" or "family given", any
-- case; % and _ in it are literal.  No index serves a pattern that
-- starts with a wildcard (pg_trgm is not installed), and staff need
-- none: their search never leaves one office's cases
-- (cases_office_state), and their applicants are joined by key.  An
-- admin's search without an office reads every office's cases: rare,
-- and narrowed by the office filter when it is too slow.
CREATE FUNCTION office_search_xml(p_session bytea, p_reference text,
    p_passport text, p_name text, p_state case_state, p_kind permit_kind,
    p_min_days integer, p_page integer, p_office text DEFAULT NULL,
    p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	per_page constant integer := 50;
	s	record;
	o	offices%ROWTYPE;
	pg	integer := least(greatest(coalesce(p_page, 1), 1), 10000);
	pat	text;
BEGIN
	SELECT * INTO s FROM office_reader(p_session, p_office, p_now);
	IF s.id IS NULL THEN
		RETURN NULL;
	END IF;
	IF cardinality(s.office_ids) = 1 THEN
		SELECT * INTO o FROM offices WHERE id = s.office_ids[1];
	END IF;
	IF nullif(trim(p_name), '') IS NOT NULL THEN
		pat := '%' || replace(replace(replace(lower(trim(p_name)),
		    '\', '\\'), '%', '\%'), '_', '\_') || '%';
	END IF;
	RETURN (
	WITH m AS (
		SELECT c.id, c.reference, c.state, c.permit_kind,
		    c.service_level, c.state_since, a.passport_no,
		    a.nationality, c.office_id,
		    trim(a.given_names || ' ' || a.family_name) AS name
		FROM cases c JOIN applicants a ON a.id = c.applicant_id
		WHERE c.office_id = ANY (s.office_ids) AND
		    (p_reference IS NULL OR
		    c.reference = upper(trim(p_reference))) AND
		    (p_passport IS NULL OR
		    a.passport_no = upper(trim(p_passport))) AND
		    (pat IS NULL OR
		    lower(a.given_names || ' ' || a.family_name) LIKE pat
		    ESCAPE '\' OR
		    lower(a.family_name || ' ' || a.given_names) LIKE pat
		    ESCAPE '\') AND
		    (p_state IS NULL OR c.state = p_state) AND
		    (p_kind IS NULL OR c.permit_kind = p_kind) AND
		    (p_min_days IS NULL OR c.state_since <
		    p_now - make_interval(days => greatest(p_min_days, 0)))
	), total AS (
		SELECT count(*) AS n FROM m
	), hits AS (
		SELECT * FROM m ORDER BY m.state_since, m.id
		LIMIT per_page OFFSET (pg - 1) * per_page
	)
	SELECT xmlelement(name search, xmlattributes(o.code AS office,
	    o.name AS "office-name", s.role AS role, pg AS page,
	    per_page AS "per-page", t.n AS total,
	    t.n > pg * per_page AS more),
	    (SELECT xmlagg(xmlelement(name office, xmlattributes(
		f.code AS code, f.name AS name)) ORDER BY f.code)
		FROM offices f WHERE s.role = 'admin'),
	    (SELECT xmlagg(xmlelement(name "case", xmlattributes(
		h.reference AS ref, f.code AS office, h.state AS state,
		h.permit_kind AS kind,
		h.service_level AS level, h.name AS name,
		h.nationality AS nationality, h.passport_no AS passport,
		to_char(h.state_since AT TIME ZONE f.timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS since,
		floor(extract(epoch FROM p_now - h.state_since) / 86400)::integer
		    AS days)) ORDER BY h.state_since, h.id)
		FROM hits h JOIN offices f ON f.id = h.office_id))
	FROM total t);
END
$$;

-- The current document of a type of one case of an office the session
-- reads, sealed (the server opens it), and the view in the audit log,
-- an admin's as a staff member's.  Nothing, and nothing audited, when
-- the session is not staff, the case is another office's or no such
-- document is current: a guessed reference or type learns nothing.
CREATE FUNCTION office_document(p_session bytea, p_reference text,
    p_type text, p_now timestamptz DEFAULT now())
RETURNS TABLE (filename text, content_type text, sealed bytea, aad text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	record;
	d	documents%ROWTYPE;
BEGIN
	SELECT * INTO s FROM office_reader(p_session, NULL, p_now);
	IF s.id IS NULL THEN
		RETURN;
	END IF;
	SELECT dc.* INTO d FROM documents dc JOIN cases c ON c.id = dc.case_id
	    WHERE c.reference = upper(p_reference) AND
	    c.office_id = ANY (s.office_ids) AND dc.doc_type::text = p_type AND
	    dc.replaced_at IS NULL;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	-- The document's id: which upload was seen, once it is replaced.
	PERFORM audit(s.id, 'document_viewed', d.case_id,
	    jsonb_build_object('type', p_type, 'document', d.id), p_now);
	RETURN QUERY SELECT d.filename, d.content_type, d.sealed, d.aad;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION office_search_xml(bytea, text, text, text,
    case_state, permit_kind, integer, integer, text, timestamptz),
    office_document(bytea, text, text, timestamptz)
    TO kitas_app;
