/*
 * Checks of form values that must hold before a value is handed to the
 * database as a typed parameter (an enum): a value that would
 * make the cast fail is the user's mistake, answered with a message,
 * not a server error.
 */
#ifndef KITAS_FORM_H
#define KITAS_FORM_H

#include <stddef.h>

/* A UTF-8 character takes at most this many bytes. */
#define FORM_UTF8_MAX	4
/* A buffer for up to n characters of UTF-8 and the NUL. */
#define FORM_CHARS_BUFSZ(n)	((n) * FORM_UTF8_MAX + 1)

/* 1 when s is one of the space-separated words of list. */
int	form_in_list(const char *s, const char *list);

/*
 * The characters of s as the database counts them (length()): bytes
 * that do not continue a UTF-8 sequence.  Invalid UTF-8 the database
 * refuses anyway.
 */
size_t	form_chars(const char *s);

#endif
