/*
 * kitasctl partner-key add|retire|revoke and kitasctl evidence.  Keys
 * rotate without downtime: add the new key (the old one keeps working),
 * let the partner switch, then retire the old one; revoke only a key
 * that must stop at once.  The SQL functions decide; this file passes
 * the words on as parameters and prints the result.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "partnerctl.h"

/*
 * Run q (it returns keyid, valid_from, valid_to, revoked_at) and print
 * the key as it now stands.
 */
static int
partnerctl_key(PGconn *db, const char *q, int n, const char **params)
{
	PGresult	*res;
	int		 ok;

	res = PQexecParams(db, q, n, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (!ok) {
		fprintf(stderr, "kitasctl: %s", PQresultErrorMessage(res));
	} else {
		printf("key %s: valid from %s", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1));
		if (!PQgetisnull(res, 0, 2))
			printf(", to %s", PQgetvalue(res, 0, 2));
		if (!PQgetisnull(res, 0, 3))
			printf(", revoked at %s", PQgetvalue(res, 0, 3));
		printf("\n");
	}
	PQclear(res);
	return (ok ? 0 : 1);
}

int
partnerctl_key_add(PGconn *db, const char *partner, const char *keyid,
    const char *pubkey, const char *from)
{
	const char	*params[4] = { partner, keyid, pubkey, from };

	return (partnerctl_key(db, "SELECT keyid, valid_from, valid_to, "
	    "revoked_at FROM partner_key_add($1, $2, $3, $4::timestamptz)",
	    4, params));
}

int
partnerctl_key_retire(PGconn *db, const char *keyid, const char *at)
{
	const char	*params[2] = { keyid, at };

	return (partnerctl_key(db, "SELECT keyid, valid_from, valid_to, "
	    "revoked_at FROM partner_key_retire($1, $2::timestamptz)",
	    2, params));
}

int
partnerctl_key_revoke(PGconn *db, const char *keyid)
{
	const char	*params[1] = { keyid };

	return (partnerctl_key(db, "SELECT keyid, valid_from, valid_to, "
	    "revoked_at FROM partner_key_revoke($1)", 1, params));
}

/*
 * The body is the partner's text: control characters other than tab and
 * newline are written as \xNN so that it cannot drive the terminal.  The
 * exact bytes stay in the log (and in the partner's evidence answer).
 */
static void
partnerctl_print_text(FILE *out, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('\n', out);
}

int
partnerctl_evidence(PGconn *db, FILE *out, const char *partner,
    const char *message_id)
{
	static const char *const names[] = { "received", "type", "digest",
	    "keyid", "signature", "outcome", "error" };
	const char	*params[2] = { partner, message_id };
	PGresult	*res;
	size_t		 i;
	int		 rc = 1;

	res = PQexecParams(db, "SELECT received_at, type, digest, keyid, "
	    "signature, outcome, error_code, body, response "
	    "FROM partner_evidence($1, $2)", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "kitasctl: %s", PQresultErrorMessage(res));
		goto done;
	}
	if (PQntuples(res) != 1) {
		fprintf(stderr, "kitasctl: partner \"%s\" sent no message "
		    "\"%s\"\n", partner, message_id);
		goto done;
	}
	fprintf(out, "partner: %s\nmessage: %s\n", partner, message_id);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (PQgetisnull(res, 0, (int)i))
			continue;
		fprintf(out, "%s: ", names[i]);
		partnerctl_print_text(out, PQgetvalue(res, 0, (int)i));
	}
	fprintf(out, "\nbody:\n");
	partnerctl_print_text(out, PQgetvalue(res, 0, 7));
	fprintf(out, "\nanswer:\n");
	partnerctl_print_text(out, PQgetvalue(res, 0, 8));
	rc = 0;
done:
	PQclear(res);
	return (rc);
}
