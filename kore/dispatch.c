/*
 * The clearance dispatcher.  Every worker of every instance runs one; the
 * database decides who sends what (clr_claim: breaker, token bucket and
 * leases under one row lock, SKIP LOCKED on the outbox), so adding
 * workers or instances never sends a request twice.
 *
 * One batch per worker is in flight, in three phases:
 *
 *	CLAIM	async query clr_claim()		event loop
 *	SEND	clr_send(): XML, libcurl, XSD	task thread (may block)
 *	REPORT	async query clr_report()	event loop
 *
 * A phase that ends starts the next one from a one-shot timer, never from
 * inside a pgsql callback.  A worker that dies mid-send leaves leases that
 * expire; whoever claims the rows again sends the same idempotency keys.
 */
#include <kore/kore.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#include <unistd.h>

#include "app.h"
#include "clr.h"
#include "db.h"
#include "pgarr.h"
#include "xml.h"

#define DISP_STUCK_MS		120000	/* a phase longer than this is reset */
#define DISP_HOUSEKEEPING_MS	10000

enum disp_phase {
	DISP_IDLE,
	DISP_CLAIM,
	DISP_SEND,
	DISP_REPORT
};

struct disp {
	struct kore_task	 task;	/* first: the task entry finds us */
	struct kore_pgsql	 sql;
	struct kore_pgsql	 hk;
	enum disp_phase		 phase;
	int			 hk_busy;
	u_int64_t		 since;
	u_int64_t		 hk_last;
	int			 full;	/* the last claim was a full batch */
	struct clr_conf		 conf;
	struct clr_batch	 batch;
	char			 owner[96];
	char			 batchsz[8];
	char			 lease[16];	/* seconds: outlasts a send */
};

static struct disp	*disp;

void		dispatch_init(void);
static void	disp_tick(void *, u_int64_t);
static void	disp_kick(void *, u_int64_t);
static void	disp_claim(void);
static void	disp_claim_cb(struct kore_pgsql *, void *);
static int	disp_send_task(struct kore_task *);
static void	disp_sent_cb(struct kore_task *);
static void	disp_report(void *, u_int64_t);
static void	disp_report_cb(struct kore_pgsql *, void *);
static void	disp_hk_start(void *, u_int64_t);
static void	disp_hk_cb(struct kore_pgsql *, void *);

void
dispatch_init(void)
{
	struct err	err;
	char		host[64], path[1024];
	int		n;

	if (app.settings.central_url[0] == '\0') {
		kore_log(LOG_NOTICE, "dispatch: no central_url, not sending");
		return;
	}
	disp = kore_calloc(1, sizeof(*disp));
	n = snprintf(path, sizeof(path), "%s/schemas/central-clearance-1.xsd",
	    app.settings.assets);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (disp->conf.schema = xml_schema_load(path, &err)) == NULL)
		fatal("dispatch: %s", err.msg);
	disp->conf.url = app.settings.central_url;
	disp->conf.connect_ms = app.settings.central_connect_ms;
	disp->conf.timeout_ms = app.settings.central_timeout_ms;
	if (gethostname(host, sizeof(host)) == -1)
		(void)kore_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(disp->owner, sizeof(disp->owner), "%s:%d", host,
	    (int)getpid());
	(void)snprintf(disp->batchsz, sizeof(disp->batchsz), "%d",
	    app.settings.central_batch);
	/* libcurl's total timeout, the report after it, and some slack. */
	(void)snprintf(disp->lease, sizeof(disp->lease), "%d",
	    (app.settings.central_timeout_ms + 999) / 1000 + 15);
	kore_timer_add(disp_tick, app.settings.dispatch_ms, NULL, 0);
}

static void
disp_phase(enum disp_phase p)
{
	disp->phase = p;
	disp->since = kore_time_ms();
}

/* The next step runs from the event loop, outside any callback. */
static void
disp_later(void (*fn)(void *, u_int64_t))
{
	kore_timer_add(fn, 1, NULL, KORE_TIMER_ONESHOT);
}

static void
disp_sql_failed(struct kore_pgsql *sql, const char *what, int heal)
{
	db_async_failed(sql, "dispatch", what, heal);
}

static void
disp_tick(void *arg, u_int64_t now)
{
	/*
	 * Kore drops a connection that hung up without calling our
	 * callback (KORE-4.1.md 3): notice it here and start over.
	 */
	if ((disp->phase == DISP_CLAIM || disp->phase == DISP_REPORT) &&
	    disp->sql.state == KORE_PGSQL_STATE_ERROR) {
		disp_sql_failed(&disp->sql, "query dropped", 0);
		disp_phase(DISP_IDLE);
	}
	if (disp->hk_busy && disp->hk.state == KORE_PGSQL_STATE_ERROR) {
		disp_sql_failed(&disp->hk, "housekeeping dropped", 0);
		disp->hk_busy = 0;
	}
	if (disp->phase != DISP_IDLE && disp->phase != DISP_SEND &&
	    now - disp->since > DISP_STUCK_MS) {
		kore_log(LOG_WARNING, "dispatch: phase %d stuck, reset",
		    disp->phase);
		db_async_failed(&disp->sql, "dispatch", "stuck", 0);
		disp_phase(DISP_IDLE);
	}

	if (!disp->hk_busy && now - disp->hk_last >= DISP_HOUSEKEEPING_MS) {
		disp->hk_last = now;
		disp->hk_busy = 1;
		disp_hk_start(NULL, now);
	}

	if (disp->phase == DISP_IDLE)
		disp_claim();
}

static void
disp_kick(void *arg, u_int64_t now)
{
	if (disp->phase == DISP_IDLE)
		disp_claim();
}

static void
disp_claim(void)
{
	const char	*params[3];

	disp_phase(DISP_CLAIM);
	disp->batch.n = 0;
	params[0] = disp->owner;
	params[1] = disp->batchsz;
	params[2] = disp->lease;
	if (db_async_query(&disp->sql, disp_claim_cb, "dispatch", DB_CLR_CLAIM,
	    params) == -1)
		disp_phase(DISP_IDLE);
}

static void
disp_read_claim(struct kore_pgsql *sql)
{
	struct clr_req	*r;
	int		 i, rows;

	rows = kore_pgsql_ntuples(sql);
	for (i = 0; i < rows && disp->batch.n < CLR_BATCH_MAX; i++) {
		r = &disp->batch.req[disp->batch.n++];
		r->outbox_id = strtoll(kore_pgsql_getvalue(sql, i, 0), NULL, 10);
#define COPY(dst, col) \
		(void)kore_strlcpy(dst, kore_pgsql_getvalue(sql, i, col), \
		    sizeof(dst))
		COPY(r->key, 1);
		COPY(r->case_ref, 2);
		COPY(r->passport, 3);
		COPY(r->nationality, 4);
		COPY(r->family_name, 5);
		COPY(r->given_names, 6);
		COPY(r->birth_date, 7);
		COPY(r->permit_kind, 8);
		COPY(r->office, 9);
#undef COPY
	}
}

static void
disp_claim_again(void *arg, u_int64_t now)
{
	disp_claim();
}

/*
 * INIT means Kore's connection queue woke us.  Kore removes the queue
 * entry after this callback returns, so set up again from a timer.
 */
static void
disp_claim_cb(struct kore_pgsql *sql, void *arg)
{
	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		disp_later(disp_claim_again);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_RESULT:
		disp_read_claim(sql);
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_ERROR:
		disp_sql_failed(sql, "claim", 0);
		disp_phase(DISP_IDLE);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		if (disp->batch.n == 0) {
			disp_phase(DISP_IDLE);
			return;
		}
		disp->full = disp->batch.n == (size_t)app.settings.central_batch;
		disp_phase(DISP_SEND);
		kore_task_create(&disp->task, disp_send_task);
		kore_task_bind_callback(&disp->task, disp_sent_cb);
		kore_task_run(&disp->task);
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}

/* Task thread: may block for up to central_timeout_ms. */
static int
disp_send_task(struct kore_task *t)
{
	struct disp	*d = (struct disp *)t;

	clr_send(&d->conf, &d->batch);
	return (KORE_RESULT_OK);
}

static void
disp_sent_cb(struct kore_task *t)
{
	if (kore_task_state(t) != KORE_TASK_STATE_FINISHED)
		return;
	kore_task_destroy(t);
	if (disp->batch.outcome != CLR_OK)
		kore_log(LOG_NOTICE, "dispatch: %zu requests: %s: %s",
		    disp->batch.n, clr_outcome_name(disp->batch.outcome),
		    disp->batch.error);
	disp_phase(DISP_REPORT);
	disp_later(disp_report);
}

static void
disp_report(void *arg, u_int64_t now)
{
	struct clr_batch	*b = &disp->batch;
	struct pgarr		 a[5];
	const char		*params[9];
	char			 id[24], retry[16];
	size_t			 i, k;
	int			 ok;

	for (k = 0; k < 5; k++)
		pgarr_init(&a[k]);
	ok = 1;
	for (i = 0; i < b->n; i++) {
		(void)snprintf(id, sizeof(id), "%lld", b->req[i].outbox_id);
		ok &= pgarr_add(&a[0], id) == 0;
		if (b->outcome != CLR_OK || b->ans[i].verdict == CLR_NONE) {
			for (k = 1; k < 5; k++)
				ok &= pgarr_add(&a[k], NULL) == 0;
			continue;
		}
		ok &= pgarr_add(&a[1], clr_verdict_name(b->ans[i].verdict)) == 0;
		ok &= pgarr_add(&a[2], b->ans[i].reference[0] ?
		    b->ans[i].reference : NULL) == 0;
		ok &= pgarr_add(&a[3], b->ans[i].reason[0] ?
		    b->ans[i].reason : NULL) == 0;
		ok &= pgarr_add(&a[4], b->ans[i].checked_at) == 0;
	}
	(void)snprintf(retry, sizeof(retry), "%d", b->retry_after);
	params[0] = disp->owner;
	params[1] = clr_outcome_name(b->outcome);
	for (k = 0; k < 5; k++) {
		if ((params[2 + k] = pgarr_finish(&a[k])) == NULL)
			ok = 0;
	}
	params[7] = b->error;
	params[8] = retry;
	if (!ok) {
		/* The leases expire and the same keys go again. */
		kore_log(LOG_ERR, "dispatch: out of memory for the report");
		disp_phase(DISP_IDLE);
	} else if (db_async_query(&disp->sql, disp_report_cb, "dispatch",
	    DB_CLR_REPORT, params) == -1) {
		disp_phase(DISP_IDLE);
	}
	for (k = 0; k < 5; k++)
		pgarr_free(&a[k]);
}

static void
disp_report_cb(struct kore_pgsql *sql, void *arg)
{
	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:		/* see disp_claim_cb() */
		disp_later(disp_report);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_ERROR:
		/* Nothing was recorded: the leases expire, keys go again. */
		disp_sql_failed(sql, "report", 0);
		disp_phase(DISP_IDLE);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		disp_phase(DISP_IDLE);
		/* A full batch that went well: there is probably more. */
		if (disp->full && disp->batch.outcome == CLR_OK)
			disp_later(disp_kick);
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}

static void
disp_hk_start(void *arg, u_int64_t now)
{
	if (db_async_query(&disp->hk, disp_hk_cb, "dispatch",
	    DB_CLR_HOUSEKEEPING, NULL) == -1)
		disp->hk_busy = 0;
}

static void
disp_hk_cb(struct kore_pgsql *sql, void *arg)
{
	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:		/* see disp_claim_cb() */
		disp_later(disp_hk_start);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_ERROR:
		disp_sql_failed(sql, "housekeeping", 0);
		disp->hk_busy = 0;
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		disp->hk_busy = 0;
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}
