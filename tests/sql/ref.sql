-- Case references in SQL: the same check character as src/ref.c on the
-- shared vectors, and serials per office and year.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

CREATE TEMP TABLE t_vec (payload text, check_char text, reference text);
\copy t_vec FROM PROGRAM 'grep -v "^#" ../vectors/ref.txt'

SELECT plan(7);

SELECT cmp_ok((SELECT count(*) FROM t_vec), '>=', 8::bigint,
    'the shared vectors were loaded');
SELECT is_empty($$ SELECT * FROM t_vec
    WHERE case_ref_check(payload) IS DISTINCT FROM check_char $$,
    'case_ref_check() agrees with every vector');
SELECT is(case_ref_check('smg2026'), NULL, 'lower case is not a payload');

SELECT case_new_reference((SELECT id FROM offices WHERE code = 'TAA')) AS r1 \gset
SELECT case_new_reference((SELECT id FROM offices WHERE code = 'TAA')) AS r2 \gset
SELECT case_new_reference((SELECT id FROM offices WHERE code = 'TBB')) AS r3 \gset
SELECT matches(:'r1'::text, '^TAA-[0-9]{4}-000001-[0-9A-Z]$',
    'the first reference of an office and year is serial 1');
SELECT matches(:'r2'::text, '^TAA-[0-9]{4}-000002-[0-9A-Z]$', 'the next is 2');
SELECT matches(:'r3'::text, '^TBB-[0-9]{4}-000001-[0-9A-Z]$',
    'each office counts on its own');
SELECT is(right(:'r2', 1), case_ref_check(replace(left(:'r2', 15), '-', '')),
    'a generated reference carries its check character');

SELECT * FROM finish();
ROLLBACK;
