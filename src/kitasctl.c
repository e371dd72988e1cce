/*
 * kitasctl: the operator's command line.  It talks to PostgreSQL with the
 * owner role (settings key db_admin / KITAS_DB_ADMIN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "migrate.h"
#include "policy.h"
#include "vault.h"
#include "settings.h"

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
	    "  vault-key                add a new master key to the vault_keys\n"
	    "                           file (created 0600 if missing)\n"
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
	if (!((strcmp(argv[1], "migrate") == 0 ||
	    strcmp(argv[1], "vault-key") == 0 ||
	    strcmp(argv[1], "status") == 0 ||
	    strcmp(argv[1], "policy") == 0) && argc == 2) &&
	    !(strcmp(argv[1], "policy") == 0 && argc >= 3 &&
	    strcmp(argv[2], "set") == 0)) {
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
	if ((db = connect_admin(&s)) == NULL)
		return (1);

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
