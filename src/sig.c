/*
 * RFC 9421 for the partner exchange (see sig.h).  The parsers follow RFC
 * 8941 section 4.2 step by step, as far as Signature-Input and Signature
 * need it, and are stricter where that keeps one signature meaning one
 * thing: a label or a signature parameter given twice is refused (RFC
 * 8941 would keep the last), and so is a component listed twice.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "sf.h"
#include "sig.h"

#define SIG_PARAMS_MAX		16	/* parameters of one signature */
#define SIG_FIELD_LINES_MAX	32	/* lines of one covered field */
#define SIG_BASE_MAX		16384	/* more is refused as malformed */
#define SIG_INT_DIGITS		15	/* RFC 8941 section 3.3.1 */
#define SIG_DEC_INT_DIGITS	12	/* RFC 8941 section 3.3.2 */
#define SIG_DEC_FRAC_DIGITS	3
#define SIG_DECODED_MAX		(SIG_HEADER_MAX / 4 * 3)

/* A cursor over one header value; what names the header in messages. */
/* Which signature the caller wants, and whether it has turned up. */
struct sig_pick {
	const char	*label;		/* NULL: the first */
	struct sig	*s;
	int		 found;
};

/* Output that remembers it ran out of room; one byte is kept for NUL. */
struct sig_buf {
	char	*p;
	size_t	 sz;
	size_t	 len;
	int	 over;
};

static int	sig_lcalpha(int);
static int	sig_digit(int);
static int	sig_alpha(int);
static int	sig_tchar(int);
static int	sig_key(struct sf_cur *, char *, size_t);
static int	sig_string(struct sf_cur *, const char *, char *, size_t);
static int	sig_number(struct sf_cur *, long long *, int *);
static int	sig_token(struct sf_cur *);
static int	sig_bytes(struct sf_cur *, const char *, unsigned char *,
		    size_t, size_t *);
static int	sig_bare_skip(struct sf_cur *);
static int	sig_param_key(struct sf_cur *, char *, size_t);
static int	sig_params_skip(struct sf_cur *, int *);
static int	sig_sigparam(struct sf_cur *, const char *, struct sig *);
static int	sig_sigparams(struct sf_cur *, struct sig *);
static int	sig_comp_check(struct sf_cur *, const struct sig *,
		    const char *);
static int	sig_inner(struct sf_cur *, struct sig *);
static int	sig_dict(const char *, const char *,
		    int (*)(struct sf_cur *, const char *, void *), void *,
		    struct err *);
static int	sig_input_member(struct sf_cur *, const char *, void *);
static int	sig_value_member(struct sf_cur *, const char *, void *);
static enum sig_result sig_input_parse(const char *, const char *,
		    struct sig *, struct err *);
static void	sig_buf_add(struct sig_buf *, const char *, size_t);
static void	sig_buf_str(struct sig_buf *, const char *);
static int	sig_value(struct sig_buf *, const char *, const char *,
		    size_t, struct err *);
static enum sig_result sig_derived(const char *, const struct sig_msg *,
		    struct sig_buf *, struct err *);
static enum sig_result sig_field(const char *, const struct sig_msg *,
		    struct sig_buf *, struct err *);
static int	sig_covers(const struct sig *, const char *);
static enum sig_result sig_policy_check(const struct sig *,
		    const struct sig_policy *, long long, struct err *);
static int	sig_input_write(const struct sig_spec *, const char *, char *,
		    size_t, struct err *);

const char *
sig_result_name(enum sig_result r)
{
	static const char *names[] = {
		"ok", "no-signature", "malformed", "missing-component",
		"bad-alg", "not-yet-valid", "expired", "unknown-key",
		"bad-signature"
	};

	return ((unsigned int)r <= SIG_BAD_SIGNATURE ? names[r] : "unknown");
}

static int
sig_lcalpha(int ch)
{
	return (ch >= 'a' && ch <= 'z');
}

static int
sig_digit(int ch)
{
	return (ch >= '0' && ch <= '9');
}

static int
sig_alpha(int ch)
{
	return (sig_lcalpha(ch) || (ch >= 'A' && ch <= 'Z'));
}

static int
sig_tchar(int ch)
{
	return (sig_alpha(ch) || sig_digit(ch) ||
	    (ch > 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL));
}

/* RFC 8941 section 4.2.3.3: a key, at most outsz - 1 characters. */
static int
sig_key(struct sf_cur *c, char *out, size_t outsz)
{
	size_t	start = c->pos, n;
	int	ch;

	ch = sf_peek(c);
	if (!sig_lcalpha(ch) && ch != '*')
		return (sf_fail(c, "expected a lower-case key"));
	while ((ch = sf_peek(c)) != -1 && (sig_lcalpha(ch) ||
	    sig_digit(ch) || ch == '_' || ch == '-' || ch == '.' || ch == '*'))
		c->pos++;
	if ((n = c->pos - start) >= outsz) {
		c->pos = start;
		return (sf_fail(c, "key longer than %zu characters",
		    outsz - 1));
	}
	memcpy(out, c->s + start, n);
	out[n] = '\0';
	return (0);
}

/*
 * RFC 8941 section 4.2.5: a string, unescaped into out (at most outsz - 1
 * characters, named what in the message) or only checked if out is NULL.
 */
static int
sig_string(struct sf_cur *c, const char *what, char *out, size_t outsz)
{
	size_t	start = c->pos, n = 0;
	int	ch;

	c->pos++;
	while ((ch = sf_peek(c)) != -1) {
		c->pos++;
		if (ch == '"') {
			if (out != NULL)
				out[n] = '\0';
			return (0);
		}
		if (ch == '\\') {
			ch = sf_peek(c);
			if (ch != '"' && ch != '\\')
				return (sf_fail(c, "bad escape in a string"));
			c->pos++;
		} else if (ch < 0x20 || ch > 0x7e)
			return (sf_fail(c, "control character in a string"));
		if (out != NULL) {
			if (n + 1 >= outsz) {
				c->pos = start;
				return (sf_fail(c, "%s longer than %zu "
				    "characters", what, outsz - 1));
			}
			out[n++] = (char)ch;
		}
	}
	c->pos = start;
	return (sf_fail(c, "unterminated string"));
}

/* RFC 8941 section 4.2.4: an integer in *v, or (*is_dec) a decimal. */
static int
sig_number(struct sf_cur *c, long long *v, int *is_dec)
{
	long long	val = 0;
	size_t		nint = 0, nfrac = 0;
	int		ch, neg = 0, dec = 0;

	if (sf_peek(c) == '-') {
		neg = 1;
		c->pos++;
	}
	if (!sig_digit(sf_peek(c)))
		return (sf_fail(c, "expected a digit"));
	while ((ch = sf_peek(c)) != -1) {
		if (sig_digit(ch) && dec)
			nfrac++;
		else if (sig_digit(ch)) {
			if (++nint > SIG_INT_DIGITS)
				return (sf_fail(c, "integer longer than %d "
				    "digits", SIG_INT_DIGITS));
			val = val * 10 + (ch - '0');
		} else if (ch == '.' && !dec) {
			if (nint > SIG_DEC_INT_DIGITS)
				return (sf_fail(c, "decimal with more than "
				    "%d integer digits", SIG_DEC_INT_DIGITS));
			dec = 1;
		} else
			break;
		c->pos++;
		if (nfrac > SIG_DEC_FRAC_DIGITS)
			return (sf_fail(c, "decimal with more than %d "
			    "fraction digits", SIG_DEC_FRAC_DIGITS));
	}
	if (dec && nfrac == 0)
		return (sf_fail(c, "decimal ends in '.'"));
	*v = neg ? -val : val;
	*is_dec = dec;
	return (0);
}

/* RFC 8941 section 4.2.6. */
static int
sig_token(struct sf_cur *c)
{
	int	ch;

	ch = sf_peek(c);
	if (!sig_alpha(ch) && ch != '*')
		return (sf_fail(c, "expected a token"));
	while ((ch = sf_peek(c)) != -1 && (sig_tchar(ch) || ch == ':' ||
	    ch == '/'))
		c->pos++;
	return (0);
}

/*
 * RFC 8941 section 4.2.7: a byte sequence, decoded into out (at most
 * outsz bytes, named what in the message) or only checked if out is
 * NULL.  Padding is required only when the length asks for it, and
 * libsodium refuses non-zero pad bits.
 */
static int
sig_bytes(struct sf_cur *c, const char *what, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	unsigned char	 bin[SIG_DECODED_MAX];
	const char	*b64, *end;
	size_t		 start = c->pos, n, binlen;
	int		 ch, variant;

	c->pos++;
	b64 = c->s + c->pos;
	while ((ch = sf_peek(c)) != -1 && ch != ':') {
		if (!sig_alpha(ch) && !sig_digit(ch) && ch != '+' &&
		    ch != '/' && ch != '=')
			return (sf_fail(c, "bad base64 character '%c'", ch));
		c->pos++;
	}
	if (ch == -1) {
		c->pos = start;
		return (sf_fail(c, "unterminated byte sequence"));
	}
	n = (size_t)(c->s + c->pos - b64);
	variant = n % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL :
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	if (sodium_base642bin(bin, sizeof(bin), b64, n, NULL, &binlen, &end,
	    variant) != 0 || end != b64 + n) {
		c->pos = start;
		return (sf_fail(c, "bad base64"));
	}
	c->pos++;
	if (out != NULL) {
		if (binlen > outsz) {
			c->pos = start;
			return (sf_fail(c, "%s of %zu bytes (max %zu)", what,
			    binlen, outsz));
		}
		memcpy(out, bin, binlen);
		*outlen = binlen;
	}
	return (0);
}

/* RFC 8941 section 4.2.3.1: any bare item, checked and dropped. */
static int
sig_bare_skip(struct sf_cur *c)
{
	long long	v;
	int		ch, dec;

	ch = sf_peek(c);
	if (ch == '-' || sig_digit(ch))
		return (sig_number(c, &v, &dec));
	if (ch == '"')
		return (sig_string(c, "string", NULL, 0));
	if (ch == ':')
		return (sig_bytes(c, "byte sequence", NULL, 0, NULL));
	if (ch == '?') {
		c->pos++;
		if ((ch = sf_peek(c)) != '0' && ch != '1')
			return (sf_fail(c, "bad boolean"));
		c->pos++;
		return (0);
	}
	if (sig_alpha(ch) || ch == '*')
		return (sig_token(c));
	return (sf_fail(c, "expected an item"));
}

/* The next parameter's key: 1, or 0 if no parameter follows, or -1. */
static int
sig_param_key(struct sf_cur *c, char *key, size_t keysz)
{
	if (sf_peek(c) != ';')
		return (0);
	c->pos++;
	sf_sp(c);
	return (sig_key(c, key, keysz) == -1 ? -1 : 1);
}

/* Parameters we do not keep; *any says whether there were some. */
static int
sig_params_skip(struct sf_cur *c, int *any)
{
	char	key[SIG_NAME_MAX + 1];
	int	rc;

	*any = 0;
	while ((rc = sig_param_key(c, key, sizeof(key))) == 1) {
		*any = 1;
		if (sf_peek(c) != '=')
			continue;
		c->pos++;
		if (sig_bare_skip(c) == -1)
			return (-1);
	}
	return (rc);
}

/* One signature parameter after its key (RFC 9421 section 2.3). */
static int
sig_sigparam(struct sf_cur *c, const char *key, struct sig *s)
{
	long long	*v = NULL;
	char		*out = NULL;
	size_t		 outsz = 0;
	int		 dec, ch, *set = NULL;

	if (strcmp(key, "created") == 0) {
		v = &s->created;
		set = &s->created_set;
	} else if (strcmp(key, "expires") == 0) {
		v = &s->expires;
		set = &s->expires_set;
	} else if (strcmp(key, "keyid") == 0) {
		out = s->keyid;
		outsz = sizeof(s->keyid);
	} else if (strcmp(key, "alg") == 0) {
		out = s->alg;
		outsz = sizeof(s->alg);
	} else if (strcmp(key, "nonce") == 0) {
		out = s->nonce;
		outsz = sizeof(s->nonce);
	} else if (strcmp(key, "tag") == 0) {
		out = s->tag;
		outsz = sizeof(s->tag);
	} else {
		/* Not ours to interpret, but it is signed all the same. */
		if (sf_peek(c) != '=')
			return (0);	/* a bare key is boolean true */
		c->pos++;
		return (sig_bare_skip(c));
	}
	if (sf_peek(c) != '=')
		return (sf_fail(c, "parameter %s has no value", key));
	c->pos++;
	ch = sf_peek(c);
	if (v != NULL) {
		if (ch != '-' && !sig_digit(ch))
			return (sf_fail(c, "%s must be an integer", key));
		if (sig_number(c, v, &dec) == -1)
			return (-1);
		if (dec)
			return (sf_fail(c, "%s must be an integer", key));
		*set = 1;
		return (0);
	}
	if (ch != '"')
		return (sf_fail(c, "%s must be a string", key));
	if (sig_string(c, key, out, outsz) == -1)
		return (-1);
	/* An empty nonce or tag is odd but harmless; these are not. */
	if (out[0] == '\0' && (out == s->keyid || out == s->alg))
		return (sf_fail(c, "%s is empty", key));
	return (0);
}

static int
sig_sigparams(struct sf_cur *c, struct sig *s)
{
	char	key[SIG_NAME_MAX + 1], seen[SIG_PARAMS_MAX][SIG_NAME_MAX + 1];
	size_t	n = 0, i;
	int	rc;

	while ((rc = sig_param_key(c, key, sizeof(key))) == 1) {
		for (i = 0; i < n; i++) {
			if (strcmp(seen[i], key) == 0)
				return (sf_fail(c, "parameter %s given twice",
				    key));
		}
		if (n == SIG_PARAMS_MAX)
			return (sf_fail(c, "more than %d parameters",
			    SIG_PARAMS_MAX));
		memcpy(seen[n++], key, sizeof(key));
		if (sig_sigparam(c, key, s) == -1)
			return (-1);
	}
	return (rc);
}

/*
 * A component name is a lower-case field name or '@' and a lower-case
 * word (RFC 9421 section 2); each may be covered once, and
 * @signature-params never.
 */
static int
sig_comp_check(struct sf_cur *c, const struct sig *s, const char *name)
{
	const char	*p = name;
	size_t		 i;
	int		 ok;

	if (*p == '@')
		p++;
	if (*p == '\0')
		return (sf_fail(c, "empty component name"));
	for (; *p != '\0'; p++) {
		if (name[0] == '@')
			ok = sig_lcalpha(*p) || *p == '-';
		else
			ok = sig_tchar(*p) && !(*p >= 'A' && *p <= 'Z');
		if (!ok)
			return (sf_fail(c, "component \"%s\" is not a "
			    "lower-case field or derived name", name));
	}
	if (strcmp(name, "@signature-params") == 0)
		return (sf_fail(c, "@signature-params cannot be covered"));
	for (i = 0; i < s->ncomp; i++) {
		if (strcmp(s->comp[i], name) == 0)
			return (sf_fail(c, "component %s listed twice", name));
	}
	return (0);
}

/*
 * The inner list of one Signature-Input member and its parameters
 * (RFC 8941 section 4.2.1.2), kept as received for @signature-params.
 */
static int
sig_inner(struct sf_cur *c, struct sig *s)
{
	size_t	start = c->pos, n;
	int	ch, any;

	c->pos++;
	for (;;) {
		sf_sp(c);
		if ((ch = sf_peek(c)) == -1) {
			c->pos = start;
			return (sf_fail(c, "unterminated inner list"));
		}
		if (ch == ')') {
			c->pos++;
			break;
		}
		if (ch != '"')
			return (sf_fail(c, "a component must be a string"));
		if (s->ncomp == SIG_COMPONENTS_MAX)
			return (sf_fail(c, "more than %d components",
			    SIG_COMPONENTS_MAX));
		if (sig_string(c, "component name", s->comp[s->ncomp],
		    SIG_NAME_MAX + 1) == -1 ||
		    sig_comp_check(c, s, s->comp[s->ncomp]) == -1 ||
		    sig_params_skip(c, &any) == -1)
			return (-1);
		if (any)
			s->comp_params |= 1U << s->ncomp;
		s->ncomp++;
		if ((ch = sf_peek(c)) != ' ' && ch != ')' && ch != -1)
			return (sf_fail(c, "expected ' ' or ')' after a "
			    "component"));
	}
	if (sig_sigparams(c, s) == -1)
		return (-1);
	n = c->pos - start;
	memcpy(s->params, c->s + start, n);
	s->params[n] = '\0';
	return (0);
}

/*
 * A dictionary (RFC 8941 section 4.2.2) of at most SIG_LABELS_MAX
 * members, each label once; member() reads what follows a label.  As
 * RFC 8941 says, one bad member fails the whole header, ours or not.
 * The number of members, or -1 with err set.
 */
static int
sig_dict(const char *hdr, const char *what,
    int (*member)(struct sf_cur *, const char *, void *), void *pick,
    struct err *err)
{
	struct sf_dict	d = { SIG_LABELS_MAX, SIG_NAME_MAX, "signatures",
			    "a signature", "label ", sig_key, member };
	struct sf_cur	c;

	if (sf_begin(&c, "sig", what, hdr, SIG_HEADER_MAX, err) == -1)
		return (-1);
	return (sf_dict(&c, &d, pick));
}

/* A Signature-Input member: an inner list, kept if it is the pick. */
static int
sig_input_member(struct sf_cur *c, const char *label, void *arg)
{
	struct sig_pick	*p = arg;
	struct sig	other, *dst;

	if (sf_peek(c) != '=' || c->pos + 1 >= c->len ||
	    c->s[c->pos + 1] != '(')
		return (sf_fail(c, "label %s: expected '=' and an inner list",
		    label));
	c->pos++;
	dst = !p->found && (p->label == NULL || strcmp(p->label, label) == 0) ?
	    p->s : &other;
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->label, label, strlen(label) + 1);
	if (sig_inner(c, dst) == -1)
		return (-1);
	if (dst == p->s)
		p->found = 1;
	return (0);
}

/* A Signature member: a byte sequence, decoded if it is the pick's. */
static int
sig_value_member(struct sf_cur *c, const char *label, void *arg)
{
	struct sig_pick	*p = arg;
	struct sig	*s = p->s;
	int		 mine, any;

	if (sf_peek(c) != '=' || c->pos + 1 >= c->len ||
	    c->s[c->pos + 1] != ':')
		return (sf_fail(c, "label %s: expected '=' and a byte "
		    "sequence", label));
	c->pos++;
	mine = strcmp(label, s->label) == 0;
	if (sig_bytes(c, "signature", mine ? s->sig : NULL, sizeof(s->sig),
	    &s->siglen) == -1 || sig_params_skip(c, &any) == -1)
		return (-1);
	p->found |= mine;
	return (0);
}

/* Signature-Input alone: how both sig_parse() and sig_sign() read it. */
static enum sig_result
sig_input_parse(const char *hdr, const char *label, struct sig *s,
    struct err *err)
{
	struct sig_pick	p;
	int		n;

	if (hdr == NULL) {
		err_set(err, "sig: no Signature-Input header");
		return (SIG_NO_SIGNATURE);
	}
	p.label = label;
	p.s = s;
	p.found = 0;
	if ((n = sig_dict(hdr, "Signature-Input", sig_input_member, &p,
	    err)) == -1)
		return (SIG_MALFORMED);
	if (n == 0) {
		err_set(err, "sig: Signature-Input is empty");
		return (SIG_NO_SIGNATURE);
	}
	if (!p.found) {
		err_set(err, "sig: no signature labelled %s in "
		    "Signature-Input", label);
		return (SIG_NO_SIGNATURE);
	}
	return (SIG_OK);
}

enum sig_result
sig_parse(const char *input, const char *signature, const char *label,
    struct sig *s, struct err *err)
{
	struct sig_pick	p;
	enum sig_result	r;

	memset(s, 0, sizeof(*s));
	if ((r = sig_input_parse(input, label, s, err)) != SIG_OK)
		return (r);
	if (signature == NULL) {
		err_set(err, "sig: no Signature header");
		return (SIG_NO_SIGNATURE);
	}
	p.label = s->label;
	p.s = s;
	p.found = 0;
	if (sig_dict(signature, "Signature", sig_value_member, &p, err) == -1)
		return (SIG_MALFORMED);
	if (!p.found) {
		err_set(err, "sig: no signature labelled %s in Signature",
		    s->label);
		return (SIG_NO_SIGNATURE);
	}
	return (SIG_OK);
}

static void
sig_buf_add(struct sig_buf *b, const char *p, size_t n)
{
	if (b->over || n >= b->sz - b->len) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
sig_buf_str(struct sig_buf *b, const char *s)
{
	sig_buf_add(b, s, strlen(s));
}

/*
 * One component value into the base.  A line break would let a value
 * forge the next line of the base, so no control character gets in.
 */
static int
sig_value(struct sig_buf *b, const char *name, const char *v, size_t n,
    struct err *err)
{
	size_t		i;
	unsigned char	ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)v[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			err_set(err, "sig: %s: control character 0x%02x in "
			    "the value", name, ch);
			return (-1);
		}
	}
	sig_buf_add(b, v, n);
	return (0);
}

/* RFC 9421 section 2.2; the caller has normalised all but the case. */
static enum sig_result
sig_derived(const char *name, const struct sig_msg *m, struct sig_buf *b,
    struct err *err)
{
	const char	*v;
	char		 status[8];
	size_t		 start, i;

	if (strcmp(name, "@method") == 0)
		v = m->method;
	else if (strcmp(name, "@target-uri") == 0)
		v = m->target_uri;
	else if (strcmp(name, "@authority") == 0)
		v = m->authority;
	else if (strcmp(name, "@path") == 0)
		v = m->path != NULL && m->path[0] == '\0' ? "/" : m->path;
	else if (strcmp(name, "@query") == 0) {
		sig_buf_add(b, "?", 1);
		v = m->query != NULL ? m->query : "";
	} else if (strcmp(name, "@status") == 0) {
		v = NULL;
		if (m->status >= 100 && m->status <= 999 &&
		    snprintf(status, sizeof(status), "%d", m->status) == 3)
			v = status;
	} else {
		err_set(err, "sig: derived component %s is not supported",
		    name);
		return (SIG_MALFORMED);
	}
	if (v == NULL) {
		err_set(err, "sig: covered component %s is not in the "
		    "message", name);
		return (SIG_MISSING_COMPONENT);
	}
	start = b->len;
	if (sig_value(b, name, v, strlen(v), err) == -1)
		return (SIG_MALFORMED);
	/* The host is case-insensitive; RFC 9421 wants it in lower case. */
	if (strcmp(name, "@authority") == 0 && !b->over) {
		for (i = start; i < b->len; i++) {
			if (b->p[i] >= 'A' && b->p[i] <= 'Z')
				b->p[i] += 'a' - 'A';
		}
	}
	return (SIG_OK);
}

/* RFC 9421 section 2.1: every line, trimmed, joined with ", ". */
static enum sig_result
sig_field(const char *name, const struct sig_msg *m, struct sig_buf *b,
    struct err *err)
{
	const char	*v;
	size_t		 n, idx;

	for (idx = 0; m->field != NULL &&
	    m->field(m->arg, name, idx, &v, &n) == 0; idx++) {
		if (idx == SIG_FIELD_LINES_MAX) {
			err_set(err, "sig: field %s: more than %d lines", name,
			    SIG_FIELD_LINES_MAX);
			return (SIG_MALFORMED);
		}
		if (v == NULL) {
			v = "";
			n = 0;
		}
		while (n > 0 && (v[0] == ' ' || v[0] == '\t')) {
			v++;
			n--;
		}
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (idx > 0)
			sig_buf_add(b, ", ", 2);
		if (sig_value(b, name, v, n, err) == -1)
			return (SIG_MALFORMED);
	}
	if (idx == 0) {
		err_set(err, "sig: covered field %s is not in the message",
		    name);
		return (SIG_MISSING_COMPONENT);
	}
	return (SIG_OK);
}

enum sig_result
sig_base(const struct sig *s, const struct sig_msg *m, char *buf,
    size_t bufsz, size_t *len, struct err *err)
{
	struct sig_buf	b;
	enum sig_result	r;
	size_t		i;

	if (bufsz == 0) {
		err_set(err, "sig: no room for the signature base");
		return (SIG_MALFORMED);
	}
	b.p = buf;
	b.sz = bufsz;
	b.len = 0;
	b.over = 0;
	for (i = 0; i < s->ncomp; i++) {
		if (s->comp_params & (1U << i)) {
			err_set(err, "sig: component %s: parameters are not "
			    "supported", s->comp[i]);
			return (SIG_MALFORMED);
		}
		sig_buf_add(&b, "\"", 1);
		sig_buf_str(&b, s->comp[i]);
		sig_buf_add(&b, "\": ", 3);
		r = s->comp[i][0] == '@' ? sig_derived(s->comp[i], m, &b, err) :
		    sig_field(s->comp[i], m, &b, err);
		if (r != SIG_OK)
			return (r);
		sig_buf_add(&b, "\n", 1);
	}
	sig_buf_str(&b, "\"@signature-params\": ");
	sig_buf_str(&b, s->params);
	if (b.over) {
		err_set(err, "sig: signature base longer than %zu bytes",
		    bufsz - 1);
		return (SIG_MALFORMED);
	}
	buf[b.len] = '\0';
	*len = b.len;
	return (SIG_OK);
}

static int
sig_covers(const struct sig *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->ncomp; i++) {
		if (strcmp(s->comp[i], name) == 0)
			return (1);
	}
	return (0);
}

/* Everything sig_verify() asks before it builds a base. */
static enum sig_result
sig_policy_check(const struct sig *s, const struct sig_policy *pol,
    long long now, struct err *err)
{
	const char *const	*req;

	if (pol == NULL || pol->max_age < 0 || pol->skew < 0) {
		err_set(err, "sig: no usable policy");
		return (SIG_MALFORMED);
	}
	if (s->alg[0] != '\0' && strcmp(s->alg, SIG_ALG) != 0) {
		err_set(err, "sig: alg \"%s\" (only %s)", s->alg, SIG_ALG);
		return (SIG_BAD_ALG);
	}
	for (req = pol->required; req != NULL && *req != NULL; req++) {
		if (!sig_covers(s, *req)) {
			err_set(err, "sig: missing covered component %s",
			    *req);
			return (SIG_MISSING_COMPONENT);
		}
	}
	if (!s->created_set) {
		err_set(err, "sig: no created parameter");
		return (SIG_MALFORMED);
	}
	if (s->created > now + pol->skew) {
		err_set(err, "sig: created %lld is %lld s ahead of now "
		    "(skew %lld s)", s->created, s->created - now, pol->skew);
		return (SIG_NOT_YET_VALID);
	}
	if (s->created < now - pol->max_age) {
		err_set(err, "sig: created %lld is %lld s old (max %lld s)",
		    s->created, now - s->created, pol->max_age);
		return (SIG_EXPIRED);
	}
	if (s->expires_set && s->expires < now - pol->skew) {
		err_set(err, "sig: expired at %lld, %lld s ago", s->expires,
		    now - s->expires);
		return (SIG_EXPIRED);
	}
	return (SIG_OK);
}

/*
 * The cheap checks come first, so a stale or incomplete signature costs
 * no curve arithmetic and gets the more useful answer.
 */
enum sig_result
sig_verify(const struct sig *s, const struct sig_msg *m,
    const unsigned char pk[SIG_PK_LEN], const struct sig_policy *pol,
    long long now, struct err *err)
{
	char		base[SIG_BASE_MAX];
	enum sig_result	r;
	size_t		len;

	if ((r = sig_policy_check(s, pol, now, err)) != SIG_OK ||
	    (r = sig_base(s, m, base, sizeof(base), &len, err)) != SIG_OK)
		return (r);
	if (s->siglen != SIG_ED25519_LEN) {
		err_set(err, "sig: signature of %zu bytes (%s: %d)",
		    s->siglen, SIG_ALG, SIG_ED25519_LEN);
		return (SIG_BAD_SIGNATURE);
	}
	if (sodium_init() == -1) {
		err_set(err, "sig: libsodium cannot start");
		return (SIG_BAD_SIGNATURE);
	}
	if (crypto_sign_verify_detached(s->sig, (const unsigned char *)base,
	    len, pk) != 0) {
		err_set(err, "sig: signature %s does not verify with key %s",
		    s->label, s->keyid);
		return (SIG_BAD_SIGNATURE);
	}
	return (SIG_OK);
}

/* Serialise spec as a Signature-Input value, keyid escaped. */
static int
sig_input_write(const struct sig_spec *spec, const char *label, char *out,
    size_t outsz, struct err *err)
{
	struct sig_buf	 b;
	char		 num[48];	/* ";expires=" and 20 digits fit */
	const char	*p;
	size_t		 i;

	b.p = out;
	b.sz = outsz;
	b.len = 0;
	b.over = 0;
	sig_buf_str(&b, label);
	sig_buf_str(&b, "=(");
	for (i = 0; spec->components != NULL &&
	    spec->components[i] != NULL; i++) {
		sig_buf_str(&b, i > 0 ? " \"" : "\"");
		sig_buf_str(&b, spec->components[i]);
		sig_buf_add(&b, "\"", 1);
	}
	(void)snprintf(num, sizeof(num), ");created=%lld", spec->created);
	sig_buf_str(&b, num);
	if (spec->expires != 0) {
		(void)snprintf(num, sizeof(num), ";expires=%lld",
		    spec->expires);
		sig_buf_str(&b, num);
	}
	sig_buf_str(&b, ";keyid=\"");
	for (p = spec->keyid; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			sig_buf_add(&b, "\\", 1);
		sig_buf_add(&b, p, 1);
	}
	sig_buf_add(&b, "\"", 1);
	if (b.over) {
		err_set(err, "sig: Signature-Input longer than %d bytes",
		    SIG_HEADER_MAX);
		return (-1);
	}
	out[b.len] = '\0';
	return (0);
}

int
sig_sign(const struct sig_spec *spec, const struct sig_msg *m,
    const unsigned char sk[SIG_SK_LEN], struct sig_headers *out,
    struct err *err)
{
	struct sig	 s;
	char		 base[SIG_BASE_MAX];
	char		 b64[sodium_base64_ENCODED_LEN(SIG_ED25519_LEN,
			    sodium_base64_VARIANT_ORIGINAL)];
	unsigned char	 sm[SIG_ED25519_LEN];
	const char	*label;
	size_t		 len;
	int		 n;

	if (spec->keyid == NULL) {
		err_set(err, "sig: no keyid to sign with");
		return (-1);
	}
	label = spec->label != NULL ? spec->label : SIG_LABEL_DEFAULT;
	/* Read it back: signing and verifying share one parser and base. */
	if (sig_input_write(spec, label, out->input, sizeof(out->input),
	    err) == -1 ||
	    sig_input_parse(out->input, label, &s, err) != SIG_OK ||
	    sig_base(&s, m, base, sizeof(base), &len, err) != SIG_OK)
		return (-1);
	if (sodium_init() == -1 || crypto_sign_detached(sm, NULL,
	    (const unsigned char *)base, len, sk) != 0) {
		err_set(err, "sig: cannot sign");
		return (-1);
	}
	(void)sodium_bin2base64(b64, sizeof(b64), sm, sizeof(sm),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out->signature, sizeof(out->signature), "%s=:%s:",
	    label, b64);
	if (n < 0 || (size_t)n >= sizeof(out->signature)) {
		err_set(err, "sig: Signature longer than %d bytes",
		    SIG_HEADER_MAX);
		return (-1);
	}
	return (0);
}
