/*
 * The signed-in applicant's own pages: the list of their applications
 * and the password change.  Without a live session both send the visitor
 * to the sign-in page.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "authpage.h"
#include "page.h"

int	account_home(struct http_request *);
int	account_password(struct http_request *);

struct account_cases {
	struct session	 sess;
	struct db_call	 db;
	enum lang	 lang;
	int		 phase;
	const char	*params[1];
	struct db_rows	 rows;
};

int
account_home(struct http_request *req)
{
	static const char	*cols[5] = { "ref", "state", "kind", "level",
				    "updated" };
	struct account_cases	*st;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, list, c;
	char			*confirm;
	int			 i, j, rc;

	if (!http_state_exists(req)) {
		st = http_state_create(req, sizeof(*st), NULL);
		memset(st, 0, sizeof(*st));
		http_populate_qs(req);
		st->lang = page_lang(req);
	}
	st = http_state_get(req);

	if (st->phase == 0) {
		if (session_begin_or_reply(req, &st->sess, st->lang, 1, &rc) != 0)
			return (rc);
		/* Staff sign in to the same form; their home is the office. */
		if (strcmp(st->sess.role, "officer") == 0 ||
		    strcmp(st->sess.role, "supervisor") == 0 ||
		    strcmp(st->sess.role, "admin") == 0) {
			http_response_header(req, "location",
			    st->sess.role[0] == 'a' ? "/admin" : "/office");
			http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
			return (KORE_RESULT_OK);
		}
		st->params[0] = st->sess.token_hash;
		db_call_init(&st->db, req);
		st->phase = 1;
	}
	if (page_db_or_reply(req, db_run(&st->db, DB_PORTAL_CASES, st->params,
	    db_read_rows, &st->rows), st->lang, &rc) != 0)
		return (rc);
	doc = page_model(req, st->lang, &root);
	session_model(req, &st->sess, root);
	/* What became of a request for another confirmation link. */
	if (http_argument_get_string(req, "confirm", &confirm))
		xmlNewProp(root, BAD_CAST "confirm", BAD_CAST confirm);
	list = xmlNewChild(root, NULL, BAD_CAST "cases", NULL);
	for (i = 0; i < st->rows.n; i++) {
		c = xmlNewChild(list, NULL, BAD_CAST "case", NULL);
		for (j = 0; j < 5 && j < st->rows.ncols; j++)
			xmlNewProp(c, BAD_CAST cols[j],
			    BAD_CAST st->rows.v[i][j]);
	}
	return (page_reply(req, HTTP_STATUS_OK, "account", doc, st->lang));
}

enum {
	PW_SESSION = 0,
	PW_CHECK,
	PW_HASH_DB,
	PW_VERIFY,
	PW_NEW,
	PW_CHANGE
};

int
account_password(struct http_request *req)
{
	struct authpage	*ap = authpage_state(req);
	char		 old[AUTH_PW_MAX * 4 + 1], pw2[sizeof(old)];
	enum db_status	 rc;
	int		 r;

	if (ap->phase == PW_SESSION) {
		if (session_begin_or_reply(req, &ap->sess, ap->lang, 1,
		    &r) != 0)
			return (r);
		if (req->method == HTTP_METHOD_GET)
			return (authpage_reply(req, ap, HTTP_STATUS_OK,
			    "password"));
		authpage_arg(req, "old", old, sizeof(old));
		authpage_arg(req, "password", ap->v[6], sizeof(ap->v[6]));
		authpage_arg(req, "password2", pw2, sizeof(pw2));
		if (old[0] == '\0')
			authpage_error(ap, "old", "auth.err.pw_missing");
		authpage_new_password(ap, ap->v[6], pw2, ap->sess.email);
		sodium_memzero(pw2, sizeof(pw2));
		if (ap->nerr > 0) {
			sodium_memzero(old, sizeof(old));
			return (authpage_reply(req, ap,
			    HTTP_STATUS_BAD_REQUEST, "password"));
		}
		(void)kore_strlcpy(ap->v[7], old, sizeof(ap->v[7]));
		sodium_memzero(old, sizeof(old));
		session_address(req, ap->v[0], sizeof(ap->v[0]));
		ap->params[0] = ap->sess.token_hash;
		ap->params[1] = ap->v[0][0] ? ap->v[0] : NULL;
		db_call_init(&ap->db, req);
		ap->phase = PW_HASH_DB;
	}
	if (ap->phase == PW_HASH_DB) {
		if ((rc = authpage_db(ap, DB_PASSWORD_HASH)) == DB_WAIT)
			return (KORE_RESULT_RETRY);
		/* The old password goes to the hash task or nowhere. */
		if (rc == DB_DONE && ap->rows > 0 && ap->col[0][0] == 't')
			pwtask_init(&ap->pw, PWTASK_VERIFY, ap->v[7],
			    ap->col[2]);
		sodium_memzero(ap->v[7], sizeof(ap->v[7]));
		if (rc != DB_DONE)
			return (page_unavailable(req, ap->lang));
		if (ap->rows == 0)
			return (authpage_redirect(req, "/login"));
		if (ap->col[0][0] != 't')
			return (authpage_throttled(req, ap, "old", "password"));
		ap->phase = PW_VERIFY;
	}
	if (ap->phase == PW_VERIFY) {
		if (pwtask_run(req, &ap->pw) == PWTASK_WAIT)
			return (KORE_RESULT_RETRY);
		if (!ap->pw.ok) {
			authpage_error(ap, "old", "auth.err.old_wrong");
			return (authpage_reply(req, ap,
			    HTTP_STATUS_BAD_REQUEST, "password"));
		}
		pwtask_init(&ap->pw, PWTASK_HASH, ap->v[6], NULL);
		sodium_memzero(ap->v[6], sizeof(ap->v[6]));
		ap->phase = PW_NEW;
	}
	if (ap->phase == PW_NEW) {
		if (pwtask_run(req, &ap->pw) == PWTASK_WAIT)
			return (KORE_RESULT_RETRY);
		ap->params[0] = ap->sess.token_hash;
		ap->params[1] = ap->pw.hash;
		ap->params[2] = ap->v[0][0] ? ap->v[0] : NULL;
		db_call_init(&ap->db, req);
		ap->phase = PW_CHANGE;
	}
	if ((rc = authpage_db(ap, DB_PASSWORD_CHANGE)) == DB_WAIT)
		return (KORE_RESULT_RETRY);
	if (rc == DB_FAILED || strcmp(ap->col[0], "ok") != 0)
		return (page_unavailable(req, ap->lang));
	return (authpage_reply(req, ap, HTTP_STATUS_OK, "password_changed"));
}
