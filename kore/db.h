/*
 * Data access: the only place outside migrations/ that holds SQL text.
 * Every query is named, parameterised, and run through Kore's async
 * pgsql API so the event loop never waits on PostgreSQL.
 *
 * A handler keeps a struct db_call in its request state and calls
 * db_run() each time Kore runs it, until it returns something other than
 * DB_WAIT.  A page hands the status to page_db_or_reply(), which answers
 * DB_FAILED (503) and DB_BAD_TEXT (400) itself:
 *
 *	if (page_db_or_reply(req, db_run(&st->db, DB_CASE_STATUS, params,
 *	    read_row, st), st->lang, &rc) != 0)
 *		return (rc);
 */
#ifndef KITAS_DB_H
#define KITAS_DB_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

enum db_query {
	DB_READY,		/* () -> 1 */
	DB_CASE_STATUS,		/* (reference, passport, address) -> status */
	DB_METRICS,		/* () -> Prometheus text */
	DB_PROCESSING_TIMES,	/* () -> kind, level, cases, median, p90 */
	DB_SESSION,		/* (token hash) -> who, csrf */
	DB_LOGIN_BEGIN,		/* (email, address) -> allowed, hash */
	DB_LOGIN_FINISH,	/* (...) -> code */
	DB_REGISTER,		/* (email, name, hash, lang, token) -> code */
	DB_USE_TOKEN,		/* (purpose, token, hash) -> code */
	DB_RESET_REQUEST,	/* (email, token) -> code */
	DB_CONFIRM_AGAIN,	/* (session, token) -> code */
	DB_LOGOUT,		/* (token hash) */
	DB_PASSWORD_HASH,	/* (token hash, address) -> allowed, hash */
	DB_PASSWORD_CHANGE,	/* (token hash, hash, address) -> code */
	DB_PORTAL_CASES,	/* (token hash) -> the applicant's cases */
	DB_APPLY_XML,		/* (session, step) -> the wizard page model */
	DB_APPLY_SAVE,		/* (session, step, fields, key) -> next */
	DB_DRAFT_UPDATE,	/* (session, ref, sponsor, address, mail) */
	DB_DOCUMENT_ADD,	/* (session, ref, type, name, ctype, size, blob) */
	DB_SUBMIT,		/* (session, ref, version, key) -> billing */
	DB_COMMAND,		/* (session, ref, command, version, key) */
	DB_BILLING_RENEW,	/* (session, ref) -> code */
	DB_CASE_XML,		/* (session, ref) -> the case page model */
	DB_EX_KEY,		/* (keyid) -> partner, public key, types */
	DB_EX_PAYMENT,		/* (partner, message, ..., fields) -> answer */
	DB_EX_CLEARANCE,	/* (partner, message, ..., fields) -> answer */
	DB_PERMIT_VERIFY,	/* (number) -> key list, found, revoked, why */
	DB_PERMIT_KEYS,		/* () -> the published key list */
	DB_PERMIT_REVOKED,	/* () -> number, revoked at (epoch) */
	DB_PERMIT_PDF,		/* (session, ref) -> number, sealed, aad */
	DB_OFFICE_QUEUES,	/* (session, office) -> the queues, XML */
	DB_OFFICE_CASE,		/* (session, ref) -> the case page model */
	DB_OFFICE_POST,		/* (session, ref, action, version, key, why,
				    csrf) */
	DB_OFFICE_PDF,		/* (session, ref) -> number, sealed, aad */
	DB_EX_PERMIT_EVENTS,	/* (partner, message, ..., after, limit) */
	DB_OFFICE_LINK,		/* (session) -> the link panel model, XML */
	DB_OFFICE_LINK_COMMAND,	/* (session, action, why, incident) -> code */
	DB_OFFICE_COMP_CSV,	/* (session) -> the compensations as CSV */
	DB_OFFICE_SEARCH,	/* (session, filters, page, office) -> XML */
	DB_OFFICE_DOCUMENT,	/* (session, ref, type) -> name, type, blob */
	DB_ADMIN_USERS,		/* (session) -> staff accounts, XML */
	DB_ADMIN_CREATE,	/* (session, email, name, role, office) */
	DB_ADMIN_UPDATE,	/* (session, account, role, office, disabled) */
	DB_BIO_PHOTO,		/* (session, ref, blob, aad, ctype, size) */
	DB_BIO_FINGERS,		/* (session, ref, six parallel arrays) */
	DB_BIO_INTERVIEW,	/* (session, ref, blob, aad) -> code */
	DB_EX_CASE_STATUS,	/* (partner, message, ..., reference) */
	DB_EX_EVIDENCE,		/* (partner, message, ..., of) */
	DB_OFFICE_EVIDENCE,	/* (session, partner, id) -> page model */
	DB_EX_SPONSOR_BATCH,	/* (partner, message, ..., body) */
	/* The background workers' (db_async_query()). */
	DB_CLR_CLAIM,		/* (owner, batch) -> requests to send */
	DB_CLR_REPORT,		/* (owner, outcome, per-request arrays...) */
	DB_CLR_HOUSEKEEPING,	/* () */
	DB_MAIL_CLAIM,		/* (owner, batch) -> mails to send */
	DB_MAIL_REPORT,		/* (owner, ids, oks, errors) */
	DB_PRINT_CLAIM,		/* (owner) -> a permit to print */
	DB_PRINT_DONE,		/* (owner, id, key, token, pdf, aad, size) */
	DB_PRINT_FAILED,	/* (owner, id, error) */
	DB_QUERY_COUNT
};

enum db_status {
	DB_WAIT,		/* asleep until PostgreSQL answers */
	DB_DONE,		/* every row was handed to the reader */
	DB_FAILED,		/* not reachable or the query failed; logged */
	DB_BAD_TEXT		/* a parameter is not UTF-8: the sender's fault */
};

struct db_call {
	struct kore_pgsql	 sql;
	struct http_request	*req;
	int			 failed;
	int			 retries;
	int			 preparing;	/* the round trip is a PREPARE */
	/* For binary parameters (a sealed document): NULL = all text. */
	int			*lengths;
	int			*formats;
};

/* Called once per result set; read with kore_pgsql_getvalue(). */
typedef int	(*db_reader)(struct kore_pgsql *sql, void *arg);

#define DB_ROWS_MAX	100
#define DB_COLS_MAX	6
#define DB_CELL_MAX	32

/* A small result kept whole: a list page's rows, cut to the sizes above. */
struct db_rows {
	int	n;
	int	ncols;
	char	v[DB_ROWS_MAX][DB_COLS_MAX][DB_CELL_MAX];
};

/* A db_reader for struct db_rows: every row, every column. */
int		db_read_rows(struct kore_pgsql *sql, void *arg);

/* Bind a call to the request; use once, before the first db_run(). */
void		db_call_init(struct db_call *call, struct http_request *req);

/* Drive the query; params must stay valid while it returns DB_WAIT. */
enum db_status	db_run(struct db_call *call, enum db_query q,
		    const char **params, db_reader reader, void *arg);

/*
 * Queries of the background workers (dispatcher, mail), not bound to a
 * request: the result goes to cb.  db_async_query() sets sql up and
 * sends; 0 (sent, or queued: cb gets INIT), or -1 after it failed and
 * was cleaned up.  db_async_failed() logs and cleans up a failed one;
 * heal only when it was never sent.  Neither calls cb again.
 */
int		db_async_query(struct kore_pgsql *sql,
		    void (*cb)(struct kore_pgsql *, void *), const char *who,
		    enum db_query q, const char **params);
void		db_async_failed(struct kore_pgsql *sql, const char *who,
		    const char *what, int heal);

#endif
