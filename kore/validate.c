/*
 * Kore's parameter validators (conf/dev.conf).  Kore drops an argument
 * that fails one; the handlers check every field precisely and answer
 * with a message, so these only bound size and alphabet.  They are C,
 * not regexes: glibc's matcher on a bounded repeat such as ^.{0,500}$
 * cost more than the rest of Kore's work on an officer's command.
 * v_len* count bytes (identifiers, codes, e-mail addresses); v_chars*
 * count characters as the database does, for what people write in their
 * own language (names, addresses, reasons): a handler's buffer for one
 * is FORM_CHARS_BUFSZ() of the bound.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include <ctype.h>

#include "form.h"

int	v_len200(struct http_request *, const void *);
int	v_len512(struct http_request *, const void *);
int	v_chars200(struct http_request *, const void *);
int	v_chars300(struct http_request *, const void *);
int	v_chars500(struct http_request *, const void *);
int	v_any(struct http_request *, const void *);
int	v_token_fn(struct http_request *, const void *);
int	v_permit_fn(struct http_request *, const void *);
int	v_b64_fn(struct http_request *, const void *);

#define V_TOKEN_MAX	64
#define V_PERMIT_MAX	600

static int
v_len(const void *data, size_t max)
{
	return (strlen(data) <= max ? KORE_RESULT_OK : KORE_RESULT_ERROR);
}

int
v_len200(struct http_request *req, const void *data)
{
	return (v_len(data, 200));
}

int
v_len512(struct http_request *req, const void *data)
{
	return (v_len(data, 512));
}

static int
v_chars(const void *data, size_t max)
{
	return (form_chars(data) <= max ? KORE_RESULT_OK : KORE_RESULT_ERROR);
}

int
v_chars200(struct http_request *req, const void *data)
{
	return (v_chars(data, 200));
}

int
v_chars300(struct http_request *req, const void *data)
{
	return (v_chars(data, 300));
}

int
v_chars500(struct http_request *req, const void *data)
{
	return (v_chars(data, 500));
}

/* Interview notes: the handler bounds and checks them. */
int
v_any(struct http_request *req, const void *data)
{
	return (KORE_RESULT_OK);
}

/* [A-Za-z0-9_-]{1,64}: session, CSRF and idempotency tokens. */
int
v_token_fn(struct http_request *req, const void *data)
{
	size_t	n = strlen(data);

	return (n >= 1 && n <= V_TOKEN_MAX && strspn(data,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
	    == n ? KORE_RESULT_OK : KORE_RESULT_ERROR);
}

/* A pasted permit token: printable ASCII and white space, 600 bytes. */
int
v_permit_fn(struct http_request *req, const void *data)
{
	const unsigned char	*p;

	if (strlen(data) > V_PERMIT_MAX)
		return (KORE_RESULT_ERROR);
	for (p = data; *p != '\0'; p++) {
		if (!isprint(*p) && !isspace(*p))
			return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/* A finger template: base64 and white space. */
int
v_b64_fn(struct http_request *req, const void *data)
{
	return (strspn(data, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/= \t\r\n\v\f") == strlen(data) ? KORE_RESULT_OK :
	    KORE_RESULT_ERROR);
}
