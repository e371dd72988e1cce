/*
 * Who is asking: the session behind the kitas_sid cookie (looked up in
 * the database, only the token's hash ever leaves this process), the CSRF
 * token every form carries, the cookies that hold them, and the client's
 * address for login throttling.
 */
#ifndef KITAS_SESSION_H
#define KITAS_SESSION_H

#include <kore/kore.h>
#include <kore/http.h>

#include <libxml/tree.h>

#include "auth.h"
#include "db.h"
#include "form.h"
#include "lang.h"

#define SESSION_COOKIE	"kitas_sid"
#define CSRF_COOKIE	"kitas_csrf"

struct session {
	struct db_call	 db;
	int		 started;
	int		 valid;
	long long	 account_id;
	int		 office_id;
	int		 confirmed;
	char		 role[16];
	char		 name[FORM_CHARS_BUFSZ(AUTH_NAME_MAX)];
	char		 email[AUTH_EMAIL_MAX + 1];
	char		 lang[3];
	char		 csrf[80];
	char		 token_hash[AUTH_HASH_HEX_BUFSZ];
	const char	*params[1];
};

/*
 * Look the session up (once per request): DB_WAIT, DB_DONE (s->valid
 * tells whether there is one), or DB_FAILED.  No cookie: DB_DONE at once.
 */
enum db_status	session_load(struct http_request *req, struct session *s);

/*
 * The common start of a handler acting for a person: the session, and
 * for a POST the CSRF token (403 when wrong).  With need, no session
 * sends the browser to the sign-in page.  Returns -1 (return RETRY), 1
 * (answered; return *rc) or 0 (go on).
 */
int		 session_begin_or_reply(struct http_request *req,
		    struct session *s, enum lang lang, int need, int *rc);

/* The CSRF token for forms on this page (sets the anonymous cookie). */
const char	*session_csrf(struct http_request *req, struct session *s);

/* 1 when the form's "csrf" field matches; call after populate_post. */
int		 session_csrf_ok(struct http_request *req, struct session *s);

/* Add <user .../> to a page model when signed in, and csrf="..". */
void		 session_model(struct http_request *req, struct session *s,
		    xmlNodePtr root);

/* Set or clear the session cookie. */
void		 session_cookie_set(struct http_request *req, const char *token,
		    int max_age);

/* The client's address as text (for throttling), into buf. */
void		 session_address(struct http_request *req, char *buf,
		    size_t bufsz);

#endif
