/*
 * The e-ITAS permit as a one-page A4 PDF, built in memory with libharu:
 * bilingual (Indonesian / English) data, the holder's photo and a QR code
 * of the signed permit token.  The token is also stored, unencrypted, as
 * the document's Info /Subject so a PDF file can be checked offline with
 * eitas_token_from_pdf() without rendering it.
 *
 * Threads: each call builds its own HPDF_Doc and QRcode, so calls may run
 * at once (libharu 2.3.0 keeps no shared mutable state; libqrencode guards
 * its shared tables with a mutex).
 *
 * Syscalls: each eitas_render() opens both font files read-only (openat,
 * fstat, read, lseek), keeps them open until it returns and closes them
 * (libharu 2.3.0 cannot load a TrueType font from memory); otherwise it
 * only allocates memory.
 *
 * Photos: libharu 2.3.0 hands PNG data to libpng without a longjmp target,
 * so a libpng error would call abort().  eitas_render() therefore checks
 * a PNG's chunks and then decodes it whole through libpng's simplified
 * API (which reports errors) before libharu sees it.  JPEG is parsed by
 * libharu itself and fails cleanly.
 */
#ifndef KITAS_EITAS_H
#define KITAS_EITAS_H

#include <stddef.h>

#include "err.h"

#define EITAS_FIELD_MAX		200	/* bytes in a text field */
#define EITAS_TOKEN_MAX		512	/* bytes in the QR token */
#define EITAS_TOKEN_PREFIX	"KITAS1:"
#define EITAS_PHOTO_MAX		(4 * 1024 * 1024)	/* bytes */
#define EITAS_PHOTO_DIM_MAX	4096	/* photo pixels per side */

/*
 * Text fields are UTF-8 without control characters, 1..EITAS_FIELD_MAX
 * bytes; sponsor may be NULL or "" (printed as a dash).  number (40
 * bytes at most), passport (30) and kind (16) are printable ASCII.
 * Dates are YYYY-MM-DD (shape only: the caller checks the calendar).
 */
struct i18n;

struct eitas {
	const char	*number;	/* "SMG-2026-P000012" */
	const char	*holder;	/* full name */
	const char	*nationality;	/* ISO 3166 alpha-3, "SWE" */
	const char	*passport;
	const char	*birth_date;
	const char	*kind;		/* permit kind code, "E33G" */
	const char	*kind_id;	/* its name in Indonesian */
	const char	*kind_en;	/* its name in English */
	const char	*valid_from;
	const char	*valid_to;
	const char	*sponsor;
	const char	*office;	/* "Kantor Imigrasi Semarang (SMG)" */
	const char	*issued;
	const char	*token;		/* "KITAS1:" [A-Z2-7:=]+, the QR */
	const unsigned char *photo;	/* JPEG or PNG by magic, or NULL */
	size_t		 photolen;
	/* The catalogues: every word on the permit, in both languages. */
	const struct i18n *cat;
};

/*
 * Render e as a PDF.  font_path and font_bold_path name TrueType fonts
 * with the glyphs of every field (DejaVuSans.ttf, DejaVuSans-Bold.ttf);
 * both are embedded.  *pdf is malloc'd, *len bytes; the caller frees it
 * with free().  0, or -1 with err set and *pdf NULL: a field missing,
 * too long or not UTF-8, a photo that is neither JPEG nor PNG (or a
 * broken one), a font that does not load, or a libharu failure.
 */
int	eitas_render(const struct eitas *e, const char *font_path,
	    const char *font_bold_path, unsigned char **pdf, size_t *len,
	    struct err *err);

/*
 * The token stored by eitas_render() in the PDF's Info /Subject, copied
 * NUL-terminated into out.  It is only found, not verified: the caller
 * checks its signature.  0, or -1 when there is none, it is not a token
 * or it does not fit in outlen bytes.
 */
int	eitas_token_from_pdf(const unsigned char *pdf, size_t len, char *out,
	    size_t outlen);

#endif
