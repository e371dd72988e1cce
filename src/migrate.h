/*
 * Schema migrations: migrations/NNNN_verb_noun.sql applied in order, each
 * in its own transaction, recorded with its SHA-256.  A file that changed
 * after it was applied stops everything: migrations are fixed forward,
 * never edited.  An advisory lock keeps two migrators from interleaving.
 */
#ifndef KITAS_MIGRATE_H
#define KITAS_MIGRATE_H

#include <stdio.h>

#include <libpq-fe.h>

#include "err.h"

#define MIGRATE_MAX_FILES	1000
#define MIGRATE_FILE_MAX	(4 * 1024 * 1024)
#define MIGRATE_HEX_LEN		64

/* 1 when name is NNNN_lower_snake.sql, else 0. */
int	migrate_name_valid(const char *name);

/* Lower-case hex SHA-256 of data into hex (MIGRATE_HEX_LEN + 1 bytes). */
void	migrate_checksum(const void *data, size_t len, char *hex);

/* Apply pending migrations from dir; progress lines go to log. */
int	migrate_run(PGconn *db, const char *dir, FILE *log, struct err *err);

/* Print every migration with applied / pending / CHANGED / MISSING. */
int	migrate_status(PGconn *db, const char *dir, FILE *out,
	    struct err *err);

#endif
