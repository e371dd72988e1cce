/* The e-ITAS permit PDF (src/eitas.c). */
#include <sys/stat.h>

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "eitas.h"
#include "i18n.h"

#define FONT		"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define FONT_BOLD	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define SAMPLE_DIR	"build/unit"
#define SAMPLE		SAMPLE_DIR "/eitas-sample.png"
#define PHOTO_W		70
#define PHOTO_H		90
#define THREADS		4

static char		 token[EITAS_TOKEN_MAX + 1];
static unsigned char	*png;
static size_t		 pnglen;

static struct i18n	*cat;

/* .cat is set by setup(): the real catalogues. */
static struct eitas sample = {
	.number = "SMG-2026-P000012",
	.holder = "Zoë Ångström-Núñez",
	.nationality = "SWE",
	.passport = "AA1234567",
	.birth_date = "1990-04-17",
	.kind = "E33G",
	.kind_id = "Pekerja jarak jauh",
	.kind_en = "Remote worker",
	.valid_from = "2026-01-15",
	.valid_to = "2027-01-14",
	.sponsor = "",
	.office = "Kantor Imigrasi Semarang (SMG)",
	.issued = "2026-01-15",
	.token = token,
};

/* --- a small PNG made by hand: stored deflate blocks need no zlib --- */

static uint32_t
crc32_of(const unsigned char *p, size_t len)
{
	uint32_t	c = 0xffffffffU;
	size_t		i;
	int		k;

	for (i = 0; i < len; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320U ^ (c >> 1) : c >> 1;
	}
	return (c ^ 0xffffffffU);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static size_t
chunk(unsigned char *out, const char *type, const unsigned char *d,
    size_t len)
{
	put32(out, (uint32_t)len);
	memcpy(out + 4, type, 4);
	if (len > 0)
		memcpy(out + 8, d, len);
	put32(out + 8 + len, crc32_of(out + 4, len + 4));
	return (len + 12);
}

/* An RGB head-and-shoulders silhouette on pale blue. */
static unsigned char *
make_png(size_t *lenp)
{
	const size_t	 row = 1 + 3 * PHOTO_W, raw = row * PHOTO_H;
	unsigned char	*pix, *z, *out, ihdr[13], *px;
	uint32_t	 a = 1, b = 0;
	size_t		 i, n, zl, o;
	int		 x, y, dx, dy;

	assert_non_null(pix = malloc(raw));
	for (y = 0; y < PHOTO_H; y++) {
		pix[y * row] = 0;
		for (x = 0; x < PHOTO_W; x++) {
			px = pix + y * row + 1 + 3 * x;
			dx = x - PHOTO_W / 2;
			dy = y - 36;
			if (dx * dx * 100 / (17 * 17) + dy * dy * 100 /
			    (22 * 22) <= 100) {
				px[0] = 224; px[1] = 180; px[2] = 150;
			} else if (y > 62 && dx * dx < (y - 50) * (y - 50)) {
				px[0] = 30; px[1] = 50; px[2] = 90;
			} else {
				px[0] = 200; px[1] = 220; px[2] = 240;
			}
		}
	}
	/* zlib: header, stored blocks of at most 65535 bytes, Adler-32. */
	assert_non_null(z = malloc(raw + raw / 65535 * 5 + 32));
	z[0] = 0x78;
	z[1] = 0x01;
	for (zl = 2, o = 0; o < raw; o += n) {
		n = raw - o > 65535 ? 65535 : raw - o;
		z[zl++] = o + n == raw;
		z[zl++] = n & 0xff;
		z[zl++] = n >> 8;
		z[zl++] = ~n & 0xff;
		z[zl++] = (~n >> 8) & 0xff;
		memcpy(z + zl, pix + o, n);
		zl += n;
	}
	for (i = 0; i < raw; i++) {
		a = (a + pix[i]) % 65521;
		b = (b + a) % 65521;
	}
	put32(z + zl, b << 16 | a);
	zl += 4;

	put32(ihdr, PHOTO_W);
	put32(ihdr + 4, PHOTO_H);
	memcpy(ihdr + 8, "\x08\x02\x00\x00\x00", 5);
	assert_non_null(out = malloc(8 + 25 + zl + 12 + 12));
	memcpy(out, "\x89PNG\r\n\x1a\n", 8);
	o = 8;
	o += chunk(out + o, "IHDR", ihdr, sizeof(ihdr));
	o += chunk(out + o, "IDAT", z, zl);
	o += chunk(out + o, "IEND", NULL, 0);
	free(pix);
	free(z);
	*lenp = o;
	return (out);
}

/* --- helpers --- */

static void
render_ok(const struct eitas *e, unsigned char **pdf, size_t *len)
{
	struct err	err = { "" };

	if (eitas_render(e, FONT, FONT_BOLD, pdf, len, &err) != 0)
		fail_msg("eitas_render: %s", err.msg);
	assert_non_null(*pdf);
}

static void
refused(const struct eitas *e, const char *want)
{
	struct err	 err = { "" };
	unsigned char	*pdf = (unsigned char *)"x";
	size_t		 len = 1;

	assert_int_equal(eitas_render(e, FONT, FONT_BOLD, &pdf, &len, &err),
	    -1);
	assert_null(pdf);
	assert_int_equal(len, 0);
	if (strstr(err.msg, want) == NULL)
		fail_msg("want \"%s\" in \"%s\"", want, err.msg);
}

static int
write_file(const char *path, const unsigned char *p, size_t len)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "wb")) == NULL)
		return (-1);
	rc = fwrite(p, 1, len, f) == len ? 0 : -1;
	return (fclose(f) == 0 ? rc : -1);
}

static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*p;
	long		 n;

	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) > 0);
	rewind(f);
	assert_non_null(p = malloc(n));
	assert_int_equal(fread(p, 1, n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return (p);
}

static int
have(const char *tool)
{
	char	cmd[128];

	(void)snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1",
	    tool);
	return (system(cmd) == 0);
}

/* Run a shell command, its first output line into out; exit status. */
static int
run(char *out, size_t outlen, const char *fmt, ...)
{
	char	 cmd[1024];
	FILE	*p;
	va_list	 ap;
	int	 w;

	va_start(ap, fmt);
	w = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(w > 0 && (size_t)w < sizeof(cmd));
	assert_non_null(p = popen(cmd, "r"));
	out[0] = '\0';
	if (fgets(out, (int)outlen, p) != NULL)
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	return (pclose(p));
}

/* Render, rasterise at 150 dpi to dir/name.png, return what zbar reads. */
static void
scan(const struct eitas *e, const char *name, char *out, size_t outlen)
{
	unsigned char	*pdf;
	size_t		 len;
	char		 path[256];

	render_ok(e, &pdf, &len);
	(void)snprintf(path, sizeof(path), "%s/%s.pdf", tmpdir, name);
	assert_int_equal(write_file(path, pdf, len), 0);
	free(pdf);
	assert_int_equal(run(out, outlen, "pdftoppm -r 150 -png -singlefile "
	    "%s/%s.pdf %s/%s 2>/dev/null", tmpdir, name, tmpdir, name), 0);
	assert_int_equal(run(out, outlen, "zbarimg --raw -q %s/%s.png "
	    "2>/dev/null", tmpdir, name), 0);
}

/* --- tests --- */

static void
renders_a_pdf_that_carries_its_token(void **state)
{
	struct eitas	 e = sample;
	unsigned char	*pdf;
	size_t		 len;
	char		 out[EITAS_TOKEN_MAX + 1];

	e.photo = png;
	e.photolen = pnglen;
	render_ok(&e, &pdf, &len);
	assert_true(len > 1000);
	assert_memory_equal(pdf, "%PDF-", 5);
	while (len > 0 && (pdf[len - 1] == '\n' || pdf[len - 1] == '\r'))
		len--;
	assert_true(len > 5);
	assert_memory_equal(pdf + len - 5, "%%EOF", 5);
	assert_int_equal(eitas_token_from_pdf(pdf, len, out, sizeof(out)), 0);
	assert_string_equal(out, token);
	/* Too small a buffer is refused, never cut. */
	assert_int_equal(eitas_token_from_pdf(pdf, len, out, strlen(token)),
	    -1);
	free(pdf);
}

static void
finds_tokens_as_other_writers_store_them(void **state)
{
	static const char	*ok[] = {
		"<</Subject (KITAS1:ABC234)>>",
		"/Subject\n(KITAS1:ABC234)",
		"/Subject <4B49544153313A414243323334>",
		"/Subject<FEFF004B00490054004100530031003A"
		    "004100420043003200330034>",
		"/Subject (nope) /Subject (KITAS1:ABC234)",
	};
	static const char	*bad[] = {
		"/Subject (KITAS1:abc234)",
		"/Subject (KITAS2:ABC234)",
		"/Subject (KITAS1:)",
		"/Subject (KITAS1:ABC\\050)",
		"/Subject (KITAS1:ABC234",
		"/Subject <FEFF004B0049>",
		"/Subject <4B49544153313A41424332333G>",
		"/Title (KITAS1:ABC234)",
		"",
	};
	char			 out[64];
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(out, 0, sizeof(out));
		if (eitas_token_from_pdf((const unsigned char *)ok[i],
		    strlen(ok[i]), out, sizeof(out)) != 0)
			fail_msg("not found in %s", ok[i]);
		assert_string_equal(out, "KITAS1:ABC234");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (eitas_token_from_pdf((const unsigned char *)bad[i],
		    strlen(bad[i]), out, sizeof(out)) != -1)
			fail_msg("found \"%s\" in %s", out, bad[i]);
	}
	assert_int_equal(eitas_token_from_pdf(NULL, 0, out, sizeof(out)), -1);
}

static void
renders_without_photo_and_with_long_values(void **state)
{
	struct eitas	 e = sample;
	unsigned char	*pdf;
	size_t		 len;
	char		 name[EITAS_FIELD_MAX + 1];
	char		 office[EITAS_FIELD_MAX + 1];
	char		 out[EITAS_TOKEN_MAX + 1];
	size_t		 i;

	/* 100 two-byte letters, some words longer than a line. */
	for (i = 0; i < EITAS_FIELD_MAX; i += 2)
		memcpy(name + i, i % 40 == 38 ? " \x20" : "\xc3\xb1", 2);
	name[EITAS_FIELD_MAX] = '\0';
	memset(office, 'W', EITAS_FIELD_MAX);
	office[EITAS_FIELD_MAX] = '\0';
	e.holder = name;
	e.office = office;
	e.kind_id = office;
	e.kind_en = name;
	e.sponsor = NULL;
	render_ok(&e, &pdf, &len);
	assert_int_equal(eitas_token_from_pdf(pdf, len, out, sizeof(out)), 0);
	free(pdf);
}

static void
refuses_bad_fields(void **state)
{
	struct eitas	e;
	char		long_name[EITAS_FIELD_MAX + 2];
	char		long_token[EITAS_TOKEN_MAX + 2];

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	memcpy(long_token, token, strlen(token));
	memset(long_token + strlen(token), 'A',
	    sizeof(long_token) - 1 - strlen(token));
	long_token[sizeof(long_token) - 1] = '\0';

	refused(NULL, "no permit");
	e = sample; e.holder = NULL; refused(&e, "holder is missing");
	e = sample; e.number = ""; refused(&e, "number is missing");
	e = sample; e.office = NULL; refused(&e, "office is missing");
	e = sample; e.holder = long_name; refused(&e, "holder longer");
	e = sample; e.holder = "Zo\xc3"; refused(&e, "holder is malformed");
	e = sample; e.holder = "Zo\xc0\xae"; refused(&e, "holder is malformed");
	e = sample; e.holder = "Zo\xed\xa0\x80"; refused(&e, "malformed");
	e = sample; e.holder = "Zo\nX"; refused(&e, "holder is malformed");
	e = sample; e.holder = "Zo\xc2\x85X"; refused(&e, "malformed");
	e = sample; e.sponsor = "PT \x01"; refused(&e, "sponsor is malformed");
	e = sample; e.number = "SMG-2026-\xc3\xa9"; refused(&e, "number is");
	e = sample; e.nationality = "Swe"; refused(&e, "nationality is");
	e = sample; e.nationality = "SWED"; refused(&e, "nationality longer");
	e = sample; e.birth_date = "17-04-1990"; refused(&e, "birth_date is");
	e = sample; e.valid_to = "2027-1-14"; refused(&e, "valid_to is");
	e = sample; e.token = NULL; refused(&e, "token");
	e = sample; e.cat = NULL; refused(&e, "no message eitas.republic");
	e = sample; e.token = "KITAS1:"; refused(&e, "token");
	e = sample; e.token = "KITAS1:abcd"; refused(&e, "token");
	e = sample; e.token = "KITAS1:AB18"; refused(&e, "token");
	e = sample; e.token = "kitas1:ABCD"; refused(&e, "token");
	e = sample; e.token = long_token; refused(&e, "token");
}

static void
refuses_bad_photos(void **state)
{
	static const unsigned char	 gif[] = "GIF89a\x01\x00\x01\x00";
	static const unsigned char	 jpeg[] = "\xff\xd8\xff\xe0junk";
	struct eitas			 e = sample;
	unsigned char			*bad;
	/* Signature, IHDR, IDAT (zl bytes), IEND. */
	size_t				 idat = 8 + 25;
	size_t				 zl = pnglen - idat - 24;

	e.photo = gif;
	e.photolen = sizeof(gif) - 1;
	refused(&e, "neither JPEG nor PNG");
	e.photo = png;
	e.photolen = 4;
	refused(&e, "neither JPEG nor PNG");
	e.photolen = EITAS_PHOTO_MAX + 1;
	refused(&e, "bytes (max");
	/* libharu parses JPEG itself: a broken one fails, never aborts. */
	e.photo = jpeg;
	e.photolen = sizeof(jpeg) - 1;
	refused(&e, "photo");

	/* Each of these would make libpng abort() inside libharu. */
	assert_non_null(bad = malloc(pnglen));
	e.photo = bad;
	e.photolen = pnglen - 1;
	memcpy(bad, png, pnglen);
	refused(&e, "PNG is damaged");
	e.photolen = pnglen;
	bad[idat + 20] ^= 1;		/* a pixel: CRC mismatch */
	refused(&e, "PNG is damaged");
	memcpy(bad, png, pnglen);
	bad[idat + 8] = 0x79;			/* not a zlib header */
	put32(bad + idat + 8 + zl, crc32_of(bad + idat + 4, zl + 4));
	refused(&e, "PNG is damaged");
	memcpy(bad, png, pnglen);
	bad[8 + 8 + 9] = 5;			/* color type 5 */
	put32(bad + 8 + 8 + 13, crc32_of(bad + 8 + 4, 17));
	refused(&e, "bad IHDR");
	memcpy(bad, png, pnglen);
	put32(bad + 8 + 8, EITAS_PHOTO_DIM_MAX + 1);
	put32(bad + 8 + 8 + 13, crc32_of(bad + 8 + 4, 17));
	refused(&e, "pixels");
	memcpy(bad, png, pnglen);
	bad[8 + 4 + 3] = 'X';		/* IHDX: unknown critical */
	refused(&e, "PNG is damaged");
	/* Every CRC right, the deflate stream broken: only decoding sees
	 * it (a stored block whose length and its complement disagree). */
	memcpy(bad, png, pnglen);
	bad[idat + 8 + 2 + 1] ^= 1;
	put32(bad + idat + 8 + zl, crc32_of(bad + idat + 4, zl + 4));
	refused(&e, "does not decode");
	/* The same with one pixel changed: the Adler-32 disagrees. */
	memcpy(bad, png, pnglen);
	bad[idat + 8 + 2 + 5 + 40] ^= 1;
	put32(bad + idat + 8 + zl, crc32_of(bad + idat + 4, zl + 4));
	refused(&e, "does not decode");
	free(bad);
}

static void
refuses_a_missing_font(void **state)
{
	struct err	 err = { "" };
	unsigned char	*pdf;
	size_t		 len;

	assert_int_equal(eitas_render(&sample, FONT, "/nonexistent/b.ttf",
	    &pdf, &len, &err), -1);
	assert_null(pdf);
	assert_non_null(strstr(err.msg, "/nonexistent/b.ttf"));
	assert_int_equal(eitas_render(&sample, NULL, FONT, &pdf, &len, &err),
	    -1);
}

static void *
render_thread(void *arg)
{
	struct eitas	 e = sample;
	unsigned char	*pdf;
	size_t		 len;
	char		 out[EITAS_TOKEN_MAX + 1];
	int		 i, *ok = arg;

	e.photo = png;
	e.photolen = pnglen;
	*ok = 1;
	for (i = 0; i < 3; i++) {
		if (eitas_render(&e, FONT, FONT_BOLD, &pdf, &len, NULL) != 0) {
			*ok = 0;
			continue;
		}
		if (eitas_token_from_pdf(pdf, len, out, sizeof(out)) != 0 ||
		    strcmp(out, token) != 0)
			*ok = 0;
		free(pdf);
	}
	return (NULL);
}

static void
renders_from_several_threads(void **state)
{
	pthread_t	t[THREADS];
	int		ok[THREADS], i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, render_thread,
		    &ok[i]), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(ok[i]);
	}
}

/*
 * What a phone reads off the printed page is the token, exactly; the
 * page image stays in build/unit for a person to look at.  A JPEG photo
 * (the page itself, as pdftoppm writes JPEG) takes the other image path.
 */
static void
qr_code_scans_back_to_the_token(void **state)
{
	struct eitas	 e = sample;
	unsigned char	*jpg;
	size_t		 jpglen;
	char		 out[1024], path[256];

	if (!have("pdftoppm") || !have("zbarimg")) {
		print_message("# skipped: pdftoppm or zbarimg not installed\n");
		skip();
	}
	e.photo = png;
	e.photolen = pnglen;
	scan(&e, "page", out, sizeof(out));
	assert_string_equal(out, token);
	/* The name is real text in the embedded font, not boxes or '?'. */
	if (have("pdftotext"))
		assert_int_equal(run(out, sizeof(out), "pdftotext %s/page.pdf "
		    "- 2>/dev/null | grep -F -x -q '%s'", tmpdir,
		    sample.holder), 0);
	(void)mkdir("build", 0755);
	(void)mkdir(SAMPLE_DIR, 0755);
	(void)run(out, sizeof(out), "cp %s/page.png %s", tmpdir, SAMPLE);

	assert_int_equal(run(out, sizeof(out), "pdftoppm -r 20 -jpeg "
	    "-singlefile %s/page.pdf %s/photo 2>/dev/null", tmpdir, tmpdir),
	    0);
	(void)snprintf(path, sizeof(path), "%s/photo.jpg", tmpdir);
	jpg = read_file(path, &jpglen);
	e.photo = jpg;
	e.photolen = jpglen;
	scan(&e, "jpeg", out, sizeof(out));
	assert_string_equal(out, token);
	free(jpg);
}

static int
setup(void **state)
{
	struct err	 err;
	size_t		 i, n;
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t	 x = 2463534242U;

	n = strlen(EITAS_TOKEN_PREFIX);
	memcpy(token, EITAS_TOKEN_PREFIX, n);
	for (i = 0; i < 240; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		token[n + i] = b32[x % 32];
	}
	token[n + 240] = '\0';
	png = make_png(&pnglen);
	if (i18n_load(&cat, "assets/i18n", &err) == -1) {
		fprintf(stderr, "eitas_test: %s\n", err.msg);
		return (-1);
	}
	sample.cat = cat;
	return (tmpdir_make("eitas_test"));
}

static int
teardown(void **state)
{
	free(png);
	i18n_free(cat);
	return (tmpdir_remove());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renders_a_pdf_that_carries_its_token),
		cmocka_unit_test(finds_tokens_as_other_writers_store_them),
		cmocka_unit_test(renders_without_photo_and_with_long_values),
		cmocka_unit_test(refuses_bad_fields),
		cmocka_unit_test(refuses_bad_photos),
		cmocka_unit_test(refuses_a_missing_font),
		cmocka_unit_test(renders_from_several_threads),
		cmocka_unit_test(qr_code_scans_back_to_the_token),
	};

	return (cmocka_run_group_tests_name("eitas", tests, setup, teardown));
}
