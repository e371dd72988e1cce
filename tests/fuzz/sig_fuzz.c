/*
 * libFuzzer harness for the untrusted-header parsers of src/sig.c and
 * src/digest.c.  Run it longer from the repository root with:
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc src/sig.c src/digest.c tests/fuzz/sig_fuzz.c $(pkg-config --cflags --libs libsodium) -o /tmp/sig_fuzz && mkdir -p /tmp/sig_corpus && UBSAN_OPTIONS=halt_on_error=1 /tmp/sig_fuzz -max_len=10000 -max_total_time=3600 /tmp/sig_corpus
 *
 * The input is "Signature-Input\nSignature\nContent-Digest\nfield value":
 * a parse that succeeds goes on to the signature base (the fuzzed field
 * value stands for every covered header), to verification with a fixed
 * key and to re-signing what was parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "digest.h"
#include "sig.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_msg {
	const char	*value;
	size_t		 len;
};

static int
fuzz_field(void *arg, const char *name, size_t idx, const char **value,
    size_t *len)
{
	const struct fuzz_msg	*f = arg;

	/* Two lines of everything but x-absent: exercises the join. */
	if (strcmp(name, "x-absent") == 0 || idx > 1)
		return (-1);
	*value = f->value;
	*len = f->len;
	return (0);
}

/* The next '\n'-terminated part as a malloc'd C string (caller frees). */
static char *
fuzz_part(const uint8_t **p, size_t *left)
{
	const uint8_t	*nl;
	size_t		 n;
	char		*s;

	nl = memchr(*p, '\n', *left);
	n = nl != NULL ? (size_t)(nl - *p) : *left;
	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += nl != NULL ? n + 1 : n;
	*left -= nl != NULL ? n + 1 : n;
	return (s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 pk[SIG_PK_LEN], sk[SIG_SK_LEN];
	static int		 ready;
	static const char *const required[] = {
		"@method", "@path", "content-type", "content-digest", NULL
	};
	const struct sig_policy	 pol = { required, 300, SIG_SKEW_DEFAULT };
	const struct sig_policy	 any = { NULL, 300, SIG_SKEW_DEFAULT };
	const char		*comps[SIG_COMPONENTS_MAX + 1];
	struct sig_headers	 out;
	struct sig_spec		 spec;
	struct sig_msg		 m;
	struct fuzz_msg		 f;
	struct sig		 s, back;
	struct err		 err;
	char			 base[8192], *input, *signature, *digest;
	size_t			 len, i;

	if (!ready) {
		if (sodium_init() == -1)
			abort();
		crypto_sign_keypair(pk, sk);
		ready = 1;
	}
	input = fuzz_part(&data, &size);
	signature = fuzz_part(&data, &size);
	digest = fuzz_part(&data, &size);
	f.value = (const char *)data;
	f.len = size;

	(void)digest_verify(digest, input, strlen(input), &err);
	memset(&m, 0, sizeof(m));
	m.method = "POST";
	m.path = "/exchange/v1/cases";
	m.query = signature;
	m.authority = digest;
	m.target_uri = "https://kitas.example/exchange/v1/cases";
	m.status = 200;
	m.field = fuzz_field;
	m.arg = &f;
	(void)sig_parse(input, signature, "sig1", &s, &err);
	if (sig_parse(input, signature, NULL, &s, &err) == SIG_OK) {
		if (sig_base(&s, &m, base, sizeof(base), &len, &err) ==
		    SIG_OK && len != strlen(base))
			abort();
		(void)sig_verify(&s, &m, pk, &pol, s.created, &err);
		for (i = 0; i < s.ncomp; i++)
			comps[i] = s.comp[i];
		comps[i] = NULL;
		spec.label = s.label;
		spec.components = comps;
		spec.keyid = s.keyid;
		spec.created = s.created;
		spec.expires = s.expires_set ? s.expires : 0;
		/* What we sign, we must read back and accept. */
		if (sig_sign(&spec, &m, sk, &out, &err) == 0) {
			if (sig_parse(out.input, out.signature, s.label, &back,
			    &err) != SIG_OK ||
			    strcmp(back.params, strchr(out.input, '=') + 1) !=
			    0 || strcmp(back.keyid, s.keyid) != 0 ||
			    sig_verify(&back, &m, pk, &any, s.created, &err) ==
			    SIG_BAD_SIGNATURE)
				abort();
		}
	}
	free(input);
	free(signature);
	free(digest);
	return (0);
}
