#include <string.h>

#include "form.h"

int
form_in_list(const char *s, const char *list)
{
	size_t		 n = strlen(s);
	const char	*p;

	if (n == 0 || strchr(s, ' ') != NULL)
		return (0);
	for (p = list; (p = strstr(p, s)) != NULL; p += n) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return (1);
	}
	return (0);
}

size_t
form_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return (n);
}
