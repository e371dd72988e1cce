/*
 * What the sign-in handlers (auth.c, account.c) share: one request state
 * that walks session -> database -> Argon2id task -> database, and the
 * form page they render (assets/templates/auth.xsl, one view per step).
 */
#ifndef KITAS_AUTHPAGE_H
#define KITAS_AUTHPAGE_H

#include <kore/kore.h>
#include <kore/http.h>

#include "db.h"
#include "form.h"
#include "lang.h"
#include "pwtask.h"
#include "session.h"

#define AUTHPAGE_ERRORS	4
#define AUTHPAGE_PARAMS	8
/* A value slot holds a whole password (up to AUTH_PW_MAX characters of
 * UTF-8) or a hash; smaller, it would cut a long password silently. */
#define AUTHPAGE_VAL	(AUTH_PW_MAX * 4 + 1)
_Static_assert(AUTHPAGE_VAL >= AUTH_PWHASH_BUFSZ, "a hash fits a slot");

struct authpage {
	struct session	 sess;
	struct db_call	 db;
	struct pwtask	 pw;
	enum lang	 lang;
	int		 phase;
	const char	*params[AUTHPAGE_PARAMS];
	/* What the user typed that a form shows again (never passwords). */
	char		 email[AUTH_EMAIL_MAX + 1];
	char		 name[FORM_CHARS_BUFSZ(AUTH_NAME_MAX)];
	char		 token[AUTH_TOKEN_BUFSZ];
	/* Field errors: field name and catalogue key. */
	int		 nerr;
	const char	*err_field[AUTHPAGE_ERRORS];
	const char	*err_key[AUTHPAGE_ERRORS];
	/* Results of the database steps. */
	char		 col[4][AUTH_PWHASH_BUFSZ];
	int		 rows;
	/* Values passed to the database that must outlive a step. */
	char		 v[AUTHPAGE_PARAMS][AUTHPAGE_VAL];
};

/* The state, created on first call with session lookup pending. */
struct authpage	*authpage_state(struct http_request *req);

/* Note a field error (key from the catalogues). */
void		 authpage_error(struct authpage *ap, const char *field,
		    const char *key);

/* Render auth.xsl's view with the typed values and errors. */
int		 authpage_reply(struct http_request *req, struct authpage *ap,
		    int status, const char *view);

/* 303 to path. */
int		 authpage_redirect(struct http_request *req, const char *path);
/*
 * The sign-in throttle said no (col[1]: the seconds to wait): the
 * password typed (v[7]) is forgotten, and the answer is 429 with
 * Retry-After and the message next to field.
 */
int		 authpage_throttled(struct http_request *req,
		    struct authpage *ap, const char *field, const char *view);

/* Run query q with ap->params, first row into ap->col. */
enum db_status	 authpage_db(struct authpage *ap, enum db_query q);

/* Copy a form argument into dst; "" when missing. */
void		 authpage_arg(struct http_request *req, const char *name,
		    char *dst, size_t dstsz);

/* Check a new password and its repetition; notes errors. */
void		 authpage_new_password(struct authpage *ap, const char *pw,
		    const char *pw2, const char *email);

#endif
