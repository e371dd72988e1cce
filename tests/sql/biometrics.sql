-- Biometrics and interview (0015): staff of the case's office record
-- the facial photo, the ten fingers and the interview notes at step
-- paid, sealed; "Biometrics and interview done" needs the photo and all
-- ten fingers, at least one captured; a supervisor's deferral needs a
-- reason; the server's role writes nothing but through the
-- session-bound functions.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(66);

SELECT pg_temp.sessions('officer', 'officer_b', 'supervisor', 'applicant');

SELECT pg_temp.t_case('paid') AS c \gset
SELECT reference AS ref FROM cases WHERE id = :c \gset
SELECT pg_temp.t_case('submitted') AS early \gset
SELECT reference AS early_ref FROM cases WHERE id = :early \gset

-- Ten fingers as the server sends them: 1..9 captured, 10 an exception.
CREATE FUNCTION pg_temp.fingers(p_session bytea, p_ref text,
    p_n integer DEFAULT 9, p_x text DEFAULT 'amputated',
    p_note text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
	SELECT office_fingerprints(p_session, p_ref,
	    array_agg(i::smallint ORDER BY i),
	    array_agg(CASE WHEN i <= p_n THEN (50 + i)::smallint END
		ORDER BY i),
	    array_agg(CASE WHEN i > p_n THEN p_x END ORDER BY i),
	    array_agg(CASE WHEN i > p_n THEN p_note END ORDER BY i),
	    array_agg(CASE WHEN i <= p_n THEN
		convert_to('sealed template ' || i, 'UTF8') END ORDER BY i),
	    array_agg(CASE WHEN i <= p_n THEN 'fingerprint:' || upper(p_ref) ||
		':' || i || ':n' || i END ORDER BY i))
	FROM generate_series(1, 10) i
$$;

CREATE FUNCTION pg_temp.photo(p_session bytea, p_ref text,
    p_aad text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
	SELECT office_biometric_photo(p_session, p_ref, '\x4b564c54'::bytea,
	    coalesce(p_aad, 'biometric-photo:' || upper(p_ref) || ':n1'),
	    'image/jpeg', 2048)
$$;

CREATE FUNCTION pg_temp.done(p_name text, p_ref text, p_key text,
    p_reason text DEFAULT NULL, p_action text DEFAULT 'record_biometrics')
RETURNS text
LANGUAGE sql AS $$
	SELECT office_command(pg_temp.sess(p_name), p_ref, p_action,
	    (SELECT version FROM cases WHERE reference = p_ref), p_key, p_reason)
$$;

-------------------------------------------------------------------------
-- 1. Nothing recorded yet: "done" is refused.
-------------------------------------------------------------------------
SELECT is(pg_temp.done('officer', :'ref', 'bio-key-0001'),
    'biometrics_incomplete', 'record_biometrics without any biometrics');
SELECT is((SELECT state::text FROM cases WHERE id = :c), 'paid',
    'and the case stays paid');

-------------------------------------------------------------------------
-- 2. Who may record, and when.
-------------------------------------------------------------------------
SELECT is(pg_temp.photo(pg_temp.sess('officer_b'), :'ref'), 'not_found',
    'an officer of another office cannot add a photo');
SELECT is(pg_temp.fingers(pg_temp.sess('officer_b'), :'ref'), 'not_found',
    'nor fingers');
SELECT is(office_interview(pg_temp.sess('officer_b'), :'ref', '\x00',
    'interview:' || :'ref' || ':n1'), 'not_found', 'nor interview notes');
SELECT is(pg_temp.photo(pg_temp.sess('applicant'), :'ref'), 'forbidden',
    'the applicant cannot');
SELECT is(pg_temp.photo('\x00'::bytea, :'ref'), 'forbidden',
    'nor an unknown session');
SELECT is(pg_temp.photo(pg_temp.sess('officer'), :'early_ref'),
    'transition_not_allowed', 'a photo waits for the payment');
SELECT is(pg_temp.fingers(pg_temp.sess('officer'), :'early_ref'),
    'transition_not_allowed', 'so do fingers');
SELECT is((SELECT count(*) FROM biometric_photos WHERE case_id IN (:c, :early))
    + (SELECT count(*) FROM fingerprints WHERE case_id IN (:c, :early)),
    0::bigint, 'and nothing refused was stored');

-------------------------------------------------------------------------
-- 3. Input checks.
-------------------------------------------------------------------------
SELECT is(pg_temp.photo(pg_temp.sess('officer'), :'ref',
    'biometric-photo:TAA-0000-000000-0:n1'), 'invalid_input',
    'a photo sealed for another case is refused');
SELECT is(office_biometric_photo(pg_temp.sess('officer'), :'ref', '\x00',
    'biometric-photo:' || :'ref' || ':n2', 'image/gif', 10), 'invalid_input',
    'so is a content type other than JPEG or PNG');
SELECT is(pg_temp.fingers(pg_temp.sess('officer'), :'ref', 9, 'other'),
    'invalid_input', 'the exception "other" needs its reason');
SELECT is(pg_temp.fingers(pg_temp.sess('officer'), :'ref', 9, 'lost'),
    'invalid_input', 'an unknown exception is refused');
SELECT is(office_fingerprints(pg_temp.sess('officer'), :'ref', '{11}',
    '{50}', '{NULL}', '{NULL}', ARRAY['\x00'::bytea],
    ARRAY['fingerprint:' || :'ref' || ':11:n']), 'invalid_input',
    'there are ten finger positions');
SELECT is(office_fingerprints(pg_temp.sess('officer'), :'ref', '{1}',
    '{101}', '{NULL}', '{NULL}', ARRAY['\x00'::bytea],
    ARRAY['fingerprint:' || :'ref' || ':1:n']), 'invalid_input',
    'a quality is 0..100');
SELECT is(office_fingerprints(pg_temp.sess('officer'), :'ref', '{1}',
    '{80}', '{NULL}', '{NULL}', ARRAY[NULL::bytea], ARRAY[NULL::text]),
    'invalid_input', 'a captured finger has its template');
SELECT is(office_fingerprints(pg_temp.sess('officer'), :'ref', '{1}',
    '{80}', '{bandaged}', '{NULL}', ARRAY[NULL::bytea], ARRAY[NULL::text]),
    'invalid_input', 'an exception has no quality');
SELECT is(office_fingerprints(pg_temp.sess('officer'), :'ref', '{2}',
    '{80}', '{NULL}', '{NULL}', ARRAY['\x00'::bytea],
    ARRAY['fingerprint:' || :'ref' || ':1:n']), 'invalid_input',
    'a template sealed for another finger is refused');
SELECT is(office_fingerprints(pg_temp.sess('officer'), :'ref', '{1,1}',
    '{80,80}', '{NULL,NULL}', '{NULL,NULL}', ARRAY['\x00'::bytea, '\x01'],
    ARRAY['fingerprint:' || :'ref' || ':1:a', 'fingerprint:' || :'ref' ||
    ':1:b']), 'invalid_input', 'a finger once per capture');
SELECT is(office_interview(pg_temp.sess('officer'), :'ref', '\x00',
    'interview:TAA-0000-000000-0:n1'), 'invalid_input',
    'notes sealed for another case are refused');
SELECT is((SELECT count(*) FROM fingerprints WHERE case_id = :c), 0::bigint,
    'a refused capture stores no finger at all');

-------------------------------------------------------------------------
-- 4. Recording; "done" only with the photo and all ten fingers.
-------------------------------------------------------------------------
SELECT is(pg_temp.fingers(pg_temp.sess('officer'), :'ref', 9, 'amputated'),
    'ok', 'nine captured fingers and one exception');
SELECT is(pg_temp.done('officer', :'ref', 'bio-key-0002'),
    'biometrics_incomplete', 'still no photo: refused');
SELECT is(pg_temp.photo(pg_temp.sess('officer'), :'ref'), 'ok',
    'the facial photo');
SELECT is(pg_temp.photo(pg_temp.sess('officer'), :'ref'), 'ok',
    'the same upload again is a retry');
SELECT is(office_interview(pg_temp.sess('officer'), :'ref', '\x0102',
    'interview:' || :'ref' || ':n1'), 'ok', 'the interview notes');
SELECT is(pg_temp.fingers(pg_temp.sess('officer'), :'ref', 9, 'other',
    'burnt in 2019'), 'ok', 'a finger recorded again replaces its entry');
SELECT is((SELECT exception::text || ': ' || exception_note FROM fingerprints
    WHERE case_id = :c AND position = 10), 'other: burnt in 2019',
    'with its reason');
SELECT is((SELECT count(*) FROM fingerprints WHERE case_id = :c), 10::bigint,
    'ten fingers');
SELECT is((SELECT string_agg(action, ',' ORDER BY id) FROM audit_log
    WHERE case_id = :c), 'fingerprints,biometric_photo,interview,fingerprints',
    'every recording is in the audit log (the retry once)');
SELECT is((xpath('/case/biometrics/@complete',
    office_case_xml(pg_temp.sess('officer'), :'ref')))[1]::text, 'true',
    'the case page shows the biometrics complete');

-- Nine fingers and a photo are not enough either.
SELECT pg_temp.t_case('paid') AS c2 \gset
SELECT reference AS ref2 FROM cases WHERE id = :c2 \gset
SELECT is(pg_temp.photo(pg_temp.sess('officer'), :'ref2'), 'ok',
    'a second case''s photo');
SELECT is(office_fingerprints(pg_temp.sess('officer'), :'ref2', '{1}',
    '{80}', '{NULL}', '{NULL}', ARRAY['\x00'::bytea],
    ARRAY['fingerprint:' || :'ref2' || ':1:n']), 'ok', 'and one finger');
SELECT is(pg_temp.done('officer', :'ref2', 'bio-key-0003'),
    'biometrics_incomplete', 'are not all ten');

-- Ten exceptions are no fingerprint at all: an officer cannot finish
-- with them; a person with no finger to capture is a supervisor's
-- deferral.
SELECT pg_temp.t_case('paid') AS c3 \gset
SELECT reference AS ref3 FROM cases WHERE id = :c3 \gset
SELECT is(pg_temp.photo(pg_temp.sess('officer'), :'ref3'), 'ok',
    'a third case''s photo');
SELECT is(pg_temp.fingers(pg_temp.sess('officer'), :'ref3', 0, 'bandaged'),
    'ok', 'and ten exceptions');
SELECT is(pg_temp.done('officer', :'ref3', 'bio-key-0007'),
    'biometrics_incomplete', 'are not enough: no finger was captured');
SELECT is((SELECT state::text || '/' || version FROM cases WHERE id = :c3),
    'paid/1', 'and the case stays where it was');
SELECT is((xpath('/case/biometrics/@complete',
    office_case_xml(pg_temp.sess('officer'), :'ref3')))[1]::text, 'false',
    'the case page does not show them complete');
SELECT is(pg_temp.done('officer', :'ref3', 'bio-key-0008',
    'No finger can be captured', 'defer_biometrics'), 'forbidden',
    'nor may the officer defer them: a supervisor does');
SELECT is(pg_temp.fingers(pg_temp.sess('officer'), :'ref3', 1, 'bandaged'),
    'ok', 'one finger captured, nine exceptions');
SELECT is(pg_temp.done('officer', :'ref3', 'bio-key-0009'), 'ok',
    'with the photo, "done" is accepted');
SELECT is((SELECT state::text FROM cases WHERE id = :c3), 'biometrics_done',
    'and that case moves on');

SELECT is(pg_temp.done('officer', :'ref', 'bio-key-0004'), 'ok',
    'with the photo and ten fingers, "done" is accepted');
SELECT is((SELECT state::text FROM cases WHERE id = :c), 'biometrics_done',
    'and the case moves on');
SELECT is(pg_temp.photo(pg_temp.sess('officer'), :'ref',
    'biometric-photo:' || :'ref' || ':n9'), 'transition_not_allowed',
    'after that, nothing more is recorded');

-------------------------------------------------------------------------
-- 5. A supervisor's deferral needs a reason.
-------------------------------------------------------------------------
SELECT is(pg_temp.done('supervisor', :'ref2', 'bio-key-0005', '  ',
    'defer_biometrics'), 'reason_required', 'a deferral without a reason');
SELECT is(pg_temp.done('supervisor', :'ref2', 'bio-key-0006',
    'Fingerprint scanner broken', 'defer_biometrics'), 'ok',
    'with a reason, biometrics are deferred');
SELECT is((SELECT payload->>'reason' FROM case_events WHERE case_id = :c2 AND
    command = 'defer_biometrics') || ' / ' || (SELECT detail->>'reason' FROM
    audit_log WHERE case_id = :c2 AND action = 'defer_biometrics'),
    'Fingerprint scanner broken / Fingerprint scanner broken',
    'and the reason is in the history and the audit log');

-------------------------------------------------------------------------
-- 6. The server's role only through the functions.
-------------------------------------------------------------------------
SET LOCAL ROLE kitas_app;
SELECT throws_ok(format($$ INSERT INTO fingerprints (case_id, position,
    exception, taken_by, taken_at) VALUES (%s, 1, 'bandaged', 1, now()) $$,
    :c2), '42501', NULL, 'kitas_app cannot insert a finger directly');
RESET ROLE;
SELECT ok(NOT has_table_privilege('kitas_app', 'biometric_photos',
    'INSERT, UPDATE, SELECT') AND NOT has_table_privilege('kitas_app',
    'interviews', 'INSERT, UPDATE, SELECT'),
    'nor write or read photos or interview notes');
SELECT ok(NOT has_function_privilege('kitas_app',
    'biometrics_case(bytea, text, timestamptz)', 'EXECUTE'),
    'and it calls only the session-bound functions');

-------------------------------------------------------------------------
-- 7. The rule guards the transition itself: case_apply() called
--    directly, without the back office, is refused just the same.
-------------------------------------------------------------------------
SELECT is((SELECT string_agg(DISTINCT coalesce(guard, '-'), ',')
    FROM transitions WHERE command = 'record_biometrics'),
    'biometrics_complete', 'record_biometrics is guarded for every role');
SELECT is((SELECT string_agg(DISTINCT coalesce(guard, '-'), ',')
    FROM transitions WHERE command = 'defer_biometrics'), '-',
    'a deferral is not');

SELECT pg_temp.t_case('paid') AS d \gset
SELECT is((case_apply(pg_temp.actor('officer'), :d, 'record_biometrics', 1,
    'bio-direct-0001')).code, 'biometrics_incomplete',
    'an officer''s direct case_apply() without biometrics is refused');
SELECT is((case_apply(pg_temp.actor('supervisor'), :d, 'record_biometrics', 1,
    'bio-direct-0002')).code, 'biometrics_incomplete',
    'so is a supervisor''s');
SELECT is((SELECT state::text || '/' || version || '/' || (SELECT count(*)
    FROM case_events WHERE case_id = :d) FROM cases WHERE id = :d),
    'paid/1/1', 'and nothing changed: state, version, history');
SELECT pg_temp.t_biometrics(:d, 0);
SELECT is((case_apply(pg_temp.actor('officer'), :d, 'record_biometrics', 1,
    'bio-direct-0003')).code, 'biometrics_incomplete',
    'ten exceptions are refused directly too');
DELETE FROM fingerprints WHERE case_id = :d AND position = 1;
INSERT INTO fingerprints (case_id, position, quality, sealed, aad, taken_by,
    taken_at) VALUES (:d, 1, 70, '\x05', 'fingerprint:t-direct:1',
    pg_temp.actor('officer'), now());
SELECT is((case_apply(pg_temp.actor('officer'), :d, 'record_biometrics', 1,
    'bio-direct-0004')).code, 'ok',
    'with the photo and ten fingers, one captured, it applies');
SELECT is((case_apply(pg_temp.actor('officer'), :d, 'record_biometrics', 1,
    'bio-direct-0004')).replayed, true,
    'and the same key again is a replay, not a refusal');

SELECT pg_temp.t_case('paid') AS e \gset
SELECT is((case_apply(pg_temp.actor('supervisor'), :e, 'defer_biometrics', 1,
    NULL, NULL, '{"reason": "Scanner broken"}')).code, 'ok',
    'a supervisor''s deferral needs no biometrics');
SELECT is((SELECT state::text FROM cases WHERE id = :e), 'biometrics_done',
    'and moves the case on');

-- The photo the permit prints: the counter's, else the uploaded one.
SELECT pg_temp.t_case('cleared') AS pc \gset
SELECT ok((permit_photo(:pc)).aad IS NULL, 'no photo: nothing to print');
INSERT INTO documents (case_id, doc_type, filename, content_type, size,
    sealed, aad, uploaded_by, uploaded_at)
VALUES (:pc, 'photo', 'me.jpg', 'image/jpeg', 3, '\x010203',
    'document:photo-test', pg_temp.actor('applicant'), now());
SELECT is((permit_photo(:pc)).aad, 'document:photo-test',
    'the uploaded photo when the counter took none');
INSERT INTO biometric_photos (case_id, content_type, size, sealed, aad,
    taken_by, taken_at)
VALUES (:pc, 'image/jpeg', 3, '\x040506', 'biometric-photo:test',
    pg_temp.actor('officer'), now());
SELECT is((permit_photo(:pc)).aad, 'biometric-photo:test',
    'the counter''s photo first');

SELECT * FROM finish();
ROLLBACK;
