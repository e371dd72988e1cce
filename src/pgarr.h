/*
 * PostgreSQL array literals ("{...}") for passing many values as one
 * query parameter, e.g. every verdict of a batch to clr_report().  This
 * builds data, not SQL: every element is quoted and escaped, NULL is NULL.
 */
#ifndef KITAS_PGARR_H
#define KITAS_PGARR_H

#include <stddef.h>

struct pgarr {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 n;
};

void		 pgarr_init(struct pgarr *a);
/* Append v (NULL for an SQL NULL); 0, or -1 when out of memory. */
int		 pgarr_add(struct pgarr *a, const char *v);
/* The literal, valid until pgarr_free(); NULL when out of memory. */
const char	*pgarr_finish(struct pgarr *a);
void		 pgarr_free(struct pgarr *a);

#endif
