#include <kore/kore.h>
#include <kore/http.h>

#include "authpage.h"
#include "page.h"

/*
 * Passwords pass through this state: wipe the fields that hold them when
 * the request ends; never the db/task structs, which Kore frees after us.
 */
static void
authpage_wipe(struct http_request *req)
{
	struct authpage	*ap = http_state_get(req);

	if (ap == NULL || page_tasks_running(req))
		return;
	sodium_memzero(ap->v, sizeof(ap->v));
	sodium_memzero(ap->col, sizeof(ap->col));
	sodium_memzero(ap->pw.password, sizeof(ap->pw.password));
	sodium_memzero(ap->pw.hash, sizeof(ap->pw.hash));
	sodium_memzero(ap->pw.newhash, sizeof(ap->pw.newhash));
}

struct authpage *
authpage_state(struct http_request *req)
{
	struct authpage	*ap;

	if (!http_state_exists(req)) {
		ap = http_state_create(req, sizeof(*ap), authpage_wipe);
		memset(ap, 0, sizeof(*ap));
		if (req->method == HTTP_METHOD_POST)
			http_populate_post(req);
		else
			http_populate_qs(req);
		ap->lang = page_lang(req);
	}
	return (http_state_get(req));
}

void
authpage_error(struct authpage *ap, const char *field, const char *key)
{
	if (ap->nerr < AUTHPAGE_ERRORS) {
		ap->err_field[ap->nerr] = field;
		ap->err_key[ap->nerr] = key;
		ap->nerr++;
	}
}

int
authpage_reply(struct http_request *req, struct authpage *ap, int status,
    const char *view)
{
	xmlDocPtr	doc;
	xmlNodePtr	root, a, e;
	int		i;

	doc = page_model(req, ap->lang, &root);
	session_model(req, &ap->sess, root);
	a = xmlNewChild(root, NULL, BAD_CAST "auth", NULL);
	xmlNewProp(a, BAD_CAST "view", BAD_CAST view);
	xmlNewProp(a, BAD_CAST "email", BAD_CAST ap->email);
	xmlNewProp(a, BAD_CAST "name", BAD_CAST ap->name);
	if (ap->token[0] != '\0')
		xmlNewProp(a, BAD_CAST "token", BAD_CAST ap->token);
	for (i = 0; i < ap->nerr; i++) {
		e = xmlNewChild(a, NULL, BAD_CAST "error", NULL);
		xmlNewProp(e, BAD_CAST "field", BAD_CAST ap->err_field[i]);
		xmlNewProp(e, BAD_CAST "key", BAD_CAST ap->err_key[i]);
	}
	return (page_reply(req, status, "auth", doc, ap->lang));
}

int
authpage_redirect(struct http_request *req, const char *path)
{
	http_response_header(req, "location", path);
	http_response_header(req, "cache-control", "no-store");
	http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
	return (KORE_RESULT_OK);
}

int
authpage_throttled(struct http_request *req, struct authpage *ap,
    const char *field, const char *view)
{
	char	retry[16];

	sodium_memzero(ap->v[7], sizeof(ap->v[7]));
	(void)snprintf(retry, sizeof(retry), "%d",
	    atoi(ap->col[1]) > 0 ? atoi(ap->col[1]) : 60);
	http_response_header(req, "retry-after", retry);
	authpage_error(ap, field, "auth.err.throttled");
	/* 429, RFC 6585: Kore 4.1 has no name for it. */
	return (authpage_reply(req, ap, 429, view));
}

static int
authpage_read(struct kore_pgsql *sql, void *arg)
{
	struct authpage	*ap = arg;
	int		 i;

	ap->rows = kore_pgsql_ntuples(sql);
	if (ap->rows == 0)
		return (0);
	for (i = 0; i < kore_pgsql_nfields(sql) && i < 4; i++)
		(void)kore_strlcpy(ap->col[i], kore_pgsql_getvalue(sql, 0, i),
		    sizeof(ap->col[i]));
	return (0);
}

enum db_status
authpage_db(struct authpage *ap, enum db_query q)
{
	return (db_run(&ap->db, q, ap->params, authpage_read, ap));
}

void
authpage_arg(struct http_request *req, const char *name, char *dst,
    size_t dstsz)
{
	char	*v;

	v = NULL;
	(void)http_argument_get_string(req, name, &v);
	(void)kore_strlcpy(dst, v != NULL ? v : "", dstsz);
}

void
authpage_new_password(struct authpage *ap, const char *pw, const char *pw2,
    const char *email)
{
	switch (auth_password_rule(pw, email)) {
	case AUTH_PW_OK:
		break;
	case AUTH_PW_SHORT:
		authpage_error(ap, "password", "auth.err.pw_short");
		return;
	case AUTH_PW_LONG:
		authpage_error(ap, "password", "auth.err.pw_long");
		return;
	case AUTH_PW_IS_EMAIL:
		authpage_error(ap, "password", "auth.err.pw_is_email");
		return;
	case AUTH_PW_NOT_UTF8:
		authpage_error(ap, "password", "auth.err.pw_encoding");
		return;
	}
	if (strcmp(pw, pw2) != 0)
		authpage_error(ap, "password2", "auth.err.pw_mismatch");
}
