#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <qrencode.h>

#include "eitas.h"
#include "i18n.h"
#include "photo.h"

#define MM(x)			((HPDF_REAL)((x) * 72.0 / 25.4))

/* A4 portrait, in points. */
#define EITAS_PAGE_W		MM(210)
#define EITAS_PAGE_H		MM(297)
#define EITAS_MARGIN		MM(14)	/* page edge to the frame */
#define EITAS_PAD		MM(10)	/* inner frame to the content */

#define EITAS_PHOTO_W		MM(35)
#define EITAS_PHOTO_H		MM(45)
#define EITAS_QR_SIZE		MM(52)	/* quiet zone included */
#define EITAS_QR_QUIET		4	/* modules, ISO/IEC 18004 */

#define EITAS_LABEL_SIZE	7.5f
#define EITAS_VALUE_SIZE	10.5f
#define EITAS_NAME_SIZE		13.0f
/* Long values shrink to EITAS_MIN_SIZE, to the floor if the page is full. */
#define EITAS_MIN_SIZE		7.0f
#define EITAS_FLOOR_SIZE	4.0f
#define EITAS_VALUE_LINES	2	/* before a value shrinks */
#define EITAS_HEADER_H		98	/* frame top to header rule */
#define EITAS_FOOTER_H		24	/* frame bottom to caption */
#define EITAS_CAPTION_H		24

/* One composed value: a kind code and both of its names. */
#define EITAS_VALUE_MAX		(3 * EITAS_FIELD_MAX + 64)
#define EITAS_PDF_MAX		(64 * 1024 * 1024)

/* Navy of the header and rules, red of the accent line, label grey. */
#define NAVY	0.05f, 0.19f, 0.40f
#define RED	0.72f, 0.09f, 0.12f
#define GREY	0.36f, 0.38f, 0.42f
#define BLACK	0.0f, 0.0f, 0.0f

struct eitas_status {
	HPDF_STATUS	error;		/* the first libharu error */
	HPDF_STATUS	detail;
};

/* What every drawing step needs. */
struct eitas_pg {
	struct eitas_status	 st;
	HPDF_Doc		 doc;
	HPDF_Page		 page;
	HPDF_Font		 font;
	HPDF_Font		 bold;
};

enum eitas_check {
	EITAS_TEXT,		/* UTF-8, no control characters */
	EITAS_CODE,		/* printable ASCII */
	EITAS_DATE,		/* YYYY-MM-DD */
	EITAS_ALPHA3,		/* three capital letters */
	EITAS_OPTIONAL,		/* EITAS_TEXT, may be NULL or "" */
};

struct eitas_field {
	const char	*name;
	size_t		 off;
	size_t		 max;
	enum eitas_check check;
};

#define FIELD(f, max, check) \
	{ #f, offsetof(struct eitas, f), max, check }

static const struct eitas_field eitas_fields[] = {
	FIELD(number,		40,		EITAS_CODE),
	FIELD(holder,		EITAS_FIELD_MAX, EITAS_TEXT),
	FIELD(nationality,	3,		EITAS_ALPHA3),
	FIELD(passport,		30,		EITAS_CODE),
	FIELD(birth_date,	10,		EITAS_DATE),
	FIELD(kind,		16,		EITAS_CODE),
	FIELD(kind_id,		EITAS_FIELD_MAX, EITAS_TEXT),
	FIELD(kind_en,		EITAS_FIELD_MAX, EITAS_TEXT),
	FIELD(valid_from,	10,		EITAS_DATE),
	FIELD(valid_to,		10,		EITAS_DATE),
	FIELD(sponsor,		EITAS_FIELD_MAX, EITAS_OPTIONAL),
	FIELD(office,		EITAS_FIELD_MAX, EITAS_TEXT),
	FIELD(issued,		10,		EITAS_DATE),
};

static void	eitas_hpdf_error(HPDF_STATUS, HPDF_STATUS, void *);
static int	eitas_failed(const struct eitas_pg *, const char *,
		    struct err *);
static int	eitas_utf8_ok(const char *, size_t);
static int	eitas_field_ok(const char *, const struct eitas_field *,
		    struct err *);
static int	eitas_token_ok(const char *, size_t);
static const char *eitas_msg(const struct eitas *, enum lang, const char *);
static const char *eitas_both(const struct eitas *, const char *, char *,
		    size_t);
static int	eitas_check(const struct eitas *, struct err *);
static int	eitas_setup(struct eitas_pg *, const struct eitas *,
		    const char *, const char *, struct err *);
static void	eitas_text(struct eitas_pg *, HPDF_Font, float, float,
		    float, const char *);
static void	eitas_center(struct eitas_pg *, HPDF_Font, float, float,
		    float, float, const char *);
static int	eitas_lines(struct eitas_pg *, HPDF_Font, float, float,
		    float, float, const char *, int);
static float	eitas_block(struct eitas_pg *, HPDF_Font, float, float,
		    float, float, float, const char *, int);
static void	eitas_guilloche(struct eitas_pg *, float, float, float,
		    float);
static void	eitas_frame(struct eitas_pg *, const struct eitas *);
static float	eitas_data(struct eitas_pg *, const struct eitas *, float,
		    float, float, float, int, struct err *);
static int	eitas_layout(struct eitas_pg *, const struct eitas *,
		    struct err *);
static int	eitas_photo(struct eitas_pg *, const struct eitas *, float,
		    float, struct err *);
static int	eitas_qr(struct eitas_pg *, const struct eitas *, float, float,
		    struct err *);
static void	eitas_notes(struct eitas_pg *, const struct eitas *, float, float,
		    float);
static int	eitas_save(struct eitas_pg *, unsigned char **, size_t *,
		    struct err *);
static int	eitas_pdf_string(const unsigned char *, size_t, char *,
		    size_t *);

/*
 * libharu reports through this callback and then returns an error code;
 * keep the first report, as later ones are usually its consequences.
 */
static void
eitas_hpdf_error(HPDF_STATUS error, HPDF_STATUS detail, void *arg)
{
	struct eitas_status	*st = arg;

	if (st->error != HPDF_OK)
		return;
	st->error = error;
	st->detail = detail;
}

static int
eitas_failed(const struct eitas_pg *pg, const char *what, struct err *err)
{
	if (pg->st.error == HPDF_OK)
		return (0);
	err_set(err, "eitas: %s: libharu error 0x%04lX (detail %lu)", what,
	    (unsigned long)pg->st.error, (unsigned long)pg->st.detail);
	return (1);
}

/*
 * Well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) without C0/C1 controls: libharu's UTF-8 parser trusts its
 * input, and a control character has no business on a permit.
 */
static int
eitas_utf8_ok(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n, k;
	uint32_t		 c, min;

	for (i = 0; i < len; i += n) {
		c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return (0);
			n = 1;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			c &= 0x07;
			min = 0x10000;
		} else
			return (0);
		if (n > len - i)
			return (0);
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
		    (c >= 0x80 && c < 0xa0))
			return (0);
	}
	return (1);
}

static int
eitas_field_ok(const char *v, const struct eitas_field *f, struct err *err)
{
	size_t	len, i;

	if (v == NULL || *v == '\0') {
		if (f->check == EITAS_OPTIONAL)
			return (1);
		err_set(err, "eitas: %s is missing", f->name);
		return (0);
	}
	/* strnlen: an unterminated caller string is not read past max. */
	if ((len = strnlen(v, f->max + 1)) > f->max) {
		err_set(err, "eitas: %s longer than %zu bytes", f->name,
		    f->max);
		return (0);
	}
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)v[i];

		switch (f->check) {
		case EITAS_CODE:
			if (c < 0x20 || c > 0x7e)
				goto bad;
			break;
		case EITAS_DATE:
			if ((i == 4 || i == 7) ? c != '-' : (c < '0' || c > '9'))
				goto bad;
			break;
		case EITAS_ALPHA3:
			if (c < 'A' || c > 'Z')
				goto bad;
			break;
		default:
			break;
		}
	}
	if ((f->check == EITAS_DATE && len != 10) ||
	    (f->check == EITAS_ALPHA3 && len != 3) ||
	    !eitas_utf8_ok(v, len))
		goto bad;
	return (1);
bad:
	err_set(err, "eitas: %s is malformed", f->name);
	return (0);
}

/* "KITAS1:" and base32 (with ':' separators and '=' padding). */
static int
eitas_token_ok(const char *s, size_t len)
{
	size_t	plen = sizeof(EITAS_TOKEN_PREFIX) - 1, i;

	if (len <= plen || len > EITAS_TOKEN_MAX ||
	    memcmp(s, EITAS_TOKEN_PREFIX, plen) != 0)
		return (0);
	for (i = plen; i < len; i++) {
		if ((s[i] < 'A' || s[i] > 'Z') && (s[i] < '2' || s[i] > '7') &&
		    s[i] != ':' && s[i] != '=')
			return (0);
	}
	return (1);
}

/*
 * Every word on the permit comes from the catalogues, in Indonesian and
 * English; eitas_check() makes sure all of them are there, so the
 * drawing never meets a missing one.
 */
static const char *eitas_keys[] = {
	"eitas.republic", "eitas.directorate", "eitas.title", "eitas.page",
	"eitas.name", "eitas.nationality", "eitas.passport", "eitas.birth",
	"eitas.kind", "eitas.number", "eitas.valid", "eitas.until",
	"eitas.sponsor", "eitas.office", "eitas.issued", "eitas.no_photo",
	"eitas.scan", "eitas.notes", "eitas.note.electronic",
	"eitas.note.verify", "eitas.note.carry",
};

static const char *
eitas_msg(const struct eitas *e, enum lang lang, const char *key)
{
	return (i18n_get(e->cat, lang, key));
}

/* "Indonesian / English" into buf (cut to fit: labels are short). */
static const char *
eitas_both(const struct eitas *e, const char *key, char *buf, size_t sz)
{
	(void)snprintf(buf, sz, "%s / %s", eitas_msg(e, LANG_ID, key),
	    eitas_msg(e, LANG_EN, key));
	return (buf);
}

/*
 * The fields, the token and the photo: photo_check() makes sure libpng,
 * which libharu calls without a longjmp target, never sees a PNG it
 * would abort() on.
 */
static int
eitas_check(const struct eitas *e, struct err *err)
{
	const char	*v;
	size_t		 i, len;

	if (e == NULL) {
		err_set(err, "eitas: no permit");
		return (-1);
	}
	for (i = 0; i < sizeof(eitas_keys) / sizeof(eitas_keys[0]); i++) {
		if (e->cat == NULL ||
		    i18n_get(e->cat, LANG_ID, eitas_keys[i]) == NULL ||
		    i18n_get(e->cat, LANG_EN, eitas_keys[i]) == NULL) {
			err_set(err, "eitas: no message %s", eitas_keys[i]);
			return (-1);
		}
	}
	for (i = 0; i < sizeof(eitas_fields) / sizeof(eitas_fields[0]); i++) {
		memcpy(&v, (const char *)e + eitas_fields[i].off, sizeof(v));
		if (!eitas_field_ok(v, &eitas_fields[i], err))
			return (-1);
	}
	if (e->token == NULL || (len = strnlen(e->token,
	    EITAS_TOKEN_MAX + 1)) > EITAS_TOKEN_MAX ||
	    !eitas_token_ok(e->token, len)) {
		err_set(err, "eitas: token is missing or malformed");
		return (-1);
	}
	if (e->photo == NULL)
		return (0);
	return (photo_check(e->photo, e->photolen, EITAS_PHOTO_MAX,
	    EITAS_PHOTO_DIM_MAX, NULL, err));
}

/*
 * The token goes into /Subject before the UTF-8 encoder is chosen, so
 * libharu writes it as a plain "(...)" literal that a byte search finds;
 * with an encoder set it would write UTF-16 hex.
 */
static int
eitas_setup(struct eitas_pg *pg, const struct eitas *e, const char *font,
    const char *bold, struct err *err)
{
	char		 title[64];
	const char	*name;
	int		 w;

	w = snprintf(title, sizeof(title), "e-ITAS %s", e->number);
	if (w < 0 || (size_t)w >= sizeof(title)) {
		err_set(err, "eitas: title too long");
		return (-1);
	}
	(void)HPDF_SetCompressionMode(pg->doc, HPDF_COMP_ALL);
	(void)HPDF_SetInfoAttr(pg->doc, HPDF_INFO_SUBJECT, e->token);
	(void)HPDF_SetInfoAttr(pg->doc, HPDF_INFO_TITLE, title);
	(void)HPDF_SetInfoAttr(pg->doc, HPDF_INFO_CREATOR, "KITAS");
	(void)HPDF_UseUTFEncodings(pg->doc);
	(void)HPDF_SetCurrentEncoder(pg->doc, "UTF-8");
	if (eitas_failed(pg, "document setup", err))
		return (-1);

	if ((name = HPDF_LoadTTFontFromFile(pg->doc, font, HPDF_TRUE)) ==
	    NULL || (pg->font = HPDF_GetFont(pg->doc, name, "UTF-8")) == NULL) {
		(void)eitas_failed(pg, font, err);
		return (-1);
	}
	if ((name = HPDF_LoadTTFontFromFile(pg->doc, bold, HPDF_TRUE)) ==
	    NULL || (pg->bold = HPDF_GetFont(pg->doc, name, "UTF-8")) == NULL) {
		(void)eitas_failed(pg, bold, err);
		return (-1);
	}
	if ((pg->page = HPDF_AddPage(pg->doc)) == NULL) {
		(void)eitas_failed(pg, "page", err);
		return (-1);
	}
	(void)HPDF_Page_SetSize(pg->page, HPDF_PAGE_SIZE_A4,
	    HPDF_PAGE_PORTRAIT);
	return (eitas_failed(pg, "page", err) ? -1 : 0);
}

static void
eitas_text(struct eitas_pg *pg, HPDF_Font font, float size, float x,
    float y, const char *s)
{
	(void)HPDF_Page_BeginText(pg->page);
	(void)HPDF_Page_SetFontAndSize(pg->page, font, size);
	(void)HPDF_Page_TextOut(pg->page, x, y, s);
	(void)HPDF_Page_EndText(pg->page);
}

/* s centered between x and x + w, made smaller if it is wider. */
static void
eitas_center(struct eitas_pg *pg, HPDF_Font font, float size, float x,
    float w, float y, const char *s)
{
	float	tw;

	(void)HPDF_Page_SetFontAndSize(pg->page, font, size);
	if ((tw = HPDF_Page_TextWidth(pg->page, s)) > w) {
		size *= w / tw;
		tw = w;
	}
	eitas_text(pg, font, size, x + (w - tw) / 2, y, s);
}

/*
 * Break s into lines of at most w points at spaces (inside a word only
 * when it is wider than a line) and count them; draw them too, first
 * baseline at y, when draw is set.
 */
static int
eitas_lines(struct eitas_pg *pg, HPDF_Font font, float size, float x,
    float y, float w, const char *s, int draw)
{
	char		 line[EITAS_VALUE_MAX + 1];
	size_t		 len = strlen(s), n;
	int		 count = 0;

	while (len > 0) {
		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
		if (len == 0)
			break;
		n = HPDF_Font_MeasureText(font, (const HPDF_BYTE *)s, len, w,
		    size, 0, 0, HPDF_TRUE, NULL);
		if (n == 0)
			n = HPDF_Font_MeasureText(font, (const HPDF_BYTE *)s,
			    len, w, size, 0, 0, HPDF_FALSE, NULL);
		/* Never split a UTF-8 sequence; always make progress. */
		while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			for (n = 1; n < len &&
			    ((unsigned char)s[n] & 0xc0) == 0x80; n++)
				;
		if (n > len || n >= sizeof(line))
			n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
		if (draw) {
			memcpy(line, s, n);
			line[n] = '\0';
			eitas_text(pg, font, size, x, y - count * size * 1.2f,
			    line);
		}
		count++;
		s += n;
		len -= n;
	}
	return (count);
}

/*
 * A value in a box w points wide, top at y: at size if it takes no more
 * than EITAS_VALUE_LINES lines, else one point smaller each try down to
 * minsize.  Drawn only when draw is set; returns the y under its last
 * line either way.
 */
static float
eitas_block(struct eitas_pg *pg, HPDF_Font font, float size, float minsize,
    float x, float y, float w, const char *s, int draw)
{
	int	n;

	while ((n = eitas_lines(pg, font, size, x, y, w, s, 0)) >
	    EITAS_VALUE_LINES && size - 1 >= minsize)
		size -= 1;
	if (draw)
		(void)eitas_lines(pg, font, size, x, y - size, w, s, 1);
	return (y - n * size * 1.2f);
}

/*
 * Faint interlaced waves, as on printed security paper: two families of
 * half-waves drawn as Bezier curves (no libm), out of phase.
 */
static void
eitas_guilloche(struct eitas_pg *pg, float x, float y, float w, float h)
{
	const float	 seg = 18, amp = 7;
	float		 px, py, a;
	int		 i, k, n = (int)(w / seg);

	(void)HPDF_Page_GSave(pg->page);
	(void)HPDF_Page_SetRGBStroke(pg->page, 0.85f, 0.89f, 0.96f);
	(void)HPDF_Page_SetLineWidth(pg->page, 0.4f);
	for (i = 0; i < 2 * (int)(h / 22); i++) {
		py = y + 11 + (i / 2) * 22;
		a = (i % 2 == 0) ? amp : -amp;
		px = x + (w - n * seg) / 2;
		(void)HPDF_Page_MoveTo(pg->page, px, py);
		for (k = 0; k < n; k++, px += seg, a = -a)
			(void)HPDF_Page_CurveTo(pg->page, px + seg / 3,
			    py + a * 1.33f, px + 2 * seg / 3, py + a * 1.33f,
			    px + seg, py);
		(void)HPDF_Page_Stroke(pg->page);
	}
	(void)HPDF_Page_GRestore(pg->page);
}

/* The frame, the header and the footer. */
static void
eitas_frame(struct eitas_pg *pg, const struct eitas *e)
{
	HPDF_Page	 p = pg->page;
	float		 x = EITAS_MARGIN, w = EITAS_PAGE_W - 2 * x;
	float		 top = EITAS_PAGE_H - EITAS_MARGIN, y;
	char		 line[256];

	eitas_guilloche(pg, x + 6, EITAS_MARGIN + 6, w - 12,
	    EITAS_PAGE_H - 2 * EITAS_MARGIN - 12);
	(void)HPDF_Page_SetRGBStroke(p, NAVY);
	(void)HPDF_Page_SetLineWidth(p, 1.6f);
	(void)HPDF_Page_Rectangle(p, x, EITAS_MARGIN, w,
	    EITAS_PAGE_H - 2 * EITAS_MARGIN);
	(void)HPDF_Page_Stroke(p);
	(void)HPDF_Page_SetLineWidth(p, 0.5f);
	(void)HPDF_Page_Rectangle(p, x + 3, EITAS_MARGIN + 3, w - 6,
	    EITAS_PAGE_H - 2 * EITAS_MARGIN - 6);
	(void)HPDF_Page_Stroke(p);

	(void)HPDF_Page_SetRGBFill(p, NAVY);
	y = top - 30;
	eitas_center(pg, pg->bold, 15, x, w, y,
	    eitas_msg(e, LANG_ID, "eitas.republic"));
	(void)HPDF_Page_SetRGBFill(p, GREY);
	(void)snprintf(line, sizeof(line), "%s  ·  %s",
	    eitas_msg(e, LANG_ID, "eitas.directorate"),
	    eitas_msg(e, LANG_EN, "eitas.directorate"));
	eitas_center(pg, pg->font, 8, x, w, y - 13, line);
	(void)HPDF_Page_SetRGBFill(p, BLACK);
	eitas_center(pg, pg->bold, 17, x, w, y - 38,
	    eitas_msg(e, LANG_ID, "eitas.title"));
	eitas_center(pg, pg->font, 11, x, w, y - 54,
	    eitas_msg(e, LANG_EN, "eitas.title"));

	y = top - EITAS_HEADER_H;
	(void)HPDF_Page_SetRGBFill(p, NAVY);
	(void)HPDF_Page_Rectangle(p, x + EITAS_PAD, y, w - 2 * EITAS_PAD, 3);
	(void)HPDF_Page_Fill(p);
	(void)HPDF_Page_SetRGBFill(p, RED);
	(void)HPDF_Page_Rectangle(p, x + EITAS_PAD, y - 3, w - 2 * EITAS_PAD,
	    1.2f);
	(void)HPDF_Page_Fill(p);

	(void)snprintf(line, sizeof(line), "e-ITAS %s  ·  %s  ·  %s",
	    e->number, eitas_msg(e, LANG_ID, "eitas.page"),
	    eitas_msg(e, LANG_EN, "eitas.page"));
	(void)HPDF_Page_SetRGBFill(p, GREY);
	eitas_center(pg, pg->font, 7, x, w, EITAS_MARGIN + 12, line);
}

/*
 * The labelled values, top at y, in a column w points wide from x, long
 * ones down to minsize; drawn only when draw is set.  Returns the y
 * under the last one, or a negative y when a value did not compose (err
 * set).
 */
static float
eitas_data(struct eitas_pg *pg, const struct eitas *e, float x, float y,
    float w, float minsize, int draw, struct err *err)
{
	char		 kind[EITAS_VALUE_MAX], valid[EITAS_VALUE_MAX];
	char		 label[128];
	const struct {
		const char	*key;
		const char	*value;
		float		 size;
	} rows[] = {
		{ "eitas.name", e->holder, EITAS_NAME_SIZE },
		{ "eitas.nationality", e->nationality, EITAS_VALUE_SIZE },
		{ "eitas.passport", e->passport, EITAS_VALUE_SIZE },
		{ "eitas.birth", e->birth_date, EITAS_VALUE_SIZE },
		{ "eitas.kind", kind, EITAS_VALUE_SIZE },
		{ "eitas.number", e->number, EITAS_VALUE_SIZE },
		{ "eitas.valid", valid, EITAS_VALUE_SIZE },
		{ "eitas.sponsor", e->sponsor != NULL &&
		    *e->sponsor != '\0' ? e->sponsor : "—", EITAS_VALUE_SIZE },
		{ "eitas.office", e->office, EITAS_VALUE_SIZE },
		{ "eitas.issued", e->issued, EITAS_VALUE_SIZE },
	};
	size_t		 i;
	int		 a, b;

	a = snprintf(kind, sizeof(kind), "%s — %s / %s", e->kind, e->kind_id,
	    e->kind_en);
	b = snprintf(valid, sizeof(valid), "%s  %s  %s", e->valid_from,
	    eitas_both(e, "eitas.until", label, sizeof(label)), e->valid_to);
	if (a < 0 || (size_t)a >= sizeof(kind) || b < 0 ||
	    (size_t)b >= sizeof(valid)) {
		err_set(err, "eitas: a value does not fit");
		return (-1);
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (draw) {
			(void)HPDF_Page_SetRGBFill(pg->page, GREY);
			eitas_text(pg, pg->font, EITAS_LABEL_SIZE, x,
			    y - EITAS_LABEL_SIZE, eitas_both(e, rows[i].key,
			    label, sizeof(label)));
			(void)HPDF_Page_SetRGBFill(pg->page, BLACK);
		}
		y = eitas_block(pg, pg->bold, rows[i].size, minsize, x,
		    y - EITAS_LABEL_SIZE - 3, w, rows[i].value, draw);
		y -= 7;
	}
	return (y);
}

/* The photo fitted into its frame, or the frame saying there is none. */
static int
eitas_photo(struct eitas_pg *pg, const struct eitas *e, float x, float top,
    struct err *err)
{
	HPDF_Image	 img;
	float		 iw, ih, s, y = top - EITAS_PHOTO_H;

	(void)HPDF_Page_SetRGBFill(pg->page, 0.95f, 0.96f, 0.97f);
	(void)HPDF_Page_Rectangle(pg->page, x, y, EITAS_PHOTO_W,
	    EITAS_PHOTO_H);
	(void)HPDF_Page_Fill(pg->page);
	if (e->photo == NULL) {
		(void)HPDF_Page_SetRGBFill(pg->page, GREY);
		eitas_center(pg, pg->font, 9, x, EITAS_PHOTO_W,
		    y + EITAS_PHOTO_H / 2 + 3,
		    eitas_msg(e, LANG_ID, "eitas.no_photo"));
		eitas_center(pg, pg->font, 9, x, EITAS_PHOTO_W,
		    y + EITAS_PHOTO_H / 2 - 9,
		    eitas_msg(e, LANG_EN, "eitas.no_photo"));
	} else {
		if (e->photo[0] == 0xff)
			img = HPDF_LoadJpegImageFromMem(pg->doc, e->photo,
			    e->photolen);
		else
			img = HPDF_LoadPngImageFromMem(pg->doc, e->photo,
			    e->photolen);
		if (img == NULL || (iw = HPDF_Image_GetWidth(img)) == 0 ||
		    (ih = HPDF_Image_GetHeight(img)) == 0) {
			if (!eitas_failed(pg, "photo", err))
				err_set(err, "eitas: photo has no size");
			return (-1);
		}
		s = EITAS_PHOTO_W / iw < EITAS_PHOTO_H / ih ?
		    EITAS_PHOTO_W / iw : EITAS_PHOTO_H / ih;
		(void)HPDF_Page_DrawImage(pg->page, img,
		    x + (EITAS_PHOTO_W - iw * s) / 2,
		    y + (EITAS_PHOTO_H - ih * s) / 2, iw * s, ih * s);
	}
	(void)HPDF_Page_SetRGBStroke(pg->page, NAVY);
	(void)HPDF_Page_SetLineWidth(pg->page, 0.8f);
	(void)HPDF_Page_Rectangle(pg->page, x, y, EITAS_PHOTO_W,
	    EITAS_PHOTO_H);
	(void)HPDF_Page_Stroke(pg->page);
	return (eitas_failed(pg, "photo", err) ? -1 : 0);
}

/*
 * The token as a QR code EITAS_QR_SIZE wide, top left at (x, top), with
 * its quiet zone painted white over the background.  casesensitive = 1
 * lets libqrencode use alphanumeric mode for the whole token: a smaller
 * version, so bigger modules on paper.  Each run of dark modules in a row
 * is one rectangle.
 */
static int
eitas_qr(struct eitas_pg *pg, const struct eitas *e, float x, float top,
    struct err *err)
{
	QRcode		*qr;
	char		 line[128];
	float		 m;
	int		 row, col, run;

	errno = 0;
	if ((qr = QRcode_encodeString(e->token, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL) {
		err_set(err, "eitas: QR code: %s", strerror(errno));
		return (-1);
	}
	m = EITAS_QR_SIZE / (qr->width + 2 * EITAS_QR_QUIET);
	(void)HPDF_Page_SetRGBFill(pg->page, 1, 1, 1);
	(void)HPDF_Page_Rectangle(pg->page, x, top - EITAS_QR_SIZE,
	    EITAS_QR_SIZE, EITAS_QR_SIZE);
	(void)HPDF_Page_Fill(pg->page);
	(void)HPDF_Page_SetRGBFill(pg->page, BLACK);
	for (row = 0; row < qr->width; row++) {
		for (col = 0; col < qr->width; col += run + 1) {
			for (run = 0; col + run < qr->width &&
			    (qr->data[row * qr->width + col + run] & 1); run++)
				;
			if (run == 0)
				continue;
			(void)HPDF_Page_Rectangle(pg->page,
			    x + (EITAS_QR_QUIET + col) * m,
			    top - (EITAS_QR_QUIET + row + 1) * m, run * m, m);
		}
	}
	(void)HPDF_Page_Fill(pg->page);
	QRcode_free(qr);

	(void)HPDF_Page_SetRGBFill(pg->page, BLACK);
	(void)snprintf(line, sizeof(line), "%s /",
	    eitas_msg(e, LANG_ID, "eitas.scan"));
	eitas_center(pg, pg->font, 8, x, EITAS_QR_SIZE, top - EITAS_QR_SIZE - 9,
	    line);
	eitas_center(pg, pg->font, 8, x, EITAS_QR_SIZE,
	    top - EITAS_QR_SIZE - 19, eitas_msg(e, LANG_EN, "eitas.scan"));
	return (eitas_failed(pg, "QR code", err) ? -1 : 0);
}

/* What the holder and an officer need to know, in both languages. */
static void
eitas_notes(struct eitas_pg *pg, const struct eitas *e, float x, float y,
    float w)
{
	static const char	*notes[] = { "eitas.note.electronic",
				    "eitas.note.verify", "eitas.note.carry" };
	char			 label[128];
	size_t			 i;

	(void)HPDF_Page_SetRGBFill(pg->page, NAVY);
	eitas_text(pg, pg->bold, 9, x, y - 9,
	    eitas_both(e, "eitas.notes", label, sizeof(label)));
	y -= 18;
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		(void)HPDF_Page_SetRGBFill(pg->page, BLACK);
		y = eitas_block(pg, pg->font, 8, 8, x, y, w,
		    eitas_msg(e, LANG_ID, notes[i]), 1);
		(void)HPDF_Page_SetRGBFill(pg->page, GREY);
		y = eitas_block(pg, pg->font, 8, 8, x, y - 1, w,
		    eitas_msg(e, LANG_EN, notes[i]), 1);
		y -= 8;
	}
}

/*
 * The finished document into a malloc'd buffer.  Reading the whole
 * stream may end with HPDF_STREAM_EOF (reported to the error handler
 * too): that is success when every byte came.
 */
static int
eitas_save(struct eitas_pg *pg, unsigned char **pdf, size_t *len,
    struct err *err)
{
	unsigned char	*buf;
	HPDF_UINT32	 size, got;
	HPDF_STATUS	 rc;

	if (HPDF_SaveToStream(pg->doc) != HPDF_OK ||
	    eitas_failed(pg, "save", err))
		return (-1);
	size = HPDF_GetStreamSize(pg->doc);
	if (size == 0 || size > EITAS_PDF_MAX) {
		err_set(err, "eitas: PDF is %lu bytes",
		    (unsigned long)size);
		return (-1);
	}
	if ((buf = malloc(size)) == NULL) {
		err_set(err, "eitas: out of memory for %lu bytes",
		    (unsigned long)size);
		return (-1);
	}
	got = size;
	rc = HPDF_ReadFromStream(pg->doc, buf, &got);
	if ((rc != HPDF_OK && rc != HPDF_STREAM_EOF) || got != size) {
		err_set(err, "eitas: read PDF: libharu error 0x%04lX, %lu of "
		    "%lu bytes", (unsigned long)rc, (unsigned long)got,
		    (unsigned long)size);
		free(buf);
		return (-1);
	}
	*pdf = buf;
	*len = size;
	return (0);
}

/*
 * Header, photo and data from the top; the QR code and the notes under
 * them.  Long values shrink until the QR code fits above the footer: a
 * dry run finds the size.
 */
static int
eitas_layout(struct eitas_pg *pg, const struct eitas *e, struct err *err)
{
	float	left, right, top, y, dx, minsize, limit;

	left = EITAS_MARGIN + EITAS_PAD;
	right = EITAS_PAGE_W - EITAS_MARGIN - EITAS_PAD;
	top = EITAS_PAGE_H - EITAS_MARGIN - EITAS_HEADER_H - MM(8);
	limit = EITAS_MARGIN + EITAS_FOOTER_H + EITAS_CAPTION_H +
	    EITAS_QR_SIZE + MM(10);
	dx = left + EITAS_PHOTO_W + MM(8);
	for (minsize = EITAS_MIN_SIZE; minsize > EITAS_FLOOR_SIZE;
	    minsize -= 1) {
		if ((y = eitas_data(pg, e, dx, top, right - dx, minsize, 0,
		    err)) < 0)
			return (-1);
		if (y >= limit)
			break;
	}
	eitas_frame(pg, e);
	if (eitas_photo(pg, e, left, top, err) == -1 ||
	    (y = eitas_data(pg, e, dx, top, right - dx, minsize, 1, err)) < 0)
		return (-1);
	if (y > top - EITAS_PHOTO_H - 10)
		y = top - EITAS_PHOTO_H - 10;
	y -= MM(4);
	(void)HPDF_Page_SetRGBStroke(pg->page, NAVY);
	(void)HPDF_Page_SetLineWidth(pg->page, 0.6f);
	(void)HPDF_Page_MoveTo(pg->page, left, y);
	(void)HPDF_Page_LineTo(pg->page, right, y);
	(void)HPDF_Page_Stroke(pg->page);
	y -= MM(6);
	if (eitas_qr(pg, e, left, y, err) == -1)
		return (-1);
	dx = left + EITAS_QR_SIZE + MM(8);
	eitas_notes(pg, e, dx, y, right - dx);
	return (eitas_failed(pg, "layout", err) ? -1 : 0);
}

int
eitas_render(const struct eitas *e, const char *font_path,
    const char *font_bold_path, unsigned char **pdf, size_t *len,
    struct err *err)
{
	struct eitas_pg	 pg;
	int		 rc = -1;

	*pdf = NULL;
	*len = 0;
	if (eitas_check(e, err) == -1)
		return (-1);
	if (font_path == NULL || font_bold_path == NULL) {
		err_set(err, "eitas: no font");
		return (-1);
	}
	memset(&pg, 0, sizeof(pg));
	if ((pg.doc = HPDF_New(eitas_hpdf_error, &pg.st)) == NULL) {
		err_set(err, "eitas: out of memory for a PDF");
		return (-1);
	}
	if (eitas_setup(&pg, e, font_path, font_bold_path, err) == -1 ||
	    eitas_layout(&pg, e, err) == -1 ||
	    eitas_save(&pg, pdf, len, err) == -1)
		goto done;
	rc = 0;
done:
	HPDF_Free(pg.doc);
	return (rc);
}

/*
 * The PDF string at p[0..len): a "(...)" literal, or "<...>" hex holding
 * bytes or UTF-16BE after a FEFF mark.  Only what a token may hold is
 * decoded: no escapes, no characters past U+007F.  Its bytes go to tok
 * (EITAS_TOKEN_MAX at most), the count to *n.  0, or -1.
 */
static int
eitas_pdf_string(const unsigned char *p, size_t len, char *tok, size_t *n)
{
	unsigned char	 raw[2 * EITAS_TOKEN_MAX + 2];
	size_t		 i, r = 0, k;
	int		 v, nib = -1;

	*n = 0;
	if (len == 0 || (p[0] != '(' && p[0] != '<'))
		return (-1);
	if (p[0] == '(') {
		for (i = 1; i < len && p[i] != ')'; i++) {
			if (p[i] == '\\' || *n >= EITAS_TOKEN_MAX)
				return (-1);
			tok[(*n)++] = (char)p[i];
		}
		return (i < len ? 0 : -1);
	}
	for (i = 1; i < len && p[i] != '>'; i++) {
		if (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' ||
		    p[i] == '\t')
			continue;
		if (p[i] >= '0' && p[i] <= '9')
			v = p[i] - '0';
		else if (p[i] >= 'A' && p[i] <= 'F')
			v = p[i] - 'A' + 10;
		else if (p[i] >= 'a' && p[i] <= 'f')
			v = p[i] - 'a' + 10;
		else
			return (-1);
		if (nib == -1) {
			nib = v;
			continue;
		}
		if (r >= sizeof(raw))
			return (-1);
		raw[r++] = (unsigned char)(nib << 4 | v);
		nib = -1;
	}
	/* A lone last digit is followed by an implied 0 (PDF 7.3.4.3). */
	if (i >= len || (nib != -1 && r >= sizeof(raw)))
		return (-1);
	if (nib != -1)
		raw[r++] = (unsigned char)(nib << 4);
	if (r >= 2 && raw[0] == 0xfe && raw[1] == 0xff) {
		if (r % 2 != 0)
			return (-1);
		for (k = 2; k < r; k += 2) {
			if (raw[k] != 0 || raw[k + 1] > 0x7f ||
			    *n >= EITAS_TOKEN_MAX)
				return (-1);
			tok[(*n)++] = (char)raw[k + 1];
		}
		return (0);
	}
	for (k = 0; k < r; k++) {
		if (raw[k] > 0x7f || *n >= EITAS_TOKEN_MAX)
			return (-1);
		tok[(*n)++] = (char)raw[k];
	}
	return (0);
}

/*
 * Look at every "/Subject" (a match inside compressed data simply fails
 * to parse) and take the first whose string is a token.
 */
int
eitas_token_from_pdf(const unsigned char *pdf, size_t len, char *out,
    size_t outlen)
{
	static const char	 key[] = "/Subject";
	char			 tok[EITAS_TOKEN_MAX];
	size_t			 i, j, n, klen = sizeof(key) - 1;

	if (pdf == NULL || out == NULL)
		return (-1);
	for (i = 0; i + klen < len; i++) {
		if (pdf[i] != '/' || memcmp(pdf + i, key, klen) != 0)
			continue;
		for (j = i + klen; j < len && (pdf[j] == ' ' ||
		    pdf[j] == '\r' || pdf[j] == '\n' || pdf[j] == '\t'); j++)
			;
		if (eitas_pdf_string(pdf + j, len - j, tok, &n) == -1 ||
		    !eitas_token_ok(tok, n) || n >= outlen)
			continue;
		memcpy(out, tok, n);
		out[n] = '\0';
		return (0);
	}
	return (-1);
}
