/*
 * The permit printer.  Every worker runs one: a timer claims an issued
 * permit not yet rendered (permit_render_claim: lease, SKIP LOCKED), a
 * task thread signs its token with the newest permit key, renders the
 * PDF with the holder's photo (opened only here, wiped after) and seals
 * it, and permit_render_done stores the result.  A worker that dies
 * leaves a lease that expires; the permit is then rendered again, with
 * the same number: only the signature's bytes differ.
 *
 * The key file is read for each permit, so `kitasctl keys rotate` takes
 * effect without a restart.
 */
#include <kore/kore.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "db.h"
#include "eitas.h"
#include "i18n.h"
#include "permit.h"
#include "vault.h"

#define PRINTER_TICK_MS	1000

enum { P_ID, P_NUMBER, P_HOLDER, P_NATIONALITY, P_PASSPORT, P_BIRTH,
    P_KIND, P_FROM, P_TO, P_SPONSOR, P_OFFICE, P_ISSUED, P_PHOTO,
    P_PHOTO_AAD, P_NCOLS };

struct printer {
	struct kore_task	 task;	/* first: the thread finds us */
	struct kore_pgsql	 sql;
	int			 busy;
	int			 have;
	char			*col[P_NCOLS];
	/* The task's result. */
	int			 ok;
	char			 kid[8];
	char			 token[PERMIT_TOKEN_MAX];
	char			 aad[64];
	char			 size[16];
	char			*sealed_hex;	/* "\x..." for bytea; malloc'd */
	char			 error[256];	/* why not, for the incident */
	char			 owner[96];
};

static struct printer	*pr;

void		printer_init(void);
static void	printer_tick(void *, u_int64_t);
static void	printer_claim(void *, u_int64_t);
static void	printer_claim_cb(struct kore_pgsql *, void *);
static void	printer_store(void *, u_int64_t);
static void	printer_store_cb(struct kore_pgsql *, void *);
static void	printer_report_failure(void *, u_int64_t);

void
printer_init(void)
{
	char	host[64];

	if (app.settings.permit_keys[0] == '\0' || app.vault == NULL) {
		kore_log(LOG_NOTICE, "printer: no permit_keys or vault_keys, "
		    "issued permits wait to be printed");
		return;
	}
	pr = kore_calloc(1, sizeof(*pr));
	if (gethostname(host, sizeof(host)) == -1)
		(void)kore_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(pr->owner, sizeof(pr->owner), "print:%s:%d", host,
	    (int)getpid());
	kore_timer_add(printer_tick, PRINTER_TICK_MS, NULL, 0);
}

static void
printer_clear(void)
{
	size_t	i;

	for (i = 0; i < P_NCOLS; i++) {
		if (pr->col[i] != NULL)
			sodium_memzero(pr->col[i], strlen(pr->col[i]));
		kore_free(pr->col[i]);
		pr->col[i] = NULL;
	}
	free(pr->sealed_hex);
	pr->sealed_hex = NULL;
	pr->have = 0;
	pr->busy = 0;
}

static void
printer_failed(struct kore_pgsql *sql, const char *what, int heal)
{
	db_async_failed(sql, "printer", what, heal);
	printer_clear();
}

static void
printer_query(void (*cb)(struct kore_pgsql *, void *), enum db_query q,
    const char **params)
{
	if (db_async_query(&pr->sql, cb, "printer", q, params) == -1)
		printer_clear();
}

static void
printer_tick(void *arg, u_int64_t now)
{
	if (pr->busy && pr->sql.state == KORE_PGSQL_STATE_ERROR)
		printer_failed(&pr->sql, "dropped", 0);
	if (!pr->busy)
		printer_claim(NULL, now);
}

static void
printer_claim(void *arg, u_int64_t now)
{
	const char	*params[1] = { pr->owner };

	pr->busy = 1;
	printer_query(printer_claim_cb, DB_PRINT_CLAIM, params);
}

/* Hex from PostgreSQL into malloc'd bytes (task threads use libc's
 * allocator, not Kore's); NULL on anything odd. */
static unsigned char *
unhex(const char *hex, size_t *len)
{
	unsigned char	*b;
	size_t		 n = strlen(hex);

	if (n == 0 || n % 2 != 0)
		return (NULL);
	if ((b = malloc(n / 2)) == NULL)
		return (NULL);
	if (sodium_hex2bin(b, n / 2, hex, n, NULL, len, NULL) != 0 ||
	    *len != n / 2) {
		free(b);
		return (NULL);
	}
	return (b);
}

static int
printer_sign(struct printer *p, struct permit_signer *sg, struct err *err)
{
	struct permit	pm;

	memset(&pm, 0, sizeof(pm));
	if (kore_strlcpy(pm.number, p->col[P_NUMBER], sizeof(pm.number)) >=
	    sizeof(pm.number) ||
	    kore_strlcpy(pm.holder, p->col[P_HOLDER], sizeof(pm.holder)) >=
	    sizeof(pm.holder) ||
	    kore_strlcpy(pm.passport, p->col[P_PASSPORT],
	    sizeof(pm.passport)) >= sizeof(pm.passport) ||
	    kore_strlcpy(pm.nationality, p->col[P_NATIONALITY],
	    sizeof(pm.nationality)) >= sizeof(pm.nationality) ||
	    kore_strlcpy(pm.kind, p->col[P_KIND], sizeof(pm.kind)) >=
	    sizeof(pm.kind)) {
		err_set(err, "a field does not fit the token");
		return (-1);
	}
	if (permit_day_parse(p->col[P_FROM], strlen(p->col[P_FROM]),
	    &pm.valid_from, err) == -1 ||
	    permit_day_parse(p->col[P_TO], strlen(p->col[P_TO]),
	    &pm.valid_to, err) == -1)
		return (-1);
	(void)snprintf(p->kid, sizeof(p->kid), "%u", sg->kid);
	return (permit_token_make(&pm, sg->kid, sg->sk, p->token,
	    sizeof(p->token), err));
}

/*
 * The catalogue names a kind "Remote worker (E33G)"; the permit prints
 * the code once, before both names.
 */
static void
printer_kind_name(const struct i18n *cat, enum lang lang, const char *key,
    char *buf, size_t sz)
{
	char	*paren;

	(void)snprintf(buf, sz, "%s", i18n_get(cat, lang, key));
	if ((paren = strstr(buf, " (")) != NULL &&
	    buf[strlen(buf) - 1] == ')')
		*paren = '\0';
}

/* Runs in a task thread: sign, render, seal.  p->ok tells the outcome. */
static int
printer_thread(struct kore_task *t)
{
	struct printer		*p = (struct printer *)t;
	struct permit_signer	*sg = NULL;
	struct eitas		 e;
	struct err		 err;
	const struct i18n	*cat = render_i18n(app.render);
	unsigned char		*sealed_photo = NULL, *photo = NULL;
	unsigned char		*pdf = NULL, *sealed = NULL;
	size_t			 sealed_photolen = 0, photolen = 0, pdflen = 0;
	size_t			 sealedlen = 0, hexlen;
	char			 kindkey[24], kind_id[128], kind_en[128];

	p->ok = 0;
	err.msg[0] = '\0';
	if ((sg = permit_signer_load(app.settings.permit_keys, &err)) == NULL)
		goto out;
	if (printer_sign(p, sg, &err) == -1)
		goto out;

	if (p->col[P_PHOTO][0] != '\0') {
		if ((sealed_photo = unhex(p->col[P_PHOTO],
		    &sealed_photolen)) == NULL) {
			err_set(&err, "photo: not hex");
			goto out;
		}
		if (vault_open(app.vault, sealed_photo, sealed_photolen,
		    p->col[P_PHOTO_AAD], strlen(p->col[P_PHOTO_AAD]), &photo,
		    &photolen, &err) == -1)
			goto out;
	}

	(void)snprintf(kindkey, sizeof(kindkey), "kind.%s", p->col[P_KIND]);
	printer_kind_name(cat, LANG_ID, kindkey, kind_id, sizeof(kind_id));
	printer_kind_name(cat, LANG_EN, kindkey, kind_en, sizeof(kind_en));
	memset(&e, 0, sizeof(e));
	e.number = p->col[P_NUMBER];
	e.holder = p->col[P_HOLDER];
	e.nationality = p->col[P_NATIONALITY];
	e.passport = p->col[P_PASSPORT];
	e.birth_date = p->col[P_BIRTH];
	e.kind = p->col[P_KIND];
	e.kind_id = kind_id;
	e.kind_en = kind_en;
	e.valid_from = p->col[P_FROM];
	e.valid_to = p->col[P_TO];
	e.sponsor = p->col[P_SPONSOR];
	e.office = p->col[P_OFFICE];
	e.issued = p->col[P_ISSUED];
	e.token = p->token;
	e.photo = photo;
	e.photolen = photolen;
	e.cat = cat;
	if (eitas_render(&e, app.settings.permit_font,
	    app.settings.permit_font_bold, &pdf, &pdflen, &err) == -1)
		goto out;

	(void)snprintf(p->aad, sizeof(p->aad), "permit:%s", p->col[P_NUMBER]);
	if (vault_seal(app.vault, pdf, pdflen, p->aad, strlen(p->aad),
	    &sealed, &sealedlen, &err) == -1)
		goto out;
	hexlen = 2 + sealedlen * 2 + 1;
	if ((p->sealed_hex = malloc(hexlen)) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	p->sealed_hex[0] = '\\';
	p->sealed_hex[1] = 'x';
	(void)sodium_bin2hex(p->sealed_hex + 2, hexlen - 2, sealed, sealedlen);
	(void)snprintf(p->size, sizeof(p->size), "%zu", pdflen);
	p->ok = 1;
out:
	if (!p->ok) {
		kore_log(LOG_ERR, "printer: %s: %s", p->col[P_NUMBER], err.msg);
		(void)snprintf(p->error, sizeof(p->error), "%s", err.msg);
	}
	permit_signer_free(sg);
	vault_plain_free(photo, photolen);
	free(sealed_photo);
	free(pdf);
	free(sealed);
	return (KORE_RESULT_OK);
}

static void
printer_rendered(struct kore_task *t)
{
	if (kore_task_state(t) != KORE_TASK_STATE_FINISHED)
		return;
	kore_task_destroy(t);
	kore_timer_add(pr->ok ? printer_store : printer_report_failure, 1,
	    NULL, KORE_TIMER_ONESHOT);
}

static void
printer_claim_cb(struct kore_pgsql *sql, void *arg)
{
	int	i;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		kore_timer_add(printer_claim, 1, NULL, KORE_TIMER_ONESHOT);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_RESULT:
		if (kore_pgsql_ntuples(sql) == 1 && !pr->have) {
			for (i = 0; i < P_NCOLS; i++)
				pr->col[i] = kore_strdup(
				    kore_pgsql_getvalue(sql, 0, i));
			pr->have = 1;
		}
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_ERROR:
		printer_failed(sql, "claim", 0);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		if (!pr->have) {
			pr->busy = 0;
			return;
		}
		kore_task_create(&pr->task, printer_thread);
		kore_task_bind_callback(&pr->task, printer_rendered);
		kore_task_run(&pr->task);
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}

static void
printer_store(void *arg, u_int64_t now)
{
	const char	*params[7] = { pr->owner, pr->col[P_ID], pr->kid,
			    pr->token, pr->sealed_hex, pr->aad, pr->size };

	printer_query(printer_store_cb, DB_PRINT_DONE, params);
}

/* Tried again later with a growing delay; the last try opens an incident. */
static void
printer_report_failure(void *arg, u_int64_t now)
{
	const char	*params[3] = { pr->owner, pr->col[P_ID], pr->error };

	printer_query(printer_store_cb, DB_PRINT_FAILED, params);
}

static void
printer_store_cb(struct kore_pgsql *sql, void *arg)
{
	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		kore_timer_add(pr->ok ? printer_store : printer_report_failure,
		    1, NULL, KORE_TIMER_ONESHOT);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_RESULT:
		if (pr->ok)
			kore_log(LOG_NOTICE, "printer: %s %s",
			    pr->col[P_NUMBER],
			    kore_pgsql_getvalue(sql, 0, 0)[0] == 't' ?
			    "printed" : "lease lost, not stored");
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_ERROR:
		printer_failed(sql, "store", 0);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		printer_clear();
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}
