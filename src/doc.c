#include <stdio.h>
#include <string.h>

#include "doc.h"

static const char *doc_types[] = {
	"passport", "photo", "sponsor_letter", "rptka",
	"marriage_certificate", "family_card", "birth_certificate",
	"funds_evidence", "income_evidence", "insurance", "domicile_letter",
	"other",
};

const char *
doc_sniff(const unsigned char *buf, size_t len)
{
	static const unsigned char png[8] =
	    { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

	if (len >= 5 && memcmp(buf, "%PDF-", 5) == 0)
		return ("application/pdf");
	if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
		return ("image/jpeg");
	if (len >= sizeof(png) && memcmp(buf, png, sizeof(png)) == 0)
		return ("image/png");
	return (NULL);
}

void
doc_filename(const char *name, char *out, size_t outsz)
{
	const char	*p;
	size_t		 n, cut;

	if ((p = strrchr(name, '/')) != NULL)
		name = p + 1;
	if ((p = strrchr(name, '\\')) != NULL)
		name = p + 1;
	for (n = 0; *name != '\0' && n + 1 < outsz && n < DOC_NAME_MAX;
	    name++) {
		if ((unsigned char)*name < 0x20 || *name == 0x7f)
			continue;
		out[n++] = *name;
	}
	/* Do not end in the middle of a UTF-8 sequence. */
	cut = n;
	while (cut > 0 && ((unsigned char)out[cut - 1] & 0xc0) == 0x80)
		cut--;
	if (cut > 0 && ((unsigned char)out[cut - 1] & 0x80) != 0) {
		unsigned char	lead = (unsigned char)out[cut - 1];
		size_t		need = (lead & 0xe0) == 0xc0 ? 2 :
				    (lead & 0xf0) == 0xe0 ? 3 : 4;
		if (n - (cut - 1) < need)
			n = cut - 1;
	}
	out[n] = '\0';
	if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		(void)snprintf(out, outsz, "document");
}

int
doc_type_valid(const char *type)
{
	size_t	i;

	for (i = 0; i < sizeof(doc_types) / sizeof(doc_types[0]); i++) {
		if (strcmp(doc_types[i], type) == 0)
			return (1);
	}
	return (0);
}
