/*
 * Registration, e-mail confirmation, sign-in and out, password reset.
 * Each handler walks its steps in order (phase): the session lookup, the
 * checks of what was typed, the database, Argon2id in a task thread, the
 * database again.  Nothing says whether an address has an account: the
 * same answer for every registration and reset request, and one message
 * for any failed sign-in.  Every form carries the CSRF token; a missing
 * or wrong one is a 403 and changes nothing.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "authpage.h"
#include "page.h"

int	auth_register(struct http_request *);
int	auth_confirm(struct http_request *);
int	auth_confirm_again(struct http_request *);
int	auth_login(struct http_request *);
int	auth_logout(struct http_request *);
int	auth_reset(struct http_request *);
int	auth_reset_new(struct http_request *);

enum {
	PH_SESSION = 0,
	PH_CHECK,
	PH_DB1,
	PH_TASK1,
	PH_DB2
};

/* Sessions last this long at most (the database enforces it too). */
#define AUTH_SESSION_AGE	(12 * 3600)

/*
 * The common start: the session, then for a POST the CSRF check.
 * Returns -1 when the handler should return RETRY, 1 when a reply was
 * sent, 0 to go on.
 */
static int
auth_begin_or_reply(struct http_request *req, struct authpage *ap, int *rc)
{
	int	r;

	if (ap->phase != PH_SESSION)
		return (0);
	if ((r = session_begin_or_reply(req, &ap->sess, ap->lang, 0, rc)) != 0)
		return (r);
	ap->phase = PH_CHECK;
	return (0);
}

/* Drive a database step; same contract as auth_begin_or_reply(). */
static int
auth_db_or_reply(struct http_request *req, struct authpage *ap,
    enum db_query q, int *rc)
{
	return (page_db_or_reply(req, authpage_db(ap, q), ap->lang, rc));
}

/*
 * Take a new password and its repetition from the form: on an error (or
 * earlier ones in ap) the form is answered 400 and 1 returned; else the
 * hash is set up in ap->pw and 0 returned.  The typed values are wiped
 * either way.
 */
static int
auth_new_password_or_reply(struct http_request *req, struct authpage *ap,
    const char *email, const char *view, int *rc)
{
	char	pw[AUTH_PW_MAX * 4 + 1], pw2[sizeof(pw)];

	authpage_arg(req, "password", pw, sizeof(pw));
	authpage_arg(req, "password2", pw2, sizeof(pw2));
	authpage_new_password(ap, pw, pw2, email);
	if (ap->nerr == 0)
		pwtask_init(&ap->pw, PWTASK_HASH, pw, NULL);
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(pw2, sizeof(pw2));
	if (ap->nerr > 0) {
		*rc = authpage_reply(req, ap, HTTP_STATUS_BAD_REQUEST, view);
		return (1);
	}
	return (0);
}

/* The hash of a new password, once its task is done; as above. */
static int
auth_hashed_or_reply(struct http_request *req, struct authpage *ap, int *rc)
{
	if (pwtask_run(req, &ap->pw) == PWTASK_WAIT) {
		*rc = KORE_RESULT_RETRY;
		return (-1);
	}
	if (!ap->pw.ok) {
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		*rc = KORE_RESULT_OK;
		return (1);
	}
	return (0);
}

static void
auth_email_arg(struct http_request *req, struct authpage *ap)
{
	authpage_arg(req, "email", ap->email, sizeof(ap->email));
	if (ap->email[0] == '\0')
		authpage_error(ap, "email", "auth.err.email_missing");
	else if (!auth_email_valid(ap->email))
		authpage_error(ap, "email", "auth.err.email_format");
}

int
auth_register(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	int		 rc;

	if (auth_begin_or_reply(req, ap, &rc) != 0)
		return (rc);

	if (ap->phase == PH_CHECK) {
		if (ap->sess.valid)
			return (authpage_redirect(req, "/account"));
		if (req->method == HTTP_METHOD_GET)
			return (authpage_reply(req, ap, HTTP_STATUS_OK,
			    "register"));
		auth_email_arg(req, ap);
		authpage_arg(req, "name", ap->name, sizeof(ap->name));
		if (ap->name[0] == '\0' || form_chars(ap->name) > AUTH_NAME_MAX)
			authpage_error(ap, "name", "auth.err.name");
		if (auth_new_password_or_reply(req, ap, ap->email, "register",
		    &rc) != 0)
			return (rc);
		ap->phase = PH_TASK1;
	}
	if (ap->phase == PH_TASK1) {
		if (auth_hashed_or_reply(req, ap, &rc) != 0)
			return (rc);
		auth_token(ap->v[0]);
		ap->params[0] = ap->email;
		ap->params[1] = ap->name;
		ap->params[2] = ap->pw.hash;
		ap->params[3] = lang_code(ap->lang);
		ap->params[4] = ap->v[0];
		db_call_init(&ap->db, req);
		ap->phase = PH_DB1;
	}
	if (auth_db_or_reply(req, ap, DB_REGISTER, &rc) != 0)
		return (rc);
	if (strcmp(ap->col[0], "ok") != 0) {
		if (strcmp(ap->col[0], "invalid_name") == 0)
			authpage_error(ap, "name", "auth.err.name");
		else
			authpage_error(ap, "email", "auth.err.email_format");
		return (authpage_reply(req, ap, HTTP_STATUS_BAD_REQUEST,
		    "register"));
	}
	return (authpage_reply(req, ap, HTTP_STATUS_OK, "registered"));
}

/* GET /confirm?token=...: the link in the confirmation mail. */
int
auth_confirm(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	int		 rc;

	if (auth_begin_or_reply(req, ap, &rc) != 0)
		return (rc);
	if (ap->phase == PH_CHECK) {
		authpage_arg(req, "token", ap->token, sizeof(ap->token));
		if (!auth_token_valid(ap->token)) {
			ap->token[0] = '\0';
			return (authpage_reply(req, ap,
			    HTTP_STATUS_BAD_REQUEST, "confirm_invalid"));
		}
		ap->params[0] = "confirm";
		ap->params[1] = ap->token;
		ap->params[2] = "";
		db_call_init(&ap->db, req);
		ap->phase = PH_DB1;
	}
	if (auth_db_or_reply(req, ap, DB_USE_TOKEN, &rc) != 0)
		return (rc);
	ap->token[0] = '\0';
	if (strcmp(ap->col[0], "ok") == 0)
		return (authpage_reply(req, ap, HTTP_STATUS_OK, "confirmed"));
	return (authpage_reply(req, ap, HTTP_STATUS_BAD_REQUEST,
	    strcmp(ap->col[0], "expired") == 0 ? "confirm_expired" :
	    "confirm_invalid"));
}

int
auth_login(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	char		 pw[AUTH_PW_MAX * 4 + 1];
	int		 rc;

	if (auth_begin_or_reply(req, ap, &rc) != 0)
		return (rc);

	if (ap->phase == PH_CHECK) {
		if (req->method == HTTP_METHOD_GET)
			return (ap->sess.valid ?
			    authpage_redirect(req, "/account") :
			    authpage_reply(req, ap, HTTP_STATUS_OK, "login"));
		auth_email_arg(req, ap);
		authpage_arg(req, "password", pw, sizeof(pw));
		if (pw[0] == '\0')
			authpage_error(ap, "password", "auth.err.pw_missing");
		if (ap->nerr > 0) {
			sodium_memzero(pw, sizeof(pw));
			return (authpage_reply(req, ap,
			    HTTP_STATUS_BAD_REQUEST, "login"));
		}
		/* Kept for the task; the rate limit is asked first. */
		(void)kore_strlcpy(ap->v[7], pw, sizeof(ap->v[7]));
		sodium_memzero(pw, sizeof(pw));
		session_address(req, ap->v[0], sizeof(ap->v[0]));
		ap->params[0] = ap->email;
		ap->params[1] = ap->v[0][0] ? ap->v[0] : NULL;
		db_call_init(&ap->db, req);
		ap->phase = PH_DB1;
	}
	if (ap->phase == PH_DB1) {
		if (auth_db_or_reply(req, ap, DB_LOGIN_BEGIN, &rc) != 0)
			return (rc);
		if (ap->col[0][0] != 't')
			return (authpage_throttled(req, ap, "email", "login"));
		(void)kore_strlcpy(ap->v[1], ap->col[2], sizeof(ap->v[1]));
		pwtask_init(&ap->pw, PWTASK_VERIFY, ap->v[7], ap->col[3]);
		sodium_memzero(ap->v[7], sizeof(ap->v[7]));
		ap->phase = PH_TASK1;
	}
	if (ap->phase == PH_TASK1) {
		if (pwtask_run(req, &ap->pw) == PWTASK_WAIT)
			return (KORE_RESULT_RETRY);
		/* A new token at every sign-in; the old session ends. */
		auth_token(ap->v[2]);
		auth_token_hash(ap->v[2], ap->v[3]);
		auth_token(ap->v[4]);
		ap->params[0] = ap->email;
		ap->params[1] = ap->v[1];
		ap->params[2] = ap->v[0][0] ? ap->v[0] : NULL;
		ap->params[3] = ap->pw.ok ? "true" : "false";
		ap->params[4] = ap->v[3];
		ap->params[5] = ap->v[4];
		ap->params[6] = ap->pw.rehash ? ap->pw.newhash : "";
		ap->params[7] = ap->sess.valid ? ap->sess.token_hash : "";
		db_call_init(&ap->db, req);
		ap->phase = PH_DB2;
	}
	if (auth_db_or_reply(req, ap, DB_LOGIN_FINISH, &rc) != 0)
		return (rc);
	if (strcmp(ap->col[0], "ok") != 0) {
		authpage_error(ap, "password", "auth.err.bad_credentials");
		return (authpage_reply(req, ap, HTTP_STATUS_UNAUTHORIZED,
		    "login"));
	}
	session_cookie_set(req, ap->v[2], AUTH_SESSION_AGE);
	return (authpage_redirect(req, "/account"));
}

int
auth_logout(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	int		 rc;

	if (auth_begin_or_reply(req, ap, &rc) != 0)
		return (rc);
	if (ap->phase == PH_CHECK) {
		if (!ap->sess.valid)
			return (authpage_redirect(req, "/"));
		ap->params[0] = ap->sess.token_hash;
		db_call_init(&ap->db, req);
		ap->phase = PH_DB1;
	}
	if (auth_db_or_reply(req, ap, DB_LOGOUT, &rc) != 0)
		return (rc);
	session_cookie_set(req, "", 0);
	return (authpage_redirect(req, "/"));
}

/*
 * Another confirmation link for the signed-in account; the account page
 * says what became of the request.
 */
int
auth_confirm_again(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	int		 rc;

	if (auth_begin_or_reply(req, ap, &rc) != 0)
		return (rc);
	if (ap->phase == PH_CHECK) {
		if (!ap->sess.valid)
			return (authpage_redirect(req, "/login"));
		auth_token(ap->v[0]);
		ap->params[0] = ap->sess.token_hash;
		ap->params[1] = ap->v[0];
		db_call_init(&ap->db, req);
		ap->phase = PH_DB1;
	}
	if (auth_db_or_reply(req, ap, DB_CONFIRM_AGAIN, &rc) != 0)
		return (rc);
	if (strcmp(ap->col[0], "ok") == 0)
		return (authpage_redirect(req, "/account?confirm=sent"));
	if (strcmp(ap->col[0], "wait") == 0)
		return (authpage_redirect(req, "/account?confirm=wait"));
	return (authpage_redirect(req, "/account"));
}

/* Ask for a reset link: the same answer whether the account exists. */
int
auth_reset(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	int		 rc;

	if (auth_begin_or_reply(req, ap, &rc) != 0)
		return (rc);
	if (ap->phase == PH_CHECK) {
		if (req->method == HTTP_METHOD_GET)
			return (authpage_reply(req, ap, HTTP_STATUS_OK,
			    "reset"));
		auth_email_arg(req, ap);
		if (ap->nerr > 0)
			return (authpage_reply(req, ap,
			    HTTP_STATUS_BAD_REQUEST, "reset"));
		auth_token(ap->v[0]);
		ap->params[0] = ap->email;
		ap->params[1] = ap->v[0];
		db_call_init(&ap->db, req);
		ap->phase = PH_DB1;
	}
	if (auth_db_or_reply(req, ap, DB_RESET_REQUEST, &rc) != 0)
		return (rc);
	return (authpage_reply(req, ap, HTTP_STATUS_OK, "reset_sent"));
}

/* The link in the reset mail: choose a new password. */
int
auth_reset_new(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	int		 rc;

	if (auth_begin_or_reply(req, ap, &rc) != 0)
		return (rc);
	if (ap->phase == PH_CHECK) {
		authpage_arg(req, "token", ap->token, sizeof(ap->token));
		if (!auth_token_valid(ap->token)) {
			ap->token[0] = '\0';
			return (authpage_reply(req, ap,
			    HTTP_STATUS_BAD_REQUEST, "reset_invalid"));
		}
		if (req->method == HTTP_METHOD_GET)
			return (authpage_reply(req, ap, HTTP_STATUS_OK,
			    "reset_new"));
		if (auth_new_password_or_reply(req, ap, NULL, "reset_new",
		    &rc) != 0)
			return (rc);
		ap->phase = PH_TASK1;
	}
	if (ap->phase == PH_TASK1) {
		if (auth_hashed_or_reply(req, ap, &rc) != 0)
			return (rc);
		ap->params[0] = "reset";
		ap->params[1] = ap->token;
		ap->params[2] = ap->pw.hash;
		db_call_init(&ap->db, req);
		ap->phase = PH_DB1;
	}
	if (auth_db_or_reply(req, ap, DB_USE_TOKEN, &rc) != 0)
		return (rc);
	ap->token[0] = '\0';
	if (strcmp(ap->col[0], "ok") == 0)
		return (authpage_reply(req, ap, HTTP_STATUS_OK, "reset_done"));
	return (authpage_reply(req, ap, HTTP_STATUS_BAD_REQUEST,
	    strcmp(ap->col[0], "expired") == 0 ? "reset_expired" :
	    "reset_invalid"));
}
