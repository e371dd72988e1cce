/*
 * The applicant's own case: start an application (/apply), see and
 * complete it (/case/REF: details, submit, withdraw, answer a request,
 * renew the billing code) and upload documents (/case/REF/document).
 * The database finds the case from the session; a reference that is not
 * the applicant's is "not found", whoever guesses it.  After every
 * change the browser is sent back to the case page (POST, redirect,
 * GET), so a reload never repeats a command; each form also carries an
 * idempotency key for the commands that change the case's state.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "app.h"
#include "authpage.h"
#include "doc.h"
#include "form.h"
#include "page.h"
#include "passport.h"
#include "ref.h"
#include "session.h"
#include "vault.h"

int	portal_apply(struct http_request *);
int	portal_case(struct http_request *);
int	portal_upload(struct http_request *);
int	portal_permit(struct http_request *);

#define PORTAL_PARAMS	13
#define APPLY_FIELDS	7	/* the most one step of /apply has */
/* The longest field, an address: 300 characters of UTF-8 (v_words300). */
#define PORTAL_VAL	FORM_CHARS_BUFSZ(300)
#define PORTAL_CASE_MAX	(256 * 1024)	/* the case page model */

static int	portal_read_apply(struct kore_pgsql *, void *);

enum {
	PH_SESSION = 0,
	PH_CHECK,
	PH_SEAL,
	PH_ACTION,
	PH_LOAD,
	PH_DONE
};

struct seal {
	struct kore_task	 task;	/* first: the thread finds us */
	int			 started;
	unsigned char		*plain;
	size_t			 len;
	char			 aad[96];
	unsigned char		*blob;
	size_t			 bloblen;
	int			 ok;
};

struct portal {
	struct session	 sess;
	struct db_call	 db;
	enum lang	 lang;
	int		 phase;
	char		 ref[REF_BUFSZ];
	const char	*params[PORTAL_PARAMS];
	char		 v[PORTAL_PARAMS][PORTAL_VAL];
	char		 col[2][PORTAL_VAL];
	char		*casexml;	/* kore_strdup'd model, freed by us */
	const char	*notice;	/* catalogue key shown on the page */
	enum db_query	 action;	/* the POST's query */
	int		 status;	/* of the page when it is an error */
	struct seal	 seal;
	int		 lengths[PORTAL_PARAMS];
	int		 formats[PORTAL_PARAMS];
};

static void
portal_free(struct http_request *req)
{
	struct portal	*pt = http_state_get(req);

	if (pt == NULL || page_tasks_running(req))
		return;
	kore_free(pt->casexml);
	pt->casexml = NULL;
	if (pt->seal.plain != NULL) {
		sodium_memzero(pt->seal.plain, pt->seal.len);
		kore_free(pt->seal.plain);
		pt->seal.plain = NULL;
	}
	free(pt->seal.blob);
	pt->seal.blob = NULL;
}

static struct portal *
portal_state(struct http_request *req, int multipart)
{
	struct portal	*pt;

	if (!http_state_exists(req)) {
		pt = http_state_create(req, sizeof(*pt), portal_free);
		memset(pt, 0, sizeof(*pt));
		if (req->method != HTTP_METHOD_POST)
			http_populate_qs(req);
		else if (multipart)
			http_populate_multipart_form(req);
		else
			http_populate_post(req);
		pt->lang = page_lang(req);
		pt->status = HTTP_STATUS_OK;
	}
	return (http_state_get(req));
}

/*
 * The session, and for a POST the CSRF token: -1 to return RETRY, 1 when
 * answered (*rc), 0 to go on.  No session: to the sign-in page.
 */
static int
portal_begin_or_reply(struct http_request *req, struct portal *pt, int *rc)
{
	int	r;

	if (pt->phase != PH_SESSION)
		return (0);
	if ((r = session_begin_or_reply(req, &pt->sess, pt->lang, 1, rc)) != 0)
		return (r);
	pt->phase = PH_CHECK;
	return (0);
}

static int
portal_read(struct kore_pgsql *sql, void *arg)
{
	struct portal	*pt = arg;
	int		 i;

	if (kore_pgsql_ntuples(sql) != 1)
		return (0);
	for (i = 0; i < kore_pgsql_nfields(sql) && i < 2; i++)
		(void)kore_strlcpy(pt->col[i], kore_pgsql_getvalue(sql, 0, i),
		    sizeof(pt->col[i]));
	return (0);
}

static int
portal_read_xml(struct kore_pgsql *sql, void *arg)
{
	struct portal	*pt = arg;

	if (kore_pgsql_ntuples(sql) != 1 || kore_pgsql_getlength(sql, 0, 0) == 0)
		return (0);
	if (kore_pgsql_getlength(sql, 0, 0) > PORTAL_CASE_MAX)
		return (-1);
	pt->casexml = kore_strdup(kore_pgsql_getvalue(sql, 0, 0));
	return (0);
}

/* Run q; -1 RETRY, 1 answered (unavailable), 0 done. */
static int
portal_db_or_reply(struct http_request *req, struct portal *pt,
    enum db_query q, int *rc)
{
	db_reader	reader = portal_read;

	if (q == DB_CASE_XML || q == DB_APPLY_XML)
		reader = portal_read_xml;
	else if (q == DB_APPLY_SAVE)
		reader = portal_read_apply;

	return (page_db_or_reply(req, db_run(&pt->db, q, pt->params, reader,
	    pt), pt->lang, rc));
}

static void
portal_arg(struct http_request *req, const char *name, char *dst, size_t sz)
{
	char	*v = NULL;

	(void)http_argument_get_string(req, name, &v);
	(void)kore_strlcpy(dst, v != NULL ? v : "", sz);
}

static int
portal_redirect_case(struct http_request *req, struct portal *pt)
{
	char	loc[64];

	(void)snprintf(loc, sizeof(loc), "/case/%s", pt->ref);
	http_response_header(req, "location", loc);
	http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
	return (KORE_RESULT_OK);
}

/* The reference in /case/REF[/...], checked; 0 or -1. */
static int
portal_path_ref(struct http_request *req, struct portal *pt)
{
	char		 buf[40];
	const char	*p = req->path + strlen("/case/");
	size_t		 n;

	n = strcspn(p, "/");
	if (n == 0 || n >= sizeof(buf))
		return (-1);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return (ref_parse(buf, pt->ref, sizeof(pt->ref)) == REF_OK ? 0 : -1);
}

/* Load the case model, then render (after an error: with its status). */
static int
portal_show(struct http_request *req, struct portal *pt)
{
	int	rc;

	if (pt->phase != PH_LOAD) {
		pt->params[0] = pt->sess.token_hash;
		pt->params[1] = pt->ref;
		db_call_init(&pt->db, req);
		pt->phase = PH_LOAD;
	}
	if (portal_db_or_reply(req, pt, DB_CASE_XML, &rc) != 0)
		return (rc);
	/* Refused details come back as typed (portal_action()'s v[]). */
	if (pt->action == DB_DRAFT_UPDATE && pt->notice != NULL) {
		const char *const typed[] = { "sponsor-name", pt->v[2],
		    "sponsor-ref", pt->v[3], "address", pt->v[4],
		    "sponsor-email", pt->v[5], NULL };

		return (page_form_retry(req, &pt->sess, pt->lang,
		    pt->casexml, pt->notice, pt->status, "case", typed));
	}
	return (page_form_reply(req, &pt->sess, pt->lang, pt->casexml,
	    pt->notice, pt->status, "case"));
}

/* A refusal's notice and status; anything else is "not now", 409. */
static void
portal_fail(struct portal *pt, const char *code)
{
	static const struct page_code	map[] = {
		{ "version_conflict", "portal.err.conflict",
		    HTTP_STATUS_CONFLICT },
		{ "documents_missing", "portal.err.documents_missing",
		    HTTP_STATUS_BAD_REQUEST },
		{ "email_unconfirmed", "portal.err.email_unconfirmed",
		    HTTP_STATUS_FORBIDDEN },
		{ "info_missing", "portal.err.info_missing",
		    HTTP_STATUS_BAD_REQUEST },
		{ "invalid_input", "portal.err.invalid",
		    HTTP_STATUS_BAD_REQUEST },
		{ "not_expired", "portal.err.not_expired",
		    HTTP_STATUS_CONFLICT },
		/* No notice: the page is the plain "not found". */
		{ "not_found", NULL, HTTP_STATUS_NOT_FOUND },
	};
	const struct page_code	*c;

	c = page_code_find(map, sizeof(map) / sizeof(map[0]), code);
	pt->notice = c != NULL ? c->key : "portal.err.not_now";
	pt->status = c != NULL ? c->status : HTTP_STATUS_CONFLICT;
}

/*
 * What a POST to /case/REF asks for: the query and its parameters from
 * the form.  0, or -1 when the action is unknown or malformed.
 */
static int
portal_action(struct http_request *req, struct portal *pt, enum db_query *q)
{
	char	action[24];

	portal_arg(req, "action", action, sizeof(action));
	pt->params[0] = pt->sess.token_hash;
	pt->params[1] = pt->ref;
	if (strcmp(action, "details") == 0) {
		portal_arg(req, "sponsor_name", pt->v[2], sizeof(pt->v[2]));
		portal_arg(req, "sponsor_ref", pt->v[3], sizeof(pt->v[3]));
		portal_arg(req, "address", pt->v[4], sizeof(pt->v[4]));
		portal_arg(req, "sponsor_email", pt->v[5], sizeof(pt->v[5]));
		pt->params[2] = pt->v[2];
		pt->params[3] = pt->v[3];
		pt->params[4] = pt->v[4];
		pt->params[5] = pt->v[5];
		*q = DB_DRAFT_UPDATE;
		return (0);
	}
	if (strcmp(action, "renew") == 0) {
		*q = DB_BILLING_RENEW;
		return (0);
	}
	portal_arg(req, "version", pt->v[3], sizeof(pt->v[3]));
	portal_arg(req, "idem", pt->v[4], sizeof(pt->v[4]));
	if (strspn(pt->v[3], "0123456789") != strlen(pt->v[3]) ||
	    pt->v[3][0] == '\0' || strlen(pt->v[3]) > 9 ||
	    !auth_token_valid(pt->v[4]))
		return (-1);
	if (strcmp(action, "submit") == 0) {
		pt->params[2] = pt->v[3];
		pt->params[3] = pt->v[4];
		*q = DB_SUBMIT;
		return (0);
	}
	if (strcmp(action, "withdraw") == 0 ||
	    strcmp(action, "provide_info") == 0) {
		(void)kore_strlcpy(pt->v[2], action, sizeof(pt->v[2]));
		pt->params[2] = pt->v[2];
		pt->params[3] = pt->v[3];
		pt->params[4] = pt->v[4];
		*q = DB_COMMAND;
		return (0);
	}
	return (-1);
}

int
portal_case(struct http_request *req)
{
	struct portal	*pt = portal_state(req, 0);
	enum db_query	 q;
	int		 rc;

	if (portal_begin_or_reply(req, pt, &rc) != 0)
		return (rc);
	if (pt->phase == PH_CHECK) {
		if (portal_path_ref(req, pt) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    pt->lang, "error.not_found"));
		if (req->method == HTTP_METHOD_GET)
			return (portal_show(req, pt));
		if (portal_action(req, pt, &q) == -1) {
			portal_fail(pt, "invalid_input");
			return (portal_show(req, pt));
		}
		db_call_init(&pt->db, req);
		pt->phase = PH_ACTION;
		pt->action = q;
	}
	if (pt->phase == PH_ACTION) {
		if (portal_db_or_reply(req, pt, pt->action, &rc) != 0)
			return (rc);
		if (strcmp(pt->col[0], "ok") == 0)
			return (portal_redirect_case(req, pt));
		portal_fail(pt, pt->col[0]);
	}
	return (portal_show(req, pt));
}

/*
 * The application before it is a case, one step per page (the database
 * keeps the draft and decides which step may be shown): GET shows a
 * step, POST saves it and sends the browser to the next one; the
 * passport step opens the case.  A refused step comes back with what
 * was typed and an error next to each wrong field.
 */
static const struct {
	const char	*step;
	const char	*fields[APPLY_FIELDS];
} apply_steps[] = {
	{ "kind",	{ "kind" } },
	{ "terms",	{ "duration", "level" } },
	{ "sponsor",	{ "sponsor_name", "sponsor_ref", "sponsor_email" } },
	{ "domicile",	{ "address", "area" } },
	{ "passport",	{ "family", "given", "birth", "sex", "nationality",
			  "passport", "expiry" } },
};

static int
portal_read_apply(struct kore_pgsql *sql, void *arg)
{
	struct portal	*pt = arg;

	if (kore_pgsql_ntuples(sql) != 1 || kore_pgsql_nfields(sql) != 4 ||
	    kore_pgsql_getlength(sql, 0, 3) > PORTAL_CASE_MAX)
		return (-1);
	(void)kore_strlcpy(pt->col[0], kore_pgsql_getvalue(sql, 0, 0),
	    sizeof(pt->col[0]));
	(void)kore_strlcpy(pt->col[1], kore_pgsql_getvalue(sql, 0, 1),
	    sizeof(pt->col[1]));
	(void)kore_strlcpy(pt->ref, kore_pgsql_getvalue(sql, 0, 2),
	    sizeof(pt->ref));
	if (kore_pgsql_getlength(sql, 0, 3) != 0)
		pt->casexml = kore_strdup(kore_pgsql_getvalue(sql, 0, 3));
	return (0);
}

/* The step's fields from the form into $3..$9 (absent ones NULL). */
static void
portal_apply_fields(struct http_request *req, struct portal *pt)
{
	char	 pass[PASSPORT_BUFSZ];
	size_t	 s, i;

	for (s = 0; s < sizeof(apply_steps) / sizeof(apply_steps[0]); s++)
		if (strcmp(apply_steps[s].step, pt->v[1]) == 0)
			break;
	for (i = 0; i < APPLY_FIELDS; i++) {
		pt->params[2 + i] = NULL;
		if (s == sizeof(apply_steps) / sizeof(apply_steps[0]) ||
		    apply_steps[s].fields[i] == NULL)
			continue;
		portal_arg(req, apply_steps[s].fields[i], pt->v[2 + i],
		    sizeof(pt->v[2 + i]));
		pt->params[2 + i] = pt->v[2 + i];
	}
	/*
	 * "a 123 456" is A123456; what is not a passport number the
	 * database refuses next to its field.
	 */
	if (strcmp(pt->v[1], "passport") == 0 &&
	    passport_parse(pt->v[7], pass, sizeof(pass)) == 0)
		(void)kore_strlcpy(pt->v[7], pass, sizeof(pt->v[7]));
	portal_arg(req, "idem", pt->v[9], sizeof(pt->v[9]));
	pt->params[9] = auth_token_valid(pt->v[9]) ? pt->v[9] : NULL;
}

int
portal_apply(struct http_request *req)
{
	struct portal	*pt = portal_state(req, 0);
	char		 loc[32 + PORTAL_VAL];
	int		 rc;

	if (portal_begin_or_reply(req, pt, &rc) != 0)
		return (rc);
	if (pt->phase == PH_CHECK) {
		portal_arg(req, "step", pt->v[1], sizeof(pt->v[1]));
		pt->params[0] = pt->sess.token_hash;
		pt->params[1] = pt->v[1];
		pt->phase = PH_LOAD;
		if (req->method == HTTP_METHOD_POST) {
			portal_apply_fields(req, pt);
			pt->phase = PH_ACTION;
		}
		db_call_init(&pt->db, req);
	}
	if (pt->phase == PH_LOAD) {
		if (portal_db_or_reply(req, pt, DB_APPLY_XML, &rc) != 0)
			return (rc);
		/* The session is live: no model means not an applicant. */
		if (pt->casexml == NULL)
			return (page_error(req, HTTP_STATUS_FORBIDDEN, pt->lang,
			    "error.forbidden"));
		return (page_form_reply(req, &pt->sess, pt->lang, pt->casexml,
		    NULL, HTTP_STATUS_OK, "apply"));
	}
	if (portal_db_or_reply(req, pt, DB_APPLY_SAVE, &rc) != 0)
		return (rc);
	if (strcmp(pt->col[0], "ok") == 0) {
		if (pt->ref[0] != '\0')
			return (portal_redirect_case(req, pt));
		(void)snprintf(loc, sizeof(loc), "/apply?step=%s", pt->col[1]);
		return (authpage_redirect(req, loc));
	}
	if (strcmp(pt->col[0], "invalid_input") == 0)
		return (page_form_reply(req, &pt->sess, pt->lang, pt->casexml,
		    "portal.err.apply_invalid", HTTP_STATUS_BAD_REQUEST,
		    "apply"));
	if (strcmp(pt->col[0], "forbidden") == 0)
		return (page_error(req, HTTP_STATUS_FORBIDDEN, pt->lang,
		    "error.forbidden"));
	/* The session ended between the two looks at it. */
	return (authpage_redirect(req, "/login"));
}

/* Task thread: seal the upload with the vault. */
static int
portal_seal_task(struct kore_task *t)
{
	struct seal	*s = (struct seal *)t;
	struct err	 err;

	s->ok = vault_seal(app.vault, s->plain, s->len, s->aad,
	    strlen(s->aad), &s->blob, &s->bloblen, &err) == 0;
	sodium_memzero(s->plain, s->len);
	return (KORE_RESULT_OK);
}

/*
 * Read and check the uploaded file: kind by content, size; fills
 * pt->seal.  NULL, or the catalogue key of what is wrong.
 */
static const char *
portal_take_file(struct http_request *req, struct portal *pt)
{
	struct http_file	*file;
	const char		*ctype;
	ssize_t			 r;
	size_t			 got;

	portal_arg(req, "type", pt->v[2], sizeof(pt->v[2]));
	if (!doc_type_valid(pt->v[2]))
		return ("portal.err.doc_type");
	if ((file = http_file_lookup(req, "file")) == NULL || file->length == 0)
		return ("portal.err.no_file");
	if (file->length > (size_t)app.settings.upload_max)
		return ("portal.err.too_big");
	pt->seal.len = file->length;
	pt->seal.plain = kore_malloc(file->length);
	for (got = 0; got < file->length; got += (size_t)r) {
		r = http_file_read(file, pt->seal.plain + got,
		    file->length - got);
		if (r <= 0)
			return ("portal.err.no_file");
	}
	if ((ctype = doc_sniff(pt->seal.plain, pt->seal.len)) == NULL)
		return ("portal.err.file_kind");
	doc_filename(file->filename != NULL ? file->filename : "", pt->v[3],
	    sizeof(pt->v[3]));
	(void)kore_strlcpy(pt->v[4], ctype, sizeof(pt->v[4]));
	(void)snprintf(pt->v[5], sizeof(pt->v[5]), "%zu", pt->seal.len);
	return (NULL);
}

int
portal_upload(struct http_request *req)
{
	struct portal	*pt = portal_state(req, 1);
	const char	*bad;
	int		 rc;

	if (portal_begin_or_reply(req, pt, &rc) != 0)
		return (rc);
	if (pt->phase == PH_CHECK) {
		if (portal_path_ref(req, pt) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    pt->lang, "error.not_found"));
		if (app.vault == NULL) {
			kore_log(LOG_ERR, "%s: no vault_keys: uploads refused",
			    __func__);
			return (page_unavailable(req, pt->lang));
		}
		if ((bad = portal_take_file(req, pt)) != NULL) {
			pt->notice = bad;
			pt->status = HTTP_STATUS_BAD_REQUEST;
			return (portal_show(req, pt));
		}
		/* Bound to this case and slot: a blob cannot change rows. */
		auth_token(pt->v[6]);
		(void)snprintf(pt->seal.aad, sizeof(pt->seal.aad),
		    "document:%.17s:%.24s:%.43s", pt->ref, pt->v[2], pt->v[6]);
		pt->phase = PH_SEAL;
	}
	if (pt->phase == PH_SEAL) {
		if (!pt->seal.started) {
			pt->seal.started = 1;
			kore_task_create(&pt->seal.task, portal_seal_task);
			kore_task_bind_request(&pt->seal.task, req);
			kore_task_run(&pt->seal.task);
			return (KORE_RESULT_RETRY);
		}
		if (kore_task_state(&pt->seal.task) !=
		    KORE_TASK_STATE_FINISHED) {
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		}
		kore_task_destroy(&pt->seal.task);
		if (!pt->seal.ok) {
			http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
			return (KORE_RESULT_OK);
		}
		pt->params[0] = pt->sess.token_hash;
		pt->params[1] = pt->ref;
		pt->params[2] = pt->v[2];
		pt->params[3] = pt->v[3];
		pt->params[4] = pt->v[4];
		pt->params[5] = pt->v[5];
		pt->params[6] = (const char *)pt->seal.blob;
		pt->params[7] = pt->seal.aad;
		db_call_init(&pt->db, req);
		pt->lengths[6] = (int)pt->seal.bloblen;
		pt->formats[6] = 1;
		pt->db.lengths = pt->lengths;
		pt->db.formats = pt->formats;
		pt->phase = PH_ACTION;
	}
	if (pt->phase == PH_ACTION) {
		if (portal_db_or_reply(req, pt, DB_DOCUMENT_ADD, &rc) != 0)
			return (rc);
		if (strcmp(pt->col[0], "ok") == 0)
			return (portal_redirect_case(req, pt));
		portal_fail(pt, pt->col[0]);
	}
	return (portal_show(req, pt));
}

/*
 * The holder's e-ITAS: opened from the vault only for this answer.  Not
 * rendered yet (the printer runs within seconds of issuance): 503 with
 * Retry-After, and the page says to try again in a minute.  No permit
 * to hand out (none, or revoked): 404.  The sealed PDF waits in
 * pt->casexml (as "\x..." hex), its number and aad in pt->col.
 */
static int
portal_read_pdf(struct kore_pgsql *sql, void *arg)
{
	struct portal	*pt = arg;

	if (kore_pgsql_ntuples(sql) != 1 || pt->casexml != NULL)
		return (0);
	(void)kore_strlcpy(pt->col[0], kore_pgsql_getvalue(sql, 0, 0),
	    sizeof(pt->col[0]));
	/* A NULL PDF: not printed yet. */
	if (kore_pgsql_getlength(sql, 0, 1) == 0)
		return (0);
	pt->casexml = kore_strdup(kore_pgsql_getvalue(sql, 0, 1));
	(void)kore_strlcpy(pt->col[1], kore_pgsql_getvalue(sql, 0, 2),
	    sizeof(pt->col[1]));
	return (0);
}

int
portal_permit(struct http_request *req)
{
	struct portal	*pt = portal_state(req, 0);
	char		 name[64];
	int		 rc;

	if (portal_begin_or_reply(req, pt, &rc) != 0)
		return (rc);
	if (pt->phase == PH_CHECK) {
		if (portal_path_ref(req, pt) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    pt->lang, "error.not_found"));
		pt->params[0] = pt->sess.token_hash;
		pt->params[1] = pt->ref;
		db_call_init(&pt->db, req);
		pt->phase = PH_LOAD;
	}
	if (page_db_or_reply(req, db_run(&pt->db, DB_PERMIT_PDF, pt->params,
	    portal_read_pdf, pt), pt->lang, &rc) != 0)
		return (rc);
	if (pt->col[0][0] == '\0')
		return (page_error(req, HTTP_STATUS_NOT_FOUND, pt->lang,
		    "error.not_found"));
	if (pt->casexml == NULL) {
		http_response_header(req, "retry-after", "60");
		return (page_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    pt->lang, "case.permit.wait"));
	}
	(void)snprintf(name, sizeof(name), "e-ITAS-%.40s", pt->col[0]);
	return (page_sealed_pdf(req, pt->casexml, pt->col[1], name));
}
