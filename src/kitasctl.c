/*
 * kitasctl: the operator's command line.  It talks to PostgreSQL with the
 * owner role (settings key db_admin / KITAS_DB_ADMIN).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "migrate.h"
#include "partnerctl.h"
#include "permitctl.h"
#include "policy.h"
#include "vault.h"
#include "settings.h"
#include "userctl.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: kitasctl command\n"
	    "\n"
	    "  migrate                  apply pending migrations\n"
	    "  status                   list migrations: applied, pending or CHANGED\n"
	    "  policy                   show the central link's knobs\n"
	    "  policy set NAME=VALUE..  change them (all or nothing), e.g.\n"
	    "                           kitasctl policy set rate=50 burst=100\n"
	    "  exchange-key KEYID       create the server's Ed25519 signing key\n"
	    "                           (exchange_key file, 0600); prints the\n"
	    "                           public key for partners\n"
	    "  partner-add NAME TYPES KEYID PUBKEY [OFFICES]\n"
	    "                           register a partner (TYPES: comma list of\n"
	    "                           payment-notice,clearance-result,\n"
	    "                           permit-events,case-status,evidence,\n"
	    "                           sponsor-batch) with its base64 Ed25519\n"
	    "                           public key, serving the OFFICES (comma\n"
	    "                           list of codes) or all\n"
	    "  partner-key add NAME KEYID PUBKEY [FROM]\n"
	    "                           a further key for the partner, valid\n"
	    "                           from now or FROM; its other keys keep\n"
	    "                           working (rotation without downtime)\n"
	    "  partner-key retire KEYID [AT]\n"
	    "                           the key stops working now or at AT\n"
	    "  partner-key revoke KEYID a compromised key: refused at once\n"
	    "  evidence NAME MESSAGE_ID the log entry of a partner's message:\n"
	    "                           received, key, signature, outcome,\n"
	    "                           body and our answer\n"
	    "  vault-key                add a new master key to the vault_keys\n"
	    "                           file (created 0600 if missing)\n"
	    "  keys rotate              add a permit signing key to the\n"
	    "                           permit_keys file and publish it; the\n"
	    "                           key before it retires (still verifies)\n"
	    "  keys revoke KID REASON   a compromised key: nothing it signed\n"
	    "                           verifies any more\n"
	    "  keys list                the published key list\n"
	    "  user add EMAIL ROLE OFFICE NAME\n"
	    "                           a staff account: ROLE officer or\n"
	    "                           supervisor with an office code, or\n"
	    "                           admin with OFFICE -\n"
	    "  user password EMAIL      set a staff password, read from stdin\n"
	    "  user disable|enable EMAIL\n"
	    "                           a disabled account's sessions end\n"
	    "  permit verify KEYS CRL TOKEN|FILE.pdf\n"
	    "                           verify a permit offline with a key list\n"
	    "                           (/verify/keys) and a revocation list\n"
	    "                           (/verify/revocations, or - for none);\n"
	    "                           exit 0 only when valid and the list is\n"
	    "                           current\n"
	    "  help                     this text\n"
	    "\n"
	    "Settings come from conf/settings (or $KITAS_SETTINGS) and\n"
	    "KITAS_* variables; see conf/settings.example.\n");
}

static PGconn *
connect_admin(const struct settings *s)
{
	PGconn	*db;

	if (s->db_admin[0] == '\0') {
		fprintf(stderr, "kitasctl: db_admin is not set\n");
		return (NULL);
	}
	db = PQconnectdb(s->db_admin);
	if (PQstatus(db) != CONNECTION_OK) {
		/* libpq's message names host and user, never the password. */
		fprintf(stderr, "kitasctl: %s", PQerrorMessage(db));
		PQfinish(db);
		return (NULL);
	}
	return (db);
}

/* 1 when argv is a command with the right number of words. */
static int
command_known(int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		 argc;		/* -1: 3 or more (policy set) */
	} cmds[] = {
		{ "migrate", 2 }, { "status", 2 }, { "policy", 2 },
		{ "policy", -1 }, { "vault-key", 2 }, { "exchange-key", 3 },
		{ "partner-add", 6 }, { "partner-add", 7 }, { "keys", 3 },
		{ "keys", 5 },
		{ "permit", 6 }, { "user", 4 }, { "user", 7 },
		{ "partner-key", 4 }, { "partner-key", 5 },
		{ "partner-key", 6 }, { "partner-key", 7 }, { "evidence", 4 },
	};
	size_t	i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		if (cmds[i].argc == argc)
			return (1);
		if (cmds[i].argc == -1 && argc >= 3 &&
		    strcmp(argv[2], "set") == 0)
			return (1);
	}
	return (0);
}

static int
exchange_key(const struct settings *s, const char *keyid)
{
	unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	sk[crypto_sign_SECRETKEYBYTES];
	char		b64[128];
	FILE		*fp;
	int		fd;

	if (s->exchange_key[0] == '\0' || strlen(keyid) > 128 ||
	    strspn(keyid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-") != strlen(keyid)) {
		fprintf(stderr, "kitasctl: exchange_key unset or bad key id\n");
		return (1);
	}
	if ((fd = open(s->exchange_key, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "kitasctl: %s: %s\n", s->exchange_key,
		    strerror(errno));
		return (1);
	}
	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(b64, sizeof(b64), sk, sizeof(sk),
	    sodium_base64_VARIANT_ORIGINAL);
	fprintf(fp, "%s %s\n", keyid, b64);
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(sk, sizeof(sk));
	if (fclose(fp) != 0) {
		fprintf(stderr, "kitasctl: %s: %s\n", s->exchange_key,
		    strerror(errno));
		return (1);
	}
	sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
	    sodium_base64_VARIANT_ORIGINAL);
	printf("%s %s\n", keyid, b64);
	return (0);
}

/*
 * NAME TYPES KEYID PUBKEY [OFFICES]: OFFICES a comma list of office codes
 * the partner serves, all of them when absent.
 */
static int
partner_add(PGconn *db, int argc, char **argv)
{
	PGresult	*res;
	const char	*params[5] = { argv[0], argv[1], argv[2], argv[3],
			    argc > 4 ? argv[4] : NULL };
	int		 ok;

	res = PQexecParams(db, "SELECT $1::text IS NULL OR (SELECT count(*) "
	    "FROM offices WHERE code = ANY (string_to_array($1, ','))) = "
	    "cardinality(string_to_array($1, ','))", 1, NULL, params + 4,
	    NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!ok) {
		fprintf(stderr, "kitasctl: unknown office in %s\n", params[4]);
		return (1);
	}
	res = PQexecParams(db,
	    "WITH a AS (INSERT INTO accounts (role, email, display_name) "
	    "VALUES ('partner', lower(regexp_replace($1, '[^A-Za-z0-9]', '', "
	    "'g')) || '@partner.invalid', $1) RETURNING id), "
	    "p AS (INSERT INTO partners (account_id, name, types, offices) "
	    "SELECT id, $1, string_to_array($2, ','), (SELECT array_agg(o.id "
	    "ORDER BY o.id) FROM offices o WHERE $5::text IS NOT NULL AND "
	    "o.code = ANY (string_to_array($5, ','))) FROM a RETURNING id) "
	    "INSERT INTO partner_keys (keyid, partner_id, public_key, "
	    "valid_from) SELECT $3, p.id, decode($4, 'base64'), now() FROM p",
	    5, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "kitasctl: %s", PQresultErrorMessage(res));
	PQclear(res);
	return (ok ? 0 : 1);
}

static int
vault_key(const struct settings *s)
{
	struct err	err;
	uint32_t	version;

	if (s->vault_keys[0] == '\0') {
		fprintf(stderr, "kitasctl: vault_keys is not set\n");
		return (1);
	}
	if (vault_keyring_generate(s->vault_keys, 0, &version, &err) == -1) {
		fprintf(stderr, "kitasctl: %s\n", err.msg);
		return (1);
	}
	printf("vault key %u added to %s\n", version, s->vault_keys);
	return (0);
}

int
main(int argc, char **argv)
{
	struct settings	 s;
	struct err	 err;
	PGconn		*db;
	int		 rc;

	if (argc < 2) {
		usage(stderr);
		return (2);
	}
	if (strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return (0);
	}
	if (!command_known(argc, argv)) {
		fprintf(stderr, "kitasctl: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return (2);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "kitasctl: sodium_init failed\n");
		return (1);
	}
	if (settings_load(&s, NULL, &err) == -1) {
		fprintf(stderr, "kitasctl: %s\n", err.msg);
		return (1);
	}
	if (strcmp(argv[1], "vault-key") == 0 && argc == 2)
		return (vault_key(&s));
	if (strcmp(argv[1], "exchange-key") == 0 && argc == 3)
		return (exchange_key(&s, argv[2]));
	if (strcmp(argv[1], "permit") == 0 && strcmp(argv[2], "verify") == 0)
		return (permitctl_verify(argv[3], argv[4], argv[5]));
	if ((db = connect_admin(&s)) == NULL)
		return (1);

	if (strcmp(argv[1], "user") == 0) {
		if (argc == 4 && strcmp(argv[2], "password") == 0)
			rc = userctl_password(db, argv[3]);
		else if (argc == 4 && (strcmp(argv[2], "disable") == 0 ||
		    strcmp(argv[2], "enable") == 0))
			rc = userctl_disable(db, argv[3],
			    strcmp(argv[2], "disable") == 0);
		else if (argc == 7 && strcmp(argv[2], "add") == 0)
			rc = userctl_add(db, argv[3], argv[4], argv[5], argv[6]);
		else {
			usage(stderr);
			rc = 2;
		}
		PQfinish(db);
		return (rc);
	}
	if (strcmp(argv[1], "keys") == 0) {
		if (argc == 3 && strcmp(argv[2], "rotate") == 0)
			rc = permitctl_rotate(db, &s);
		else if (argc == 3 && strcmp(argv[2], "list") == 0)
			rc = permitctl_list(db);
		else if (argc == 5 && strcmp(argv[2], "revoke") == 0)
			rc = permitctl_revoke(db, argv[3], argv[4]);
		else {
			usage(stderr);
			rc = 2;
		}
		PQfinish(db);
		return (rc);
	}

	if (strcmp(argv[1], "partner-key") == 0) {
		if ((argc == 6 || argc == 7) && strcmp(argv[2], "add") == 0)
			rc = partnerctl_key_add(db, argv[3], argv[4], argv[5],
			    argc == 7 ? argv[6] : NULL);
		else if ((argc == 4 || argc == 5) &&
		    strcmp(argv[2], "retire") == 0)
			rc = partnerctl_key_retire(db, argv[3],
			    argc == 5 ? argv[4] : NULL);
		else if (argc == 4 && strcmp(argv[2], "revoke") == 0)
			rc = partnerctl_key_revoke(db, argv[3]);
		else {
			usage(stderr);
			rc = 2;
		}
		PQfinish(db);
		return (rc);
	}
	if (strcmp(argv[1], "evidence") == 0) {
		rc = partnerctl_evidence(db, stdout, argv[2], argv[3]);
		PQfinish(db);
		return (rc);
	}
	if (strcmp(argv[1], "partner-add") == 0) {
		rc = partner_add(db, argc - 2, argv + 2);
		PQfinish(db);
		return (rc);
	}
	if (strcmp(argv[1], "migrate") == 0)
		rc = migrate_run(db, s.migrations, stdout, &err);
	else if (strcmp(argv[1], "status") == 0)
		rc = migrate_status(db, s.migrations, stdout, &err);
	else if (argc == 2)
		rc = policy_show(db, stdout, &err);
	else
		rc = policy_set(db, argc - 3, argv + 3, &err);
	if (rc == -1)
		fprintf(stderr, "kitasctl: %s\n", err.msg);
	PQfinish(db);
	return (rc == 0 ? 0 : 1);
}
