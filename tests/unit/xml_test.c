/*
 * Untrusted XML (src/xml.c): no DOCTYPE, no entities, no XInclude, no
 * files outside assets/, bounded size and depth; then the XSD.  The
 * hostile corpus is in tests/vectors/xml/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "xml.h"

#define VECTORS		"tests/vectors/xml/"
#define SCHEMA		"assets/schemas/central-clearance-1.xsd"
#define NS		"urn:kitas:central:clearance:1"
#define KEY1		"00000001-0000-4000-8000-000000000001"
#define DOCTYPE_ERR	"a DOCTYPE is not allowed"

static xmlSchemaPtr	schema;

static int
setup(void **state)
{
	struct err	err;

	xml_init("assets");
	if ((schema = xml_schema_load(SCHEMA, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	xmlSchemaFree(schema);
	return (0);
}

/*
 * Parse exactly len bytes from a buffer of exactly that size (no NUL
 * after it), so that ASan sees any read past the end.
 */
static xmlDocPtr
parse(const char *s, size_t len, struct err *err)
{
	xmlDocPtr	 doc;
	char		*copy;

	assert_non_null(copy = malloc(len > 0 ? len : 1));
	memcpy(copy, s, len);
	memset(err, 0, sizeof(*err));
	doc = xml_parse_untrusted(copy, len, err);
	free(copy);
	return (doc);
}

static xmlDocPtr
parse_str(const char *s, struct err *err)
{
	return (parse(s, strlen(s), err));
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) > 0);
	rewind(fp);
	assert_non_null(buf = malloc((size_t)n));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return (buf);
}

/* "<a><a>...</a></a>", depth elements deep, the innermost with text. */
static char *
nested(int depth, size_t *len)
{
	char	*s, *p;
	int	 i;

	assert_non_null(s = malloc((size_t)depth * 7 + 2));
	p = s;
	for (i = 0; i < depth; i++) {
		memcpy(p, "<a>", 3);
		p += 3;
	}
	*p++ = 'x';
	for (i = 0; i < depth; i++) {
		memcpy(p, "</a>", 4);
		p += 4;
	}
	*len = (size_t)(p - s);
	return (s);
}

static void
well_formed_document_parses(void **state)
{
	const char	*s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!-- a comment -->\n"
	    "<c:root xmlns:c=\"" NS "\" a=\"1 &amp; 2\">\n"
	    "  <c:item>&lt;&amp;&gt;&quot;&apos;&#x41;&#66;</c:item>\n"
	    "  <c:item><![CDATA[<not markup>]]></c:item>\n"
	    "  <?pi data?>\n"
	    "  <c:item>MÜLLER ŞMG 日本</c:item>\n"
	    "</c:root>\n";
	struct err	 err;
	xmlDocPtr	 doc;
	xmlNodePtr	 root, n;
	xmlChar		*v;
	int		 items;

	assert_non_null(doc = parse_str(s, &err));
	assert_non_null(root = xmlDocGetRootElement(doc));
	assert_string_equal((char *)root->name, "root");
	assert_non_null(root->ns);
	assert_string_equal((char *)root->ns->href, NS);
	v = xmlGetProp(root, BAD_CAST "a");
	assert_string_equal((char *)v, "1 & 2");
	xmlFree(v);
	items = 0;
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		v = xmlNodeGetContent(n);
		switch (items++) {
		case 0:
			assert_string_equal((char *)v, "<&>\"'AB");
			break;
		case 1:
			assert_string_equal((char *)v, "<not markup>");
			break;
		default:
			assert_string_equal((char *)v, "MÜLLER ŞMG 日本");
			break;
		}
		xmlFree(v);
	}
	assert_int_equal(items, 3);
	xmlFreeDoc(doc);

	/* No XML declaration, a lone empty root: still a document. */
	assert_non_null(doc = parse_str("<r/>", &err));
	xmlFreeDoc(doc);
}

/* Every file of the corpus is refused, for the reason expected. */
static void
hostile_corpus_is_refused(void **state)
{
	static const struct {
		const char	*file;
		const char	*err;
	} t[] = {
		{ "doctype-internal.xml",	DOCTYPE_ERR },
		{ "doctype-system-file.xml",	DOCTYPE_ERR },
		{ "doctype-public.xml",		DOCTYPE_ERR },
		{ "doctype-assets-file.xml",	DOCTYPE_ERR },
		{ "xxe-system-file.xml",	DOCTYPE_ERR },
		{ "parameter-entity.xml",	DOCTYPE_ERR },
		{ "billion-laughs.xml",		DOCTYPE_ERR },
		{ "doctype-utf16.xml",		DOCTYPE_ERR },
		{ "doctype-answer.xml",		DOCTYPE_ERR },
		{ "undeclared-entity.xml",
		    "not well-formed XML (line 2)" },
	};
	struct err	 err;
	xmlDocPtr	 doc;
	char		 path[256], *buf;
	size_t		 i, len;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(path, sizeof(path), VECTORS "%s", t[i].file);
		buf = slurp(path, &len);
		doc = parse(buf, len, &err);
		free(buf);
		if (doc != NULL) {
			xmlFreeDoc(doc);
			fail_msg("%s: accepted", t[i].file);
		}
		if (strcmp(err.msg, t[i].err) != 0)
			fail_msg("%s: \"%s\", expected \"%s\"", t[i].file,
			    err.msg, t[i].err);
	}
}

/* Any DOCTYPE at all, however small or wherever it points. */
static void
any_doctype_is_refused(void **state)
{
	static const char *t[] = {
		"<!DOCTYPE r><r/>",
		"<!DOCTYPE r []><r/>",
		"<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"x.dtd\"><r/>",
		"<?xml version=\"1.0\" standalone=\"yes\"?>"
		    "<!DOCTYPE r [<!ATTLIST r a CDATA \"injected\">]><r/>",
		"<!-- c --><?pi?>\n<!DOCTYPE r SYSTEM "
		    "\"http://127.0.0.1:1/x.dtd\"><r/>",
		"<!DOCTYPE r PUBLIC \"-//X//Y//EN\" "
		    "\"ftp://127.0.0.1:1/x.dtd\"><r/>",
		"<!DOCTYPE r [<!ENTITY e SYSTEM \"" VECTORS "xinclude.xml\">]>"
		    "<r>&e;</r>",
		"<!DOCTYPE r [<!ENTITY e SYSTEM \"/etc/hostname\">]><r>&e;</r>",
		"<!DOCTYPE r [<!ENTITY e SYSTEM \"assets/schemas/"
		    "central-clearance-1.xsd\">]><r>&e;</r>",
		/* A DOCTYPE that is itself broken is still a DOCTYPE. */
		"<!DOCTYPE r [<!ENTITY e \"unterminated>]><r/>",
	};
	struct err	err;
	xmlDocPtr	doc;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((doc = parse_str(t[i], &err)) != NULL) {
			xmlFreeDoc(doc);
			fail_msg("accepted: %s", t[i]);
		}
		if (strcmp(err.msg, DOCTYPE_ERR) != 0)
			fail_msg("%s: \"%s\"", t[i], err.msg);
	}
}

/* One big internal entity used many times: refused before expansion. */
static void
quadratic_blowup_is_refused(void **state)
{
	const size_t	 entity = 64 * 1024, refs = 10000;
	struct err	 err;
	xmlDocPtr	 doc;
	char		*s, *p;
	size_t		 i;

	assert_non_null(s = malloc(entity + refs * 3 + 128));
	p = s + sprintf(s, "<!DOCTYPE r [<!ENTITY a \"");
	memset(p, 'a', entity);
	p += entity;
	p += sprintf(p, "\">]><r>");
	for (i = 0; i < refs; i++) {
		memcpy(p, "&a;", 3);
		p += 3;
	}
	p += sprintf(p, "</r>");
	assert_true((size_t)(p - s) <= XML_BODY_MAX);
	doc = parse(s, (size_t)(p - s), &err);
	free(s);
	assert_null(doc);
	assert_string_equal(err.msg, DOCTYPE_ERR);
}

/* Without a DTD an entity reference is an error, never a lookup. */
static void
undeclared_entity_is_not_well_formed(void **state)
{
	static const char *t[] = {
		"<r>&xxe;</r>",
		"<r a=\"&xxe;\"/>",
		"<r>&amp;&xxe;</r>",
		"<r>%xxe;&#0;</r>",
	};
	struct err	err;
	xmlDocPtr	doc;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((doc = parse_str(t[i], &err)) != NULL) {
			xmlFreeDoc(doc);
			fail_msg("accepted: %s", t[i]);
		}
		assert_non_null(strstr(err.msg, "not well-formed XML"));
	}
}

/* XInclude is not processed: the element stays, nothing is read. */
static void
xinclude_is_not_processed(void **state)
{
	struct err	 err;
	xmlDocPtr	 doc;
	xmlNodePtr	 root, n;
	xmlChar		*all;
	char		*buf;
	size_t		 len;
	int		 includes;

	assert_int_equal(access("/etc/passwd", R_OK), 0);
	buf = slurp(VECTORS "xinclude.xml", &len);
	doc = parse(buf, len, &err);
	free(buf);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	includes = 0;
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		assert_string_equal((char *)n->name, "include");
		assert_non_null(n->ns);
		assert_string_equal((char *)n->ns->href,
		    "http://www.w3.org/2001/XInclude");
		assert_null(n->children);
		includes++;
	}
	assert_int_equal(includes, 2);
	all = xmlNodeGetContent(root);
	assert_null(strstr((char *)all, "root:"));
	assert_null(strstr((char *)all, "xs:schema"));
	xmlFree(all);
	xmlFreeDoc(doc);
}

/* Nesting of exactly XML_DEPTH_MAX elements is allowed. */
static void
depth_at_the_limit_is_accepted(void **state)
{
	struct err	 err;
	xmlDocPtr	 doc;
	char		*s;
	size_t		 len;

	s = nested(XML_DEPTH_MAX - 1, &len);
	doc = parse(s, len, &err);
	free(s);
	if (doc == NULL)
		fail_msg("depth %d: %s", XML_DEPTH_MAX - 1, err.msg);
	xmlFreeDoc(doc);

	s = nested(XML_DEPTH_MAX, &len);
	doc = parse(s, len, &err);
	free(s);
	if (doc == NULL)
		fail_msg("depth %d (XML_DEPTH_MAX): %s", XML_DEPTH_MAX,
		    err.msg);
	xmlFreeDoc(doc);

	/* Empty innermost element: the same. */
	assert_non_null(s = malloc((size_t)XML_DEPTH_MAX * 7 + 8));
	s[0] = '\0';
	for (len = 0; len < XML_DEPTH_MAX - 1; len++)
		strcat(s, "<a>");
	strcat(s, "<a/>");
	for (len = 0; len < XML_DEPTH_MAX - 1; len++)
		strcat(s, "</a>");
	doc = parse_str(s, &err);
	free(s);
	if (doc == NULL)
		fail_msg("depth %d, empty leaf: %s", XML_DEPTH_MAX, err.msg);
	xmlFreeDoc(doc);
}

static void
depth_beyond_the_limit_is_refused(void **state)
{
	const int	 depths[] = { XML_DEPTH_MAX + 1, XML_DEPTH_MAX + 2,
	    300, 20000 };
	struct err	 err;
	xmlDocPtr	 doc;
	char		*s;
	size_t		 i, len;

	for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		s = nested(depths[i], &len);
		doc = parse(s, len, &err);
		free(s);
		if (doc != NULL) {
			xmlFreeDoc(doc);
			fail_msg("depth %d accepted", depths[i]);
		}
		/* Past libxml2's own limit the parser says so first. */
		if (depths[i] < 256)
			assert_string_equal(err.msg,
			    "nested deeper than 32 elements");
	}
}

static void
empty_and_oversized_bodies_are_refused(void **state)
{
	struct err	 err;
	char		*s;

	memset(&err, 0, sizeof(err));
	assert_null(xml_parse_untrusted("<r/>", 0, &err));
	assert_string_equal(err.msg, "body is empty or larger than 1048576 "
	    "bytes");

	/* One byte over the limit; the length is refused before parsing. */
	assert_non_null(s = malloc(XML_BODY_MAX + 1));
	memset(s, ' ', XML_BODY_MAX + 1);
	memcpy(s, "<r/>", 4);
	memset(&err, 0, sizeof(err));
	assert_null(xml_parse_untrusted(s, XML_BODY_MAX + 1, &err));
	assert_string_equal(err.msg, "body is empty or larger than 1048576 "
	    "bytes");
	free(s);

	/* Blanks only, and a lone byte, are bodies but not documents. */
	assert_null(parse_str("   \n", &err));
	assert_non_null(strstr(err.msg, "not well-formed XML"));
	assert_null(parse_str("<", &err));
	assert_non_null(strstr(err.msg, "not well-formed XML"));
}

static void
body_of_exactly_the_limit_is_accepted(void **state)
{
	struct err	 err;
	xmlDocPtr	 doc;
	xmlChar		*v;
	char		*s;

	assert_non_null(s = malloc(XML_BODY_MAX));
	memset(s, 'x', XML_BODY_MAX);
	memcpy(s, "<r>", 3);
	memcpy(s + XML_BODY_MAX - 4, "</r>", 4);
	doc = parse(s, XML_BODY_MAX, &err);
	free(s);
	if (doc == NULL)
		fail_msg("%s", err.msg);
	v = xmlNodeGetContent(xmlDocGetRootElement(doc));
	assert_int_equal(strlen((char *)v), XML_BODY_MAX - 7);
	xmlFree(v);
	xmlFreeDoc(doc);
}

/* Every proper prefix of a document is refused (and read in bounds). */
static void
truncated_documents_are_refused(void **state)
{
	const char	*s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<clearanceAnswers xmlns=\"" NS "\" version=\"1\">"
	    "<answer key=\"" KEY1 "\" result=\"hit\" reference=\"W-1\" "
	    "reason=\"MÜLLER &amp; SÖHNE\" checkedAt=\"2026-05-07T09:30:00Z\"/>"
	    "<!-- end --><![CDATA[]]></clearanceAnswers>";
	struct err	 err;
	xmlDocPtr	 doc;
	size_t		 len;

	for (len = 1; len < strlen(s); len++) {
		if ((doc = parse(s, len, &err)) != NULL) {
			xmlFreeDoc(doc);
			fail_msg("prefix of %zu bytes accepted", len);
		}
		assert_non_null(strstr(err.msg, "not well-formed XML"));
	}
	assert_non_null(doc = parse(s, len, &err));
	xmlFreeDoc(doc);
}

static void
invalid_encoding_is_refused(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} t[] = {
#define T(s)	{ s, sizeof(s) - 1 }
		T("<?xml version=\"1.0\" encoding=\"UTF-8\"?><r>\xff\xfe</r>"),
		T("<?xml version=\"1.0\" encoding=\"UTF-8\"?><r a=\"\xc3\"/>"),
		T("<r>M\xc3\x28LLER</r>"),		/* bad continuation */
		T("<r>\xc0\xbc</r>"),			/* overlong '<' */
		T("<r>\xed\xa0\x80</r>"),		/* a surrogate */
		T("<r>\xf4\x90\x80\x80</r>"),		/* past U+10FFFF */
		T("<r>\x01</r>"),			/* not an XML Char */
		T("<r>a\0b</r>"),			/* a NUL inside */
		T("<r>\xc3"),			/* cut in a character */
		T("<?xml version=\"1.0\" encoding=\"no-such-charset\"?><r/>"),
#undef T
	};
	struct err	err;
	xmlDocPtr	doc;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((doc = parse(t[i].s, t[i].len, &err)) != NULL) {
			xmlFreeDoc(doc);
			fail_msg("case %zu accepted", i);
		}
		assert_non_null(strstr(err.msg, "not well-formed XML"));
	}
}

/*
 * A 512 KiB attribute is within the body limit and well-formed, so it
 * parses; the protocol's schema then refuses it (reason: 500 at most).
 */
static void
huge_attribute_parses_but_fails_the_schema(void **state)
{
	const size_t	 big = 512 * 1024;
	struct err	 err;
	xmlDocPtr	 doc;
	xmlChar		*v;
	char		*s, *p;

	assert_non_null(s = malloc(big + 512));
	p = s + sprintf(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<clearanceAnswers xmlns=\"" NS "\" version=\"1\">\n"
	    "<answer key=\"" KEY1 "\" result=\"hit\" reference=\"W-1\" "
	    "checkedAt=\"2026-05-07T09:30:00Z\" reason=\"");
	memset(p, 'r', big);
	p += big;
	p += sprintf(p, "\"/>\n</clearanceAnswers>\n");
	doc = parse(s, (size_t)(p - s), &err);
	free(s);
	if (doc == NULL)
		fail_msg("%s", err.msg);
	v = xmlGetProp(xmlFirstElementChild(xmlDocGetRootElement(doc)),
	    BAD_CAST "reason");
	assert_non_null(v);
	assert_int_equal(strlen((char *)v), big);
	xmlFree(v);
	assert_int_equal(xml_validate(schema, doc, &err), -1);
	assert_non_null(strstr(err.msg, "line 3: "));
	assert_non_null(strstr(err.msg, "reason"));
	xmlFreeDoc(doc);
}

static void
schema_load_of_a_missing_file_fails(void **state)
{
	struct err	err;

	memset(&err, 0, sizeof(err));
	assert_null(xml_schema_load("assets/schemas/no-such.xsd", &err));
	assert_non_null(strstr(err.msg, "assets/schemas/no-such.xsd"));
	memset(&err, 0, sizeof(err));
	assert_null(xml_schema_load("/nonexistent/x.xsd", &err));
	assert_non_null(strstr(err.msg, "/nonexistent/x.xsd"));
	/* Not a schema. */
	memset(&err, 0, sizeof(err));
	assert_null(xml_schema_load("assets/i18n", &err));
	assert_true(err.msg[0] != '\0');
}

/* The entity loader opens files under assets/ and nothing else. */
static void
loader_opens_only_files_under_assets(void **state)
{
	static const char *refused[] = {
		VECTORS "xinclude.xml",
		"/etc/passwd",
		"assets/../" VECTORS "xinclude.xml",
		"assets/schemas/../../" VECTORS "xinclude.xml",
		"assetsx/schemas/central-clearance-1.xsd",
		"file:///etc/passwd",
		"file://" SCHEMA,
		"http://127.0.0.1:1/x.xml",
	};
	xmlDocPtr	doc;
	size_t		i;

	assert_int_equal(access(VECTORS "xinclude.xml", R_OK), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		doc = xmlReadFile(refused[i], NULL, XML_PARSE_NONET |
		    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		if (doc != NULL) {
			xmlFreeDoc(doc);
			fail_msg("opened %s", refused[i]);
		}
	}
	doc = xmlReadFile(SCHEMA, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlFreeDoc(doc);
}

static void
validate_reports_the_first_error_and_its_line(void **state)
{
	const char	*valid = "<?xml version=\"1.0\"?>\n"
	    "<clearanceAnswers xmlns=\"" NS "\" version=\"1\">\n"
	    "  <answer key=\"" KEY1 "\" result=\"clear\"\n"
	    "      checkedAt=\"2026-05-07T09:30:00Z\"/>\n"
	    "</clearanceAnswers>\n";
	const char	*invalid = "<?xml version=\"1.0\"?>\n"
	    "<clearanceAnswers xmlns=\"" NS "\" version=\"1\">\n"
	    "\n"
	    "  <answer key=\"" KEY1 "\" result=\"maybe\"\n"
	    "      checkedAt=\"2026-05-07T09:30:00Z\"/>\n"
	    "  <answer key=\"not-a-key\" result=\"clear\"/>\n"
	    "</clearanceAnswers>\n";
	struct err	 err;
	xmlDocPtr	 doc;

	assert_non_null(doc = parse_str(valid, &err));
	strcpy(err.msg, "stale");
	assert_int_equal(xml_validate(schema, doc, &err), 0);
	assert_int_equal(xml_validate(schema, doc, NULL), 0);
	xmlFreeDoc(doc);

	assert_non_null(doc = parse_str(invalid, &err));
	strcpy(err.msg, "stale");
	assert_int_equal(xml_validate(schema, doc, &err), -1);
	/* libxml2 gives the line where the start tag ends. */
	if (strncmp(err.msg, "line 4: ", 8) != 0 &&
	    strncmp(err.msg, "line 5: ", 8) != 0)
		fail_msg("\"%s\"", err.msg);
	assert_non_null(strstr(err.msg, "maybe"));
	assert_true(err.msg[strlen(err.msg) - 1] != '\n');
	/* The verdict alone. */
	assert_int_equal(xml_validate(schema, doc, NULL), -1);
	xmlFreeDoc(doc);

	/* Well-formed, but not of this schema at all. */
	assert_non_null(doc = parse_str("<r/>", &err));
	assert_int_equal(xml_validate(schema, doc, &err), -1);
	assert_non_null(strstr(err.msg, "line 1: "));
	xmlFreeDoc(doc);
}

/* Parser and validator messages never reach stderr (the server log). */
static void
errors_never_reach_stderr(void **state)
{
	static const char *t[] = {
		"<r>&xxe;</r>", "<r><a></r>", "<!DOCTYPE r [<!ENTITY e "
		    "SYSTEM \"file:///etc/passwd\">]><r>&e;</r>",
		"<r>\xff</r>", "<clearanceAnswers xmlns=\"" NS "\"/>",
	};
	struct err	 err;
	xmlDocPtr	 doc;
	FILE		*tmp;
	size_t		 i;
	int		 saved;
	long		 n;

	fflush(stderr);
	assert_non_null(tmp = tmpfile());
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) != -1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((doc = parse_str(t[i], &err)) != NULL) {
			(void)xml_validate(schema, doc, &err);
			xmlFreeDoc(doc);
		}
	}
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	n = ftell(tmp);
	fclose(tmp);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(well_formed_document_parses),
		cmocka_unit_test(hostile_corpus_is_refused),
		cmocka_unit_test(any_doctype_is_refused),
		cmocka_unit_test(quadratic_blowup_is_refused),
		cmocka_unit_test(undeclared_entity_is_not_well_formed),
		cmocka_unit_test(xinclude_is_not_processed),
		cmocka_unit_test(depth_at_the_limit_is_accepted),
		cmocka_unit_test(depth_beyond_the_limit_is_refused),
		cmocka_unit_test(empty_and_oversized_bodies_are_refused),
		cmocka_unit_test(body_of_exactly_the_limit_is_accepted),
		cmocka_unit_test(truncated_documents_are_refused),
		cmocka_unit_test(invalid_encoding_is_refused),
		cmocka_unit_test(huge_attribute_parses_but_fails_the_schema),
		cmocka_unit_test(schema_load_of_a_missing_file_fails),
		cmocka_unit_test(loader_opens_only_files_under_assets),
		cmocka_unit_test(validate_reports_the_first_error_and_its_line),
		cmocka_unit_test(errors_never_reach_stderr),
	};

	return (cmocka_run_group_tests_name("xml", tests, setup, teardown));
}
