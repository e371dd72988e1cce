/* HTTP Message Signatures, RFC 9421 (src/sig.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "digest.h"
#include "sig.h"

#define V9421		"tests/vectors/rfc9421/"
#define B26_CREATED	1618884473LL
#define NOW		1700000000LL	/* "now" for the policy cases */
#define MAX_AGE		300
#define HDRS_MAX	16
#define NONE		(-4000000000000000000LL)	/* no such parameter */

/* A message read from a vector file, header names in lower case. */
struct msg {
	char		 raw[4096];
	char		 target[512];
	const char	*name[HDRS_MAX];
	const char	*value[HDRS_MAX];
	size_t		 nhdr;
	const char	*body;
	size_t		 bodylen;
	struct sig_msg	 m;
};

/* The B.1.4 key pair, read from the PEM files. */
struct keys {
	unsigned char	pk[SIG_PK_LEN];
	unsigned char	sk[SIG_SK_LEN];
};

static const struct sig_policy any_components = {
	NULL, MAX_AGE, SIG_SKEW_DEFAULT
};

static const char *const exchange_required[] = {
	"@method", "@path", "content-type", "content-digest", NULL
};

static const struct sig_policy exchange = {
	exchange_required, MAX_AGE, SIG_SKEW_DEFAULT
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

static int
msg_field(void *arg, const char *name, size_t idx, const char **value,
    size_t *len)
{
	struct msg	*msg = arg;
	size_t		 i;

	for (i = 0; i < msg->nhdr; i++) {
		if (strcmp(msg->name[i], name) != 0 || idx-- > 0)
			continue;
		*value = msg->value[i];
		*len = strlen(msg->value[i]);
		return (0);
	}
	return (-1);
}

static const char *
msg_get(const struct msg *msg, const char *name)
{
	size_t	i;

	for (i = 0; i < msg->nhdr; i++) {
		if (strcmp(msg->name[i], name) == 0)
			return (msg->value[i]);
	}
	return (NULL);
}

/* Replace every line of name with one holding value (NULL: delete). */
static void
msg_set(struct msg *msg, const char *name, const char *value)
{
	size_t	i, j;

	for (i = j = 0; i < msg->nhdr; i++) {
		if (strcmp(msg->name[i], name) == 0)
			continue;
		msg->name[j] = msg->name[i];
		msg->value[j++] = msg->value[i];
	}
	msg->nhdr = j;
	if (value == NULL)
		return;
	assert_true(msg->nhdr < HDRS_MAX);
	msg->name[msg->nhdr] = name;
	msg->value[msg->nhdr++] = value;
}

static void
msg_add(struct msg *msg, const char *name, const char *value)
{
	assert_true(msg->nhdr < HDRS_MAX);
	msg->name[msg->nhdr] = name;
	msg->value[msg->nhdr++] = value;
}

/* An RFC 9421 B.2 message file: request or status line, fields, body. */
static void
msg_load(struct msg *msg, const char *file)
{
	char	*line, *next, *colon, *p, *target = NULL, *q;

	memset(msg, 0, sizeof(*msg));
	(void)slurp(file, msg->raw, sizeof(msg->raw));
	for (line = msg->raw; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			fail_msg("%s: no body", file);
		*next++ = '\0';
		if (line == msg->raw) {
			if (strncmp(line, "HTTP/1.1 ", 9) == 0) {
				msg->m.status = atoi(line + 9);
				continue;
			}
			msg->m.method = line;
			assert_non_null(target = strchr(line, ' '));
			*target++ = '\0';
			assert_non_null(p = strchr(target, ' '));
			*p = '\0';
			continue;
		}
		if (*line == '\0') {
			msg->body = next;
			msg->bodylen = strlen(next);
			break;
		}
		assert_non_null(colon = strchr(line, ':'));
		*colon = '\0';
		for (p = line; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		msg_add(msg, line, colon + 2);
	}
	if (target != NULL) {
		msg->m.authority = msg_get(msg, "host");
		assert_int_equal(snprintf(msg->target, sizeof(msg->target),
		    "https://%s%s", msg->m.authority, target) <
		    (int)sizeof(msg->target), 1);
		msg->m.target_uri = msg->target;
		if ((q = strchr(target, '?')) != NULL) {
			*q = '\0';
			msg->m.query = q + 1;
		}
		msg->m.path = target;
	}
	msg->m.field = msg_field;
	msg->m.arg = msg;
}

static void
msg_copy(struct msg *dst, const struct msg *src)
{
	memcpy(dst, src, sizeof(*dst));
	dst->m.arg = dst;
}

/* The last 32 bytes of the DER in a PEM file, after the expected prefix. */
static void
pem_key(const char *file, const char *prefix_hex, unsigned char out[32])
{
	char		 pem[512], *b, *e;
	unsigned char	 der[64], prefix[32];
	size_t		 derlen, plen;

	(void)slurp(file, pem, sizeof(pem));
	assert_non_null(b = strstr(pem, "-----\n"));
	b += 6;
	assert_non_null(e = strstr(b, "-----END"));
	assert_int_equal(sodium_base642bin(der, sizeof(der), b, (size_t)(e - b),
	    "\n", &derlen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(sodium_hex2bin(prefix, sizeof(prefix), prefix_hex,
	    strlen(prefix_hex), NULL, &plen, NULL), 0);
	assert_int_equal(derlen, plen + 32);
	assert_memory_equal(der, prefix, plen);
	memcpy(out, der + plen, 32);
	sodium_memzero(der, sizeof(der));
}

static void
keys_load(struct keys *k)
{
	unsigned char	seed[32], pk[SIG_PK_LEN];

	/* SPKI and PKCS#8 wrappings of an Ed25519 key (RFC 8410). */
	pem_key(V9421 "test-key-ed25519.pub.pem", "302a300506032b6570032100",
	    k->pk);
	pem_key(V9421 "test-key-ed25519.pem",
	    "302e020100300506032b657004220420", seed);
	assert_int_equal(crypto_sign_seed_keypair(pk, k->sk, seed), 0);
	sodium_memzero(seed, sizeof(seed));
	assert_memory_equal(pk, k->pk, sizeof(pk));
}

/* The Signature-Input and Signature values of a sig-bNN.headers file. */
static void
headers_load(const char *name, char *input, char *signature)
{
	char	path[128], buf[2 * SIG_HEADER_MAX], *l, *nl;

	(void)snprintf(path, sizeof(path), V9421 "%s.headers", name);
	(void)slurp(path, buf, sizeof(buf));
	input[0] = signature[0] = '\0';
	for (l = buf; (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		*nl = '\0';
		if (strncmp(l, "Signature-Input: ", 17) == 0)
			(void)snprintf(input, SIG_HEADER_MAX + 1, "%s", l + 17);
		else if (strncmp(l, "Signature: ", 11) == 0)
			(void)snprintf(signature, SIG_HEADER_MAX + 1, "%s",
			    l + 11);
	}
	assert_true(input[0] != '\0' && signature[0] != '\0');
}

static void
assert_err(const char *what, const struct err *err, const char *want)
{
	if (want != NULL && strstr(err->msg, want) == NULL)
		fail_msg("%s: err \"%s\" lacks \"%s\"", what, err->msg, want);
}

static void
assert_result(const char *what, enum sig_result got, enum sig_result want,
    const struct err *err, const char *errwant)
{
	if (got != want)
		fail_msg("%s: %s, want %s (%s)", what, sig_result_name(got),
		    sig_result_name(want), err->msg);
	assert_err(what, err, errwant);
}

/*
 * Sign whatever Signature-Input says over msg, as a partner would: the
 * policy cases need signatures our own sig_sign() would never make.
 */
static void
sign_input(const char *input, const struct msg *msg, const struct keys *k,
    char *signature, size_t sigsz)
{
	struct sig	 s;
	struct err	 err;
	char		 base[8192], b64[128], dummy[SIG_NAME_MAX + 8];
	unsigned char	 sm[SIG_ED25519_LEN];
	size_t		 len;

	assert_non_null(strchr(input, '='));
	(void)snprintf(dummy, sizeof(dummy), "%.*s=::",
	    (int)(strchr(input, '=') - input), input);
	assert_result("sign_input", sig_parse(input, dummy, NULL, &s, &err),
	    SIG_OK, &err, NULL);
	if (sig_base(&s, &msg->m, base, sizeof(base), &len, &err) != SIG_OK) {
		/* A component the message lacks: any signature will do. */
		memset(sm, 0, sizeof(sm));
	} else
		assert_int_equal(crypto_sign_detached(sm, NULL,
		    (unsigned char *)base, len, k->sk), 0);
	(void)sodium_bin2base64(b64, sizeof(b64), sm, sizeof(sm),
	    sodium_base64_VARIANT_ORIGINAL);
	(void)snprintf(signature, sigsz, "%s=:%s:", s.label, b64);
}

static const struct {
	const char	*name;
	const char	*msg;
	enum sig_result	 want;
	const char	*err;
} appendix_b[] = {
	{ "sig-b21", "test-request.http", SIG_OK, NULL },
	{ "sig-b22", "test-request.http", SIG_MALFORMED,
	    "component @query-param: parameters are not supported" },
	{ "sig-b23", "test-request.http", SIG_OK, NULL },
	{ "sig-b24", "test-response.http", SIG_OK, NULL },
	{ "sig-b25", "test-request.http", SIG_OK, NULL },
	{ "sig-b26", "test-request.http", SIG_OK, NULL },
};

/* Every signature base of Appendix B.2, byte for byte. */
static void
appendix_b_bases_match(void **state)
{
	struct msg	 msg;
	struct sig	 s;
	struct err	 err;
	char		 input[SIG_HEADER_MAX + 1], sighdr[SIG_HEADER_MAX + 1];
	char		 path[128], want[2048], got[2048];
	size_t		 i, len;

	for (i = 0; i < sizeof(appendix_b) / sizeof(appendix_b[0]); i++) {
		(void)snprintf(path, sizeof(path), V9421 "%s",
		    appendix_b[i].msg);
		msg_load(&msg, path);
		headers_load(appendix_b[i].name, input, sighdr);
		assert_result(appendix_b[i].name, sig_parse(input, sighdr,
		    appendix_b[i].name, &s, &err), SIG_OK, &err, NULL);
		assert_string_equal(s.label, appendix_b[i].name);
		assert_int_equal(s.created, B26_CREATED);
		assert_true(s.created_set && !s.expires_set);
		assert_true(strncmp(s.keyid, "test-", 5) == 0);
		assert_result(appendix_b[i].name, sig_base(&s, &msg.m, got,
		    sizeof(got), &len, &err), appendix_b[i].want, &err,
		    appendix_b[i].err);
		if (appendix_b[i].want != SIG_OK)
			continue;
		(void)snprintf(path, sizeof(path), V9421 "%s.base",
		    appendix_b[i].name);
		assert_int_equal(slurp(path, want, sizeof(want)), len);
		assert_string_equal(got, want);
	}
}

static void
appendix_b_parameters_are_exposed(void **state)
{
	struct sig	s;
	struct err	err;
	char		input[SIG_HEADER_MAX + 1], sighdr[SIG_HEADER_MAX + 1];

	headers_load("sig-b21", input, sighdr);
	assert_int_equal(sig_parse(input, sighdr, NULL, &s, &err), SIG_OK);
	assert_int_equal(s.ncomp, 0);
	assert_string_equal(s.nonce, "b3k2pp5k7z-50gnwp.yemd");
	assert_string_equal(s.keyid, "test-key-rsa-pss");
	assert_int_equal(s.siglen, 256);	/* RSA 2048: parsed, not ours */
	headers_load("sig-b22", input, sighdr);
	assert_int_equal(sig_parse(input, sighdr, NULL, &s, &err), SIG_OK);
	assert_string_equal(s.tag, "header-example");
	assert_int_equal(s.ncomp, 3);
	assert_int_equal(s.comp_params, 1U << 2);
	assert_string_equal(s.params, "(\"@authority\" \"content-digest\" "
	    "\"@query-param\";name=\"Pet\");created=1618884473;"
	    "keyid=\"test-key-rsa-pss\";tag=\"header-example\"");
}

/* Ed25519 is deterministic: our signer must print the RFC's headers. */
static void
b26_signing_reproduces_the_rfc(void **state)
{
	static const char *const comps[] = {
		"date", "@method", "@path", "@authority", "content-type",
		"content-length", NULL
	};
	struct sig_spec		spec = { "sig-b26", comps, "test-key-ed25519",
				    B26_CREATED, 0 };
	struct msg		msg;
	struct keys		k;
	struct sig_headers	out;
	struct err		err;
	char			input[SIG_HEADER_MAX + 1];
	char			sighdr[SIG_HEADER_MAX + 1];

	keys_load(&k);
	msg_load(&msg, V9421 "test-request.http");
	headers_load("sig-b26", input, sighdr);
	assert_int_equal(sig_sign(&spec, &msg.m, k.sk, &out, &err), 0);
	assert_string_equal(out.input, input);
	assert_string_equal(out.signature, sighdr);
	sodium_memzero(&k, sizeof(k));
}

static void
b26_verifies_and_exposes_replay_data(void **state)
{
	struct msg	 msg;
	struct keys	 k;
	struct sig	 s;
	struct err	 err;
	char		 input[SIG_HEADER_MAX + 1], sighdr[SIG_HEADER_MAX + 1];
	unsigned char	 want[SIG_ED25519_LEN];
	const char	*b64;

	keys_load(&k);
	msg_load(&msg, V9421 "test-request.http");
	headers_load("sig-b26", input, sighdr);
	assert_int_equal(sig_parse(input, sighdr, NULL, &s, &err), SIG_OK);
	assert_result("b26", sig_verify(&s, &msg.m, k.pk, &any_components,
	    B26_CREATED + 5, &err), SIG_OK, &err, NULL);
	assert_string_equal(s.keyid, "test-key-ed25519");
	assert_int_equal(s.created, B26_CREATED);
	assert_int_equal(s.siglen, SIG_ED25519_LEN);
	b64 = strchr(sighdr, ':') + 1;
	assert_int_equal(sodium_base642bin(want, sizeof(want), b64,
	    strlen(b64) - 1, NULL, NULL, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	assert_memory_equal(s.sig, want, sizeof(want));
	/* Our policy wants content-digest, which B.2.6 does not cover. */
	assert_result("b26 exchange", sig_verify(&s, &msg.m, k.pk, &exchange,
	    B26_CREATED + 5, &err), SIG_MISSING_COMPONENT, &err,
	    "missing covered component content-digest");
	sodium_memzero(&k, sizeof(k));
}

static const struct {
	const char	*what;
	const char	*name;		/* field, or a derived component */
	const char	*value;
	int		 add;		/* add a line instead of replacing */
	enum sig_result	 want;
	const char	*err;
} tamper[] = {
	{ "content-type", "content-type", "application/xml", 0,
	    SIG_BAD_SIGNATURE, "does not verify" },
	{ "second content-type line", "content-type", "text/plain", 1,
	    SIG_BAD_SIGNATURE, NULL },
	{ "date one second on", "date", "Tue, 20 Apr 2021 02:07:56 GMT", 0,
	    SIG_BAD_SIGNATURE, NULL },
	{ "content-length", "content-length", "19", 0, SIG_BAD_SIGNATURE,
	    NULL },
	{ "content-length removed", "content-length", NULL, 0,
	    SIG_MISSING_COMPONENT, "covered field content-length is not in" },
	{ "method", "@method", "PUT", 0, SIG_BAD_SIGNATURE, NULL },
	{ "method case", "@method", "post", 0, SIG_BAD_SIGNATURE, NULL },
	{ "path", "@path", "/foo/", 0, SIG_BAD_SIGNATURE, NULL },
	{ "authority", "@authority", "example.org", 0, SIG_BAD_SIGNATURE,
	    NULL },
	{ "authority without", "@authority", NULL, 0, SIG_MISSING_COMPONENT,
	    "covered component @authority is not in the message" },
	{ "newline in a value", "content-type", "application/json\n\"x\": y",
	    0, SIG_MALFORMED, "control character 0x0a" },
	{ "newline in the path", "@path", "/foo\n\"@method\": GET", 0,
	    SIG_MALFORMED, "@path: control character 0x0a" },
	/* What RFC 9421 normalises must still verify. */
	{ "authority case", "@authority", "EXAMPLE.com", 0, SIG_OK, NULL },
	{ "content-type spaces", "content-type", " \tapplication/json  ", 0,
	    SIG_OK, NULL },
	{ "uncovered field", "content-digest", "sha-256=:AAAA:", 0, SIG_OK,
	    NULL },
	{ "query", "@query", "param=value", 0, SIG_OK, NULL },
};

/* One byte off anywhere covered, in the signature, or in the key. */
static void
verify_refuses_tampering(void **state)
{
	struct msg	 base, msg;
	struct keys	 k;
	struct sig	 s, bad;
	struct err	 err;
	char		 input[SIG_HEADER_MAX + 1], sighdr[SIG_HEADER_MAX + 1];
	unsigned char	 pk[SIG_PK_LEN], sk[SIG_SK_LEN];
	size_t		 i;

	keys_load(&k);
	msg_load(&base, V9421 "test-request.http");
	headers_load("sig-b26", input, sighdr);
	assert_int_equal(sig_parse(input, sighdr, NULL, &s, &err), SIG_OK);
	for (i = 0; i < sizeof(tamper) / sizeof(tamper[0]); i++) {
		msg_copy(&msg, &base);
		if (strcmp(tamper[i].name, "@method") == 0)
			msg.m.method = tamper[i].value;
		else if (strcmp(tamper[i].name, "@path") == 0)
			msg.m.path = tamper[i].value;
		else if (strcmp(tamper[i].name, "@authority") == 0)
			msg.m.authority = tamper[i].value;
		else if (strcmp(tamper[i].name, "@query") == 0)
			msg.m.query = tamper[i].value;
		else if (tamper[i].add)
			msg_add(&msg, tamper[i].name, tamper[i].value);
		else
			msg_set(&msg, tamper[i].name, tamper[i].value);
		assert_result(tamper[i].what, sig_verify(&s, &msg.m, k.pk,
		    &any_components, B26_CREATED, &err), tamper[i].want, &err,
		    tamper[i].err);
	}
	for (i = 0; i < SIG_ED25519_LEN * 8; i++) {
		bad = s;
		bad.sig[i / 8] ^= 1U << (i % 8);
		assert_result("bit flipped in the signature", sig_verify(&bad,
		    &base.m, k.pk, &any_components, B26_CREATED, &err),
		    SIG_BAD_SIGNATURE, &err, NULL);
	}
	bad = s;
	bad.siglen = SIG_ED25519_LEN - 1;
	assert_result("short signature", sig_verify(&bad, &base.m, k.pk,
	    &any_components, B26_CREATED, &err), SIG_BAD_SIGNATURE, &err,
	    "signature of 63 bytes");
	memcpy(pk, k.pk, sizeof(pk));
	pk[0] ^= 0x01;
	assert_result("public key off by a bit", sig_verify(&s, &base.m, pk,
	    &any_components, B26_CREATED, &err), SIG_BAD_SIGNATURE, &err,
	    "does not verify with key test-key-ed25519");
	crypto_sign_keypair(pk, sk);
	assert_result("another key", sig_verify(&s, &base.m, pk,
	    &any_components, B26_CREATED, &err), SIG_BAD_SIGNATURE, &err,
	    NULL);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&k, sizeof(k));
}

static const struct {
	const char	*what;
	const char	*comps;
	long long	 created;	/* relative to NOW, or NONE */
	long long	 expires;	/* relative to NOW, or NONE */
	const char	*extra;		/* more parameters */
	enum sig_result	 want;
	const char	*err;
} policy[] = {
	{ "our profile", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", 0, NONE, "", SIG_OK, NULL },
	{ "more than we need", "\"@method\" \"@path\" \"@query\" "
	    "\"@authority\" \"@target-uri\" \"content-type\" "
	    "\"content-digest\" \"date\"", 0, NONE, "", SIG_OK, NULL },
	{ "alg ed25519", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", 0, NONE, ";alg=\"ed25519\"", SIG_OK, NULL },
	{ "alg hmac", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", 0, NONE, ";alg=\"hmac-sha256\"",
	    SIG_BAD_ALG, "alg \"hmac-sha256\"" },
	{ "unknown parameter", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", 0, NONE, ";x-kitas=?1;nonce=\"n-1\"", SIG_OK,
	    NULL },
	{ "no content-digest", "\"@method\" \"@path\" \"content-type\"", 0,
	    NONE, "", SIG_MISSING_COMPONENT,
	    "missing covered component content-digest" },
	{ "no @method", "\"@path\" \"content-type\" \"content-digest\"", 0,
	    NONE, "", SIG_MISSING_COMPONENT,
	    "missing covered component @method" },
	{ "oldest allowed", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", -MAX_AGE, NONE, "", SIG_OK, NULL },
	{ "too old", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", -MAX_AGE - 1, NONE, "", SIG_EXPIRED,
	    "is 301 s old (max 300 s)" },
	{ "skew allowed", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", SIG_SKEW_DEFAULT, NONE, "", SIG_OK, NULL },
	{ "in the future", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", SIG_SKEW_DEFAULT + 1, NONE, "",
	    SIG_NOT_YET_VALID, "31 s ahead of now" },
	{ "expires later", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", 0, 60, "", SIG_OK, NULL },
	{ "expires within skew", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", -60, -SIG_SKEW_DEFAULT, "", SIG_OK, NULL },
	{ "expired", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", -60, -SIG_SKEW_DEFAULT - 1, "", SIG_EXPIRED,
	    "31 s ago" },
	{ "no created", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\"", NONE, NONE, "", SIG_MALFORMED,
	    "no created parameter" },
	{ "covered field absent", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\" \"x-case\"", 0, NONE, "",
	    SIG_MISSING_COMPONENT, "covered field x-case is not in" },
	{ "@status in a request", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\" \"@status\"", 0, NONE, "",
	    SIG_MISSING_COMPONENT, "@status is not in the message" },
	{ "unsupported derived", "\"@method\" \"@path\" \"content-type\" "
	    "\"content-digest\" \"@request-target\"", 0, NONE, "",
	    SIG_MALFORMED, "derived component @request-target is not "
	    "supported" },
	{ "component parameters", "\"@method\" \"@path\" "
	    "\"content-type\";sf \"content-digest\"", 0, NONE, "",
	    SIG_MALFORMED, "content-type: parameters are not supported" },
};

/* An exchange request: the B.2 request with a sha-256 Content-Digest. */
static void
exchange_msg(struct msg *msg, char *digest, size_t digestsz)
{
	struct err	err;

	msg_load(msg, V9421 "test-request.http");
	assert_int_equal(digest_header(msg->body, msg->bodylen, digest,
	    digestsz, &err), 0);
	msg_set(msg, "content-digest", digest);
}

static void
verify_applies_the_policy(void **state)
{
	struct msg	msg;
	struct keys	k;
	struct sig	s;
	struct err	err;
	char		input[SIG_HEADER_MAX + 1], sighdr[SIG_HEADER_MAX + 1];
	char		created[32], expires[32], digest[DIGEST_BUFSZ];
	size_t		i;

	keys_load(&k);
	exchange_msg(&msg, digest, sizeof(digest));
	for (i = 0; i < sizeof(policy) / sizeof(policy[0]); i++) {
		created[0] = expires[0] = '\0';
		if (policy[i].created != NONE)
			(void)snprintf(created, sizeof(created),
			    ";created=%lld", NOW + policy[i].created);
		if (policy[i].expires != NONE)
			(void)snprintf(expires, sizeof(expires),
			    ";expires=%lld", NOW + policy[i].expires);
		(void)snprintf(input, sizeof(input), "sig1=(%s)%s%s;keyid="
		    "\"test-key-ed25519\"%s", policy[i].comps, created,
		    expires, policy[i].extra);
		sign_input(input, &msg, &k, sighdr, sizeof(sighdr));
		assert_result(policy[i].what, sig_parse(input, sighdr, NULL,
		    &s, &err), SIG_OK, &err, NULL);
		assert_result(policy[i].what, sig_verify(&s, &msg.m, k.pk,
		    &exchange, NOW, &err), policy[i].want, &err,
		    policy[i].err);
	}
	sodium_memzero(&k, sizeof(k));
}

#define SIG64	"sig1=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==:"
#define IN_OK	"sig1=(\"@method\");created=1;keyid=\"k\""

static const struct {
	const char	*what;
	const char	*input;
	const char	*signature;
	enum sig_result	 want;
	const char	*err;
} malformed[] = {
	{ "well-formed", IN_OK, SIG64, SIG_OK, NULL },
	{ "spaces everywhere RFC 8941 allows", "  sig1=(  \"@method\"   "
	    "\"@path\" );  created=1; keyid=\"k\" \t,\t sig2=();created=2  ",
	    "sig2=:AAAA:  ,  " SIG64 " ", SIG_OK, NULL },
	{ "no Signature-Input", NULL, SIG64, SIG_NO_SIGNATURE,
	    "no Signature-Input header" },
	{ "no Signature", IN_OK, NULL, SIG_NO_SIGNATURE,
	    "no Signature header" },
	{ "empty Signature-Input", "", SIG64, SIG_NO_SIGNATURE, "is empty" },
	{ "label only in Signature-Input", IN_OK, "sig2=:AAAA:",
	    SIG_NO_SIGNATURE, "no signature labelled sig1 in Signature" },
	{ "unterminated string", "sig1=(\"@method);created=1", SIG64,
	    SIG_MALFORMED, "Signature-Input: unterminated string (offset 6)" },
	{ "unterminated inner list", "sig1=(\"@method\"", SIG64,
	    SIG_MALFORMED, "unterminated inner list" },
	{ "bad escape", "sig1=(\"@me\\thod\")", SIG64, SIG_MALFORMED,
	    "bad escape" },
	{ "bad base64", IN_OK, "sig1=:AAA*:", SIG_MALFORMED,
	    "Signature: bad base64 character '*'" },
	{ "bad base64 padding", IN_OK, "sig1=:AA=A:", SIG_MALFORMED,
	    "Signature: bad base64" },
	{ "base64 with pad bits set", IN_OK, "sig1=:AB==:", SIG_MALFORMED,
	    "Signature: bad base64" },
	{ "unterminated byte sequence", IN_OK, "sig1=:AAAA", SIG_MALFORMED,
	    "unterminated byte sequence" },
	{ "duplicate parameter", "sig1=(\"@method\");created=1;created=2",
	    SIG64, SIG_MALFORMED, "parameter created given twice" },
	{ "duplicate label", IN_OK ", " IN_OK, SIG64, SIG_MALFORMED,
	    "label sig1 given twice" },
	{ "duplicate label in Signature", IN_OK, SIG64 "," SIG64,
	    SIG_MALFORMED, "Signature: label sig1 given twice" },
	{ "duplicate component", "sig1=(\"@method\" \"@method\")", SIG64,
	    SIG_MALFORMED, "component @method listed twice" },
	{ "@signature-params covered", "sig1=(\"@signature-params\")", SIG64,
	    SIG_MALFORMED, "@signature-params cannot be covered" },
	{ "upper-case component", "sig1=(\"Content-Type\")", SIG64,
	    SIG_MALFORMED, "component \"Content-Type\" is not a lower-case" },
	{ "space in a component", "sig1=(\"content type\")", SIG64,
	    SIG_MALFORMED, "is not a lower-case" },
	{ "empty component", "sig1=(\"\")", SIG64, SIG_MALFORMED,
	    "empty component name" },
	{ "token component", "sig1=(date)", SIG64, SIG_MALFORMED,
	    "a component must be a string" },
	{ "components not apart", "sig1=(\"a\"\"b\")", SIG64, SIG_MALFORMED,
	    "expected ' ' or ')'" },
	{ "tab in an inner list", "sig1=(\"a\"\t\"b\")", SIG64, SIG_MALFORMED,
	    "expected ' ' or ')'" },
	{ "non-ASCII", "sig1=(\"@m\xc3\xa9thod\")", SIG64, SIG_MALFORMED,
	    "byte 0xc3 at offset 9 is not printable ASCII" },
	{ "control character", "sig1=(\"@method\")\r\n", SIG64, SIG_MALFORMED,
	    "byte 0x0d at offset 16" },
	{ "non-ASCII in Signature", IN_OK, "sig1=:\xff:", SIG_MALFORMED,
	    "Signature: byte 0xff" },
	{ "not an inner list", "sig1=\"@method\"", SIG64, SIG_MALFORMED,
	    "label sig1: expected '=' and an inner list" },
	{ "bare label", "sig1;created=1", SIG64, SIG_MALFORMED,
	    "expected '=' and an inner list" },
	{ "upper-case label", "Sig1=(\"@method\")", SIG64, SIG_MALFORMED,
	    "expected a lower-case key (offset 0)" },
	{ "trailing comma", IN_OK ",", SIG64, SIG_MALFORMED, "trailing ','" },
	{ "trailing comma in Signature", IN_OK, SIG64 ", ", SIG_MALFORMED,
	    "Signature: trailing ','" },
	{ "junk after a member", IN_OK " x", SIG64, SIG_MALFORMED,
	    "expected ',' after a signature" },
	{ "Signature value a string", IN_OK, "sig1=\"AAAA\"", SIG_MALFORMED,
	    "expected '=' and a byte sequence" },
	{ "created a string", "sig1=();created=\"1\"", SIG64, SIG_MALFORMED,
	    "created must be an integer" },
	{ "created a decimal", "sig1=();created=1.5", SIG64, SIG_MALFORMED,
	    "created must be an integer" },
	{ "created of 16 digits", "sig1=();created=1234567890123456", SIG64,
	    SIG_MALFORMED, "integer longer than 15 digits" },
	{ "created without value", "sig1=();created", SIG64, SIG_MALFORMED,
	    "parameter created has no value" },
	{ "unknown boolean parameter", "sig1=();x-flag;created=1", SIG64,
	    SIG_OK, NULL },
	{ "keyid a token", "sig1=();keyid=k1", SIG64, SIG_MALFORMED,
	    "keyid must be a string" },
	{ "keyid empty", "sig1=();keyid=\"\"", SIG64, SIG_MALFORMED,
	    "keyid is empty" },
	{ "alg a token", "sig1=();alg=ed25519", SIG64, SIG_MALFORMED,
	    "alg must be a string" },
	{ "bad unknown parameter", "sig1=();x=@", SIG64, SIG_MALFORMED,
	    "expected an item" },
	{ "decimal of 4 fraction digits", "sig1=();x=1.2345", SIG64,
	    SIG_MALFORMED, "more than 3 fraction digits" },
	{ "decimal ending in a dot", "sig1=();x=1.", SIG64, SIG_MALFORMED,
	    "decimal ends in '.'" },
	{ "bad boolean", "sig1=();x=?2", SIG64, SIG_MALFORMED,
	    "bad boolean" },
	{ "unknown parameters of every type", "sig1=();a=-5;b=1.25;"
	    "c=tok/en:x;d=:AAAA:;e=?0;f=\"s\";g;created=-1", SIG64, SIG_OK,
	    NULL },
	{ "a minus alone", "sig1=();x=-", SIG64, SIG_MALFORMED,
	    "expected a digit" },
	{ "decimal of 13 integer digits", "sig1=();x=1234567890123.5", SIG64,
	    SIG_MALFORMED, "more than 12 integer digits" },
	{ "tab in a string", "sig1=();x=\"a\tb\"", SIG64, SIG_MALFORMED,
	    "control character in a string" },
	{ "bad byte sequence parameter", "sig1=();x=:A:", SIG64,
	    SIG_MALFORMED, "bad base64" },
	{ "bad component parameter", "sig1=(\"a\";x=@)", SIG64,
	    SIG_MALFORMED, "expected an item" },
	{ "a token ends at a comma", "sig1=();x=a,b", SIG64, SIG_MALFORMED,
	    "label b: expected '=' and an inner list" },
	{ "signature of 513 bytes", IN_OK, NULL, SIG_MALFORMED,
	    "signature of 513 bytes (max 512)" },
};

static void
parse_refuses_malformed(void **state)
{
	struct sig	 s;
	struct err	 err;
	unsigned char	 big[SIG_BYTES_MAX + 1];
	char		 sighdr[SIG_HEADER_MAX + 1];
	const char	*sigp;
	size_t		 i;

	memset(big, 0x5a, sizeof(big));
	(void)snprintf(sighdr, sizeof(sighdr), "sig1=:");
	(void)sodium_bin2base64(sighdr + 6, sizeof(sighdr) - 7, big,
	    sizeof(big), sodium_base64_VARIANT_ORIGINAL);
	memcpy(sighdr + strlen(sighdr), ":", 2);
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		sigp = malformed[i].signature;
		if (strcmp(malformed[i].what, "signature of 513 bytes") == 0)
			sigp = sighdr;
		err.msg[0] = '\0';
		assert_result(malformed[i].what, sig_parse(malformed[i].input,
		    sigp, NULL, &s, &err), malformed[i].want, &err,
		    malformed[i].err);
	}
	assert_int_equal(sig_parse(IN_OK, SIG64, NULL, &s, &err), SIG_OK);
	assert_int_equal(s.siglen, SIG_ED25519_LEN);
}

/* Repeat unit n times after prefix, then add suffix. */
static void
build(char *out, size_t outsz, const char *prefix, const char *unit,
    size_t n, const char *suffix)
{
	size_t	len;

	(void)snprintf(out, outsz, "%s", prefix);
	while (n-- > 0) {
		len = strlen(out);
		(void)snprintf(out + len, outsz - len, unit, (int)n);
	}
	len = strlen(out);
	assert_true(len + strlen(suffix) < outsz);
	(void)snprintf(out + len, outsz - len, "%s", suffix);
}

/* Every bound: the limit itself passes, one more is refused. */
static void
parse_enforces_bounds(void **state)
{
	struct sig	s;
	struct err	err;
	char		in[2 * SIG_HEADER_MAX], name[SIG_NAME_MAX + 2];
	char		unit[SIG_KEYID_MAX + 40];

	build(in, sizeof(in), "sig1=(", "\"x%d\" ", SIG_COMPONENTS_MAX, ")");
	assert_int_equal(sig_parse(in, SIG64, NULL, &s, &err), SIG_OK);
	assert_int_equal(s.ncomp, SIG_COMPONENTS_MAX);
	build(in, sizeof(in), "sig1=(", "\"x%d\" ", SIG_COMPONENTS_MAX + 1,
	    ")");
	assert_result("17 components", sig_parse(in, SIG64, NULL, &s, &err),
	    SIG_MALFORMED, &err, "more than 16 components");

	build(in, sizeof(in), "sig1=()", ",s%d=()", SIG_LABELS_MAX - 1, "");
	assert_int_equal(sig_parse(in, SIG64, NULL, &s, &err), SIG_OK);
	build(in, sizeof(in), "sig1=()", ",s%d=()", SIG_LABELS_MAX, "");
	assert_result("9 labels", sig_parse(in, SIG64, NULL, &s, &err),
	    SIG_MALFORMED, &err, "more than 8 signatures");
	build(in, sizeof(in), SIG64, ",s%d=:AAAA:", SIG_LABELS_MAX, "");
	assert_result("9 signatures", sig_parse(IN_OK, in, NULL, &s, &err),
	    SIG_MALFORMED, &err, "Signature: more than 8 signatures");

	memset(name, 'n', sizeof(name));
	name[SIG_NAME_MAX] = '\0';
	(void)snprintf(in, sizeof(in), "sig1=(\"%s\")", name);
	assert_int_equal(sig_parse(in, SIG64, NULL, &s, &err), SIG_OK);
	name[SIG_NAME_MAX] = 'n';
	name[SIG_NAME_MAX + 1] = '\0';
	(void)snprintf(in, sizeof(in), "sig1=(\"%s\")", name);
	assert_result("long component", sig_parse(in, SIG64, NULL, &s, &err),
	    SIG_MALFORMED, &err, "component name longer than 64 characters");
	(void)snprintf(in, sizeof(in), "%s=()", name);
	assert_result("long label", sig_parse(in, SIG64, NULL, &s, &err),
	    SIG_MALFORMED, &err, "key longer than 64 characters");

	build(unit, sizeof(unit), "sig1=();keyid=\"", "k", SIG_KEYID_MAX,
	    "\"");
	assert_int_equal(sig_parse(unit, SIG64, NULL, &s, &err), SIG_OK);
	assert_int_equal(strlen(s.keyid), SIG_KEYID_MAX);
	build(unit, sizeof(unit), "sig1=();keyid=\"", "k", SIG_KEYID_MAX + 1,
	    "\"");
	assert_result("long keyid", sig_parse(unit, SIG64, NULL, &s, &err),
	    SIG_MALFORMED, &err, "keyid longer than 128 characters");

	build(in, sizeof(in), "sig1=()", ";p%d=1", 16, "");
	assert_int_equal(sig_parse(in, SIG64, NULL, &s, &err), SIG_OK);
	build(in, sizeof(in), "sig1=()", ";p%d=1", 17, "");
	assert_result("17 parameters", sig_parse(in, SIG64, NULL, &s, &err),
	    SIG_MALFORMED, &err, "more than 16 parameters");

	build(in, sizeof(in), "sig1=();x=\"", " ", SIG_HEADER_MAX - 12, "\"");
	assert_int_equal(strlen(in), SIG_HEADER_MAX);
	assert_int_equal(sig_parse(in, SIG64, NULL, &s, &err), SIG_OK);
	assert_int_equal(strlen(s.params), SIG_HEADER_MAX - 5);
	build(in, sizeof(in), "sig1=();x=\"", " ", SIG_HEADER_MAX - 11, "\"");
	assert_result("4097 bytes", sig_parse(in, SIG64, NULL, &s, &err),
	    SIG_MALFORMED, &err, "Signature-Input: longer than 4096 bytes");
	build(in, sizeof(in), SIG64 ",x=\"", " ", SIG_HEADER_MAX, "\"");
	assert_result("huge Signature", sig_parse(IN_OK, in, NULL, &s, &err),
	    SIG_MALFORMED, &err, "Signature: longer than 4096 bytes");
}

/* The caller picks a label; Signature may list them in any order. */
static void
parse_picks_the_label(void **state)
{
	struct sig	s;
	struct err	err;
	const char	*in = "proxy=(\"@path\");created=5;keyid=\"p\", "
			    "sig1=(\"@method\");created=7;keyid=\"k\"";
	const char	*sg = "sig1=:AAAAAAAAAAA=:, proxy=:AAAA:";

	assert_int_equal(sig_parse(in, sg, NULL, &s, &err), SIG_OK);
	assert_string_equal(s.label, "proxy");
	assert_int_equal(s.siglen, 3);
	assert_int_equal(s.created, 5);
	assert_int_equal(sig_parse(in, sg, "sig1", &s, &err), SIG_OK);
	assert_string_equal(s.label, "sig1");
	assert_string_equal(s.keyid, "k");
	assert_int_equal(s.siglen, 8);
	assert_string_equal(s.params,
	    "(\"@method\");created=7;keyid=\"k\"");
	assert_result("absent label", sig_parse(in, sg, "sig9", &s, &err),
	    SIG_NO_SIGNATURE, &err,
	    "no signature labelled sig9 in Signature-Input");
}

/* RFC 9421 section 2.2 and 2.1 by hand, where Appendix B is silent. */
static void
base_derives_components(void **state)
{
	struct msg	msg;
	struct sig	s;
	struct err	err;
	char		base[1024];
	size_t		len;

	memset(&msg, 0, sizeof(msg));
	msg.m.method = "GET";
	msg.m.path = "";
	msg.m.authority = "Case.Example.ID:8443";
	msg.m.target_uri = "https://case.example.id:8443";
	msg.m.field = msg_field;
	msg.m.arg = &msg;
	msg_add(&msg, "x-list", "  a ");
	msg_add(&msg, "accept", "text/xml");
	msg_add(&msg, "x-list", "b\t");
	msg_add(&msg, "x-empty", "");
	assert_int_equal(sig_parse("s=(\"@method\" \"@path\" \"@query\" "
	    "\"@authority\" \"@target-uri\" \"x-list\" \"x-empty\");created=1",
	    "s=::", NULL, &s, &err), SIG_OK);
	assert_result("base", sig_base(&s, &msg.m, base, sizeof(base), &len,
	    &err), SIG_OK, &err, NULL);
	assert_string_equal(base,
	    "\"@method\": GET\n"
	    "\"@path\": /\n"
	    "\"@query\": ?\n"
	    "\"@authority\": case.example.id:8443\n"
	    "\"@target-uri\": https://case.example.id:8443\n"
	    "\"x-list\": a, b\n"
	    "\"x-empty\": \n"
	    "\"@signature-params\": (\"@method\" \"@path\" \"@query\" "
	    "\"@authority\" \"@target-uri\" \"x-list\" \"x-empty\");created=1");
	assert_int_equal(len, strlen(base));
	assert_result("tiny buffer", sig_base(&s, &msg.m, base, 40, &len,
	    &err), SIG_MALFORMED, &err, "signature base longer than 39 bytes");
	msg.m.status = 200;
	assert_int_equal(sig_parse("s=(\"@status\")", "s=::", NULL, &s, &err),
	    SIG_OK);
	assert_int_equal(sig_base(&s, &msg.m, base, sizeof(base), &len, &err),
	    SIG_OK);
	assert_string_equal(base, "\"@status\": 200\n"
	    "\"@signature-params\": (\"@status\")");
}

/* A field with a line of NULL and a field that never ends. */
static int
odd_fields(void *arg, const char *name, size_t idx, const char **value,
    size_t *len)
{
	if (strcmp(name, "x-null") == 0 && idx > 0)
		return (-1);
	*value = strcmp(name, "x-null") == 0 ? NULL : "v";
	*len = 1;
	return (0);
}

static void
base_refuses_odd_callers(void **state)
{
	static const struct sig_policy	bad = { NULL, MAX_AGE, -1 };
	struct sig_msg			m;
	struct sig			s;
	struct err			err;
	char				base[1024], long_name[SIG_HEADER_MAX];
	const char			*comps[] = { long_name, NULL };
	struct sig_spec			spec = { NULL, comps, "k", NOW, 0 };
	struct sig_headers		out;
	unsigned char			pk[SIG_PK_LEN], sk[SIG_SK_LEN];
	size_t				len;

	memset(&m, 0, sizeof(m));
	m.field = odd_fields;
	assert_int_equal(sig_parse("s=(\"x-null\");created=1", "s=::", NULL,
	    &s, &err), SIG_OK);
	assert_result("NULL value", sig_base(&s, &m, base, sizeof(base), &len,
	    &err), SIG_OK, &err, NULL);
	assert_string_equal(base, "\"x-null\": \n"
	    "\"@signature-params\": (\"x-null\");created=1");
	assert_result("no room", sig_base(&s, &m, base, 0, &len, &err),
	    SIG_MALFORMED, &err, "no room");
	assert_int_equal(sig_parse("s=(\"x-many\");created=1", "s=::", NULL,
	    &s, &err), SIG_OK);
	assert_result("endless field", sig_base(&s, &m, base, sizeof(base),
	    &len, &err), SIG_MALFORMED, &err, "more than 32 lines");
	crypto_sign_keypair(pk, sk);
	assert_result("negative skew", sig_verify(&s, &m, pk, &bad, NOW,
	    &err), SIG_MALFORMED, &err, "no usable policy");
	assert_result("no policy", sig_verify(&s, &m, pk, NULL, NOW, &err),
	    SIG_MALFORMED, &err, "no usable policy");
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(sig_sign(&spec, &m, sk, &out, &err), -1);
	assert_err("long component", &err,
	    "Signature-Input longer than 4096 bytes");
	sodium_memzero(sk, sizeof(sk));
}

/* What we send: a response signed over @status and its digest. */
static void
response_signing_round_trips(void **state)
{
	static const char *const comps[] = {
		"@status", "content-type", "content-digest", NULL
	};
	static const char *const required[] = {
		"@status", "content-type", "content-digest", NULL
	};
	struct sig_policy	pol = { required, MAX_AGE, SIG_SKEW_DEFAULT };
	struct sig_spec		spec = { NULL, comps, "kitas-\"2026\"", NOW,
				    NOW + 60 };
	struct msg		msg;
	struct keys		k;
	struct sig_headers	out;
	struct sig		s;
	struct err		err;
	char			digest[DIGEST_BUFSZ];

	keys_load(&k);
	msg_load(&msg, V9421 "test-response.http");
	assert_int_equal(digest_header(msg.body, msg.bodylen, digest,
	    sizeof(digest), &err), 0);
	msg_set(&msg, "content-digest", digest);
	assert_int_equal(sig_sign(&spec, &msg.m, k.sk, &out, &err), 0);
	assert_string_equal(out.input, "sig1=(\"@status\" \"content-type\" "
	    "\"content-digest\");created=1700000000;expires=1700000060;"
	    "keyid=\"kitas-\\\"2026\\\"\"");
	assert_int_equal(sig_parse(out.input, out.signature, "sig1", &s, &err),
	    SIG_OK);
	assert_string_equal(s.keyid, "kitas-\"2026\"");
	assert_result("response", sig_verify(&s, &msg.m, k.pk, &pol, NOW + 1,
	    &err), SIG_OK, &err, NULL);
	assert_int_equal(digest_verify(digest, msg.body, msg.bodylen, &err),
	    DIGEST_OK);
	msg.m.status = 201;
	assert_result("status changed", sig_verify(&s, &msg.m, k.pk, &pol,
	    NOW + 1, &err), SIG_BAD_SIGNATURE, &err, NULL);

	spec.keyid = NULL;
	assert_int_equal(sig_sign(&spec, &msg.m, k.sk, &out, &err), -1);
	assert_err("no keyid", &err, "no keyid");
	spec.keyid = "k\n";
	assert_int_equal(sig_sign(&spec, &msg.m, k.sk, &out, &err), -1);
	assert_err("keyid newline", &err, "byte 0x0a");
	spec.keyid = "k";
	msg.m.status = 0;
	assert_int_equal(sig_sign(&spec, &msg.m, k.sk, &out, &err), -1);
	assert_err("@status of a request", &err, "@status is not in");
	spec.components = (const char *const []){ "Content-Type", NULL };
	assert_int_equal(sig_sign(&spec, &msg.m, k.sk, &out, &err), -1);
	assert_err("upper case", &err, "not a lower-case");
	sodium_memzero(&k, sizeof(k));
}

/*
 * The whole exchange check as the handler will run it: the signature
 * covers Content-Digest, the digest covers the body; each alone is not
 * enough.
 */
static void
exchange_request_end_to_end(void **state)
{
	static const char *const comps[] = {
		"@method", "@path", "content-type", "content-digest", NULL
	};
	struct sig_spec		spec = { NULL, comps, "partner-bkpm-1", NOW,
				    0 };
	struct msg		msg;
	struct keys		k;
	struct sig_headers	out;
	struct sig		s;
	struct err		err;
	char			digest[DIGEST_BUFSZ], forged[DIGEST_BUFSZ];
	const char		*forged_body = "{\"hello\": \"World\"}";

	keys_load(&k);
	exchange_msg(&msg, digest, sizeof(digest));
	assert_int_equal(sig_sign(&spec, &msg.m, k.sk, &out, &err), 0);

	assert_int_equal(digest_verify(msg_get(&msg, "content-digest"),
	    msg.body, msg.bodylen, &err), DIGEST_OK);
	assert_int_equal(sig_parse(out.input, out.signature, NULL, &s, &err),
	    SIG_OK);
	assert_result("exchange", sig_verify(&s, &msg.m, k.pk, &exchange, NOW,
	    &err), SIG_OK, &err, NULL);

	/* Another body under the same headers: the digest catches it. */
	assert_int_equal(digest_verify(msg_get(&msg, "content-digest"),
	    forged_body, strlen(forged_body), &err), DIGEST_MISMATCH);
	/* And a digest to match it: the signature does. */
	assert_int_equal(digest_header(forged_body, strlen(forged_body),
	    forged, sizeof(forged), &err), 0);
	msg_set(&msg, "content-digest", forged);
	assert_int_equal(digest_verify(forged, forged_body,
	    strlen(forged_body), &err), DIGEST_OK);
	assert_result("forged digest", sig_verify(&s, &msg.m, k.pk, &exchange,
	    NOW, &err), SIG_BAD_SIGNATURE, &err, NULL);
	sodium_memzero(&k, sizeof(k));
}

static void
result_names(void **state)
{
	assert_string_equal(sig_result_name(SIG_OK), "ok");
	assert_string_equal(sig_result_name(SIG_MISSING_COMPONENT),
	    "missing-component");
	assert_string_equal(sig_result_name(SIG_BAD_SIGNATURE),
	    "bad-signature");
	assert_string_equal(sig_result_name((enum sig_result)99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(appendix_b_bases_match),
		cmocka_unit_test(appendix_b_parameters_are_exposed),
		cmocka_unit_test(b26_signing_reproduces_the_rfc),
		cmocka_unit_test(b26_verifies_and_exposes_replay_data),
		cmocka_unit_test(verify_refuses_tampering),
		cmocka_unit_test(verify_applies_the_policy),
		cmocka_unit_test(parse_refuses_malformed),
		cmocka_unit_test(parse_enforces_bounds),
		cmocka_unit_test(parse_picks_the_label),
		cmocka_unit_test(base_derives_components),
		cmocka_unit_test(base_refuses_odd_callers),
		cmocka_unit_test(response_signing_round_trips),
		cmocka_unit_test(exchange_request_end_to_end),
		cmocka_unit_test(result_names),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests_name("sig", tests, NULL, NULL));
}
