-- Finding cases and opening documents in the back office: only the staff
-- member's office, each filter on its own and together, pages of 50, a
-- name's % and _ taken literally; a document view is audited, another
-- office's or an unknown type is nothing and leaves no trace.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(41);

SELECT pg_temp.sessions('officer', 'officer_b', 'applicant');

-- The search as p_name, its page model.
CREATE FUNCTION pg_temp.q(p_name text, p_ref text DEFAULT NULL,
    p_passport text DEFAULT NULL, p_who text DEFAULT NULL,
    p_state case_state DEFAULT NULL, p_kind permit_kind DEFAULT NULL,
    p_days integer DEFAULT NULL, p_page integer DEFAULT 1) RETURNS xml
LANGUAGE sql AS $$
	SELECT office_search_xml(pg_temp.sess(p_name), p_ref, p_passport, p_who,
	    p_state, p_kind, p_days, p_page)
$$;

-- The references found, sorted, comma-separated ('' for none).
CREATE FUNCTION pg_temp.refs(p_model xml) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(r::text, ',' ORDER BY r::text), '')
	FROM unnest(xpath('/search/case/@ref', p_model)) AS r
$$;

CREATE FUNCTION pg_temp.attr(p_model xml, p_path text) RETURNS text
LANGUAGE sql AS $$ SELECT (xpath(p_path, p_model))[1]::text $$;

SELECT pg_temp.office_case('TAA', 'SCHMIDT', 'ANNA', 'SA0000001', 'E33', 'submitted',
    2) AS a1 \gset
SELECT pg_temp.office_case('TAA', 'SCHMIDTKE', 'PAUL', 'SP0000002', 'E23', 'paid',
    20) AS a2 \gset
SELECT pg_temp.office_case('TAA', 'TAN', 'WEI LING', 'TW0000003', 'E33G', 'referred',
    40) AS a3 \gset
SELECT pg_temp.office_case('TBB', 'SCHMIDT', 'BERTA', 'SB0000004', 'E33',
    'submitted', 2) AS b1 \gset
-- Names with LIKE's metacharacters (and one that only a wildcard
-- reading would find).
SELECT pg_temp.office_case('TAA', 'HUNDRED%', 'PER', 'PC0000005') AS m1 \gset
SELECT pg_temp.office_case('TAA', 'UNDER_SCORE', 'USA', 'US0000006') AS m2 \gset
SELECT pg_temp.office_case('TAA', 'UNDERXSCORE', 'XAVI', 'UX0000007') AS m3 \gset
SELECT pg_temp.office_case('TAA', 'BACK\SLASH', 'BEA', 'BS0000008') AS m4 \gset

-------------------------------------------------------------------------
-- 1. Who may search, and which office's cases they find.
-------------------------------------------------------------------------
SELECT ok(pg_temp.q('applicant') IS NULL, 'an applicant gets no search');
SELECT ok(office_search_xml(sha256('nobody'::bytea), NULL, NULL, NULL, NULL,
    NULL, NULL, 1) IS NULL, 'no session, no search');
SELECT is(pg_temp.attr(pg_temp.q('officer'), '/search/@office'), 'TAA',
    'an officer searches their own office');
SELECT is(pg_temp.attr(pg_temp.q('officer'), '/search/@total'),
    (SELECT count(*)::text FROM cases c JOIN offices o ON o.id = c.office_id
    WHERE o.code = 'TAA'), '... and finds every case of it with no filter');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'schmidt')),
    (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY[:'a1', :'a2'])
    AS r), 'a name finds only the office''s SCHMIDTs');
SELECT is(pg_temp.refs(pg_temp.q('officer_b', p_who => 'schmidt')), :'b1',
    'the other office finds only its own');
SELECT is(pg_temp.refs(pg_temp.q('officer_b', p_ref => :'a1')), '',
    'another office''s reference finds nothing');
SELECT is(pg_temp.refs(pg_temp.q('officer_b', p_passport => 'SA0000001')),
    '', 'nor does another office''s passport');

-------------------------------------------------------------------------
-- 2. Each filter.
-------------------------------------------------------------------------
SELECT is(pg_temp.refs(pg_temp.q('officer', p_ref => lower(:'a2'))), :'a2',
    'the reference, in any case');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_ref => 'TAA-2026-000000-0')),
    '', 'an unknown reference finds nothing');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_passport => 'tw0000003')),
    :'a3', 'the passport number, exactly');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_passport => 'TW00000')), '',
    '... not a part of it');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'wei l')), :'a3',
    'a part of the given names');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'Anna Schmidt')), :'a1',
    'given then family name, any case');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'schmidt anna')), :'a1',
    'family then given name');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => '  ')),
    pg_temp.refs(pg_temp.q('officer')), 'a blank name is no filter');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_state => 'paid')), :'a2',
    'the state');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_kind => 'E33G')), :'a3',
    'the permit kind');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_days => 30)), :'a3',
    'longer than 30 days in the step');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'schmidt',
    p_days => 10)), :'a2', 'longer than 10 days, with a name');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'schmidt',
    p_state => 'submitted', p_kind => 'E33')), :'a1',
    'filters together: all must match');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'schmidt',
    p_state => 'paid', p_kind => 'E33')), '', '... or nothing is found');
SELECT is(pg_temp.attr(pg_temp.q('officer', p_ref => :'a3'),
    '/search/case/@days'), '40', 'a case says how many days in its step');
SELECT is(pg_temp.attr(pg_temp.q('officer', p_ref => :'a3'),
    '/search/case/@name'), 'WEI LING TAN', '... and whose it is');

-------------------------------------------------------------------------
-- 3. LIKE's metacharacters in a name are literal.
-------------------------------------------------------------------------
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => '%')), :'m1',
    '% matches only a name with a %');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'under_score')), :'m2',
    '_ matches only an _, not any character');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'k\s')), :'m4',
    'a backslash is a backslash');
SELECT is(pg_temp.refs(pg_temp.q('officer', p_who => 'under%')), '',
    '% is no wildcard inside a name either');

-------------------------------------------------------------------------
-- 4. Pages of 50, longest in the step first.
-------------------------------------------------------------------------
SELECT count(*) FROM (SELECT pg_temp.office_case('TAA', 'PAGER', 'P' || i,
    'PG' || lpad(i::text, 7, '0'), 'E23', 'submitted', 100 + i)
    FROM generate_series(1, 60) AS i) AS made \gset
SELECT is(pg_temp.attr(pg_temp.q('officer', p_who => 'pager'),
    '/search/@total'), '60', 'sixty cases match');
SELECT is(cardinality(xpath('/search/case', pg_temp.q('officer',
    p_who => 'pager'))), 50, 'the first page holds 50');
SELECT is(pg_temp.attr(pg_temp.q('officer', p_who => 'pager'),
    '/search/@more'), 'true', '... and says there is more');
SELECT is(pg_temp.attr(pg_temp.q('officer', p_who => 'pager'),
    '/search/case[1]/@name'), 'P60 PAGER', '... longest in its step first');
SELECT is(cardinality(xpath('/search/case', pg_temp.q('officer',
    p_who => 'pager', p_page => 2))), 10, 'the second page holds the rest');
SELECT is(pg_temp.attr(pg_temp.q('officer', p_who => 'pager', p_page => 2),
    '/search/@more'), 'false', '... and is the last');
SELECT is(pg_temp.attr(pg_temp.q('officer', p_who => 'pager', p_page => 2),
    '/search/case[10]/@name'), 'P1 PAGER', '... ending with the newest');

-------------------------------------------------------------------------
-- 5. Documents: the current one, to the office only, every view audited.
-------------------------------------------------------------------------
INSERT INTO documents (case_id, doc_type, filename, content_type, size,
    sealed, aad, uploaded_by, uploaded_at, replaced_at)
SELECT c.id, 'passport', v.name, 'application/pdf', 3, v.blob,
    'document:' || c.reference || ':passport:' || v.n, pg_temp.actor('officer'),
    now(), v.replaced
FROM cases c, (VALUES ('old.pdf', '\x0101'::bytea, 'n1', now()),
    ('passport.pdf', '\x0202'::bytea, 'n2', NULL::timestamptz)) AS
    v(name, blob, n, replaced)
WHERE c.reference = :'a1';

SELECT is((SELECT filename || ' ' || content_type || ' ' ||
    encode(sealed, 'hex') FROM office_document(pg_temp.sess('officer'),
    lower(:'a1'), 'passport')), 'passport.pdf application/pdf 0202',
    'an officer gets the current document, sealed, with its type');
SELECT is((SELECT count(*) FROM audit_log l JOIN cases c ON c.id = l.case_id
    WHERE c.reference = :'a1' AND l.action = 'document_viewed' AND
    l.account_id = pg_temp.actor('officer') AND
    l.detail->>'type' = 'passport'), 1::bigint,
    '... and the view is in the audit log, with the type');
SELECT is((SELECT count(*) FROM office_document(pg_temp.sess('officer_b'),
    :'a1', 'passport')), 0::bigint,
    'another office''s officer gets nothing');
SELECT is((SELECT count(*) FROM office_document(pg_temp.sess('officer'),
    :'a1', 'nonsense')), 0::bigint, 'an unknown type is nothing');
SELECT is((SELECT count(*) FROM office_document(pg_temp.sess('applicant'),
    :'a1', 'passport')), 0::bigint, 'an applicant gets nothing here');
SELECT is((SELECT count(*) FROM audit_log WHERE action = 'document_viewed'),
    1::bigint, 'refusals leave no audit row');

SELECT * FROM finish();
ROLLBACK;
