#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "migrate.h"

/* Any 64-bit constant: the lock id of "a migrator is running". */
#define MIGRATE_LOCK_ID		"7431823311"

struct migrate_file {
	char	name[128];
	char	hex[MIGRATE_HEX_LEN + 1];
	char	*sql;		/* NUL-terminated contents */
};

struct migrate_set {
	struct migrate_file	*files;
	size_t			 count;
};

int
migrate_name_valid(const char *name)
{
	size_t	i, len;

	len = strlen(name);
	if (len < 10 || len >= sizeof(((struct migrate_file *)0)->name) ||
	    strcmp(name + len - 4, ".sql") != 0 || name[4] != '_')
		return (0);
	for (i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)name[i]))
			return (0);
	}
	for (i = 5; i < len - 4; i++) {
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) && name[i] != '_')
			return (0);
	}
	return (1);
}

void
migrate_checksum(const void *data, size_t len, char *hex)
{
	unsigned char	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, MIGRATE_HEX_LEN + 1, h, sizeof(h));
}

static void
migrate_set_free(struct migrate_set *set)
{
	size_t	i;

	for (i = 0; i < set->count; i++)
		free(set->files[i].sql);
	free(set->files);
	set->files = NULL;
	set->count = 0;
}

static int
migrate_read(struct migrate_file *f, const char *dir, struct err *err)
{
	FILE	*fp;
	char	 path[1024];
	size_t	 n;
	int	 len;

	len = snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		err_set(err, "migrate: path too long: %s", f->name);
		return (-1);
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		err_set(err, "migrate: cannot open %s", path);
		return (-1);
	}
	if ((f->sql = malloc(MIGRATE_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		err_set(err, "migrate: out of memory");
		return (-1);
	}
	n = fread(f->sql, 1, MIGRATE_FILE_MAX + 1, fp);
	fclose(fp);
	if (n > MIGRATE_FILE_MAX || memchr(f->sql, '\0', n) != NULL) {
		err_set(err, "migrate: %s is too large or binary", f->name);
		return (-1);
	}
	f->sql[n] = '\0';
	migrate_checksum(f->sql, n, f->hex);
	return (0);
}

static int
migrate_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct migrate_file *)a)->name,
	    ((const struct migrate_file *)b)->name));
}

static int
migrate_scan(struct migrate_set *set, const char *dir, struct err *err)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 i;

	memset(set, 0, sizeof(*set));
	if ((d = opendir(dir)) == NULL) {
		err_set(err, "migrate: cannot open %s", dir);
		return (-1);
	}
	set->files = calloc(MIGRATE_MAX_FILES, sizeof(*set->files));
	if (set->files == NULL) {
		closedir(d);
		err_set(err, "migrate: out of memory");
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!migrate_name_valid(de->d_name)) {
			err_set(err, "migrate: %s: name is not "
			    "NNNN_lower_snake.sql", de->d_name);
			goto fail;
		}
		if (set->count == MIGRATE_MAX_FILES) {
			err_set(err, "migrate: more than %d files",
			    MIGRATE_MAX_FILES);
			goto fail;
		}
		/* migrate_name_valid() bounded the length. */
		memcpy(set->files[set->count].name, de->d_name,
		    strlen(de->d_name) + 1);
		set->count++;
	}
	closedir(d);
	d = NULL;
	qsort(set->files, set->count, sizeof(*set->files), migrate_cmp);
	for (i = 0; i < set->count; i++) {
		if (i > 0 && strncmp(set->files[i].name,
		    set->files[i - 1].name, 4) == 0) {
			err_set(err, "migrate: %s and %s share a number",
			    set->files[i - 1].name, set->files[i].name);
			goto fail;
		}
		if (migrate_read(&set->files[i], dir, err) == -1)
			goto fail;
	}
	return (0);
fail:
	if (d != NULL)
		closedir(d);
	migrate_set_free(set);
	return (-1);
}

static int
migrate_exec(PGconn *db, const char *sql, struct err *err)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(db, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		err_set(err, "%s", PQresultErrorMessage(res));
	PQclear(res);
	return (ok ? 0 : -1);
}

/* The checksum applied for name, "" if never applied.  -1 on error. */
static int
migrate_applied(PGconn *db, const char *name, char *hex, struct err *err)
{
	PGresult	*res;
	const char	*params[1] = { name };

	res = PQexecParams(db, "SELECT checksum FROM schema_migrations "
	    "WHERE name = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		err_set(err, "migrate: %s", PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	hex[0] = '\0';
	if (PQntuples(res) == 1)
		(void)snprintf(hex, MIGRATE_HEX_LEN + 1, "%s",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
	return (0);
}

static int
migrate_prepare(PGconn *db, struct err *err)
{
	if (migrate_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_ID ")",
	    err) == -1)
		return (-1);
	return (migrate_exec(db, "SET client_min_messages = warning;"
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " name text PRIMARY KEY,"
	    " checksum text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())", err));
}

static int
migrate_apply(PGconn *db, const struct migrate_file *f, struct err *err)
{
	PGresult	*res;
	const char	*params[2] = { f->name, f->hex };
	char		 why[ERR_MSG_MAX];

	if (migrate_exec(db, "BEGIN", err) == -1)
		return (-1);
	if (migrate_exec(db, f->sql, err) == -1)
		goto rollback;
	res = PQexecParams(db, "INSERT INTO schema_migrations (name, checksum)"
	    " VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err_set(err, "%s", PQresultErrorMessage(res));
		PQclear(res);
		goto rollback;
	}
	PQclear(res);
	return (migrate_exec(db, "COMMIT", err));
rollback:
	(void)snprintf(why, sizeof(why), "%s", err != NULL ? err->msg : "");
	(void)migrate_exec(db, "ROLLBACK", NULL);
	err_set(err, "migrate: %s: %s", f->name, why);
	return (-1);
}

int
migrate_run(PGconn *db, const char *dir, FILE *log, struct err *err)
{
	struct migrate_set	set;
	char			hex[MIGRATE_HEX_LEN + 1];
	size_t			i, applied;
	int			rc;

	if (migrate_scan(&set, dir, err) == -1)
		return (-1);
	rc = migrate_prepare(db, err);
	applied = 0;
	for (i = 0; rc == 0 && i < set.count; i++) {
		if ((rc = migrate_applied(db, set.files[i].name, hex,
		    err)) == -1)
			break;
		if (hex[0] != '\0') {
			if (strcmp(hex, set.files[i].hex) != 0) {
				err_set(err, "migrate: %s changed after it was"
				    " applied; add a new migration instead",
				    set.files[i].name);
				rc = -1;
			}
			continue;
		}
		if ((rc = migrate_apply(db, &set.files[i], err)) == 0) {
			fprintf(log, "applied %s\n", set.files[i].name);
			applied++;
		}
	}
	if (rc == 0)
		fprintf(log, "%zu applied, %zu total\n", applied, set.count);
	(void)migrate_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_ID
	    ")", NULL);
	migrate_set_free(&set);
	return (rc);
}

int
migrate_status(PGconn *db, const char *dir, FILE *out, struct err *err)
{
	struct migrate_set	set;
	char			hex[MIGRATE_HEX_LEN + 1];
	size_t			i;
	int			rc, bad;

	if (migrate_scan(&set, dir, err) == -1)
		return (-1);
	rc = migrate_prepare(db, err);
	bad = 0;
	for (i = 0; rc == 0 && i < set.count; i++) {
		if ((rc = migrate_applied(db, set.files[i].name, hex,
		    err)) == -1)
			break;
		if (hex[0] == '\0') {
			fprintf(out, "pending  %s\n", set.files[i].name);
		} else if (strcmp(hex, set.files[i].hex) != 0) {
			fprintf(out, "CHANGED  %s\n", set.files[i].name);
			bad++;
		} else {
			fprintf(out, "applied  %s\n", set.files[i].name);
		}
	}
	(void)migrate_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_ID
	    ")", NULL);
	migrate_set_free(&set);
	if (rc == 0 && bad > 0) {
		err_set(err, "migrate: %d applied file(s) changed", bad);
		rc = -1;
	}
	return (rc);
}
