/*
 * Content-Digest (RFC 9530) for the partner exchange.  A request must
 * carry sha-256; sha-512 is checked too when present; other algorithms
 * are ignored (the insecure ones must never decide anything).  Our
 * responses carry sha-256.
 *
 * A Content-Digest only means something once verified here AND covered
 * by the message signature (src/sig.h).
 */
#ifndef KITAS_DIGEST_H
#define KITAS_DIGEST_H

#include <stddef.h>

#include "err.h"

#define DIGEST_HEADER_MAX	4096	/* bytes in the header value */
#define DIGEST_MEMBERS_MAX	8	/* algorithms in one header */
#define DIGEST_BUFSZ		64	/* "sha-256=:<44 base64>:" and NUL */

enum digest_result {
	DIGEST_OK = 0,
	DIGEST_MISSING,		/* no Content-Digest header */
	DIGEST_MALFORMED,	/* not a dictionary of byte sequences, too
				   big, or a digest of the wrong length */
	DIGEST_NO_SHA256,	/* well-formed, but no sha-256 */
	DIGEST_MISMATCH		/* sha-256 or sha-512 differs from the body */
};

/* A short fixed name for r ("mismatch"), for logs and replies. */
const char	*digest_result_name(enum digest_result r);

/*
 * Check the Content-Digest header value hdr (NULL if absent) against the
 * body's len bytes.  Any result, with err set unless DIGEST_OK.
 */
enum digest_result digest_verify(const char *hdr, const void *body,
		    size_t len, struct err *err);

/*
 * The Content-Digest value for a body ("sha-256=:...:") into out, which
 * DIGEST_BUFSZ bytes always fit.  0, or -1 with err set.
 */
int		digest_header(const void *body, size_t len, char *out,
		    size_t outsz, struct err *err);

#endif
