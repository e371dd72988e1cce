-- The case store: offices, accounts, applicants, cases and their history,
-- the transition table and the outbox.  Rules that protect data live here
-- (constraints) and in 0002 (the command function); the server's role
-- kitas_app may read, and may write only through those functions.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kitas_app') THEN
		CREATE ROLE kitas_app NOLOGIN;
	END IF;
END
$$;

-- Our queries are short: compiling them (JIT, ~300 ms) costs more than
-- it could ever save.
ALTER ROLE kitas_app SET jit = off;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kitas_app;

CREATE TYPE case_state AS ENUM (
	'draft', 'submitted', 'more_info', 'paid', 'biometrics_done',
	'awaiting_clearance', 'cleared', 'referred', 'issued',
	'rejected', 'withdrawn', 'cancelled'
);

CREATE TYPE account_role AS ENUM (
	'applicant', 'officer', 'supervisor', 'admin', 'partner', 'system'
);

-- Permit kinds by visa index (DOMAIN.md 1.2).  RETIREMENT has no
-- confirmed index letter yet.
CREATE TYPE permit_kind AS ENUM (
	'E23', 'E31A', 'E31C', 'E31E', 'E33', 'E33G', 'RETIREMENT'
);

CREATE TYPE service_level AS ENUM ('regular', 'express');

-- An e-mail address the system sends to: one @, a dot in the domain, no
-- space, control character or anything XML cannot carry, at most 254
-- characters (RFC 5321's limit).  The one rule for every form and table.
CREATE FUNCTION email_valid(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT length(p) <= 254 AND p ~
	    '^[^@[:space:][:cntrl:]\uFFFE\uFFFF]+@[^@[:space:][:cntrl:]\uFFFE\uFFFF]+\.[^@[:space:][:cntrl:]\uFFFE\uFFFF]+$'
$$;

CREATE TABLE offices (
	id		integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code		text NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{3}$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	timezone	text NOT NULL DEFAULT 'Asia/Jakarta'
	    CHECK (timezone IN ('Asia/Jakarta', 'Asia/Makassar',
	    'Asia/Jayapura')),
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	role		account_role NOT NULL,
	office_id	integer REFERENCES offices,
	email		text NOT NULL CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'
	    AND length(email) <= 254),
	display_name	text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
	disabled_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- Staff belong to exactly one office; everyone else to none.
	CHECK ((role IN ('officer', 'supervisor')) = (office_id IS NOT NULL)
	    OR role = 'partner')
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

CREATE TABLE applicants (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id	bigint REFERENCES accounts,
	-- Names travel in XML to central and partners: no control
	-- characters, nothing XML cannot carry.
	family_name	text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100
	    AND family_name !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	given_names	text NOT NULL DEFAULT '' CHECK (length(given_names) <= 100
	    AND given_names !~ '[[:cntrl:]\uFFFE\uFFFF]'),
	birth_date	date NOT NULL CHECK (birth_date > '1900-01-01'),
	sex		char(1) NOT NULL CHECK (sex IN ('F', 'M', 'X')),
	-- ISO 3166-1 alpha-3, as printed in the passport's MRZ.
	nationality	char(3) NOT NULL CHECK (nationality ~ '^[A-Z]{3}$'),
	passport_no	text NOT NULL CHECK (passport_no ~ '^[A-Z0-9]{5,12}$'),
	passport_expiry	date NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (nationality, passport_no)
);

-- Per office and year serials for case references (ref.h).
CREATE TABLE case_ref_counters (
	office_id	integer NOT NULL REFERENCES offices,
	year		integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
	last_serial	integer NOT NULL CHECK (last_serial BETWEEN 0 AND 999999),
	PRIMARY KEY (office_id, year)
);

CREATE TABLE cases (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reference	text NOT NULL UNIQUE
	    CHECK (reference ~ '^[A-Z]{3}-[0-9]{4}-[0-9]{6}-[0-9A-Z]$'),
	office_id	integer NOT NULL REFERENCES offices,
	applicant_id	bigint NOT NULL REFERENCES applicants,
	-- The account that may act as applicant on this case (the applicant
	-- or their sponsor); NULL for a case opened at the counter.
	account_id	bigint REFERENCES accounts,
	permit_kind	permit_kind NOT NULL,
	duration_years	smallint NOT NULL CHECK (duration_years IN (1, 2)),
	service_level	service_level NOT NULL DEFAULT 'regular',
	sponsor_kind	text NOT NULL CHECK (sponsor_kind IN
	    ('employer', 'spouse', 'relative', 'self')),
	sponsor_name	text NOT NULL DEFAULT '' CHECK (length(sponsor_name) <= 200),
	-- RPTKA number for an employer, marriage record for a spouse.
	sponsor_ref	text NOT NULL DEFAULT '' CHECK (length(sponsor_ref) <= 64),
	state		case_state NOT NULL DEFAULT 'draft',
	version		integer NOT NULL DEFAULT 1 CHECK (version >= 1),
	state_since	timestamptz NOT NULL DEFAULT now(),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_office_state ON cases (office_id, state);
CREATE INDEX cases_applicant ON cases (applicant_id);
CREATE INDEX cases_account ON cases (account_id) WHERE account_id IS NOT NULL;

-- The allowed moves, as data: (from_state, command) may be applied by
-- role and leads to to_state.  effect names a side effect that
-- case_apply() performs in the same transaction; guard a condition on
-- the world outside the case (a fresh clearance, the biometrics taken)
-- that must hold.
CREATE TABLE transitions (
	from_state	case_state NOT NULL,
	command		text NOT NULL CHECK (command ~ '^[a-z][a-z_]{1,39}$'),
	role		account_role NOT NULL,
	to_state	case_state NOT NULL,
	effect		text CHECK (effect IN ('clearance_enqueue',
	    'clearance_cancel')),
	-- A condition beyond the table, checked by case_guard().
	guard		text CHECK (guard IN ('clearance_fresh',
	    'biometrics_complete')),
	PRIMARY KEY (from_state, command, role)
);

-- Append-only history.  occurred_at is when the action happened at the
-- office (a counter may record it later), recorded_at when we stored it.
-- An event is also the result of the command that made it: a command
-- repeated with the same (actor, idem_key) returns this event and changes
-- nothing.  Keys are per actor, so nobody can replay another's.
CREATE TABLE case_events (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES cases,
	version		integer NOT NULL,
	command		text NOT NULL,
	from_state	case_state,
	to_state	case_state NOT NULL,
	actor_id	bigint NOT NULL REFERENCES accounts,
	actor_role	account_role NOT NULL,
	office_id	integer NOT NULL REFERENCES offices,
	occurred_at	timestamptz NOT NULL,
	recorded_at	timestamptz NOT NULL DEFAULT now(),
	idem_key	text CHECK (idem_key ~ '^[A-Za-z0-9._:-]{8,128}$'),
	payload		jsonb NOT NULL DEFAULT '{}'
	    CHECK (jsonb_typeof(payload) = 'object'),
	UNIQUE (case_id, version)
);
CREATE UNIQUE INDEX case_events_idem ON case_events (actor_id, idem_key)
    WHERE idem_key IS NOT NULL;

-- Side effects to perform outside the database (the central clearance
-- request), written in the same transaction as the transition that asks
-- for them.  The dispatcher (central-link issue) claims rows by lease.
CREATE TABLE outbox (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES cases,
	kind		text NOT NULL CHECK (kind IN ('clearance')),
	-- Sent to central, which de-duplicates on it.
	idem_key	uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	-- Lower goes first: express before regular, then oldest.
	priority	smallint NOT NULL DEFAULT 100,
	status		text NOT NULL DEFAULT 'pending' CHECK (status IN
	    ('pending', 'done', 'cancelled', 'dead')),
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	lease_owner	text,
	lease_expires_at timestamptz,
	last_error	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	finished_at	timestamptz,
	CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);
-- One open clearance request per case.
CREATE UNIQUE INDEX outbox_one_open ON outbox (case_id, kind)
    WHERE status = 'pending';
-- The dispatcher's order: express first, then oldest.
CREATE INDEX outbox_ready ON outbox (priority, created_at, id)
    WHERE status = 'pending';

-- What the server may do directly: read.  Every write goes through the
-- SECURITY DEFINER functions of 0002.
GRANT SELECT ON offices, accounts, applicants, cases, case_events,
    transitions, outbox TO kitas_app;
