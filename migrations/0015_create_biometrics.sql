-- Biometrics and the interview at the counter (step paid): the facial
-- photo, the ten fingers from the capture device and the officer's
-- interview notes.  Everything the applicant's face, hands or words
-- give is sealed by the server (vault_seal(), aad naming the case and
-- the slot) before it gets here; the database only ever sees sealed
-- bytes, their size and who took them when.
--
-- "Biometrics and interview done" (record_biometrics) needs the photo
-- and all ten fingers (each captured, or a recorded exception), at
-- least one captured; a supervisor may instead defer biometrics, with a
-- reason (the 2021 precedent, DOMAIN.md 1.4).  The printed permit shows
-- the biometric photo when there is one.

CREATE TYPE finger_exception AS ENUM ('amputated', 'bandaged', 'scarred',
    'other');

-- One current photo per case; a retake replaces it.
CREATE TABLE biometric_photos (
	case_id		bigint PRIMARY KEY REFERENCES cases,
	content_type	text NOT NULL CHECK (content_type IN ('image/jpeg',
	    'image/png')),
	size		integer NOT NULL CHECK (size > 0),
	-- vault_seal() output, bound to 'biometric-photo:<reference>:<nonce>'.
	sealed		bytea NOT NULL,
	aad		text NOT NULL UNIQUE,
	taken_by	bigint NOT NULL REFERENCES accounts,
	taken_at	timestamptz NOT NULL
);

-- The ten finger positions (ISO/IEC 19794-2 numbering: 1 right thumb ..
-- 10 left little finger): a quality score and the device's template
-- (sealed, bound to 'fingerprint:<reference>:<position>:<nonce>'), or an
-- exception with its reason.
CREATE TABLE fingerprints (
	case_id		bigint NOT NULL REFERENCES cases,
	position	smallint NOT NULL CHECK (position BETWEEN 1 AND 10),
	quality		smallint CHECK (quality BETWEEN 0 AND 100),
	sealed		bytea,
	aad		text UNIQUE,
	exception	finger_exception,
	exception_note	text CHECK (length(exception_note) BETWEEN 1 AND 200 AND
	    exception_note !~ '[[:cntrl:]]'),
	taken_by	bigint NOT NULL REFERENCES accounts,
	taken_at	timestamptz NOT NULL,
	PRIMARY KEY (case_id, position),
	CHECK (CASE WHEN exception IS NULL THEN quality IS NOT NULL AND
	    sealed IS NOT NULL AND aad IS NOT NULL AND exception_note IS NULL
	    ELSE quality IS NULL AND sealed IS NULL AND aad IS NULL AND
	    (exception <> 'other' OR exception_note IS NOT NULL) END)
);

-- The interview notes, sealed ('interview:<reference>:<nonce>'); the
-- latest version replaces the earlier one.
CREATE TABLE interviews (
	case_id		bigint PRIMARY KEY REFERENCES cases,
	sealed		bytea NOT NULL,
	aad		text NOT NULL UNIQUE,
	taken_by	bigint NOT NULL REFERENCES accounts,
	taken_at	timestamptz NOT NULL
);

-- Whether record_biometrics may go ahead: the photo and all ten fingers,
-- at least one of them captured.  Ten exceptions are no fingerprint at
-- all: finishing without one is a deferral, which takes a supervisor
-- and a reason (defer_biometrics), not an officer alone.
CREATE FUNCTION biometrics_complete(p_case bigint)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM biometric_photos WHERE case_id = p_case)
	    AND (SELECT count(*) = 10 AND
	    count(*) FILTER (WHERE exception IS NULL) > 0
	    FROM fingerprints WHERE case_id = p_case)
$$;

-- The rule guards the transition itself (case_guard(), 0003), whoever
-- calls case_apply(): the back office, a script, the owner's psql.  A
-- supervisor's deferral (defer_biometrics) stays unguarded.
UPDATE transitions SET guard = 'biometrics_complete'
    WHERE command = 'record_biometrics';

-- The case a biometrics write is for: the session's staff member, a case
-- of their office, at step paid (locked, so record_biometrics cannot
-- pass it meanwhile).  code is 'ok', or what to answer.
CREATE FUNCTION biometrics_case(p_session bytea, p_reference text,
    p_now timestamptz, OUT code text, OUT account_id bigint,
    OUT case_id bigint, OUT reference text)
LANGUAGE plpgsql AS $$
DECLARE
	s	accounts%ROWTYPE := office_staff(p_session, p_now);
	c	cases%ROWTYPE;
BEGIN
	IF s.id IS NULL THEN
		code := 'forbidden';
		RETURN;
	END IF;
	SELECT * INTO c FROM cases WHERE cases.reference = upper(p_reference)
	    AND office_id = s.office_id FOR UPDATE;
	IF NOT FOUND THEN
		code := 'not_found';
		RETURN;
	END IF;
	IF c.state <> 'paid' THEN
		code := 'transition_not_allowed';
		RETURN;
	END IF;
	code := 'ok';
	account_id := s.id;
	case_id := c.id;
	reference := c.reference;
END
$$;

-- The facial photo (checked by the server: JPEG or PNG by content).
-- The same upload again (its aad) is a retry: 'ok'.
CREATE FUNCTION office_biometric_photo(p_session bytea, p_reference text,
    p_sealed bytea, p_aad text, p_content_type text, p_size integer,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	b	record;
BEGIN
	SELECT * INTO b FROM biometrics_case(p_session, p_reference, p_now);
	IF b.code <> 'ok' THEN
		RETURN b.code;
	END IF;
	IF p_sealed IS NULL OR p_size IS NULL OR p_size <= 0 OR
	    p_content_type IS NULL OR
	    p_content_type NOT IN ('image/jpeg', 'image/png') OR
	    p_aad IS NULL OR
	    p_aad NOT LIKE 'biometric-photo:' || b.reference || ':_%' THEN
		RETURN 'invalid_input';
	END IF;
	IF EXISTS (SELECT 1 FROM biometric_photos WHERE aad = p_aad) THEN
		RETURN 'ok';
	END IF;
	INSERT INTO biometric_photos (case_id, content_type, size, sealed, aad,
	    taken_by, taken_at)
	    VALUES (b.case_id, p_content_type, p_size, p_sealed, p_aad,
	    b.account_id, p_now)
	    ON CONFLICT (case_id) DO UPDATE SET content_type =
	    excluded.content_type, size = excluded.size,
	    sealed = excluded.sealed, aad = excluded.aad,
	    taken_by = excluded.taken_by, taken_at = excluded.taken_at;
	PERFORM audit(b.account_id, 'biometric_photo', b.case_id,
	    jsonb_build_object('content_type', p_content_type, 'size', p_size),
	    p_now);
	RETURN 'ok';
END
$$;

-- Fingers from one capture: parallel arrays, one element per finger
-- (position 1..10, each at most once).  A captured finger has quality
-- and template (sealed, aad), an exception has neither, and 'other'
-- says why in the note.  All or nothing; a finger captured again
-- replaces its earlier entry.
CREATE FUNCTION office_fingerprints(p_session bytea, p_reference text,
    p_positions smallint[], p_qualities smallint[], p_exceptions text[],
    p_notes text[], p_sealed bytea[], p_aads text[],
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	b	record;
	n	integer := cardinality(p_positions);
	i	integer;
BEGIN
	SELECT * INTO b FROM biometrics_case(p_session, p_reference, p_now);
	IF b.code <> 'ok' THEN
		RETURN b.code;
	END IF;
	IF n IS NULL OR n NOT BETWEEN 1 AND 10 OR
	    cardinality(p_qualities) IS DISTINCT FROM n OR
	    cardinality(p_exceptions) IS DISTINCT FROM n OR
	    cardinality(p_notes) IS DISTINCT FROM n OR
	    cardinality(p_sealed) IS DISTINCT FROM n OR
	    cardinality(p_aads) IS DISTINCT FROM n OR
	    (SELECT count(DISTINCT x) FROM unnest(p_positions) x) <> n THEN
		RETURN 'invalid_input';
	END IF;
	FOR i IN 1 .. n LOOP
		IF p_aads[i] IS NOT NULL AND p_aads[i] NOT LIKE 'fingerprint:' ||
		    b.reference || ':' || p_positions[i] || ':_%' THEN
			RETURN 'invalid_input';
		END IF;
	END LOOP;
	BEGIN
		INSERT INTO fingerprints (case_id, position, quality, sealed,
		    aad, exception, exception_note, taken_by, taken_at)
		SELECT b.case_id, u.pos, u.q, u.blob, u.aad,
		    nullif(u.x, '')::finger_exception,
		    nullif(trim(u.note), ''), b.account_id, p_now
		FROM unnest(p_positions, p_qualities, p_exceptions, p_notes,
		    p_sealed, p_aads) AS u(pos, q, x, note, blob, aad)
		ON CONFLICT (case_id, position) DO UPDATE SET
		    quality = excluded.quality, sealed = excluded.sealed,
		    aad = excluded.aad, exception = excluded.exception,
		    exception_note = excluded.exception_note,
		    taken_by = excluded.taken_by, taken_at = excluded.taken_at;
	EXCEPTION WHEN check_violation OR not_null_violation OR
	    invalid_text_representation OR unique_violation THEN
		RETURN 'invalid_input';
	END;
	PERFORM audit(b.account_id, 'fingerprints', b.case_id,
	    jsonb_build_object('positions', to_jsonb(p_positions),
	    'exceptions', (SELECT count(*) FROM unnest(p_exceptions) x
	    WHERE coalesce(x, '') <> '')), p_now);
	RETURN 'ok';
END
$$;

-- The interview notes (sealed; at most 2000 characters before sealing,
-- which the server checks).
CREATE FUNCTION office_interview(p_session bytea, p_reference text,
    p_sealed bytea, p_aad text, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	b	record;
BEGIN
	SELECT * INTO b FROM biometrics_case(p_session, p_reference, p_now);
	IF b.code <> 'ok' THEN
		RETURN b.code;
	END IF;
	IF p_sealed IS NULL OR octet_length(p_sealed) > 16384 OR
	    p_aad IS NULL OR
	    p_aad NOT LIKE 'interview:' || b.reference || ':_%' THEN
		RETURN 'invalid_input';
	END IF;
	IF EXISTS (SELECT 1 FROM interviews WHERE aad = p_aad) THEN
		RETURN 'ok';
	END IF;
	INSERT INTO interviews (case_id, sealed, aad, taken_by, taken_at)
	    VALUES (b.case_id, p_sealed, p_aad, b.account_id, p_now)
	    ON CONFLICT (case_id) DO UPDATE SET sealed = excluded.sealed,
	    aad = excluded.aad, taken_by = excluded.taken_by,
	    taken_at = excluded.taken_at;
	PERFORM audit(b.account_id, 'interview', b.case_id, '{}', p_now);
	RETURN 'ok';
END
$$;

-- What the case page shows of a case's biometrics: what was taken, by
-- whom and when, never the sealed data.
CREATE FUNCTION biometrics_xml(p_case bigint, p_timezone text)
RETURNS xml
LANGUAGE sql STABLE AS $$
	SELECT xmlelement(name biometrics, xmlattributes(
	    biometrics_complete(p_case) AS complete,
	    (SELECT count(*) FROM fingerprints WHERE case_id = p_case)
		AS fingers),
	    (SELECT xmlelement(name photo, xmlattributes(
		p.content_type AS "content-type", p.size AS size,
		w.display_name AS who,
		to_char(p.taken_at AT TIME ZONE p_timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS at))
		FROM biometric_photos p JOIN accounts w ON w.id = p.taken_by
		WHERE p.case_id = p_case),
	    (SELECT xmlagg(xmlelement(name finger, xmlattributes(
		f.position AS position, f.quality AS quality,
		f.exception AS exception, f.exception_note AS note))
		ORDER BY f.position)
		FROM fingerprints f WHERE f.case_id = p_case),
	    (SELECT xmlelement(name interview, xmlattributes(
		w.display_name AS who,
		to_char(i.taken_at AT TIME ZONE p_timezone,
		    'YYYY-MM-DD"T"HH24:MI') AS at))
		FROM interviews i JOIN accounts w ON w.id = i.taken_by
		WHERE i.case_id = p_case))
$$;

-- The permit prints the photo taken at the counter when there is one,
-- else the applicant's uploaded photo (0010).  (Replaced here: the table
-- it reads is created above.)
CREATE OR REPLACE FUNCTION permit_photo(p_case bigint, OUT sealed bytea,
    OUT aad text)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(b.sealed, d.sealed), coalesce(b.aad, d.aad)
	FROM (SELECT p_case AS case_id) c
	LEFT JOIN biometric_photos b ON b.case_id = c.case_id
	LEFT JOIN documents d ON d.case_id = c.case_id AND
	    d.doc_type = 'photo' AND d.replaced_at IS NULL
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION office_biometric_photo(bytea, text, bytea, text,
	text, integer, timestamptz),
    office_fingerprints(bytea, text, smallint[], smallint[], text[],
	text[], bytea[], text[], timestamptz),
    office_interview(bytea, text, bytea, text, timestamptz)
    TO kitas_app;
