/*
 * Probes for the load balancer and monitoring: /healthz says the process
 * answers, /readyz that it can reach PostgreSQL (503 with Retry-After
 * while it cannot), /metrics the numbers in Prometheus text format.
 * nginx does not expose these outside the office network (conf/).
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "db.h"

int	health_live(struct http_request *);
int	health_ready(struct http_request *);
int	health_metrics(struct http_request *);

struct health_metrics {
	struct db_call	 db;
	char		*text;		/* kore_strdup'd, freed by the handler */
};

static void
health_text(struct http_request *req, int status, const char *body)
{
	http_response_header(req, "content-type", "text/plain; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, status, body, strlen(body));
}

int
health_live(struct http_request *req)
{
	health_text(req, HTTP_STATUS_OK, "ok\n");
	return (KORE_RESULT_OK);
}

int
health_ready(struct http_request *req)
{
	struct db_call	*call;

	if (!http_state_exists(req)) {
		call = http_state_create(req, sizeof(*call), NULL);
		db_call_init(call, req);
	}
	call = http_state_get(req);

	switch (db_run(call, DB_READY, NULL, NULL, NULL)) {
	case DB_WAIT:
		return (KORE_RESULT_RETRY);
	case DB_FAILED:
	case DB_BAD_TEXT:	/* no parameters: cannot happen */
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		health_text(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "database unreachable\n");
		return (KORE_RESULT_OK);
	case DB_DONE:
		break;
	}
	health_text(req, HTTP_STATUS_OK, "ready\n");
	return (KORE_RESULT_OK);
}

static int
health_read_metrics(struct kore_pgsql *sql, void *arg)
{
	struct health_metrics	*st = arg;

	if (kore_pgsql_ntuples(sql) != 1 || st->text != NULL)
		return (-1);
	st->text = kore_strdup(kore_pgsql_getvalue(sql, 0, 0));
	return (0);
}

int
health_metrics(struct http_request *req)
{
	struct health_metrics	*st;
	enum db_status		 rc;

	if (!http_state_exists(req)) {
		st = http_state_create(req, sizeof(*st), NULL);
		st->text = NULL;
		db_call_init(&st->db, req);
	}
	st = http_state_get(req);

	if ((rc = db_run(&st->db, DB_METRICS, NULL, health_read_metrics,
	    st)) == DB_WAIT)
		return (KORE_RESULT_RETRY);
	if (rc != DB_DONE) {
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		health_text(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "database unreachable\n");
	} else {
		http_response_header(req, "content-type",
		    "text/plain; version=0.0.4; charset=utf-8");
		http_response_header(req, "cache-control", "no-store");
		http_response(req, HTTP_STATUS_OK, st->text, strlen(st->text));
	}
	kore_free(st->text);
	st->text = NULL;
	return (KORE_RESULT_OK);
}
