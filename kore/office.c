/*
 * The back office: an officer's or supervisor's work queues (/office),
 * one case with its whole record and the actions its step allows
 * (/office/case/REF), and the office's copy of the issued permit.  The
 * database finds the staff member from the session and the case within
 * their office; another office's case is "not found", whoever guesses
 * its reference.  An admin reads these pages for every office (the
 * queues of all of them, or of the one ?office=CODE names) and is
 * offered no action; a form an admin sends anyway finds nobody to act
 * in the database (office_post() knows only officers and supervisors)
 * and is answered 403.  Every action goes through the command functions,
 * with the case version the page was rendered from: a case someone else
 * changed meanwhile is refused with a message, and nothing is lost.
 *
 * A form's POST goes to the database once: office_post() checks the
 * session and the form's CSRF token and runs the command in one
 * transaction, and a command done is answered with a redirect.  Anything
 * else (no session, a wrong token, a refused command) takes the usual
 * path: the session is loaded and checked here, and the page is rendered
 * with the notice.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "auth.h"
#include "form.h"
#include "page.h"
#include "ref.h"
#include "staff.h"

int	office_home(struct http_request *);
int	office_case(struct http_request *);
int	office_permit(struct http_request *);

#define OFFICE_XML_MAX	(512 * 1024)	/* a page model */

enum { OFFICE_POST_NONE = 0, OFFICE_POST_SENT, OFFICE_POST_DONE };

struct office {
	struct staff	 st;		/* first: staff.c's part */
	int		 post;		/* OFFICE_POST_* */
	char		 code[32];	/* the command's refusal */
	char		 ref[REF_BUFSZ];
	char		 office[STAFF_OFFICE_BUFSZ];	/* "": all */
	char		 action[24];
	char		 version[12];
	char		 idem[AUTH_TOKEN_BUFSZ];
	char		 reason[FORM_CHARS_BUFSZ(500)];	/* v_words500 */
	char		 csrf[80];
	const char	*params[7];
	char		 col[2][128];	/* the PDF's number and aad */
};

static struct office *
office_state(struct http_request *req)
{
	return (staff_state(req, sizeof(struct office), OFFICE_XML_MAX));
}

/*
 * ?office=CODE, the office whose queues to show, into of->office: "" (the
 * default: every office the session reads) or a code; -1 when it is no
 * code.  Whether the office exists and is theirs, the database says.
 */
static int
office_choice(struct http_request *req, struct office *of)
{
	char	*v = NULL;

	of->office[0] = '\0';
	if (!http_argument_get_string(req, "office", &v) || v[0] == '\0')
		return (0);
	if (!staff_office_code(v))
		return (-1);
	(void)kore_strlcpy(of->office, v, sizeof(of->office));
	return (0);
}

int
office_home(struct http_request *req)
{
	struct office	*of = office_state(req);
	int		 rc;

	if (staff_read_begin_or_reply(req, &of->st, &rc) != 0)
		return (rc);
	if (of->st.phase == STAFF_CHECK) {
		if (office_choice(req, of) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    of->st.lang, "error.not_found"));
		of->params[0] = of->st.sess.token_hash;
		of->params[1] = of->office;
		db_call_init(&of->st.db, req);
		of->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &of->st, DB_OFFICE_QUEUES, of->params,
	    &rc) != 0)
		return (rc);
	return (staff_render(req, &of->st, "office"));
}

/*
 * The reference in /office/case/REF[/...], checked, with the session
 * as the first two parameters of the case's queries; 0 or -1.
 */
static int
office_path_ref(struct http_request *req, struct office *of)
{
	if (staff_path_ref(req, of->ref, sizeof(of->ref)) == NULL)
		return (-1);
	of->params[0] = of->st.sess.token_hash;
	of->params[1] = of->ref;
	return (0);
}

/* A command's answer as the page's notice and status. */
static void
office_fail(struct office *of, const char *code)
{
	static const struct page_code map[] = {
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
		{ "biometrics_incomplete", "office.err.biometrics_incomplete",
		    HTTP_STATUS_CONFLICT },
		{ "receipt_invalid", "office.err.receipt_invalid",
		    HTTP_STATUS_BAD_REQUEST },
		{ "receipt_used", "office.err.receipt_used",
		    HTTP_STATUS_CONFLICT },
	};
	/*
	 * The four-eyes notices above speak of the issuance; those of a
	 * referral decision and of a payment receipt are worded below.
	 */
	static const struct page_code decision[] = {
		{ "same_person", "office.err.decision_same_person",
		    HTTP_STATUS_FORBIDDEN },
		{ "proposal_pending", "office.err.decision_pending",
		    HTTP_STATUS_CONFLICT },
		{ "proposal_stale", "office.err.decision_stale",
		    HTTP_STATUS_CONFLICT },
	};
	static const struct page_code receipt[] = {
		{ "same_person", "office.err.receipt_same_person",
		    HTTP_STATUS_FORBIDDEN },
		{ "proposal_pending", "office.err.receipt_pending",
		    HTTP_STATUS_CONFLICT },
		{ "proposal_stale", "office.err.receipt_stale",
		    HTTP_STATUS_CONFLICT },
		{ "no_proposal", "office.err.no_receipt", HTTP_STATUS_CONFLICT },
		{ "forbidden", "office.err.receipt_supervisor",
		    HTTP_STATUS_FORBIDDEN },
	};
	static const struct {
		const char		*actions;
		const struct page_code	*map;
		size_t			 n;
	} variants[] = {
		{ "propose_clear propose_reject confirm_decision", decision,
		    sizeof(decision) / sizeof(decision[0]) },
		{ "propose_payment confirm_payment", receipt,
		    sizeof(receipt) / sizeof(receipt[0]) },
	};
	const struct page_code	*v;
	size_t			 i;

	staff_fail(&of->st, map, sizeof(map) / sizeof(map[0]), code);
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if (!form_in_list(of->action, variants[i].actions) ||
		    (v = page_code_find(variants[i].map, variants[i].n,
		    code)) == NULL)
			continue;
		of->st.notice = v->key;
		of->st.status = v->status;
	}
}

/* The POST's action and fields; -1 when malformed (nothing is sent). */
static int
office_action(struct http_request *req, struct office *of)
{
	staff_arg(req, "action", of->action, sizeof(of->action));
	staff_arg(req, "version", of->version, sizeof(of->version));
	staff_arg(req, "idem", of->idem, sizeof(of->idem));
	staff_arg(req, "reason", of->reason, sizeof(of->reason));
	staff_arg(req, "csrf", of->csrf, sizeof(of->csrf));
	if (of->action[0] == '\0' ||
	    strspn(of->action, "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(of->action) || of->version[0] == '\0' ||
	    strspn(of->version, "0123456789") != strlen(of->version) ||
	    strlen(of->version) > 9 || !auth_token_valid(of->idem))
		return (-1);
	of->params[2] = of->action;
	of->params[3] = of->version;
	of->params[4] = of->idem;
	of->params[5] = of->reason;
	of->params[6] = of->csrf;
	return (0);
}

/*
 * The one round trip of a POST: -1 (return RETRY), 1 (answered; return
 * *rc) or 0 (go on the usual path, of->code holding the refusal if the
 * command was refused).
 */
static int
office_post(struct http_request *req, struct office *of, int *rc)
{
	char	*cookie = NULL;
	char	 loc[64];
	int	 r;

	if (of->post == OFFICE_POST_NONE) {
		of->post = OFFICE_POST_DONE;
		http_populate_cookies(req);
		if (!http_request_cookie(req, SESSION_COOKIE, &cookie) ||
		    !auth_token_valid(cookie) ||
		    office_path_ref(req, of) == -1 ||
		    office_action(req, of) == -1 || of->csrf[0] == '\0')
			return (0);
		auth_token_hash(cookie, of->st.sess.token_hash);
		db_call_init(&of->st.db, req);
		of->post = OFFICE_POST_SENT;
	}
	if (of->post != OFFICE_POST_SENT)
		return (0);
	if ((r = staff_db_or_reply(req, &of->st, DB_OFFICE_POST, of->params,
	    rc)) != 0)
		return (r);
	of->post = OFFICE_POST_DONE;
	if (of->st.text != NULL && strcmp(of->st.text, "ok") == 0) {
		(void)snprintf(loc, sizeof(loc), STAFF_CASE_PREFIX "%s",
		    of->ref);
		*rc = staff_redirect(req, loc);
		return (1);
	}
	(void)kore_strlcpy(of->code, of->st.text != NULL ? of->st.text : "",
	    sizeof(of->code));
	kore_free(of->st.text);
	of->st.text = NULL;
	return (0);
}

static int
office_show(struct http_request *req, struct office *of)
{
	int	rc;

	if (of->st.phase != STAFF_LOAD) {
		kore_free(of->st.text);
		of->st.text = NULL;
		db_call_init(&of->st.db, req);
		of->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &of->st, DB_OFFICE_CASE, of->params,
	    &rc) != 0)
		return (rc);
	return (staff_render(req, &of->st, "office-case"));
}

int
office_case(struct http_request *req)
{
	struct office	*of = office_state(req);
	int		 r, rc;

	if (req->method == HTTP_METHOD_POST && of->st.phase == STAFF_SESSION &&
	    office_post(req, of, &rc) != 0)
		return (rc);
	/* An admin reads the case and never posts an action. */
	if (req->method == HTTP_METHOD_POST)
		r = staff_begin_or_reply(req, &of->st, &rc);
	else
		r = staff_read_begin_or_reply(req, &of->st, &rc);
	if (r != 0)
		return (rc);
	if (of->st.phase == STAFF_CHECK) {
		if (office_path_ref(req, of) == -1 ||
		    strcmp(of->code, "not_found") == 0)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    of->st.lang, "error.not_found"));
		if (req->method == HTTP_METHOD_POST)
			office_fail(of, of->code[0] != '\0' ? of->code :
			    "invalid_input");
	}
	return (office_show(req, of));
}

/* number, sealed PDF (hex, into st.text), aad. */
static int
office_read_pdf(struct kore_pgsql *sql, void *arg)
{
	struct office	*of = arg;

	if (kore_pgsql_ntuples(sql) != 1 || of->st.text != NULL)
		return (0);
	(void)kore_strlcpy(of->col[0], kore_pgsql_getvalue(sql, 0, 0),
	    sizeof(of->col[0]));
	of->st.text = kore_strdup(kore_pgsql_getvalue(sql, 0, 1));
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

	if (staff_read_begin_or_reply(req, &of->st, &rc) != 0)
		return (rc);
	if (of->st.phase == STAFF_CHECK) {
		if (office_path_ref(req, of) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    of->st.lang, "error.not_found"));
		db_call_init(&of->st.db, req);
		of->st.phase = STAFF_LOAD;
	}
	if (page_db_or_reply(req, db_run(&of->st.db, DB_OFFICE_PDF, of->params,
	    office_read_pdf, of), of->st.lang, &rc) != 0)
		return (rc);
	if (of->st.text == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, of->st.lang,
		    "error.not_found"));
	(void)snprintf(name, sizeof(name), "e-ITAS-%.40s", of->col[0]);
	return (page_sealed_pdf(req, of->st.text, of->col[1], name));
}
