/*
 * The signed revocation list (see permit.h): written and signed by the
 * office, loaded and verified against the key list by a verifier.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "permit.h"
#include "permit_int.h"

#define PERMIT_CRL_DOMAIN	"KITAS-PERMIT-CRL"	/* + its NUL */
#define PERMIT_CRL_DOMAIN_LEN	17
#define PERMIT_CRL_HEAD_LINES	4	/* header, issued, next-update, key */
#define PERMIT_CRL_LINE_MAX	(8 + PERMIT_NUMBER_MAX + 1 + \
				    PERMIT_TIME_LEN + 1)
#define PERMIT_CRL_HEAD_MAX	128

_Static_assert(sizeof(PERMIT_CRL_DOMAIN) == PERMIT_CRL_DOMAIN_LEN,
    "CRL domain includes its NUL");
/* So the CRL size sums below cannot overflow. */
_Static_assert((size_t)PERMIT_CRL_ENTRIES_MAX * PERMIT_CRL_LINE_MAX <
    SIZE_MAX / 2, "CRL size");

struct permit_crl {
	time_t			 issued;
	time_t			 next_update;
	struct permit_crl_entry	*e;		/* sorted by number */
	size_t			 n;
};

static int	permit_entry_cmp(const void *, const void *);
static int	permit_crl_head(struct permit_lines *, time_t *, time_t *,
		    uint16_t *, struct err *);
static int	permit_crl_entries(struct permit_lines *, struct permit_crl *,
		    struct err *);

static int
permit_entry_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct permit_crl_entry *)a)->number,
	    ((const struct permit_crl_entry *)b)->number));
}

/* Append with snprintf to b (sz bytes, *len used); -1 if it did not fit. */
static int
permit_add(char *b, size_t sz, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
permit_add(char *b, size_t sz, size_t *len, const char *fmt, ...)
{
	va_list	ap;
	int	w;

	va_start(ap, fmt);
	w = vsnprintf(b + *len, sz - *len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sz - *len)
		return (-1);
	*len += (size_t)w;
	return (0);
}

int
permit_crl_write(time_t issued, time_t next_update, uint16_t kid,
    const unsigned char sk[PERMIT_SK_LEN], const struct permit_crl_entry *e,
    size_t n, char **out, struct err *err)
{
	struct permit_crl_entry	*s = NULL;
	unsigned char		 sig[PERMIT_SIG_LEN];
	char			 t1[PERMIT_TIME_LEN + 1];
	char			 t2[PERMIT_TIME_LEN + 1];
	char			 b64[PERMIT_B64_64 + 1], *b = NULL;
	size_t			 i, sz, len;
	int			 rc = -1;

	*out = NULL;
	if (kid == 0 || next_update <= issued ||
	    permit_time_format(issued, t1, sizeof(t1)) == -1 ||
	    permit_time_format(next_update, t2, sizeof(t2)) == -1) {
		err_set(err, "permit: CRL needs a key id and issued before "
		    "next-update, both in 1970..9999");
		return (-1);
	}
	if (n > PERMIT_CRL_ENTRIES_MAX) {
		err_set(err, "permit: CRL of %zu entries (max %d)", n,
		    PERMIT_CRL_ENTRIES_MAX);
		return (-1);
	}
	/* One more so malloc(0) never happens; n is bounded above. */
	if ((s = calloc(n + 1, sizeof(*s))) == NULL) {
		err_set(err, "permit: out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		s[i] = e[i];
		if (!permit_ascii_ok(s[i].number, strnlen(s[i].number,
		    sizeof(s[i].number)), 1, PERMIT_NUMBER_MAX,
		    permit_number_char) || permit_time_format(s[i].revoked_at,
		    t1, sizeof(t1)) == -1) {
			err_set(err, "permit: CRL entry %zu: bad number or "
			    "time", i);
			goto done;
		}
	}
	qsort(s, n, sizeof(*s), permit_entry_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(s[i - 1].number, s[i].number) == 0) {
			err_set(err, "permit: CRL lists %s twice", s[i].number);
			goto done;
		}
	}
	sz = PERMIT_CRL_DOMAIN_LEN + PERMIT_CRL_HEAD_MAX +
	    n * PERMIT_CRL_LINE_MAX + 4 + PERMIT_B64_64 + 2;
	if ((b = malloc(sz)) == NULL) {
		err_set(err, "permit: out of memory for %zu bytes", sz);
		goto done;
	}
	/* The domain goes first so the signed message is one buffer. */
	memcpy(b, PERMIT_CRL_DOMAIN, PERMIT_CRL_DOMAIN_LEN);
	len = PERMIT_CRL_DOMAIN_LEN;
	(void)permit_time_format(issued, t1, sizeof(t1));
	if (permit_add(b, sz, &len, "%sissued %s\nnext-update %s\nkey %u\n",
	    PERMIT_CRL_HEADER, t1, t2, (unsigned int)kid) == -1)
		goto toolong;
	for (i = 0; i < n; i++) {
		(void)permit_time_format(s[i].revoked_at, t1, sizeof(t1));
		if (permit_add(b, sz, &len, "revoked %s %s\n", s[i].number,
		    t1) == -1)
			goto toolong;
	}
	if (crypto_sign_detached(sig, NULL, (unsigned char *)b, len,
	    sk) != 0) {
		err_set(err, "permit: cannot sign the CRL");
		goto done;
	}
	(void)sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	if (permit_add(b, sz, &len, "sig %s\n", b64) == -1)
		goto toolong;
	memmove(b, b + PERMIT_CRL_DOMAIN_LEN, len - PERMIT_CRL_DOMAIN_LEN + 1);
	*out = b;
	b = NULL;
	rc = 0;
	goto done;
toolong:
	err_set(err, "permit: CRL text outgrew its %zu bytes", sz);
done:
	free(s);
	free(b);
	return (rc);
}

/* The four lines before the entries. */
static int
permit_crl_head(struct permit_lines *l, time_t *issued, time_t *next,
    uint16_t *kid, struct err *err)
{
	struct permit_field	 f[2];
	const char		*s;
	size_t			 len;

	if (permit_next_line(l, &s, &len) == -1 ||
	    len != sizeof(PERMIT_CRL_HEADER) - 2 ||
	    memcmp(s, PERMIT_CRL_HEADER, len) != 0) {
		err_set(err, "permit: CRL does not start with \"%.*s\"",
		    (int)sizeof(PERMIT_CRL_HEADER) - 2, PERMIT_CRL_HEADER);
		return (-1);
	}
	if (permit_next_line(l, &s, &len) == -1 ||
	    permit_split(s, len, f, 2) == -1 || !permit_is(&f[0], "issued") ||
	    permit_time_parse(f[1].s, f[1].len, issued, NULL) == -1) {
		err_set(err, "permit: CRL line 2: want \"issued TIME\"");
		return (-1);
	}
	if (permit_next_line(l, &s, &len) == -1 ||
	    permit_split(s, len, f, 2) == -1 ||
	    !permit_is(&f[0], "next-update") ||
	    permit_time_parse(f[1].s, f[1].len, next, NULL) == -1 ||
	    *next <= *issued) {
		err_set(err, "permit: CRL line 3: want \"next-update TIME\" "
		    "after issued");
		return (-1);
	}
	if (permit_next_line(l, &s, &len) == -1 ||
	    permit_split(s, len, f, 2) == -1 || !permit_is(&f[0], "key") ||
	    permit_kid_parse(&f[1], kid) == -1) {
		err_set(err, "permit: CRL line 4: want \"key KID\"");
		return (-1);
	}
	return (0);
}

/* The "revoked NUMBER TIME" lines up to the end of l, into crl. */
static int
permit_crl_entries(struct permit_lines *l, struct permit_crl *crl,
    struct err *err)
{
	struct permit_field	 f[3];
	struct permit_crl_entry	*e;
	const char		*s;
	size_t			 len, n, i;

	for (n = 0, i = l->pos; i < l->len; i++)
		n += l->s[i] == '\n';
	if (n > PERMIT_CRL_ENTRIES_MAX) {
		err_set(err, "permit: CRL of %zu entries (max %d)", n,
		    PERMIT_CRL_ENTRIES_MAX);
		return (-1);
	}
	if ((crl->e = calloc(n + 1, sizeof(*crl->e))) == NULL) {
		err_set(err, "permit: out of memory");
		return (-1);
	}
	while (permit_next_line(l, &s, &len) == 0) {
		e = &crl->e[crl->n];
		if (permit_split(s, len, f, 3) == -1 ||
		    !permit_is(&f[0], "revoked") || !permit_ascii_ok(f[1].s,
		    f[1].len, 1, PERMIT_NUMBER_MAX, permit_number_char) ||
		    permit_time_parse(f[2].s, f[2].len, &e->revoked_at,
		    NULL) == -1) {
			err_set(err, "permit: CRL line %d: want \"revoked "
			    "NUMBER TIME\"", l->line);
			return (-1);
		}
		memcpy(e->number, f[1].s, f[1].len);
		e->number[f[1].len] = '\0';
		if (crl->n > 0 && strcmp(crl->e[crl->n - 1].number,
		    e->number) >= 0) {
			err_set(err, "permit: CRL line %d: numbers not in "
			    "ascending order, or repeated", l->line);
			return (-1);
		}
		crl->n++;
	}
	return (0);
}

/*
 * The signature is checked as soon as the four head lines name the key,
 * before the entries, which may be many, are parsed.
 */
struct permit_crl *
permit_crl_load(const char *text, size_t len,
    const struct permit_keys *keys, struct err *err)
{
	struct permit_crl	*crl = NULL;
	struct permit_lines	 l;
	const struct permit_key	*k;
	unsigned char		 sig[PERMIT_SIG_LEN], *msg = NULL;
	const char		*nl;
	size_t			 signedlen;
	uint16_t		 kid;
	time_t			 issued, next;

	if (len == 0 || len > PERMIT_CRL_TEXT_MAX || text[len - 1] != '\n') {
		err_set(err, "permit: CRL of %zu bytes is empty, too long "
		    "(max %d) or does not end in a newline", len,
		    PERMIT_CRL_TEXT_MAX);
		return (NULL);
	}
	/* The last line is the signature; everything before it is signed. */
	for (nl = text + len - 1; nl > text && nl[-1] != '\n'; nl--)
		;
	signedlen = (size_t)(nl - text);
	if (len - signedlen != 4 + PERMIT_B64_64 + 1 ||
	    memcmp(nl, "sig ", 4) != 0 ||
	    permit_b64_decode(nl + 4, PERMIT_B64_64, sig, sizeof(sig)) == -1) {
		err_set(err, "permit: CRL does not end in \"sig BASE64SIG\"");
		return (NULL);
	}
	l.s = text;
	l.len = signedlen;
	l.pos = 0;
	l.line = 0;
	if (permit_crl_head(&l, &issued, &next, &kid, err) == -1)
		return (NULL);
	if (keys == NULL || (k = permit_keys_find(keys, kid)) == NULL) {
		err_set(err, "permit: CRL signed by key %u, not in the key "
		    "list", (unsigned int)kid);
		return (NULL);
	}
	if (k->status == PERMIT_KEYSTATUS_REVOKED) {
		err_set(err, "permit: CRL signed by revoked key %u",
		    (unsigned int)kid);
		return (NULL);
	}
	if ((msg = malloc(PERMIT_CRL_DOMAIN_LEN + signedlen)) == NULL) {
		err_set(err, "permit: out of memory");
		return (NULL);
	}
	memcpy(msg, PERMIT_CRL_DOMAIN, PERMIT_CRL_DOMAIN_LEN);
	memcpy(msg + PERMIT_CRL_DOMAIN_LEN, text, signedlen);
	if (crypto_sign_verify_detached(sig, msg,
	    PERMIT_CRL_DOMAIN_LEN + signedlen, k->pk) != 0) {
		err_set(err, "permit: CRL signature does not verify under key "
		    "%u", (unsigned int)kid);
		goto fail;
	}
	if ((crl = calloc(1, sizeof(*crl))) == NULL) {
		err_set(err, "permit: out of memory");
		goto fail;
	}
	crl->issued = issued;
	crl->next_update = next;
	if (permit_crl_entries(&l, crl, err) == -1)
		goto fail;
	free(msg);
	return (crl);
fail:
	free(msg);
	permit_crl_free(crl);
	return (NULL);
}

void
permit_crl_free(struct permit_crl *crl)
{
	if (crl == NULL)
		return;
	free(crl->e);
	free(crl);
}

time_t
permit_crl_issued(const struct permit_crl *crl)
{
	return (crl->issued);
}

time_t
permit_crl_next_update(const struct permit_crl *crl)
{
	return (crl->next_update);
}

size_t
permit_crl_count(const struct permit_crl *crl)
{
	return (crl->n);
}

int
permit_crl_has(const struct permit_crl *crl, const char *number)
{
	struct permit_crl_entry	key;
	size_t			len;

	if (number == NULL || crl->n == 0 ||
	    (len = strnlen(number, sizeof(key.number))) == sizeof(key.number))
		return (0);
	memcpy(key.number, number, len + 1);
	return (bsearch(&key, crl->e, crl->n, sizeof(*crl->e),
	    permit_entry_cmp) != NULL);
}
