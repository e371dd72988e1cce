/*
 * Probes for the load balancer and monitoring: /healthz says the process
 * answers, /readyz that it can reach PostgreSQL (503 with Retry-After
 * while it cannot).
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "db.h"

int	health_live(struct http_request *);
int	health_ready(struct http_request *);

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
