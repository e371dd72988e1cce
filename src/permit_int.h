/*
 * INTERNAL to the permit module, NOT part of its API: only permit.c,
 * permit_keys.c, permit_crl.c and permit_signer.c include this file.
 * Everyone else uses permit.h.
 *
 * The strict decoders and line readers the four files share; all of
 * them are defined in permit.c, next to the token they were written for.
 */
#ifndef KITAS_PERMIT_INT_H
#define KITAS_PERMIT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "permit.h"

/* Standard padded base64 of 32 and 64 bytes, without the NUL. */
#define PERMIT_B64_32		44
#define PERMIT_B64_64		88

/* A cursor over the lines of a text format. */
struct permit_lines {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	int		 line;
};

/* One space-separated field of a line; not NUL-terminated. */
struct permit_field {
	const char	*s;
	size_t		 len;
};

/* Characters and fields: [A-Z0-9-], and s[0..len) of min..max bytes. */
int	permit_number_char(int c);
int	permit_ascii_ok(const char *s, size_t len, size_t min, size_t max,
	    int (*ok)(int));

/* "YYYY-MM-DDTHH:MM:SSZ", UTC, 1970..9999. */
int	permit_time_parse(const char *s, size_t len, time_t *t,
	    struct err *err);
int	permit_time_format(time_t t, char *buf, size_t sz);

/* Exactly want (at most PERMIT_SIG_LEN) bytes of canonical base64. */
int	permit_b64_decode(const char *s, size_t len, unsigned char *out,
	    size_t want);

/* Line-based text formats: every line ends in "\n". */
int	permit_next_line(struct permit_lines *l, const char **s,
	    size_t *len);
int	permit_split(const char *s, size_t len, struct permit_field *f,
	    size_t want);
int	permit_is(const struct permit_field *f, const char *word);
int	permit_kid_parse(const struct permit_field *f, uint16_t *kid);

#endif
