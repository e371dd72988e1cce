#include <kore/kore.h>
#include <kore/http.h>

#include <arpa/inet.h>

#include "app.h"
#include "page.h"
#include "session.h"

static int
session_read(struct kore_pgsql *sql, void *arg)
{
	struct session	*s = arg;

	if (kore_pgsql_ntuples(sql) == 0)
		return (0);
	if (kore_pgsql_ntuples(sql) != 1 || kore_pgsql_nfields(sql) != 8)
		return (-1);
	s->valid = 1;
	s->account_id = strtoll(kore_pgsql_getvalue(sql, 0, 0), NULL, 10);
	(void)kore_strlcpy(s->role, kore_pgsql_getvalue(sql, 0, 1),
	    sizeof(s->role));
	s->office_id = (int)strtol(kore_pgsql_getvalue(sql, 0, 2), NULL, 10);
	(void)kore_strlcpy(s->name, kore_pgsql_getvalue(sql, 0, 3),
	    sizeof(s->name));
	(void)kore_strlcpy(s->email, kore_pgsql_getvalue(sql, 0, 4),
	    sizeof(s->email));
	(void)kore_strlcpy(s->lang, kore_pgsql_getvalue(sql, 0, 5),
	    sizeof(s->lang));
	(void)kore_strlcpy(s->csrf, kore_pgsql_getvalue(sql, 0, 6),
	    sizeof(s->csrf));
	s->confirmed = kore_pgsql_getvalue(sql, 0, 7)[0] == 't';
	return (0);
}

enum db_status
session_load(struct http_request *req, struct session *s)
{
	char	*cookie;

	if (!s->started) {
		s->started = 1;
		s->valid = 0;
		cookie = NULL;
		http_populate_cookies(req);
		if (!http_request_cookie(req, SESSION_COOKIE, &cookie) ||
		    !auth_token_valid(cookie))
			return (DB_DONE);
		auth_token_hash(cookie, s->token_hash);
		s->params[0] = s->token_hash;
		db_call_init(&s->db, req);
	} else if (s->params[0] == NULL) {
		return (DB_DONE);
	}
	return (db_run(&s->db, DB_SESSION, s->params, session_read, s));
}

int
session_begin_or_reply(struct http_request *req, struct session *s,
    enum lang lang, int need, int *rc)
{
	int	r;

	if ((r = page_db_or_reply(req, session_load(req, s), lang, rc)) != 0)
		return (r);
	if (need && !s->valid) {
		http_response_header(req, "location", "/login");
		http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
		*rc = KORE_RESULT_OK;
		return (1);
	}
	if (req->method == HTTP_METHOD_POST && !session_csrf_ok(req, s)) {
		*rc = page_error(req, HTTP_STATUS_FORBIDDEN, lang, "error.csrf");
		return (1);
	}
	return (0);
}

static void
session_set_cookie(struct http_request *req, const char *name,
    const char *value, int max_age)
{
	char	hdr[256];
	int	n;

	n = snprintf(hdr, sizeof(hdr), "%s=%s; Path=/; Max-Age=%d; HttpOnly; "
	    "SameSite=Lax%s", name, value, max_age,
	    app.settings.cookie_secure ? "; Secure" : "");
	if (n > 0 && (size_t)n < sizeof(hdr))
		http_response_header(req, "set-cookie", hdr);
}

const char *
session_csrf(struct http_request *req, struct session *s)
{
	char	*cookie;

	if (s->valid)
		return (s->csrf);
	cookie = NULL;
	http_populate_cookies(req);
	if (http_request_cookie(req, CSRF_COOKIE, &cookie) &&
	    auth_token_valid(cookie) && strlen(cookie) < sizeof(s->csrf)) {
		(void)kore_strlcpy(s->csrf, cookie, sizeof(s->csrf));
		return (s->csrf);
	}
	/* Double submit: the same random value in a cookie and the form. */
	auth_token(s->csrf);
	session_set_cookie(req, CSRF_COOKIE, s->csrf, 86400);
	return (s->csrf);
}

int
session_csrf_ok(struct http_request *req, struct session *s)
{
	char	*form, *cookie;

	form = cookie = NULL;
	if (!http_argument_get_string(req, "csrf", &form))
		return (0);
	if (s->valid)
		return (auth_secret_equal(form, s->csrf));
	http_populate_cookies(req);
	if (!http_request_cookie(req, CSRF_COOKIE, &cookie))
		return (0);
	return (auth_token_valid(cookie) && auth_secret_equal(form, cookie));
}

void
session_model(struct http_request *req, struct session *s, xmlNodePtr root)
{
	xmlNodePtr	u;

	xmlNewProp(root, BAD_CAST "csrf", BAD_CAST session_csrf(req, s));
	if (!s->valid)
		return;
	u = xmlNewChild(root, NULL, BAD_CAST "user", NULL);
	xmlNewProp(u, BAD_CAST "name", BAD_CAST s->name);
	xmlNewProp(u, BAD_CAST "role", BAD_CAST s->role);
	xmlNewProp(u, BAD_CAST "confirmed", BAD_CAST (s->confirmed ? "t" : "f"));
}

void
session_cookie_set(struct http_request *req, const char *token, int max_age)
{
	session_set_cookie(req, SESSION_COOKIE, token, max_age);
}

/*
 * Kore listens on loopback behind nginx (conf/nginx-site.conf), so the
 * peer of a proxied request is 127.0.0.1 and the client is in X-Real-IP;
 * only a loopback peer is trusted to say so.  Without it, throttling per
 * address would throttle everyone at once.
 */
void
session_address(struct http_request *req, char *buf, size_t bufsz)
{
	struct connection	*c = req->owner;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	const char		*real;

	buf[0] = '\0';
	if (c->family == AF_INET)
		(void)inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, buf, bufsz);
	else if (c->family == AF_INET6)
		(void)inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, buf, bufsz);
	if ((strcmp(buf, "127.0.0.1") == 0 || strcmp(buf, "::1") == 0) &&
	    http_request_header(req, "x-real-ip", &real) &&
	    (inet_pton(AF_INET, real, &a4) == 1 ||
	    inet_pton(AF_INET6, real, &a6) == 1))
		(void)kore_strlcpy(buf, real, bufsz);
}
