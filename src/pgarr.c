#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgarr.h"

void
pgarr_init(struct pgarr *a)
{
	memset(a, 0, sizeof(*a));
}

static int
pgarr_reserve(struct pgarr *a, size_t more)
{
	size_t	 want;
	char	*p;

	if (a->buf == NULL && a->cap == SIZE_MAX)
		return (-1);		/* an earlier failure */
	if (more > SIZE_MAX / 2 - a->len - 2)
		return (-1);
	want = a->len + more + 2;	/* room for "}" and NUL */
	if (want <= a->cap)
		return (0);
	if (want < a->cap * 2)
		want = a->cap * 2;
	if ((p = realloc(a->buf, want)) == NULL) {
		free(a->buf);
		a->buf = NULL;
		a->cap = SIZE_MAX;
		return (-1);
	}
	a->buf = p;
	a->cap = want;
	return (0);
}

int
pgarr_add(struct pgarr *a, const char *v)
{
	size_t	i, n;

	n = (v == NULL) ? 4 : strlen(v);
	/* Worst case every byte escaped, plus quotes, comma and brace. */
	if (n > SIZE_MAX / 4 || pgarr_reserve(a, n * 2 + 4) == -1)
		return (-1);
	a->buf[a->len++] = (a->n++ == 0) ? '{' : ',';
	if (v == NULL) {
		memcpy(a->buf + a->len, "NULL", 4);
		a->len += 4;
		return (0);
	}
	a->buf[a->len++] = '"';
	for (i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\')
			a->buf[a->len++] = '\\';
		a->buf[a->len++] = v[i];
	}
	a->buf[a->len++] = '"';
	return (0);
}

const char *
pgarr_finish(struct pgarr *a)
{
	if (pgarr_reserve(a, 1) == -1)
		return (NULL);
	if (a->n == 0)
		a->buf[a->len++] = '{';
	a->buf[a->len++] = '}';
	a->buf[a->len] = '\0';
	return (a->buf);
}

void
pgarr_free(struct pgarr *a)
{
	free(a->buf);
	pgarr_init(a);
}
