#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/chvalid.h>
#include <libxml/xmlwriter.h>

#include "clr.h"
#include "xml.h"

#define CLR_RETRY_AFTER_MAX	3600	/* seconds; more is not believed */

const char *
clr_verdict_name(enum clr_verdict v)
{
	static const char *names[] = { NULL, "clear", "hit", "pending" };

	return (v <= CLR_PENDING ? names[v] : NULL);
}

const char *
clr_outcome_name(enum clr_outcome o)
{
	static const char *names[] = { "ok", "link", "throttled", "rejected" };

	return (o <= CLR_REJECTED ? names[o] : "link");
}

/* 1 when s is UTF-8 made only of characters XML 1.0 allows. */
static int
clr_xml_text_ok(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 len, c;

	while (*p != '\0') {
		len = 4;
		if ((c = xmlGetUTF8Char(p, &len)) < 0 || !xmlIsCharQ(c))
			return (0);
		p += len;
	}
	return (1);
}

int
clr_batch_xml(const struct clr_batch *b, const char *sent_at, char **out,
    size_t *len, struct err *err)
{
	xmlBufferPtr		 buf;
	xmlTextWriterPtr	 w;
	const struct clr_req	*r;
	size_t			 i;
	int			 rc;

	if (b->n == 0 || b->n > CLR_BATCH_MAX) {
		err_set(err, "clr: batch of %zu requests", b->n);
		return (-1);
	}
	for (i = 0; i < b->n; i++) {
		r = &b->req[i];
		if (!clr_xml_text_ok(r->case_ref) ||
		    !clr_xml_text_ok(r->passport) ||
		    !clr_xml_text_ok(r->family_name) ||
		    !clr_xml_text_ok(r->given_names)) {
			err_set(err, "clr: request %s holds a character XML "
			    "cannot carry", r->key);
			return (-1);
		}
	}
	if ((buf = xmlBufferCreate()) == NULL ||
	    (w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		err_set(err, "clr: out of memory");
		return (-1);
	}
	rc = xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
	rc |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "clearanceBatch",
	    BAD_CAST CLR_NS) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "version",
	    BAD_CAST "1") < 0;
	/* clr_claim() gives a batch of one office. */
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "office",
	    BAD_CAST b->req[0].office) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "sentAt",
	    BAD_CAST sent_at) < 0;
	for (i = 0; i < b->n && rc == 0; i++) {
		r = &b->req[i];
		rc |= xmlTextWriterStartElement(w, BAD_CAST "request") < 0;
		rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "key",
		    BAD_CAST r->key) < 0;
#define EL(name, v) \
		rc |= xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST v) < 0
		EL("caseRef", r->case_ref);
		EL("passport", r->passport);
		EL("nationality", r->nationality);
		EL("familyName", r->family_name);
		EL("givenNames", r->given_names);
		EL("birthDate", r->birth_date);
		EL("permitKind", r->permit_kind);
#undef EL
		rc |= xmlTextWriterEndElement(w) < 0;
	}
	rc |= xmlTextWriterEndDocument(w) < 0;
	xmlFreeTextWriter(w);
	if (rc != 0 || (*out = malloc((size_t)buf->use + 1)) == NULL) {
		xmlBufferFree(buf);
		err_set(err, "clr: cannot write the batch");
		return (-1);
	}
	memcpy(*out, buf->content, (size_t)buf->use);
	(*out)[buf->use] = '\0';
	*len = (size_t)buf->use;
	xmlBufferFree(buf);
	return (0);
}

static void
clr_fail(struct clr_batch *b, enum clr_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
clr_fail(struct clr_batch *b, enum clr_outcome o, const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	b->outcome = o;
	va_start(ap, fmt);
	(void)vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	for (i = 0; i < b->n; i++)
		b->ans[i].verdict = CLR_NONE;
}

/* Retry-After in whole seconds (RFC 9110 also allows a date: not used). */
static int
clr_retry_after(const char *hdr)
{
	long	 v;
	char	*end;

	if (hdr == NULL)
		return (-1);
	while (isspace((unsigned char)*hdr))
		hdr++;
	v = strtol(hdr, &end, 10);
	if (end == hdr || v < 0)
		return (-1);
	return (v > CLR_RETRY_AFTER_MAX ? CLR_RETRY_AFTER_MAX : (int)v);
}

/* The attribute into dst; -1 when it does not fit (never cut short). */
static int
clr_copy_prop(xmlNodePtr n, const char *name, char *dst, size_t dstsz)
{
	xmlChar	*v;
	int	 w;

	dst[0] = '\0';
	if ((v = xmlGetProp(n, BAD_CAST name)) == NULL)
		return (0);
	w = snprintf(dst, dstsz, "%s", (char *)v);
	xmlFree(v);
	return (w < 0 || (size_t)w >= dstsz ? -1 : 0);
}

/*
 * The schema's xs:dateTime allows years PostgreSQL cannot store (-0001,
 * 99999999): such a verdict would abort the whole report, and central
 * repeats it on every retry.  A check before the year 2000 is no check
 * either, and one dated years ahead would pass the stale-watchlist guard
 * for ever.  Four digits from 2000 to next year, then what the schema
 * already checked.
 */
static int
clr_checked_at_ok(const char *s)
{
	time_t		now = time(NULL);
	struct tm	tm;
	int		i, year = 0;

	for (i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (0);
		year = year * 10 + (s[i] - '0');
	}
	if (s[4] != '-' || gmtime_r(&now, &tm) == NULL)
		return (0);
	return (year >= 2000 && year <= tm.tm_year + 1900 + 1);
}

/* Match each <answer> to the request with its key. */
static void
clr_read_answers(struct clr_batch *b, xmlDocPtr doc)
{
	struct clr_ans	 a;
	xmlNodePtr	 n;
	char		 key[CLR_KEY_LEN + 2], result[16];
	size_t		 i;

	for (n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		memset(&a, 0, sizeof(a));
		if (clr_copy_prop(n, "key", key, sizeof(key)) == -1 ||
		    clr_copy_prop(n, "result", result, sizeof(result)) == -1 ||
		    clr_copy_prop(n, "reference", a.reference,
		    sizeof(a.reference)) == -1 ||
		    clr_copy_prop(n, "reason", a.reason,
		    sizeof(a.reason)) == -1 ||
		    clr_copy_prop(n, "checkedAt", a.checked_at,
		    sizeof(a.checked_at)) == -1) {
			clr_fail(b, CLR_LINK, "answer with a value too long");
			return;
		}
		if (!clr_checked_at_ok(a.checked_at)) {
			clr_fail(b, CLR_LINK, "answer checked at an impossible "
			    "time: %.40s", a.checked_at);
			return;
		}
		a.verdict = strcmp(result, "clear") == 0 ? CLR_CLEAR :
		    strcmp(result, "hit") == 0 ? CLR_HIT : CLR_PENDING;
		for (i = 0; i < b->n; i++) {
			if (strcmp(b->req[i].key, key) == 0)
				break;
		}
		if (i == b->n) {
			clr_fail(b, CLR_LINK, "answer for a key not asked: %s",
			    key);
			return;
		}
		if (b->ans[i].verdict != CLR_NONE) {
			/* The same answer twice is harmless; two are not. */
			if (memcmp(&b->ans[i], &a, sizeof(a)) != 0) {
				clr_fail(b, CLR_LINK, "two different answers "
				    "for key %s", key);
				return;
			}
			continue;
		}
		b->ans[i] = a;
	}
	b->outcome = CLR_OK;
}

void
clr_interpret(const struct clr_conf *conf, struct clr_batch *b, long status,
    const char *retry_after_hdr, const char *body, size_t len)
{
	xmlDocPtr	doc;
	xmlNodePtr	root;
	struct err	err;
	int		ra;

	memset(b->ans, 0, sizeof(b->ans[0]) * b->n);
	b->status = status;
	b->retry_after = 0;
	b->error[0] = '\0';

	ra = clr_retry_after(retry_after_hdr);
	if (status == 429 || (status == 503 && ra >= 0)) {
		clr_fail(b, CLR_THROTTLED, "HTTP %ld, Retry-After %d", status,
		    ra < 0 ? 1 : ra);
		b->retry_after = ra < 0 ? 1 : ra;
		return;
	}
	if (status == 400 || status == 413 || status == 415 || status == 422) {
		clr_fail(b, CLR_REJECTED, "HTTP %ld: central refused the "
		    "request", status);
		return;
	}
	if (status != 200) {
		clr_fail(b, CLR_LINK, "HTTP %ld", status);
		return;
	}
	if ((doc = xml_parse_untrusted(body, len, &err)) == NULL) {
		clr_fail(b, CLR_LINK, "answer: %s", err.msg);
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (xml_validate(conf->schema, doc, &err) == -1 ||
	    xmlStrcmp(root->name, BAD_CAST "clearanceAnswers") != 0) {
		clr_fail(b, CLR_LINK, "answer does not match the schema: %s",
		    err.msg[0] ? err.msg : "not clearanceAnswers");
		xmlFreeDoc(doc);
		return;
	}
	clr_read_answers(b, doc);
	xmlFreeDoc(doc);
}

struct clr_body {
	char	*buf;
	size_t	 len;
	int	 too_big;
};

static size_t
clr_body_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct clr_body	*body = arg;
	size_t		 n = size * nmemb;
	char		*p;

	if (body->len + n > XML_BODY_MAX) {
		body->too_big = 1;
		return (0);		/* makes curl stop with an error */
	}
	if ((p = realloc(body->buf, body->len + n + 1)) == NULL)
		return (0);
	body->buf = p;
	memcpy(body->buf + body->len, ptr, n);
	body->len += n;
	body->buf[body->len] = '\0';
	return (n);
}

struct clr_hdr {
	char	retry_after[32];
};

static size_t
clr_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct clr_hdr	*h = arg;
	size_t		 n = size * nmemb;

	if (n > 12 && strncasecmp(line, "retry-after:", 12) == 0)
		(void)snprintf(h->retry_after, sizeof(h->retry_after), "%.*s",
		    (int)(n - 12 < 31 ? n - 12 : 31), line + 12);
	return (n);
}

void
clr_send(const struct clr_conf *conf, struct clr_batch *b)
{
	CURL			*curl;
	struct curl_slist	*hdrs;
	struct clr_body		 body;
	struct clr_hdr		 h;
	struct err		 err;
	char			*xml, when[32];
	size_t			 xmllen;
	time_t			 now;
	struct tm		 tm;
	long			 status;
	CURLcode		 cc;

	b->status = 0;
	b->retry_after = 0;
	now = time(NULL);
	(void)gmtime_r(&now, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (clr_batch_xml(b, when, &xml, &xmllen, &err) == -1) {
		/* Nothing went out; the request itself cannot be sent. */
		clr_fail(b, CLR_REJECTED, "%s", err.msg);
		return;
	}
	memset(&body, 0, sizeof(body));
	memset(&h, 0, sizeof(h));
	hdrs = curl_slist_append(NULL, "Content-Type: application/xml");
	if ((curl = curl_easy_init()) == NULL || hdrs == NULL) {
		clr_fail(b, CLR_LINK, "curl: out of memory");
		goto done;
	}
	curl_easy_setopt(curl, CURLOPT_URL, conf->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, xml);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)xmllen);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, conf->connect_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, conf->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, clr_body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, clr_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h);
	if ((cc = curl_easy_perform(curl)) != CURLE_OK) {
		clr_fail(b, CLR_LINK, "%s%s", curl_easy_strerror(cc),
		    body.too_big ? " (answer too large)" : "");
		goto done;
	}
	status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	clr_interpret(conf, b, status, h.retry_after[0] ? h.retry_after : NULL,
	    body.buf != NULL ? body.buf : "", body.len);
done:
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	free(body.buf);
	free(xml);
}
