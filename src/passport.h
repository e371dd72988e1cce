/*
 * Passport numbers as typed by people: spaces and lower case are
 * forgiven, anything but 5 to 12 letters and digits is not (ICAO 9303
 * allows 9 characters in the MRZ; some states print longer numbers).
 */
#ifndef KITAS_PASSPORT_H
#define KITAS_PASSPORT_H

#include <stddef.h>

#define PASSPORT_MIN	5
#define PASSPORT_MAX	12
#define PASSPORT_BUFSZ	(PASSPORT_MAX + 1)

/* Normalise in into out; 0, or -1 when it is not a passport number. */
int	passport_parse(const char *in, char *out, size_t outsz);

#endif
