/*
 * The parts of RFC 8941 structured fields that the Signature and
 * Signature-Input headers (src/sig.c) and Content-Digest (src/digest.c)
 * share: a cursor over a bounded header, and the dictionary walk.  The
 * item parsers stay with the header that needs them.
 */
#ifndef KITAS_SF_H
#define KITAS_SF_H

#include <stddef.h>

#include "err.h"

#define SF_DICT_MAX	16	/* members sf_dict() can track */
#define SF_KEY_MAX	64	/* bytes of one member's key */

struct sf_cur {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	const char	*mod;	/* "sig", "digest": the messages' prefix */
	const char	*what;	/* the header's name */
	struct err	*err;
};

/*
 * Start c over hdr, refused first when longer than max bytes or holding
 * a byte a structured field cannot (printable ASCII, and HTAB between
 * dictionary members).  0, or -1 with err set.
 */
int	sf_begin(struct sf_cur *c, const char *mod, const char *what,
	    const char *hdr, size_t max, struct err *err);

/* Set err to "mod: what: message (offset n)"; returns -1. */
int	sf_fail(struct sf_cur *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The next byte, or -1 at the end. */
int	sf_peek(const struct sf_cur *c);

/* Skip spaces (sp), or spaces and tabs (ows). */
void	sf_sp(struct sf_cur *c);
void	sf_ows(struct sf_cur *c);

/*
 * A dictionary (RFC 8941 section 4.2.2) and how to read and name its
 * members in messages: at most max members ("more than 8 <members>"), a
 * key given twice ("<dup>sha-256 given twice"), ',' after each member
 * ("expected ',' after <member>").
 */
struct sf_dict {
	int		 max;		/* <= SF_DICT_MAX */
	size_t		 keymax;	/* <= SF_KEY_MAX */
	const char	*members;
	const char	*member;
	const char	*dup;
	int		(*key)(struct sf_cur *, char *, size_t);
	int		(*value)(struct sf_cur *, const char *, void *);
};

/* Walk the whole header: the number of members, or -1 (err set). */
int	sf_dict(struct sf_cur *c, const struct sf_dict *d, void *arg);

#endif
