/*
 * Photos by content (src/photo.c).  The PNG is 3x2 RGB, made once with
 * Python's zlib (one stored deflate block) and kept as bytes; the broken
 * ones patch it, with their CRCs worked out the same way.  The full set
 * of damaged PNGs, built from a larger image, is in eitas_test.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "photo.h"

#define MAX_BYTES	4096
#define MAX_SIDE	16
#define IHDR_COLOR	25	/* signature 8, IHDR length and type, 9 */
#define IHDR_CRC	29
#define IDAT_DATA	41	/* signature 8, IHDR 25, IDAT length and type */
#define IDAT_NLEN	(IDAT_DATA + 5)	/* zlib header 2, stored block 3 */
#define IDAT_CRC	72

static const unsigned char png_3x2[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02,
	0x08, 0x02, 0x00, 0x00, 0x00, 0x12, 0x16, 0xf1, 0x4d, 0x00, 0x00, 0x00,
	0x1f, 0x49, 0x44, 0x41, 0x54, 0x78, 0x01, 0x01, 0x14, 0x00, 0xeb, 0xff,
	0x00, 0xc8, 0xdc, 0xf0, 0xc8, 0xdc, 0xf0, 0xc8, 0xdc, 0xf0, 0x00, 0xc8,
	0xdc, 0xf0, 0xc8, 0xdc, 0xf0, 0xc8, 0xdc, 0xf0, 0x99, 0xd4, 0x0f, 0x79,
	0x83, 0xf2, 0x55, 0xca, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
	0xae, 0x42, 0x60, 0x82,
};

static const unsigned char jpeg[] = "\xff\xd8\xff\xe0\x00\x10JFIF";
static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00";

static void
refused(const unsigned char *p, size_t len, size_t max_bytes,
    unsigned int max_side, const char *want)
{
	struct err	 err = { "" };
	enum photo_type	 type = PHOTO_JPEG;

	assert_int_equal(photo_check(p, len, max_bytes, max_side, &type,
	    &err), -1);
	if (strncmp(err.msg, "photo: ", 7) != 0 || strstr(err.msg,
	    want) == NULL)
		fail_msg("want \"photo: ...%s\" in \"%s\"", want, err.msg);
}

static void
tells_jpeg_and_png_apart_by_content(void **state)
{
	struct err	 err = { "" };
	enum photo_type	 type = PHOTO_PNG;

	assert_int_equal(photo_check(jpeg, sizeof(jpeg) - 1, MAX_BYTES,
	    MAX_SIDE, &type, &err), 0);
	assert_int_equal(type, PHOTO_JPEG);
	if (photo_check(png_3x2, sizeof(png_3x2), MAX_BYTES, MAX_SIDE, &type,
	    &err) != 0)
		fail_msg("photo_check: %s", err.msg);
	assert_int_equal(type, PHOTO_PNG);
	/* type and err may be NULL; the limits are inclusive. */
	assert_int_equal(photo_check(png_3x2, sizeof(png_3x2),
	    sizeof(png_3x2), 3, NULL, NULL), 0);
}

static void
refuses_what_is_neither(void **state)
{
	refused(NULL, 0, MAX_BYTES, MAX_SIDE, "none given");
	refused(gif, sizeof(gif) - 1, MAX_BYTES, MAX_SIDE,
	    "neither JPEG nor PNG");
	refused(jpeg, 2, MAX_BYTES, MAX_SIDE, "neither JPEG nor PNG");
	refused(png_3x2, 7, MAX_BYTES, MAX_SIDE, "neither JPEG nor PNG");
	refused(png_3x2, 0, MAX_BYTES, MAX_SIDE, "neither JPEG nor PNG");
}

static void
refuses_photos_over_the_limits(void **state)
{
	refused(jpeg, sizeof(jpeg) - 1, sizeof(jpeg) - 2, MAX_SIDE,
	    "bytes (max");
	refused(png_3x2, sizeof(png_3x2), sizeof(png_3x2) - 1, MAX_SIDE,
	    "bytes (max");
	refused(png_3x2, sizeof(png_3x2), MAX_BYTES, 2, "3x2 pixels");
}

static void
refuses_damaged_pngs(void **state)
{
	unsigned char	bad[sizeof(png_3x2)];

	refused(png_3x2, sizeof(png_3x2) - 1, MAX_BYTES, MAX_SIDE,
	    "PNG is damaged");
	memcpy(bad, png_3x2, sizeof(bad));
	bad[IDAT_DATA + 10] ^= 1;	/* a pixel: CRC mismatch */
	refused(bad, sizeof(bad), MAX_BYTES, MAX_SIDE, "PNG is damaged");
	/* Color type 5, CRC right. */
	memcpy(bad, png_3x2, sizeof(bad));
	bad[IHDR_COLOR] = 5;
	memcpy(bad + IHDR_CRC, "\x8f\xc1\xc9\xf4", 4);
	refused(bad, sizeof(bad), MAX_BYTES, MAX_SIDE, "bad IHDR");
	/* Every CRC right, the stored block's length and its complement
	 * disagree: only decoding sees it. */
	memcpy(bad, png_3x2, sizeof(bad));
	bad[IDAT_NLEN] ^= 1;
	memcpy(bad + IDAT_CRC, "\x64\xef\xf3\x5d", 4);
	refused(bad, sizeof(bad), MAX_BYTES, MAX_SIDE, "does not decode");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tells_jpeg_and_png_apart_by_content),
		cmocka_unit_test(refuses_what_is_neither),
		cmocka_unit_test(refuses_photos_over_the_limits),
		cmocka_unit_test(refuses_damaged_pngs),
	};

	return (cmocka_run_group_tests_name("photo", tests, NULL, NULL));
}
