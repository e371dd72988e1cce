/*
 * Photos by content: JPEG magic, or a PNG walked chunk by chunk and then
 * decoded whole (see photo.h for why).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "photo.h"

#define PHOTO_PNG_SIG_LEN	8
#define PHOTO_PNG_CHUNK_MAX	0x7fffffffUL	/* PNG spec, 2^31 - 1 */

static uint32_t	photo_be32(const unsigned char *);
static uint32_t	photo_crc32(const unsigned char *, size_t);
static int	photo_png_ihdr(const unsigned char *, uint32_t, unsigned int,
		    int *, struct err *);
static int	photo_png_decode(const unsigned char *, size_t, struct err *);
static int	photo_png_check(const unsigned char *, size_t, unsigned int,
		    struct err *);

static uint32_t
photo_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* CRC-32 of PNG (ISO 3309), without zlib: it is not linked here. */
static uint32_t
photo_crc32(const unsigned char *p, size_t len)
{
	uint32_t	table[256], c;
	size_t		i;
	int		k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320U ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	c = 0xffffffffU;
	for (i = 0; i < len; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return (c ^ 0xffffffffU);
}

/* The IHDR combinations of the PNG spec; *color gets the color type. */
static int
photo_png_ihdr(const unsigned char *d, uint32_t len, unsigned int max_side,
    int *color, struct err *err)
{
	uint32_t	w, h;
	int		depth;

	if (len != 13)
		goto bad;
	w = photo_be32(d);
	h = photo_be32(d + 4);
	depth = d[8];
	*color = d[9];
	if (w == 0 || h == 0 || w > max_side || h > max_side) {
		err_set(err, "photo: %ux%u pixels (max %u a side)", w, h,
		    max_side);
		return (-1);
	}
	switch (*color) {
	case 0:
		if (depth != 1 && depth != 2 && depth != 4 && depth != 8 &&
		    depth != 16)
			goto bad;
		break;
	case 3:
		if (depth != 1 && depth != 2 && depth != 4 && depth != 8)
			goto bad;
		break;
	case 2:
	case 4:
	case 6:
		if (depth != 8 && depth != 16)
			goto bad;
		break;
	default:
		goto bad;
	}
	if (d[10] != 0 || d[11] != 0 || d[12] > 1)
		goto bad;
	return (0);
bad:
	err_set(err, "photo: PNG has a bad IHDR");
	return (-1);
}

/*
 * The whole image decoded once through libpng's simplified API, which
 * reports errors instead of aborting: what decodes here decodes again in
 * libharu (the same libpng), so a crafted deflate stream with intact
 * CRCs cannot take the process down there.
 */
static int
photo_png_decode(const unsigned char *p, size_t len, struct err *err)
{
	png_image	 img;
	png_bytep	 px;
	int		 ok;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, p, len)) {
		err_set(err, "photo: PNG does not decode");
		return (-1);
	}
	img.format = PNG_FORMAT_RGBA;
	if ((px = malloc(PNG_IMAGE_SIZE(img))) == NULL) {
		png_image_free(&img);
		err_set(err, "photo: out of memory");
		return (-1);
	}
	ok = png_image_finish_read(&img, NULL, px, 0, NULL);
	free(px);
	png_image_free(&img);
	if (!ok) {
		err_set(err, "photo: PNG does not decode");
		return (-1);
	}
	return (0);
}

/*
 * libpng, as libharu 2.3.0 calls it, aborts the process on any error in a
 * critical chunk, so walk the chunks first: CRCs, IHDR first, PLTE where
 * the color type wants it, IDATs in one run starting with a zlib header,
 * IEND last.  Ancillary chunks only warn in libpng 1.6 and may stay.
 */
static int
photo_png_check(const unsigned char *p, size_t len, unsigned int max_side,
    struct err *err)
{
	const unsigned char	*d;
	size_t			 off = PHOTO_PNG_SIG_LEN;
	uint32_t		 clen;
	int			 color = -1, plte = 0, idat = 0, end = 0, i;

	while (!end) {
		if (len - off < 12)
			goto bad;
		clen = photo_be32(p + off);
		if (clen > PHOTO_PNG_CHUNK_MAX || clen > len - off - 12)
			goto bad;
		d = p + off + 8;
		for (i = 4; i < 8; i++) {
			if ((p[off + i] < 'A' || p[off + i] > 'Z') &&
			    (p[off + i] < 'a' || p[off + i] > 'z'))
				goto bad;
		}
		if (photo_crc32(p + off + 4, clen + 4) != photo_be32(d + clen))
			goto bad;
		if (off == PHOTO_PNG_SIG_LEN) {
			if (memcmp(p + off + 4, "IHDR", 4) != 0)
				goto bad;
			if (photo_png_ihdr(d, clen, max_side, &color,
			    err) == -1)
				return (-1);
		} else if (memcmp(p + off + 4, "PLTE", 4) == 0) {
			if (plte || idat || color == 0 || color == 4 ||
			    clen == 0 || clen % 3 != 0 || clen / 3 > 256)
				goto bad;
			plte = 1;
		} else if (memcmp(p + off + 4, "IDAT", 4) == 0) {
			if (idat == 2)
				goto bad;
			/* CM 8 (deflate), window <= 32K, no dictionary. */
			if (idat == 0 && (clen < 2 || (d[0] & 0x0f) != 8 ||
			    (d[0] >> 4) > 7 || (d[1] & 0x20) != 0 ||
			    ((unsigned)d[0] << 8 | d[1]) % 31 != 0))
				goto bad;
			idat = 1;
		} else if (memcmp(p + off + 4, "IEND", 4) == 0) {
			if (clen != 0 || off + 12 != len)
				goto bad;
			end = 1;
		} else if ((p[off + 4] & 0x20) == 0)
			goto bad;	/* unknown critical chunk */
		else if (idat == 1)
			idat = 2;
		off += (size_t)clen + 12;
	}
	if (idat == 0 || (color == 3 && !plte))
		goto bad;
	return (photo_png_decode(p, len, err));
bad:
	err_set(err, "photo: PNG is damaged (chunk at byte %zu)", off);
	return (-1);
}

int
photo_check(const unsigned char *p, size_t len, size_t max_bytes,
    unsigned int max_side, enum photo_type *type, struct err *err)
{
	static const unsigned char	 png[PHOTO_PNG_SIG_LEN] =
	    { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

	if (p == NULL) {
		err_set(err, "photo: none given");
		return (-1);
	}
	if (len > max_bytes) {
		err_set(err, "photo: %zu bytes (max %zu)", len, max_bytes);
		return (-1);
	}
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
		if (type != NULL)
			*type = PHOTO_JPEG;
		return (0);
	}
	if (len >= sizeof(png) && memcmp(p, png, sizeof(png)) == 0) {
		if (photo_png_check(p, len, max_side, err) == -1)
			return (-1);
		if (type != NULL)
			*type = PHOTO_PNG;
		return (0);
	}
	err_set(err, "photo: neither JPEG nor PNG");
	return (-1);
}
