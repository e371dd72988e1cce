/*
 * kitasctl's permit commands (src/permitctl.c).  Each returns the
 * process exit code and prints its own messages.
 */
#ifndef KITAS_PERMITCTL_H
#define KITAS_PERMITCTL_H

#include <libpq-fe.h>

#include "settings.h"

int	permitctl_rotate(PGconn *db, const struct settings *s);
int	permitctl_revoke(PGconn *db, const char *kid, const char *reason);
int	permitctl_list(PGconn *db);
int	permitctl_verify(const char *keyspath, const char *crlpath,
	    const char *token_or_pdf);

#endif
