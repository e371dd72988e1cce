/*
 * Case references: OFF-YYYY-NNNNNN-C, e.g. SMG-2026-000123-7.
 *
 * OFF is the office code, YYYY the year the case was opened, NNNNNN a
 * per-office, per-year serial and C a Luhn mod 36 check character over
 * "OFFYYYYNNNNNN", so one mistyped character or two swapped neighbours are
 * caught before anything is looked up.  migrations/ computes the same
 * character in SQL (case_ref_check); both are tested on the same vectors.
 */
#ifndef KITAS_REF_H
#define KITAS_REF_H

#include <stddef.h>

#define REF_LEN		17	/* "SMG-2026-000123-7" */
#define REF_BUFSZ	(REF_LEN + 1)

enum ref_status {
	REF_OK = 0,
	REF_BAD_FORMAT,		/* not OFF-YYYY-NNNNNN-C */
	REF_BAD_CHECK		/* well formed, wrong check character */
};

/* Check character for an alphanumeric payload; '\0' on a bad character. */
char		ref_check_char(const char *payload);

/*
 * Normalise (trim, upper-case) in into out (REF_BUFSZ bytes) and validate
 * it.  out is written only when the result is REF_OK.
 */
enum ref_status	ref_parse(const char *in, char *out, size_t outsz);

/* Format a reference; returns 0, or -1 when an argument is out of range. */
int		ref_format(char *out, size_t outsz, const char *office,
		    int year, long serial);

#endif
