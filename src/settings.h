/*
 * Deployment settings: a file of "key = value" lines (conf/settings, or
 * the file named by KITAS_SETTINGS), then KITAS_<KEY> environment
 * variables, which win.  Unknown keys and malformed values are errors so
 * a typo never silently falls back to a default.  conf/settings.example
 * documents every key.
 */
#ifndef KITAS_SETTINGS_H
#define KITAS_SETTINGS_H

#include "err.h"

#define SETTINGS_VALUE_MAX	512
#define SETTINGS_FILE_MAX	(64 * 1024)

struct settings {
	char	db[SETTINGS_VALUE_MAX];		/* app role, libpq string */
	char	db_admin[SETTINGS_VALUE_MAX];	/* owner role (kitasctl) */
	char	assets[SETTINGS_VALUE_MAX];	/* assets/ directory */
	char	migrations[SETTINGS_VALUE_MAX];	/* migrations/ directory */
	char	lang_default[3];		/* "id" or "en" */
	int	cookie_secure;			/* Secure flag on cookies */
	char	central_url[SETTINGS_VALUE_MAX];	/* "" = no dispatch */
	int	central_connect_ms;		/* connect timeout */
	int	central_timeout_ms;		/* whole request */
	int	central_batch;			/* requests per batch */
	int	dispatch_ms;			/* dispatcher tick */
	char	vault_keys[SETTINGS_VALUE_MAX];	/* master key file (0600) */
	int	upload_max;			/* bytes per document */
	char	smtp_url[SETTINGS_VALUE_MAX];	/* "" = mail stays queued */
	char	mail_from[SETTINGS_VALUE_MAX];
	char	public_url[SETTINGS_VALUE_MAX];	/* links in mails */
	char	exchange_key[SETTINGS_VALUE_MAX]; /* our signing key (0600) */
	char	permit_keys[SETTINGS_VALUE_MAX];	/* permit signer (0600) */
	char	permit_font[SETTINGS_VALUE_MAX];	/* TrueType, the PDF */
	char	permit_font_bold[SETTINGS_VALUE_MAX];
	int	crl_hours;			/* revocation list lifetime */
};

/* Fill s with the built-in defaults. */
void	settings_defaults(struct settings *s);

/* Apply "key = value" text; '#' starts a comment.  0 or -1 (err set). */
int	settings_parse(struct settings *s, const char *text, struct err *err);

/*
 * Apply KITAS_<KEY> variables through get (getenv in production, a table
 * in tests).  0 or -1 (err set).
 */
int	settings_env(struct settings *s, const char *(*get)(const char *),
	    struct err *err);

/*
 * Defaults, then the file (path, else $KITAS_SETTINGS, else conf/settings
 * if it exists), then the environment.  0 or -1 (err set).
 */
int	settings_load(struct settings *s, const char *path, struct err *err);

#endif
