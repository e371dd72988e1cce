/*
 * kitasctl's permit commands: the signing keys (rotate, revoke, list)
 * and the offline verifier, which needs no server and no database: only
 * the key list and the revocation list a verifier downloaded from
 * /verify/keys and /verify/revocations while it was online.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "eitas.h"
#include "permit.h"
#include "permitctl.h"

#define FILE_MAX	(32 * 1024 * 1024)	/* a permit PDF, a list */

static int
sql_ok(PGconn *db, const char *q, int n, const char **params, FILE *out)
{
	PGresult	*res;
	int		 ok, i;

	res = PQexecParams(db, q, n, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "kitasctl: %s", PQresultErrorMessage(res));
	else if (out != NULL)
		for (i = 0; i < PQntuples(res); i++)
			fputs(PQgetvalue(res, i, 0), out);
	PQclear(res);
	return (ok ? 0 : 1);
}

/*
 * A new signing key: appended to the permit_keys file, then published;
 * the key before it retires.  The server signs with the newest key in
 * the file, and a token reaches nobody before its key is published (the
 * permit row refers to the published key).
 */
int
permitctl_rotate(PGconn *db, const struct settings *s)
{
	struct err	 err;
	unsigned char	 pk[PERMIT_PK_LEN];
	char		 b64[sodium_base64_ENCODED_LEN(PERMIT_PK_LEN,
			    sodium_base64_VARIANT_ORIGINAL)];
	char		 kid[8];
	const char	*params[2] = { kid, b64 };
	uint16_t	 k;

	if (s->permit_keys[0] == '\0') {
		fprintf(stderr, "kitasctl: permit_keys is not set\n");
		return (1);
	}
	if (permit_signer_generate(s->permit_keys, &k, pk, &err) == -1) {
		fprintf(stderr, "kitasctl: %s\n", err.msg);
		return (1);
	}
	(void)snprintf(kid, sizeof(kid), "%u", k);
	sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
	    sodium_base64_VARIANT_ORIGINAL);
	if (sql_ok(db, "SELECT FROM permit_key_publish($1::integer, "
	    "decode($2, 'base64'))", 2, params, NULL) != 0) {
		fprintf(stderr, "kitasctl: key %u is in %s but NOT published; "
		    "nothing is signed with it until `keys rotate` succeeds\n",
		    k, s->permit_keys);
		return (1);
	}
	printf("permit key %u added to %s and published\n", k, s->permit_keys);
	return (0);
}

int
permitctl_revoke(PGconn *db, const char *kid, const char *reason)
{
	const char	*params[2] = { kid, reason };
	PGresult	*res;
	int		 ok;

	if (strspn(kid, "0123456789") != strlen(kid) || strlen(kid) > 5 ||
	    strlen(reason) < 1 || strlen(reason) > 500) {
		fprintf(stderr, "kitasctl: keys revoke KID REASON "
		    "(a number; 1..500 characters)\n");
		return (1);
	}
	res = PQexecParams(db, "SELECT permit_key_revoke($1::integer, $2)",
	    2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "kitasctl: %s", PQresultErrorMessage(res));
	else if (PQgetisnull(res, 0, 0)) {
		fprintf(stderr, "kitasctl: no such key, or already revoked\n");
		ok = 0;
	} else
		printf("permit key %s revoked: nothing it signed verifies\n",
		    kid);
	PQclear(res);
	return (ok ? 0 : 1);
}

int
permitctl_list(PGconn *db)
{
	return (sql_ok(db, "SELECT permit_keys_text()", 0, NULL, stdout));
}

/* The whole file, NUL-terminated; NULL with a message. */
static char *
slurp(const char *path, size_t *len)
{
	FILE		*fp;
	struct stat	 st;
	char		*buf;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		fprintf(stderr, "kitasctl: %s: %s\n", path,
		    fp == NULL ? strerror(errno) : "not a regular file or too big");
		if (fp != NULL)
			fclose(fp);
		return (NULL);
	}
	if ((buf = malloc(st.st_size + 1)) == NULL ||
	    fread(buf, 1, st.st_size, fp) != (size_t)st.st_size) {
		fprintf(stderr, "kitasctl: %s: cannot read\n", path);
		free(buf);
		fclose(fp);
		return (NULL);
	}
	fclose(fp);
	buf[st.st_size] = '\0';
	*len = st.st_size;
	return (buf);
}

static void
utc(time_t t, char *buf, size_t sz)
{
	struct tm	tm;

	(void)strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/*
 * kitasctl permit verify KEYS CRL|- TOKEN|FILE.pdf
 * Exit 0 only for a valid permit under a revocation list that is not
 * past its next update; the report says what was checked and how old
 * the list is, so a verifier knows what "valid" rests on.
 */
int
permitctl_verify(const char *keyspath, const char *crlpath, const char *what)
{
	struct permit_keys	*keys = NULL;
	struct permit_crl	*crl = NULL;
	struct permit		 p;
	struct err		 err;
	enum permit_check	 c;
	char			 token[PERMIT_TOKEN_MAX], from[16], to[16];
	char			 when[32], next[32];
	char			*text = NULL, *pdf = NULL;
	size_t			 len, plen;
	time_t			 now = time(NULL);
	uint16_t		 kid;
	int			 rc = 1, stale = 0;

	if ((text = slurp(keyspath, &len)) == NULL)
		goto out;
	if ((keys = permit_keys_parse(text, len, &err)) == NULL) {
		fprintf(stderr, "kitasctl: %s: %s\n", keyspath, err.msg);
		goto out;
	}
	free(text);
	text = NULL;
	if (strcmp(crlpath, "-") != 0) {
		if ((text = slurp(crlpath, &len)) == NULL)
			goto out;
		if ((crl = permit_crl_load(text, len, keys, &err)) == NULL) {
			fprintf(stderr, "kitasctl: %s: %s\n", crlpath, err.msg);
			goto out;
		}
	}

	if (strncmp(what, PERMIT_PREFIX, strlen(PERMIT_PREFIX)) == 0) {
		if (strlen(what) >= sizeof(token)) {
			fprintf(stderr, "kitasctl: token too long\n");
			goto out;
		}
		(void)snprintf(token, sizeof(token), "%s", what);
	} else {
		if ((pdf = slurp(what, &plen)) == NULL)
			goto out;
		if (eitas_token_from_pdf((unsigned char *)pdf, plen, token,
		    sizeof(token)) == -1) {
			fprintf(stderr, "kitasctl: %s: no permit token in it\n",
			    what);
			goto out;
		}
	}

	c = permit_check(token, keys, crl, permit_today(now), &p, &kid);
	printf("result: %s\n", permit_check_name(c));
	if (c != PERMIT_MALFORMED) {
		(void)permit_day_format(p.valid_from, from, sizeof(from));
		(void)permit_day_format(p.valid_to, to, sizeof(to));
		printf("permit: %s\nholder: %s\nnationality: %s\n"
		    "passport: %s\nkind: %s\nvalid: %s .. %s\nkey: %u\n",
		    p.number, p.holder, p.nationality, p.passport, p.kind,
		    from, to, kid);
	}
	if (crl == NULL)
		printf("revocation list: none given; revocation NOT checked\n");
	else {
		utc(permit_crl_issued(crl), when, sizeof(when));
		utc(permit_crl_next_update(crl), next, sizeof(next));
		stale = now > permit_crl_next_update(crl);
		printf("revocation list: issued %s, %lld hours old, "
		    "next update %s%s\n", when,
		    (long long)(now - permit_crl_issued(crl)) / 3600, next,
		    stale ? " (OUT OF DATE: download a new one)" : "");
	}
	rc = c == PERMIT_VALID && crl != NULL && !stale ? 0 : 1;
out:
	free(text);
	free(pdf);
	permit_crl_free(crl);
	permit_keys_free(keys);
	return (rc);
}
