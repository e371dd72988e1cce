/*
 * The back office: an officer's or supervisor's work queues (/office),
 * one case with its whole record and the actions its step allows
 * (/office/case/REF), and the office's copy of the issued permit.  The
 * database finds the staff member from the session and the case within
 * their office; another office's case is "not found", whoever guesses
 * its reference.  Every action goes through the command functions, with
 * the case version the page was rendered from: a case someone else
 * changed meanwhile is refused with a message, and nothing is lost.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include <libxml/parser.h>

#include "app.h"
#include "auth.h"
#include "page.h"
#include "ref.h"
#include "session.h"

int	office_home(struct http_request *);
int	office_case(struct http_request *);
int	office_permit(struct http_request *);

#define OFFICE_XML_MAX	(512 * 1024)	/* a page model */
#define OFFICE_PREFIX	"/office/case/"

enum { OF_SESSION = 0, OF_CHECK, OF_ACTION, OF_LOAD };

struct office {
	struct session	 sess;
	struct db_call	 db;
	enum lang	 lang;
	int		 phase;
	int		 status;
	const char	*notice;	/* catalogue key shown on the page */
	char		 ref[REF_BUFSZ];
	char		 action[24];
	char		 version[12];
	char		 idem[AUTH_TOKEN_BUFSZ];
	char		 reason[512 * 4];
	const char	*params[6];
	char		*xml;		/* kore_strdup'd: model, code, or PDF */
	char		 col[2][128];	/* the PDF's number and aad */
};

static void
office_free(struct http_request *req)
{
	struct office	*of = http_state_get(req);

	if (of != NULL) {
		kore_free(of->xml);
		of->xml = NULL;
	}
}

static struct office *
office_state(struct http_request *req)
{
	struct office	*of;

	if (!http_state_exists(req)) {
		of = http_state_create(req, sizeof(*of), office_free);
		memset(of, 0, sizeof(*of));
		if (req->method == HTTP_METHOD_POST)
			http_populate_post(req);
		else
			http_populate_qs(req);
		of->lang = page_lang(req);
		of->status = HTTP_STATUS_OK;
	}
	return (http_state_get(req));
}

/*
 * Signed in (else to /login), CSRF on a POST, and staff: -1 RETRY, 1
 * answered (*rc), 0 go on.
 */
static int
office_begin_or_reply(struct http_request *req, struct office *of, int *rc)
{
	int	r;

	if (of->phase != OF_SESSION)
		return (0);
	if ((r = session_begin_or_reply(req, &of->sess, of->lang, 1, rc)) != 0)
		return (r);
	if (strcmp(of->sess.role, "officer") != 0 &&
	    strcmp(of->sess.role, "supervisor") != 0) {
		*rc = page_error(req, HTTP_STATUS_FORBIDDEN, of->lang,
		    "office.err.staff_only");
		return (1);
	}
	of->phase = OF_CHECK;
	return (0);
}

static int
office_read(struct kore_pgsql *sql, void *arg)
{
	struct office	*of = arg;

	if (kore_pgsql_ntuples(sql) != 1 || of->xml != NULL)
		return (0);
	if (kore_pgsql_getlength(sql, 0, 0) > OFFICE_XML_MAX)
		return (-1);
	if (kore_pgsql_getlength(sql, 0, 0) > 0)
		of->xml = kore_strdup(kore_pgsql_getvalue(sql, 0, 0));
	return (0);
}

/* Run q; -1 RETRY, 1 answered (unavailable), 0 done. */
static int
office_db_or_reply(struct http_request *req, struct office *of,
    enum db_query q, int *rc)
{
	switch (db_run(&of->db, q, of->params, office_read, of)) {
	case DB_WAIT:
		*rc = KORE_RESULT_RETRY;
		return (-1);
	case DB_FAILED:
		*rc = page_unavailable(req, of->lang);
		return (1);
	case DB_DONE:
		break;
	}
	return (0);
}

/* Render tmpl over the model in of->xml, with the notice if any. */
static int
office_render(struct http_request *req, struct office *of, const char *tmpl)
{
	xmlDocPtr	 doc, mdoc;
	xmlNodePtr	 root, n;
	char		 idem[AUTH_TOKEN_BUFSZ];

	if (of->xml == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, of->lang,
		    "error.not_found"));
	mdoc = xmlReadMemory(of->xml, (int)strlen(of->xml), NULL, "UTF-8",
	    XML_PARSE_NONET);
	if (mdoc == NULL) {
		kore_log(LOG_ERR, "%s: the %s model is not XML", __func__, tmpl);
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return (KORE_RESULT_OK);
	}
	doc = page_model(req, of->lang, &root);
	session_model(req, &of->sess, root);
	auth_token(idem);
	xmlNewProp(root, BAD_CAST "idem", BAD_CAST idem);
	if (of->notice != NULL) {
		n = xmlNewChild(root, NULL, BAD_CAST "notice", NULL);
		xmlNewProp(n, BAD_CAST "key", BAD_CAST of->notice);
	}
	xmlAddChild(root, xmlDocCopyNode(xmlDocGetRootElement(mdoc), doc, 1));
	xmlFreeDoc(mdoc);
	return (page_reply(req, of->status, tmpl, doc, of->lang));
}

int
office_home(struct http_request *req)
{
	struct office	*of = office_state(req);
	int		 rc;

	if (office_begin_or_reply(req, of, &rc) != 0)
		return (rc);
	if (of->phase == OF_CHECK) {
		of->params[0] = of->sess.token_hash;
		db_call_init(&of->db, req);
		of->phase = OF_LOAD;
	}
	if (office_db_or_reply(req, of, DB_OFFICE_QUEUES, &rc) != 0)
		return (rc);
	return (office_render(req, of, "office"));
}

/* The reference in /office/case/REF[/...], checked; 0 or -1. */
static int
office_path_ref(struct http_request *req, struct office *of)
{
	char		 buf[40];
	const char	*p = req->path + strlen(OFFICE_PREFIX);
	size_t		 n;

	n = strcspn(p, "/");
	if (n == 0 || n >= sizeof(buf))
		return (-1);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return (ref_parse(buf, of->ref, sizeof(of->ref)) == REF_OK ? 0 : -1);
}

static void
office_arg(struct http_request *req, const char *name, char *dst, size_t sz)
{
	char	*v = NULL;

	(void)http_argument_get_string(req, name, &v);
	(void)kore_strlcpy(dst, v != NULL ? v : "", sz);
}

/*
 * The four-eyes notices speak of the issuance; a referral decision's
 * (propose_clear, propose_reject, confirm_decision) say "decision".
 */
static void
office_fail_decision(struct office *of, const char *code)
{
	static const struct {
		const char	*code;
		const char	*key;
	} map[] = {
		{ "same_person", "office.err.decision_same_person" },
		{ "proposal_pending", "office.err.decision_pending" },
		{ "proposal_stale", "office.err.decision_stale" },
	};
	size_t	i;

	if (strcmp(of->action, "propose_clear") != 0 &&
	    strcmp(of->action, "propose_reject") != 0 &&
	    strcmp(of->action, "confirm_decision") != 0)
		return;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(code, map[i].code) == 0)
			of->notice = map[i].key;
	}
}

/* A command's answer as the page's notice and status. */
static void
office_fail(struct office *of, const char *code)
{
	static const struct {
		const char	*code;
		const char	*key;
		int		 status;
	} map[] = {
		{ "version_conflict", "office.err.conflict",
		    HTTP_STATUS_CONFLICT },
		{ "reason_required", "office.err.reason",
		    HTTP_STATUS_BAD_REQUEST },
		{ "invalid_input", "office.err.invalid",
		    HTTP_STATUS_BAD_REQUEST },
		{ "forbidden", "office.err.forbidden", HTTP_STATUS_FORBIDDEN },
		{ "same_person", "office.err.same_person",
		    HTTP_STATUS_FORBIDDEN },
		{ "proposal_pending", "office.err.proposal_pending",
		    HTTP_STATUS_CONFLICT },
		{ "clearance_stale", "office.err.clearance_stale",
		    HTTP_STATUS_CONFLICT },
		{ "proposal_stale", "office.err.proposal_stale",
		    HTTP_STATUS_CONFLICT },
		{ "no_proposal", "office.err.no_proposal",
		    HTTP_STATUS_CONFLICT },
	};
	size_t	i;

	of->notice = "office.err.not_now";
	of->status = HTTP_STATUS_CONFLICT;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(code, map[i].code) == 0) {
			of->notice = map[i].key;
			of->status = map[i].status;
		}
	}
	office_fail_decision(of, code);
}

/* The POST's action and fields; -1 when malformed (nothing is sent). */
static int
office_action(struct http_request *req, struct office *of)
{
	office_arg(req, "action", of->action, sizeof(of->action));
	office_arg(req, "version", of->version, sizeof(of->version));
	office_arg(req, "idem", of->idem, sizeof(of->idem));
	office_arg(req, "reason", of->reason, sizeof(of->reason));
	if (of->action[0] == '\0' ||
	    strspn(of->action, "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(of->action) || of->version[0] == '\0' ||
	    strspn(of->version, "0123456789") != strlen(of->version) ||
	    strlen(of->version) > 9 || !auth_token_valid(of->idem))
		return (-1);
	of->params[0] = of->sess.token_hash;
	of->params[1] = of->ref;
	of->params[2] = of->action;
	of->params[3] = of->version;
	of->params[4] = of->idem;
	of->params[5] = of->reason;
	return (0);
}

static int
office_show(struct http_request *req, struct office *of)
{
	int	rc;

	if (of->phase != OF_LOAD) {
		kore_free(of->xml);
		of->xml = NULL;
		of->params[0] = of->sess.token_hash;
		of->params[1] = of->ref;
		db_call_init(&of->db, req);
		of->phase = OF_LOAD;
	}
	if (office_db_or_reply(req, of, DB_OFFICE_CASE, &rc) != 0)
		return (rc);
	return (office_render(req, of, "office-case"));
}

int
office_case(struct http_request *req)
{
	struct office	*of = office_state(req);
	char		 loc[64];
	int		 rc;

	if (office_begin_or_reply(req, of, &rc) != 0)
		return (rc);
	if (of->phase == OF_CHECK) {
		if (office_path_ref(req, of) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    of->lang, "error.not_found"));
		if (req->method == HTTP_METHOD_GET)
			return (office_show(req, of));
		if (office_action(req, of) == -1) {
			office_fail(of, "invalid_input");
			return (office_show(req, of));
		}
		db_call_init(&of->db, req);
		of->phase = OF_ACTION;
	}
	if (of->phase == OF_ACTION) {
		if (office_db_or_reply(req, of, DB_OFFICE_COMMAND, &rc) != 0)
			return (rc);
		if (of->xml != NULL && strcmp(of->xml, "ok") == 0) {
			/* POST, redirect, GET: a reload repeats nothing. */
			(void)snprintf(loc, sizeof(loc), OFFICE_PREFIX "%s",
			    of->ref);
			http_response_header(req, "location", loc);
			http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
			return (KORE_RESULT_OK);
		}
		if (of->xml != NULL && strcmp(of->xml, "not_found") == 0)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    of->lang, "error.not_found"));
		office_fail(of, of->xml != NULL ? of->xml : "");
	}
	return (office_show(req, of));
}

/* number, sealed PDF (hex, into of->xml), aad. */
static int
office_read_pdf(struct kore_pgsql *sql, void *arg)
{
	struct office	*of = arg;

	if (kore_pgsql_ntuples(sql) != 1 || of->xml != NULL)
		return (0);
	(void)kore_strlcpy(of->col[0], kore_pgsql_getvalue(sql, 0, 0),
	    sizeof(of->col[0]));
	of->xml = kore_strdup(kore_pgsql_getvalue(sql, 0, 1));
	(void)kore_strlcpy(of->col[1], kore_pgsql_getvalue(sql, 0, 2),
	    sizeof(of->col[1]));
	return (0);
}

int
office_permit(struct http_request *req)
{
	struct office	*of = office_state(req);
	char		 name[64];
	int		 rc;

	if (office_begin_or_reply(req, of, &rc) != 0)
		return (rc);
	if (of->phase == OF_CHECK) {
		if (office_path_ref(req, of) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    of->lang, "error.not_found"));
		of->params[0] = of->sess.token_hash;
		of->params[1] = of->ref;
		db_call_init(&of->db, req);
		of->phase = OF_LOAD;
	}
	switch (db_run(&of->db, DB_OFFICE_PDF, of->params, office_read_pdf,
	    of)) {
	case DB_WAIT:
		return (KORE_RESULT_RETRY);
	case DB_FAILED:
		return (page_unavailable(req, of->lang));
	case DB_DONE:
		break;
	}
	if (of->xml == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, of->lang,
		    "error.not_found"));
	(void)snprintf(name, sizeof(name), "e-ITAS-%.40s", of->col[0]);
	return (page_sealed_pdf(req, of->xml, of->col[1], name));
}
