/*
 * HTML pages: language choice, the page model every template starts from,
 * and one way to send a rendered page or an error.  Every function that
 * sends a response returns KORE_RESULT_OK for the handler to return.
 */
#ifndef KITAS_PAGE_H
#define KITAS_PAGE_H

#include <kore/kore.h>
#include <kore/http.h>

#include <libxml/tree.h>

#include "db.h"
#include "lang.h"

struct session;

/*
 * The request's language.  Call after http_populate_qs()/_post(): an
 * explicit "lang" argument wins and is remembered in a cookie.
 */
enum lang	page_lang(struct http_request *req);

/*
 * A new page model <page lang=".." path="..">; *root receives the page
 * element for the handler to add to.  Freed by page_reply().
 */
xmlDocPtr	page_model(struct http_request *req, enum lang lang,
		    xmlNodePtr *root);

/* Render tmpl over model and send it with status; frees model. */
int		page_reply(struct http_request *req, int status,
		    const char *tmpl, xmlDocPtr model, enum lang lang);

/*
 * A form page: model (XML from the database; none is 404) under the page
 * element with the session's user and CSRF token, a fresh idempotency key
 * for its forms, and notice (a catalogue key) if any; tmpl over it.
 */
int		page_form_reply(struct http_request *req, struct session *s,
		    enum lang lang, const char *model, const char *notice,
		    int status, const char *tmpl);

/*
 * The same after a refused form: typed (name, value, ..., NULL) replaces
 * those attributes of the model's root, so the page shows what the user
 * typed rather than what is stored.
 */
int		page_form_retry(struct http_request *req, struct session *s,
		    enum lang lang, const char *model, const char *notice,
		    int status, const char *tmpl, const char *const *typed);

/* An error page that says the catalogue message key. */
int		page_error(struct http_request *req, int status,
		    enum lang lang, const char *key);

/*
 * A database step's status as the handler's next move: -1 (return
 * *rc = RETRY), 1 (the database is away: answered 503, return *rc) or 0
 * (done, go on).
 */
int		page_db_or_reply(struct http_request *req, enum db_status s,
		    enum lang lang, int *rc);

/* 503 with Retry-After: the database is away, try again shortly. */
int		page_unavailable(struct http_request *req, enum lang lang);

/* A database answer code, as the page's notice and status. */
struct page_code {
	const char	*code;
	const char	*key;
	int		 status;
};

/* code's entry in map (n entries), or NULL. */
const struct page_code	*page_code_find(const struct page_code *map,
			    size_t n, const char *code);

/*
 * Send a sealed blob (hex "\x..." as PostgreSQL gives bytea) opened with
 * aad, as an attachment of type ctype named filename, cut to letters,
 * digits, '.', '_' and '-' (at most 100).  Not cached, not sniffed.  A
 * blob that does not open is a 500, logged.
 */
int		page_sealed(struct http_request *req, const char *hex,
		    const char *aad, const char *ctype, const char *filename);

/* page_sealed() of a PDF, as the attachment "<name>.pdf". */
int		page_sealed_pdf(struct http_request *req, const char *hex,
		    const char *aad, const char *name);

/*
 * In an onfree hook: a task bound to req is still running.  Kore calls
 * the hook first and again once the task is gone; until then the thread
 * owns what it was given, and Kore still owns its task and query structs,
 * so the hook must leave both alone.
 */
int		page_tasks_running(struct http_request *req);

#endif
