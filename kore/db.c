#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "app.h"
#include "db.h"

/*
 * How often a query whose connection turned out dead is sent again on
 * another one: the pool holds at most pgsql_conn_max connections, and
 * after PostgreSQL restarts each of them fails once.
 */
#define DB_RETRY_MAX	4

/*
 * Connections known to hold prepared statements: more than the pool of
 * every worker ever has open at once (pgsql_conn_max); when a slot must
 * be reused, the worst case is a PREPARE answered "already exists".
 */
#define DB_CONNS_MAX	32
#define DB_WORDS	((DB_QUERY_COUNT + 63) / 64)

#define SQLSTATE_BAD_TEXT	"22021"	/* character_not_in_repertoire */
#define SQLSTATE_NO_STATEMENT	"26000"	/* invalid_sql_statement_name */
#define SQLSTATE_DUP_STATEMENT	"42P05"	/* duplicate_prepared_statement */

/*
 * retry: the query may be sent again when its connection died under it;
 * true for reads and for commands that are idempotent (they carry a key
 * or a token by which the database recognises the repeat).
 */
static const struct {
	const char	*name;
	const char	*sql;
	int		 nparams;
	int		 retry;
} db_queries[DB_QUERY_COUNT] = {
	[DB_READY] = { "ready", "SELECT 1", 0, 1 },
	[DB_CASE_STATUS] = { "case_status",
	    "SELECT throttled, reference, state, state_since, office_code, "
	    "office_name, service_level, due_at, link_state, outage_since, "
	    "paused, ahead, eta_seconds, after_recovery, compensation, "
	    "ahead_more "
	    "FROM status_lookup($1, $2, $3::inet)", 3, 1 },
	[DB_METRICS] = { "metrics", "SELECT metrics_text()", 0, 1 },
	[DB_PROCESSING_TIMES] = { "processing_times",
	    "SELECT permit_kind, level, cases, median_days, p90_days "
	    "FROM processing_times()", 0, 1 },
	[DB_SESSION] = { "session",
	    "SELECT account_id, role, office_id, display_name, email, lang, "
	    "csrf, email_confirmed FROM auth_session(decode($1, 'hex'))", 1, 1 },
	/* Not retried: it reserves the attempt (auth_login_begin). */
	[DB_LOGIN_BEGIN] = { "login_begin",
	    "SELECT allowed, retry_after, account_id, password_hash "
	    "FROM auth_login_begin($1, $2::inet, p_reserve => true)", 2, 0 },
	[DB_LOGIN_FINISH] = { "login_finish",
	    "SELECT code FROM auth_login_finish($1, nullif($2, '')::bigint, "
	    "$3::inet, $4::boolean, decode($5, 'hex'), $6, nullif($7, ''), "
	    "decode(nullif($8, ''), 'hex'))", 8, 1 },
	[DB_REGISTER] = { "register",
	    "SELECT code FROM auth_register($1, $2, $3, $4, $5)", 5, 1 },
	[DB_USE_TOKEN] = { "use_token",
	    "SELECT code FROM auth_use_token($1, $2, nullif($3, ''))", 3, 0 },
	/* Retried: the same token mails nothing more. */
	[DB_CONFIRM_AGAIN] = { "confirm_again",
	    "SELECT auth_confirm_again(decode($1, 'hex'), $2)", 2, 1 },
	[DB_RESET_REQUEST] = { "reset_request",
	    "SELECT auth_reset_request($1, $2)", 2, 1 },
	[DB_LOGOUT] = { "logout",
	    "SELECT auth_logout(decode($1, 'hex'))", 1, 1 },
	/* Not retried: it reserves the attempt (auth_login_begin). */
	[DB_PASSWORD_HASH] = { "password_hash",
	    "SELECT allowed, retry_after, password_hash "
	    "FROM auth_password_hash(decode($1, 'hex'), $2::inet)", 2, 0 },
	[DB_PASSWORD_CHANGE] = { "password_change",
	    "SELECT auth_password_change(decode($1, 'hex'), $2, $3::inet)",
	    3, 0 },
	[DB_APPLY_XML] = { "apply_xml",
	    "SELECT portal_apply_xml(decode($1, 'hex'), $2)", 2, 1 },
	[DB_APPLY_SAVE] = { "apply_save",
	    "SELECT code, next_step, reference, model FROM portal_apply_save("
	    "decode($1, 'hex'), $2, ARRAY[$3, $4, $5, $6, $7, $8, $9], $10)",
	    10, 1 },
	[DB_DRAFT_UPDATE] = { "draft_update",
	    "SELECT portal_draft_update(decode($1, 'hex'), $2, $3, $4, $5, $6)",
	    6, 1 },
	[DB_DOCUMENT_ADD] = { "document_add",
	    "SELECT portal_document_add(decode($1, 'hex'), $2, $3::doc_type, "
	    "$4, $5, $6::integer, $7::bytea, $8)", 8, 1 },
	[DB_SUBMIT] = { "submit",
	    "SELECT code, billing_code FROM portal_submit(decode($1, 'hex'), "
	    "$2, $3::integer, $4)", 4, 1 },
	[DB_COMMAND] = { "command",
	    "SELECT code FROM portal_command(decode($1, 'hex'), $2, $3, "
	    "$4::integer, $5)", 5, 1 },
	[DB_BILLING_RENEW] = { "billing_renew",
	    "SELECT portal_billing_renew(decode($1, 'hex'), $2)", 2, 0 },
	[DB_CASE_XML] = { "case_xml",
	    "SELECT portal_case_xml(decode($1, 'hex'), $2)", 2, 1 },
	[DB_EX_KEY] = { "exchange_key",
	    "SELECT partner_id, public_key, types FROM exchange_key($1)", 1, 1 },
	[DB_EX_PAYMENT] = { "exchange_payment",
	    "SELECT status, answer FROM exchange_payment_notice($1::integer, "
	    "$2, $3, $4, decode($5, 'hex'), $6, $7, $8::bigint, "
	    "$9::timestamptz, $10)", 10, 1 },
	[DB_EX_CLEARANCE] = { "exchange_clearance",
	    "SELECT status, answer FROM exchange_clearance_result($1::integer, "
	    "$2, $3, $4, decode($5, 'hex'), $6, $7::uuid, $8, $9, $10, "
	    "$11::timestamptz)", 11, 1 },
	[DB_PORTAL_CASES] = { "portal_cases",
	    "SELECT reference, state, permit_kind, service_level, updated "
	    "FROM portal_cases(decode($1, 'hex'))", 1, 1 },
	[DB_PERMIT_VERIFY] = { "permit_verify",
	    "SELECT permit_keys_text(), found, revoked_at IS NOT NULL, "
	    "coalesce(reason, ''), coalesce(office, '') "
	    "FROM permit_lookup($1)", 1, 1 },
	[DB_PERMIT_KEYS] = { "permit_keys", "SELECT permit_keys_text()", 0, 1 },
	[DB_PERMIT_REVOKED] = { "permit_revoked",
	    "SELECT number, revoked_at FROM permit_revocations()", 0, 1 },
	[DB_PERMIT_PDF] = { "permit_pdf",
	    "SELECT number, sealed, aad FROM portal_permit_pdf("
	    "decode($1, 'hex'), $2)", 2, 1 },
	[DB_OFFICE_QUEUES] = { "office_queues",
	    "SELECT office_queues_xml(decode($1, 'hex'), nullif($2, ''))",
	    2, 1 },
	[DB_OFFICE_CASE] = { "office_case",
	    "SELECT office_case_xml(decode($1, 'hex'), $2)", 2, 1 },
	[DB_OFFICE_POST] = { "office_post",
	    "SELECT office_post(decode($1, 'hex'), $2, $3, $4::integer, "
	    "$5, $6, $7)", 7, 1 },
	/* Not retried: it writes the audit log. */
	[DB_OFFICE_PDF] = { "office_pdf",
	    "SELECT number, sealed, aad FROM office_permit_pdf("
	    "decode($1, 'hex'), $2)", 2, 0 },
	/* Retried: a repeated message id gets the first answer. */
	[DB_EX_PERMIT_EVENTS] = { "exchange_permit_events",
	    "SELECT status, answer FROM exchange_permit_events($1::integer, "
	    "$2, $3, $4, decode($5, 'hex'), $6, $7::bigint, "
	    "nullif($8, '')::integer)", 8, 1 },
	[DB_OFFICE_LINK] = { "office_link",
	    "SELECT office_link_xml(decode($1, 'hex'))", 1, 1 },
	/* Not retried: both write the audit log. */
	[DB_OFFICE_LINK_COMMAND] = { "office_link_command",
	    "SELECT office_link_command(decode($1, 'hex'), $2, nullif($3, ''), "
	    "nullif($4, '')::bigint)", 4, 0 },
	[DB_OFFICE_COMP_CSV] = { "office_compensation_csv",
	    "SELECT office_compensation_csv(decode($1, 'hex'))", 1, 0 },
	[DB_OFFICE_SEARCH] = { "office_search",
	    "SELECT office_search_xml(decode($1, 'hex'), nullif($2, ''), "
	    "nullif($3, ''), nullif($4, ''), nullif($5, '')::case_state, "
	    "nullif($6, '')::permit_kind, nullif($7, '')::integer, "
	    "$8::integer, nullif($9, ''))", 9, 1 },
	/* Not retried: it writes the audit log. */
	[DB_OFFICE_DOCUMENT] = { "office_document",
	    "SELECT filename, content_type, sealed, aad FROM office_document("
	    "decode($1, 'hex'), $2, $3)", 3, 0 },
	[DB_ADMIN_USERS] = { "admin_users",
	    "SELECT admin_users_xml(decode($1, 'hex'))", 1, 1 },
	/* Not retried: each writes the audit log. */
	[DB_ADMIN_CREATE] = { "admin_create",
	    "SELECT admin_user_create(decode($1, 'hex'), $2, $3, $4, $5)",
	    5, 0 },
	[DB_ADMIN_UPDATE] = { "admin_update",
	    "SELECT admin_user_update(decode($1, 'hex'), $2::bigint, $3, $4, "
	    "$5::boolean)", 5, 0 },
	/* Retried: the same aad again is answered 'ok', recorded once. */
	[DB_BIO_PHOTO] = { "biometric_photo",
	    "SELECT office_biometric_photo(decode($1, 'hex'), $2, $3::bytea, "
	    "$4, $5, $6::integer)", 6, 1 },
	/* Not retried: a repeat would write the audit log twice. */
	[DB_BIO_FINGERS] = { "fingerprints",
	    "SELECT office_fingerprints(decode($1, 'hex'), $2, "
	    "$3::smallint[], $4::smallint[], $5::text[], $6::text[], "
	    "$7::bytea[], $8::text[])", 8, 0 },
	[DB_BIO_INTERVIEW] = { "interview",
	    "SELECT office_interview(decode($1, 'hex'), $2, $3::bytea, $4)",
	    4, 1 },
	/* Retried: a repeated message id gets the first answer. */
	[DB_EX_CASE_STATUS] = { "exchange_case_status",
	    "SELECT status, answer FROM exchange_case_status($1::integer, "
	    "$2, $3, $4, decode($5, 'hex'), $6, $7)", 7, 1 },
	[DB_EX_SPONSOR_BATCH] = { "exchange_sponsor_batch",
	    "SELECT status, answer FROM exchange_sponsor_batch($1::integer, "
	    "$2, $3, $4, decode($5, 'hex'), $6)", 6, 1 },
	/* Not retried: it writes the audit log. */
	[DB_OFFICE_EVIDENCE] = { "office_evidence",
	    "SELECT office_evidence_xml(decode($1, 'hex'), nullif($2, ''), "
	    "nullif($3, ''))", 3, 0 },
	[DB_EX_EVIDENCE] = { "exchange_evidence",
	    "SELECT status, answer FROM exchange_evidence($1::integer, "
	    "$2, $3, $4, decode($5, 'hex'), $6, $7)", 7, 1 },
	[DB_CLR_CLAIM] = { "clr_claim",
	    "SELECT outbox_id, idem_key, case_ref, passport_no, nationality, "
	    "family_name, given_names, birth_date, permit_kind, office_code "
	    "FROM clr_claim($1, $2::integer, now(), $3::integer)", 3, 0 },
	[DB_CLR_REPORT] = { "clr_report",
	    "SELECT clr_report($1, $2, $3::bigint[], $4::text[], $5::text[], "
	    "$6::text[], $7::timestamptz[], $8, $9::integer)", 9, 0 },
	[DB_CLR_HOUSEKEEPING] = { "housekeeping",
	    "SELECT clr_housekeeping(), status_forget(), apply_forget()", 0, 0 },
	[DB_MAIL_CLAIM] = { "mail_claim",
	    "SELECT id, to_addr, kind, lang, coalesce(token, ''), "
	    "coalesce(reference, ''), coalesce(state, '') "
	    "FROM mail_claim($1, $2::integer)", 2, 0 },
	[DB_MAIL_REPORT] = { "mail_report",
	    "SELECT mail_report($1, $2::bigint[], $3::boolean[], $4::text[])",
	    4, 0 },
	[DB_PRINT_CLAIM] = { "permit_render_claim",
	    "SELECT id, number, holder, nationality, passport, birth_date, "
	    "kind, valid_from, valid_to, sponsor, office, issued, "
	    "coalesce(encode(photo_sealed, 'hex'), ''), "
	    "coalesce(photo_aad, '') FROM permit_render_claim($1, 1)", 1, 0 },
	[DB_PRINT_DONE] = { "permit_render_done",
	    "SELECT permit_render_done($1, $2::bigint, $3::integer, $4, "
	    "$5::bytea, $6, $7::integer)", 7, 0 },
	[DB_PRINT_FAILED] = { "permit_render_failed",
	    "SELECT permit_render_failed($1, $2::bigint, $3)", 3, 0 },
};

int
db_read_rows(struct kore_pgsql *sql, void *arg)
{
	struct db_rows	*r = arg;
	int		 i, j;

	if ((r->ncols = kore_pgsql_nfields(sql)) > DB_COLS_MAX)
		return (-1);
	for (i = 0; i < kore_pgsql_ntuples(sql) && r->n < DB_ROWS_MAX;
	    i++, r->n++) {
		for (j = 0; j < r->ncols; j++)
			(void)kore_strlcpy(r->v[r->n][j],
			    kore_pgsql_getvalue(sql, i, j), DB_CELL_MAX);
	}
	return (0);
}

/*
 * Named prepared statements.  A query sent with its text is parsed and
 * planned anew each time, which costs as much as running one of ours
 * (make bench: the session query did 22k/s sent as text, 41k/s
 * prepared); a prepared statement is only bound and run.  Which
 * connection holds which statement is kept here, by libpq connection and
 * backend pid: a connection Kore opens again at the same address, or one
 * db_heal() resets, has another backend.  The first use of a query on a
 * connection prepares it (one round trip, as async as the query itself)
 * and runs it on the next pass of db_run().
 */
static struct {
	const PGconn	*db;
	int		 pid;
	uint64_t	 has[DB_WORDS];
} db_conns[DB_CONNS_MAX];
static size_t	db_conns_next;

static uint64_t *
db_conn_statements(const PGconn *db, int create)
{
	size_t	i;
	int	pid = PQbackendPID(db);

	for (i = 0; i < DB_CONNS_MAX; i++) {
		if (db_conns[i].db == db && db_conns[i].pid == pid)
			return (db_conns[i].has);
	}
	if (!create)
		return (NULL);
	for (i = 0; i < DB_CONNS_MAX && db_conns[i].db != NULL; i++)
		;
	if (i == DB_CONNS_MAX) {
		i = db_conns_next;
		db_conns_next = (db_conns_next + 1) % DB_CONNS_MAX;
	}
	db_conns[i].db = db;
	db_conns[i].pid = pid;
	memset(db_conns[i].has, 0, sizeof(db_conns[i].has));
	return (db_conns[i].has);
}

static int
db_is_prepared(const PGconn *db, enum db_query q)
{
	uint64_t	*has = db_conn_statements(db, 0);

	return (has != NULL && (has[q / 64] & (1ULL << (q % 64))) != 0);
}

static void
db_set_prepared(const PGconn *db, enum db_query q, int yes)
{
	uint64_t	*has = db_conn_statements(db, 1);

	if (yes)
		has[q / 64] |= 1ULL << (q % 64);
	else
		has[q / 64] &= ~(1ULL << (q % 64));
}

static const char *
db_sqlstate(struct kore_pgsql *sql)
{
	const char	*state;

	if (sql->result == NULL ||
	    (state = PQresultErrorField(sql->result, PG_DIAG_SQLSTATE)) == NULL)
		return ("");
	return (state);
}

/*
 * Send q on the bound connection: prepared when it is, else its PREPARE
 * (call->preparing).  Then wait for the answer as Kore's own
 * kore_pgsql_query_param_fields() does.  0, or -1 with sql->error set.
 */
static int
db_send(struct db_call *call, enum db_query q, const char **params)
{
	struct kore_pgsql	*sql = &call->sql;
	PGconn			*db = sql->conn->db;
	int			 ok;

	call->preparing = !db_is_prepared(db, q);
	if (call->preparing)
		ok = PQsendPrepare(db, db_queries[q].name, db_queries[q].sql,
		    db_queries[q].nparams, NULL);
	else
		ok = PQsendQueryPrepared(db, db_queries[q].name,
		    db_queries[q].nparams, params, call->lengths,
		    call->formats, 0);
	if (!ok) {
		kore_free(sql->error);
		sql->error = kore_strdup(PQerrorMessage(db));
		sql->state = KORE_PGSQL_STATE_ERROR;
		return (-1);
	}
	kore_platform_schedule_read(PQsocket(db), sql->conn);
	sql->state = KORE_PGSQL_STATE_WAIT;
	sql->flags |= KORE_PGSQL_SCHEDULED;
	http_request_sleep(call->req);
	return (0);
}

/*
 * q is prepared on the connection of this round trip, which is done: the
 * next pass of db_run() takes a connection again and runs q.
 */
static void
db_prepared(struct db_call *call, enum db_query q)
{
	db_set_prepared(call->sql.conn->db, q, 1);
	call->preparing = 0;
	kore_pgsql_cleanup(&call->sql);
	kore_pgsql_init(&call->sql);
	kore_pgsql_bind_request(&call->sql, call->req);
}

void
db_call_init(struct db_call *call, struct http_request *req)
{
	kore_pgsql_init(&call->sql);
	kore_pgsql_bind_request(&call->sql, req);
	call->req = req;
	call->failed = 0;
	call->retries = 0;
	call->preparing = 0;
	call->lengths = NULL;
	call->formats = NULL;
}

/*
 * After PostgreSQL restarts, a pooled connection is dead.  Kore drops it
 * when the failure shows up as a socket event, but a send that fails at
 * once leaves it in the pool, where it would fail every later query
 * (KORE-4.1.md 7).  Reset such a connection before handing it back; when
 * the server is still down the reset fails fast and the next request
 * tries again.
 */
static void
db_heal(struct kore_pgsql *sql)
{
	if (sql->conn != NULL && sql->conn->db != NULL &&
	    PQstatus(sql->conn->db) == CONNECTION_BAD)
		PQreset(sql->conn->db);
}

void
db_async_failed(struct kore_pgsql *sql, const char *who, const char *what,
    int heal)
{
	kore_log(LOG_NOTICE, "%s %s: %s", who, what,
	    sql->error != NULL ? sql->error : "failed");
	if (heal)
		db_heal(sql);
	/*
	 * Releasing the connection calls the callback again (COMPLETE) from
	 * inside kore_pgsql_cleanup(), before it has cleared what it freed:
	 * a second cleanup there would free the error and result twice.
	 */
	sql->cb = NULL;
	kore_pgsql_cleanup(sql);
}

int
db_async_query(struct kore_pgsql *sql, void (*cb)(struct kore_pgsql *, void *),
    const char *who, enum db_query q, const char **params)
{
	const char	*what = db_queries[q].name;

	kore_pgsql_init(sql);
	kore_pgsql_bind_callback(sql, cb, NULL);
	if (!kore_pgsql_setup(sql, APP_DB_NAME, KORE_PGSQL_ASYNC)) {
		if (sql->state == KORE_PGSQL_STATE_INIT)
			return (0);
		db_async_failed(sql, who, what, 0);
		return (-1);
	}
	if (!kore_pgsql_query_param_fields(sql, db_queries[q].sql, 0,
	    db_queries[q].nparams, params, NULL, NULL)) {
		db_async_failed(sql, who, what, 1);
		return (-1);
	}
	return (0);
}

/*
 * The server refused a parameter that is not valid UTF-8 (SQLSTATE
 * 22021): a form sent in another encoding, not a database failure to
 * retry.  Logged, so that a partner's 415s can be traced.
 */
static int
db_bad_text(struct kore_pgsql *sql, enum db_query q)
{
	if (strcmp(db_sqlstate(sql), SQLSTATE_BAD_TEXT) != 0)
		return (0);
	kore_log(LOG_INFO, "db %s: a parameter is not UTF-8",
	    db_queries[q].name);
	return (1);
}

/*
 * A query failed.  When it had a connection and that connection is gone
 * (dropped by Kore, or CONNECTION_BAD), a retry-safe query is set up
 * again, and so is any query whose prepared statement was missing:
 * -1 tells db_run() to go round once more.  A failure to connect
 * at all is not retried; it would only wait again.  heal: the query was
 * never sent, so the connection may be reset; never once it was sent,
 * since Kore still watches its socket and would drop the new one's.
 */
static int
db_fail(struct db_call *call, enum db_query q, int had_conn, int heal)
{
	struct kore_pgsql	*sql = &call->sql;
	int			 lost, unrun;

	lost = had_conn && (sql->conn == NULL ||
	    PQstatus(sql->conn->db) == CONNECTION_BAD);
	/*
	 * The statement was not where we thought: nothing ran, so any query
	 * may go again, prepared first.
	 */
	unrun = had_conn && sql->conn != NULL &&
	    strcmp(db_sqlstate(sql), SQLSTATE_NO_STATEMENT) == 0;
	if (unrun)
		db_set_prepared(sql->conn->db, q, 0);
	kore_log(LOG_NOTICE, "db %s: %s", db_queries[q].name,
	    sql->error != NULL ? sql->error : "failed");
	if (heal)
		db_heal(sql);
	kore_pgsql_cleanup(sql);
	if ((unrun || (lost && db_queries[q].retry)) &&
	    call->retries < DB_RETRY_MAX) {
		call->retries++;
		kore_pgsql_init(sql);
		kore_pgsql_bind_request(sql, call->req);
		return (-1);
	}
	call->failed = 1;
	return (DB_FAILED);
}

static enum db_status
db_step(struct db_call *call, enum db_query q, const char **params,
    db_reader reader, void *arg)
{
	struct kore_pgsql	*sql = &call->sql;
	int			 rc;

	if (call->failed)
		return (DB_FAILED);
	for (;;) {
		switch (sql->state) {
		case KORE_PGSQL_STATE_INIT:
			/* First run, or woken from Kore's connection queue. */
			if (!kore_pgsql_setup(sql, APP_DB_NAME,
			    KORE_PGSQL_ASYNC)) {
				if (sql->state == KORE_PGSQL_STATE_INIT)
					return (DB_WAIT);
				return (db_fail(call, q, 0, 0));
			}
			if (db_send(call, q, params) == -1) {
				if ((rc = db_fail(call, q, 1, 1)) == -1)
					continue;
				return (rc);
			}
			return (DB_WAIT);
		case KORE_PGSQL_STATE_DONE:
			/* A PREPARE's answer: now run the statement. */
			if (call->preparing) {
				db_prepared(call, q);
				continue;
			}
			kore_pgsql_continue(sql);
			break;
		case KORE_PGSQL_STATE_WAIT:
			return (DB_WAIT);
		case KORE_PGSQL_STATE_RESULT:
			if (reader != NULL && reader(sql, arg) == -1) {
				kore_log(LOG_ERR, "db %s: unexpected result",
				    db_queries[q].name);
				call->failed = 1;
			}
			kore_pgsql_continue(sql);
			break;
		case KORE_PGSQL_STATE_ERROR:
			/* Prepared already (its slot here was reused). */
			if (call->preparing && sql->conn != NULL &&
			    strcmp(db_sqlstate(sql), SQLSTATE_DUP_STATEMENT) == 0) {
				db_prepared(call, q);
				continue;
			}
			if (db_bad_text(sql, q)) {
				kore_pgsql_cleanup(sql);
				call->failed = 1;
				return (DB_BAD_TEXT);
			}
			if ((rc = db_fail(call, q, 1, 0)) == -1)
				continue;
			return (rc);
		case KORE_PGSQL_STATE_COMPLETE:
			kore_pgsql_cleanup(sql);
			return (call->failed ? DB_FAILED : DB_DONE);
		default:
			kore_pgsql_continue(sql);
			break;
		}
	}
}

/*
 * A request that gives its connection back wakes the first one waiting
 * in Kore's queue (pgsql_queue_count, not in Kore's headers).  Kore puts
 * the woken one at the end of the list it is walking, and when the
 * giver was the last there, Kore 4.1 runs the woken one only after the
 * next socket event or timer: the connection stays idle meanwhile, for a
 * client's round trip on a busy server and until the next timer on a
 * quiet one (2 s; make bench queued_request).  A timer due at once makes
 * the event loop come round again straight away.
 */
extern u_int32_t	pgsql_queue_count;

static int	db_kick_pending;

static void
db_kick_done(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	db_kick_pending = 0;
}

enum db_status
db_run(struct db_call *call, enum db_query q, const char **params,
    db_reader reader, void *arg)
{
	u_int32_t	waiting = pgsql_queue_count;
	enum db_status	rc;

	rc = db_step(call, q, params, reader, arg);
	if (pgsql_queue_count < waiting && !db_kick_pending) {
		db_kick_pending = 1;
		kore_timer_add(db_kick_done, 0, NULL, KORE_TIMER_ONESHOT);
	}
	return (rc);
}
