#include <kore/kore.h>
#include <kore/http.h>

#include "auth.h"
#include "page.h"
#include "ref.h"
#include "staff.h"

static void
staff_free(struct http_request *req)
{
	struct staff	*st = http_state_get(req);

	if (st != NULL) {
		kore_free(st->text);
		st->text = NULL;
	}
}

void *
staff_state(struct http_request *req, size_t size, size_t max)
{
	struct staff	*st;

	if (!http_state_exists(req)) {
		st = http_state_create(req, size, staff_free);
		memset(st, 0, size);
		if (req->method == HTTP_METHOD_POST)
			http_populate_post(req);
		else
			http_populate_qs(req);
		st->lang = page_lang(req);
		st->status = HTTP_STATUS_OK;
		st->max = max;
	}
	return (http_state_get(req));
}

int
staff_begin_or_reply(struct http_request *req, struct staff *st, int *rc)
{
	static const char *const	office[] = { "officer", "supervisor",
					    NULL };

	return (staff_begin_as_or_reply(req, st, office, rc));
}

int
staff_read_begin_or_reply(struct http_request *req, struct staff *st,
    int *rc)
{
	static const char *const	readers[] = { "officer", "supervisor",
					    "admin", NULL };

	return (staff_begin_as_or_reply(req, st, readers, rc));
}

int
staff_begin_as_or_reply(struct http_request *req, struct staff *st,
    const char *const *roles, int *rc)
{
	int	r;

	if (st->phase != STAFF_SESSION)
		return (0);
	if ((r = session_begin_or_reply(req, &st->sess, st->lang, 1, rc)) != 0)
		return (r);
	while (*roles != NULL && strcmp(st->sess.role, *roles) != 0)
		roles++;
	if (*roles == NULL) {
		*rc = page_error(req, HTTP_STATUS_FORBIDDEN, st->lang,
		    "office.err.staff_only");
		return (1);
	}
	st->phase = STAFF_CHECK;
	return (0);
}

/* The one value of a one-row answer, bounded by st->max; NULL is none. */
static int
staff_read(struct kore_pgsql *sql, void *arg)
{
	struct staff	*st = arg;

	if (kore_pgsql_ntuples(sql) != 1 || st->text != NULL)
		return (0);
	if ((size_t)kore_pgsql_getlength(sql, 0, 0) > st->max)
		return (-1);
	if (kore_pgsql_getlength(sql, 0, 0) > 0)
		st->text = kore_strdup(kore_pgsql_getvalue(sql, 0, 0));
	return (0);
}

int
staff_db_or_reply(struct http_request *req, struct staff *st,
    enum db_query q, const char **params, int *rc)
{
	return (page_db_or_reply(req, db_run(&st->db, q, params, staff_read,
	    st), st->lang, rc));
}

int
staff_render(struct http_request *req, struct staff *st, const char *tmpl)
{
	return (page_form_reply(req, &st->sess, st->lang, st->text, st->notice,
	    st->status, tmpl));
}

void
staff_arg(struct http_request *req, const char *name, char *dst, size_t sz)
{
	char	*v = NULL;

	(void)http_argument_get_string(req, name, &v);
	if (v == NULL || kore_strlcpy(dst, v, sz) >= sz)
		dst[0] = '\0';
}

void
staff_fail(struct staff *st, const struct page_code *map, size_t n,
    const char *code)
{
	const struct page_code	*c = page_code_find(map, n, code);

	st->notice = c != NULL ? c->key : "office.err.not_now";
	st->status = c != NULL ? c->status : HTTP_STATUS_CONFLICT;
}

int
staff_office_code(const char *s)
{
	return (strlen(s) == STAFF_OFFICE_LEN &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == STAFF_OFFICE_LEN);
}

int
staff_redirect(struct http_request *req, const char *path)
{
	http_response_header(req, "location", path);
	http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
	return (KORE_RESULT_OK);
}

const char *
staff_path_ref(struct http_request *req, char *ref, size_t refsz)
{
	char		 buf[40];
	const char	*p = req->path + strlen(STAFF_CASE_PREFIX);
	size_t		 n;

	if (strncmp(req->path, STAFF_CASE_PREFIX,
	    strlen(STAFF_CASE_PREFIX)) != 0)
		return (NULL);
	n = strcspn(p, "/");
	if (n == 0 || n >= sizeof(buf))
		return (NULL);
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (ref_parse(buf, ref, refsz) != REF_OK)
		return (NULL);
	return (p + n);
}
