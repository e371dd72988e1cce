-- Every state x command x role against the transition table: a command
-- is applied exactly when the table allows it, lands in the table's
-- to_state, and otherwise changes nothing.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

CREATE TEMP TABLE t_try AS
SELECT s.state AS from_state, c.command, r.role,
    NULL::text AS code, NULL::case_state AS to_state,
    NULL::bigint AS case_id
FROM unnest(enum_range(NULL::case_state)) AS s(state)
CROSS JOIN (SELECT DISTINCT command FROM transitions
    UNION SELECT 'fly_away') AS c(command)
CROSS JOIN (VALUES ('applicant'), ('officer'), ('supervisor'), ('admin'),
    ('partner'), ('system')) AS r(role);

DO $$
DECLARE
	t	record;
	cid	bigint;
	res	case_result;
BEGIN
	FOR t IN SELECT * FROM t_try LOOP
		cid := pg_temp.t_case(t.from_state);
		-- A guard's condition holds, as t_case() gives a case past
		-- clearance its fresh verdict: biometrics taken at step paid.
		IF t.from_state = 'paid' THEN
			PERFORM pg_temp.t_biometrics(cid);
		END IF;
		res := case_apply(pg_temp.actor(t.role), cid, t.command, 1,
		    NULL);
		UPDATE t_try SET code = res.code, case_id = cid,
		    to_state = (SELECT state FROM cases WHERE cases.id = cid)
		WHERE from_state = t.from_state AND command = t.command AND
		    role = t.role;
	END LOOP;
END
$$;

SELECT plan(9);

SELECT cmp_ok((SELECT count(*) FROM t_try), '>', 1000::bigint,
    'every state x command x role was tried');

SELECT set_eq(
    $$ SELECT from_state, command, role::text FROM t_try WHERE code = 'ok' $$,
    $$ SELECT from_state, command, role::text FROM transitions $$,
    'a command is applied exactly when the transition table allows it');

SELECT set_eq(
    $$ SELECT from_state, command, role::text, to_state FROM t_try
       WHERE code = 'ok' $$,
    $$ SELECT from_state, command, role::text, to_state FROM transitions $$,
    'an applied command lands in the table''s to_state');

SELECT is_empty(
    $$ SELECT * FROM t_try t WHERE code <> 'ok' AND
       (to_state <> from_state OR
        (SELECT version FROM cases WHERE id = t.case_id) <> 1 OR
        (SELECT count(*) FROM case_events e WHERE e.case_id = t.case_id) <> 1) $$,
    'a refused command changes neither state, version nor history');

SELECT is_empty(
    $$ SELECT * FROM t_try t WHERE code <> 'ok' AND role <> 'admin' AND
       NOT EXISTS (SELECT 1 FROM transitions x WHERE
           x.from_state = t.from_state AND x.command = t.command) AND
       code <> 'transition_not_allowed' $$,
    'a command the state does not have is transition_not_allowed');

SELECT is_empty(
    $$ SELECT * FROM t_try t WHERE code <> 'ok' AND role <> 'admin' AND
       EXISTS (SELECT 1 FROM transitions x WHERE
           x.from_state = t.from_state AND x.command = t.command) AND
       code <> 'forbidden' $$,
    'a command of the state but not of the role is forbidden');

SELECT is_empty(
    $$ SELECT * FROM t_try WHERE role = 'admin' AND code <> 'forbidden' $$,
    'an admin never acts on a case');

SELECT is(
    (SELECT count(*) FROM case_events e JOIN t_try t ON t.case_id = e.case_id
     WHERE t.code = 'ok' AND e.command = t.command AND
     e.from_state = t.from_state AND e.to_state = t.to_state AND
     e.actor_id = pg_temp.actor(t.role) AND e.actor_role::text = t.role AND
     e.version = 2),
    (SELECT count(*) FROM t_try WHERE code = 'ok'),
    'every applied command appended its event with actor and role');

SELECT set_eq(
    $$ SELECT t.case_id FROM t_try t JOIN transitions x ON
       x.from_state = t.from_state AND x.command = t.command AND
       x.role::text = t.role WHERE x.effect = 'clearance_enqueue' $$,
    $$ SELECT case_id FROM outbox WHERE status = 'pending' AND
       case_id IN (SELECT case_id FROM t_try) $$,
    'exactly the transitions into awaiting_clearance enqueue a request');

SELECT * FROM finish();
ROLLBACK;
