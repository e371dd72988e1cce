/*
 * A photo as this server accepts one: JPEG or PNG, told apart by its
 * content (magic bytes), never by file name or MIME type.  The permit
 * PDF (eitas.c) checks the holder's photo here before libharu sees it;
 * the back office checks facial photo uploads the same way.
 *
 * A PNG is walked chunk by chunk (CRCs, IHDR first and in range, PLTE
 * where the color type wants it, IDATs in one run with a zlib header,
 * IEND last) and then decoded whole through libpng's simplified API,
 * which reports errors instead of aborting.  libharu 2.3.0 hands PNG data
 * to libpng without a longjmp target, so a PNG that passes here is one
 * libpng will not abort() on later.  A JPEG is checked by its magic only:
 * its decoders (libharu's included) fail cleanly on a broken one.
 *
 * Threads: no shared state; calls may run at once.  Memory: one
 * temporary buffer for the decoded PNG pixels (at most max_side^2 * 4
 * bytes), freed before returning.
 */
#ifndef KITAS_PHOTO_H
#define KITAS_PHOTO_H

#include <stddef.h>

#include "err.h"

enum photo_type {
	PHOTO_JPEG,
	PHOTO_PNG
};

/*
 * Check len bytes at p: at most max_bytes, a JPEG by its magic or a PNG
 * as described above, with no side over max_side pixels.  The type found
 * goes to *type (may be NULL).  0, or -1 with err set ("photo: ..."):
 * too large, neither JPEG nor PNG, a damaged PNG, one with a bad IHDR or
 * too many pixels, or one that does not decode.
 */
int	photo_check(const unsigned char *p, size_t len, size_t max_bytes,
	    unsigned int max_side, enum photo_type *type, struct err *err);

#endif
