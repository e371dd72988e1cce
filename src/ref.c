#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ref.h"

#define REF_RADIX	36
#define REF_PAYLOAD	13	/* OFF + YYYY + NNNNNN */

static int
ref_code(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'Z')
		return (c - 'A' + 10);
	return (-1);
}

static char
ref_char(int code)
{
	return ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[code]);
}

/*
 * Luhn mod N (N = 36): double every second code point from the right,
 * fold the product back into base N, and pick the character that brings
 * the sum to a multiple of N.
 */
char
ref_check_char(const char *payload)
{
	size_t	i, len;
	int	code, factor, sum, add;

	len = strlen(payload);
	if (len == 0)
		return ('\0');
	factor = 2;
	sum = 0;
	for (i = len; i > 0; i--) {
		if ((code = ref_code((unsigned char)payload[i - 1])) == -1)
			return ('\0');
		add = factor * code;
		factor = (factor == 2) ? 1 : 2;
		sum += add / REF_RADIX + add % REF_RADIX;
	}
	return (ref_char((REF_RADIX - sum % REF_RADIX) % REF_RADIX));
}

enum ref_status
ref_parse(const char *in, char *out, size_t outsz)
{
	char		 buf[REF_BUFSZ], payload[REF_PAYLOAD + 1];
	const char	*end;
	size_t		 len, i, p;

	while (isspace((unsigned char)*in))
		in++;
	end = in + strlen(in);
	while (end > in && isspace((unsigned char)end[-1]))
		end--;
	if ((len = (size_t)(end - in)) != REF_LEN || outsz < REF_BUFSZ)
		return (REF_BAD_FORMAT);

	for (i = 0, p = 0; i < len; i++) {
		buf[i] = (char)toupper((unsigned char)in[i]);
		if (i == 3 || i == 8 || i == 15) {
			if (buf[i] != '-')
				return (REF_BAD_FORMAT);
			continue;
		}
		if (i < 3 ? !isupper((unsigned char)buf[i]) :
		    i < 15 ? !isdigit((unsigned char)buf[i]) :
		    ref_code((unsigned char)buf[i]) == -1)
			return (REF_BAD_FORMAT);
		if (i < 15)
			payload[p++] = buf[i];
	}
	buf[len] = '\0';
	payload[p] = '\0';

	if (ref_check_char(payload) != buf[16])
		return (REF_BAD_CHECK);
	memcpy(out, buf, REF_BUFSZ);
	return (REF_OK);
}

int
ref_format(char *out, size_t outsz, const char *office, int year, long serial)
{
	char	payload[REF_PAYLOAD + 1];
	int	n;

	if (strlen(office) != 3 || year < 2000 || year > 9999 ||
	    serial < 1 || serial > 999999)
		return (-1);
	n = snprintf(payload, sizeof(payload), "%s%04d%06ld",
	    office, year, serial);
	if (n != REF_PAYLOAD || ref_check_char(payload) == '\0')
		return (-1);
	n = snprintf(out, outsz, "%s-%04d-%06ld-%c", office, year, serial,
	    ref_check_char(payload));
	return (n == REF_LEN && (size_t)n < outsz ? 0 : -1);
}
