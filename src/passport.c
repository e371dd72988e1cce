#include <ctype.h>

#include "passport.h"

/* Inputs longer than this are refused before they are scanned. */
#define PASSPORT_INPUT_MAX	64

int
passport_parse(const char *in, char *out, size_t outsz)
{
	size_t	i, n;

	if (outsz < PASSPORT_BUFSZ)
		return (-1);
	for (i = 0, n = 0; in[i] != '\0'; i++) {
		if (i == PASSPORT_INPUT_MAX)
			return (-1);
		if (in[i] == ' ')
			continue;
		if (!isalnum((unsigned char)in[i]) ||
		    (unsigned char)in[i] > 0x7f || n == PASSPORT_MAX)
			return (-1);
		out[n++] = (char)toupper((unsigned char)in[i]);
	}
	if (n < PASSPORT_MIN)
		return (-1);
	out[n] = '\0';
	return (0);
}
