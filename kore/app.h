/*
 * The Kore adapter's shared state.  Everything here is per worker process
 * and set up once in app_init(); handlers only read it.
 */
#ifndef KITAS_APP_H
#define KITAS_APP_H

#include "render.h"
#include "settings.h"

#define APP_DB_NAME		"db"
#define APP_RETRY_AFTER		"5"	/* seconds, when the database is away */

struct vault_keyring;

struct app {
	struct settings		 settings;
	struct render		*render;
	struct vault_keyring	*vault;		/* NULL: no uploads */
};

extern struct app	app;

#endif
