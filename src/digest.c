/*
 * RFC 9530 Content-Digest (see digest.h).  The header is an RFC 8941
 * dictionary whose members are byte sequences (RFC 9530 section 2).
 * Stricter than RFC 8941 where that keeps the header meaning one thing:
 * an algorithm given twice is refused (RFC 8941 would keep the last), and
 * so are parameters, which RFC 9530 does not define.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "digest.h"
#include "sf.h"

#define DIGEST_NAME_MAX		32	/* an algorithm name */
#define DIGEST_DECODED_MAX	(DIGEST_HEADER_MAX / 4 * 3)

/* The algorithms we check; everything else is read and ignored. */
enum digest_alg {
	DIGEST_SHA256,
	DIGEST_SHA512,
	DIGEST_NALGS
};

static const struct {
	const char	*name;
	size_t		 len;
} digest_algs[DIGEST_NALGS] = {
	{ "sha-256", crypto_hash_sha256_BYTES },
	{ "sha-512", crypto_hash_sha512_BYTES },
};

/* What the header says, for the algorithms we check. */
struct digest_got {
	int		have[DIGEST_NALGS];
	unsigned char	val[DIGEST_NALGS][crypto_hash_sha512_BYTES];
};

static int	digest_key(struct sf_cur *, char *, size_t);
static int	digest_member(struct sf_cur *, const char *, void *);
static int	digest_parse(const char *, struct digest_got *, struct err *);

const char *
digest_result_name(enum digest_result r)
{
	static const char *names[] = {
		"ok", "missing", "malformed", "no-sha-256", "mismatch"
	};

	return ((unsigned int)r <= DIGEST_MISMATCH ? names[r] : "unknown");
}

/* RFC 8941 section 4.2.3.3: a key, at most outsz - 1 characters. */
static int
digest_key(struct sf_cur *c, char *out, size_t outsz)
{
	size_t	start = c->pos, n;
	int	ch;

	ch = sf_peek(c);
	if (!(ch >= 'a' && ch <= 'z') && ch != '*')
		return (sf_fail(c, "expected a lower-case algorithm "
		    "name"));
	while ((ch = sf_peek(c)) != -1 && ((ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' ||
	    ch == '*'))
		c->pos++;
	if ((n = c->pos - start) >= outsz) {
		c->pos = start;
		return (sf_fail(c, "algorithm name longer than %zu "
		    "characters", outsz - 1));
	}
	memcpy(out, c->s + start, n);
	out[n] = '\0';
	return (0);
}

/*
 * "=:base64:" after the algorithm name (RFC 8941 section 4.2.7):
 * decoded, and kept if the algorithm is one we check.
 */
static int
digest_member(struct sf_cur *c, const char *name, void *arg)
{
	struct digest_got	*g = arg;
	unsigned char		 bin[DIGEST_DECODED_MAX];
	const char		*b64, *end;
	size_t			 start, n, binlen, i;
	int			 ch, variant;

	if (sf_peek(c) != '=' || c->pos + 1 >= c->len ||
	    c->s[c->pos + 1] != ':')
		return (sf_fail(c, "%s: expected '=' and a byte sequence",
		    name));
	start = ++c->pos;	/* at the ':' */
	b64 = c->s + start + 1;
	c->pos++;
	while ((ch = sf_peek(c)) != -1 && ch != ':') {
		if (!(ch >= 'A' && ch <= 'Z') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= '0' && ch <= '9') && ch != '+' && ch != '/' &&
		    ch != '=')
			return (sf_fail(c, "%s: bad base64 character "
			    "'%c'", name, ch));
		c->pos++;
	}
	if (ch == -1) {
		c->pos = start;
		return (sf_fail(c, "%s: unterminated byte sequence",
		    name));
	}
	n = (size_t)(c->s + c->pos - b64);
	variant = n % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL :
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	if (sodium_base642bin(bin, sizeof(bin), b64, n, NULL, &binlen, &end,
	    variant) != 0 || end != b64 + n) {
		c->pos = start;
		return (sf_fail(c, "%s: bad base64", name));
	}
	c->pos++;
	if (sf_peek(c) == ';')
		return (sf_fail(c, "%s: parameters are not supported",
		    name));
	for (i = 0; i < DIGEST_NALGS; i++) {
		if (strcmp(name, digest_algs[i].name) != 0)
			continue;
		if (binlen != digest_algs[i].len) {
			c->pos = start;
			return (sf_fail(c, "%s digest of %zu bytes "
			    "(expected %zu)", name, binlen,
			    digest_algs[i].len));
		}
		memcpy(g->val[i], bin, binlen);
		g->have[i] = 1;
	}
	return (0);
}

/* The whole dictionary (RFC 8941 section 4.2.2), bounded first. */
static int
digest_parse(const char *hdr, struct digest_got *g, struct err *err)
{
	static const struct sf_dict	d = {
		DIGEST_MEMBERS_MAX, DIGEST_NAME_MAX, "algorithms",
		"a digest", "", digest_key, digest_member
	};
	struct sf_cur			c;

	memset(g, 0, sizeof(*g));
	if (sf_begin(&c, "digest", "Content-Digest", hdr, DIGEST_HEADER_MAX,
	    err) == -1)
		return (-1);
	return (sf_dict(&c, &d, g) == -1 ? -1 : 0);
}

enum digest_result
digest_verify(const char *hdr, const void *body, size_t len,
    struct err *err)
{
	struct digest_got	g;
	unsigned char		h[crypto_hash_sha512_BYTES];
	const unsigned char	*p = body != NULL ? body : (const void *)"";

	if (hdr == NULL) {
		err_set(err, "digest: no Content-Digest header");
		return (DIGEST_MISSING);
	}
	if (digest_parse(hdr, &g, err) == -1)
		return (DIGEST_MALFORMED);
	if (!g.have[DIGEST_SHA256]) {
		err_set(err, "digest: Content-Digest has no sha-256");
		return (DIGEST_NO_SHA256);
	}
	if (sodium_init() == -1) {
		err_set(err, "digest: libsodium cannot start");
		return (DIGEST_MISMATCH);
	}
	/* Lengths are public; the comparisons are constant-time anyway. */
	(void)crypto_hash_sha256(h, p, len);
	if (sodium_memcmp(h, g.val[DIGEST_SHA256],
	    crypto_hash_sha256_BYTES) != 0) {
		err_set(err, "digest: sha-256 does not match the body "
		    "(%zu bytes)", len);
		return (DIGEST_MISMATCH);
	}
	if (g.have[DIGEST_SHA512]) {
		(void)crypto_hash_sha512(h, p, len);
		if (sodium_memcmp(h, g.val[DIGEST_SHA512],
		    crypto_hash_sha512_BYTES) != 0) {
			err_set(err, "digest: sha-512 does not match the body "
			    "(%zu bytes)", len);
			return (DIGEST_MISMATCH);
		}
	}
	return (DIGEST_OK);
}

int
digest_header(const void *body, size_t len, char *out, size_t outsz,
    struct err *err)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];
	char		 b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
			    sodium_base64_VARIANT_ORIGINAL)];
	const unsigned char *p = body != NULL ? body : (const void *)"";
	int		 n;

	if (sodium_init() == -1) {
		err_set(err, "digest: libsodium cannot start");
		return (-1);
	}
	(void)crypto_hash_sha256(h, p, len);
	(void)sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, outsz, "sha-256=:%s:", b64);
	if (n < 0 || (size_t)n >= outsz) {
		err_set(err, "digest: %zu bytes is too small for "
		    "Content-Digest", outsz);
		return (-1);
	}
	return (0);
}
