/*
 * The public status lookup: anyone with a case reference and the passport
 * number it was filed with sees the case's current step; nothing personal
 * is shown.  An unknown reference and a wrong passport number get the same
 * answer, so the page cannot be used to find out which references exist.
 * The lookup is a POST so passport numbers stay out of URLs and logs.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "db.h"
#include "page.h"
#include "passport.h"
#include "ref.h"
#include "session.h"

#define STATUS_FIELD_MAX	128

/* The columns of case_public_status(), in order, as model attributes. */
static const char *status_cols[] = {
	"ref", "state", "since", "office-code", "office", "level", "due",
	"link", "outage-since", "paused", "ahead", "eta", "after-recovery",
	"compensation", "ahead-more",
};
#define STATUS_NCOLS	(sizeof(status_cols) / sizeof(status_cols[0]))

/* Wrong guesses per address before the lookup answers 429 (SQL). */
#define STATUS_RETRY_AFTER	"900"

struct status_lookup {
	struct db_call	 db;
	enum lang	 lang;
	char		 ref[REF_BUFSZ];
	char		 passport[PASSPORT_BUFSZ];
	char		 address[64];
	const char	*params[3];
	int		 found;
	int		 throttled;
	char		 val[STATUS_NCOLS][STATUS_FIELD_MAX];
};

int	status_home(struct http_request *);
int	status_lookup(struct http_request *);
int	status_times(struct http_request *);

/* The published processing times, as rows for the page model. */
struct status_times {
	struct db_call	 db;
	enum lang	 lang;
	struct db_rows	 rows;
};

/*
 * The lookup form, with what the user typed and, for a field that was
 * wrong, the message key shown next to it.
 */
static void
status_form(xmlNodePtr root, const char *ref, const char *passport,
    const char *field, const char *key)
{
	xmlNodePtr	form, e;

	form = xmlNewChild(root, NULL, BAD_CAST "form", NULL);
	xmlNewProp(form, BAD_CAST "ref", BAD_CAST (ref ? ref : ""));
	xmlNewProp(form, BAD_CAST "passport",
	    BAD_CAST (passport ? passport : ""));
	if (key != NULL) {
		e = xmlNewChild(form, NULL, BAD_CAST "error", NULL);
		xmlNewProp(e, BAD_CAST "field", BAD_CAST field);
		xmlNewProp(e, BAD_CAST "key", BAD_CAST key);
	}
}

int
status_home(struct http_request *req)
{
	xmlDocPtr	doc;
	xmlNodePtr	root;
	enum lang	lang;

	http_populate_qs(req);
	lang = page_lang(req);
	doc = page_model(req, lang, &root);
	status_form(root, NULL, NULL, NULL, NULL);
	return (page_reply(req, HTTP_STATUS_OK, "status", doc, lang));
}

static int
status_bad_input(struct http_request *req, enum lang lang, const char *ref,
    const char *passport, const char *field, const char *key)
{
	xmlDocPtr	doc;
	xmlNodePtr	root;

	doc = page_model(req, lang, &root);
	status_form(root, ref, passport, field, key);
	return (page_reply(req, HTTP_STATUS_BAD_REQUEST, "status", doc, lang));
}

static int
status_read(struct kore_pgsql *sql, void *arg)
{
	struct status_lookup	*st = arg;
	size_t			 i;

	if (kore_pgsql_ntuples(sql) == 0)
		return (0);
	if (kore_pgsql_ntuples(sql) != 1 ||
	    kore_pgsql_nfields(sql) != (int)STATUS_NCOLS + 1)
		return (-1);
	if (kore_pgsql_getvalue(sql, 0, 0)[0] == 't') {
		st->throttled = 1;
		return (0);
	}
	st->found = 1;
	for (i = 0; i < STATUS_NCOLS; i++)
		(void)kore_strlcpy(st->val[i],
		    kore_pgsql_getvalue(sql, 0, (int)i + 1), sizeof(st->val[i]));
	return (0);
}

/*
 * Validate the form before anything is looked up; 0 when st holds a
 * well-formed reference and passport number, else the 400 was sent.
 */
static int
status_parse_or_reply(struct http_request *req, struct status_lookup *st)
{
	char	*ref, *passport;

	ref = passport = NULL;
	(void)http_argument_get_string(req, "ref", &ref);
	(void)http_argument_get_string(req, "passport", &passport);

	if (ref == NULL || *ref == '\0') {
		status_bad_input(req, st->lang, ref, passport, "ref",
		    "status.err.ref_missing");
		return (-1);
	}
	switch (ref_parse(ref, st->ref, sizeof(st->ref))) {
	case REF_OK:
		break;
	case REF_BAD_CHECK:
		status_bad_input(req, st->lang, ref, passport, "ref",
		    "status.err.ref_check");
		return (-1);
	case REF_BAD_FORMAT:
		status_bad_input(req, st->lang, ref, passport, "ref",
		    "status.err.ref_format");
		return (-1);
	}
	if (passport == NULL || *passport == '\0') {
		status_bad_input(req, st->lang, ref, passport, "passport",
		    "status.err.passport_missing");
		return (-1);
	}
	if (passport_parse(passport, st->passport, sizeof(st->passport)) == -1) {
		status_bad_input(req, st->lang, ref, passport, "passport",
		    "status.err.passport_format");
		return (-1);
	}
	st->params[0] = st->ref;
	st->params[1] = st->passport;
	session_address(req, st->address, sizeof(st->address));
	st->params[2] = st->address[0] != '\0' ? st->address : NULL;
	return (0);
}

int
status_lookup(struct http_request *req)
{
	struct status_lookup	*st;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, c;
	size_t			 i;
	int			 rc;

	if (!http_state_exists(req)) {
		st = http_state_create(req, sizeof(*st), NULL);
		memset(st, 0, sizeof(*st));
		http_populate_post(req);
		st->lang = page_lang(req);
		if (status_parse_or_reply(req, st) == -1)
			return (KORE_RESULT_OK);
		db_call_init(&st->db, req);
	}
	st = http_state_get(req);

	if (page_db_or_reply(req, db_run(&st->db, DB_CASE_STATUS, st->params,
	    status_read, st), st->lang, &rc) != 0)
		return (rc);

	doc = page_model(req, st->lang, &root);
	if (st->throttled) {
		status_form(root, st->ref, st->passport, "ref",
		    "status.err.throttled");
		http_response_header(req, "retry-after", STATUS_RETRY_AFTER);
		return (page_reply(req, 429, "status", doc, st->lang));
	}
	if (!st->found) {
		status_form(root, st->ref, st->passport, "ref",
		    "status.err.not_found");
		return (page_reply(req, HTTP_STATUS_NOT_FOUND, "status", doc,
		    st->lang));
	}
	c = xmlNewChild(root, NULL, BAD_CAST "case", NULL);
	for (i = 0; i < STATUS_NCOLS; i++) {
		if (st->val[i][0] != '\0')
			xmlNewProp(c, BAD_CAST status_cols[i],
			    BAD_CAST st->val[i]);
	}
	return (page_reply(req, HTTP_STATUS_OK, "status", doc, st->lang));
}

/*
 * How long applications take: median and 90th percentile from submission
 * to issue over the last 180 days, per permit kind and service level.
 */
int
status_times(struct http_request *req)
{
	static const char	*cols[5] = { "kind", "level", "cases",
				    "median", "p90" };
	struct status_times	*st;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, t, r;
	int			 i, j, rc;

	if (!http_state_exists(req)) {
		st = http_state_create(req, sizeof(*st), NULL);
		memset(st, 0, sizeof(*st));
		http_populate_qs(req);
		st->lang = page_lang(req);
		db_call_init(&st->db, req);
	}
	st = http_state_get(req);

	if (page_db_or_reply(req, db_run(&st->db, DB_PROCESSING_TIMES, NULL,
	    db_read_rows, &st->rows), st->lang, &rc) != 0)
		return (rc);
	doc = page_model(req, st->lang, &root);
	t = xmlNewChild(root, NULL, BAD_CAST "times", NULL);
	for (i = 0; i < st->rows.n; i++) {
		r = xmlNewChild(t, NULL, BAD_CAST "row", NULL);
		for (j = 0; j < 5 && j < st->rows.ncols; j++)
			xmlNewProp(r, BAD_CAST cols[j],
			    BAD_CAST st->rows.v[i][j]);
	}
	return (page_reply(req, HTTP_STATUS_OK, "times", doc, st->lang));
}
