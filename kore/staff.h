/*
 * What every back-office handler shares (kore/office.c, kore/link.c): its
 * state starts with struct staff; the session must be an officer's or a
 * supervisor's (CSRF checked on a POST), or an admin's where the page
 * only reads; queries answer one value, kept in text; pages render a
 * model from the database with a notice.
 */
#ifndef KITAS_STAFF_H
#define KITAS_STAFF_H

#include <kore/kore.h>
#include <kore/http.h>

#include "db.h"
#include "lang.h"
#include "page.h"
#include "session.h"

enum { STAFF_SESSION = 0, STAFF_CHECK, STAFF_ACTION, STAFF_LOAD };

struct staff {
	struct session	 sess;
	struct db_call	 db;
	enum lang	 lang;
	int		 phase;
	int		 status;	/* of the page */
	size_t		 max;		/* bytes staff_read() keeps */
	const char	*notice;	/* catalogue key shown on the page */
	char		*text;		/* kore_strdup'd value of the answer */
	enum db_query	 action;	/* a POST's query, while it runs */
};

/* The handler's state, size bytes that start with struct staff. */
void	*staff_state(struct http_request *req, size_t size, size_t max);

/*
 * Session, CSRF, an office role (officer, supervisor): -1 return RETRY,
 * 1 answered (*rc), 0 go on.  The _as_ form takes the roles allowed, a
 * NULL-terminated list.
 */
int	 staff_begin_or_reply(struct http_request *req, struct staff *st,
	    int *rc);
int	 staff_begin_as_or_reply(struct http_request *req, struct staff *st,
	    const char *const *roles, int *rc);

/*
 * The same for a page that only reads cases: an admin too, who reads
 * every office and acts on none.  The database still decides which
 * cases and offices (office_reader()); every command refuses an admin.
 */
int	 staff_read_begin_or_reply(struct http_request *req,
	    struct staff *st, int *rc);

/* Run q into st->text; -1 RETRY, 1 answered (unavailable), 0 done. */
int	 staff_db_or_reply(struct http_request *req, struct staff *st,
	    enum db_query q, const char **params, int *rc);

/* tmpl over the model in st->text (404 when there is none). */
int	 staff_render(struct http_request *req, struct staff *st,
	    const char *tmpl);

/* A form field into dst, "" when missing or too long. */
void	 staff_arg(struct http_request *req, const char *name, char *dst,
	    size_t sz);

/* code's notice and status from map; anything else is "not now", 409. */
void	 staff_fail(struct staff *st, const struct page_code *map, size_t n,
	    const char *code);

#define STAFF_CASE_PREFIX	"/office/case/"

/* An office code (offices.code in migrations/0001): "SMG". */
#define STAFF_OFFICE_LEN	3
#define STAFF_OFFICE_BUFSZ	(STAFF_OFFICE_LEN + 1)

/* 1 when s has the shape of an office code; the database knows which exist. */
int	 staff_office_code(const char *s);

/*
 * The case reference in /office/case/REF[/...], checked, into ref
 * (REF_BUFSZ bytes): what follows it in the path ("" or "/..."), or
 * NULL when it is not a reference.
 */
const char	*staff_path_ref(struct http_request *req, char *ref,
		    size_t refsz);

/* 303 to path: POST, redirect, GET, so a reload repeats nothing. */
int	 staff_redirect(struct http_request *req, const char *path);

#endif
