/*
 * kitasctl's staff account commands (src/userctl.c).  Each returns the
 * process exit code and prints its own messages.
 */
#ifndef KITAS_USERCTL_H
#define KITAS_USERCTL_H

#include <libpq-fe.h>

int	userctl_add(PGconn *db, const char *email, const char *role,
	    const char *office, const char *name);
int	userctl_password(PGconn *db, const char *email);
int	userctl_disable(PGconn *db, const char *email, int disable);

#endif
