/*
 * kitasctl's staff accounts: add an officer, supervisor or admin to an
 * office, and set a password (read from standard input, never from the
 * command line where ps and shell history would keep it).
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "auth.h"
#include "form.h"
#include "userctl.h"

static int
userctl_exec(PGconn *db, const char *q, int n, const char **params,
    const char *done)
{
	PGresult	*res;
	int		 ok;

	res = PQexecParams(db, q, n, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "kitasctl: %s", PQresultErrorMessage(res));
	else if (!ok)
		fprintf(stderr, "kitasctl: no such account or office\n");
	else
		printf("%s\n", done);
	PQclear(res);
	return (ok ? 0 : 1);
}

/* kitasctl user add EMAIL ROLE OFFICE NAME (OFFICE "-" for an admin). */
int
userctl_add(PGconn *db, const char *email, const char *role,
    const char *office, const char *name)
{
	const char	*params[4] = { email, role, office, name };

	if (!auth_email_valid(email) || (strcmp(role, "officer") != 0 &&
	    strcmp(role, "supervisor") != 0 && strcmp(role, "admin") != 0) ||
	    (strcmp(role, "admin") == 0) != (strcmp(office, "-") == 0) ||
	    name[0] == '\0' || form_chars(name) > AUTH_NAME_MAX) {
		fprintf(stderr, "kitasctl: user add EMAIL officer|supervisor "
		    "OFFICE NAME, or EMAIL admin - NAME\n");
		return (1);
	}
	return (userctl_exec(db, "INSERT INTO accounts (role, office_id, "
	    "email, display_name, email_confirmed_at) SELECT "
	    "$2::account_role, o.id, lower($1), $4, now() FROM "
	    "(SELECT NULL) x LEFT JOIN offices o ON o.code = $3 "
	    "WHERE (o.id IS NOT NULL) = ($3 <> '-') RETURNING id", 4, params,
	    "account added; set its password with `kitasctl user password`"));
}

/* kitasctl user password EMAIL, the password on standard input. */
int
userctl_password(PGconn *db, const char *email)
{
	char		 pw[AUTH_PW_MAX * 4 + 2], hash[AUTH_PWHASH_BUFSZ];
	const char	*params[2] = { email, hash };
	size_t		 n;
	int		 rc;

	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fprintf(stderr, "kitasctl: the password comes on stdin\n");
		return (1);
	}
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if (auth_password_rule(pw, email) != AUTH_PW_OK ||
	    auth_hash(pw, hash) == -1) {
		sodium_memzero(pw, sizeof(pw));
		fprintf(stderr, "kitasctl: the password needs %d to %d "
		    "characters and must not be the e-mail address\n",
		    AUTH_PW_MIN, AUTH_PW_MAX);
		return (1);
	}
	sodium_memzero(pw, sizeof(pw));
	/* Staff only: applicants choose and reset their own. */
	rc = userctl_exec(db, "UPDATE accounts SET password_hash = $2, "
	    "email_confirmed_at = coalesce(email_confirmed_at, now()) "
	    "WHERE lower(email) = lower($1) AND role IN ('officer', "
	    "'supervisor', 'admin') RETURNING id", 2, params,
	    "password set");
	sodium_memzero(hash, sizeof(hash));
	return (rc);
}

/* kitasctl user disable|enable EMAIL: a disabled account's sessions end. */
int
userctl_disable(PGconn *db, const char *email, int disable)
{
	const char	*params[2] = { email, disable ? "t" : "f" };

	return (userctl_exec(db, "WITH a AS (UPDATE accounts SET disabled_at = "
	    "CASE WHEN $2::boolean THEN coalesce(disabled_at, now()) END "
	    "WHERE lower(email) = lower($1) AND role IN ('officer', "
	    "'supervisor', 'admin') RETURNING id), s AS (UPDATE sessions "
	    "SET ended_at = now() WHERE $2::boolean AND ended_at IS NULL AND "
	    "account_id IN (SELECT id FROM a)) SELECT id FROM a", 2, params,
	    disable ? "account disabled; its sessions ended" :
	    "account enabled"));
}
