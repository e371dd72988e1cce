/*
 * Biometrics and interview at the counter (step paid), from the back
 * office's case page: the facial photo (/office/case/REF/photo), the ten
 * fingers as the capture device gives them (/office/case/REF/fingers)
 * and the interview notes (/office/case/REF/interview).  What the
 * applicant's face, hands and words give is sealed with the vault in a
 * task thread, never on the event loop (the photo is checked there too:
 * a PNG is decoded whole), and only sealed bytes reach the database,
 * whose functions decide who may record what, and when.  After a change
 * the browser goes back to the case page (POST, redirect, GET); a
 * refusal shows the case page with a message and stores nothing.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include <sodium.h>

#include "app.h"
#include "auth.h"
#include "eitas.h"
#include "page.h"
#include "pgarr.h"
#include "photo.h"
#include "ref.h"
#include "staff.h"
#include "vault.h"

int	biometrics_photo(struct http_request *);
int	biometrics_fingers(struct http_request *);
int	biometrics_interview(struct http_request *);

#define BIO_XML_MAX		(512 * 1024)	/* the case page model */
#define BIO_FINGERS		10	/* ISO/IEC 19794-2 positions 1..10 */
#define BIO_TEMPLATE_MAX	8192	/* bytes of one finger's template */
#define BIO_NOTES_MAX		2000	/* characters of interview notes */
#define BIO_NOTES_BYTES		(BIO_NOTES_MAX * 4)	/* in UTF-8 */
#define BIO_PARAMS		8
#define BIO_ARRAYS		6	/* office_fingerprints()'s arrays */

/* A phase after staff.c's: the task thread is checking and sealing. */
#define BIO_SEAL		(STAFF_LOAD + 1)

enum bio_result {
	BIO_SEALED = 1,
	BIO_REFUSED,		/* the photo is not one we print */
	BIO_FAILED		/* the vault failed; logged */
};

struct bio_item {
	unsigned char	*plain;		/* kore_malloc'd; wiped after use */
	size_t		 len;
	char		 aad[96];
	unsigned char	*blob;		/* vault_seal()'s; free() */
	size_t		 bloblen;
};

struct bio_seal {
	struct kore_task	 task;		/* first: the thread finds us */
	int			 started;
	int			 photo;		/* item[0] is a photo to check */
	int			 n;		/* items in use */
	struct bio_item		 item[BIO_FINGERS];
	enum photo_type		 type;
	int			 result;	/* enum bio_result */
	struct err		 err;
};

/* One row of the fingers form that was filled in. */
struct bio_finger {
	char	position[4];
	char	quality[4];
	char	exception[16];
	char	note[256];
	int	item;			/* in seal.item, -1: an exception */
};

struct bio {
	struct staff		 st;	/* first: staff.c's part */
	char			 ref[REF_BUFSZ];
	enum db_query		 query;
	const char		*params[BIO_PARAMS];
	int			 lengths[BIO_PARAMS];
	int			 formats[BIO_PARAMS];
	char			 size[16];
	struct bio_finger	 finger[BIO_FINGERS];
	int			 nfingers;
	struct pgarr		 arr[BIO_ARRAYS];
	struct bio_seal		 seal;
};

static void
bio_free(struct http_request *req)
{
	struct bio	*b = http_state_get(req);
	int		 i;

	if (b == NULL || page_tasks_running(req))
		return;
	kore_free(b->st.text);
	b->st.text = NULL;
	for (i = 0; i < BIO_FINGERS; i++) {
		if (b->seal.item[i].plain != NULL) {
			sodium_memzero(b->seal.item[i].plain,
			    b->seal.item[i].len);
			kore_free(b->seal.item[i].plain);
			b->seal.item[i].plain = NULL;
		}
		free(b->seal.item[i].blob);
		b->seal.item[i].blob = NULL;
	}
	for (i = 0; i < BIO_ARRAYS; i++)
		pgarr_free(&b->arr[i]);
}

/*
 * Like staff_state(), but every form here is multipart (the photo is a
 * file), and the state holds plaintext that bio_free() wipes.
 */
static struct bio *
bio_state(struct http_request *req)
{
	struct bio	*b;
	int		 i;

	if (!http_state_exists(req)) {
		b = http_state_create(req, sizeof(*b), bio_free);
		memset(b, 0, sizeof(*b));
		for (i = 0; i < BIO_ARRAYS; i++)
			pgarr_init(&b->arr[i]);
		http_populate_multipart_form(req);
		b->st.lang = page_lang(req);
		b->st.status = HTTP_STATUS_OK;
		b->st.max = BIO_XML_MAX;
	}
	return (http_state_get(req));
}

/* The reference in /office/case/REF/..., and the session; 0 or -1. */
static int
bio_path_ref(struct http_request *req, struct bio *b)
{
	if (staff_path_ref(req, b->ref, sizeof(b->ref)) == NULL)
		return (-1);
	b->params[0] = b->st.sess.token_hash;
	b->params[1] = b->ref;
	return (0);
}

/*
 * An aad naming the case, the slot (and the finger, pos > 0) and this
 * upload, as the database function expects it; 0 or -1.
 */
static int
bio_aad(struct bio *b, struct bio_item *it, const char *slot, int pos)
{
	char	nonce[AUTH_TOKEN_BUFSZ];
	int	n;

	auth_token(nonce);
	if (pos > 0)
		n = snprintf(it->aad, sizeof(it->aad), "%s:%s:%d:%s", slot,
		    b->ref, pos, nonce);
	else
		n = snprintf(it->aad, sizeof(it->aad), "%s:%s:%s", slot,
		    b->ref, nonce);
	return (n < 0 || (size_t)n >= sizeof(it->aad) ? -1 : 0);
}

/* A form value in Kore's copy (valid until the request ends), or NULL. */
static char *
bio_value(struct http_request *req, const char *name)
{
	char	*v = NULL;

	if (!http_argument_get_string(req, name, &v))
		return (NULL);
	return (v);
}

/*
 * Wipe a taken value in Kore's copy: personal data then stays in one
 * place (ours, wiped by the task and bio_free()).
 */
static void
bio_wipe(char *v)
{
	if (v != NULL)
		sodium_memzero(v, strlen(v));
}

/* The photo file: bounded, read; checked in the task.  NULL or a key. */
static const char *
bio_take_photo(struct http_request *req, struct bio *b)
{
	struct http_file	*file;
	struct bio_item		*it = &b->seal.item[0];
	size_t			 max, got;
	ssize_t			 r;

	/* What the printer accepts (eitas.c), within the upload limit. */
	max = (size_t)app.settings.upload_max;
	if (max > EITAS_PHOTO_MAX)
		max = EITAS_PHOTO_MAX;
	if ((file = http_file_lookup(req, "photo")) == NULL ||
	    file->length == 0)
		return ("office.bio.err.no_photo");
	if (file->length > max)
		return ("office.bio.err.too_big");
	it->len = file->length;
	it->plain = kore_malloc(file->length);
	for (got = 0; got < file->length; got += (size_t)r) {
		r = http_file_read(file, it->plain + got, file->length - got);
		if (r <= 0)
			return ("office.bio.err.no_photo");
	}
	if (bio_aad(b, it, "biometric-photo", 0) == -1)
		return ("office.err.invalid");
	(void)snprintf(b->size, sizeof(b->size), "%zu", it->len);
	b->seal.photo = 1;
	b->seal.n = 1;
	b->query = DB_BIO_PHOTO;
	return (NULL);
}

/*
 * One row of the fingers form: a quality and a template (base64, as the
 * capture device exports it), or an exception with its note.  0 when
 * the row is empty, 1 taken, or -1 with *bad set.
 */
static int
bio_take_finger(struct http_request *req, struct bio *b, int pos,
    const char **bad)
{
	struct bio_finger	*f = &b->finger[b->nfingers];
	struct bio_item		*it;
	char			 name[8];
	char			*tmpl;
	size_t			 len;

	(void)snprintf(name, sizeof(name), "q%d", pos);
	staff_arg(req, name, f->quality, sizeof(f->quality));
	(void)snprintf(name, sizeof(name), "x%d", pos);
	staff_arg(req, name, f->exception, sizeof(f->exception));
	(void)snprintf(name, sizeof(name), "n%d", pos);
	staff_arg(req, name, f->note, sizeof(f->note));
	(void)snprintf(name, sizeof(name), "t%d", pos);
	tmpl = bio_value(req, name);
	if (tmpl != NULL && tmpl[0] == '\0')
		tmpl = NULL;
	(void)snprintf(f->position, sizeof(f->position), "%d", pos);
	*bad = "office.bio.err.finger";
	if (f->exception[0] != '\0') {
		/* An exception: nothing captured; the database checks it. */
		if (f->quality[0] != '\0' || tmpl != NULL ||
		    strspn(f->exception, "abcdefghijklmnopqrstuvwxyz") !=
		    strlen(f->exception))
			return (-1);
		f->item = -1;
		b->nfingers++;
		return (1);
	}
	if (f->quality[0] == '\0' && tmpl == NULL)
		return (0);
	if (f->quality[0] == '\0' || tmpl == NULL ||
	    strspn(f->quality, "0123456789") != strlen(f->quality) ||
	    atoi(f->quality) > 100)
		return (-1);
	it = &b->seal.item[b->seal.n];
	it->plain = kore_malloc(BIO_TEMPLATE_MAX);
	if (sodium_base642bin(it->plain, BIO_TEMPLATE_MAX, tmpl, strlen(tmpl),
	    " \t\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len == 0) {
		sodium_memzero(it->plain, BIO_TEMPLATE_MAX);
		*bad = "office.bio.err.template";
		return (-1);
	}
	it->len = len;
	/* The position is in the aad: a template cannot change finger. */
	if (bio_aad(b, it, "fingerprint", pos) == -1)
		return (-1);
	f->item = b->seal.n++;
	b->nfingers++;
	return (1);
}

static const char *
bio_take_fingers(struct http_request *req, struct bio *b)
{
	const char	*bad = NULL;
	char		 name[8];
	int		 pos, r = 0;

	for (pos = 1; pos <= BIO_FINGERS && r != -1; pos++)
		r = bio_take_finger(req, b, pos, &bad);
	/* Taken or refused, no template stays in Kore's copy. */
	for (pos = 1; pos <= BIO_FINGERS; pos++) {
		(void)snprintf(name, sizeof(name), "t%d", pos);
		bio_wipe(bio_value(req, name));
	}
	if (r == -1)
		return (bad);
	if (b->nfingers == 0)
		return ("office.bio.err.no_fingers");
	b->query = DB_BIO_FINGERS;
	return (NULL);
}

static const char *
bio_take_interview(struct http_request *req, struct bio *b)
{
	struct bio_item	*it = &b->seal.item[0];
	char		*notes;
	size_t		 i, len, chars;

	if ((notes = bio_value(req, "notes")) == NULL)
		return ("office.bio.err.notes");
	len = strlen(notes);
	/* Characters, not bytes: count all but UTF-8 continuation bytes. */
	for (i = 0, chars = 0; i < len; i++)
		if (((unsigned char)notes[i] & 0xc0) != 0x80)
			chars++;
	if (len == 0 || len > BIO_NOTES_BYTES || chars > BIO_NOTES_MAX ||
	    strspn(notes, " \t\r\n") == len) {
		bio_wipe(notes);
		return ("office.bio.err.notes");
	}
	it->len = len;
	it->plain = kore_malloc(len);
	memcpy(it->plain, notes, len);
	bio_wipe(notes);
	if (bio_aad(b, it, "interview", 0) == -1)
		return ("office.err.invalid");
	b->seal.n = 1;
	b->query = DB_BIO_INTERVIEW;
	return (NULL);
}

/* Task thread: check the photo, seal every item, wipe the plaintext. */
static int
bio_seal_task(struct kore_task *t)
{
	struct bio_seal	*s = (struct bio_seal *)t;
	struct bio_item	*it;
	int		 i;

	s->result = BIO_SEALED;
	if (s->photo && photo_check(s->item[0].plain, s->item[0].len,
	    s->item[0].len, EITAS_PHOTO_DIM_MAX, &s->type, &s->err) == -1)
		s->result = BIO_REFUSED;
	for (i = 0; i < s->n && s->result == BIO_SEALED; i++) {
		it = &s->item[i];
		if (vault_seal(app.vault, it->plain, it->len, it->aad,
		    strlen(it->aad), &it->blob, &it->bloblen, &s->err) == -1)
			s->result = BIO_FAILED;
	}
	for (i = 0; i < s->n; i++)
		sodium_memzero(s->item[i].plain, s->item[i].len);
	return (KORE_RESULT_OK);
}

/* A sealed blob as a bytea[] element: "\x" and hex; 0 or -1. */
static int
bio_add_hex(struct pgarr *a, const struct bio_item *it)
{
	char	*hex;
	size_t	 n = it->bloblen * 2 + 3;
	int	 rc;

	hex = kore_malloc(n);
	hex[0] = '\\';
	hex[1] = 'x';
	(void)sodium_bin2hex(hex + 2, n - 2, it->blob, it->bloblen);
	rc = pgarr_add(a, hex);
	kore_free(hex);
	return (rc);
}

/* The query's parameters after sealing; 0, or -1 (out of memory). */
static int
bio_params(struct bio *b)
{
	struct bio_finger	*f;
	int			 i, j;

	switch (b->query) {
	case DB_BIO_PHOTO:
	case DB_BIO_INTERVIEW:
		b->params[2] = (const char *)b->seal.item[0].blob;
		b->lengths[2] = (int)b->seal.item[0].bloblen;
		b->formats[2] = 1;
		b->params[3] = b->seal.item[0].aad;
		b->params[4] = b->seal.type == PHOTO_PNG ? "image/png" :
		    "image/jpeg";
		b->params[5] = b->size;
		b->st.db.lengths = b->lengths;
		b->st.db.formats = b->formats;
		return (0);
	default:
		break;
	}
	for (i = 0; i < b->nfingers; i++) {
		f = &b->finger[i];
		if (pgarr_add(&b->arr[0], f->position) == -1 ||
		    pgarr_add(&b->arr[1], f->item == -1 ? NULL :
		    f->quality) == -1 ||
		    pgarr_add(&b->arr[2], f->item == -1 ? f->exception :
		    NULL) == -1 ||
		    pgarr_add(&b->arr[3], f->item == -1 && f->note[0] != '\0' ?
		    f->note : NULL) == -1 ||
		    (f->item == -1 ? pgarr_add(&b->arr[4], NULL) :
		    bio_add_hex(&b->arr[4], &b->seal.item[f->item])) == -1 ||
		    pgarr_add(&b->arr[5], f->item == -1 ? NULL :
		    b->seal.item[f->item].aad) == -1)
			return (-1);
	}
	for (j = 0; j < BIO_ARRAYS; j++)
		if ((b->params[2 + j] = pgarr_finish(&b->arr[j])) == NULL)
			return (-1);
	return (0);
}

/* The case page with the notice set (after a refusal). */
static int
bio_show(struct http_request *req, struct bio *b)
{
	int	rc;

	if (b->st.phase != STAFF_LOAD) {
		kore_free(b->st.text);
		b->st.text = NULL;
		db_call_init(&b->st.db, req);
		b->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &b->st, DB_OFFICE_CASE, b->params,
	    &rc) != 0)
		return (rc);
	return (staff_render(req, &b->st, "office-case"));
}

static void
bio_fail(struct bio *b, const char *code)
{
	static const struct page_code map[] = {
		{ "invalid_input", "office.err.invalid",
		    HTTP_STATUS_BAD_REQUEST },
		{ "forbidden", "office.err.forbidden", HTTP_STATUS_FORBIDDEN },
	};

	staff_fail(&b->st, map, sizeof(map) / sizeof(map[0]), code);
}

/* Start the task, or wait for it: -1 return RETRY, 0 it is done. */
static int
bio_seal_wait(struct http_request *req, struct bio *b)
{
	if (!b->seal.started) {
		b->seal.started = 1;
		kore_task_create(&b->seal.task, bio_seal_task);
		kore_task_bind_request(&b->seal.task, req);
		kore_task_run(&b->seal.task);
		return (-1);
	}
	if (kore_task_state(&b->seal.task) != KORE_TASK_STATE_FINISHED) {
		http_request_sleep(req);
		return (-1);
	}
	kore_task_destroy(&b->seal.task);
	return (0);
}

/*
 * What the three handlers share: session and CSRF, the case reference,
 * the form taken by take() (NULL, or the catalogue key of what is
 * wrong), sealing in the task, the database function, the answer.
 */
static int
bio_handle(struct http_request *req,
    const char *(*take)(struct http_request *, struct bio *))
{
	struct bio	*b = bio_state(req);
	const char	*bad;
	char		 loc[64];
	int		 rc;

	if (staff_begin_or_reply(req, &b->st, &rc) != 0)
		return (rc);
	if (b->st.phase == STAFF_CHECK) {
		if (bio_path_ref(req, b) == -1)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    b->st.lang, "error.not_found"));
		if (app.vault == NULL) {
			kore_log(LOG_ERR, "%s: no vault_keys: biometrics "
			    "refused", __func__);
			return (page_unavailable(req, b->st.lang));
		}
		if ((bad = take(req, b)) != NULL) {
			b->st.notice = bad;
			b->st.status = HTTP_STATUS_BAD_REQUEST;
			return (bio_show(req, b));
		}
		b->st.phase = BIO_SEAL;
	}
	if (b->st.phase == BIO_SEAL) {
		if (bio_seal_wait(req, b) == -1)
			return (KORE_RESULT_RETRY);
		if (b->seal.result == BIO_REFUSED) {
			kore_log(LOG_NOTICE, "%s: %s: %s", __func__, b->ref,
			    b->seal.err.msg);
			b->st.notice = "office.bio.err.photo";
			b->st.status = HTTP_STATUS_BAD_REQUEST;
			return (bio_show(req, b));
		}
		if (b->seal.result != BIO_SEALED) {
			kore_log(LOG_ERR, "%s: %s: %s", __func__, b->ref,
			    b->seal.err.msg);
			http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
			return (KORE_RESULT_OK);
		}
		db_call_init(&b->st.db, req);
		if (bio_params(b) == -1) {
			kore_log(LOG_ERR, "%s: out of memory", __func__);
			http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
			return (KORE_RESULT_OK);
		}
		b->st.phase = STAFF_ACTION;
	}
	if (b->st.phase == STAFF_ACTION) {
		if (staff_db_or_reply(req, &b->st, b->query, b->params,
		    &rc) != 0)
			return (rc);
		if (b->st.text != NULL && strcmp(b->st.text, "ok") == 0) {
			(void)snprintf(loc, sizeof(loc), STAFF_CASE_PREFIX "%s",
			    b->ref);
			return (staff_redirect(req, loc));
		}
		if (b->st.text != NULL && strcmp(b->st.text, "not_found") == 0)
			return (page_error(req, HTTP_STATUS_NOT_FOUND,
			    b->st.lang, "error.not_found"));
		bio_fail(b, b->st.text != NULL ? b->st.text : "");
	}
	return (bio_show(req, b));
}

int
biometrics_photo(struct http_request *req)
{
	return (bio_handle(req, bio_take_photo));
}

int
biometrics_fingers(struct http_request *req)
{
	return (bio_handle(req, bio_take_fingers));
}

int
biometrics_interview(struct http_request *req)
{
	return (bio_handle(req, bio_take_interview));
}
