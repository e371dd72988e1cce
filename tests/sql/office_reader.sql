-- Who reads which office's cases (0011 office_reader()): officers and
-- supervisors their own office, admins every office, read-only.  An
-- admin gets the queues, the search and the case page of any office, and
-- their views of documents are audited as a staff member's are; every
-- command path (office_command, office_post, biometrics, the link
-- panel's commands, the proposals and confirmations behind them) still
-- refuses an admin and changes nothing.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(62);

SELECT pg_temp.sessions('admin', 'officer', 'officer_b', 'supervisor',
    'applicant');

CREATE FUNCTION pg_temp.attr(p_model xml, p_path text) RETURNS text
LANGUAGE sql AS $$ SELECT (xpath(p_path, p_model))[1]::text $$;

-- The references in a model, sorted, comma-separated ('' for none).
CREATE FUNCTION pg_temp.refs(p_model xml, p_path text) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(r::text, ',' ORDER BY r::text), '')
	FROM unnest(xpath(p_path, p_model)) AS r
$$;

CREATE FUNCTION pg_temp.office_ids(p_name text, p_office text DEFAULT NULL)
RETURNS integer[]
LANGUAGE sql AS $$
	SELECT office_ids FROM office_reader(pg_temp.sess(p_name), p_office,
	    now())
$$;

-- Everything an admin's attempt could change, as one value.
CREATE FUNCTION pg_temp.world() RETURNS text
LANGUAGE sql AS $$
	SELECT concat_ws(' | ',
	    (SELECT string_agg(reference || ':' || state || ':' || version, ','
		ORDER BY id) FROM cases),
	    (SELECT count(*) FROM case_events),
	    (SELECT string_agg(id || ':' || status, ',' ORDER BY id)
		FROM proposals),
	    (SELECT count(*) FROM biometric_photos),
	    (SELECT count(*) FROM fingerprints),
	    (SELECT count(*) FROM interviews),
	    (SELECT paused FROM central_link),
	    (SELECT string_agg(id || ':' || (acknowledged_at IS NULL) || ':' ||
		(resolved_at IS NULL), ',' ORDER BY id) FROM incidents),
	    (SELECT count(*) FROM audit_log))
$$;

SELECT pg_temp.office_case('TAA', 'READER', 'RA0000001', 'RA0000001', 'E23', 'submitted') AS a_sub \gset
SELECT pg_temp.office_case('TAA', 'READER', 'RA0000002', 'RA0000002', 'E23', 'paid') AS a_paid \gset
SELECT pg_temp.office_case('TAA', 'READER', 'RA0000003', 'RA0000003', 'E23', 'cleared') AS a_clr \gset
SELECT pg_temp.office_case('TAA', 'READER', 'RA0000004', 'RA0000004', 'E23', 'referred') AS a_ref \gset
SELECT pg_temp.office_case('TBB', 'READER', 'RB0000001', 'RB0000001', 'E23', 'submitted') AS b_sub \gset
SELECT pg_temp.office_case('TBB', 'READER', 'RB0000002', 'RB0000002', 'E23', 'more_info') AS b_info \gset
SELECT pg_temp.office_case('TBB', 'READER', 'RB0000003', 'RB0000003', 'E23', 'biometrics_done') AS b_bio \gset
SELECT pg_temp.office_case('TBB', 'READER', 'RB0000004', 'RB0000004', 'E23', 'issued') AS b_iss \gset

-------------------------------------------------------------------------
-- 1. Who reads which offices.
-------------------------------------------------------------------------
SELECT is(pg_temp.office_ids('admin'),
    ARRAY(SELECT id FROM offices ORDER BY id), 'an admin reads every office');
SELECT is(pg_temp.office_ids('officer'),
    ARRAY(SELECT id FROM offices WHERE code = 'TAA'),
    'an officer reads their own office');
SELECT is(pg_temp.office_ids('supervisor'),
    ARRAY(SELECT id FROM offices WHERE code = 'TAA'),
    'so does a supervisor');
SELECT is(pg_temp.office_ids('admin', 'TBB'),
    ARRAY(SELECT id FROM offices WHERE code = 'TBB'),
    'an admin narrows to one office');
SELECT is(pg_temp.office_ids('admin', 'ZZZ'), '{}'::integer[],
    '... and an unknown office is none');
SELECT is(pg_temp.office_ids('officer', 'TBB'), '{}'::integer[],
    'an officer naming another office reads none');
SELECT is((SELECT row(id IS NULL, office_ids IS NULL)::text
    FROM office_reader(pg_temp.sess('applicant'), NULL, now())), '(t,t)',
    'an applicant is no reader');
SELECT is((SELECT row(id IS NULL, office_ids IS NULL)::text
    FROM office_reader(sha256('nobody'::bytea), NULL, now())), '(t,t)',
    'nor is no session');
SELECT is((SELECT role::text FROM office_reader(pg_temp.sess('admin'), NULL,
    now())), 'admin', 'the reader''s role comes along');

-------------------------------------------------------------------------
-- 2. The case page: an admin reads a case of each office, read-only.
-------------------------------------------------------------------------
SELECT is(pg_temp.attr(office_case_xml(pg_temp.sess('admin'), :'a_sub'),
    '/case/@ref'), :'a_sub', 'an admin reads a case of office TAA');
SELECT is(pg_temp.attr(office_case_xml(pg_temp.sess('admin'), lower(:'b_sub')),
    '/case/@ref'), :'b_sub', '... and one of office TBB');
SELECT is(pg_temp.attr(office_case_xml(pg_temp.sess('admin'), :'b_sub'),
    '/case/@role'), 'admin', 'the page says an admin is looking');
SELECT is(pg_temp.attr(office_case_xml(pg_temp.sess('admin'), :'b_sub'),
    '/case/@office'), 'Test office B', '... at which office''s case');
SELECT ok(office_case_xml(pg_temp.sess('officer'), :'b_sub') IS NULL,
    'an officer still does not read another office''s case');
SELECT ok(office_case_xml(pg_temp.sess('officer_b'), :'a_sub') IS NULL,
    '... either way');
SELECT is(pg_temp.attr(office_case_xml(pg_temp.sess('officer'), :'a_sub'),
    '/case/@role'), 'officer', 'an officer reads their own, as an officer');
SELECT ok(office_case_xml(pg_temp.sess('applicant'), :'a_sub') IS NULL,
    'an applicant gets no office case page');

-------------------------------------------------------------------------
-- 3. The queues: every office for an admin, or the one chosen.
-------------------------------------------------------------------------
SELECT is(pg_temp.refs(office_queues_xml(pg_temp.sess('admin')),
    '/queues/queue/case/@ref'),
    (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY[:'a_sub',
    :'a_paid', :'a_clr', :'a_ref', :'b_sub', :'b_info', :'b_bio']) r),
    'an admin''s queues hold every office''s open cases');
SELECT ok(pg_temp.attr(office_queues_xml(pg_temp.sess('admin')),
    '/queues/@office') IS NULL, '... under no one office''s name');
SELECT is(pg_temp.attr(office_queues_xml(pg_temp.sess('admin')),
    '/queues/queue/case[@ref = "' || :'b_sub' || '"]/@office'), 'TBB',
    '... each case naming its own');
SELECT is(pg_temp.refs(office_queues_xml(pg_temp.sess('admin')),
    '/queues/office/@code'), 'TAA,TBB',
    'an admin gets the offices to choose from');
SELECT is(pg_temp.refs(office_queues_xml(pg_temp.sess('admin'), 'TBB'),
    '/queues/queue/case/@ref'),
    (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY[:'b_sub',
    :'b_info', :'b_bio']) r), 'an admin who chose TBB sees only TBB''s');
SELECT is(pg_temp.attr(office_queues_xml(pg_temp.sess('admin'), 'TBB'),
    '/queues/@office-name'), 'Test office B', '... under its name');
SELECT ok(office_queues_xml(pg_temp.sess('admin'), 'ZZZ') IS NULL,
    'an office that does not exist is no page');
SELECT is(pg_temp.refs(office_queues_xml(pg_temp.sess('officer')),
    '/queues/queue/case/@ref'),
    (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY[:'a_sub',
    :'a_paid', :'a_clr', :'a_ref']) r),
    'an officer''s queues hold their office''s cases only');
SELECT is(pg_temp.attr(office_queues_xml(pg_temp.sess('officer')),
    '/queues/@office'), 'TAA', '... under its name');
SELECT is(pg_temp.refs(office_queues_xml(pg_temp.sess('officer')),
    '/queues/office/@code'), '', '... with no offices to choose from');
SELECT ok(office_queues_xml(pg_temp.sess('officer'), 'TBB') IS NULL,
    'an officer who asks for another office gets no page');
SELECT ok(office_queues_xml(pg_temp.sess('applicant')) IS NULL,
    'an applicant gets no queues');

-------------------------------------------------------------------------
-- 4. The search: every office for an admin, or one.
-------------------------------------------------------------------------
SELECT is(pg_temp.refs(office_search_xml(pg_temp.sess('admin'), NULL, NULL,
    'reader', NULL, NULL, NULL, 1), '/search/case/@ref'),
    (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY[:'a_sub',
    :'a_paid', :'a_clr', :'a_ref', :'b_sub', :'b_info', :'b_bio',
    :'b_iss']) r), 'an admin searches every office');
SELECT is(pg_temp.refs(office_search_xml(pg_temp.sess('admin'), NULL, NULL,
    'reader', NULL, NULL, NULL, 1, 'TBB'), '/search/case/@ref'),
    (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY[:'b_sub',
    :'b_info', :'b_bio', :'b_iss']) r), '... or the office chosen');
SELECT is(pg_temp.refs(office_search_xml(pg_temp.sess('admin'), NULL,
    'RB0000002', NULL, NULL, NULL, NULL, 1), '/search/case/@office'), 'TBB',
    'a case found says whose it is');
SELECT is(pg_temp.refs(office_search_xml(pg_temp.sess('officer'), NULL, NULL,
    'reader', NULL, NULL, NULL, 1), '/search/case/@ref'),
    (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY[:'a_sub',
    :'a_paid', :'a_clr', :'a_ref']) r),
    'an officer still searches their office only');
SELECT is(pg_temp.refs(office_search_xml(pg_temp.sess('officer'), NULL, NULL,
    'reader', NULL, NULL, NULL, 1, 'TBB'), '/search/case/@ref'), '',
    '... and naming another office finds nothing');

-------------------------------------------------------------------------
-- 5. An admin's view of a document is audited as a staff member's is.
-------------------------------------------------------------------------
INSERT INTO documents (case_id, doc_type, filename, content_type, size,
    sealed, aad, uploaded_by, uploaded_at)
SELECT c.id, 'passport', 'passport.pdf', 'application/pdf', 2, '\x0202',
    'document:' || c.reference || ':passport:n1', pg_temp.actor('officer_b'),
    now()
FROM cases c WHERE c.reference = :'b_sub';

SELECT is((SELECT filename || ' ' || encode(sealed, 'hex')
    FROM office_document(pg_temp.sess('admin'), :'b_sub', 'passport')),
    'passport.pdf 0202', 'an admin opens a document of office TBB');
SELECT is((SELECT count(*) FROM audit_log l JOIN cases c ON c.id = l.case_id
    WHERE c.reference = :'b_sub' AND l.action = 'document_viewed' AND
    l.account_id = pg_temp.actor('admin') AND
    l.detail->>'type' = 'passport')::int, 1,
    '... and the view is in the audit log, by the admin');
SELECT is((SELECT count(*) FROM office_document(pg_temp.sess('officer'),
    :'b_sub', 'passport'))::int, 0,
    'an officer of another office still opens nothing');
SELECT is((SELECT count(*) FROM audit_log
    WHERE action = 'document_viewed')::int, 1, '... and leaves no trace');

-------------------------------------------------------------------------
-- 6. Every command path refuses an admin and changes nothing.
-------------------------------------------------------------------------
-- Proposals by staff for the admin to try to confirm.
SELECT is(office_command(pg_temp.sess('officer'), :'a_sub', 'propose_payment',
    1, NULL, 'BNI-2026-777001'), 'ok', 'an officer records a receipt');
SELECT is(office_command(pg_temp.sess('officer'), :'a_clr', 'propose_issue',
    1, NULL, NULL), 'ok', 'an officer proposes issuance');
SELECT is(office_command(pg_temp.sess('officer'), :'a_ref', 'propose_clear',
    1, NULL, 'Namesake, birth date differs'), 'ok',
    'an officer proposes to clear a hit');
INSERT INTO incidents (kind, case_id, office_id, detail, opened_at)
    VALUES ('retries_exhausted', NULL, NULL, 'for the admin to try', now())
    RETURNING id AS inc \gset

SELECT pg_temp.world() AS before \gset

SELECT is(array_agg(DISTINCT office_command(pg_temp.sess('admin'), t.ref,
    t.action, (SELECT version FROM cases WHERE reference = t.ref),
    'admin-key-' || t.n, 'An admin tries')), '{forbidden}',
    'office_command refuses an admin every action, in either office')
FROM (SELECT row_number() OVER () AS n, * FROM (VALUES
    (:'a_sub', 'request_info'), (:'b_sub', 'request_info'),
    (:'b_sub', 'reject'), (:'b_info', 'provide_info'),
    (:'a_paid', 'record_biometrics'), (:'a_paid', 'defer_biometrics'),
    (:'b_bio', 'request_clearance'), (:'b_sub', 'propose_payment'),
    (:'a_sub', 'confirm_payment'), (:'a_clr', 'issue'),
    (:'a_clr', 'propose_issue'), (:'b_iss', 'cancel'),
    (:'a_ref', 'propose_reject'), (:'a_ref', 'confirm_decision'))
    AS v(ref, action)) t;
SELECT is(office_post(pg_temp.sess('admin'), :'a_sub', 'confirm_payment',
    (SELECT version FROM cases WHERE reference = :'a_sub'), 'admin-key-post',
    NULL, repeat('c', 32)), 'session',
    'office_post, with the right CSRF token, takes an admin for no one');
SELECT is(office_biometric_photo(pg_temp.sess('admin'), :'a_paid',
    '\x4b564c54', 'biometric-photo:' || :'a_paid' || ':n1', 'image/jpeg',
    2048), 'forbidden', 'an admin cannot add a photo');
SELECT is(office_fingerprints(pg_temp.sess('admin'), :'a_paid', '{1}',
    '{80}', '{NULL}', '{NULL}', '{"\\x01"}',
    ARRAY['fingerprint:' || :'a_paid' || ':1:n1']), 'forbidden',
    '... nor fingers');
SELECT is(office_interview(pg_temp.sess('admin'), :'a_paid', '\x00',
    'interview:' || :'a_paid' || ':n1'), 'forbidden',
    '... nor interview notes');
SELECT is(office_link_command(pg_temp.sess('admin'), 'pause', 'An admin',
    NULL), 'forbidden', 'an admin cannot pause the link');
SELECT is(office_link_command(pg_temp.sess('admin'), 'acknowledge', NULL,
    :inc), 'forbidden', '... nor acknowledge an incident');
SELECT is(office_link_command(pg_temp.sess('admin'), 'retry', NULL, :inc),
    'forbidden', '... nor retry it');
SELECT ok(office_link_xml(pg_temp.sess('admin')) IS NULL,
    'the link panel stays staff''s');
SELECT ok(office_compensation_csv(pg_temp.sess('admin')) IS NULL,
    '... and so does its compensation list');
SELECT ok(office_evidence_xml(pg_temp.sess('admin'), NULL, NULL) IS NULL,
    '... and the supervisor''s evidence page');

-- The functions behind the commands, handed the admin's id.
SELECT is((case_apply(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'b_sub'), 'request_info', 1,
    'admin-key-apply', NULL, '{"reason": "x"}')).code, 'forbidden',
    'case_apply refuses an admin');
SELECT is((SELECT code FROM payment_propose(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'b_sub'), 1, 'BNI-2026-777002')),
    'forbidden', 'payment_propose refuses an admin');
SELECT is((payment_confirm(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'a_sub'), 1,
    'admin-key-pay')).code, 'forbidden', 'payment_confirm refuses an admin');
SELECT is((SELECT code FROM permit_propose(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'a_clr'), 1)), 'forbidden',
    'permit_propose refuses an admin');
SELECT is((SELECT code FROM permit_issue(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'a_clr'), 1, 'admin-key-iss')),
    'forbidden', 'permit_issue refuses an admin');
SELECT is((SELECT code FROM decision_propose(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'a_ref'), 'decide_reject', 1,
    'An admin')), 'forbidden', 'decision_propose refuses an admin');
SELECT is((decision_confirm(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'a_ref'), 1,
    'admin-key-dec')).code, 'forbidden', 'decision_confirm refuses an admin');
SELECT is((permit_cancel(pg_temp.actor('admin'),
    (SELECT id FROM cases WHERE reference = :'b_iss'), 1, 'An admin',
    'admin-key-can')).code, 'forbidden', 'permit_cancel refuses an admin');

SELECT is(pg_temp.world(), :'before',
    'none of it changed a case, a proposal, biometrics, the link or the log');
SELECT is((SELECT count(*) FROM audit_log
    WHERE account_id = pg_temp.actor('admin') AND
    action <> 'document_viewed')::int, 0,
    'the admin''s only audit row is the document view');

SELECT * FROM finish();
ROLLBACK;
