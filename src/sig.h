/*
 * HTTP Message Signatures (RFC 9421) for the partner exchange: Ed25519
 * only, derived components @method, @target-uri, @authority, @path,
 * @query and @status, and plain header fields.  No Kore here: the caller
 * describes the message with a struct sig_msg.
 *
 * Checking a request, in this order:
 *	1. digest_verify() the body against Content-Digest (src/digest.h):
 *	   covering content-digest proves nothing until that has passed;
 *	2. sig_parse() the Signature-Input and Signature headers;
 *	3. look up the key by sig.keyid (no such key: SIG_UNKNOWN_KEY);
 *	4. sig_verify() with our policy;
 *	5. refuse a (keyid, sig bytes) pair already seen: replays are the
 *	   caller's to remember, for at least max_age + skew seconds.
 *
 * Every result but SIG_OK means 401; the err text says why, for the log.
 */
#ifndef KITAS_SIG_H
#define KITAS_SIG_H

#include <stddef.h>

#include "err.h"

#define SIG_HEADER_MAX		4096	/* bytes in one header value */
#define SIG_LABELS_MAX		8	/* signatures in one header */
#define SIG_COMPONENTS_MAX	16	/* covered components */
#define SIG_NAME_MAX		64	/* a component name or a label */
#define SIG_KEYID_MAX		128
#define SIG_PARAM_MAX		128	/* alg, nonce, tag */
#define SIG_BYTES_MAX		512	/* a decoded signature value */

#define SIG_ALG			"ed25519"
#define SIG_LABEL_DEFAULT	"sig1"
#define SIG_PK_LEN		32	/* crypto_sign_PUBLICKEYBYTES */
#define SIG_SK_LEN		64	/* crypto_sign_SECRETKEYBYTES */
#define SIG_ED25519_LEN		64	/* crypto_sign_BYTES */

enum sig_result {
	SIG_OK = 0,
	SIG_NO_SIGNATURE,	/* header absent or empty, or no such label */
	SIG_MALFORMED,		/* not RFC 8941/9421 as we take it, too big */
	SIG_MISSING_COMPONENT,	/* a required component not covered, or
				   a covered one not in the message */
	SIG_BAD_ALG,		/* alg present and not ed25519 */
	SIG_NOT_YET_VALID,	/* created after now + skew */
	SIG_EXPIRED,		/* created before now - max_age, or expires
				   passed */
	SIG_UNKNOWN_KEY,	/* never returned here: the caller's lookup */
	SIG_BAD_SIGNATURE	/* not 64 bytes, or does not verify */
};

/*
 * One signature, as sig_parse() found it.  Everything is a copy: it does
 * not point into the headers.  About 6 KB: fine on a worker's stack.
 */
struct sig {
	char		label[SIG_NAME_MAX + 1];
	size_t		ncomp;
	char		comp[SIG_COMPONENTS_MAX][SIG_NAME_MAX + 1];
	unsigned int	comp_params;	/* bit i: comp[i] had parameters */
	/* The @signature-params value: the inner list as received. */
	char		params[SIG_HEADER_MAX + 1];
	int		created_set;
	long long	created;	/* UNIX seconds */
	int		expires_set;
	long long	expires;
	char		keyid[SIG_KEYID_MAX + 1];	/* "" if absent */
	char		alg[SIG_PARAM_MAX + 1];		/* "" if absent */
	char		nonce[SIG_PARAM_MAX + 1];	/* "" if absent */
	char		tag[SIG_PARAM_MAX + 1];		/* "" if absent */
	/*
	 * Decoded.  Remember (keyid, these bytes) against replays, never
	 * the header text: base64 may be written with or without padding.
	 */
	unsigned char	sig[SIG_BYTES_MAX];
	size_t		siglen;
};

/*
 * The message being signed or verified, as it was sent (no percent
 * decoding).  Any string may be NULL when the message has no such part;
 * a component that needs it then fails.  authority is the Host without
 * a default port (lower-cased here); path is the absolute path without
 * the query ("" means "/"); query is without its '?' (NULL or "" both
 * give "@query": ?); status is 0 for a request.
 *
 * field() returns the idx-th line (from 0) of the header field name
 * (lower case) in *value and *len: 0 if there is one, -1 if not.  The
 * value need not be NUL-terminated and must stay valid until the next
 * call.  Lines are trimmed and joined with ", " here.
 */
struct sig_msg {
	const char	*method;
	const char	*target_uri;
	const char	*authority;
	const char	*path;
	const char	*query;
	int		 status;
	int		(*field)(void *arg, const char *name, size_t idx,
			    const char **value, size_t *len);
	void		*arg;
};

/*
 * What the caller demands beyond a valid signature.  required is a
 * NULL-terminated list of components that must be covered (ours:
 * "@method", "@path", "content-type", "content-digest"); NULL requires
 * none.  created must lie in [now - max_age, now + skew]; expires, if
 * present, must not be earlier than now - skew.
 */
struct sig_policy {
	const char *const	*required;
	long long		 max_age;
	long long		 skew;
};

#define SIG_SKEW_DEFAULT	30

/* What sig_sign() signs with. */
struct sig_spec {
	const char		*label;		/* NULL: SIG_LABEL_DEFAULT */
	const char *const	*components;	/* NULL-terminated */
	const char		*keyid;
	long long		 created;
	long long		 expires;	/* 0: no expires */
};

/* Header values (without the field names) from sig_sign(). */
struct sig_headers {
	char	input[SIG_HEADER_MAX + 1];
	char	signature[SIG_HEADER_MAX + 1];
};

/* A short fixed name for r ("bad-signature"), for logs and replies. */
const char	*sig_result_name(enum sig_result r);

/*
 * Parse the Signature-Input and Signature header values (NULL if
 * absent) and fill *s with the signature labelled label, or the first
 * one in Signature-Input if label is NULL.  Both headers are bounded
 * and checked whole, every label, before anything is kept.
 * SIG_OK, SIG_NO_SIGNATURE or SIG_MALFORMED, with err set.
 */
enum sig_result	 sig_parse(const char *input, const char *signature,
		    const char *label, struct sig *s, struct err *err);

/*
 * The signature base (RFC 9421 section 2.5) of s over m, NUL-terminated
 * in buf, its length in *len.  SIG_OK, SIG_MALFORMED (e.g. an
 * unsupported component, a value with a control character, buf too
 * small) or SIG_MISSING_COMPONENT (covered but absent), with err set.
 */
enum sig_result	 sig_base(const struct sig *s, const struct sig_msg *m,
		    char *buf, size_t bufsz, size_t *len, struct err *err);

/*
 * Check pol, then the Ed25519 signature of s over m with the public key
 * pk.  now is the current UNIX time.  Any result, with err set unless
 * SIG_OK.
 */
enum sig_result	 sig_verify(const struct sig *s, const struct sig_msg *m,
		    const unsigned char pk[SIG_PK_LEN],
		    const struct sig_policy *pol, long long now,
		    struct err *err);

/*
 * Sign m as spec says with the Ed25519 secret key sk (libsodium's
 * 64-byte form; not copied) and fill *out.  No alg parameter is sent:
 * keyid names the key, and the key its algorithm, as in RFC 9421's own
 * examples.  0, or -1 with err set.
 */
int		 sig_sign(const struct sig_spec *spec, const struct sig_msg *m,
		    const unsigned char sk[SIG_SK_LEN], struct sig_headers *out,
		    struct err *err);

#endif
