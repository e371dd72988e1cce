/*
 * The central clearance protocol (assets/schemas/central-clearance-1.xsd)
 * as seen from an office: build a batch, send it, and decide what the
 * answer means.  Everything here may run in a task thread: it touches no
 * shared state but the (read-only) schema.
 *
 * The rule of interpretation: an answer we cannot fully trust (not 200,
 * not well-formed, not valid against the schema, a key we did not ask
 * for, two different verdicts for one key) says nothing about any case;
 * it is a fault of the link.
 */
#ifndef KITAS_CLR_H
#define KITAS_CLR_H

#include <stddef.h>

#include <libxml/xmlschemas.h>

#include "err.h"

#define CLR_BATCH_MAX	100
#define CLR_NS		"urn:kitas:central:clearance:1"
#define CLR_KEY_LEN	36

struct clr_req {
	long long	outbox_id;
	char		key[CLR_KEY_LEN + 1];
	char		case_ref[24];
	char		passport[16];
	char		nationality[4];
	char		family_name[404];	/* 100 characters of UTF-8 */
	char		given_names[404];
	char		birth_date[11];
	char		permit_kind[12];
	char		office[4];
};

enum clr_verdict {
	CLR_NONE = 0,		/* central said nothing about this one */
	CLR_CLEAR,
	CLR_HIT,
	CLR_PENDING
};

struct clr_ans {
	enum clr_verdict	verdict;
	char			reference[41];
	char			reason[2004];	/* 500 characters of UTF-8 */
	char			checked_at[64];
};

enum clr_outcome {
	CLR_OK,			/* verdicts in ans[] */
	CLR_LINK,		/* the link failed; believe nothing */
	CLR_THROTTLED,		/* 429/503 with Retry-After */
	CLR_REJECTED		/* 4xx: the request itself is bad */
};

struct clr_batch {
	size_t			n;
	struct clr_req		req[CLR_BATCH_MAX];
	struct clr_ans		ans[CLR_BATCH_MAX];
	enum clr_outcome	outcome;
	int			retry_after;	/* seconds, THROTTLED */
	char			error[256];	/* why, for the log and DB */
	long			status;		/* HTTP status, 0 if none */
};

struct clr_conf {
	const char	*url;
	long		 connect_ms;
	long		 timeout_ms;
	xmlSchemaPtr	 schema;
};

const char	*clr_verdict_name(enum clr_verdict v);
const char	*clr_outcome_name(enum clr_outcome o);

/*
 * The batch document for b->req[0..n-1]; sent_at is an xs:dateTime.
 * *out is malloc'd (caller frees).  0, or -1 with err set, also when a
 * value holds a character XML cannot carry (the request itself is bad).
 */
int		clr_batch_xml(const struct clr_batch *b, const char *sent_at,
		    char **out, size_t *len, struct err *err);

/*
 * Decide what central's HTTP answer means for b: sets outcome, error,
 * retry_after and, for CLR_OK, ans[].  retry_after_hdr may be NULL.
 */
void		clr_interpret(const struct clr_conf *conf, struct clr_batch *b,
		    long status, const char *retry_after_hdr, const char *body,
		    size_t len);

/* Build, POST with libcurl (blocking: a task thread), interpret. */
void		clr_send(const struct clr_conf *conf, struct clr_batch *b);

#endif
