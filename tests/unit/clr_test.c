/*
 * The central clearance protocol codec (src/clr.c): the batch document
 * against assets/schemas/central-clearance-1.xsd, what each answer of
 * central means, and clr_send() against a closed port and a tiny HTTP
 * server on 127.0.0.1 in a thread.
 */
#define _GNU_SOURCE		/* strcasestr() */

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <libxml/tree.h>

#include "clr.h"
#include "xml.h"

#define SCHEMA	"assets/schemas/central-clearance-1.xsd"
#define SENT_AT	"2026-05-07T09:29:58Z"

#define K1	"00000001-0000-4000-8000-000000000001"
#define K2	"00000002-0000-4000-8000-000000000002"
#define K3	"00000003-0000-4000-8000-000000000003"
#define KX	"0000000f-0000-4000-8000-00000000000f"	/* not asked */

#define AT	"checkedAt=\"2026-05-07T09:30:00Z\""
#define A(k, r)	"<answer key=\"" k "\" result=\"" r "\" " AT "/>"
#define HIT(k)	"<answer key=\"" k "\" result=\"hit\" " \
		"reference=\"W-2026-42\" " \
		"reason=\"name &amp; birth date match\" " AT "/>"
#define DOC(b)	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
		"<clearanceAnswers xmlns=\"" CLR_NS "\" version=\"1\">" b \
		"</clearanceAnswers>\n"

static xmlSchemaPtr	 schema;
static struct clr_conf	 conf;
/* One batch for all tests: a failing assertion leaks nothing. */
static struct clr_batch	 batch;

static int
setup(void **state)
{
	struct err	err;

	xml_init("assets");
	if ((schema = xml_schema_load(SCHEMA, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return (-1);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return (-1);
	conf.url = "http://127.0.0.1:1/clearance/v1/batch";
	conf.connect_ms = 500;
	conf.timeout_ms = 1000;
	conf.schema = schema;
	return (0);
}

static int
teardown(void **state)
{
	xmlSchemaFree(schema);
	curl_global_cleanup();
	return (0);
}

/* n requests that satisfy the schema; key i is K1, K2, K3, ... */
static struct clr_batch *
batch_new(size_t n)
{
	struct clr_batch	*b;
	struct clr_req		*r;
	size_t			 i;

	b = &batch;
	memset(b, 0, sizeof(*b));
	b->n = n;
	for (i = 0; i < n && i < CLR_BATCH_MAX; i++) {
		r = &b->req[i];
		r->outbox_id = (long long)i + 1;
		(void)snprintf(r->key, sizeof(r->key),
		    "%08zx-0000-4000-8000-%012zx", i + 1, i + 1);
		(void)snprintf(r->case_ref, sizeof(r->case_ref),
		    "SMG-2026-%06zu-7", i + 1);
		(void)snprintf(r->passport, sizeof(r->passport), "C%07zu",
		    i + 1);
		(void)strcpy(r->nationality, "DEU");
		(void)strcpy(r->family_name, "MÜLLER");
		(void)strcpy(r->given_names, "ANNA MARIA");
		(void)strcpy(r->birth_date, "1980-01-31");
		(void)strcpy(r->permit_kind, "E33");
		(void)strcpy(r->office, "SMG");
	}
	return (b);
}

/* Verdicts from an earlier round, which the next one must not keep. */
static void
batch_dirty(struct clr_batch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++) {
		b->ans[i].verdict = CLR_HIT;
		(void)strcpy(b->ans[i].reference, "OLD");
	}
}

static void
assert_no_verdicts(const struct clr_batch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		if (b->ans[i].verdict != CLR_NONE)
			fail_msg("ans[%zu] is %s after %s", i,
			    clr_verdict_name(b->ans[i].verdict),
			    clr_outcome_name(b->outcome));
}

/* Build the batch, parse it as untrusted XML and validate it. */
static xmlDocPtr
batch_doc(const struct clr_batch *b, char **xml)
{
	struct err	 err;
	xmlDocPtr	 doc;
	size_t		 len;

	memset(&err, 0, sizeof(err));
	if (clr_batch_xml(b, SENT_AT, xml, &len, &err) == -1)
		fail_msg("clr_batch_xml: %s", err.msg);
	assert_int_equal(strlen(*xml), len);
	if ((doc = xml_parse_untrusted(*xml, len, &err)) == NULL)
		fail_msg("batch: %s", err.msg);
	if (xml_validate(schema, doc, &err) == -1)
		fail_msg("batch: %s", err.msg);
	return (doc);
}

static xmlChar *
child_text(xmlNodePtr request, const char *name)
{
	xmlNodePtr	n;

	for (n = request->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((char *)n->name, name) == 0)
			return (xmlNodeGetContent(n));
	fail_msg("no <%s>", name);
	return (NULL);
}

static void
names_of_verdicts_and_outcomes(void **state)
{
	assert_null(clr_verdict_name(CLR_NONE));
	assert_string_equal(clr_verdict_name(CLR_CLEAR), "clear");
	assert_string_equal(clr_verdict_name(CLR_HIT), "hit");
	assert_string_equal(clr_verdict_name(CLR_PENDING), "pending");
	assert_null(clr_verdict_name((enum clr_verdict)42));

	/* The names clr_report() accepts (migrations/0003). */
	assert_string_equal(clr_outcome_name(CLR_OK), "ok");
	assert_string_equal(clr_outcome_name(CLR_LINK), "link");
	assert_string_equal(clr_outcome_name(CLR_THROTTLED), "throttled");
	assert_string_equal(clr_outcome_name(CLR_REJECTED), "rejected");
	assert_string_equal(clr_outcome_name((enum clr_outcome)42), "link");
}

static void
one_request_batch_is_valid(void **state)
{
	struct clr_batch	*b;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, req;
	xmlChar			*v;
	char			*xml;

	b = batch_new(1);
	doc = batch_doc(b, &xml);
	assert_non_null(strstr(xml, "key=\"" K1 "\""));
	root = xmlDocGetRootElement(doc);
	assert_string_equal((char *)root->name, "clearanceBatch");
	assert_string_equal((char *)root->ns->href, CLR_NS);
	v = xmlGetProp(root, BAD_CAST "version");
	assert_string_equal((char *)v, "1");
	xmlFree(v);
	v = xmlGetProp(root, BAD_CAST "office");
	assert_string_equal((char *)v, "SMG");
	xmlFree(v);
	v = xmlGetProp(root, BAD_CAST "sentAt");
	assert_string_equal((char *)v, SENT_AT);
	xmlFree(v);

	req = xmlFirstElementChild(root);
	assert_non_null(req);
	assert_null(xmlNextElementSibling(req));
	assert_string_equal((char *)req->ns->href, CLR_NS);
	v = xmlGetProp(req, BAD_CAST "key");
	assert_string_equal((char *)v, K1);
	xmlFree(v);
#define TEXT(name, want) do {						\
	v = child_text(req, name);					\
	assert_string_equal((char *)v, want);				\
	xmlFree(v);							\
} while (0)
	TEXT("caseRef", "SMG-2026-000001-7");
	TEXT("passport", "C0000001");
	TEXT("nationality", "DEU");
	TEXT("familyName", "MÜLLER");
	TEXT("givenNames", "ANNA MARIA");
	TEXT("birthDate", "1980-01-31");
	TEXT("permitKind", "E33");
#undef TEXT
	xmlFreeDoc(doc);
	free(xml);
}

static void
hundred_requests_carry_every_key(void **state)
{
	struct clr_batch	*b;
	xmlDocPtr		 doc;
	xmlNodePtr		 req;
	xmlChar			*v;
	char			*xml, *p;
	size_t			 i;

	b = batch_new(CLR_BATCH_MAX);
	doc = batch_doc(b, &xml);
	i = 0;
	for (req = xmlFirstElementChild(xmlDocGetRootElement(doc));
	    req != NULL; req = xmlNextElementSibling(req), i++) {
		assert_true(i < CLR_BATCH_MAX);
		v = xmlGetProp(req, BAD_CAST "key");
		assert_string_equal((char *)v, b->req[i].key);
		xmlFree(v);
		/* Each key exactly once in the text. */
		assert_non_null(p = strstr(xml, b->req[i].key));
		assert_null(strstr(p + 1, b->req[i].key));
	}
	assert_int_equal(i, CLR_BATCH_MAX);
	xmlFreeDoc(doc);
	free(xml);
}

/* Markup characters in names are escaped and come back unchanged. */
static void
names_are_escaped_and_round_trip(void **state)
{
	static const struct {
		const char	*family;
		const char	*given;
	} t[] = {
		{ "MÜLLER & <SÖHNE>", "\"ANNA\" 'MARIA'" },
		{ "</familyName><x/>", "]]><![CDATA[" },
		{ "&amp; &lt; &#x41;", "a\tb\nc\rd" },
		{ "日本 ŞAHİN Ñ 😀", "" },
	};
	struct clr_batch	*b;
	xmlDocPtr		 doc;
	xmlNodePtr		 req;
	xmlChar			*v;
	char			*xml;
	size_t			 i;

	b = batch_new(2);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)strcpy(b->req[1].family_name, t[i].family);
		(void)strcpy(b->req[1].given_names, t[i].given);
		doc = batch_doc(b, &xml);
		if (i == 0) {
			assert_non_null(strstr(xml,
			    "MÜLLER &amp; &lt;SÖHNE&gt;"));
			assert_null(strstr(xml, "<SÖHNE>"));
		}
		req = xmlNextElementSibling(xmlFirstElementChild(
		    xmlDocGetRootElement(doc)));
		assert_non_null(req);
		assert_null(xmlNextElementSibling(req));
		v = child_text(req, "familyName");
		assert_string_equal((char *)v, t[i].family);
		xmlFree(v);
		v = child_text(req, "givenNames");
		assert_string_equal((char *)v, t[i].given);
		xmlFree(v);
		xmlFreeDoc(doc);
		free(xml);
	}
}

/* The schema counts characters: 100 of them in 400 bytes is valid. */
static void
longest_names_are_valid(void **state)
{
	struct clr_batch	*b;
	xmlDocPtr		 doc;
	char			*xml;
	size_t			 i;

	b = batch_new(1);
	b->req[0].family_name[0] = '\0';
	b->req[0].given_names[0] = '\0';
	for (i = 0; i < 100; i++) {
		strcat(b->req[0].family_name, "😀");	/* 4 bytes */
		strcat(b->req[0].given_names, "Ö");
	}
	assert_int_equal(strlen(b->req[0].family_name), 400);
	doc = batch_doc(b, &xml);
	xmlFreeDoc(doc);
	free(xml);
}

static void
batch_of_0_or_101_is_refused(void **state)
{
	struct clr_batch	*b;
	struct err		 err;
	char			*xml;
	size_t			 len;

	b = batch_new(CLR_BATCH_MAX);
	b->n = 0;
	xml = NULL;
	memset(&err, 0, sizeof(err));
	assert_int_equal(clr_batch_xml(b, SENT_AT, &xml, &len, &err), -1);
	assert_null(xml);
	assert_string_equal(err.msg, "clr: batch of 0 requests");
	b->n = CLR_BATCH_MAX + 1;
	memset(&err, 0, sizeof(err));
	assert_int_equal(clr_batch_xml(b, SENT_AT, &xml, &len, &err), -1);
	assert_null(xml);
	assert_string_equal(err.msg, "clr: batch of 101 requests");
}

/*
 * A name may hold any character the database allows, and PostgreSQL
 * text allows C0 controls that XML 1.0 cannot carry at all (not even as
 * a character reference).  clr_batch_xml() must never hand central a
 * document that is not XML: refuse (-1), or write a well-formed one.
 */
static void
batch_is_well_formed_or_refused(void **state)
{
	static const char *names[] = {
		"M\x01LLER", "ESC\x1b[31mRED", "BELL\x07", "NON\xef\xbf\xbe",
	};
	struct clr_batch	*b;
	struct err		 err;
	xmlDocPtr		 doc;
	char			*xml;
	size_t			 i, len;

	b = batch_new(2);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)strcpy(b->req[1].family_name, names[i]);
		memset(&err, 0, sizeof(err));
		if (clr_batch_xml(b, SENT_AT, &xml, &len, &err) == -1)
			continue;
		doc = xml_parse_untrusted(xml, len, &err);
		free(xml);
		if (doc == NULL)
			fail_msg("family name %zu: batch written, but %s", i,
			    err.msg);
		xmlFreeDoc(doc);
	}
}

struct icase {
	const char		*name;
	long			 status;
	const char		*retry_after;
	const char		*body;
	enum clr_outcome	 outcome;
	int			 retry;	/* expected retry_after */
	enum clr_verdict	 v[3];
	const char		*error;	/* in b->error, or NULL */
};

static const struct icase icases[] = {
	{ "in order", 200, NULL,
	    DOC(A(K1, "clear") HIT(K2) A(K3, "pending")),
	    CLR_OK, 0, { CLR_CLEAR, CLR_HIT, CLR_PENDING }, NULL },
	{ "any order", 200, NULL,
	    DOC(A(K3, "clear") HIT(K1) A(K2, "pending")),
	    CLR_OK, 0, { CLR_HIT, CLR_PENDING, CLR_CLEAR }, NULL },
	{ "other prefix, blanks and comments", 200, NULL,
	    "<c:clearanceAnswers xmlns:c=\"" CLR_NS "\" version=\"1\">\n"
	    "  <!-- two -->\n  <c:answer key=\"" K2 "\" result=\"hit\" " AT
	    "/>\n  <?pi x?>\n</c:clearanceAnswers>",
	    CLR_OK, 0, { CLR_NONE, CLR_HIT, CLR_NONE }, NULL },
	{ "a Retry-After with 200 means nothing", 200, "30",
	    DOC(A(K1, "clear")),
	    CLR_OK, 0, { CLR_CLEAR, CLR_NONE, CLR_NONE }, NULL },
	{ "one key unanswered", 200, NULL,
	    DOC(A(K1, "clear") A(K3, "hit")),
	    CLR_OK, 0, { CLR_CLEAR, CLR_NONE, CLR_HIT }, NULL },
	{ "no answers at all", 200, NULL, DOC(""),
	    CLR_OK, 0, { CLR_NONE, CLR_NONE, CLR_NONE }, NULL },
	{ "the same answer twice", 200, NULL,
	    DOC(HIT(K1) A(K2, "clear") HIT(K1)),
	    CLR_OK, 0, { CLR_HIT, CLR_CLEAR, CLR_NONE }, NULL },
	{ "schemaLocation is not followed", 200, NULL,
	    "<clearanceAnswers xmlns=\"" CLR_NS "\" version=\"1\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xsi:schemaLocation=\"" CLR_NS " http://127.0.0.1:1/x.xsd\">"
	    A(K1, "clear") "</clearanceAnswers>",
	    CLR_OK, 0, { CLR_CLEAR, CLR_NONE, CLR_NONE }, NULL },

	{ "a key not asked", 200, NULL,
	    DOC(A(K1, "clear") A(K2, "clear") A(KX, "clear")),
	    CLR_LINK, 0, { 0 }, "key not asked: " KX },
	{ "a key not asked, first", 200, NULL,
	    DOC(A(KX, "hit") A(K1, "clear")),
	    CLR_LINK, 0, { 0 }, "key not asked" },
	{ "two different answers", 200, NULL,
	    DOC(A(K1, "clear") A(K2, "clear") A(K1, "hit")),
	    CLR_LINK, 0, { 0 }, "two different answers for key " K1 },
	{ "two answers, other reason", 200, NULL,
	    DOC(HIT(K1) "<answer key=\"" K1 "\" result=\"hit\" "
	    "reference=\"W-2026-42\" reason=\"other\" " AT "/>"),
	    CLR_LINK, 0, { 0 }, "two different answers" },
	{ "two answers, other checkedAt", 200, NULL,
	    DOC(A(K1, "clear") "<answer key=\"" K1 "\" result=\"clear\" "
	    "checkedAt=\"2026-05-07T09:31:00Z\"/>"),
	    CLR_LINK, 0, { 0 }, "two different answers" },

	{ "empty body", 200, NULL, "", CLR_LINK, 0, { 0 }, "answer: " },
	{ "not XML", 200, NULL, "OK", CLR_LINK, 0, { 0 }, "not well-formed" },
	{ "HTML error page", 200, NULL,
	    "<html><body><h1>502 Bad Gateway</h1><hr/></body></html>",
	    CLR_LINK, 0, { 0 }, "schema" },
	{ "truncated", 200, NULL,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clearanceAnswers "
	    "xmlns=\"" CLR_NS "\" version=\"1\">" A(K1, "clear") "<answ",
	    CLR_LINK, 0, { 0 }, "not well-formed" },
	{ "unclosed root", 200, NULL,
	    "<clearanceAnswers xmlns=\"" CLR_NS "\" version=\"1\">"
	    A(K1, "clear"), CLR_LINK, 0, { 0 }, "not well-formed" },
	{ "result maybe", 200, NULL, DOC(A(K1, "maybe")),
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "no checkedAt", 200, NULL,
	    DOC("<answer key=\"" K1 "\" result=\"clear\"/>"),
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "checkedAt not a dateTime", 200, NULL,
	    DOC("<answer key=\"" K1 "\" result=\"clear\" "
	    "checkedAt=\"yesterday\"/>"),
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	/* The schema accepts these; PostgreSQL could not store them. */
	{ "checkedAt in the year -1", 200, NULL,
	    DOC(A(K1, "clear") "<answer key=\"" K2 "\" result=\"clear\" "
	    "checkedAt=\"-0001-01-01T00:00:00Z\"/>"),
	    CLR_LINK, 0, { 0 }, "impossible time: -0001" },
	{ "checkedAt in the year 99999999", 200, NULL,
	    DOC("<answer key=\"" K1 "\" result=\"clear\" "
	    "checkedAt=\"99999999-01-01T00:00:00Z\"/>"),
	    CLR_LINK, 0, { 0 }, "impossible time" },
	{ "checkedAt in the year 9999", 200, NULL,
	    DOC("<answer key=\"" K1 "\" result=\"clear\" "
	    "checkedAt=\"9999-01-01T00:00:00Z\"/>"),
	    CLR_LINK, 0, { 0 }, "impossible time: 9999" },
	{ "checkedAt before 2000", 200, NULL,
	    DOC("<answer key=\"" K1 "\" result=\"clear\" "
	    "checkedAt=\"1999-12-31T23:59:59Z\"/>"),
	    CLR_LINK, 0, { 0 }, "impossible time" },
	{ "wrong namespace", 200, NULL,
	    "<clearanceAnswers xmlns=\"urn:kitas:central:clearance:2\" "
	    "version=\"1\">" A(K1, "clear") "</clearanceAnswers>",
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "no namespace", 200, NULL,
	    "<clearanceAnswers version=\"1\">" A(K1, "clear")
	    "</clearanceAnswers>",
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "version 2", 200, NULL,
	    "<clearanceAnswers xmlns=\"" CLR_NS "\" version=\"2\">"
	    A(K1, "clear") "</clearanceAnswers>",
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "key in capitals", 200, NULL,
	    DOC(A("0000000A-0000-4000-8000-00000000000A", "clear")),
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "reference in lower case", 200, NULL,
	    DOC("<answer key=\"" K1 "\" result=\"hit\" reference=\"w-1\" "
	    AT "/>"), CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "an element the schema does not know", 200, NULL,
	    DOC(A(K1, "clear") "<note>x</note>"),
	    CLR_LINK, 0, { 0 }, "does not match the schema" },
	{ "a batch is not an answer", 200, NULL,
	    "<clearanceBatch xmlns=\"" CLR_NS "\" version=\"1\" "
	    "office=\"SMG\" sentAt=\"" SENT_AT "\"><request key=\"" K1 "\">"
	    "<caseRef>SMG-2026-000001-7</caseRef><passport>C0000001"
	    "</passport><nationality>DEU</nationality><familyName>X"
	    "</familyName><givenNames>Y</givenNames><birthDate>1980-01-31"
	    "</birthDate><permitKind>E33</permitKind></request>"
	    "</clearanceBatch>",
	    CLR_LINK, 0, { 0 }, "not clearanceAnswers" },
	{ "DOCTYPE", 200, NULL,
	    "<?xml version=\"1.0\"?><!DOCTYPE clearanceAnswers [<!ENTITY r "
	    "\"clear\">]><clearanceAnswers xmlns=\"" CLR_NS "\" version=\"1\">"
	    "<answer key=\"" K1 "\" result=\"&r;\" " AT "/>"
	    "</clearanceAnswers>",
	    CLR_LINK, 0, { 0 }, "a DOCTYPE is not allowed" },
	{ "XXE", 200, NULL,
	    "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM "
	    "\"file:///etc/passwd\">]><clearanceAnswers xmlns=\"" CLR_NS "\" "
	    "version=\"1\"><answer key=\"" K1 "\" result=\"hit\" "
	    "reason=\"&x;\" " AT "/></clearanceAnswers>",
	    CLR_LINK, 0, { 0 }, "a DOCTYPE is not allowed" },

	{ "429 Retry-After 30", 429, "30", "", CLR_THROTTLED, 30, { 0 },
	    "Retry-After 30" },
	{ "429 with a body of answers", 429, "30", DOC(A(K1, "clear")),
	    CLR_THROTTLED, 30, { 0 }, NULL },
	{ "429 Retry-After with blanks", 429, " 7\r\n", "", CLR_THROTTLED, 7,
	    { 0 }, NULL },
	{ "429 without Retry-After", 429, NULL, "", CLR_THROTTLED, 1, { 0 },
	    NULL },
	{ "429 Retry-After empty", 429, "", "", CLR_THROTTLED, 1, { 0 }, NULL },
	{ "429 Retry-After a date", 429, "Wed, 21 Oct 2026 07:28:00 GMT", "",
	    CLR_THROTTLED, 1, { 0 }, NULL },
	{ "429 Retry-After negative", 429, "-5", "", CLR_THROTTLED, 1, { 0 },
	    NULL },
	{ "429 Retry-After 3600", 429, "3600", "", CLR_THROTTLED, 3600, { 0 },
	    NULL },
	{ "429 Retry-After 3601", 429, "3601", "", CLR_THROTTLED, 3600, { 0 },
	    NULL },
	{ "429 Retry-After huge", 429, "99999999999999999999999", "",
	    CLR_THROTTLED, 3600, { 0 }, NULL },
	{ "503 Retry-After 30", 503, "30", "", CLR_THROTTLED, 30, { 0 },
	    "HTTP 503" },
	{ "503 Retry-After huge", 503, "86400", "", CLR_THROTTLED, 3600,
	    { 0 }, NULL },
	{ "503 without Retry-After", 503, NULL, "", CLR_LINK, 0, { 0 },
	    "HTTP 503" },
	{ "503 Retry-After a date", 503, "Wed, 21 Oct 2026 07:28:00 GMT", "",
	    CLR_LINK, 0, { 0 }, NULL },
	{ "500", 500, NULL, DOC(A(K1, "clear")), CLR_LINK, 0, { 0 },
	    "HTTP 500" },
	{ "502", 502, "30", "", CLR_LINK, 0, { 0 }, "HTTP 502" },
	{ "404", 404, NULL, "", CLR_LINK, 0, { 0 }, "HTTP 404" },
	{ "201", 201, NULL, DOC(A(K1, "clear")), CLR_LINK, 0, { 0 }, NULL },
	{ "204", 204, NULL, "", CLR_LINK, 0, { 0 }, NULL },
	{ "301", 301, NULL, "", CLR_LINK, 0, { 0 }, NULL },
	{ "no status", 0, NULL, "", CLR_LINK, 0, { 0 }, NULL },
	{ "400", 400, NULL, "", CLR_REJECTED, 0, { 0 }, "HTTP 400" },
	{ "413", 413, NULL, "", CLR_REJECTED, 0, { 0 }, "HTTP 413" },
	{ "415", 415, NULL, "", CLR_REJECTED, 0, { 0 }, "HTTP 415" },
	{ "422", 422, "30", DOC(A(K1, "clear")), CLR_REJECTED, 0, { 0 },
	    "HTTP 422" },
};

static void
interpret_every_kind_of_answer(void **state)
{
	const struct icase	*c;
	struct clr_batch	*b;
	size_t			 i, k;

	b = batch_new(3);
	for (i = 0; i < sizeof(icases) / sizeof(icases[0]); i++) {
		c = &icases[i];
		batch_dirty(b);
		b->retry_after = 99;
		(void)strcpy(b->error, "stale");
		clr_interpret(&conf, b, c->status, c->retry_after, c->body,
		    strlen(c->body));
		if (b->outcome != c->outcome)
			fail_msg("%s: %s (%s), expected %s", c->name,
			    clr_outcome_name(b->outcome), b->error,
			    clr_outcome_name(c->outcome));
		if (b->retry_after != c->retry)
			fail_msg("%s: retry_after %d, expected %d", c->name,
			    b->retry_after, c->retry);
		if (b->status != c->status)
			fail_msg("%s: status %ld", c->name, b->status);
		if (c->error != NULL && strstr(b->error, c->error) == NULL)
			fail_msg("%s: error \"%s\", expected \"%s\"", c->name,
			    b->error, c->error);
		if (c->outcome != CLR_OK) {
			if (b->error[0] == '\0' ||
			    strcmp(b->error, "stale") == 0)
				fail_msg("%s: no error", c->name);
			assert_no_verdicts(b);
			continue;
		}
		if (b->error[0] != '\0')
			fail_msg("%s: error \"%s\" with ok", c->name,
			    b->error);
		for (k = 0; k < 3; k++) {
			if (b->ans[k].verdict != c->v[k])
				fail_msg("%s: ans[%zu] %s, expected %s",
				    c->name, k,
				    clr_verdict_name(b->ans[k].verdict),
				    clr_verdict_name(c->v[k]));
			/* Nothing left over from the earlier round. */
			if (c->v[k] == CLR_NONE &&
			    b->ans[k].reference[0] != '\0')
				fail_msg("%s: ans[%zu] kept a reference",
				    c->name, k);
		}
	}
}

/* A hit keeps reference, reason and checkedAt, decoded. */
static void
interpret_keeps_what_a_hit_says(void **state)
{
	const char		*body = DOC(A(K1, "clear") HIT(K2)
	    "<answer key=\"" K3 "\" result=\"pending\" "
	    "checkedAt=\"2026-05-07T16:30:00.250+07:00\"/>");
	struct clr_batch	*b;

	b = batch_new(3);
	clr_interpret(&conf, b, 200, NULL, body, strlen(body));
	assert_int_equal(b->outcome, CLR_OK);
	assert_int_equal(b->status, 200);
	assert_int_equal(b->ans[1].verdict, CLR_HIT);
	assert_string_equal(b->ans[1].reference, "W-2026-42");
	assert_string_equal(b->ans[1].reason, "name & birth date match");
	assert_string_equal(b->ans[1].checked_at, "2026-05-07T09:30:00Z");
	assert_int_equal(b->ans[0].verdict, CLR_CLEAR);
	assert_string_equal(b->ans[0].reference, "");
	assert_string_equal(b->ans[0].reason, "");
	assert_int_equal(b->ans[2].verdict, CLR_PENDING);
	assert_string_equal(b->ans[2].checked_at,
	    "2026-05-07T16:30:00.250+07:00");
}

/* The longest reason the schema allows (500 characters) fits whole. */
static void
interpret_keeps_the_longest_reason(void **state)
{
	struct clr_batch	*b;
	char			*body, reason[2004];
	size_t			 i;

	reason[0] = '\0';
	for (i = 0; i < 500; i++)
		strcat(reason, "😀");
	assert_non_null(body = malloc(4096));
	(void)snprintf(body, 4096, DOC("<answer key=\"" K1 "\" result=\"hit\" "
	    "reference=\"%s\" reason=\"%s\" " AT "/>"),
	    "ABCDEFGHIJ-ABCDEFGHIJ-ABCDEFGHIJ-ABCDEFG", reason);
	b = batch_new(1);
	clr_interpret(&conf, b, 200, NULL, body, strlen(body));
	assert_int_equal(b->outcome, CLR_OK);
	assert_string_equal(b->ans[0].reason, reason);
	assert_string_equal(b->ans[0].reference,
	    "ABCDEFGHIJ-ABCDEFGHIJ-ABCDEFGHIJ-ABCDEFG");

	/* One character more is not the protocol. */
	strcat(reason, "x");
	(void)snprintf(body, 4096, DOC("<answer key=\"" K1 "\" result=\"hit\" "
	    "reason=\"%s\" " AT "/>"), reason);
	clr_interpret(&conf, b, 200, NULL, body, strlen(body));
	assert_int_equal(b->outcome, CLR_LINK);
	assert_no_verdicts(b);
	free(body);
}

/*
 * checkedAt is an xs:dateTime, with any number of fraction digits.  What
 * the schema accepts must reach clr_report() whole, or the answer be
 * refused: a value cut short loses its time zone, and PostgreSQL then
 * reads it in the session's zone (09:30Z becomes 09:30+07 in Jakarta).
 */
static void
interpret_keeps_checked_at_whole(void **state)
{
	static const char *t[] = {
		"2026-05-07T09:30:00.000000000000000000000000Z",
		"2026-05-07T16:30:00.123456789012345678901+07:00",
	};
	struct clr_batch	*b;
	char			 body[1024];
	size_t			 i;

	b = batch_new(1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(body, sizeof(body), DOC("<answer key=\"" K1
		    "\" result=\"clear\" checkedAt=\"%s\"/>"), t[i]);
		clr_interpret(&conf, b, 200, NULL, body, strlen(body));
		if (b->outcome != CLR_OK)
			continue;	/* refused: fine */
		if (strcmp(b->ans[0].checked_at, t[i]) != 0)
			fail_msg("checkedAt \"%s\" kept as \"%s\"", t[i],
			    b->ans[0].checked_at);
	}
}

/* 100 answers in a scrambled order each reach their own request. */
static void
interpret_matches_a_hundred_answers_by_key(void **state)
{
	static const char	*results[] = { "clear", "hit", "pending" };
	static const enum clr_verdict verdicts[] = { CLR_CLEAR, CLR_HIT,
	    CLR_PENDING };
	struct clr_batch	*b;
	char			*body, *p;
	size_t			 i, j, n;

	b = batch_new(CLR_BATCH_MAX);
	assert_non_null(body = malloc(32 * 1024));
	p = body + sprintf(body, "<clearanceAnswers xmlns=\"" CLR_NS "\" "
	    "version=\"1\">\n");
	for (n = 0; n < CLR_BATCH_MAX; n++) {
		/* 37 is prime to 100: every key once, scrambled. */
		j = (n * 37 + 11) % CLR_BATCH_MAX;
		if (j == 50)
			continue;		/* left unanswered */
		p += sprintf(p, "<answer key=\"%s\" result=\"%s\" " AT "/>\n",
		    b->req[j].key, results[j % 3]);
	}
	(void)strcpy(p, "</clearanceAnswers>\n");
	clr_interpret(&conf, b, 200, NULL, body, strlen(body));
	assert_int_equal(b->outcome, CLR_OK);
	for (i = 0; i < CLR_BATCH_MAX; i++)
		assert_int_equal(b->ans[i].verdict,
		    i == 50 ? CLR_NONE : verdicts[i % 3]);
	free(body);
}

static void
send_to_a_closed_port_is_a_link_fault(void **state)
{
	struct clr_batch	*b;

	b = batch_new(2);
	batch_dirty(b);
	clr_send(&conf, b);
	assert_int_equal(b->outcome, CLR_LINK);
	assert_no_verdicts(b);
	assert_true(b->error[0] != '\0');
	/* libcurl's words for it ("Couldn't connect to server"). */
	if (strcmp(b->error, curl_easy_strerror(CURLE_COULDNT_CONNECT)) != 0 &&
	    strcmp(b->error, curl_easy_strerror(CURLE_OPERATION_TIMEDOUT)) != 0)
		fail_msg("error \"%s\"", b->error);
	assert_int_equal(b->status, 0);
}

/*
 * The dispatcher keeps one batch and sends it again and again: what an
 * earlier round left (a 429 and its Retry-After) is not this round's.
 * clr.h: status is "HTTP status, 0 if none".
 */
static void
send_failure_forgets_the_previous_round(void **state)
{
	struct clr_batch	*b;

	b = batch_new(2);
	clr_interpret(&conf, b, 429, "30", "", 0);
	assert_int_equal(b->status, 429);
	clr_send(&conf, b);
	assert_int_equal(b->outcome, CLR_LINK);
	if (b->status != 0 || b->retry_after != 0)
		fail_msg("after a connect failure: status %ld, retry_after %d",
		    b->status, b->retry_after);
}

/* A tiny HTTP/1.1 server for one exchange, in a thread. */
struct srv {
	int		 fd;
	int		 port;
	pthread_t	 thread;
	const char	*head;		/* status line and headers */
	const char	*body;
	size_t		 len;
	int		 hang;		/* read, never answer */
	char		 req[64 * 1024];	/* the request */
	size_t		 reqlen;
};

static void *
srv_main(void *arg)
{
	struct srv	*s = arg;
	char		 hdr[256], *end, *cl;
	size_t		 want, off;
	ssize_t		 r;
	int		 c;

	if ((c = accept(s->fd, NULL, NULL)) == -1)
		return (NULL);
	want = 0;
	for (;;) {
		if ((r = recv(c, s->req + s->reqlen, sizeof(s->req) - 1 -
		    s->reqlen, 0)) <= 0)
			break;
		s->reqlen += (size_t)r;
		s->req[s->reqlen] = '\0';
		if ((end = strstr(s->req, "\r\n\r\n")) == NULL)
			continue;
		if (want == 0) {
			want = (size_t)(end + 4 - s->req);
			if ((cl = strcasestr(s->req, "\r\nContent-Length:")) !=
			    NULL && cl < end)
				want += strtoul(cl + 17, NULL, 10);
		}
		if (s->reqlen >= want)
			break;
	}
	if (s->hang) {
		/* Until the client gives up and closes. */
		while (recv(c, hdr, sizeof(hdr), 0) > 0)
			;
	} else {
		(void)snprintf(hdr, sizeof(hdr), "%sContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n", s->head, s->len);
		(void)send(c, hdr, strlen(hdr), MSG_NOSIGNAL);
		for (off = 0; off < s->len; off += (size_t)r) {
			r = send(c, s->body + off, s->len - off, MSG_NOSIGNAL);
			if (r <= 0)
				break;
		}
		shutdown(c, SHUT_WR);
		while (recv(c, hdr, sizeof(hdr), 0) > 0)
			;
	}
	close(c);
	return (NULL);
}

static void
srv_start(struct srv *s)
{
	struct sockaddr_in	sin;
	socklen_t		slen;
	int			one = 1;

	s->reqlen = 0;
	assert_true((s->fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	(void)setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s->fd, 1), 0);
	slen = sizeof(sin);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sin, &slen),
	    0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void
srv_stop(struct srv *s)
{
	/* Wakes accept() if the client never came. */
	(void)shutdown(s->fd, SHUT_RDWR);
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	close(s->fd);
}

/* clr_send() of b to the server s, for one exchange. */
static void
send_to(struct srv *s, struct clr_batch *b, long timeout_ms)
{
	struct clr_conf	c = conf;
	char		url[128];

	srv_start(s);
	(void)snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/clearance/v1/batch", s->port);
	c.url = url;
	c.timeout_ms = timeout_ms;
	clr_send(&c, b);
	srv_stop(s);
}

static void
send_posts_a_batch_and_reads_answers(void **state)
{
	const char		*answer = DOC(A(K2, "clear") HIT(K1)
	    A(K3, "pending"));
	struct clr_batch	*b;
	struct srv		 s;
	struct err		 err;
	xmlDocPtr		 doc;
	char			*body;

	memset(&s, 0, sizeof(s));
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n";
	s.body = answer;
	s.len = strlen(answer);
	b = batch_new(3);
	batch_dirty(b);
	(void)strcpy(b->req[2].family_name, "MÜLLER & <SÖHNE>");
	send_to(&s, b, 5000);
	if (b->outcome != CLR_OK)
		fail_msg("%s: %s", clr_outcome_name(b->outcome), b->error);
	assert_int_equal(b->status, 200);
	assert_int_equal(b->ans[0].verdict, CLR_HIT);
	assert_int_equal(b->ans[1].verdict, CLR_CLEAR);
	assert_int_equal(b->ans[2].verdict, CLR_PENDING);

	/* What went over the wire. */
	assert_true(strncmp(s.req, "POST /clearance/v1/batch HTTP/1.1\r\n",
	    35) == 0);
	assert_non_null(strcasestr(s.req, "\r\nContent-Type: "
	    "application/xml\r\n"));
	assert_non_null(body = strstr(s.req, "\r\n\r\n"));
	body += 4;
	doc = xml_parse_untrusted(body, s.reqlen - (size_t)(body - s.req),
	    &err);
	if (doc == NULL)
		fail_msg("sent: %s", err.msg);
	if (xml_validate(schema, doc, &err) == -1)
		fail_msg("sent: %s", err.msg);
	xmlFreeDoc(doc);
	assert_non_null(strstr(body, K1));
	assert_non_null(strstr(body, K2));
	assert_non_null(strstr(body, K3));
	assert_non_null(strstr(body, "MÜLLER &amp; &lt;SÖHNE&gt;"));
}

/* Retry-After as libcurl hands it over: any case, blanks, CRLF. */
static void
send_reads_retry_after_from_the_header(void **state)
{
	static const struct {
		const char	*head;
		int		 retry;
	} t[] = {
		{ "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\n", 30 },
		{ "HTTP/1.1 503 Service Unavailable\r\nretry-after:7\r\n", 7 },
		{ "HTTP/1.1 429 Too Many Requests\r\nRETRY-AFTER:   "
		    "86400\r\n", 3600 },
		{ "HTTP/1.1 429 Too Many Requests\r\n", 1 },
	};
	struct clr_batch	*b;
	struct srv		 s;
	size_t			 i;

	b = batch_new(2);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.head = t[i].head;
		s.body = "";
		batch_dirty(b);
		send_to(&s, b, 5000);
		if (b->outcome != CLR_THROTTLED)
			fail_msg("%zu: %s: %s", i, clr_outcome_name(b->outcome),
			    b->error);
		assert_int_equal(b->retry_after, t[i].retry);
		assert_no_verdicts(b);
	}
	/* 503 without Retry-After: the link, not back-pressure. */
	memset(&s, 0, sizeof(s));
	s.head = "HTTP/1.1 503 Service Unavailable\r\n";
	s.body = "";
	send_to(&s, b, 5000);
	assert_int_equal(b->outcome, CLR_LINK);
	assert_int_equal(b->status, 503);
}

static void
send_refuses_an_answer_too_large(void **state)
{
	struct clr_batch	*b;
	struct srv		 s;
	char			*big;

	assert_non_null(big = malloc(XML_BODY_MAX + 1));
	memset(big, ' ', XML_BODY_MAX + 1);
	memcpy(big, DOC(""), strlen(DOC("")));
	memset(&s, 0, sizeof(s));
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n";
	s.body = big;
	s.len = XML_BODY_MAX + 1;
	b = batch_new(1);
	batch_dirty(b);
	send_to(&s, b, 5000);
	assert_int_equal(b->outcome, CLR_LINK);
	assert_non_null(strstr(b->error, "(answer too large)"));
	assert_no_verdicts(b);
	free(big);
}

static void
send_gives_up_after_the_timeout(void **state)
{
	struct clr_batch	*b;
	struct srv		 s;
	struct timeval		 t0, t1;
	long			 ms;

	memset(&s, 0, sizeof(s));
	s.hang = 1;
	b = batch_new(1);
	batch_dirty(b);
	gettimeofday(&t0, NULL);
	send_to(&s, b, 300);
	gettimeofday(&t1, NULL);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	assert_int_equal(b->outcome, CLR_LINK);
	assert_string_equal(b->error,
	    curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
	assert_no_verdicts(b);
	assert_true(ms >= 250 && ms < 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_of_verdicts_and_outcomes),
		cmocka_unit_test(one_request_batch_is_valid),
		cmocka_unit_test(hundred_requests_carry_every_key),
		cmocka_unit_test(names_are_escaped_and_round_trip),
		cmocka_unit_test(longest_names_are_valid),
		cmocka_unit_test(batch_of_0_or_101_is_refused),
		cmocka_unit_test(batch_is_well_formed_or_refused),
		cmocka_unit_test(interpret_every_kind_of_answer),
		cmocka_unit_test(interpret_keeps_what_a_hit_says),
		cmocka_unit_test(interpret_keeps_the_longest_reason),
		cmocka_unit_test(interpret_keeps_checked_at_whole),
		cmocka_unit_test(interpret_matches_a_hundred_answers_by_key),
		cmocka_unit_test(send_to_a_closed_port_is_a_link_fault),
		cmocka_unit_test(send_failure_forgets_the_previous_round),
		cmocka_unit_test(send_posts_a_batch_and_reads_answers),
		cmocka_unit_test(send_reads_retry_after_from_the_header),
		cmocka_unit_test(send_refuses_an_answer_too_large),
		cmocka_unit_test(send_gives_up_after_the_timeout),
	};

	return (cmocka_run_group_tests_name("clr", tests, setup, teardown));
}
