/*
 * Mail delivery.  Every worker runs one: a timer claims queued mails
 * (mail_claim: lease, SKIP LOCKED), a task thread composes them in the
 * recipient's language and sends them over SMTP, and mail_report records
 * what happened.  A worker that dies leaves leases that expire; SMTP may
 * then deliver a mail twice, which is the protocol's own limit.
 */
#include <kore/kore.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "db.h"
#include "mail.h"
#include "pgarr.h"

#define MAILD_TICK_MS	500
/*
 * A claim leases its mails for a minute (mail_claim, 0007); a batch
 * whose deliveries all time out must still report before the lease ends,
 * or another worker would send them again.
 */
#define MAILD_LEASE_MS	60000
#define MAILD_BATCH	3
_Static_assert(MAILD_BATCH * MAIL_TIMEOUT_MS < MAILD_LEASE_MS,
    "a batch ends within its lease");

struct maild {
	struct kore_task	 task;	/* first: the thread finds us */
	struct kore_pgsql	 sql;
	int			 busy;
	size_t			 n;
	struct mail		 mail[MAILD_BATCH];
	char			 owner[96];
};

static struct maild	*md;

void		maild_init(void);
static void	maild_tick(void *, u_int64_t);
static void	maild_claim_cb(struct kore_pgsql *, void *);
static void	maild_report(void *, u_int64_t);
static void	maild_report_cb(struct kore_pgsql *, void *);

void
maild_init(void)
{
	char	host[64];

	if (app.settings.smtp_url[0] == '\0') {
		kore_log(LOG_NOTICE, "mail: no smtp_url, mails stay queued");
		return;
	}
	md = kore_calloc(1, sizeof(*md));
	if (gethostname(host, sizeof(host)) == -1)
		(void)kore_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	/* Unique across instances, as the dispatcher's. */
	(void)snprintf(md->owner, sizeof(md->owner), "mail:%s:%d", host,
	    (int)getpid());
	kore_timer_add(maild_tick, MAILD_TICK_MS, NULL, 0);
}

static void
maild_failed(struct kore_pgsql *sql, const char *what, int heal)
{
	db_async_failed(sql, "mail", what, heal);
	md->busy = 0;
}

static int
maild_query(void (*cb)(struct kore_pgsql *, void *), enum db_query q,
    const char **params)
{
	if (db_async_query(&md->sql, cb, "mail", q, params) == -1) {
		md->busy = 0;
		return (-1);
	}
	return (0);
}

static void
maild_claim(void *arg, u_int64_t now)
{
	char		 batch[8];
	const char	*params[2] = { md->owner, batch };

	(void)snprintf(batch, sizeof(batch), "%d", MAILD_BATCH);

	md->busy = 1;
	md->n = 0;
	(void)maild_query(maild_claim_cb, DB_MAIL_CLAIM, params);
}

static void
maild_tick(void *arg, u_int64_t now)
{
	/* Kore may drop a connection without calling us (KORE-4.1.md 3). */
	if (md->busy && md->sql.state == KORE_PGSQL_STATE_ERROR)
		maild_failed(&md->sql, "dropped", 0);
	if (!md->busy)
		maild_claim(NULL, now);
}

static int
maild_thread(struct kore_task *t)
{
	struct maild	*m = (struct maild *)t;
	struct err	 err;
	char		 msg[MAIL_MSG_MAX];
	size_t		 i;

	for (i = 0; i < m->n; i++) {
		if (mail_compose(render_i18n(app.render), &m->mail[i],
		    app.settings.mail_from, app.settings.public_url, msg,
		    sizeof(msg), &err) == -1) {
			m->mail[i].ok = 0;
			(void)snprintf(m->mail[i].error,
			    sizeof(m->mail[i].error), "%.120s", err.msg);
			continue;
		}
		mail_send(app.settings.smtp_url, app.settings.mail_from,
		    &m->mail[i], msg);
		sodium_memzero(msg, sizeof(msg));
	}
	return (KORE_RESULT_OK);
}

static void
maild_sent(struct kore_task *t)
{
	if (kore_task_state(t) != KORE_TASK_STATE_FINISHED)
		return;
	kore_task_destroy(t);
	kore_timer_add(maild_report, 1, NULL, KORE_TIMER_ONESHOT);
}

static void
maild_claim_cb(struct kore_pgsql *sql, void *arg)
{
	struct mail	*m;
	int		 i;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:	/* queued: start over from a timer */
		kore_timer_add(maild_claim, 1, NULL, KORE_TIMER_ONESHOT);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_RESULT:
		for (i = 0; i < kore_pgsql_ntuples(sql) && md->n < MAILD_BATCH;
		    i++) {
			m = &md->mail[md->n++];
			memset(m, 0, sizeof(*m));
			m->id = strtoll(kore_pgsql_getvalue(sql, i, 0), NULL, 10);
#define COPY(dst, col) (void)kore_strlcpy(dst, \
			    kore_pgsql_getvalue(sql, i, col), sizeof(dst))
			COPY(m->to, 1);
			COPY(m->kind, 2);
			COPY(m->lang, 3);
			COPY(m->token, 4);
			COPY(m->reference, 5);
			COPY(m->state, 6);
#undef COPY
		}
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_ERROR:
		maild_failed(sql, "claim", 0);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		if (md->n == 0) {
			md->busy = 0;
			return;
		}
		kore_task_create(&md->task, maild_thread);
		kore_task_bind_callback(&md->task, maild_sent);
		kore_task_run(&md->task);
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}

static void
maild_report(void *arg, u_int64_t now)
{
	struct pgarr	 a[3];
	const char	*params[4];
	char		 id[24];
	size_t		 i, k;
	int		 ok = 1;

	for (k = 0; k < 3; k++)
		pgarr_init(&a[k]);
	for (i = 0; i < md->n; i++) {
		(void)snprintf(id, sizeof(id), "%lld", md->mail[i].id);
		ok &= pgarr_add(&a[0], id) == 0;
		ok &= pgarr_add(&a[1], md->mail[i].ok ? "t" : "f") == 0;
		ok &= pgarr_add(&a[2], md->mail[i].ok ? NULL :
		    md->mail[i].error) == 0;
		if (!md->mail[i].ok)
			kore_log(LOG_NOTICE, "mail %lld: %s", md->mail[i].id,
			    md->mail[i].error);
		sodium_memzero(md->mail[i].token, sizeof(md->mail[i].token));
	}
	params[0] = md->owner;
	for (k = 0; k < 3; k++) {
		if ((params[1 + k] = pgarr_finish(&a[k])) == NULL)
			ok = 0;
	}
	if (!ok)
		md->busy = 0;	/* leases expire; the mails go again */
	else
		(void)maild_query(maild_report_cb, DB_MAIL_REPORT, params);
	for (k = 0; k < 3; k++)
		pgarr_free(&a[k]);
}

static void
maild_report_cb(struct kore_pgsql *sql, void *arg)
{
	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		kore_timer_add(maild_report, 1, NULL, KORE_TIMER_ONESHOT);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_ERROR:
		maild_failed(sql, "report", 0);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		md->busy = 0;
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}
