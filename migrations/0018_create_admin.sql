-- Administration of staff accounts from the web: an admin (found from
-- the session, as everywhere) creates officers, supervisors and admins,
-- moves them between offices, changes their role and disables them.
-- Nobody changes their own account here, so nobody raises their own
-- role.  A new account has no password: its owner sets one through the
-- reset mail, so no admin ever knows it.  Every change is audited;
-- disabling ends the account's sessions at once.

CREATE FUNCTION admin_account(p_session bytea, p_now timestamptz)
RETURNS accounts
LANGUAGE sql STABLE AS $$
	SELECT a.* FROM accounts a
	WHERE a.id = auth_live_account(p_session, p_now) AND
	    a.role = 'admin' AND a.disabled_at IS NULL
$$;

-- The page model: every staff account and the offices.  NULL when the
-- session is not an admin's.
CREATE FUNCTION admin_users_xml(p_session bytea,
    p_now timestamptz DEFAULT now())
RETURNS xml
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	me	accounts%ROWTYPE := admin_account(p_session, p_now);
BEGIN
	IF me.id IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN xmlelement(name admin, xmlattributes(me.id AS me),
	    (SELECT xmlagg(xmlelement(name office, xmlattributes(o.code AS code,
		o.name AS name)) ORDER BY o.code) FROM offices o),
	    (SELECT xmlagg(xmlelement(name "user", xmlattributes(a.id AS id,
		a.email AS email, a.display_name AS name, a.role AS role,
		o.code AS office, a.disabled_at IS NOT NULL AS disabled,
		a.password_hash IS NOT NULL AS "has-password",
		a.id = me.id AS me)) ORDER BY o.code NULLS FIRST, a.role,
		a.email)
		FROM accounts a LEFT JOIN offices o ON o.id = a.office_id
		WHERE a.role IN ('officer', 'supervisor', 'admin')));
END
$$;

-- A new staff account.  Codes: ok, forbidden, invalid_input,
-- office_required (staff need an office; admins have none),
-- email_taken.
CREATE FUNCTION admin_user_create(p_session bytea, p_email text,
    p_name text, p_role text, p_office text, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	me	accounts%ROWTYPE := admin_account(p_session, p_now);
	off	integer;
	id	bigint;
BEGIN
	IF me.id IS NULL THEN
		RETURN 'forbidden';
	END IF;
	p_email := lower(trim(coalesce(p_email, '')));
	p_name := trim(coalesce(p_name, ''));
	IF NOT email_valid(p_email) OR length(p_name) NOT BETWEEN 1 AND 200 OR
	    p_name ~ '[[:cntrl:]]' OR
	    p_role IS NULL OR p_role NOT IN ('officer', 'supervisor', 'admin') THEN
		RETURN 'invalid_input';
	END IF;
	SELECT o.id INTO off FROM offices o WHERE o.code = p_office;
	IF (p_role = 'admin') <> (off IS NULL) THEN
		RETURN 'office_required';
	END IF;
	IF EXISTS (SELECT 1 FROM accounts WHERE lower(email) = p_email) THEN
		RETURN 'email_taken';
	END IF;
	INSERT INTO accounts (role, office_id, email, display_name,
	    email_confirmed_at)
	    VALUES (p_role::account_role, off, p_email, p_name, p_now)
	    RETURNING accounts.id INTO id;
	PERFORM audit(me.id, 'staff_created', NULL, jsonb_build_object(
	    'account', id, 'role', p_role, 'office', p_office), p_now);
	RETURN 'ok';
END
$$;

-- Role, office and enabled state of another staff account.  Codes: ok,
-- forbidden, own_account, not_found, invalid_input, office_required.
CREATE FUNCTION admin_user_update(p_session bytea, p_account bigint,
    p_role text, p_office text, p_disabled boolean,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	me	accounts%ROWTYPE := admin_account(p_session, p_now);
	a	accounts%ROWTYPE;
	off	integer;
BEGIN
	IF me.id IS NULL THEN
		RETURN 'forbidden';
	END IF;
	IF p_account = me.id THEN
		RETURN 'own_account';
	END IF;
	SELECT * INTO a FROM accounts WHERE accounts.id = p_account AND
	    role IN ('officer', 'supervisor', 'admin') FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'not_found';
	END IF;
	IF p_role IS NULL OR p_role NOT IN ('officer', 'supervisor', 'admin')
	    OR p_disabled IS NULL THEN
		RETURN 'invalid_input';
	END IF;
	SELECT o.id INTO off FROM offices o WHERE o.code = p_office;
	IF (p_role = 'admin') <> (off IS NULL) THEN
		RETURN 'office_required';
	END IF;
	UPDATE accounts SET role = p_role::account_role, office_id = off,
	    disabled_at = CASE WHEN p_disabled THEN coalesce(disabled_at, p_now)
	    END
	    WHERE accounts.id = a.id;
	IF p_disabled THEN
		UPDATE sessions SET ended_at = p_now
		    WHERE account_id = a.id AND ended_at IS NULL;
	END IF;
	PERFORM audit(me.id, 'staff_updated', NULL, jsonb_build_object(
	    'account', a.id, 'role', p_role, 'office', p_office,
	    'disabled', p_disabled, 'was', jsonb_build_object('role', a.role,
	    'office', a.office_id, 'disabled', a.disabled_at IS NOT NULL)),
	    p_now);
	RETURN 'ok';
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_users_xml(bytea, timestamptz),
    admin_user_create(bytea, text, text, text, text, timestamptz),
    admin_user_update(bytea, bigint, text, text, boolean, timestamptz)
    TO kitas_app;
