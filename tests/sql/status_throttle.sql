-- The public status lookup's throttle (0008): 20 misses per address in
-- a quarter hour, hits not counted, and lookups in parallel from one
-- address counted before they pass.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(11);

SELECT pg_temp.t_case('submitted') AS c \gset
SELECT reference AS ref FROM cases WHERE id = :c \gset

-------------------------------------------------------------------------
-- 1. Misses, hits, addresses.
-------------------------------------------------------------------------
SELECT is((SELECT row(throttled, reference, state)::text
    FROM status_lookup(:'ref', 'TT1234567', '198.51.100.20')),
    row(false, :'ref', 'submitted')::text,
    'the right reference and passport find the case');
SELECT count(*) AS ignore FROM generate_series(1, 19) g,
    status_lookup(:'ref', 'XX' || g || '0000', '198.51.100.20') \gset
SELECT is((SELECT count(*) FROM status_misses
    WHERE address = '198.51.100.20')::int, 19,
    'each miss is counted, the hit is not');
SELECT is((SELECT count(*) FROM status_lookup(:'ref', 'XX990000',
    '198.51.100.20'))::int, 0, 'the 20th miss is still answered: no case');
SELECT is((SELECT row(throttled, reference)::text FROM status_lookup(
    :'ref', 'TT1234567', '198.51.100.20')), row(true, NULL::text)::text,
    'after 20 misses even the right pair gets no answer from that address');
SELECT is((SELECT throttled FROM status_lookup(:'ref', 'TT1234567',
    '198.51.100.21')), false, '... but another address does');
SELECT count(*) AS ignore FROM generate_series(1, 20) g,
    status_lookup(:'ref', 'XX' || g || '0000',
    ('2001:db8:5:6::' || to_hex(g))::inet) \gset
SELECT is((SELECT throttled FROM status_lookup(:'ref', 'TT1234567',
    '2001:db8:5:6:abcd::1')), true,
    'IPv6 counts per /64: 20 misses from 20 addresses of it are enough');
SELECT is((SELECT throttled FROM status_lookup(:'ref', 'TT1234567',
    '2001:db8:5:7::1')), false, '... and the next /64 is another count');

-------------------------------------------------------------------------
-- 2. Lookups in parallel from one address take turns: each counts the
--    misses before it, under a lock held to its commit.
-------------------------------------------------------------------------
CREATE FUNCTION pg_temp.address_lock(p_address inet) RETURNS text
LANGUAGE sql AS $$
	SELECT string_agg(mode, ',') FROM pg_locks
	WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted AND
	    objsubid = 2 AND classid = hashtext('status_address')::oid AND
	    objid = hashtext(p_address::text)::oid
$$;
SELECT is(pg_temp.address_lock('198.51.100.21'), 'ShareLock',
    'a hit holds its address''s lock, shared: hits do not wait for hits');
SELECT count(*) AS ignore FROM status_lookup(:'ref', 'XX10000',
    '198.51.100.22') \gset
SELECT is(pg_temp.address_lock('198.51.100.22'), 'ExclusiveLock',
    'a miss holds it alone: misses and hits wait for it');

\ir race_fixtures.psql
\if :race
SELECT FROM dblink_exec('race1', 'BEGIN');
SELECT count(*) AS ignore FROM dblink('race1', $$SELECT throttled
    FROM generate_series(1, 20) g, status_lookup('SMG-2000-000000-0',
    'XX' || g || '0000', '198.18.2.1') WHERE NOT throttled$$)
    AS t(throttled boolean) \gset
SELECT FROM dblink_send_query('race2', $$SELECT throttled FROM status_lookup(
    'SMG-2000-000000-0', 'XX210000', '198.18.2.1')$$);
SELECT ok(pg_temp.race_waits('race2'),
    'a 21st guess in another session waits for the 20 in flight');
SELECT FROM dblink_exec('race1', 'COMMIT');
SELECT is((SELECT coalesce(bool_or(throttled), false)
    FROM dblink_get_result('race2') AS t(throttled boolean)), true,
    '... and, once they commit, is throttled');
SELECT count(*) AS ignore FROM dblink_get_result('race2') AS t(x boolean)
    \gset

SELECT FROM dblink_exec('race1', $$DELETE FROM status_misses
    WHERE address = '198.18.2.1'$$);
SELECT FROM pg_temp.race_end();
\else
SELECT skip('dblink cannot open a second session here', 2);
\endif

SELECT * FROM finish();
ROLLBACK;
