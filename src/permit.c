/*
 * The e-ITAS permit token and its dates (see permit.h and
 * assets/permit-token.md), and the strict decoders the other permit_*.c
 * files share through permit_int.h: the key list is in permit_keys.c, the
 * revocation list in permit_crl.c, the signing keyring in
 * permit_signer.c.
 *
 * Every decoder is strict: one text means one value.  Base32 and base64
 * are canonical (no padding in base32, no stray trailing bits in either),
 * lines are separated by single spaces and end in "\n", numbers have no
 * leading zeros.  A token or list that two parsers could read in two ways
 * would let a signed value be shown as something else.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "permit.h"
#include "permit_int.h"

#define PERMIT_VERSION		1
#define PERMIT_TOKEN_DOMAIN	"KITAS-PERMIT-TOKEN"	/* + its NUL */
#define PERMIT_TOKEN_DOMAIN_LEN	19
#define PERMIT_PREFIX_LEN	7
#define PERMIT_BODY_MAX		(PERMIT_TOKEN_BIN_MAX - PERMIT_SIG_LEN)
#define PERMIT_B32_MAX		(PERMIT_TOKEN_MAX - PERMIT_PREFIX_LEN - 1)
#define PERMIT_TIME_MAX		((time_t)253402300799LL) /* 9999-12-31 */
#define PERMIT_DAYS_MAX		2932896		/* 9999-12-31 */

_Static_assert(PERMIT_PK_LEN == crypto_sign_PUBLICKEYBYTES, "pk size");
_Static_assert(PERMIT_SK_LEN == crypto_sign_SECRETKEYBYTES, "sk size");
_Static_assert(PERMIT_SEED_LEN == crypto_sign_SEEDBYTES, "seed size");
_Static_assert(PERMIT_SIG_LEN == crypto_sign_BYTES, "signature size");
_Static_assert(sizeof(PERMIT_TOKEN_DOMAIN) == PERMIT_TOKEN_DOMAIN_LEN,
    "token domain includes its NUL");
_Static_assert(sizeof(PERMIT_PREFIX) - 1 == PERMIT_PREFIX_LEN, "prefix");
_Static_assert(PERMIT_BODY_MAX == 3 + 1 + PERMIT_NUMBER_MAX + 1 +
    PERMIT_HOLDER_MAX + 1 + PERMIT_PASSPORT_MAX + PERMIT_NATIONALITY_LEN +
    1 + PERMIT_KIND_MAX + 4, "largest body");
_Static_assert(PERMIT_B32_MAX == (PERMIT_TOKEN_BIN_MAX * 8 + 4) / 5,
    "PERMIT_TOKEN_MAX fits the largest token");

/* A token decoded: body and signature, back to back. */
struct permit_bin {
	unsigned char	b[PERMIT_TOKEN_BIN_MAX];
	size_t		len;
	size_t		bodylen;
};

/* A cursor over the decoded token. */
struct permit_rd {
	const unsigned char	*b;
	size_t			 len;
	size_t			 pos;
};

static int	permit_upper(int);
static int	permit_digit(int);
static int	permit_alnum_char(int);
static int	permit_holder_ok(const char *, size_t);
static int	permit_fields_check(const struct permit *, struct err *);
static int64_t	permit_days_from_civil(int64_t, int, int);
static void	permit_civil_from_days(int64_t, int64_t *, int *, int *);
static int	permit_num(const char *, size_t, int *);
static size_t	permit_b32_encode(const unsigned char *, size_t, char *);
static int	permit_b32_decode(const char *, size_t, unsigned char *,
		    size_t, size_t *);
static size_t	permit_put_str(unsigned char *, size_t, const char *);
static size_t	permit_body(const struct permit *, uint16_t,
		    unsigned char *);
static int	permit_rd_str(struct permit_rd *, char *, size_t,
		    int (*)(int), const char *, struct err *);
static int	permit_decode(const char *, struct permit_bin *,
		    struct permit *, uint16_t *, struct err *);

/* Characters and fields. */

static int
permit_upper(int c)
{
	return (c >= 'A' && c <= 'Z');
}

static int
permit_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static int
permit_alnum_char(int c)
{
	return (permit_upper(c) || permit_digit(c));
}

int
permit_number_char(int c)
{
	return (permit_alnum_char(c) || c == '-');
}

/* 1 if s[0..len) has min..max bytes, all of class ok. */
int
permit_ascii_ok(const char *s, size_t len, size_t min, size_t max,
    int (*ok)(int))
{
	size_t	i;

	if (len < min || len > max)
		return (0);
	for (i = 0; i < len; i++)
		if (!ok((unsigned char)s[i]))
			return (0);
	return (1);
}

/*
 * 1 if s[0..len) is 1..PERMIT_HOLDER_MAX bytes of well-formed UTF-8 (no
 * overlong forms, surrogates or code points above U+10FFFF) without C0,
 * DEL or C1 controls: a name printed on a permit must not be able to
 * move the cursor or hide behind an invalid sequence.
 */
static int
permit_holder_ok(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	uint32_t		 cp, min;
	size_t			 i, n, k;

	if (len == 0 || len > PERMIT_HOLDER_MAX)
		return (0);
	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f)
				return (0);
			n = 1;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return (0);
		if (n > len - i)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
			return (0);
	}
	return (1);
}

/* Every field of p as the token format allows it. */
static int
permit_fields_check(const struct permit *p, struct err *err)
{
	const char	*bad = NULL;

	if (!permit_ascii_ok(p->number, strnlen(p->number,
	    sizeof(p->number)), 1, PERMIT_NUMBER_MAX, permit_number_char))
		bad = "number";
	else if (!permit_holder_ok(p->holder, strnlen(p->holder,
	    sizeof(p->holder))))
		bad = "holder";
	else if (!permit_ascii_ok(p->passport, strnlen(p->passport,
	    sizeof(p->passport)), 1, PERMIT_PASSPORT_MAX, permit_alnum_char))
		bad = "passport";
	else if (!permit_ascii_ok(p->nationality, strnlen(p->nationality,
	    sizeof(p->nationality)), PERMIT_NATIONALITY_LEN,
	    PERMIT_NATIONALITY_LEN, permit_upper))
		bad = "nationality";
	else if (!permit_ascii_ok(p->kind, strnlen(p->kind, sizeof(p->kind)),
	    1, PERMIT_KIND_MAX, permit_alnum_char))
		bad = "kind";
	if (bad != NULL) {
		err_set(err, "permit: %s is not in the allowed form", bad);
		return (-1);
	}
	if (p->valid_from < 0 || p->valid_to > PERMIT_DAY_MAX ||
	    p->valid_from > p->valid_to) {
		err_set(err, "permit: validity days %ld..%ld not within "
		    "0..%d and ordered", (long)p->valid_from, (long)p->valid_to,
		    PERMIT_DAY_MAX);
		return (-1);
	}
	return (0);
}

/* Dates and times. */

/* Howard Hinnant's days_from_civil: proleptic Gregorian, UTC. */
static int64_t
permit_days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static void
permit_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int32_t
permit_day(time_t t)
{
	int64_t	v = (int64_t)t;

	/* Floor, not truncate: 1969-12-31T23:59:59Z is day -1. */
	return ((int32_t)(v >= 0 ? v / 86400 : -((-v + 86399) / 86400)));
}

int32_t
permit_today(time_t t)
{
	return (permit_day(t + PERMIT_TZ_OFFSET));
}

/* len digits of s as a number; -1 if any is not a digit. */
static int
permit_num(const char *s, size_t len, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < len; i++) {
		if (!permit_digit((unsigned char)s[i]))
			return (-1);
		*v = *v * 10 + (s[i] - '0');
	}
	return (0);
}

int
permit_day_parse(const char *s, size_t len, int32_t *day, struct err *err)
{
	int64_t	back;
	int	y, m, d, by, bm, bd;

	*day = 0;
	if (len != PERMIT_DAY_LEN || s[4] != '-' || s[7] != '-' ||
	    permit_num(s, 4, &y) == -1 || permit_num(s + 5, 2, &m) == -1 ||
	    permit_num(s + 8, 2, &d) == -1 || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > 31) {
		err_set(err, "permit: date is not YYYY-MM-DD in 1970..9999");
		return (-1);
	}
	*day = (int32_t)permit_days_from_civil(y, m, d);
	/* 2026-02-30 comes back as March: not a date. */
	permit_civil_from_days(*day, &back, &bm, &bd);
	by = (int)back;
	if (by != y || bm != m || bd != d) {
		err_set(err, "permit: %04d-%02d-%02d is not a date", y, m, d);
		*day = 0;
		return (-1);
	}
	return (0);
}

int
permit_day_format(int32_t day, char *buf, size_t sz)
{
	int64_t	y;
	int	m, d, w;

	if (day < 0 || day > PERMIT_DAYS_MAX)
		return (-1);
	permit_civil_from_days(day, &y, &m, &d);
	w = snprintf(buf, sz, "%04d-%02d-%02d", (int)y, m, d);
	if (w < 0 || (size_t)w >= sz)
		return (-1);
	return (0);
}

/* "YYYY-MM-DDTHH:MM:SSZ", exactly len bytes, into *t. */
int
permit_time_parse(const char *s, size_t len, time_t *t, struct err *err)
{
	int32_t	day;
	int	h, mi, se;

	if (len != PERMIT_TIME_LEN || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z' ||
	    permit_day_parse(s, PERMIT_DAY_LEN, &day, NULL) == -1 ||
	    permit_num(s + 11, 2, &h) == -1 ||
	    permit_num(s + 14, 2, &mi) == -1 ||
	    permit_num(s + 17, 2, &se) == -1 || h > 23 || mi > 59 ||
	    se > 59) {
		err_set(err, "permit: time is not YYYY-MM-DDTHH:MM:SSZ");
		return (-1);
	}
	*t = (time_t)day * 86400 + h * 3600 + mi * 60 + se;
	return (0);
}

int
permit_time_format(time_t t, char *buf, size_t sz)
{
	char	day[PERMIT_DAY_LEN + 1];
	long	s;
	int	w;

	if (t < 0 || t > PERMIT_TIME_MAX ||
	    permit_day_format(permit_day(t), day, sizeof(day)) == -1)
		return (-1);
	s = (long)(t % 86400);
	w = snprintf(buf, sz, "%sT%02ld:%02ld:%02ldZ", day, s / 3600,
	    s / 60 % 60, s % 60);
	if (w < 0 || (size_t)w >= sz)
		return (-1);
	return (0);
}

/* RFC 4648 base32 without padding, and strict base64. */

static const char permit_b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* n bytes as base32 in out (room for (n * 8 + 4) / 5); the length. */
static size_t
permit_b32_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			out[o++] = permit_b32[acc >> (bits - 5) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = permit_b32[acc << (5 - bits) & 31];
	return (o);
}

/*
 * Decode len base32 characters into at most max bytes.  Refused: any
 * character outside A-Z2-7 (so lowercase and '=' too), a length no
 * unpadded encoding has, and set bits left over, so each byte string
 * has exactly one text.
 */
static int
permit_b32_decode(const char *s, size_t len, unsigned char *out, size_t max,
    size_t *outlen)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	for (i = 0; i < len; i++) {
		if (permit_upper((unsigned char)s[i]))
			v = s[i] - 'A';
		else if (s[i] >= '2' && s[i] <= '7')
			v = s[i] - '2' + 26;
		else
			return (-1);
		acc = acc << 5 | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (o == max)
				return (-1);
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
			acc &= (1U << bits) - 1;
		}
	}
	if (bits >= 5 || acc != 0)
		return (-1);
	*outlen = o;
	return (0);
}

/*
 * Exactly want bytes from standard padded base64 s[0..len): the length
 * must be the one that encoding has, and the text must be what encoding
 * the bytes gives back, which refuses stray bits and odd padding.
 */
int
permit_b64_decode(const char *s, size_t len, unsigned char *out,
    size_t want)
{
	char		again[PERMIT_B64_64 + 1];
	const char	*end;
	size_t		binlen;
	int		rc = -1;

	if (want > PERMIT_SIG_LEN || len != sodium_base64_ENCODED_LEN(want,
	    sodium_base64_VARIANT_ORIGINAL) - 1)
		return (-1);
	if (sodium_base642bin(out, want, s, len, NULL, &binlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && binlen == want &&
	    end == s + len) {
		(void)sodium_bin2base64(again, sizeof(again), out, want,
		    sodium_base64_VARIANT_ORIGINAL);
		if (memcmp(again, s, len) == 0)
			rc = 0;
	}
	/* The bytes may be a secret seed. */
	sodium_memzero(again, sizeof(again));
	if (rc == -1)
		sodium_memzero(out, want);
	return (rc);
}

/* The token. */

static size_t
permit_put_str(unsigned char *b, size_t o, const char *s)
{
	size_t	n = strlen(s);

	b[o++] = (unsigned char)n;
	memcpy(b + o, s, n);
	return (o + n);
}

/* The body of p (checked already) in b (PERMIT_BODY_MAX); its length. */
static size_t
permit_body(const struct permit *p, uint16_t kid, unsigned char *b)
{
	size_t	o = 0;

	b[o++] = PERMIT_VERSION;
	b[o++] = (unsigned char)(kid >> 8);
	b[o++] = (unsigned char)kid;
	o = permit_put_str(b, o, p->number);
	o = permit_put_str(b, o, p->holder);
	o = permit_put_str(b, o, p->passport);
	memcpy(b + o, p->nationality, PERMIT_NATIONALITY_LEN);
	o += PERMIT_NATIONALITY_LEN;
	o = permit_put_str(b, o, p->kind);
	b[o++] = (unsigned char)(p->valid_from >> 8);
	b[o++] = (unsigned char)p->valid_from;
	b[o++] = (unsigned char)(p->valid_to >> 8);
	b[o++] = (unsigned char)p->valid_to;
	return (o);
}

int
permit_token_make(const struct permit *p, uint16_t kid,
    const unsigned char sk[PERMIT_SK_LEN], char *out, size_t outlen,
    struct err *err)
{
	unsigned char	msg[PERMIT_TOKEN_DOMAIN_LEN + PERMIT_TOKEN_BIN_MAX];
	unsigned char	*body = msg + PERMIT_TOKEN_DOMAIN_LEN;
	size_t		 n, need;

	if (outlen > 0)
		out[0] = '\0';
	if (kid == 0) {
		err_set(err, "permit: key id 0 is not allowed");
		return (-1);
	}
	if (permit_fields_check(p, err) == -1)
		return (-1);
	memcpy(msg, PERMIT_TOKEN_DOMAIN, PERMIT_TOKEN_DOMAIN_LEN);
	n = permit_body(p, kid, body);
	if (crypto_sign_detached(body + n, NULL, msg,
	    PERMIT_TOKEN_DOMAIN_LEN + n, sk) != 0) {
		err_set(err, "permit: cannot sign the token");
		return (-1);
	}
	n += PERMIT_SIG_LEN;
	need = PERMIT_PREFIX_LEN + (n * 8 + 4) / 5 + 1;
	if (outlen < need) {
		err_set(err, "permit: token needs %zu bytes (have %zu)", need,
		    outlen);
		return (-1);
	}
	memcpy(out, PERMIT_PREFIX, PERMIT_PREFIX_LEN);
	n = permit_b32_encode(body, n, out + PERMIT_PREFIX_LEN);
	out[PERMIT_PREFIX_LEN + n] = '\0';
	return (0);
}

/* A length-prefixed string of class ok into dst (sz bytes with NUL). */
static int
permit_rd_str(struct permit_rd *r, char *dst, size_t sz, int (*ok)(int),
    const char *what, struct err *err)
{
	size_t	n;

	if (r->pos >= r->len || (n = r->b[r->pos]) > r->len - r->pos - 1) {
		err_set(err, "permit: token %s runs past the end", what);
		return (-1);
	}
	if (n >= sz) {
		err_set(err, "permit: token %s of %zu bytes (max %zu)", what, n,
		    sz - 1);
		return (-1);
	}
	r->pos++;
	if (ok != NULL ? !permit_ascii_ok((const char *)r->b + r->pos, n, 1,
	    sz - 1, ok) : !permit_holder_ok((const char *)r->b + r->pos, n)) {
		err_set(err, "permit: token %s is not in the allowed form",
		    what);
		return (-1);
	}
	memcpy(dst, r->b + r->pos, n);
	dst[n] = '\0';
	r->pos += n;
	return (0);
}

/*
 * Decode token text into bin (body and signature) and *p, *kid.  Every
 * byte is accounted for; the signature is not checked.
 */
static int
permit_decode(const char *text, struct permit_bin *bin, struct permit *p,
    uint16_t *kid, struct err *err)
{
	struct permit_rd	 r;
	size_t			 len;

	memset(p, 0, sizeof(*p));
	*kid = 0;
	if (text == NULL || (len = strnlen(text, PERMIT_TOKEN_MAX)) ==
	    PERMIT_TOKEN_MAX) {
		err_set(err, "permit: token missing or longer than %d bytes",
		    PERMIT_TOKEN_MAX - 1);
		return (-1);
	}
	if (len < PERMIT_PREFIX_LEN ||
	    memcmp(text, PERMIT_PREFIX, PERMIT_PREFIX_LEN) != 0) {
		err_set(err, "permit: token does not start with %s",
		    PERMIT_PREFIX);
		return (-1);
	}
	if (permit_b32_decode(text + PERMIT_PREFIX_LEN,
	    len - PERMIT_PREFIX_LEN, bin->b, sizeof(bin->b), &bin->len) == -1) {
		err_set(err, "permit: token is not canonical base32");
		return (-1);
	}
	if (bin->len < 3 + PERMIT_SIG_LEN) {
		err_set(err, "permit: token of %zu bytes is too short",
		    bin->len);
		return (-1);
	}
	if (bin->b[0] != PERMIT_VERSION) {
		err_set(err, "permit: token version %u not supported",
		    (unsigned int)bin->b[0]);
		return (-1);
	}
	*kid = (uint16_t)(bin->b[1] << 8 | bin->b[2]);
	r.b = bin->b;
	r.len = bin->len - PERMIT_SIG_LEN;
	r.pos = 3;
	if (*kid == 0) {
		err_set(err, "permit: token key id 0");
		goto fail;
	}
	if (permit_rd_str(&r, p->number, sizeof(p->number),
	    permit_number_char, "number", err) == -1 ||
	    permit_rd_str(&r, p->holder, sizeof(p->holder), NULL, "holder",
	    err) == -1 ||
	    permit_rd_str(&r, p->passport, sizeof(p->passport),
	    permit_alnum_char, "passport", err) == -1)
		goto fail;
	if (r.len - r.pos < PERMIT_NATIONALITY_LEN || !permit_ascii_ok(
	    (const char *)r.b + r.pos, PERMIT_NATIONALITY_LEN,
	    PERMIT_NATIONALITY_LEN, PERMIT_NATIONALITY_LEN, permit_upper)) {
		err_set(err, "permit: token nationality is not [A-Z]{3}");
		goto fail;
	}
	memcpy(p->nationality, r.b + r.pos, PERMIT_NATIONALITY_LEN);
	r.pos += PERMIT_NATIONALITY_LEN;
	if (permit_rd_str(&r, p->kind, sizeof(p->kind), permit_alnum_char,
	    "kind", err) == -1)
		goto fail;
	if (r.len - r.pos != 4) {
		err_set(err, "permit: token has %zu bytes where the dates "
		    "(4) and the signature go", r.len - r.pos);
		goto fail;
	}
	p->valid_from = r.b[r.pos] << 8 | r.b[r.pos + 1];
	p->valid_to = r.b[r.pos + 2] << 8 | r.b[r.pos + 3];
	if (p->valid_from > p->valid_to) {
		err_set(err, "permit: token valid_to before valid_from");
		goto fail;
	}
	bin->bodylen = r.len;
	return (0);
fail:
	memset(p, 0, sizeof(*p));
	*kid = 0;
	return (-1);
}

int
permit_token_parse(const char *text, struct permit *p, uint16_t *kid,
    struct err *err)
{
	struct permit_bin	bin;

	return (permit_decode(text, &bin, p, kid, err));
}

enum permit_check
permit_check(const char *token, const struct permit_keys *keys,
    const struct permit_crl *crl, int32_t today, struct permit *out,
    uint16_t *kid)
{
	struct permit_bin	 bin;
	struct permit		 p;
	const struct permit_key	*k;
	unsigned char		 msg[PERMIT_TOKEN_DOMAIN_LEN + PERMIT_BODY_MAX];
	uint16_t		 id;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (kid != NULL)
		*kid = 0;
	if (permit_decode(token, &bin, &p, &id, NULL) == -1)
		return (PERMIT_MALFORMED);
	if (out != NULL)
		*out = p;
	if (kid != NULL)
		*kid = id;
	if (keys == NULL || (k = permit_keys_find(keys, id)) == NULL)
		return (PERMIT_UNKNOWN_KEY);
	memcpy(msg, PERMIT_TOKEN_DOMAIN, PERMIT_TOKEN_DOMAIN_LEN);
	memcpy(msg + PERMIT_TOKEN_DOMAIN_LEN, bin.b, bin.bodylen);
	if (crypto_sign_verify_detached(bin.b + bin.bodylen, msg,
	    PERMIT_TOKEN_DOMAIN_LEN + bin.bodylen, k->pk) != 0)
		return (PERMIT_FORGED);
	if (k->status == PERMIT_KEYSTATUS_REVOKED)
		return (PERMIT_KEY_REVOKED);
	if (crl != NULL && permit_crl_has(crl, p.number))
		return (PERMIT_REVOKED);
	if (today > p.valid_to)
		return (PERMIT_EXPIRED);
	if (today < p.valid_from)
		return (PERMIT_NOT_YET_VALID);
	return (PERMIT_VALID);
}

const char *
permit_check_name(enum permit_check c)
{
	static const char *names[] = {
		"valid", "malformed", "unknown_key", "forged", "key_revoked",
		"revoked", "expired", "not_yet_valid"
	};

	return ((unsigned int)c <= PERMIT_NOT_YET_VALID ? names[c] :
	    "unknown");
}

/* Line-based text formats. */

/*
 * The next line of l without its "\n"; 0, or -1 at the end of the text.
 * A last line without "\n" is returned with *len pointing past the end
 * of the text, which every caller refuses as a line too long: the
 * formats say each line ends in "\n".
 */
int
permit_next_line(struct permit_lines *l, const char **s, size_t *len)
{
	const char	*nl;

	if (l->pos >= l->len)
		return (-1);
	*s = l->s + l->pos;
	l->line++;
	if ((nl = memchr(*s, '\n', l->len - l->pos)) == NULL) {
		*len = SIZE_MAX;
		l->pos = l->len;
		return (0);
	}
	*len = (size_t)(nl - *s);
	l->pos += *len + 1;
	return (0);
}

/* s[0..len) split at single spaces into exactly want non-empty fields. */
int
permit_split(const char *s, size_t len, struct permit_field *f, size_t want)
{
	const char	*end = s + len, *sp;
	size_t		 i;

	if (len == SIZE_MAX)
		return (-1);
	for (i = 0; i < want; i++) {
		if ((sp = memchr(s, ' ', (size_t)(end - s))) == NULL)
			sp = end;
		f[i].s = s;
		f[i].len = (size_t)(sp - s);
		if (f[i].len == 0)
			return (-1);
		if (sp == end)
			return (i + 1 == want ? 0 : -1);
		s = sp + 1;
	}
	return (-1);
}

int
permit_is(const struct permit_field *f, const char *word)
{
	return (f->len == strlen(word) && memcmp(f->s, word, f->len) == 0);
}

/* A key id: decimal 1..65535, no sign, no leading zero. */
int
permit_kid_parse(const struct permit_field *f, uint16_t *kid)
{
	int	v;

	if (f->len < 1 || f->len > 5 || f->s[0] == '0' ||
	    permit_num(f->s, f->len, &v) == -1 || v > UINT16_MAX)
		return (-1);
	*kid = (uint16_t)v;
	return (0);
}
