/*
 * Finding the office's cases (/office/search) and opening an applicant's
 * document (/office/case/REF/document/TYPE).  The search form is checked
 * field by field here, so a mistake is answered next to its field with
 * what was typed; the database filters, pages and scopes to the offices
 * the session reads: the staff member's office, or for an admin every
 * office or the one chosen.  A document is opened with the vault only
 * after the database has found it in an office the session reads and
 * written the view to the audit log, an admin's as anyone's; anything
 * else is "not found".
 */
#include <kore/kore.h>
#include <kore/http.h>

#include <libxml/parser.h>
#include <libxml/xmlstring.h>

#include "form.h"
#include "page.h"
#include "passport.h"
#include "ref.h"
#include "staff.h"

int	office_search(struct http_request *);
int	office_document(struct http_request *);

#define SEARCH_XML_MAX		(512 * 1024)	/* a page of 50 cases */
/* A sealed document as hex: 5 MB uploads, twice, and the envelope. */
#define SEARCH_DOC_HEX_MAX	(12 * 1024 * 1024)
#define SEARCH_FIELD_BUFSZ	(200 * 4 + 1)	/* v_text, in UTF-8 bytes */
#define SEARCH_NAME_MAX		100		/* characters, as a name */
#define SEARCH_DAYS_MAX		3650
#define SEARCH_PAGE_MAX		1000
#define SEARCH_TYPE_MAX		32
#define SEARCH_DOC_INFIX	"/document/"

/* Mirrors of the enums case_state and permit_kind (migrations/0001). */
#define SEARCH_STATES	"draft submitted more_info paid biometrics_done " \
			"awaiting_clearance cleared referred issued " \
			"rejected withdrawn cancelled"
#define SEARCH_KINDS	"E23 E31A E31C E31E E33 E33G RETIREMENT"

enum { F_REF, F_PASSPORT, F_NAME, F_STATE, F_KIND, F_DAYS, F_OFFICE,
    F_COUNT };

static const char *search_fields[F_COUNT] = {
	"ref", "passport", "name", "state", "kind", "days", "office"
};

struct search {
	struct staff	 st;		/* first: staff.c's part */
	char		 v[F_COUNT][SEARCH_FIELD_BUFSZ];	/* as typed */
	const char	*err[F_COUNT];	/* catalogue key, next to its field */
	char		 ref[REF_BUFSZ];
	char		 passport[PASSPORT_BUFSZ];
	char		 page[32];
	char		 type[SEARCH_TYPE_MAX + 1];
	char		 filename[256 * 4];
	char		 ctype[32];
	char		 aad[128];
	const char	*params[9];
};

static struct search *
search_state(struct http_request *req)
{
	return (staff_state(req, sizeof(struct search), SEARCH_XML_MAX));
}

/* A name's characters: UTF-8, none of them a control character. */
static int
search_name_valid(const char *s)
{
	const unsigned char	*p;
	size_t			 chars = 0;

	if (!xmlCheckUTF8((const xmlChar *)s))
		return (0);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (0);
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	return (chars <= SEARCH_NAME_MAX);
}

/* digits only, at most 4 of them, between lo and hi; the value or -1. */
static int
search_number(const char *s, int lo, int hi)
{
	size_t	n = strlen(s);
	int	v;

	if (n == 0 || n > 4 || strspn(s, "0123456789") != n)
		return (-1);
	v = atoi(s);
	return (v >= lo && v <= hi ? v : -1);
}

/*
 * Every field of the form into se->v, each mistake into se->err (so all
 * of them are shown at once), the query's parameters into se->params.
 * Returns the number of mistakes.
 */
static int
search_parse(struct http_request *req, struct search *se)
{
	int	i, bad = 0;

	for (i = 0; i < F_COUNT; i++)
		staff_arg(req, search_fields[i], se->v[i], sizeof(se->v[i]));
	staff_arg(req, "page", se->page, sizeof(se->page));

	if (se->v[F_REF][0] != '\0') {
		switch (ref_parse(se->v[F_REF], se->ref, sizeof(se->ref))) {
		case REF_OK:
			break;
		case REF_BAD_CHECK:
			se->err[F_REF] = "search.err.ref_check";
			break;
		case REF_BAD_FORMAT:
			se->err[F_REF] = "search.err.ref_format";
			break;
		}
	}
	if (se->v[F_PASSPORT][0] != '\0' && passport_parse(se->v[F_PASSPORT],
	    se->passport, sizeof(se->passport)) == -1)
		se->err[F_PASSPORT] = "status.err.passport_format";
	if (!search_name_valid(se->v[F_NAME]))
		se->err[F_NAME] = "search.err.name";
	if (se->v[F_STATE][0] != '\0' &&
	    !form_in_list(se->v[F_STATE], SEARCH_STATES))
		se->err[F_STATE] = "search.err.state";
	if (se->v[F_KIND][0] != '\0' &&
	    !form_in_list(se->v[F_KIND], SEARCH_KINDS))
		se->err[F_KIND] = "search.err.kind";
	if (se->v[F_DAYS][0] != '\0' &&
	    search_number(se->v[F_DAYS], 0, SEARCH_DAYS_MAX) == -1)
		se->err[F_DAYS] = "search.err.days";
	if (se->v[F_OFFICE][0] != '\0' && !staff_office_code(se->v[F_OFFICE]))
		se->err[F_OFFICE] = "search.err.office";
	if (se->page[0] == '\0')
		(void)kore_strlcpy(se->page, "1", sizeof(se->page));
	else if (search_number(se->page, 1, SEARCH_PAGE_MAX) == -1)
		se->st.notice = "search.err.page";

	for (i = 0; i < F_COUNT; i++) {
		if (se->err[i] != NULL) {
			/* Not echoed: it may not even be UTF-8. */
			if (!xmlCheckUTF8((const xmlChar *)se->v[i]))
				se->v[i][0] = '\0';
			bad++;
		}
	}
	if (se->st.notice != NULL)
		bad++;

	se->params[0] = se->st.sess.token_hash;
	se->params[1] = se->ref;
	se->params[2] = se->passport;
	se->params[3] = se->v[F_NAME];
	se->params[4] = se->v[F_STATE];
	se->params[5] = se->v[F_KIND];
	se->params[6] = se->v[F_DAYS];
	se->params[7] = se->page;
	se->params[8] = se->v[F_OFFICE];
	return (bad);
}

/*
 * The filled fields as a query string ending in '&' (or ""), for the
 * links to the next and the previous page.  Caller frees.
 */
static char *
search_query(struct search *se)
{
	struct kore_buf		*buf;
	const unsigned char	*p;
	size_t			 len;
	int			 i;

	buf = kore_buf_alloc(256);
	for (i = 0; i < F_COUNT; i++) {
		if (se->v[i][0] == '\0')
			continue;
		kore_buf_appendf(buf, "%s=", search_fields[i]);
		for (p = (const unsigned char *)se->v[i]; *p != '\0'; p++) {
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-._~", *p) !=
			    NULL)
				kore_buf_append(buf, p, 1);
			else
				kore_buf_appendf(buf, "%%%02X", *p);
		}
		kore_buf_append(buf, "&", 1);
	}
	(void)kore_buf_stringify(buf, NULL);
	/* kore_buf_release() stores the length unasked. */
	return ((char *)kore_buf_release(buf, &len));
}

/*
 * The page: the database's model (or an empty one when the form was not
 * searched), with what was typed, the mistakes, and the paging query.
 */
static int
search_reply(struct http_request *req, struct search *se)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, e;
	xmlChar		*out;
	char		*query, name[16];
	int		 i, len;

	if (se->st.text != NULL) {
		doc = xmlReadMemory(se->st.text, (int)strlen(se->st.text),
		    NULL, "UTF-8", XML_PARSE_NONET);
		root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	} else {
		doc = xmlNewDoc(BAD_CAST "1.0");
		root = xmlNewNode(NULL, BAD_CAST "search");
		xmlDocSetRootElement(doc, root);
	}
	if (doc == NULL || root == NULL) {
		kore_log(LOG_ERR, "%s: the search model is not XML", __func__);
		xmlFreeDoc(doc);
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return (KORE_RESULT_OK);
	}
	for (i = 0; i < F_COUNT; i++) {
		(void)snprintf(name, sizeof(name), "f-%s", search_fields[i]);
		xmlNewProp(root, BAD_CAST name, BAD_CAST se->v[i]);
		if (se->err[i] == NULL)
			continue;
		e = xmlNewChild(root, NULL, BAD_CAST "error", NULL);
		xmlNewProp(e, BAD_CAST "field", BAD_CAST search_fields[i]);
		xmlNewProp(e, BAD_CAST "key", BAD_CAST se->err[i]);
	}
	query = search_query(se);
	xmlNewProp(root, BAD_CAST "query", BAD_CAST query);
	kore_free(query);
	xmlDocDumpMemoryEnc(doc, &out, &len, "UTF-8");
	xmlFreeDoc(doc);
	kore_free(se->st.text);
	se->st.text = kore_strdup((const char *)out);
	xmlFree(out);
	return (staff_render(req, &se->st, "office-search"));
}

int
office_search(struct http_request *req)
{
	struct search	*se = search_state(req);
	int		 rc;

	if (staff_read_begin_or_reply(req, &se->st, &rc) != 0)
		return (rc);
	if (se->st.phase == STAFF_CHECK) {
		if (search_parse(req, se) > 0) {
			se->st.status = HTTP_STATUS_BAD_REQUEST;
			return (search_reply(req, se));
		}
		db_call_init(&se->st.db, req);
		se->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &se->st, DB_OFFICE_SEARCH, se->params,
	    &rc) != 0)
		return (rc);
	if (se->st.text == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, se->st.lang,
		    "error.not_found"));
	return (search_reply(req, se));
}

/* REF and TYPE of /office/case/REF/document/TYPE, checked; 0 or -1. */
static int
search_doc_path(struct http_request *req, struct search *se)
{
	const char	*p;
	size_t		 n;

	if ((p = staff_path_ref(req, se->ref, sizeof(se->ref))) == NULL)
		return (-1);
	if (strncmp(p, SEARCH_DOC_INFIX, strlen(SEARCH_DOC_INFIX)) != 0)
		return (-1);
	p += strlen(SEARCH_DOC_INFIX);
	n = strlen(p);
	if (n == 0 || n > SEARCH_TYPE_MAX ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyz_") != n)
		return (-1);
	memcpy(se->type, p, n + 1);
	se->params[0] = se->st.sess.token_hash;
	se->params[1] = se->ref;
	se->params[2] = se->type;
	return (0);
}

/* filename, content type, sealed (hex, into st.text), aad. */
static int
search_read_doc(struct kore_pgsql *sql, void *arg)
{
	struct search	*se = arg;

	if (kore_pgsql_ntuples(sql) != 1 || se->st.text != NULL)
		return (0);
	if ((size_t)kore_pgsql_getlength(sql, 0, 2) > se->st.max ||
	    kore_strlcpy(se->filename, kore_pgsql_getvalue(sql, 0, 0),
	    sizeof(se->filename)) >= sizeof(se->filename) ||
	    kore_strlcpy(se->ctype, kore_pgsql_getvalue(sql, 0, 1),
	    sizeof(se->ctype)) >= sizeof(se->ctype) ||
	    kore_strlcpy(se->aad, kore_pgsql_getvalue(sql, 0, 3),
	    sizeof(se->aad)) >= sizeof(se->aad))
		return (-1);
	se->st.text = kore_strdup(kore_pgsql_getvalue(sql, 0, 2));
	return (0);
}

int
office_document(struct http_request *req)
{
	struct search	*se = search_state(req);
	int		 rc;

	if (staff_read_begin_or_reply(req, &se->st, &rc) != 0)
		return (rc);
	if (se->st.phase == STAFF_CHECK) {
		if (search_doc_path(req, se) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    se->st.lang, "error.not_found"));
		se->st.max = SEARCH_DOC_HEX_MAX;
		db_call_init(&se->st.db, req);
		se->st.phase = STAFF_LOAD;
	}
	if (page_db_or_reply(req, db_run(&se->st.db, DB_OFFICE_DOCUMENT,
	    se->params, search_read_doc, se), se->st.lang, &rc) != 0)
		return (rc);
	if (se->st.text == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, se->st.lang,
		    "error.not_found"));
	return (page_sealed(req, se->st.text, se->aad, se->ctype,
	    se->filename));
}
