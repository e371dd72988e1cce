#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sf.h"

int
sf_begin(struct sf_cur *c, const char *mod, const char *what,
    const char *hdr, size_t max, struct err *err)
{
	size_t		len, i;
	unsigned char	ch;

	if ((len = strnlen(hdr, max + 1)) > max) {
		err_set(err, "%s: %s: longer than %zu bytes", mod, what, max);
		return (-1);
	}
	for (i = 0; i < len; i++) {
		ch = (unsigned char)hdr[i];
		if ((ch < 0x20 && ch != '\t') || ch > 0x7e) {
			err_set(err, "%s: %s: byte 0x%02x at offset %zu is "
			    "not printable ASCII", mod, what, ch, i);
			return (-1);
		}
	}
	c->s = hdr;
	c->len = len;
	c->pos = 0;
	c->mod = mod;
	c->what = what;
	c->err = err;
	return (0);
}

int
sf_fail(struct sf_cur *c, const char *fmt, ...)
{
	char	msg[160];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(c->err, "%s: %s: %s (offset %zu)", c->mod, c->what, msg,
	    c->pos);
	return (-1);
}

int
sf_peek(const struct sf_cur *c)
{
	return (c->pos < c->len ? (unsigned char)c->s[c->pos] : -1);
}

void
sf_sp(struct sf_cur *c)
{
	while (sf_peek(c) == ' ')
		c->pos++;
}

void
sf_ows(struct sf_cur *c)
{
	while (sf_peek(c) == ' ' || sf_peek(c) == '\t')
		c->pos++;
}

int
sf_dict(struct sf_cur *c, const struct sf_dict *d, void *arg)
{
	char	seen[SF_DICT_MAX][SF_KEY_MAX + 1];
	int	n = 0, i;

	if (d->max > SF_DICT_MAX || d->keymax > SF_KEY_MAX)
		return (sf_fail(c, "dictionary limits out of range"));
	sf_sp(c);
	while (c->pos < c->len) {
		if (n == d->max)
			return (sf_fail(c, "more than %d %s", d->max,
			    d->members));
		if (d->key(c, seen[n], d->keymax + 1) == -1)
			return (-1);
		for (i = 0; i < n; i++) {
			if (strcmp(seen[i], seen[n]) == 0)
				return (sf_fail(c, "%s%s given twice",
				    d->dup, seen[n]));
		}
		if (d->value(c, seen[n], arg) == -1)
			return (-1);
		n++;
		sf_ows(c);
		if (c->pos == c->len)
			break;
		if (sf_peek(c) != ',')
			return (sf_fail(c, "expected ',' after %s",
			    d->member));
		c->pos++;
		sf_ows(c);
		if (c->pos == c->len)
			return (sf_fail(c, "trailing ','"));
	}
	return (n);
}
