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

#include "app.h"
#include "form.h"
#include "page.h"
#include "staff.h"

int	office_link(struct http_request *);
int	office_link_csv(struct http_request *);

#define LINK_XML_MAX	(512 * 1024)		/* the page model */
#define LINK_CSV_MAX	(8 * 1024 * 1024)	/* an office's compensations */
#define LINK_PATH	"/office/link"
#define LINK_ID_MAX	18			/* digits of a bigint */

struct link {
	struct staff	 st;		/* first: staff.c's part */
	char		 action[16];
	char		 reason[FORM_CHARS_BUFSZ(500)];	/* v_words500 */
	char		 incident[LINK_ID_MAX + 1];
	const char	*params[4];
};

static struct link *
link_state(struct http_request *req)
{
	return (staff_state(req, sizeof(struct link), LINK_XML_MAX));
}

static int
link_show(struct http_request *req, struct link *lk)
{
	int	rc;

	if (lk->st.phase != STAFF_LOAD) {
		kore_free(lk->st.text);
		lk->st.text = NULL;
		db_call_init(&lk->st.db, req);
		lk->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &lk->st, DB_OFFICE_LINK, lk->params,
	    &rc) != 0)
		return (rc);
	return (staff_render(req, &lk->st, "office-link"));
}

/* The POST's fields; -1 when malformed (nothing is sent). */
static int
link_action(struct http_request *req, struct link *lk)
{
	staff_arg(req, "action", lk->action, sizeof(lk->action));
	staff_arg(req, "reason", lk->reason, sizeof(lk->reason));
	staff_arg(req, "incident", lk->incident, sizeof(lk->incident));
	if (lk->action[0] == '\0' ||
	    strspn(lk->action, "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(lk->action) ||
	    strspn(lk->incident, "0123456789") != strlen(lk->incident))
		return (-1);
	lk->params[1] = lk->action;
	lk->params[2] = lk->reason;
	lk->params[3] = lk->incident;
	return (0);
}

/* A refused command as the page's notice and status. */
static void
link_fail(struct link *lk, const char *code)
{
	static const struct page_code map[] = {
		{ "forbidden", "office.link.err.forbidden",
		    HTTP_STATUS_FORBIDDEN },
		{ "reason_required", "office.link.err.reason",
		    HTTP_STATUS_BAD_REQUEST },
		{ "not_found", "office.link.err.not_found",
		    HTTP_STATUS_NOT_FOUND },
		{ "retry_first", "office.link.err.retry_first",
		    HTTP_STATUS_CONFLICT },
		{ "invalid_input", "office.err.invalid",
		    HTTP_STATUS_BAD_REQUEST },
	};

	staff_fail(&lk->st, map, sizeof(map) / sizeof(map[0]), code);
}

int
office_link(struct http_request *req)
{
	struct link	*lk = link_state(req);
	int		 rc;

	if (staff_begin_or_reply(req, &lk->st, &rc) != 0)
		return (rc);
	if (lk->st.phase == STAFF_CHECK) {
		lk->params[0] = lk->st.sess.token_hash;
		if (req->method == HTTP_METHOD_GET)
			return (link_show(req, lk));
		if (link_action(req, lk) == -1) {
			link_fail(lk, "invalid_input");
			return (link_show(req, lk));
		}
		db_call_init(&lk->st.db, req);
		lk->st.phase = STAFF_ACTION;
	}
	if (lk->st.phase == STAFF_ACTION) {
		if (staff_db_or_reply(req, &lk->st, DB_OFFICE_LINK_COMMAND,
		    lk->params, &rc) != 0)
			return (rc);
		if (lk->st.text != NULL && strcmp(lk->st.text, "ok") == 0)
			return (staff_redirect(req, LINK_PATH));
		link_fail(lk, lk->st.text != NULL ? lk->st.text : "");
	}
	return (link_show(req, lk));
}

int
office_link_csv(struct http_request *req)
{
	struct link	*lk = link_state(req);
	int		 rc;

	if (staff_begin_or_reply(req, &lk->st, &rc) != 0)
		return (rc);
	if (lk->st.phase == STAFF_CHECK) {
		lk->params[0] = lk->st.sess.token_hash;
		lk->st.max = LINK_CSV_MAX;
		db_call_init(&lk->st.db, req);
		lk->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &lk->st, DB_OFFICE_COMP_CSV, lk->params,
	    &rc) != 0)
		return (rc);
	if (lk->st.text == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, lk->st.lang,
		    "error.not_found"));
	http_response_header(req, "content-type", "text/csv; charset=utf-8; "
	    "header=present");
	http_response_header(req, "content-disposition",
	    "attachment; filename=\"compensations.csv\"");
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response(req, HTTP_STATUS_OK, lk->st.text, strlen(lk->st.text));
	return (KORE_RESULT_OK);
}
