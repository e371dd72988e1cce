#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "app.h"
#include "db.h"

static const struct {
	const char	*name;
	const char	*sql;
	int		 nparams;
} db_queries[DB_QUERY_COUNT] = {
	[DB_READY] = { "ready", "SELECT 1", 0 },
	[DB_CASE_STATUS] = { "case_status",
	    "SELECT reference, state, "
	    "to_char(state_since AT TIME ZONE office_timezone, "
	    "'YYYY-MM-DD\"T\"HH24:MI'), office_code, office_name "
	    "FROM case_public_status($1, $2)", 2 },
};

void
db_call_init(struct db_call *call, struct http_request *req)
{
	kore_pgsql_init(&call->sql);
	kore_pgsql_bind_request(&call->sql, req);
	call->failed = 0;
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

static enum db_status
db_fail(struct db_call *call, enum db_query q)
{
	kore_log(LOG_NOTICE, "db %s: %s", db_queries[q].name,
	    call->sql.error != NULL ? call->sql.error : "failed");
	db_heal(&call->sql);
	kore_pgsql_cleanup(&call->sql);
	call->failed = 1;
	return (DB_FAILED);
}

enum db_status
db_run(struct db_call *call, enum db_query q, const char **params,
    db_reader reader, void *arg)
{
	struct kore_pgsql	*sql = &call->sql;

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
				return (db_fail(call, q));
			}
			if (!kore_pgsql_query_param_fields(sql,
			    db_queries[q].sql, 0, db_queries[q].nparams,
			    params, NULL, NULL))
				return (db_fail(call, q));
			return (DB_WAIT);
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
			return (db_fail(call, q));
		case KORE_PGSQL_STATE_COMPLETE:
			kore_pgsql_cleanup(sql);
			return (call->failed ? DB_FAILED : DB_DONE);
		default:
			kore_pgsql_continue(sql);
			break;
		}
	}
}
