/*
 * The central-link panel of the back office (/office/link): the breaker,
 * the backlog and its estimate, a day's and a week's chart, the open
 * incidents, the hand pause, and the express cases owed compensation
 * because an outage made them late (also as CSV).  Every member of staff
 * reads it; the database lets only a supervisor act, so an officer's
 * hand-made form is refused there, whatever this page showed.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include <libxml/parser.h>

#include "app.h"
#include "page.h"
#include "session.h"

int	office_link(struct http_request *);
int	office_link_csv(struct http_request *);

#define LINK_XML_MAX	(512 * 1024)		/* the page model */
#define LINK_CSV_MAX	(8 * 1024 * 1024)	/* an office's compensations */
#define LINK_PATH	"/office/link"
#define LINK_ID_MAX	18			/* digits of a bigint */

enum { LK_SESSION = 0, LK_CHECK, LK_ACTION, LK_LOAD };

struct link {
	struct session	 sess;
	struct db_call	 db;
	enum lang	 lang;
	int		 phase;
	int		 status;
	size_t		 max;		/* of the value read into text */
	const char	*notice;	/* catalogue key shown on the page */
	char		 action[16];
	char		 reason[512 * 4];
	char		 incident[LINK_ID_MAX + 1];
	const char	*params[4];
	char		*text;		/* kore_strdup'd: model, code or CSV */
};

static void
link_free(struct http_request *req)
{
	struct link	*lk = http_state_get(req);

	if (lk != NULL) {
		kore_free(lk->text);
		lk->text = NULL;
	}
}

static struct link *
link_state(struct http_request *req)
{
	struct link	*lk;

	if (!http_state_exists(req)) {
		lk = http_state_create(req, sizeof(*lk), link_free);
		memset(lk, 0, sizeof(*lk));
		if (req->method == HTTP_METHOD_POST)
			http_populate_post(req);
		else
			http_populate_qs(req);
		lk->lang = page_lang(req);
		lk->status = HTTP_STATUS_OK;
		lk->max = LINK_XML_MAX;
	}
	return (http_state_get(req));
}

/*
 * Signed in (else to /login), CSRF on a POST, and staff: -1 RETRY, 1
 * answered (*rc), 0 go on.
 */
static int
link_begin_or_reply(struct http_request *req, struct link *lk, int *rc)
{
	int	r;

	if (lk->phase != LK_SESSION)
		return (0);
	if ((r = session_begin_or_reply(req, &lk->sess, lk->lang, 1, rc)) != 0)
		return (r);
	if (strcmp(lk->sess.role, "officer") != 0 &&
	    strcmp(lk->sess.role, "supervisor") != 0) {
		*rc = page_error(req, HTTP_STATUS_FORBIDDEN, lk->lang,
		    "office.err.staff_only");
		return (1);
	}
	lk->phase = LK_CHECK;
	return (0);
}

/* The one value of a one-row answer, bounded by lk->max; NULL is empty. */
static int
link_read(struct kore_pgsql *sql, void *arg)
{
	struct link	*lk = arg;

	if (kore_pgsql_ntuples(sql) != 1 || lk->text != NULL)
		return (0);
	if ((size_t)kore_pgsql_getlength(sql, 0, 0) > lk->max)
		return (-1);
	if (kore_pgsql_getlength(sql, 0, 0) > 0)
		lk->text = kore_strdup(kore_pgsql_getvalue(sql, 0, 0));
	return (0);
}

/* Run q; -1 RETRY, 1 answered (unavailable), 0 done. */
static int
link_db_or_reply(struct http_request *req, struct link *lk, enum db_query q,
    int *rc)
{
	switch (db_run(&lk->db, q, lk->params, link_read, lk)) {
	case DB_WAIT:
		*rc = KORE_RESULT_RETRY;
		return (-1);
	case DB_FAILED:
		*rc = page_unavailable(req, lk->lang);
		return (1);
	case DB_DONE:
		break;
	}
	return (0);
}

/* Render the panel over the model in lk->text, with the notice if any. */
static int
link_render(struct http_request *req, struct link *lk)
{
	xmlDocPtr	 doc, mdoc;
	xmlNodePtr	 root, n;

	if (lk->text == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, lk->lang,
		    "error.not_found"));
	mdoc = xmlReadMemory(lk->text, (int)strlen(lk->text), NULL, "UTF-8",
	    XML_PARSE_NONET);
	if (mdoc == NULL) {
		kore_log(LOG_ERR, "%s: the link model is not XML", __func__);
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return (KORE_RESULT_OK);
	}
	doc = page_model(req, lk->lang, &root);
	session_model(req, &lk->sess, root);
	if (lk->notice != NULL) {
		n = xmlNewChild(root, NULL, BAD_CAST "notice", NULL);
		xmlNewProp(n, BAD_CAST "key", BAD_CAST lk->notice);
	}
	xmlAddChild(root, xmlDocCopyNode(xmlDocGetRootElement(mdoc), doc, 1));
	xmlFreeDoc(mdoc);
	return (page_reply(req, lk->status, "office-link", doc, lk->lang));
}

static int
link_show(struct http_request *req, struct link *lk)
{
	int	rc;

	if (lk->phase != LK_LOAD) {
		kore_free(lk->text);
		lk->text = NULL;
		lk->params[0] = lk->sess.token_hash;
		db_call_init(&lk->db, req);
		lk->phase = LK_LOAD;
	}
	if (link_db_or_reply(req, lk, DB_OFFICE_LINK, &rc) != 0)
		return (rc);
	return (link_render(req, lk));
}

static void
link_arg(struct http_request *req, const char *name, char *dst, size_t sz)
{
	char	*v = NULL;

	(void)http_argument_get_string(req, name, &v);
	if (v == NULL || kore_strlcpy(dst, v, sz) >= sz)
		dst[0] = '\0';
}

/* The POST's fields; -1 when malformed (nothing is sent). */
static int
link_action(struct http_request *req, struct link *lk)
{
	link_arg(req, "action", lk->action, sizeof(lk->action));
	link_arg(req, "reason", lk->reason, sizeof(lk->reason));
	link_arg(req, "incident", lk->incident, sizeof(lk->incident));
	if (lk->action[0] == '\0' ||
	    strspn(lk->action, "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(lk->action) ||
	    strspn(lk->incident, "0123456789") != strlen(lk->incident))
		return (-1);
	lk->params[0] = lk->sess.token_hash;
	lk->params[1] = lk->action;
	lk->params[2] = lk->reason;
	lk->params[3] = lk->incident;
	return (0);
}

/* A refused command as the page's notice and status. */
static void
link_fail(struct link *lk, const char *code)
{
	static const struct {
		const char	*code;
		const char	*key;
		int		 status;
	} map[] = {
		{ "forbidden", "office.link.err.forbidden",
		    HTTP_STATUS_FORBIDDEN },
		{ "reason_required", "office.link.err.reason",
		    HTTP_STATUS_BAD_REQUEST },
		{ "not_found", "office.link.err.not_found",
		    HTTP_STATUS_NOT_FOUND },
		{ "invalid_input", "office.err.invalid",
		    HTTP_STATUS_BAD_REQUEST },
	};
	size_t	i;

	lk->notice = "office.err.not_now";
	lk->status = HTTP_STATUS_CONFLICT;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(code, map[i].code) == 0) {
			lk->notice = map[i].key;
			lk->status = map[i].status;
		}
	}
}

int
office_link(struct http_request *req)
{
	struct link	*lk = link_state(req);
	int		 rc;

	if (link_begin_or_reply(req, lk, &rc) != 0)
		return (rc);
	if (lk->phase == LK_CHECK) {
		if (req->method == HTTP_METHOD_GET)
			return (link_show(req, lk));
		if (link_action(req, lk) == -1) {
			link_fail(lk, "invalid_input");
			return (link_show(req, lk));
		}
		db_call_init(&lk->db, req);
		lk->phase = LK_ACTION;
	}
	if (lk->phase == LK_ACTION) {
		if (link_db_or_reply(req, lk, DB_OFFICE_LINK_COMMAND, &rc) != 0)
			return (rc);
		if (lk->text != NULL && strcmp(lk->text, "ok") == 0) {
			/* POST, redirect, GET: a reload repeats nothing. */
			http_response_header(req, "location", LINK_PATH);
			http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
			return (KORE_RESULT_OK);
		}
		link_fail(lk, lk->text != NULL ? lk->text : "");
	}
	return (link_show(req, lk));
}

int
office_link_csv(struct http_request *req)
{
	struct link	*lk = link_state(req);
	int		 rc;

	if (link_begin_or_reply(req, lk, &rc) != 0)
		return (rc);
	if (lk->phase == LK_CHECK) {
		lk->params[0] = lk->sess.token_hash;
		lk->max = LINK_CSV_MAX;
		db_call_init(&lk->db, req);
		lk->phase = LK_LOAD;
	}
	if (link_db_or_reply(req, lk, DB_OFFICE_COMP_CSV, &rc) != 0)
		return (rc);
	if (lk->text == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, lk->lang,
		    "error.not_found"));
	http_response_header(req, "content-type", "text/csv; charset=utf-8; "
	    "header=present");
	http_response_header(req, "content-disposition",
	    "attachment; filename=\"compensations.csv\"");
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response(req, HTTP_STATUS_OK, lk->text, strlen(lk->text));
	return (KORE_RESULT_OK);
}
