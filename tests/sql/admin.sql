-- Staff administration (0018): only an admin's session, never on the
-- admin's own account; staff need an office, admins have none; e-mail
-- addresses are unique; disabling ends sessions; everything audited.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(17);

INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen_at,
    expires_at)
SELECT sha256(name::bytea), pg_temp.actor(name), repeat('c', 32), now(), now(),
    now() + interval '1 hour'
FROM (VALUES ('admin'), ('supervisor'), ('officer')) AS v(name);
SELECT sha256('admin'::bytea) AS adm \gset
SELECT sha256('supervisor'::bytea) AS sup \gset

SELECT ok(admin_users_xml(:'sup') IS NULL, 'a supervisor has no admin page');
SELECT matches(admin_users_xml(:'adm')::text, 't.officer.a@test',
    'an admin sees the staff');
SELECT is(admin_user_create(:'sup', 'new@test.example', 'New', 'officer',
    'TAA'), 'forbidden', 'a supervisor cannot add staff');

SELECT is(admin_user_create(:'adm', 'New.Officer@Test.example', 'New Officer',
    'officer', 'TAA'), 'ok', 'an admin adds an officer');
SELECT is((SELECT row(role, (SELECT code FROM offices o WHERE o.id = office_id),
    password_hash IS NULL)::text FROM accounts
    WHERE email = 'new.officer@test.example'), '(officer,TAA,t)',
    'in the office, without a password (its owner sets one)');
SELECT is(admin_user_create(:'adm', 'NEW.officer@test.example', 'Twin',
    'officer', 'TAA'), 'email_taken', 'an address is used once');
SELECT is(admin_user_create(:'adm', 'x@test.example', 'X', 'officer', '-'),
    'office_required', 'an officer needs an office');
SELECT is(admin_user_create(:'adm', 'y@test.example', 'Y', 'admin', 'TAA'),
    'office_required', 'an admin has none');
SELECT is(admin_user_create(:'adm', 'not an address', 'Z', 'officer', 'TAA'),
    'invalid_input', 'a bad address is refused');
SELECT is(admin_user_create(:'adm', 'p@test.example', 'P', 'partner', '-'),
    'invalid_input', 'only staff roles');

SELECT is(admin_user_update(:'adm', pg_temp.actor('admin'), 'admin', '-',
    true), 'own_account', 'nobody changes their own account');
SELECT is(admin_user_update(:'sup', pg_temp.actor('supervisor'), 'admin', '-',
    false), 'forbidden', 'nor raises their own role without being admin');
SELECT is((SELECT role::text FROM accounts WHERE id = pg_temp.actor('supervisor')),
    'supervisor', 'the role did not change');
SELECT is(admin_user_update(:'adm', pg_temp.actor('applicant'), 'officer',
    'TAA', false), 'not_found', 'an applicant is not staff to promote');

SELECT is(admin_user_update(:'adm', pg_temp.actor('officer'), 'supervisor',
    'TBB', true), 'ok', 'an admin moves, promotes and disables an officer');
SELECT is((SELECT count(*) FROM sessions WHERE account_id = pg_temp.actor('officer')
    AND ended_at IS NULL)::int, 0, 'whose sessions end at once');
SELECT is((SELECT string_agg(action, ',' ORDER BY id) FROM audit_log
    WHERE account_id = pg_temp.actor('admin')), 'staff_created,staff_updated',
    'both changes are audited');

SELECT * FROM finish();
ROLLBACK;
