-- The partner exchange (0009): what a verified partner may do.  The
-- signature itself is checked in C (tests/unit/test_sig.c); here: keys
-- valid in time, a message id processed once, a signature good once,
-- message types per partner, offices per partner, and the log.
BEGIN;
SET client_min_messages = warning;
\ir fixtures.psql

SELECT plan(29);

INSERT INTO partners (account_id, name, types) VALUES
    (pg_temp.actor('partner'), 'Bank T', '{payment-notice}'),
    (pg_temp.actor('partner_b'), 'Bank B', '{clearance-result}');
UPDATE partners SET offices = ARRAY[(SELECT id FROM offices WHERE code = 'TBB')]
    WHERE name = 'Bank B';
SELECT id AS bank FROM partners WHERE name = 'Bank T' \gset
SELECT id AS bank_b FROM partners WHERE name = 'Bank B' \gset
INSERT INTO partner_keys (keyid, partner_id, public_key, valid_from,
    valid_to, revoked_at) VALUES
    ('t-now', :bank, decode(repeat('11', 32), 'hex'), now() - interval '1 day', NULL, NULL),
    ('t-old', :bank, decode(repeat('22', 32), 'hex'), now() - interval '2 years',
	now() - interval '1 year', NULL),
    ('t-next', :bank, decode(repeat('33', 32), 'hex'), now() + interval '1 day', NULL, NULL),
    ('t-b', :bank_b, decode(repeat('55', 32), 'hex'), now() - interval '1 day', NULL, NULL),
    ('t-revoked', :bank, decode(repeat('44', 32), 'hex'), now() - interval '1 day',
	NULL, now() - interval '1 hour');

-------------------------------------------------------------------------
-- 1. Keys: only a valid, unrevoked key of an enabled account.
-------------------------------------------------------------------------
SELECT is((SELECT partner_id FROM exchange_key('t-now')), :bank,
    'a current key names its partner');
SELECT is((SELECT count(*) FROM exchange_key('t-old'))::int, 0,
    'an expired key is unknown');
SELECT is((SELECT count(*) FROM exchange_key('t-next'))::int, 0,
    'a key not valid yet is unknown');
SELECT is((SELECT count(*) FROM exchange_key('t-revoked'))::int, 0,
    'a revoked key is unknown');
UPDATE accounts SET disabled_at = now() WHERE id = pg_temp.actor('partner');
SELECT is((SELECT count(*) FROM exchange_key('t-now'))::int, 0,
    'the key of a disabled partner account is unknown');
UPDATE accounts SET disabled_at = NULL WHERE id = pg_temp.actor('partner');

-------------------------------------------------------------------------
-- 2. Payment notices.
-------------------------------------------------------------------------
SELECT pg_temp.t_case('submitted') AS c \gset
INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
    VALUES ('800100000000001', :c, 1500000, now(), now() + interval '7 days');

SELECT * FROM exchange_payment_notice(:bank, 'msg-0001', 't-now', 'd1',
    '\x01', '<body/>', '800100000000001', 1500000, now(), 'REF1') \gset first_
SELECT is(:first_status, 200, 'a right notice is accepted');
SELECT is((SELECT state::text FROM cases WHERE id = :c), 'paid',
    'and the case is paid');
SELECT is((SELECT row(paid_amount, bank_ref)::text FROM billing_codes
    WHERE code = '800100000000001'), '(1500000,REF1)', 'the code records the payment');

SELECT * FROM exchange_payment_notice(:bank, 'msg-0001', 't-now', 'd1',
    '\x02', '<body/>', '800100000000001', 1500000, now(), 'REF1') \gset again_
SELECT is(row(:again_status, :'again_answer')::text,
    row(:first_status, :'first_answer')::text,
    'a repeated message id gets the first answer');
SELECT is((SELECT count(*) FROM case_events WHERE case_id = :c
    AND command = 'pay')::int, 1, 'and pays once');

SELECT is((SELECT status FROM exchange_payment_notice(:bank, 'msg-0002',
    't-now', 'd2', '\x01', '<body/>', '800100000000001', 1500000, now(),
    'REF1')), 401, 'a signature seen before is a replay under a new message id');
SELECT matches((SELECT response FROM exchange_messages
    WHERE message_id = 'msg-0002'), 'code="replay"', 'logged as a replay');

SELECT is((SELECT status FROM exchange_payment_notice(:bank, 'msg-0003',
    't-now', 'd3', '\x03', '<body/>', '800100000000001', 1500000, now(),
    'REF1')), 422, 'a paid code cannot be paid again');

SELECT pg_temp.t_case('submitted') AS c2 \gset
INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
    VALUES ('800100000000002', :c2, 1500000, now(), now() + interval '7 days');
SELECT is((SELECT status FROM exchange_payment_notice(:bank_b, 'msg-0004',
    't-b', 'd4', '\x04', '<body/>', '800100000000002', 1500000, now(),
    'REF2')), 403, 'a partner may send only its types');
SELECT is((SELECT status FROM exchange_payment_notice(:bank, 'msg-0005',
    't-now', 'd5', '\x05', '<body/>', '800100000000002', 1500000,
    now() - interval '1 day', 'REF2')), 422,
    'paid before the code was issued: refused');
UPDATE billing_codes SET created_at = now() - interval '10 days',
    expires_at = now() - interval '3 days' WHERE code = '800100000000002';
SELECT is((SELECT answer FROM exchange_payment_notice(:bank, 'msg-0007',
    't-now', 'd7', '\x07', '<body/>', '800100000000002', 1500000,
    now() - interval '1 day', 'REF2')) ~ 'code="expired_code"', true,
    'paid after expiry: refused');
SELECT is((SELECT status FROM exchange_payment_notice(:bank, 'msg-0006',
    't-now', 'd6', '\x06', '<body/>', '800100000000002', 1500000,
    now() + interval '1 hour', 'REF2')), 422, 'paid in the future: refused');
SELECT is((SELECT status FROM exchange_payment_notice(:bank_b, 'msg-0008',
    't-now', 'd8', '\x08', '<body/>', '800100000000002', 1500000, now(),
    'REF2')), 401, 'a key is good only for the partner that owns it');
SELECT is((SELECT count(*) FROM exchange_messages WHERE message_id = 'msg-0008')::int,
    0, '... and nothing is logged in the other partner''s name');
SELECT is((SELECT state::text FROM cases WHERE id = :c2), 'submitted',
    'none of the refused notices moved the case');
-- Paid in time, told late: the code expired, the applicant renewed it
-- (old code voided, a new one issued), then the bank's notice arrives.
SELECT pg_temp.t_case('submitted') AS c3 \gset
INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at,
    void_at) VALUES ('800100000000003', :c3, 1500000, now() - interval '10 days',
    now() - interval '3 days', now() - interval '2 days');
INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
    VALUES ('800100000000004', :c3, 1500000, now() - interval '2 days',
    now() + interval '5 days');
SELECT is((SELECT status FROM exchange_payment_notice(:bank, 'msg-0009',
    't-now', 'd9', '\x09', '<body/>', '800100000000003', 1500000,
    now() - interval '4 days', 'REF3')), 200,
    'a payment made before the code expired is honoured when told late');
SELECT is((SELECT state::text FROM cases WHERE id = :c3), 'paid', '... the case is paid');
SELECT isnt((SELECT void_at FROM billing_codes WHERE code = '800100000000004'),
    NULL, '... and its replacement code can no longer be paid');
SELECT is((SELECT answer FROM exchange_payment_notice(:bank, 'msg-0010',
    't-now', 'd10', '\x0a', '<body/>', '800100000000003', 1500000,
    now() - interval '36 hours', 'REF4')) ~ 'code="(expired_code|already_paid)"', true,
    'a payment after the code was voided is refused');
SELECT throws_ok($$UPDATE partners SET offices = ARRAY[NULL::integer]$$,
    '23514', NULL, 'an office list cannot hold a NULL');

-------------------------------------------------------------------------
-- 3. The log is append-only and the server's role cannot write it.
-------------------------------------------------------------------------
SELECT throws_ok($$UPDATE exchange_messages SET outcome = 'accepted'$$,
    NULL, 'the message log cannot be changed');
SELECT pg_temp.actor('officer') AS officer \gset
SET LOCAL ROLE kitas_app;
SELECT throws_ok($$INSERT INTO exchange_signatures VALUES ('x', '\x00', now())$$,
    '42501', NULL, 'the server role cannot write the replay table directly');
SELECT throws_ok($$SELECT clr_resolve(gen_random_uuid(), 'clear', NULL, NULL,
    now(), now())$$, '42501', NULL,
    'nor deliver a verdict except through a signed message');
SELECT throws_ok(format($$SELECT case_create(%s, 1, 1, 'E23', 1::smallint,
    'regular', 'employer', 'x', '', NULL)$$, :officer),
    '42501', NULL, 'nor open a case for an actor it cannot prove');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
