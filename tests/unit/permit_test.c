/*
 * The e-ITAS permit token, the signing keyring, the public key list and
 * the revocation list (src/permit.c).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <sodium.h>

#include "permit.h"

#define VECTORS		"tests/vectors/permit-token.txt"
#define TOKEN_DOMAIN	"KITAS-PERMIT-TOKEN"	/* + NUL: 19 bytes */
#define CRL_DOMAIN	"KITAS-PERMIT-CRL"	/* + NUL: 17 bytes */
#define BIN_MAX		PERMIT_TOKEN_BIN_MAX

/* 2026-11-25 .. 2027-11-24, as in the vector. */
#define DAY_FROM	20782
#define DAY_TO		21146

/* Test key number n: seed bytes n, n+1, ... (key 0 is the vector's). */
static void
test_key(int n, unsigned char pk[PERMIT_PK_LEN],
    unsigned char sk[PERMIT_SK_LEN])
{
	unsigned char	seed[PERMIT_SEED_LEN];
	size_t		i;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(n + (int)i);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
}

static void
vector_permit(struct permit *p)
{
	memset(p, 0, sizeof(*p));
	(void)snprintf(p->number, sizeof(p->number), "SMG-2026-P000001");
	(void)snprintf(p->holder, sizeof(p->holder),
	    "Siti Rahma Putri-Lindqvist");
	(void)snprintf(p->passport, sizeof(p->passport), "X1234567");
	(void)snprintf(p->nationality, sizeof(p->nationality), "SWE");
	(void)snprintf(p->kind, sizeof(p->kind), "E33G");
	p->valid_from = DAY_FROM;
	p->valid_to = DAY_TO;
}

static void
assert_permit_equal(const struct permit *a, const struct permit *b)
{
	assert_string_equal(a->number, b->number);
	assert_string_equal(a->holder, b->holder);
	assert_string_equal(a->passport, b->passport);
	assert_string_equal(a->nationality, b->nationality);
	assert_string_equal(a->kind, b->kind);
	assert_int_equal(a->valid_from, b->valid_from);
	assert_int_equal(a->valid_to, b->valid_to);
}

/* A key list holding the given test keys (kid i+1 = key n[i]). */
static struct permit_keys *
keys_of(const int *n, const enum permit_key_status *st, size_t count)
{
	struct permit_keys	*keys;
	struct permit_key	 k;
	unsigned char		 sk[PERMIT_SK_LEN];
	char			 text[8192] = PERMIT_KEYS_HEADER, line[256];
	size_t			 i;

	for (i = 0; i < count; i++) {
		memset(&k, 0, sizeof(k));
		k.kid = (uint16_t)(i + 1);
		k.from = DAY_FROM - 365;
		k.to = PERMIT_DAY_OPEN;
		k.status = st != NULL ? st[i] : PERMIT_KEYSTATUS_ACTIVE;
		test_key(n[i], k.pk, sk);
		assert_int_equal(permit_keys_line(&k, line, sizeof(line),
		    NULL), 0);
		assert_true(strlen(text) + strlen(line) < sizeof(text));
		strcat(text, line);
	}
	assert_non_null(keys = permit_keys_parse(text, strlen(text), NULL));
	return (keys);
}

/* The test's own base32, so the C decoder is not checked by itself. */
static void
b32(const unsigned char *b, size_t n, char *out)
{
	static const char	 a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t			 bit, o = 0, i;
	unsigned int		 v;

	for (bit = 0; bit < n * 8; bit += 5) {
		for (v = 0, i = bit; i < bit + 5; i++)
			v = v << 1 | (i < n * 8 ?
			    (b[i / 8] >> (7 - i % 8) & 1) : 0);
		out[o++] = a[v];
	}
	out[o] = '\0';
}

static void
b32_dec(const char *s, unsigned char *b, size_t *n)
{
	size_t		 i, bit = 0;
	const char	*a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", *c;
	int		 k;

	memset(b, 0, BIN_MAX);
	for (i = 0; s[i] != '\0'; i++) {
		assert_non_null(c = strchr(a, s[i]));
		for (k = 4; k >= 0; k--, bit++)
			if (((c - a) >> k & 1) && bit / 8 < BIN_MAX)
				b[bit / 8] |= (unsigned char)(0x80 >> bit % 8);
	}
	*n = bit / 8;
}

/* "KITAS1:" + base32 of b[0..n). */
static void
token_of(const unsigned char *b, size_t n, char *out)
{
	memcpy(out, PERMIT_PREFIX, 7);
	b32(b, n, out + 7);
}

/* Sign a hand-made body with sk and give back its token text. */
static void
sign_body(const unsigned char *body, size_t n,
    const unsigned char sk[PERMIT_SK_LEN], char *out)
{
	unsigned char	msg[19 + BIN_MAX], bin[BIN_MAX + 64];

	assert_true(n <= BIN_MAX);
	memcpy(msg, TOKEN_DOMAIN, 19);
	memcpy(msg + 19, body, n);
	memcpy(bin, body, n);
	assert_int_equal(crypto_sign_detached(bin + n, NULL, msg, 19 + n, sk),
	    0);
	token_of(bin, n + 64, out);
}

/* The vector, field by field. */
struct vec {
	unsigned char	seed[32];
	int		kid;
	char		public_b64[64];
	struct permit	p;
	char		token[PERMIT_TOKEN_MAX];
};

static void
vec_read(struct vec *v)
{
	FILE	*fp;
	char	 line[1024], *val, from[16] = "", to[16] = "";
	size_t	 n;
	int	 fields = 0;

	memset(v, 0, sizeof(*v));
	assert_non_null(fp = fopen(VECTORS, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || (val = strchr(line, '=')) == NULL)
			continue;
		*val++ = '\0';
		val[strcspn(val, "\n")] = '\0';
		fields++;
#define STR(name, dst)	if (strcmp(line, name) == 0) \
	(void)snprintf(dst, sizeof(dst), "%s", val)
		STR("public_b64", v->public_b64);
		STR("number", v->p.number);
		STR("holder", v->p.holder);
		STR("passport", v->p.passport);
		STR("nationality", v->p.nationality);
		STR("kind", v->p.kind);
		STR("valid_from", from);
		STR("valid_to", to);
		STR("token", v->token);
#undef STR
		if (strcmp(line, "kid") == 0)
			v->kid = atoi(val);
		if (strcmp(line, "seed_hex") == 0)
			assert_int_equal(sodium_hex2bin(v->seed,
			    sizeof(v->seed), val, strlen(val), NULL, &n,
			    NULL), 0);
	}
	fclose(fp);
	assert_int_equal(fields, 11);
	assert_int_equal(permit_day_parse(from, strlen(from),
	    &v->p.valid_from, NULL), 0);
	assert_int_equal(permit_day_parse(to, strlen(to), &v->p.valid_to,
	    NULL), 0);
}

/* The vector was computed by an independent implementation (node). */
static void
vector_reproduces_exactly(void **state)
{
	struct vec		 v;
	struct permit		 p, want;
	struct permit_keys	*keys;
	unsigned char		 pk[32], sk[64];
	char			 tok[PERMIT_TOKEN_MAX], text[256], b64[64];
	uint16_t		 kid;

	vec_read(&v);
	vector_permit(&want);
	assert_permit_equal(&v.p, &want);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, v.seed), 0);
	(void)sodium_bin2base64(b64, sizeof(b64), pk, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	assert_string_equal(b64, v.public_b64);
	assert_int_equal(permit_token_make(&v.p, (uint16_t)v.kid, sk, tok,
	    sizeof(tok), NULL), 0);
	assert_string_equal(tok, v.token);

	assert_int_equal(permit_token_parse(v.token, &p, &kid, NULL), 0);
	assert_int_equal(kid, 1);
	assert_permit_equal(&p, &want);

	(void)snprintf(text, sizeof(text), PERMIT_KEYS_HEADER
	    "key 1 2026-11-25 - active %s\n", v.public_b64);
	assert_non_null(keys = permit_keys_parse(text, strlen(text), NULL));
	assert_int_equal(permit_check(v.token, keys, NULL, DAY_FROM + 10, &p,
	    &kid), PERMIT_VALID);
	assert_permit_equal(&p, &want);
	permit_keys_free(keys);
}

static void
round_trips(void **state)
{
	static const int	 one[] = { 0 };
	static const char	 utf8[] =
	    "Nguy\xe1\xbb\x85n \xc3\x85sa \xf0\x9f\x98\x80";
	struct permit_keys	*keys = keys_of(one, NULL, 1);
	struct permit		 p, got;
	unsigned char		 pk[32], sk[64];
	char			 tok[PERMIT_TOKEN_MAX];
	uint16_t		 kid;

	test_key(0, pk, sk);
	vector_permit(&p);
	/* Every field at its longest, multi-byte UTF-8 included. */
	memset(p.number, '9', PERMIT_NUMBER_MAX);
	memset(p.passport, 'Z', PERMIT_PASSPORT_MAX);
	(void)snprintf(p.kind, sizeof(p.kind), "RETIREMENT");
	memset(p.holder, 'a', PERMIT_HOLDER_MAX);
	memcpy(p.holder, utf8, sizeof(utf8) - 1);
	p.valid_from = 0;
	p.valid_to = PERMIT_DAY_MAX;
	assert_int_equal(permit_token_make(&p, 1, sk, tok, sizeof(tok), NULL),
	    0);
	assert_true(strlen(tok) < PERMIT_TOKEN_MAX);
	assert_int_equal(permit_check(tok, keys, NULL, 100, &got, &kid),
	    PERMIT_VALID);
	assert_permit_equal(&got, &p);
	/* PERMIT_TOKEN_MAX is enough, and not a byte more. */
	assert_int_equal(strlen(tok), PERMIT_TOKEN_MAX - 1);
	assert_int_equal(permit_token_make(&p, 1, sk, tok, PERMIT_TOKEN_MAX - 1,
	    NULL), -1);

	/* The shortest, and the highest key id. */
	memset(&p, 0, sizeof(p));
	(void)snprintf(p.number, sizeof(p.number), "1");
	(void)snprintf(p.holder, sizeof(p.holder), "X");
	(void)snprintf(p.passport, sizeof(p.passport), "1");
	(void)snprintf(p.nationality, sizeof(p.nationality), "IDN");
	(void)snprintf(p.kind, sizeof(p.kind), "E");
	p.valid_from = p.valid_to = 12345;
	assert_int_equal(permit_token_make(&p, 65535, sk, tok, sizeof(tok),
	    NULL), 0);
	assert_int_equal(permit_token_parse(tok, &got, &kid, NULL), 0);
	assert_int_equal(kid, 65535);
	assert_permit_equal(&got, &p);
	permit_keys_free(keys);
}

/*
 * Every value of every byte of the decoded token, body and signature,
 * is refused: malformed or forged, or unknown_key where the key id
 * bytes moved to a kid not in the list.
 */
static void
every_changed_byte_is_refused(void **state)
{
	static const int	 one[] = { 0 };
	struct permit_keys	*keys = keys_of(one, NULL, 1);
	struct vec		 v;
	unsigned char		 bin[BIN_MAX], orig;
	char			 tok[PERMIT_TOKEN_MAX];
	size_t			 n, i;
	unsigned int		 x;
	enum permit_check	 c;

	vec_read(&v);
	b32_dec(v.token + 7, bin, &n);
	token_of(bin, n, tok);
	assert_string_equal(tok, v.token);
	assert_int_equal(permit_check(tok, keys, NULL, DAY_FROM, NULL, NULL),
	    PERMIT_VALID);
	for (i = 0; i < n; i++) {
		orig = bin[i];
		for (x = 1; x < 256; x++) {
			bin[i] = (unsigned char)(orig ^ x);
			token_of(bin, n, tok);
			c = permit_check(tok, keys, NULL, DAY_FROM, NULL, NULL);
			if (i == 1 || i == 2)
				assert_true(c == PERMIT_MALFORMED ||
				    c == PERMIT_UNKNOWN_KEY);
			else if (i >= n - 64)
				assert_int_equal(c, PERMIT_FORGED);
			else
				assert_true(c == PERMIT_MALFORMED ||
				    c == PERMIT_FORGED);
		}
		bin[i] = orig;
	}
	permit_keys_free(keys);
}

static void
malformed_texts(void **state)
{
	static const int	 one[] = { 0 };
	struct permit_keys	*keys = keys_of(one, NULL, 1);
	struct vec		 v;
	struct permit		 p;
	char			 t[2 * PERMIT_TOKEN_MAX];
	const char		*bad;
	size_t			 len, i;
	uint16_t		 kid;

	vec_read(&v);
	len = strlen(v.token);
#define MAL(text) do { \
	assert_int_equal(permit_check(text, keys, NULL, DAY_FROM, &p, &kid), \
	    PERMIT_MALFORMED); \
	assert_int_equal(kid, 0); \
	assert_string_equal(p.number, ""); \
	assert_int_equal(permit_token_parse(text, &p, &kid, NULL), -1); \
} while (0)
	MAL("");
	MAL("KITAS1:");
	MAL(v.token + 7);			/* no prefix */
	(void)snprintf(t, sizeof(t), "KITAS2:%s", v.token + 7);
	MAL(t);
	(void)snprintf(t, sizeof(t), "kitas1:%s", v.token + 7);
	MAL(t);
	(void)snprintf(t, sizeof(t), " %s", v.token);
	MAL(t);
	for (bad = "=a018 \n:-+/"; *bad != '\0'; bad++) {
		/* In the middle, and appended. */
		(void)snprintf(t, sizeof(t), "%s", v.token);
		t[40] = *bad;
		MAL(t);
		(void)snprintf(t, sizeof(t), "%s%c", v.token, *bad);
		MAL(t);
	}
	(void)snprintf(t, sizeof(t), "%s", v.token);
	for (i = 7; t[i] != '\0'; i++)
		if (t[i] >= 'A' && t[i] <= 'Z')
			t[i] = (char)(t[i] - 'A' + 'a');
	MAL(t);
	/* Padding to a multiple of 8, as RFC 4648 would write it. */
	(void)snprintf(t, sizeof(t), "%s", v.token);
	while ((strlen(t) - 7) % 8 != 0)
		strcat(t, "=");
	MAL(t);
	/* Truncated by every amount, and extended. */
	for (i = 0; i < len; i++) {
		(void)snprintf(t, sizeof(t), "%.*s", (int)i, v.token);
		MAL(t);
	}
	for (i = 1; i <= 16; i++) {
		(void)snprintf(t, sizeof(t), "%s%.*s", v.token, (int)i,
		    "AAAAAAAAAAAAAAAA");
		MAL(t);
	}
	/* Set bits in the unused tail of the last character. */
	(void)snprintf(t, sizeof(t), "%s", v.token);
	t[len - 1] = (char)(t[len - 1] + 1);
	MAL(t);
	/* Far too long. */
	memset(t, 'A', sizeof(t) - 1);
	memcpy(t, PERMIT_PREFIX, 7);
	t[sizeof(t) - 1] = '\0';
	MAL(t);
	assert_int_equal(permit_check(NULL, keys, NULL, 0, NULL, NULL),
	    PERMIT_MALFORMED);
#undef MAL
	permit_keys_free(keys);
}

/*
 * Bodies the signer could never have made, signed anyway: the decoder
 * refuses them, whatever the signature says.
 */
static void
signed_but_malformed_bodies(void **state)
{
	static const int	 one[] = { 0 };
	static const struct {
		const char	*what;
		const char	*body;
		size_t		 len;
	} t[] = {
#define B(s) s, sizeof(s) - 1
		{ "good", B("\1\0\1\1A\1B\1C" "IDN" "\1E\0\1\0\2") },
		{ "version 2", B("\2\0\1\1A\1B\1C" "IDN" "\1E\0\1\0\2") },
		{ "kid 0", B("\1\0\0\1A\1B\1C" "IDN" "\1E\0\1\0\2") },
		{ "empty number", B("\1\0\1\0\1B\1C" "IDN" "\1E\0\1\0\2") },
		{ "lowercase", B("\1\0\1\1a\1B\1C" "IDN" "\1E\0\1\0\2") },
		{ "33-byte number", B("\1\0\1\41"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "\1B\1C" "IDN" "\1E\0\1\0\2") },
		{ "holder C0", B("\1\0\1\1A\1\t\1C" "IDN" "\1E\0\1\0\2") },
		{ "holder DEL", B("\1\0\1\1A\1\177\1C" "IDN" "\1E\0\1\0\2") },
		{ "holder C1", B("\1\0\1\1A\2\302\205\1C" "IDN"
		    "\1E\0\1\0\2") },
		{ "holder NUL", B("\1\0\1\1A\2B\0\1C" "IDN" "\1E\0\1\0\2") },
		{ "overlong", B("\1\0\1\1A\2\300\256\1C" "IDN" "\1E\0\1\0\2") },
		{ "surrogate", B("\1\0\1\1A\3\355\240\200\1C" "IDN"
		    "\1E\0\1\0\2") },
		{ "cut UTF-8", B("\1\0\1\1A\1\303\1C" "IDN" "\1E\0\1\0\2") },
		{ "passport -", B("\1\0\1\1A\1B\1-" "IDN" "\1E\0\1\0\2") },
		{ "nationality", B("\1\0\1\1A\1B\1C" "ID1" "\1E\0\1\0\2") },
		{ "kind 11", B("\1\0\1\1A\1B\1C" "IDN" "\13EEEEEEEEEEE"
		    "\0\1\0\2") },
		{ "dates reversed", B("\1\0\1\1A\1B\1C" "IDN" "\1E\0\2\0\1") },
		{ "trailing byte", B("\1\0\1\1A\1B\1C" "IDN" "\1E\0\1\0\2\0") },
		{ "short dates", B("\1\0\1\1A\1B\1C" "IDN" "\1E\0\1\0") },
#undef B
	};
	struct permit_keys	*keys = keys_of(one, NULL, 1);
	unsigned char		 pk[32], sk[64];
	char			 tok[PERMIT_TOKEN_MAX];
	size_t			 i;

	test_key(0, pk, sk);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sign_body((const unsigned char *)t[i].body, t[i].len, sk, tok);
		if (permit_check(tok, keys, NULL, 1, NULL, NULL) !=
		    (i == 0 ? PERMIT_VALID : PERMIT_MALFORMED))
			fail_msg("body \"%s\"", t[i].what);
	}
	permit_keys_free(keys);
}

static void
make_checks_every_field(void **state)
{
	struct permit	p;
	unsigned char	pk[32], sk[64];
	char		tok[PERMIT_TOKEN_MAX];
	struct err	err;
	int		i;

	test_key(0, pk, sk);
	for (i = 0; i < 13; i++) {
		vector_permit(&p);
		switch (i) {
		case 0: p.number[3] = '_'; break;
		case 1: memset(p.number, 'A', sizeof(p.number)); break;
		case 2: p.holder[0] = '\0'; break;
		case 3: p.holder[2] = '\n'; break;
		case 4: p.holder[2] = '\xff'; break;
		case 5: memset(p.holder, 'a', sizeof(p.holder)); break;
		case 6: p.passport[1] = 'a'; break;
		case 7: p.nationality[2] = '\0'; break;
		case 8: p.kind[0] = '\0'; break;
		case 9: p.valid_to = p.valid_from - 1; break;
		case 10: p.valid_to = PERMIT_DAY_MAX + 1; break;
		case 11: p.valid_from = -1; break;
		case 12: memset(p.kind, 'A', sizeof(p.kind)); break;
		}
		assert_int_equal(permit_token_make(&p, 1, sk, tok, sizeof(tok),
		    &err), -1);
		assert_string_equal(tok, "");
	}
	vector_permit(&p);
	assert_int_equal(permit_token_make(&p, 0, sk, tok, sizeof(tok), &err),
	    -1);
}

/* malformed, unknown key, forged, key revoked, revoked, dates, valid. */
static void
check_order_and_results(void **state)
{
	static const int			 n2[] = { 0, 7 };
	static const enum permit_key_status	 st[] = {
		PERMIT_KEYSTATUS_RETIRED, PERMIT_KEYSTATUS_REVOKED };
	struct permit_keys	*keys = keys_of(n2, st, 2), *other;
	struct permit_crl	*crl;
	struct permit_crl_entry	 e = { "SMG-2026-P000001", 1800000000 };
	struct permit		 p, got;
	unsigned char		 pk[32], sk0[64], sk7[64];
	char			 t1[PERMIT_TOKEN_MAX], t2[PERMIT_TOKEN_MAX];
	char			*text;
	uint16_t		 kid;

	test_key(0, pk, sk0);
	test_key(7, pk, sk7);
	vector_permit(&p);
	/* kid 1: key 0, retired (its tokens hold); kid 2: key 7, revoked. */
	assert_int_equal(permit_token_make(&p, 1, sk0, t1, sizeof(t1), NULL),
	    0);
	assert_int_equal(permit_token_make(&p, 2, sk7, t2, sizeof(t2), NULL),
	    0);
	assert_int_equal(permit_check(t1, keys, NULL, DAY_FROM, &got, &kid),
	    PERMIT_VALID);
	assert_int_equal(permit_check(t1, keys, NULL, DAY_TO, NULL, NULL),
	    PERMIT_VALID);
	assert_int_equal(permit_check(t1, keys, NULL, DAY_TO + 1, &got, &kid),
	    PERMIT_EXPIRED);
	assert_permit_equal(&got, &p);
	assert_int_equal(kid, 1);
	assert_int_equal(permit_check(t1, keys, NULL, DAY_FROM - 1, NULL,
	    NULL), PERMIT_NOT_YET_VALID);
	assert_int_equal(permit_check(t2, keys, NULL, DAY_FROM, &got, &kid),
	    PERMIT_KEY_REVOKED);
	assert_int_equal(kid, 2);
	assert_permit_equal(&got, &p);

	/* A token signed with the wrong key for its kid: forged. */
	assert_int_equal(permit_token_make(&p, 2, sk0, t2, sizeof(t2), NULL),
	    0);
	assert_int_equal(permit_check(t2, keys, NULL, DAY_FROM, NULL, NULL),
	    PERMIT_FORGED);
	assert_int_equal(permit_token_make(&p, 3, sk0, t2, sizeof(t2), NULL),
	    0);
	assert_int_equal(permit_check(t2, keys, NULL, DAY_FROM, &got, &kid),
	    PERMIT_UNKNOWN_KEY);
	assert_int_equal(kid, 3);
	assert_int_equal(permit_check(t2, NULL, NULL, DAY_FROM, NULL, NULL),
	    PERMIT_UNKNOWN_KEY);

	/* Revoked beats expired; the details are still there. */
	assert_int_equal(permit_crl_write(1800000000, 1800086400, 1, sk0, &e,
	    1, &text, NULL), 0);
	assert_non_null(crl = permit_crl_load(text, strlen(text), keys, NULL));
	assert_int_equal(permit_check(t1, keys, crl, DAY_TO + 1, &got, &kid),
	    PERMIT_REVOKED);
	assert_string_equal(got.holder, p.holder);
	/* Another permit is not touched by the list. */
	(void)snprintf(p.number, sizeof(p.number), "SMG-2026-P000002");
	assert_int_equal(permit_token_make(&p, 1, sk0, t1, sizeof(t1), NULL),
	    0);
	assert_int_equal(permit_check(t1, keys, crl, DAY_FROM, NULL, NULL),
	    PERMIT_VALID);
	permit_crl_free(crl);

	/* Key 0 active under kid 1 in another list: the same answer. */
	other = keys_of(n2, NULL, 1);
	assert_int_equal(permit_check(t1, other, NULL, DAY_FROM, NULL, NULL),
	    PERMIT_VALID);
	permit_keys_free(other);
	free(text);
	permit_keys_free(keys);
}

static void
check_names(void **state)
{
	static const char *want[] = { "valid", "malformed", "unknown_key",
	    "forged", "key_revoked", "revoked", "expired", "not_yet_valid" };
	int	i;

	for (i = 0; i <= PERMIT_NOT_YET_VALID; i++)
		assert_string_equal(permit_check_name((enum permit_check)i),
		    want[i]);
	assert_string_equal(permit_check_name((enum permit_check)99),
	    "unknown");
}

static void
days_and_dates(void **state)
{
	char	buf[PERMIT_DAY_LEN + 1];
	int32_t	d, back;

	assert_int_equal(permit_day(0), 0);
	assert_int_equal(permit_day(86399), 0);
	assert_int_equal(permit_day(86400), 1);
	assert_int_equal(permit_day(-1), -1);
	assert_int_equal(permit_day(-86400), -1);
	assert_int_equal(permit_day(-86401), -2);
	assert_int_equal(permit_day(1795564800), DAY_FROM); /* 2026-11-25 */
	for (d = 0; d <= PERMIT_DAY_MAX + 400; d++) {
		assert_int_equal(permit_day_format(d, buf, sizeof(buf)), 0);
		assert_int_equal(permit_day_parse(buf, strlen(buf), &back,
		    NULL), 0);
		assert_int_equal(back, d);
	}
	assert_int_equal(permit_day_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01");
	assert_int_equal(permit_day_format(DAY_TO, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2027-11-24");
	assert_int_equal(permit_day_format(-1, buf, sizeof(buf)), -1);
	assert_int_equal(permit_day_format(0, buf, 10), -1);
	assert_int_equal(permit_day_parse("2024-02-29", 10, &d, NULL), 0);
	assert_int_equal(permit_day_parse("2026-02-29", 10, &d, NULL), -1);
	assert_int_equal(permit_day_parse("2026-04-31", 10, &d, NULL), -1);
	assert_int_equal(permit_day_parse("2026-13-01", 10, &d, NULL), -1);
	assert_int_equal(permit_day_parse("2026-00-01", 10, &d, NULL), -1);
	assert_int_equal(permit_day_parse("1969-12-31", 10, &d, NULL), -1);
	assert_int_equal(permit_day_parse("2026-1-01", 9, &d, NULL), -1);
	assert_int_equal(permit_day_parse("2026/01/01", 10, &d, NULL), -1);
	assert_int_equal(permit_day_parse("+026-01-01", 10, &d, NULL), -1);
	assert_int_equal(permit_day_parse("2026-11-25x", 11, &d, NULL), -1);
}

/* The key list: what permit_keys_line() writes, and what is refused. */
static void
key_list_format(void **state)
{
	struct permit_keys	*keys;
	const struct permit_key	*k;
	struct permit_key	 w;
	unsigned char		 sk[64];
	char			 line[PERMIT_KEYS_LINE_MAX], text[1024];
	struct err		 err;
	size_t			 i;
	static const char	*head = PERMIT_KEYS_HEADER;
	static const char	*pk1 =
	    "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";
	static const char	*bad[] = {
		"",
		"KITAS-PERMIT-KEYS 2\nkey 1 2026-01-01 - active %s\n",
		"KITAS-PERMIT-KEYS 1\n",
		"%skey 1 2026-01-01 - active %s",		/* no \n */
		"%skey 1 2026-01-01 - active %s\r\n",
		"%skey 1 2026-01-01 -  active %s\n",
		"%s key 1 2026-01-01 - active %s\n",
		"%skey 1 2026-01-01 - active %s \n",
		"%skey 0 2026-01-01 - active %s\n",
		"%skey 01 2026-01-01 - active %s\n",
		"%skey 65536 2026-01-01 - active %s\n",
		"%skey +1 2026-01-01 - active %s\n",
		"%skey 1 2026-02-30 - active %s\n",
		"%skey 1 2026-01-01 2025-12-31 active %s\n",
		"%skey 1 2026-01-01 - Active %s\n",
		"%skey 1 2026-01-01 - suspended %s\n",
		"%skey 1 2026-01-01 - active %.43s\n",
		"%skey 1 2026-01-01 - active %.43sh\n",	/* unpadded */
		"%skey 1 2026-01-01 - active %s\n\n",
		"%s# comment\nkey 1 2026-01-01 - active %s\n",
		"%skey 1 2026-01-01 - active %s\nkey 1 2026-01-02 - active "
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"%skey 1 2026-01-01 - active %s\nkey 2 2026-01-01 - active "
		    "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n",
		"%skey 1 2026-01-01 - active %sA\n",
	};

	(void)snprintf(text, sizeof(text), "%skey 1 2026-01-01 2026-11-25 "
	    "retired %s\nkey 2 2026-11-25 - active "
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nkey 300 2026-11-25 "
	    "2026-11-25 revoked AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	    head, pk1);
	assert_non_null(keys = permit_keys_parse(text, strlen(text), &err));
	assert_int_equal(permit_keys_count(keys), 3);
	assert_non_null(k = permit_keys_find(keys, 1));
	assert_int_equal(k->status, PERMIT_KEYSTATUS_RETIRED);
	assert_int_equal(k->to, DAY_FROM);
	test_key(0, w.pk, sk);
	assert_memory_equal(k->pk, w.pk, 32);
	assert_non_null(k = permit_keys_find(keys, 2));
	assert_int_equal(k->to, PERMIT_DAY_OPEN);
	assert_non_null(k = permit_keys_find(keys, 300));
	assert_int_equal(k->status, PERMIT_KEYSTATUS_REVOKED);
	assert_null(permit_keys_find(keys, 3));
	assert_null(permit_keys_at(keys, 3));
	/* permit_keys_line() writes back exactly what was read. */
	line[0] = '\0';
	{
		char	again[1024];

		(void)snprintf(again, sizeof(again), "%s", head);
		for (i = 0; i < permit_keys_count(keys); i++) {
			assert_int_equal(permit_keys_line(permit_keys_at(keys,
			    i), line, sizeof(line), NULL), 0);
			strcat(again, line);
		}
		assert_string_equal(again, text);
	}
	permit_keys_free(keys);
	permit_keys_free(NULL);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), bad[i], head, pk1);
		if (i < 3)
			(void)snprintf(text, sizeof(text), bad[i], pk1);
		if ((keys = permit_keys_parse(text, strlen(text), &err)) !=
		    NULL)
			fail_msg("bad key list %zu accepted", i);
	}

	/* The writer refuses what the reader would. */
	memset(&w, 0, sizeof(w));
	w.kid = 1;
	w.from = DAY_FROM;
	w.to = DAY_FROM - 1;
	assert_int_equal(permit_keys_line(&w, line, sizeof(line), &err), -1);
	w.to = PERMIT_DAY_OPEN;
	w.kid = 0;
	assert_int_equal(permit_keys_line(&w, line, sizeof(line), &err), -1);
	w.kid = 1;
	w.status = (enum permit_key_status)3;
	assert_int_equal(permit_keys_line(&w, line, sizeof(line), &err), -1);
	w.status = PERMIT_KEYSTATUS_ACTIVE;
	assert_int_equal(permit_keys_line(&w, line, 20, &err), -1);
	assert_int_equal(permit_keys_line(&w, line, sizeof(line), &err), 0);
}

/* Sign text as a CRL body with sk and append the sig line: malloc'd. */
static char *
crl_sign(const char *body, const unsigned char *sk)
{
	unsigned char	 sig[64], *msg;
	char		 b64[100], *out;
	size_t		 n = strlen(body);

	assert_non_null(msg = malloc(17 + n));
	memcpy(msg, CRL_DOMAIN, 17);
	memcpy(msg + 17, body, n);
	assert_int_equal(crypto_sign_detached(sig, NULL, msg, 17 + n, sk), 0);
	free(msg);
	(void)sodium_bin2base64(b64, sizeof(b64), sig, 64,
	    sodium_base64_VARIANT_ORIGINAL);
	assert_non_null(out = malloc(n + 200));
	(void)snprintf(out, n + 200, "%ssig %s\n", body, b64);
	return (out);
}

static void
crl_round_trip_and_tamper(void **state)
{
	static const int			 n3[] = { 0, 7, 9 };
	static const enum permit_key_status	 st[] = {
		PERMIT_KEYSTATUS_ACTIVE, PERMIT_KEYSTATUS_REVOKED,
		PERMIT_KEYSTATUS_RETIRED };
	struct permit_keys	*keys = keys_of(n3, st, 3);
	struct permit_crl	*crl;
	struct permit_crl_entry	 e[3] = {
		{ "SMG-2026-P000012", 1795636800 },
		{ "DPS-2026-P000001", 1795640000 },
		{ "SMG-2026-P000003", 0 },
	};
	static const char	 want[] = "KITAS-PERMIT-CRL 1\n"
	    "issued 2026-11-25T21:00:00Z\n"
	    "next-update 2026-11-26T21:00:00Z\n"
	    "key 1\n"
	    "revoked DPS-2026-P000001 2026-11-25T20:53:20Z\n"
	    "revoked SMG-2026-P000003 1970-01-01T00:00:00Z\n"
	    "revoked SMG-2026-P000012 2026-11-25T20:00:00Z\n"
	    "sig ";
	unsigned char		 pk[32], sk0[64], sk7[64], sk9[64];
	char			*text, *copy, *t2;
	size_t			 len, i;
	struct err		 err;

	test_key(0, pk, sk0);
	test_key(7, pk, sk7);
	test_key(9, pk, sk9);
	/* 2026-11-25T21:00:00Z and a day later. */
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 1, sk0, e, 3,
	    &text, &err), 0);
	assert_memory_equal(text, want, sizeof(want) - 1);
	len = strlen(text);
	assert_non_null(crl = permit_crl_load(text, len, keys, &err));
	assert_int_equal(permit_crl_issued(crl), 1795640400);
	assert_int_equal(permit_crl_next_update(crl), 1795726800);
	assert_int_equal(permit_crl_count(crl), 3);
	for (i = 0; i < 3; i++)
		assert_true(permit_crl_has(crl, e[i].number));
	assert_false(permit_crl_has(crl, "SMG-2026-P000004"));
	assert_false(permit_crl_has(crl, ""));
	assert_false(permit_crl_has(crl, NULL));
	permit_crl_free(crl);
	permit_crl_free(NULL);

	/* Every changed byte, to every other value, is refused. */
	assert_non_null(copy = malloc(len + 1));
	for (i = 0; i < len; i++) {
		unsigned int	x;

		for (x = 1; x < 256; x += (i < len - 90 ? 1 : 37)) {
			memcpy(copy, text, len + 1);
			copy[i] = (char)(copy[i] ^ x);
			crl = permit_crl_load(copy, len, keys, NULL);
			if (crl != NULL)
				fail_msg("byte %zu ^ %u accepted", i, x);
		}
	}
	/* Cut short or extended. */
	for (i = 0; i < len; i++)
		assert_null(permit_crl_load(text, i, keys, NULL));
	memcpy(copy, text, len + 1);
	t2 = realloc(copy, len + 2);
	assert_non_null(copy = t2);
	copy[len] = '\n';
	assert_null(permit_crl_load(copy, len + 1, keys, NULL));
	free(copy);
	free(text);

	/* A revoked key's list is refused; a retired key's is not. */
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 2, sk7, e, 1,
	    &text, NULL), 0);
	assert_null(permit_crl_load(text, strlen(text), keys, &err));
	free(text);
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 3, sk9, e, 1,
	    &text, NULL), 0);
	assert_non_null(crl = permit_crl_load(text, strlen(text), keys, NULL));
	permit_crl_free(crl);
	free(text);
	/* Unknown key; a key list without the signer. */
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 4, sk0, e, 1,
	    &text, NULL), 0);
	assert_null(permit_crl_load(text, strlen(text), keys, &err));
	assert_null(permit_crl_load(text, strlen(text), NULL, &err));
	free(text);
	/* Signed by key 0 but naming kid 3: the signature fails. */
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 3, sk0, e, 1,
	    &text, NULL), 0);
	assert_null(permit_crl_load(text, strlen(text), keys, &err));
	free(text);
	/* An empty list is a list. */
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 1, sk0, NULL,
	    0, &text, NULL), 0);
	assert_non_null(crl = permit_crl_load(text, strlen(text), keys, NULL));
	assert_int_equal(permit_crl_count(crl), 0);
	assert_false(permit_crl_has(crl, "SMG-2026-P000012"));
	permit_crl_free(crl);
	free(text);

	permit_keys_free(keys);
}

/* Lists the writer would never make, signed properly: refused. */
static void
crl_signed_but_malformed(void **state)
{
	static const int	 one[] = { 0 };
	static const char	*body[] = {
		/* 0 is good. */
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n"
		"revoked A 2026-11-25T20:00:00Z\n"
		"revoked B 2026-11-25T20:00:00Z\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n"
		"revoked B 2026-11-25T20:00:00Z\n"
		"revoked A 2026-11-25T20:00:00Z\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n"
		"revoked A 2026-11-25T20:00:00Z\n"
		"revoked A 2026-11-25T20:00:00Z\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-25T21:00:00Z\nkey 1\n",
		"KITAS-PERMIT-CRL 1\nnext-update 2026-11-26T21:00:00Z\n"
		"issued 2026-11-25T21:00:00Z\nkey 1\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25 21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T24:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n"
		"revoked a 2026-11-25T20:00:00Z\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 1\n"
		"revoked A 2026-11-25T20:00:00Z extra\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\nkey 01\n",
		"KITAS-PERMIT-CRL 1\nissued 2026-11-25T21:00:00Z\n"
		"next-update 2026-11-26T21:00:00Z\n",
	};
	struct permit_keys	*keys = keys_of(one, NULL, 1);
	struct permit_crl	*crl;
	struct permit_crl_entry	 dup[2] = { { "A", 0 }, { "A", 1 } };
	unsigned char		 pk[32], sk[64];
	char			*text;
	size_t			 i;
	struct err		 err;

	test_key(0, pk, sk);
	for (i = 0; i < sizeof(body) / sizeof(body[0]); i++) {
		text = crl_sign(body[i], sk);
		crl = permit_crl_load(text, strlen(text), keys, &err);
		if ((crl == NULL) != (i != 0))
			fail_msg("crl body %zu: %s", i, err.msg);
		if (i == 0) {
			assert_non_null(crl);
			assert_true(permit_crl_has(crl, "B"));
			permit_crl_free(crl);
		} else
			assert_null(crl);
		free(text);
	}
	/* The writer refuses repeats, bad numbers and bad times. */
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 1, sk, dup, 2,
	    &text, &err), -1);
	assert_null(text);
	(void)snprintf(dup[1].number, sizeof(dup[1].number), "a");
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 1, sk, dup, 2,
	    &text, &err), -1);
	assert_int_equal(permit_crl_write(1795640400, 1795640400, 1, sk, dup, 1,
	    &text, &err), -1);
	assert_int_equal(permit_crl_write(-1, 1795640400, 1, sk, dup, 1,
	    &text, &err), -1);
	assert_int_equal(permit_crl_write(1795640400, 1795726800, 0, sk, dup, 1,
	    &text, &err), -1);
	permit_keys_free(keys);
}

/* Keyring files. */

/* Seeds in base64: key 0 (the vector's seed) and key 7. */
#define SEED0	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define SEED7	"BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSY="

static void
keyring_load_rules(void **state)
{
	struct permit_signer	*s;
	unsigned char		 pk[32], sk[64];
	char			 path[128];
	struct err		 err;
	size_t			 i;
	static const char	*bad[] = {
		"",
		"# only a comment\n\n",
		"0 " SEED0 "\n",
		"65536 " SEED0 "\n",
		"1 " SEED0 "\n1 " SEED7 "\n",
		"1 " SEED0 "\n2 " SEED0 "\n",
		"1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
		"1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n",
		"1\n",
		"1 " SEED0 " junk\n",
		"x " SEED0 "\n",
	};

	path_of(path, sizeof(path), "signer");
	/* Comments, blanks, CRLF, any order: the highest kid signs. */
	file_write_text(path, "# keys\n\n  7 " SEED7 "\r\n1\t" SEED0 "\n", 0600);
	assert_non_null(s = permit_signer_load(path, &err));
	assert_int_equal(s->kid, 7);
	test_key(7, pk, sk);
	assert_memory_equal(s->sk, sk, 64);
	assert_memory_equal(s->pk, pk, 32);
	permit_signer_free(s);
	permit_signer_free(NULL);

	file_write_text(path, "1 " SEED0, 0400);		/* no final newline */
	assert_non_null(s = permit_signer_load(path, &err));
	assert_int_equal(s->kid, 1);
	permit_signer_free(s);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		file_write_text(path, bad[i], 0600);
		if ((s = permit_signer_load(path, &err)) != NULL)
			fail_msg("bad keyring %zu accepted", i);
		/* Never a seed in the message. */
		assert_null(strstr(err.msg, "AAECAwQF"));
		assert_null(strstr(err.msg, "BwgJCgsM"));
	}

	file_write_text(path, "1 " SEED0 "\n", 0644);
	assert_null(permit_signer_load(path, &err));
	assert_non_null(strstr(err.msg, "0644"));
	file_write_text(path, "1 " SEED0 "\n", 0640);
	assert_null(permit_signer_load(path, &err));
	file_write_text(path, "1 " SEED0 "\n", 0700);
	assert_null(permit_signer_load(path, &err));
	assert_null(permit_signer_load(tmpdir, &err));	/* a directory */
	path_of(path, sizeof(path), "missing");
	assert_null(permit_signer_load(path, &err));
}

static void
generate_appends_the_next_kid(void **state)
{
	struct permit_signer	*s;
	struct stat		 st;
	unsigned char		 pk1[32], pk2[32];
	char			 path[128], before[4096], after[4096];
	struct err		 err;
	uint16_t		 kid;
	size_t			 n;

	path_of(path, sizeof(path), "gen");
	(void)unlink(path);
	assert_int_equal(permit_signer_generate(path, &kid, pk1, &err), 0);
	assert_int_equal(kid, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_non_null(s = permit_signer_load(path, &err));
	assert_int_equal(s->kid, 1);
	assert_memory_equal(s->pk, pk1, 32);
	permit_signer_free(s);

	n = file_read_text(path, before, sizeof(before));
	assert_int_equal(permit_signer_generate(path, &kid, pk2, &err), 0);
	assert_int_equal(kid, 2);
	assert_memory_not_equal(pk1, pk2, 32);
	/* The old lines are untouched: the file only grew. */
	(void)file_read_text(path, after, sizeof(after));
	assert_memory_equal(before, after, n);
	assert_true(strlen(after) > n);
	assert_non_null(s = permit_signer_load(path, &err));
	assert_int_equal(s->kid, 2);
	assert_memory_equal(s->pk, pk2, 32);
	permit_signer_free(s);
	/* The old key still loads, on its own. */
	file_write_text(path, before, 0600);
	assert_non_null(s = permit_signer_load(path, &err));
	assert_int_equal(s->kid, 1);
	assert_memory_equal(s->pk, pk1, 32);
	permit_signer_free(s);

	/* After kid 41, and on a file without a final newline. */
	file_write_text(path, "# hand-made\n41 " SEED7, 0600);
	assert_int_equal(permit_signer_generate(path, &kid, NULL, &err), 0);
	assert_int_equal(kid, 42);
	assert_non_null(s = permit_signer_load(path, &err));
	assert_int_equal(s->kid, 42);
	permit_signer_free(s);
	/* A file of comments only is a keyring still to be filled. */
	file_write_text(path, "# empty\n", 0600);
	assert_int_equal(permit_signer_generate(path, &kid, NULL, &err), 0);
	assert_int_equal(kid, 1);
	/* What load refuses, generate refuses, and leaves alone. */
	file_write_text(path, "1 " SEED0 "\n", 0644);
	assert_int_equal(permit_signer_generate(path, &kid, NULL, &err), -1);
	(void)file_read_text(path, after, sizeof(after));
	assert_string_equal(after, "1 " SEED0 "\n");
	file_write_text(path, "65535 " SEED0 "\n", 0600);
	assert_int_equal(permit_signer_generate(path, &kid, NULL, &err), -1);
}

static int
setup(void **state)
{
	if (sodium_init() < 0)
		return (-1);
	return (tmpdir_make("permit_test"));
}

static int
teardown(void **state)
{
	return (tmpdir_remove());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_reproduces_exactly),
		cmocka_unit_test(round_trips),
		cmocka_unit_test(every_changed_byte_is_refused),
		cmocka_unit_test(malformed_texts),
		cmocka_unit_test(signed_but_malformed_bodies),
		cmocka_unit_test(make_checks_every_field),
		cmocka_unit_test(check_order_and_results),
		cmocka_unit_test(check_names),
		cmocka_unit_test(days_and_dates),
		cmocka_unit_test(key_list_format),
		cmocka_unit_test(crl_round_trip_and_tamper),
		cmocka_unit_test(crl_signed_but_malformed),
		cmocka_unit_test(keyring_load_rules),
		cmocka_unit_test(generate_appends_the_next_kid),
	};

	return (cmocka_run_group_tests_name("permit", tests, setup, teardown));
}
