/*
 * The public key list a verifier downloads (see permit.h): parsed
 * strictly, one line per key, and written one line at a time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "permit.h"
#include "permit_int.h"

struct permit_keys {
	struct permit_key	*k;
	size_t			 n;
};

static int	permit_key_line(const char *, size_t, int,
		    struct permit_key *, struct err *);

static const char *permit_status_names[] = { "active", "retired", "revoked" };

/* "key KID FROM TO STATUS BASE64PUB" (line number line) into *k. */
static int
permit_key_line(const char *s, size_t len, int line, struct permit_key *k,
    struct err *err)
{
	struct permit_field	f[6];
	size_t			i;

	memset(k, 0, sizeof(*k));
	if (permit_split(s, len, f, 6) == -1 || !permit_is(&f[0], "key")) {
		err_set(err, "permit: key list line %d: want \"key KID FROM "
		    "TO STATUS BASE64PUB\"", line);
		return (-1);
	}
	if (permit_kid_parse(&f[1], &k->kid) == -1) {
		err_set(err, "permit: key list line %d: key id not in "
		    "1..65535", line);
		return (-1);
	}
	if (permit_day_parse(f[2].s, f[2].len, &k->from, NULL) == -1) {
		err_set(err, "permit: key list line %d: bad from date", line);
		return (-1);
	}
	if (permit_is(&f[3], "-"))
		k->to = PERMIT_DAY_OPEN;
	else if (permit_day_parse(f[3].s, f[3].len, &k->to, NULL) == -1 ||
	    k->to < k->from) {
		err_set(err, "permit: key list line %d: bad to date", line);
		return (-1);
	}
	for (i = 0; i < 3 && !permit_is(&f[4], permit_status_names[i]); i++)
		;
	if (i == 3) {
		err_set(err, "permit: key list line %d: status not active, "
		    "retired or revoked", line);
		return (-1);
	}
	k->status = (enum permit_key_status)i;
	if (permit_b64_decode(f[5].s, f[5].len, k->pk, PERMIT_PK_LEN) == -1) {
		err_set(err, "permit: key list line %d: public key is not "
		    "%d bytes of base64", line, PERMIT_PK_LEN);
		return (-1);
	}
	return (0);
}

struct permit_keys *
permit_keys_parse(const char *text, size_t len, struct err *err)
{
	struct permit_keys	*keys;
	struct permit_lines	 l;
	const char		*s;
	size_t			 n, i, j, slen;
	size_t			 hl = sizeof(PERMIT_KEYS_HEADER) - 1;

	if (len > PERMIT_KEYS_TEXT_MAX) {
		err_set(err, "permit: key list of %zu bytes (max %d)", len,
		    PERMIT_KEYS_TEXT_MAX);
		return (NULL);
	}
	if (len < hl || memcmp(text, PERMIT_KEYS_HEADER, hl) != 0) {
		err_set(err, "permit: key list does not start with \"%.*s\"",
		    (int)hl - 1, PERMIT_KEYS_HEADER);
		return (NULL);
	}
	if (text[len - 1] != '\n') {
		err_set(err, "permit: key list does not end in a newline");
		return (NULL);
	}
	/* Every line ends in "\n", so n counts them all. */
	for (n = 0, i = hl; i < len; i++)
		n += text[i] == '\n';
	if (n == 0 || n > PERMIT_KEYS_MAX) {
		err_set(err, "permit: key list holds %zu keys (want 1..%d)",
		    n, PERMIT_KEYS_MAX);
		return (NULL);
	}
	if ((keys = calloc(1, sizeof(*keys))) == NULL ||
	    (keys->k = calloc(n, sizeof(*keys->k))) == NULL) {
		free(keys);
		err_set(err, "permit: out of memory");
		return (NULL);
	}
	l.s = text;
	l.len = len;
	l.pos = hl;
	l.line = 1;
	while (permit_next_line(&l, &s, &slen) == 0) {
		if (permit_key_line(s, slen, l.line, &keys->k[keys->n],
		    err) == -1)
			goto fail;
		i = keys->n++;
		for (j = 0; j < i; j++) {
			if (keys->k[j].kid == keys->k[i].kid ||
			    memcmp(keys->k[j].pk, keys->k[i].pk,
			    PERMIT_PK_LEN) == 0) {
				err_set(err, "permit: key list line %d repeats "
				    "the key id or key of line %zu", l.line,
				    j + 2);
				goto fail;
			}
		}
	}
	return (keys);
fail:
	permit_keys_free(keys);
	return (NULL);
}

void
permit_keys_free(struct permit_keys *keys)
{
	if (keys == NULL)
		return;
	free(keys->k);
	free(keys);
}

const struct permit_key *
permit_keys_find(const struct permit_keys *keys, uint16_t kid)
{
	size_t	i;

	for (i = 0; i < keys->n; i++)
		if (keys->k[i].kid == kid)
			return (&keys->k[i]);
	return (NULL);
}

size_t
permit_keys_count(const struct permit_keys *keys)
{
	return (keys->n);
}

const struct permit_key *
permit_keys_at(const struct permit_keys *keys, size_t i)
{
	return (i < keys->n ? &keys->k[i] : NULL);
}

int
permit_keys_line(const struct permit_key *k, char *buf, size_t sz,
    struct err *err)
{
	char	from[PERMIT_DAY_LEN + 1], to[PERMIT_DAY_LEN + 1];
	char	b64[PERMIT_B64_32 + 1];
	int	w;

	if (sz > 0)
		buf[0] = '\0';
	if (k->kid == 0 ||
	    (unsigned int)k->status > PERMIT_KEYSTATUS_REVOKED ||
	    permit_day_format(k->from, from, sizeof(from)) == -1) {
		err_set(err, "permit: key %u: bad id, status or from date",
		    (unsigned int)k->kid);
		return (-1);
	}
	if (k->to == PERMIT_DAY_OPEN)
		(void)snprintf(to, sizeof(to), "-");
	else if (k->to < k->from ||
	    permit_day_format(k->to, to, sizeof(to)) == -1) {
		err_set(err, "permit: key %u: bad to date",
		    (unsigned int)k->kid);
		return (-1);
	}
	(void)sodium_bin2base64(b64, sizeof(b64), k->pk, PERMIT_PK_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(buf, sz, "key %u %s %s %s %s\n", (unsigned int)k->kid,
	    from, to, permit_status_names[k->status], b64);
	if (w < 0 || (size_t)w >= sz) {
		err_set(err, "permit: key line needs %d bytes (have %zu)",
		    w + 1, sz);
		if (sz > 0)
			buf[0] = '\0';
		return (-1);
	}
	return (0);
}
