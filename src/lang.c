#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lang.h"

static const char *lang_codes[LANG_COUNT] = { "id", "en" };

int
lang_from_code(const char *code)
{
	int	i;

	if (code == NULL)
		return (-1);
	for (i = 0; i < LANG_COUNT; i++) {
		if (strcmp(code, lang_codes[i]) == 0)
			return (i);
	}
	return (-1);
}

const char *
lang_code(enum lang lang)
{
	return (lang_codes[lang < LANG_COUNT ? lang : LANG_ID]);
}

/*
 * Parse one q-value ("q=0.8"); 1000 for 1.0, -1 when malformed.  Only the
 * RFC 9110 form (0, 1, up to three decimals) is accepted.
 */
static int
lang_qvalue(const char *p, size_t len)
{
	size_t	i;
	int	q, scale;

	while (len > 0 && isspace((unsigned char)*p)) {
		p++;
		len--;
	}
	if (len < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return (-1);
	p += 2;
	len -= 2;
	if (p[0] != '0' && p[0] != '1')
		return (-1);
	q = (p[0] - '0') * 1000;
	if (len == 1)
		return (q);
	if (p[1] != '.' || len > 5)
		return (-1);
	for (i = 2, scale = 100; i < len; i++, scale /= 10) {
		if (!isdigit((unsigned char)p[i]))
			return (-1);
		q += (p[i] - '0') * scale;
	}
	return (q > 1000 ? -1 : q);
}

static int
lang_accept(const char *accept)
{
	const char	*p, *end, *semi, *tag;
	size_t		 taglen;
	int		 best, bestq, q, l;
	char		 code[3];

	if (accept == NULL || strlen(accept) > LANG_ACCEPT_MAX)
		return (-1);
	best = -1;
	bestq = 0;
	for (p = accept; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && isspace((unsigned char)*p))
			p++;
		tag = p;
		semi = memchr(p, ';', (size_t)(end - p));
		taglen = (size_t)((semi != NULL ? semi : end) - tag);
		while (taglen > 0 && isspace((unsigned char)tag[taglen - 1]))
			taglen--;
		q = 1000;
		if (semi != NULL &&
		    (q = lang_qvalue(semi + 1, (size_t)(end - semi - 1))) < 0)
			continue;
		/* Primary subtag only: "en-GB" is en, "in" is old Indonesian. */
		if (taglen < 2 || (taglen > 2 && tag[2] != '-'))
			continue;
		code[0] = (char)tolower((unsigned char)tag[0]);
		code[1] = (char)tolower((unsigned char)tag[1]);
		code[2] = '\0';
		if (strcmp(code, "in") == 0)
			code[1] = 'd';
		if ((l = lang_from_code(code)) == -1)
			continue;
		if (q > bestq) {
			best = l;
			bestq = q;
		}
	}
	return (best);
}

enum lang
lang_negotiate(const char *query, const char *cookie, const char *accept,
    enum lang fallback)
{
	int	l;

	if ((l = lang_from_code(query)) != -1)
		return ((enum lang)l);
	if ((l = lang_from_code(cookie)) != -1)
		return ((enum lang)l);
	if ((l = lang_accept(accept)) != -1)
		return ((enum lang)l);
	return (fallback);
}
