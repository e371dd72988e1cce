/*
 * The e-ITAS permit token, its signing keyring, the public key list and
 * the signed revocation list (see permit.h and assets/permit-token.md).
 *
 * Every decoder is strict: one text means one value.  Base32 and base64
 * are canonical (no padding in base32, no stray trailing bits in either),
 * lines are separated by single spaces and end in "\n", numbers have no
 * leading zeros.  A token or list that two parsers could read in two ways
 * would let a signed value be shown as something else.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "permit.h"

#define PERMIT_VERSION		1
#define PERMIT_TOKEN_DOMAIN	"KITAS-PERMIT-TOKEN"	/* + its NUL */
#define PERMIT_TOKEN_DOMAIN_LEN	19
#define PERMIT_CRL_DOMAIN	"KITAS-PERMIT-CRL"	/* + its NUL */
#define PERMIT_CRL_DOMAIN_LEN	17
#define PERMIT_PREFIX_LEN	7
#define PERMIT_BODY_MAX		(PERMIT_TOKEN_BIN_MAX - PERMIT_SIG_LEN)
#define PERMIT_B32_MAX		(PERMIT_TOKEN_MAX - PERMIT_PREFIX_LEN - 1)

/* Standard padded base64 of 32 and 64 bytes, without the NUL. */
#define PERMIT_B64_32		44
#define PERMIT_B64_64		88

/* Lines of fixed shape. */
#define PERMIT_FIELDS_MAX	8
#define PERMIT_CRL_HEAD_LINES	4	/* header, issued, next-update, key */
#define PERMIT_CRL_LINE_MAX	(8 + PERMIT_NUMBER_MAX + 1 + \
				    PERMIT_TIME_LEN + 1)
#define PERMIT_CRL_HEAD_MAX	128
#define PERMIT_TIME_MAX		((time_t)253402300799LL) /* 9999-12-31 */
#define PERMIT_DAYS_MAX		2932896		/* 9999-12-31 */

/* The signing keyring file. */
#define PERMIT_SIGNER_KEYS_MAX	1024
#define PERMIT_SIGNER_FILE_MAX	(64 * 1024)
#define PERMIT_SIGNER_LINE_MAX	128
#define PERMIT_SIGNER_HEAD \
	"# KITAS e-ITAS permit signing keys: KID BASE64SEED per line; the\n" \
	"# highest kid signs.  Keep mode 0600; publish every public key.\n"

_Static_assert(PERMIT_PK_LEN == crypto_sign_PUBLICKEYBYTES, "pk size");
_Static_assert(PERMIT_SK_LEN == crypto_sign_SECRETKEYBYTES, "sk size");
_Static_assert(PERMIT_SEED_LEN == crypto_sign_SEEDBYTES, "seed size");
_Static_assert(PERMIT_SIG_LEN == crypto_sign_BYTES, "signature size");
_Static_assert(sizeof(PERMIT_TOKEN_DOMAIN) == PERMIT_TOKEN_DOMAIN_LEN,
    "token domain includes its NUL");
_Static_assert(sizeof(PERMIT_CRL_DOMAIN) == PERMIT_CRL_DOMAIN_LEN,
    "CRL domain includes its NUL");
_Static_assert(sizeof(PERMIT_PREFIX) - 1 == PERMIT_PREFIX_LEN, "prefix");
_Static_assert(PERMIT_BODY_MAX == 3 + 1 + PERMIT_NUMBER_MAX + 1 +
    PERMIT_HOLDER_MAX + 1 + PERMIT_PASSPORT_MAX + PERMIT_NATIONALITY_LEN +
    1 + PERMIT_KIND_MAX + 4, "largest body");
_Static_assert(PERMIT_B32_MAX == (PERMIT_TOKEN_BIN_MAX * 8 + 4) / 5,
    "PERMIT_TOKEN_MAX fits the largest token");
/* So the CRL size sums below cannot overflow. */
_Static_assert((size_t)PERMIT_CRL_ENTRIES_MAX * PERMIT_CRL_LINE_MAX <
    SIZE_MAX / 2, "CRL size");

struct permit_keys {
	struct permit_key	*k;
	size_t			 n;
};

struct permit_crl {
	time_t			 issued;
	time_t			 next_update;
	struct permit_crl_entry	*e;		/* sorted by number */
	size_t			 n;
};

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

/* A cursor over the lines of a text format. */
struct permit_lines {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	int		 line;
};

struct permit_field {
	const char	*s;
	size_t		 len;
};

static int	permit_upper(int);
static int	permit_digit(int);
static int	permit_number_char(int);
static int	permit_alnum_char(int);
static int	permit_ascii_ok(const char *, size_t, size_t, size_t,
		    int (*)(int));
static int	permit_holder_ok(const char *, size_t);
static int	permit_fields_check(const struct permit *, struct err *);
static int64_t	permit_days_from_civil(int64_t, int, int);
static void	permit_civil_from_days(int64_t, int64_t *, int *, int *);
static int	permit_num(const char *, size_t, int *);
static int	permit_time_parse(const char *, size_t, time_t *,
		    struct err *);
static int	permit_time_format(time_t, char *, size_t);
static size_t	permit_b32_encode(const unsigned char *, size_t, char *);
static int	permit_b32_decode(const char *, size_t, unsigned char *,
		    size_t, size_t *);
static int	permit_b64_decode(const char *, size_t, unsigned char *,
		    size_t);
static size_t	permit_body(const struct permit *, uint16_t,
		    unsigned char *);
static int	permit_rd_str(struct permit_rd *, char *, size_t,
		    int (*)(int), const char *, struct err *);
static int	permit_decode(const char *, struct permit_bin *,
		    struct permit *, uint16_t *, struct err *);
static int	permit_next_line(struct permit_lines *, const char **,
		    size_t *);
static int	permit_split(const char *, size_t, struct permit_field *,
		    size_t);
static int	permit_is(const struct permit_field *, const char *);
static int	permit_kid_parse(const struct permit_field *, uint16_t *);
static int	permit_key_line(const char *, size_t, int,
		    struct permit_key *, struct err *);
static int	permit_crl_head(struct permit_lines *, time_t *, time_t *,
		    uint16_t *, struct err *);
static int	permit_crl_entries(struct permit_lines *, struct permit_crl *,
		    struct err *);
static int	permit_entry_cmp(const void *, const void *);
static int	permit_file_read(int, const char *, int, char **, size_t *,
		    struct err *);
static int	permit_signer_parse(const char *, const char *, size_t,
		    struct permit_signer *, uint16_t *, struct err *);
static int	permit_write_all(int, const char *, size_t);
static int	permit_sync_dir(const char *, struct err *);

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

static int
permit_number_char(int c)
{
	return (permit_alnum_char(c) || c == '-');
}

/* 1 if s[0..len) has min..max bytes, all of class ok. */
static int
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
static int
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

static int
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
static int
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
static int
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
static int
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

static int
permit_is(const struct permit_field *f, const char *word)
{
	return (f->len == strlen(word) && memcmp(f->s, word, f->len) == 0);
}

/* A key id: decimal 1..65535, no sign, no leading zero. */
static int
permit_kid_parse(const struct permit_field *f, uint16_t *kid)
{
	int	v;

	if (f->len < 1 || f->len > 5 || f->s[0] == '0' ||
	    permit_num(f->s, f->len, &v) == -1 || v > UINT16_MAX)
		return (-1);
	*kid = (uint16_t)v;
	return (0);
}

/* The public key list. */

static const char *permit_status_names[] = { "active", "retired", "revoked" };

/* "key KID FROM TO STATUS BASE64PUB" (line number line) into *k. */
static int
permit_key_line(const char *s, size_t len, int line, struct permit_key *k,
    struct err *err)
{
	struct permit_field	f[6];
	size_t			i;

	memset(k, 0, sizeof(*k));
	if (permit_split(s, len, f, 6) == -1 || !permit_is(&f[0], "key")) {
		err_set(err, "permit: key list line %d: want \"key KID FROM "
		    "TO STATUS BASE64PUB\"", line);
		return (-1);
	}
	if (permit_kid_parse(&f[1], &k->kid) == -1) {
		err_set(err, "permit: key list line %d: key id not in "
		    "1..65535", line);
		return (-1);
	}
	if (permit_day_parse(f[2].s, f[2].len, &k->from, NULL) == -1) {
		err_set(err, "permit: key list line %d: bad from date", line);
		return (-1);
	}
	if (permit_is(&f[3], "-"))
		k->to = PERMIT_DAY_OPEN;
	else if (permit_day_parse(f[3].s, f[3].len, &k->to, NULL) == -1 ||
	    k->to < k->from) {
		err_set(err, "permit: key list line %d: bad to date", line);
		return (-1);
	}
	for (i = 0; i < 3 && !permit_is(&f[4], permit_status_names[i]); i++)
		;
	if (i == 3) {
		err_set(err, "permit: key list line %d: status not active, "
		    "retired or revoked", line);
		return (-1);
	}
	k->status = (enum permit_key_status)i;
	if (permit_b64_decode(f[5].s, f[5].len, k->pk, PERMIT_PK_LEN) == -1) {
		err_set(err, "permit: key list line %d: public key is not "
		    "%d bytes of base64", line, PERMIT_PK_LEN);
		return (-1);
	}
	return (0);
}

struct permit_keys *
permit_keys_parse(const char *text, size_t len, struct err *err)
{
	struct permit_keys	*keys;
	struct permit_lines	 l;
	const char		*s;
	size_t			 n, i, j, slen;
	size_t			 hl = sizeof(PERMIT_KEYS_HEADER) - 1;

	if (len > PERMIT_KEYS_TEXT_MAX) {
		err_set(err, "permit: key list of %zu bytes (max %d)", len,
		    PERMIT_KEYS_TEXT_MAX);
		return (NULL);
	}
	if (len < hl || memcmp(text, PERMIT_KEYS_HEADER, hl) != 0) {
		err_set(err, "permit: key list does not start with \"%.*s\"",
		    (int)hl - 1, PERMIT_KEYS_HEADER);
		return (NULL);
	}
	if (text[len - 1] != '\n') {
		err_set(err, "permit: key list does not end in a newline");
		return (NULL);
	}
	/* Every line ends in "\n", so n counts them all. */
	for (n = 0, i = hl; i < len; i++)
		n += text[i] == '\n';
	if (n == 0 || n > PERMIT_KEYS_MAX) {
		err_set(err, "permit: key list holds %zu keys (want 1..%d)",
		    n, PERMIT_KEYS_MAX);
		return (NULL);
	}
	if ((keys = calloc(1, sizeof(*keys))) == NULL ||
	    (keys->k = calloc(n, sizeof(*keys->k))) == NULL) {
		free(keys);
		err_set(err, "permit: out of memory");
		return (NULL);
	}
	l.s = text;
	l.len = len;
	l.pos = hl;
	l.line = 1;
	while (permit_next_line(&l, &s, &slen) == 0) {
		if (permit_key_line(s, slen, l.line, &keys->k[keys->n],
		    err) == -1)
			goto fail;
		i = keys->n++;
		for (j = 0; j < i; j++) {
			if (keys->k[j].kid == keys->k[i].kid ||
			    memcmp(keys->k[j].pk, keys->k[i].pk,
			    PERMIT_PK_LEN) == 0) {
				err_set(err, "permit: key list line %d repeats "
				    "the key id or key of line %zu", l.line,
				    j + 2);
				goto fail;
			}
		}
	}
	return (keys);
fail:
	permit_keys_free(keys);
	return (NULL);
}

void
permit_keys_free(struct permit_keys *keys)
{
	if (keys == NULL)
		return;
	free(keys->k);
	free(keys);
}

const struct permit_key *
permit_keys_find(const struct permit_keys *keys, uint16_t kid)
{
	size_t	i;

	for (i = 0; i < keys->n; i++)
		if (keys->k[i].kid == kid)
			return (&keys->k[i]);
	return (NULL);
}

size_t
permit_keys_count(const struct permit_keys *keys)
{
	return (keys->n);
}

const struct permit_key *
permit_keys_at(const struct permit_keys *keys, size_t i)
{
	return (i < keys->n ? &keys->k[i] : NULL);
}

int
permit_keys_line(const struct permit_key *k, char *buf, size_t sz,
    struct err *err)
{
	char	from[PERMIT_DAY_LEN + 1], to[PERMIT_DAY_LEN + 1];
	char	b64[PERMIT_B64_32 + 1];
	int	w;

	if (sz > 0)
		buf[0] = '\0';
	if (k->kid == 0 ||
	    (unsigned int)k->status > PERMIT_KEYSTATUS_REVOKED ||
	    permit_day_format(k->from, from, sizeof(from)) == -1) {
		err_set(err, "permit: key %u: bad id, status or from date",
		    (unsigned int)k->kid);
		return (-1);
	}
	if (k->to == PERMIT_DAY_OPEN)
		(void)snprintf(to, sizeof(to), "-");
	else if (k->to < k->from ||
	    permit_day_format(k->to, to, sizeof(to)) == -1) {
		err_set(err, "permit: key %u: bad to date",
		    (unsigned int)k->kid);
		return (-1);
	}
	(void)sodium_bin2base64(b64, sizeof(b64), k->pk, PERMIT_PK_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(buf, sz, "key %u %s %s %s %s\n", (unsigned int)k->kid,
	    from, to, permit_status_names[k->status], b64);
	if (w < 0 || (size_t)w >= sz) {
		err_set(err, "permit: key line needs %d bytes (have %zu)",
		    w + 1, sz);
		if (sz > 0)
			buf[0] = '\0';
		return (-1);
	}
	return (0);
}

/* The revocation list. */

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

/* The signing keyring. */

/*
 * Check that fd is a regular file no one but its owner may touch, lock
 * it (lockop) and read it whole into *buf: sodium_malloc'd, as it holds
 * seeds, NUL-terminated; the caller releases it with sodium_free().
 */
static int
permit_file_read(int fd, const char *path, int lockop, char **buf,
    size_t *len, struct err *err)
{
	struct stat	 st;
	char		*b;
	size_t		 n = 0;
	ssize_t		 r;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) == -1) {
		err_set(err, "permit: %s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "permit: %s is not a regular file", path);
		return (-1);
	}
	if ((st.st_mode & 07777 & ~(mode_t)0600) != 0) {
		err_set(err, "permit: %s has mode %04o (want 0600 or "
		    "stricter)", path, (unsigned int)(st.st_mode & 07777));
		return (-1);
	}
	if (flock(fd, lockop) == -1) {
		err_set(err, "permit: cannot lock %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if ((b = sodium_malloc(PERMIT_SIGNER_FILE_MAX + 1)) == NULL) {
		err_set(err, "permit: out of memory reading %s", path);
		return (-1);
	}
	for (;;) {
		r = read(fd, b + n, PERMIT_SIGNER_FILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || (r > 0 && (n += (size_t)r) >
		    PERMIT_SIGNER_FILE_MAX)) {
			if (r == -1)
				err_set(err, "permit: cannot read %s: %s",
				    path, strerror(errno));
			else
				err_set(err, "permit: %s is larger than %d "
				    "bytes", path, PERMIT_SIGNER_FILE_MAX);
			sodium_free(b);
			return (-1);
		}
		if (r == 0)
			break;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return (0);
}

static int
permit_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\r');
}

/*
 * The keyring text buf of path: the highest kid into *top and, when s
 * is not NULL, that key into *s.  A file of comments only gives *top 0
 * and is refused only when s asks for a key.  Errors name lines, never
 * their text.
 */
static int
permit_signer_parse(const char *path, const char *buf, size_t len,
    struct permit_signer *s, uint16_t *top, struct err *err)
{
	struct permit_lines	 l;
	struct permit_field	 f;
	const char		*p, *end;
	unsigned char		*seeds = NULL;
	uint16_t		 kids[PERMIT_SIGNER_KEYS_MAX];
	size_t			 n = 0, i, cur = 0, slen;
	int			 rc = -1;

	*top = 0;
	if ((seeds = sodium_malloc(PERMIT_SIGNER_KEYS_MAX *
	    PERMIT_SEED_LEN)) == NULL) {
		err_set(err, "permit: out of memory");
		return (-1);
	}
	l.s = buf;
	l.len = len;
	l.pos = 0;
	l.line = 0;
	while (permit_next_line(&l, &p, &slen) == 0) {
		end = slen == SIZE_MAX ? buf + len : p + slen;
		while (p < end && permit_blank(*p))
			p++;
		while (end > p && permit_blank(end[-1]))
			end--;
		if (p == end || *p == '#')
			continue;
		if (n == PERMIT_SIGNER_KEYS_MAX) {
			err_set(err, "permit: %s holds more than %d keys",
			    path, PERMIT_SIGNER_KEYS_MAX);
			goto done;
		}
		f.s = p;
		for (f.len = 0; p + f.len < end && !permit_blank(p[f.len]);
		    f.len++)
			;
		if (permit_kid_parse(&f, &kids[n]) == -1) {
			err_set(err, "permit: %s line %d: key id not in "
			    "1..65535", path, l.line);
			goto done;
		}
		for (p += f.len; p < end && permit_blank(*p); p++)
			;
		if (f.len == (size_t)(end - f.s) || permit_b64_decode(p,
		    (size_t)(end - p), seeds + n * PERMIT_SEED_LEN,
		    PERMIT_SEED_LEN) == -1) {
			err_set(err, "permit: %s line %d: want \"KID "
			    "BASE64SEED\" with a %d-byte seed", path, l.line,
			    PERMIT_SEED_LEN);
			goto done;
		}
		for (i = 0; i < n; i++) {
			if (kids[i] == kids[n] || sodium_memcmp(seeds +
			    i * PERMIT_SEED_LEN, seeds + n * PERMIT_SEED_LEN,
			    PERMIT_SEED_LEN) == 0) {
				err_set(err, "permit: %s line %d repeats a key "
				    "id or seed", path, l.line);
				goto done;
			}
		}
		if (kids[n] > kids[cur])
			cur = n;
		n++;
	}
	if (n > 0)
		*top = kids[cur];
	if (s != NULL) {
		if (n == 0) {
			err_set(err, "permit: %s holds no key", path);
			goto done;
		}
		s->kid = kids[cur];
		if (crypto_sign_seed_keypair(s->pk, s->sk,
		    seeds + cur * PERMIT_SEED_LEN) != 0) {
			err_set(err, "permit: cannot derive key %u",
			    (unsigned int)s->kid);
			goto done;
		}
	}
	rc = 0;
done:
	sodium_free(seeds);
	return (rc);
}

struct permit_signer *
permit_signer_load(const char *path, struct err *err)
{
	struct permit_signer	*s;
	char			*buf;
	size_t			 len;
	uint16_t		 top;
	int			 fd;

	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		err_set(err, "permit: cannot open %s: %s", path,
		    strerror(errno));
		return (NULL);
	}
	if (permit_file_read(fd, path, LOCK_SH, &buf, &len, err) == -1) {
		(void)close(fd);
		return (NULL);
	}
	(void)close(fd);
	if ((s = sodium_malloc(sizeof(*s))) == NULL) {
		err_set(err, "permit: out of memory");
		sodium_free(buf);
		return (NULL);
	}
	if (permit_signer_parse(path, buf, len, s, &top, err) == -1) {
		sodium_free(s);
		s = NULL;
	}
	sodium_free(buf);
	return (s);
}

void
permit_signer_free(struct permit_signer *s)
{
	/* sodium_free() wipes the whole region; NULL is a no-op. */
	sodium_free(s);
}

static int
permit_write_all(int fd, const char *p, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		len -= (size_t)w;
	}
	return (0);
}

/* A new key file survives a crash only once its directory is synced. */
static int
permit_sync_dir(const char *path, struct err *err)
{
	char	 dir[PATH_MAX], *slash;
	int	 fd, w, rc;

	w = snprintf(dir, sizeof(dir), "%s", path);
	if (w < 0 || (size_t)w >= sizeof(dir)) {
		err_set(err, "permit: path too long");
		return (-1);
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_set(err, "permit: cannot open %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if ((rc = fsync(fd)) == -1)
		err_set(err, "permit: cannot sync %s: %s", dir,
		    strerror(errno));
	(void)close(fd);
	return (rc);
}

/* A new key and its line in the file: all of it secret. */
struct permit_newkey {
	unsigned char	seed[PERMIT_SEED_LEN];
	unsigned char	sk[PERMIT_SK_LEN];
	unsigned char	pk[PERMIT_PK_LEN];
	char		b64[PERMIT_B64_32 + 1];
	char		line[sizeof(PERMIT_SIGNER_HEAD) +
			    PERMIT_SIGNER_LINE_MAX];
};

/*
 * As vault_keyring_generate(): the whole job runs under an exclusive
 * lock, so two rotations cannot pick the same kid and loaders (shared
 * lock) never see half a line.
 */
int
permit_signer_generate(const char *path, uint16_t *kid,
    unsigned char pk[PERMIT_PK_LEN], struct err *err)
{
	struct permit_newkey	*nk = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	uint16_t		 top = 0;
	int			 fd, created = 0, rc = -1, w;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd != -1) {
		created = 1;
		/* Exactly 0600, whatever the umask left. */
		if (fchmod(fd, 0600) == -1 || flock(fd, LOCK_EX) == -1) {
			err_set(err, "permit: %s: %s", path, strerror(errno));
			goto done;
		}
	} else if (errno == EEXIST) {
		if ((fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK)) == -1) {
			err_set(err, "permit: cannot open %s: %s", path,
			    strerror(errno));
			goto done;
		}
		if (permit_file_read(fd, path, LOCK_EX, &buf, &len,
		    err) == -1 || permit_signer_parse(path, buf, len, NULL,
		    &top, err) == -1)
			goto done;
	} else {
		err_set(err, "permit: cannot create %s: %s", path,
		    strerror(errno));
		goto done;
	}
	if (top == UINT16_MAX) {
		err_set(err, "permit: %s: no key id above %u", path,
		    (unsigned int)top);
		goto done;
	}
	if ((nk = sodium_malloc(sizeof(*nk))) == NULL) {
		err_set(err, "permit: out of memory");
		goto done;
	}
	randombytes_buf(nk->seed, sizeof(nk->seed));
	if (crypto_sign_seed_keypair(nk->pk, nk->sk, nk->seed) != 0) {
		err_set(err, "permit: cannot derive the new key");
		goto done;
	}
	(void)sodium_bin2base64(nk->b64, sizeof(nk->b64), nk->seed,
	    sizeof(nk->seed), sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(nk->line, sizeof(nk->line), "%s%s%u %s\n",
	    created ? PERMIT_SIGNER_HEAD : "",
	    len > 0 && buf[len - 1] != '\n' ? "\n" : "",
	    (unsigned int)top + 1, nk->b64);
	if (w < 0 || (size_t)w >= sizeof(nk->line)) {
		err_set(err, "permit: key line too long");
		goto done;
	}
	if (permit_write_all(fd, nk->line, (size_t)w) == -1 ||
	    fsync(fd) == -1) {
		err_set(err, "permit: cannot write %s: %s", path,
		    strerror(errno));
		/* Never leave half a line: the file is ours under the lock. */
		if (!created && ftruncate(fd, (off_t)len) == -1)
			err_set(err, "permit: cannot write %s, and a partial "
			    "line may remain: %s", path, strerror(errno));
		goto done;
	}
	if (created && permit_sync_dir(path, err) == -1)
		goto done;
	rc = 0;
done:
	if (fd != -1 && close(fd) == -1 && rc == 0) {
		err_set(err, "permit: cannot close %s: %s", path,
		    strerror(errno));
		rc = -1;
	}
	if (rc == -1 && created)
		(void)unlink(path);
	if (rc == 0 && kid != NULL)
		*kid = (uint16_t)(top + 1);
	if (rc == 0 && pk != NULL)
		memcpy(pk, nk->pk, PERMIT_PK_LEN);
	sodium_free(nk);
	sodium_free(buf);
	return (rc);
}
