/* Content-Digest, RFC 9530 (src/digest.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "digest.h"

#define V9530	"tests/vectors/rfc9530/"
#define HDR_BIG	(2 * DIGEST_HEADER_MAX)

/* The RFC's representation and its two digests, from the data files. */
struct vec {
	char	body[64];
	size_t	bodylen;
	char	sha256[128];
	char	sha512[160];
};

static size_t
slurp(const char *path, char *buf, size_t sz)
{
	FILE	*fp;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, sz - 1, fp);
	assert_int_equal(feof(fp), 1);
	fclose(fp);
	buf[n] = '\0';
	return (n);
}

static void
vec_load(struct vec *v)
{
	char	buf[512], *l, *nl;

	v->bodylen = slurp(V9530 "hello-world.json", v->body, sizeof(v->body));
	assert_int_equal(v->bodylen, 18);
	(void)slurp(V9530 "hello-world.digests", buf, sizeof(buf));
	v->sha256[0] = v->sha512[0] = '\0';
	for (l = buf; (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		*nl = '\0';
		if (strncmp(l, "sha-256=", 8) == 0)
			assert_true(snprintf(v->sha256, sizeof(v->sha256),
			    "%s", l) < (int)sizeof(v->sha256));
		else if (strncmp(l, "sha-512=", 8) == 0)
			assert_true(snprintf(v->sha512, sizeof(v->sha512),
			    "%s", l) < (int)sizeof(v->sha512));
	}
	assert_true(v->sha256[0] != '\0' && v->sha512[0] != '\0');
}

/* The template with {256} and {512} replaced by the RFC's members. */
static void
expand(const struct vec *v, const char *tpl, char *out, size_t outsz)
{
	const char	*sub;
	size_t		 n = 0, len;

	while (*tpl != '\0') {
		sub = NULL;
		if (strncmp(tpl, "{256}", 5) == 0)
			sub = v->sha256;
		else if (strncmp(tpl, "{512}", 5) == 0)
			sub = v->sha512;
		len = sub != NULL ? strlen(sub) : 1;
		assert_true(n + len < outsz);
		memcpy(out + n, sub != NULL ? sub : tpl, len);
		n += len;
		tpl += sub != NULL ? 5 : 1;
	}
	out[n] = '\0';
}

static void
rfc9530_vectors(void **state)
{
	struct vec	v;
	struct err	err;
	char		out[DIGEST_BUFSZ];

	vec_load(&v);
	assert_int_equal(digest_header(v.body, v.bodylen, out, sizeof(out),
	    &err), 0);
	assert_string_equal(out, v.sha256);
	assert_string_equal(out,
	    "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
	assert_int_equal(digest_verify(out, v.body, v.bodylen, &err),
	    DIGEST_OK);
}

static const struct {
	const char		*what;
	const char		*hdr;
	enum digest_result	 want;
	const char		*err;
} cases[] = {
	{ "sha-256", "{256}", DIGEST_OK, NULL },
	{ "both", "{256}, {512}", DIGEST_OK, NULL },
	{ "both, sha-512 first", "{512},{256}", DIGEST_OK, NULL },
	{ "whitespace RFC 8941 allows", "  {512} \t,\t {256}  ", DIGEST_OK,
	    NULL },
	{ "unknown algorithms ignored", "md5=:Sd/dVLAcvNLSq16eXua5uQ==:, "
	    "{256}, unixsum=:AAAA:", DIGEST_OK, NULL },
	{ "padding left out", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7"
	    "kbu9DBPE:", DIGEST_OK, NULL },
	{ "sha-512 alone", "{512}", DIGEST_NO_SHA256, "has no sha-256" },
	{ "md5 alone", "md5=:Sd/dVLAcvNLSq16eXua5uQ==:", DIGEST_NO_SHA256,
	    "has no sha-256" },
	{ "empty", "", DIGEST_NO_SHA256, "has no sha-256" },
	{ "spaces", "   ", DIGEST_NO_SHA256, "has no sha-256" },
	{ "sha-256 of another body", "sha-256=:Y48E9qOokqqrvdts8nOJRJN3OWDU"
	    "oyWxBf7kbu9DBPE=:", DIGEST_MISMATCH,
	    "sha-256 does not match the body (18 bytes)" },
	{ "sha-512 of another body", "{256}, sha-512=:mEWXIS7MaLRuGgxOBdODa3"
	    "xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgf"
	    "LQ==:", DIGEST_MISMATCH, "sha-512 does not match" },
	{ "sha-256 too short", "sha-256=:AAAA:", DIGEST_MALFORMED,
	    "sha-256 digest of 3 bytes (expected 32)" },
	{ "sha-512 of 32 bytes", "{256}, sha-512=:X48E9qOokqqrvdts8nOJRJN3O"
	    "WDUoyWxBf7kbu9DBPE=:", DIGEST_MALFORMED,
	    "sha-512 digest of 32 bytes (expected 64)" },
	{ "sha-256 twice", "{256}, {256}", DIGEST_MALFORMED,
	    "sha-256 given twice" },
	{ "bad base64 character", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoy"
	    "WxBf7kbu9DBP!=:", DIGEST_MALFORMED,
	    "sha-256: bad base64 character '!'" },
	{ "base64 pad bits set", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWx"
	    "Bf7kbu9DBPF=:", DIGEST_MALFORMED, "sha-256: bad base64" },
	{ "unterminated", "sha-256=:X48E", DIGEST_MALFORMED,
	    "sha-256: unterminated byte sequence" },
	{ "a string", "sha-256=\"X48E\"", DIGEST_MALFORMED,
	    "sha-256: expected '=' and a byte sequence" },
	{ "a bare key", "sha-256", DIGEST_MALFORMED,
	    "expected '=' and a byte sequence" },
	{ "upper case", "SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBP"
	    "E=:", DIGEST_MALFORMED,
	    "expected a lower-case algorithm name (offset 0)" },
	{ "parameters", "{256};q=1", DIGEST_MALFORMED,
	    "parameters are not supported" },
	{ "trailing comma", "{256},", DIGEST_MALFORMED, "trailing ','" },
	{ "junk after a member", "{256} x", DIGEST_MALFORMED,
	    "expected ',' after a digest" },
	{ "leading tab", "\t{256}", DIGEST_MALFORMED,
	    "expected a lower-case algorithm name" },
	{ "non-ASCII", "{256}, \xc3\xa9=:AAAA:", DIGEST_MALFORMED,
	    "byte 0xc3 at offset 56 is not printable ASCII" },
	{ "line break", "{256}\r\n", DIGEST_MALFORMED, "byte 0x0d" },
	{ "long algorithm name", "a23456789012345678901234567890123=:AAAA:",
	    DIGEST_MALFORMED, "algorithm name longer than 32 characters" },
};

static void
verify_cases(void **state)
{
	struct vec		 v;
	struct err		 err;
	char			 hdr[1024];
	enum digest_result	 r;
	size_t			 i;

	vec_load(&v);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expand(&v, cases[i].hdr, hdr, sizeof(hdr));
		err.msg[0] = '\0';
		r = digest_verify(hdr, v.body, v.bodylen, &err);
		if (r != cases[i].want)
			fail_msg("%s: %s, want %s (%s)", cases[i].what,
			    digest_result_name(r),
			    digest_result_name(cases[i].want), err.msg);
		if (cases[i].err != NULL && strstr(err.msg, cases[i].err) ==
		    NULL)
			fail_msg("%s: err \"%s\" lacks \"%s\"", cases[i].what,
			    err.msg, cases[i].err);
	}
	assert_int_equal(digest_verify(NULL, v.body, v.bodylen, &err),
	    DIGEST_MISSING);
}

/* Any one bit of the body changed, sha-256 alone or with sha-512. */
static void
verify_catches_every_bit(void **state)
{
	struct vec	v;
	struct err	err;
	char		both[512];
	size_t		i;

	vec_load(&v);
	(void)snprintf(both, sizeof(both), "%s, %s", v.sha512, v.sha256);
	for (i = 0; i < v.bodylen * 8; i++) {
		v.body[i / 8] ^= (char)(1 << (i % 8));
		assert_int_equal(digest_verify(v.sha256, v.body, v.bodylen,
		    &err), DIGEST_MISMATCH);
		assert_int_equal(digest_verify(both, v.body, v.bodylen, &err),
		    DIGEST_MISMATCH);
		v.body[i / 8] ^= (char)(1 << (i % 8));
	}
	assert_int_equal(digest_verify(both, v.body, v.bodylen, &err),
	    DIGEST_OK);
	assert_int_equal(digest_verify(v.sha256, v.body, v.bodylen - 1, &err),
	    DIGEST_MISMATCH);
}

static void
bounds(void **state)
{
	struct vec	v;
	struct err	err;
	char		hdr[HDR_BIG];
	size_t		i, len;

	vec_load(&v);
	/* Eight members pass, a ninth is refused. */
	(void)snprintf(hdr, sizeof(hdr), "%s", v.sha256);
	for (i = 0; i < DIGEST_MEMBERS_MAX - 1; i++) {
		len = strlen(hdr);
		(void)snprintf(hdr + len, sizeof(hdr) - len, ", x%zu=:AAAA:",
		    i);
	}
	assert_int_equal(digest_verify(hdr, v.body, v.bodylen, &err),
	    DIGEST_OK);
	len = strlen(hdr);
	(void)snprintf(hdr + len, sizeof(hdr) - len, ", y=:AAAA:");
	assert_int_equal(digest_verify(hdr, v.body, v.bodylen, &err),
	    DIGEST_MALFORMED);
	assert_non_null(strstr(err.msg, "more than 8 algorithms"));

	/* 4096 bytes pass, 4097 are refused unread. */
	len = strlen(v.sha256);
	memcpy(hdr, v.sha256, len);
	memset(hdr + len, ' ', DIGEST_HEADER_MAX - len);
	hdr[DIGEST_HEADER_MAX] = '\0';
	assert_int_equal(digest_verify(hdr, v.body, v.bodylen, &err),
	    DIGEST_OK);
	hdr[DIGEST_HEADER_MAX] = ' ';
	hdr[DIGEST_HEADER_MAX + 1] = '\0';
	assert_int_equal(digest_verify(hdr, v.body, v.bodylen, &err),
	    DIGEST_MALFORMED);
	assert_non_null(strstr(err.msg, "longer than 4096 bytes"));
}

static void
header_for_empty_and_small_buffers(void **state)
{
	struct err	err;
	char		out[DIGEST_BUFSZ];
	size_t		need = strlen("sha-256=::") + 44 + 1;

	assert_int_equal(digest_header(NULL, 0, out, sizeof(out), &err), 0);
	assert_string_equal(out,
	    "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
	assert_int_equal(digest_verify(out, "", 0, &err), DIGEST_OK);
	assert_int_equal(digest_verify(out, NULL, 0, &err), DIGEST_OK);
	assert_int_equal(digest_header("x", 1, out, need, &err), 0);
	assert_int_equal(digest_header("x", 1, out, need - 1, &err), -1);
	assert_non_null(strstr(err.msg, "too small"));
	assert_string_equal(digest_result_name(DIGEST_MISMATCH), "mismatch");
	assert_string_equal(digest_result_name((enum digest_result)42),
	    "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc9530_vectors),
		cmocka_unit_test(verify_cases),
		cmocka_unit_test(verify_catches_every_bit),
		cmocka_unit_test(bounds),
		cmocka_unit_test(header_for_empty_and_small_buffers),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests_name("digest", tests, NULL, NULL));
}
