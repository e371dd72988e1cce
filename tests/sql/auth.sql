-- Sign-in (0005): registration, confirmation and reset tokens, login
-- throttling, sessions, password change, the portal's case list, and
-- what the server's role may touch directly.  Time is always passed in
-- (p_now), relative to the transaction's now().
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(148);

-- Argon2id-shaped hashes (the functions only check the prefix).
\set h1 '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'
\set h2 '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$bmV3aGFzaA'
\set h3 '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$cmVoYXNoZWQ'
\set csrf 'CsrfTokenLogin_0123456789abcdefghij'
-- Mail tokens, 32 characters: stored raw they would even fit the column.
\set tc1 'ConfirmTokenOne_0123456789abcdef'
\set tc2 'ConfirmTokenTwo_0123456789abcdef'
\set tc3 'ConfirmTokenTri_0123456789abcdef'
\set tc4 'ConfirmTokenFou_0123456789abcdef'
\set tc5 'ConfirmTokenFiv_0123456789abcdef'
\set tc6 'ConfirmTokenSix_0123456789abcdef'
\set tc7 'ConfirmTokenSev_0123456789abcdef'
\set tc8 'ConfirmTokenEig_0123456789abcdef'
\set tb1 'ConfirmTokenBg1_0123456789abcdef'
\set tb2 'ConfirmTokenBg2_0123456789abcdef'
\set tr1 'ResetTokenOne_0123456789abcdefgh'
\set tr2 'ResetTokenTwo_0123456789abcdefgh'

-- What the sign-in functions write, counted.
CREATE FUNCTION pg_temp.writes() RETURNS text LANGUAGE sql AS $$
	SELECT format('accounts %s, tokens %s, mail %s, sessions %s',
	    (SELECT count(*) FROM accounts),
	    (SELECT count(*) FROM account_tokens),
	    (SELECT count(*) FROM mail_outbox),
	    (SELECT count(*) FROM sessions))
$$;

-- A statement's single value, or 'error SQLSTATE' if it raised.
CREATE FUNCTION pg_temp.try(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r	text;
BEGIN
	EXECUTE p_sql INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'error ' || SQLSTATE;
END
$$;

-------------------------------------------------------------------------
-- 1. Registration.
-------------------------------------------------------------------------
SELECT count(*) AS n_accounts FROM accounts \gset
SELECT * FROM auth_register('Reg.One@Example.org', 'Reg One', :'h1', 'en',
    :'tc1', now()) \gset reg_
SELECT is(:'reg_code'::text, 'ok', 'registration answers ok');
SELECT is((SELECT row(role, email, display_name, lang, password_hash,
    email_confirmed_at IS NULL)::text FROM accounts
    WHERE id = :reg_account_id),
    row('applicant'::account_role, 'Reg.One@Example.org', 'Reg One', 'en',
    :'h1', true)::text,
    '... creates an unconfirmed applicant account with hash and language');
SELECT is((SELECT string_agg(row(purpose,
    token_hash = sha256(convert_to(:'tc1', 'UTF8')),
    expires_at = now() + interval '2 days', used_at IS NULL)::text, ';')
    FROM account_tokens WHERE account_id = :reg_account_id),
    row('confirm', true, true, true)::text,
    '... and one confirm token, kept as its SHA-256, valid for confirm_ttl');
SELECT is((SELECT count(*) FROM account_tokens t
    WHERE position(convert_to(:'tc1', 'UTF8') IN t.token_hash) > 0 OR
    t::text LIKE '%' || :'tc1' || '%'), 0::bigint,
    '... the token text itself is stored nowhere in account_tokens');
SELECT is((SELECT string_agg(row(kind, to_addr, lang, data->>'token')::text,
    ';') FROM mail_outbox WHERE account_id = :reg_account_id),
    row('confirm', 'Reg.One@Example.org', 'en', :'tc1')::text,
    '... and a confirm mail in the account''s language carries the token');

-- The first link lost: the signed-in account asks for another.
INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen_at,
    expires_at)
    VALUES (sha256('reg-one-session'), :reg_account_id, repeat('c', 32),
    now(), now(), now() + interval '1 hour');
SELECT is(auth_confirm_again(sha256('reg-one-session'), repeat('a', 40),
    now()), 'wait', 'another link right after the first: wait, no mail');
SELECT is(auth_confirm_again(sha256('reg-one-session'), repeat('a', 40),
    now() + interval '11 minutes'), 'ok',
    'after mail_again another link goes out');
SELECT is((SELECT count(*) FROM mail_outbox WHERE account_id = :reg_account_id
    AND kind = 'confirm' AND data->>'token' = repeat('a', 40)), 1::bigint,
    '... in a confirm mail');
SELECT is(auth_confirm_again(sha256('reg-one-session'), repeat('a', 40),
    now() + interval '12 minutes'), 'ok',
    'the same request again (same token) is ok ...');
SELECT is((SELECT count(*) FROM mail_outbox WHERE account_id = :reg_account_id
    AND kind = 'confirm'), 2::bigint, '... and mails nothing more');
SELECT auth_register('reg.one@example.org', 'Somebody Else', :'h1', 'en',
    repeat('m', 40), now() + interval '13 minutes') AS ignored \gset
SELECT is(auth_confirm_again(sha256('reg-one-session'), repeat('d', 40),
    now() + interval '23 minutes'), 'ok',
    'someone registering the same address does not hold the owner''s link back');
SELECT is(auth_confirm_again(sha256('no-such-session'), repeat('b', 40),
    now()), 'session', 'no session, no link');
SELECT is(auth_confirm_again(sha256('reg-one-session'), 'short',
    now() + interval '20 minutes'), 'invalid_input', 'a malformed token is refused');
-- Left as registration left it, for the sections below.
DELETE FROM sessions WHERE token_hash = sha256('reg-one-session');
DELETE FROM mail_outbox WHERE account_id = :reg_account_id AND
    created_at > now();
DELETE FROM account_tokens WHERE token_hash IN (auth_token_hash(repeat('a',
    40)), auth_token_hash(repeat('d', 40)), auth_token_hash(repeat('m', 40)));

-- The same address again, in other letters' case: no enumeration.
SELECT is((SELECT row(code, account_id)::text FROM auth_register(
    'REG.ONE@example.ORG', 'Someone Else', :'h2', 'id', :'tc2', now())),
    row('ok', :reg_account_id)::text,
    'registering a taken address (other case) answers ok, existing account');
SELECT is((SELECT count(*) FROM accounts), (:n_accounts + 1)::bigint,
    '... creates no second account');
SELECT is((SELECT row(email, display_name, password_hash, lang)::text
    FROM accounts WHERE id = :reg_account_id),
    row('Reg.One@Example.org', 'Reg One', :'h1', 'en')::text,
    '... and changes nothing of the existing one');
SELECT is((SELECT count(*) FROM account_tokens
    WHERE token_hash = sha256(convert_to(:'tc2', 'UTF8')) AND
    used_at IS NULL), 0::bigint,
    '... stores no usable token for it (only a spent one, so a retry is a no-op)');
SELECT is((SELECT string_agg(kind || '/' || to_addr || '/' || lang || '/' ||
    coalesce(data->>'token', '-'), ';' ORDER BY id) FROM mail_outbox
    WHERE account_id = :reg_account_id),
    'confirm/Reg.One@Example.org/en/' || :'tc1' ||
    ';already_registered/Reg.One@Example.org/en/-',
    '... but mails the owner (in their language) already_registered');
SELECT auth_register('reg.one@example.org', 'Third Try', :'h2', 'id',
    'RegTokenThird_0123456789abcdefgh', now() + interval '2 minutes')
    AS ignored \gset
SELECT is((SELECT count(*) FROM mail_outbox WHERE account_id = :reg_account_id
    AND kind = 'already_registered'), 1::bigint,
    'another registration two minutes later mails the owner nothing more');

-- Invalid input writes nothing.
SELECT pg_temp.writes() AS w1 \gset
SELECT is((SELECT code FROM auth_register('not-an-email', 'X', :'h1', 'en',
    :'tc3', now())), 'invalid_input', 'an address without @ is invalid_input');
SELECT is((SELECT code FROM auth_register('two words@example.org', 'X',
    :'h1', 'en', :'tc3', now())), 'invalid_input', 'an address with a space too');
SELECT is((SELECT code FROM auth_register('empty.name@example.org', '',
    :'h1', 'en', :'tc3', now())), 'invalid_name',
    'an empty name is invalid_name (the form says which field)');
SELECT is((SELECT code FROM auth_register('ctrl.name@example.org',
    E'Evil\nName', :'h1', 'en', :'tc3', now())), 'invalid_name',
    'a name with a control character too');
SELECT is((SELECT code FROM auth_register('blank.name@example.org', '   ',
    :'h1', 'en', :'tc3', now())), 'invalid_name', 'a blank name too');
SELECT is((SELECT code FROM auth_register('argon2i@example.org', 'X',
    '$argon2i$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', 'en', :'tc3',
    now())), 'invalid_input', 'an Argon2i (not Argon2id) hash too');
SELECT is((SELECT code FROM auth_register('bad.lang@example.org', 'X',
    :'h1', 'de', :'tc3', now())), 'invalid_input', 'an unknown language too');
SELECT is((SELECT code FROM auth_register('short.token@example.org', 'X',
    :'h1', 'en', 'short', now())), 'invalid_input', 'a short token too');
SELECT is((SELECT code FROM auth_register('bad.token@example.org', 'X',
    :'h1', 'en', 'ConfirmTokenBad!0123456789abcdef', now())), 'invalid_input',
    'a token with a character outside base64url too');
SELECT is(pg_temp.writes(), :'w1', 'the refused registrations wrote nothing');

-- Was a bug: a NULL hash passes validation.  `p_hash NOT LIKE '$argon2id$%'` is
-- NULL for NULL, so the OR chain is NULL and IF treats it as false: the
-- account is created with password_hash NULL (allowed by the CHECK), a
-- confirm token and mail, and the answer is 'ok'.
SELECT code AS nullhash FROM auth_register('nullhash@example.org', 'No Hash',
    NULL, 'en', :'tb1', now()) \gset
SELECT is(:'nullhash'::text, 'invalid_input',
    'a NULL hash is invalid_input');
SELECT is((SELECT count(*) FROM accounts
    WHERE email = 'nullhash@example.org'), 0::bigint,
    '... and creates no account without a password');
-- Was a bug: a NULL language passes validation the same way (NULL NOT IN ...),
-- and the INSERT into accounts then raises 23502 (lang NOT NULL) instead
-- of answering invalid_input.
SELECT is(pg_temp.try(format(
    'SELECT code FROM auth_register(%L, %L, %L, NULL, %L, now())',
    'nulllang@example.org', 'No Lang', :'h1', :'tb2')), 'invalid_input',
    'a NULL language is invalid_input, not an error');

-------------------------------------------------------------------------
-- 2. Confirmation.
-------------------------------------------------------------------------
SELECT is((SELECT row(code, account_id)::text FROM auth_use_token('confirm',
    :'tc1', NULL, now() + interval '1 hour')),
    row('ok', :reg_account_id)::text, 'a confirm token confirms its account');
SELECT is((SELECT email_confirmed_at FROM accounts
    WHERE id = :reg_account_id), now() + interval '1 hour',
    '... email_confirmed_at is set to then');
SELECT is((SELECT code FROM auth_use_token('confirm', :'tc1', NULL,
    now() + interval '2 hours')), 'invalid', 'a used confirm token is invalid');

SELECT account_id AS reg2 FROM auth_register('reg.two@example.org',
    'Reg Two', :'h1', 'id', :'tc5', now()) \gset
SELECT is((SELECT code FROM auth_use_token('confirm', :'tc5', NULL,
    now() + interval '2 days 1 second')), 'expired',
    'a confirm token after confirm_ttl is expired');
SELECT is((SELECT email_confirmed_at FROM accounts WHERE id = :reg2),
    NULL::timestamptz, '... and confirms nothing');
SELECT is((SELECT code FROM auth_use_token('confirm', :'tc5', NULL,
    now() + interval '2 days' - interval '1 second')), 'ok',
    '... while just before confirm_ttl the same token works');
SELECT is((SELECT code FROM auth_use_token('confirm', 'short', NULL, now())),
    'invalid', 'a malformed token is invalid');
SELECT is((SELECT code FROM auth_use_token('confirm',
    'UnknownToken_0123456789abcdefghij', NULL, now())), 'invalid',
    'an unknown token is invalid');

SELECT account_id AS reg3 FROM auth_register('reg.three@example.org',
    'Reg Three', :'h1', 'en', :'tc6', now()) \gset
SELECT is((SELECT code FROM auth_use_token('reset', :'tc6', :'h2', now())),
    'invalid', 'a confirm token is no reset token');
SELECT is((SELECT row(password_hash, email_confirmed_at IS NULL)::text
    FROM accounts WHERE id = :reg3), row(:'h1', true)::text,
    '... and changes neither password nor confirmation');

-------------------------------------------------------------------------
-- 3. Password reset.
-------------------------------------------------------------------------
SELECT is(auth_reset_request('REG.ONE@EXAMPLE.ORG', :'tr1', now()), 'ok',
    'a reset request for an account (any case) answers ok');
SELECT is((SELECT string_agg(row(account_id = :reg_account_id, purpose,
    expires_at = now() + interval '1 hour', used_at IS NULL)::text, ';')
    FROM account_tokens
    WHERE token_hash = sha256(convert_to(:'tr1', 'UTF8'))),
    row(true, 'reset', true, true)::text,
    '... stores a reset token (its hash), valid for reset_ttl');
SELECT is((SELECT string_agg(row(to_addr, lang, data->>'token')::text, ';')
    FROM mail_outbox WHERE account_id = :reg_account_id AND kind = 'reset'),
    row('Reg.One@Example.org', 'en', :'tr1')::text,
    '... and queues a reset mail carrying the token');
SELECT is(auth_reset_request('reg.one@example.org',
    'ResetTokenTwin_0123456789abcdefgh', now() + interval '5 minutes'), 'ok',
    'another reset five minutes later answers the same ok ...');
SELECT is((SELECT count(*) FROM mail_outbox WHERE account_id = :reg_account_id
    AND kind = 'reset') + (SELECT count(*) FROM account_tokens
    WHERE token_hash = auth_token_hash('ResetTokenTwin_0123456789abcdefgh')),
    1::bigint, '... but mails nothing: the first link still works');
SELECT auth_reset_request('reg.one@example.org', :'tr2',
    now() + interval '11 minutes') AS ignore \gset

SELECT pg_temp.writes() AS w2 \gset
SELECT is(auth_reset_request('nobody@example.org',
    'ResetTokenNobody_0123456789abcdef', now()), 'ok',
    'an unknown address gets the same ok');
SELECT is(pg_temp.writes(), :'w2', '... and nothing is written');

SELECT account_id AS dis FROM auth_register('disabled@example.org',
    'Dis Abled', :'h1', 'en', :'tc7', now()) \gset
UPDATE accounts SET disabled_at = now() WHERE id = :dis;
SELECT is(auth_reset_request('disabled@example.org',
    'ResetTokenDisabled_0123456789abcd', now()), 'ok',
    'a disabled account gets the same ok');
SELECT is((SELECT count(*) FROM account_tokens
    WHERE account_id = :dis AND purpose = 'reset') +
    (SELECT count(*) FROM mail_outbox WHERE account_id = :dis AND
    kind = 'reset'), 0::bigint, '... but no reset token nor mail');
SELECT count(*) AS ignore FROM accounts a,
    auth_reset_request(a.email, 'ResetTokenRole_' || md5(a.email), now())
    WHERE a.role IN ('system', 'partner') \gset
SELECT is((SELECT count(*) FROM account_tokens t JOIN accounts a
    ON a.id = t.account_id WHERE a.role IN ('system', 'partner')) +
    (SELECT count(*) FROM mail_outbox m JOIN accounts a
    ON a.id = m.account_id WHERE a.role IN ('system', 'partner')), 0::bigint,
    'system and partner accounts get no reset token nor mail');

-- Two open sessions of the account, to be ended by the reset.
SELECT count(*) AS ignore FROM (VALUES ('reg-s1'), ('reg-s2')) v(t),
    auth_login_finish('reg.one@example.org', :reg_account_id, '192.0.2.1',
    true, sha256(v.t::bytea), :'csrf', NULL, NULL, now()) \gset

SELECT is((SELECT code FROM auth_use_token('reset', :'tr1', 'plain-password',
    now() + interval '10 minutes')), 'invalid_input',
    'a reset to a hash that is not Argon2id is invalid_input');
SELECT is((SELECT row(password_hash, (SELECT used_at FROM account_tokens
    WHERE token_hash = sha256(convert_to(:'tr1', 'UTF8'))) IS NULL,
    (SELECT count(*) FROM sessions WHERE account_id = :reg_account_id AND
    ended_at IS NULL))::text FROM accounts WHERE id = :reg_account_id),
    row(:'h1', true, 2)::text,
    '... changes nothing and leaves the token unused');
SELECT is((SELECT code FROM auth_use_token('reset', :'tr2', :'h3',
    now() + interval '1 hour 11 minutes 1 second')), 'expired',
    'a reset token after reset_ttl is expired');
SELECT is((SELECT row(code, account_id)::text FROM auth_use_token('reset',
    :'tr1', :'h2', now() + interval '10 minutes')),
    row('ok', :reg_account_id)::text, 'a reset token answers ok');
SELECT is((SELECT password_hash FROM accounts WHERE id = :reg_account_id),
    :'h2', '... and sets the new hash');
SELECT is((SELECT count(*) FILTER (WHERE ended_at = now() +
    interval '10 minutes') || '/' || count(*) FROM sessions
    WHERE account_id = :reg_account_id), '2/2',
    '... ends every open session of the account');
SELECT is((SELECT string_agg(to_addr || '/' || lang, ';') FROM mail_outbox
    WHERE account_id = :reg_account_id AND kind = 'password_changed'),
    'Reg.One@Example.org/en', '... and queues a password_changed mail');
SELECT is((SELECT code FROM auth_use_token('reset', :'tr1', :'h3',
    now() + interval '11 minutes')), 'invalid', 'a reset token works once');
SELECT is((SELECT password_hash FROM accounts WHERE id = :reg_account_id),
    :'h2', '... the second use changes nothing');

-------------------------------------------------------------------------
-- 4. Login: begin, finish, throttling.
-------------------------------------------------------------------------
SELECT account_id AS lg FROM auth_register('login@example.org', 'Log In',
    :'h1', 'en', :'tc8', now()) \gset

SELECT is((SELECT row(allowed, retry_after, account_id,
    password_hash = auth_dummy_hash())::text FROM auth_login_begin(
    'nobody@example.org', '198.51.100.7', now())),
    row(true, 0, NULL::bigint, true)::text,
    'an unknown address may try, with no account and the dummy hash');
SELECT matches((SELECT password_hash FROM auth_login_begin(
    'nobody@example.org', '198.51.100.7', now())),
    '^\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$',
    '... shaped like a real (libsodium interactive) Argon2id hash');
SELECT is((SELECT row(allowed, retry_after, account_id, password_hash)::text
    FROM auth_login_begin('LOGIN@example.org', '198.51.100.7', now())),
    row(true, 0, :lg, :'h1')::text,
    'a known address (any case) gets its account and hash');
SELECT is((SELECT row(allowed, account_id,
    password_hash = auth_dummy_hash())::text FROM auth_login_begin(
    'disabled@example.org', '198.51.100.7', now())),
    row(true, NULL::bigint, true)::text,
    'a disabled account looks like an unknown one');

-- Per account: four failures (from four addresses, two letter cases)...
SELECT count(*) AS ignore FROM generate_series(1, 4) g,
    auth_login_finish(CASE WHEN g % 2 = 0 THEN 'LOGIN@EXAMPLE.ORG'
    ELSE 'login@example.org' END, :lg, ('192.0.2.' || (100 + g))::inet, false,
    NULL, NULL, NULL, NULL, now() - interval '11 minutes' + g *
    interval '1 minute') \gset
SELECT is((SELECT allowed FROM auth_login_begin('login@example.org',
    '198.51.100.7', now())), true,
    'four failures within fail_window still allow a try');
SELECT code AS ignore FROM auth_login_finish('Login@Example.org', :lg,
    '192.0.2.105', false, NULL, NULL, NULL, NULL,
    now() - interval '6 minutes') \gset
SELECT is((SELECT row(allowed, account_id, password_hash)::text
    FROM auth_login_begin('login@example.org', '198.51.100.7', now())),
    row(false, NULL::bigint, NULL::text)::text,
    'after per_account failures the next try is refused, no account, no hash');
SELECT ok((SELECT retry_after > 0 AND retry_after <= 900
    FROM auth_login_begin('login@example.org', '198.51.100.7', now())),
    '... with 0 < retry_after <= fail_window seconds');
SELECT is((SELECT allowed FROM auth_login_begin('login@example.org',
    '198.51.100.7', now() + (SELECT retry_after FROM auth_login_begin(
    'login@example.org', '198.51.100.7', now())) * interval '1 second')),
    true, '... and retry_after seconds later a try is allowed');
SELECT is((SELECT row(allowed, account_id, password_hash)::text
    FROM auth_login_begin('login@example.org', '198.51.100.7',
    now() + interval '10 minutes')), row(true, :lg, :'h1')::text,
    'once every failure is older than fail_window it is allowed again');

-- Per address: many e-mails sprayed from one address.
SELECT count(*) AS ignore FROM generate_series(1, 19) g,
    auth_login_finish('spray' || g || '@example.org', NULL, '203.0.113.9',
    false, NULL, NULL, NULL, NULL, now() - interval '1 minute') \gset
SELECT is((SELECT allowed FROM auth_login_begin('fresh@example.org',
    '203.0.113.9', now())), true,
    '19 failures from one inet address still allow a try there');
SELECT code AS ignore FROM auth_login_finish('spray20@example.org', NULL,
    '203.0.113.9', false, NULL, NULL, NULL, NULL,
    now() - interval '1 minute') \gset
SELECT is((SELECT row(allowed, retry_after > 0 AND retry_after <= 900)::text
    FROM auth_login_begin('fresh@example.org', '203.0.113.9', now())),
    row(false, true)::text,
    'after per_address failures a new e-mail from that address is refused');
SELECT is((SELECT allowed FROM auth_login_begin('fresh@example.org',
    '203.0.113.10', now())), true, '... but not from another address');

-- IPv6: the limit is per /64, not per address.  IPv4 written as IPv6
-- stays one address.
SELECT count(*) AS ignore FROM generate_series(1, 20) g,
    auth_login_finish('spray6-' || g || '@example.org', NULL,
    ('2001:db8:6:6::' || to_hex(g))::inet, false, NULL, NULL, NULL, NULL,
    now() - interval '1 minute') \gset
SELECT is((SELECT allowed FROM auth_login_begin('fresh@example.org',
    '2001:db8:6:6:ffff:1:2:3', now())), false,
    'failures from 20 addresses of one IPv6 /64 refuse a 21st address there');
SELECT is((SELECT allowed FROM auth_login_begin('fresh@example.org',
    '2001:db8:6:7::1', now())), true, '... but not in the next /64');
SELECT is((SELECT allowed FROM auth_login_begin('fresh@example.org',
    '::ffff:203.0.113.11', now())), true,
    'IPv4 addresses written as IPv6 are not one /64');

-- A successful finish.
SELECT is((SELECT row(code, expires_at)::text FROM auth_login_finish(
    'login@example.org', :lg, '192.0.2.50', true, sha256('login-a'::bytea),
    :'csrf', NULL, NULL, now())),
    row('ok', now() + interval '12 hours')::text,
    'a successful login answers ok with the absolute expiry');
SELECT is((SELECT row(account_id, ok, address)::text FROM login_attempts
    WHERE email = 'login@example.org' ORDER BY id DESC LIMIT 1),
    row(:lg, true, '192.0.2.50'::inet)::text,
    '... records a successful attempt');
SELECT is((SELECT string_agg(row(account_id, csrf, created_at, last_seen_at,
    expires_at, ended_at, address)::text, ';') FROM sessions
    WHERE token_hash = sha256('login-a'::bytea)),
    row(:lg, :'csrf', now(), now(), now() + interval '12 hours',
    NULL::timestamptz, '192.0.2.50'::inet)::text,
    '... and opens a session with the token hash and csrf');

SELECT is((SELECT code FROM auth_login_finish('nobody@example.org', NULL,
    '192.0.2.51', true, sha256('login-x'::bytea), :'csrf', NULL, NULL,
    now())), 'bad_credentials', 'p_ok without an account is bad_credentials');
SELECT is((SELECT count(*) FROM sessions
    WHERE token_hash = sha256('login-x'::bytea)), 0::bigint,
    '... opens no session');
SELECT is((SELECT string_agg(ok::text, ';') FROM login_attempts
    WHERE email = 'nobody@example.org'), 'false',
    '... and counts as a failure');

SELECT code AS ignore FROM auth_login_finish('login@example.org', :lg,
    '192.0.2.50', true, sha256('login-b'::bytea), :'csrf', 'not-argon2id',
    NULL, now()) \gset
SELECT is((SELECT password_hash FROM accounts WHERE id = :lg), :'h1',
    'a rehash that is not Argon2id is not stored');
SELECT code AS ignore FROM auth_login_finish('login@example.org', :lg,
    '192.0.2.50', true, sha256('login-c'::bytea), :'csrf', :'h3',
    sha256('login-a'::bytea), now() + interval '1 minute') \gset
SELECT is((SELECT password_hash FROM accounts WHERE id = :lg), :'h3',
    'a login with a rehash stores it');
SELECT is((SELECT string_agg(coalesce(ended_at::text, 'open'), ';'
    ORDER BY created_at, token_hash = sha256('login-c'::bytea))
    FROM sessions WHERE token_hash IN (sha256('login-a'::bytea),
    sha256('login-c'::bytea))),
    (now() + interval '1 minute')::text || ';open',
    'a login with the old token hash ends the old session, opens the new');

-------------------------------------------------------------------------
-- 5. Sessions.
-------------------------------------------------------------------------
SELECT count(*) AS ignore FROM (VALUES ('s-live'), ('s-idle'), ('s-abs'),
    ('s-out')) v(t), auth_login_finish('login@example.org', :lg, NULL, true,
    sha256(v.t::bytea), :'csrf', NULL, NULL, now()) \gset

SELECT is((SELECT string_agg(row(account_id, role, office_id, display_name,
    email, lang, csrf, email_confirmed)::text, ';')
    FROM auth_session(sha256('s-live'::bytea), now() + interval '5 minutes')),
    row(:lg, 'applicant'::account_role, NULL::integer, 'Log In',
    'login@example.org', 'en', :'csrf', false)::text,
    'a live session gives its account and csrf');
SELECT is((SELECT last_seen_at FROM sessions
    WHERE token_hash = sha256('s-live'::bytea)), now() + interval '5 minutes',
    '... and touches last_seen_at');
SELECT is((SELECT count(*) FROM auth_session(sha256('s-live'::bytea),
    now() + interval '5 minutes 50 seconds')), 1::bigint,
    'a look within the minute finds it');
SELECT is((SELECT last_seen_at FROM sessions
    WHERE token_hash = sha256('s-live'::bytea)), now() + interval '5 minutes',
    '... without writing last_seen_at');
SELECT is((SELECT count(*) FROM auth_session(sha256('s-live'::bytea),
    now() + interval '6 minutes 1 second')), 1::bigint,
    'a look after more than a minute finds it');
SELECT is((SELECT last_seen_at FROM sessions
    WHERE token_hash = sha256('s-live'::bytea)),
    now() + interval '6 minutes 1 second', '... and writes last_seen_at');

SELECT is((SELECT count(*) FROM auth_session(sha256('s-idle'::bytea),
    now() + interval '29 minutes')), 1::bigint,
    'a session seen within idle is alive');
SELECT is((SELECT count(*) FROM auth_session(sha256('s-idle'::bytea),
    now() + interval '58 minutes')), 1::bigint,
    '... the idle clock runs from the last look');
SELECT is((SELECT count(*) FROM auth_session(sha256('s-idle'::bytea),
    now() + interval '88 minutes')), 0::bigint,
    '... and idle after it the session gives nothing');

SELECT is((SELECT count(*) FROM generate_series(1, 35) g,
    auth_session(sha256('s-abs'::bytea), now() + g * interval '20 minutes')),
    35::bigint, 'a session used every 20 minutes stays alive');
SELECT is((SELECT count(*) FROM auth_session(sha256('s-abs'::bytea),
    now() + interval '11 hours 59 minutes')), 1::bigint,
    '... up to its absolute expiry');
SELECT is((SELECT count(*) FROM auth_session(sha256('s-abs'::bytea),
    now() + interval '12 hours')), 0::bigint,
    '... and gives nothing from then on, however active');

SELECT auth_logout(sha256('s-out'::bytea), now() + interval '1 minute')
    AS ignore \gset
SELECT is((SELECT count(*) FROM auth_session(sha256('s-out'::bytea),
    now() + interval '2 minutes')), 0::bigint,
    'a session after logout gives nothing');

SELECT code AS ignore FROM auth_login_finish('reg.three@example.org', :reg3,
    NULL, true, sha256('s-dis'::bytea), :'csrf', NULL, NULL, now()) \gset
SELECT is((SELECT count(*) FROM auth_session(sha256('s-dis'::bytea),
    now() + interval '1 minute')), 1::bigint, 'a session works ...');
UPDATE accounts SET disabled_at = now() WHERE id = :reg3;
SELECT is((SELECT count(*) FROM auth_session(sha256('s-dis'::bytea),
    now() + interval '2 minutes')), 0::bigint,
    '... until its account is disabled');

-------------------------------------------------------------------------
-- 6. Password change.
-------------------------------------------------------------------------
SELECT account_id AS pw FROM auth_register('pwchange@example.org',
    'Pw Change', :'h1', 'id', :'tc4', now()) \gset
SELECT count(*) AS ignore FROM (VALUES ('p-cur'), ('p-other')) v(t),
    auth_login_finish('pwchange@example.org', :pw, NULL, true,
    sha256(v.t::bytea), :'csrf', NULL, NULL, now()) \gset

SELECT is(auth_password_change(sha256('p-cur'::bytea), 'plain-password',
    NULL, now() + interval '3 minutes'), 'invalid_input',
    'a new hash that is not Argon2id is invalid_input');
SELECT is((SELECT row(password_hash, (SELECT count(*) FROM sessions
    WHERE account_id = :pw AND ended_at IS NULL))::text FROM accounts
    WHERE id = :pw), row(:'h1', 2)::text,
    '... and changes nothing');
-- The old password is checked first, as a sign-in attempt.
SELECT is((SELECT row(allowed, password_hash)::text FROM auth_password_hash(
    sha256('p-cur'::bytea), '192.0.2.77', now() + interval '3 minutes')),
    row(true, :'h1')::text,
    'a live session gets its hash to check the old password against');
SELECT is((SELECT row(ok, pending)::text FROM login_attempts
    WHERE account_id = :pw AND address = '192.0.2.77'),
    row(false, true)::text, '... reserved as a failed attempt until settled');
SELECT is(auth_password_change(sha256('p-cur'::bytea), :'h2', '192.0.2.77',
    now() + interval '3 minutes'), 'ok', 'a password change answers ok');
SELECT is((SELECT row(ok, pending)::text FROM login_attempts
    WHERE account_id = :pw AND address = '192.0.2.77'),
    row(true, false)::text, '... and settles the attempt as a success');
SELECT is((SELECT password_hash FROM accounts WHERE id = :pw), :'h2',
    '... sets the new hash');
SELECT is((SELECT string_agg(coalesce(ended_at::text, 'open'), ';'
    ORDER BY token_hash = sha256('p-other'::bytea)) FROM sessions
    WHERE account_id = :pw), 'open;' || (now() + interval '3 minutes')::text,
    '... ends the other session but not the current one');
SELECT is((SELECT count(*) FROM sessions WHERE account_id <> :pw AND
    ended_at = now() + interval '3 minutes'), 0::bigint,
    '... and no session of another account');
SELECT is((SELECT count(*) FROM auth_session(sha256('p-cur'::bytea),
    now() + interval '4 minutes')), 1::bigint,
    '... the current session stays usable');
SELECT is((SELECT string_agg(to_addr || '/' || lang, ';') FROM mail_outbox
    WHERE account_id = :pw AND kind = 'password_changed'),
    'pwchange@example.org/id', '... and a password_changed mail is queued');
SELECT is(auth_password_change(sha256('p-nope'::bytea), :'h3', NULL,
    now() + interval '5 minutes'), 'not_found',
    'an unknown session is not_found');
SELECT is(auth_password_change(sha256('p-other'::bytea), :'h3', NULL,
    now() + interval '5 minutes'), 'not_found', 'an ended session too');
SELECT is((SELECT password_hash FROM accounts WHERE id = :pw), :'h2',
    '... neither changed the hash');
SELECT is((SELECT count(*) FROM auth_password_hash(sha256('p-other'::bytea),
    '192.0.2.77', now() + interval '5 minutes')), 0::bigint,
    'an ended session gets no hash');

-- Wrong old passwords are throttled like sign-ins: the fifth failure
-- within fail_window refuses the next check, before any hashing.
SELECT count(*) AS ignore FROM generate_series(1, 5) g,
    auth_password_hash(sha256('p-cur'::bytea), ('192.0.2.' || 80 + g)::inet,
    now() + interval '5 minutes') \gset
SELECT is((SELECT row(allowed, retry_after BETWEEN 1 AND 900,
    password_hash IS NULL)::text FROM auth_password_hash(
    sha256('p-cur'::bytea), '192.0.2.90', now() + interval '5 minutes')),
    row(false, true, true)::text,
    'after five unsettled old-password checks the sixth is refused, no hash');
SELECT is((SELECT allowed FROM auth_login_begin('pwchange@example.org',
    '192.0.2.91', now() + interval '5 minutes')), false,
    '... and so is a sign-in to that account: one throttle');

-- Was a bug: auth_password_change (like auth_password_hash and portal_cases)
-- checks only ended_at and expires_at, not the idle timeout (nor a
-- disabled account): a session auth_session calls dead still changes the
-- password.  p-cur was last seen at +4 minutes.
SELECT is((SELECT count(*) FROM auth_session(sha256('p-cur'::bytea),
    now() + interval '2 hours')), 0::bigint,
    'a session idle for two hours is dead for auth_session');
SELECT is(auth_password_change(sha256('p-cur'::bytea), :'h3', NULL,
    now() + interval '2 hours'), 'not_found',
    '... and cannot change the password');

-------------------------------------------------------------------------
-- 7. The portal's case list.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('draft') AS pc1 \gset
SELECT pg_temp.t_case('submitted') AS pc2 \gset
SELECT (case_create(pg_temp.actor('other_applicant'),
    (SELECT id FROM offices WHERE code = 'TAA'),
    (SELECT id FROM applicants WHERE passport_no = 'OO7654321'), 'E23',
    1::smallint, 'regular', 'employer', 'PT Lain', 'RPTKA-2', NULL)).case_id
    AS oc \gset
-- Only an account with a password can sign in.
UPDATE accounts SET password_hash = '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'
    WHERE id IN (pg_temp.actor('applicant'), pg_temp.actor('other_applicant'));
SELECT code AS ignore FROM auth_login_finish('t.applicant@test',
    pg_temp.actor('applicant'), NULL, true, sha256('portal-a'::bytea),
    :'csrf', NULL, NULL, now()) \gset
SELECT code AS ignore FROM auth_login_finish('t.other@test',
    pg_temp.actor('other_applicant'), NULL, true, sha256('portal-o'::bytea),
    :'csrf', NULL, NULL, now()) \gset

SELECT set_eq($$ SELECT reference FROM portal_cases(sha256('portal-a'::bytea),
    now()) $$, format('SELECT reference FROM cases WHERE id IN (%s, %s)',
    :pc1, :pc2), 'portal_cases lists the session''s account''s cases');
SELECT is_empty(format($$ SELECT 1 FROM portal_cases(
    sha256('portal-a'::bytea), now()) p JOIN cases c
    ON c.reference = p.reference WHERE c.id = %s $$, :oc),
    '... and none of another applicant''s');
SELECT is((SELECT string_agg(row(state, permit_kind, service_level,
    updated ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d$')::text, ';')
    FROM portal_cases(sha256('portal-a'::bytea), now())
    WHERE reference = (SELECT reference FROM cases WHERE id = :pc2)),
    row('submitted'::case_state, 'E23'::permit_kind,
    'regular'::service_level, true)::text,
    '... each with state, kind, level and update time');
SELECT set_eq($$ SELECT reference FROM portal_cases(sha256('portal-o'::bytea),
    now()) $$, format('SELECT reference FROM cases WHERE id = %s', :oc),
    'the other applicant''s session lists only their case');
SELECT auth_logout(sha256('portal-a'::bytea), now() + interval '1 minute')
    AS ignore \gset
SELECT is_empty($$ SELECT * FROM portal_cases(sha256('portal-a'::bytea),
    now() + interval '2 minutes') $$, 'an ended session lists nothing');
SELECT is_empty($$ SELECT * FROM portal_cases(sha256('portal-nope'::bytea),
    now()) $$, 'an unknown session lists nothing');
-- Was a bug: portal_cases ignores the idle timeout (see section 6): two hours
-- after its last use, auth_session gives nothing for portal-o, yet
-- portal_cases still lists its cases.
SELECT is_empty($$ SELECT * FROM portal_cases(sha256('portal-o'::bytea),
    now() + interval '2 hours') $$,
    'a session gone idle lists nothing');

-------------------------------------------------------------------------
-- 8. What the server's role may do directly.
-------------------------------------------------------------------------
SELECT pg_temp.actor('applicant') AS app \gset
SET LOCAL ROLE kitas_app;
SELECT throws_ok('SELECT password_hash FROM accounts', '42501', NULL,
    'kitas_app cannot read password hashes');
SELECT lives_ok('SELECT id, role, office_id, email, display_name,
    disabled_at, created_at, email_confirmed_at, lang FROM accounts',
    '... but reads the other account columns');
SELECT throws_ok('SELECT 1 FROM sessions', '42501', NULL,
    '... cannot read sessions');
SELECT throws_ok('SELECT 1 FROM account_tokens', '42501', NULL,
    '... nor account_tokens');
SELECT throws_ok('SELECT 1 FROM login_attempts', '42501', NULL,
    '... nor login_attempts');
SELECT throws_ok('SELECT 1 FROM mail_outbox', '42501', NULL,
    '... nor mail_outbox');
SELECT throws_ok(format($$ INSERT INTO sessions (token_hash, account_id, csrf,
    created_at, last_seen_at, expires_at) VALUES (sha256('forged'::bytea),
    %s, %L, now(), now(), now() + interval '1 day') $$, :app, :'csrf'),
    '42501', NULL, '... cannot forge a session');
SELECT throws_ok(format('UPDATE accounts SET password_hash = %L WHERE id = %s',
    :'h1', :app), '42501', NULL, '... nor set a password directly');
SELECT is((SELECT row(account_id, csrf)::text FROM auth_session(
    sha256('s-live'::bytea), now() + interval '7 minutes')),
    row(:lg, :'csrf')::text, '... but calls auth_session');
SELECT is((SELECT row(allowed, account_id, password_hash)::text
    FROM auth_login_begin('login@example.org', '198.51.100.8',
    now() + interval '10 minutes')), row(true, :lg, :'h3')::text,
    '... and auth_login_begin');
RESET ROLE;

-------------------------------------------------------------------------
-- 9. The server reserves the attempt before hashing: guesses in
--    parallel are counted before any of them finishes.
-------------------------------------------------------------------------
SELECT account_id AS par FROM auth_register('parallel@example.org', 'Par',
    :'h1', 'en', 'ConfirmTokenPar_0123456789abcdef', now()) \gset
SELECT count(*) AS ignore FROM generate_series(1, 5) g,
    auth_login_begin('parallel@example.org', ('192.0.2.' || (150 + g))::inet,
    now(), p_reserve => true) WHERE allowed \gset
SELECT is(:ignore::int, 5, 'five guesses in flight are allowed');
SELECT is((SELECT allowed FROM auth_login_begin('parallel@example.org',
    '192.0.2.160', now(), p_reserve => true)), false,
    '... the sixth is refused before any of them finished');
SELECT is((SELECT count(*) FROM login_attempts WHERE email =
    'parallel@example.org')::int, 5, '... and not recorded');
SELECT is((SELECT code FROM auth_login_finish('parallel@example.org', :par,
    '192.0.2.151', false, NULL, NULL, NULL, NULL, now())), 'bad_credentials',
    'a finish turns its reserved attempt into the outcome');
SELECT is((SELECT count(*) FROM login_attempts WHERE email =
    'parallel@example.org')::int, 5, '... instead of adding a row');
SELECT is((SELECT count(*) FROM login_attempts WHERE email =
    'parallel@example.org' AND pending)::int, 4, '... no longer pending');
SELECT is((SELECT allowed FROM auth_login_begin('parallel@example.org',
    '192.0.2.170', now())), false, 'a plain begin only asks: still refused');

-------------------------------------------------------------------------
-- 10. Reservations in parallel sessions: a begin counts, then records,
--     under a lock per e-mail and per address held to its commit, so a
--     second session waits and then counts the first one's attempts.
-------------------------------------------------------------------------
SELECT ok(EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() AND
    locktype = 'advisory' AND granted AND objsubid = 2 AND
    classid = hashtext('login_email')::oid AND
    objid = hashtext('parallel@example.org')::oid) AND
    EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() AND
    locktype = 'advisory' AND granted AND objsubid = 2 AND
    classid = hashtext('login_address')::oid AND
    objid = hashtext('192.0.2.160'::inet::text)::oid),
    'a reserving begin holds its e-mail''s and its address''s lock');

\ir race_fixtures.psql
\if :race
-- Per e-mail: five guesses reserved in race1, not yet committed.
SELECT FROM dblink_exec('race1', 'BEGIN');
SELECT count(*) AS ignore FROM dblink('race1', $$SELECT allowed
    FROM generate_series(1, 5) g, auth_login_begin('race@example.org',
    ('198.18.0.' || g)::inet, now(), p_reserve => true)
    WHERE allowed$$) AS t(allowed boolean) \gset
SELECT FROM dblink_send_query('race2', $$SELECT allowed FROM auth_login_begin(
    'Race@Example.org', '198.18.0.9', now(), p_reserve => true)$$);
SELECT ok(pg_temp.race_waits('race2'),
    'a sixth guess in another session waits for the five in flight');
SELECT FROM dblink_exec('race1', 'COMMIT');
SELECT is((SELECT allowed FROM dblink_get_result('race2')
    AS t(allowed boolean)), false, '... and, once they commit, is refused');
SELECT count(*) AS ignore FROM dblink_get_result('race2') AS t(x boolean)
    \gset

-- Per address: twenty e-mails from one address in race1.
SELECT FROM dblink_exec('race1', 'BEGIN');
SELECT count(*) AS ignore FROM dblink('race1', $$SELECT allowed
    FROM generate_series(1, 20) g, auth_login_begin('race' || g ||
    '@example.org', '198.18.1.1', now(), p_reserve => true)
    WHERE allowed$$) AS t(allowed boolean) \gset
SELECT FROM dblink_send_query('race2', $$SELECT allowed FROM auth_login_begin(
    'race21@example.org', '198.18.1.1', now(), p_reserve => true)$$);
SELECT ok(pg_temp.race_waits('race2'),
    'a 21st e-mail from that address in another session waits');
SELECT FROM dblink_exec('race1', 'COMMIT');
SELECT is((SELECT allowed FROM dblink_get_result('race2')
    AS t(allowed boolean)), false, '... and, once they commit, is refused');
SELECT count(*) AS ignore FROM dblink_get_result('race2') AS t(x boolean)
    \gset

SELECT FROM dblink_exec('race1', $$DELETE FROM login_attempts
    WHERE email ~ '^race[0-9]*@example\.org$'$$);
SELECT FROM pg_temp.race_end();
\else
SELECT skip('dblink cannot open a second session here', 4);
\endif

SELECT * FROM finish();
ROLLBACK;
