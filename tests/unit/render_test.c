/* Page rendering (src/render.c) with the real templates and catalogues. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/tree.h>

#include "render.h"

static struct render	*r;

static int
setup(void **state)
{
	struct err	err;

	if (render_init(&r, "assets", &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	render_free(r);
	return (0);
}

static xmlDocPtr
case_model(const char *ref, const char *state, const char *office)
{
	xmlDocPtr	doc;
	xmlNodePtr	root, c;

	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewNode(NULL, BAD_CAST "page");
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "path", BAD_CAST "/status");
	c = xmlNewChild(root, NULL, BAD_CAST "case", NULL);
	xmlNewProp(c, BAD_CAST "ref", BAD_CAST ref);
	xmlNewProp(c, BAD_CAST "state", BAD_CAST state);
	xmlNewProp(c, BAD_CAST "since", BAD_CAST "2026-05-07T09:30");
	xmlNewProp(c, BAD_CAST "office", BAD_CAST office);
	return (doc);
}

static char *
render(const char *name, xmlDocPtr doc, enum lang lang)
{
	struct err	 err;
	xmlChar		*html;
	char		*copy;
	int		 len;

	if (render_page(r, name, doc, lang, &html, &len, &err) == -1)
		fail_msg("%s", err.msg);
	xmlFreeDoc(doc);
	assert_int_equal((size_t)len, strlen((char *)html));
	copy = strdup((char *)html);
	xmlFree(html);
	return (copy);
}

static void
renders_in_both_languages(void **state)
{
	char	*en, *id;

	en = render("status", case_model("SMG-2026-000123-7", "paid",
	    "Kantor Imigrasi Semarang"), LANG_EN);
	id = render("status", case_model("SMG-2026-000123-7", "paid",
	    "Kantor Imigrasi Semarang"), LANG_ID);
	assert_non_null(strstr(en, "<html lang=\"en\">"));
	assert_non_null(strstr(en, "Fee paid"));
	assert_non_null(strstr(en, "7 May 2026, 09:30"));
	assert_non_null(strstr(id, "<html lang=\"id\">"));
	assert_non_null(strstr(id, "Biaya sudah dibayar"));
	assert_non_null(strstr(id, "7 Mei 2026, 09:30"));
	assert_non_null(strstr(en, "<!DOCTYPE html>"));
	free(en);
	free(id);
}

/* A case waiting on a link down for 2 hours, 10000 counted ahead. */
static xmlDocPtr
queue_model(const char *more)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 c;

	doc = case_model("SMG-2026-000123-7", "awaiting_clearance",
	    "Kantor Imigrasi Semarang");
	c = xmlDocGetRootElement(doc)->children;
	xmlNewProp(c, BAD_CAST "link", BAD_CAST "open");
	xmlNewProp(c, BAD_CAST "outage-since", BAD_CAST "2026-05-07T09:30");
	xmlNewProp(c, BAD_CAST "paused", BAD_CAST "f");
	xmlNewProp(c, BAD_CAST "ahead", BAD_CAST "10000");
	xmlNewProp(c, BAD_CAST "after-recovery", BAD_CAST "7200");
	xmlNewProp(c, BAD_CAST "ahead-more", BAD_CAST more);
	return (doc);
}

/* In a very long queue the place and the estimate are "at least". */
static void
long_queue_says_at_least(void **state)
{
	char	*exact, *more;

	exact = render("status", queue_model("f"), LANG_EN);
	more = render("status", queue_model("t"), LANG_EN);
	assert_non_null(strstr(exact, "before yours in the queue: 10000."));
	assert_null(strstr(exact, "More than"));
	assert_non_null(strstr(more,
	    "More than 10000 applications are before yours"));
	assert_non_null(strstr(more, "Estimated: more than"));
	free(exact);
	free(more);
}

/* A back-office case waiting for information, seen by p_role. */
static xmlDocPtr
office_model(const char *role)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 c;

	doc = case_model("SMG-2026-000123-7", "more_info",
	    "Kantor Imigrasi Semarang");
	c = xmlDocGetRootElement(doc)->children;
	xmlNewProp(c, BAD_CAST "version", BAD_CAST "2");
	xmlNewProp(c, BAD_CAST "role", BAD_CAST role);
	return (doc);
}

/*
 * The case page offers only what the viewer's role may do: the
 * transition table lets an officer record the information brought to
 * the counter, not a supervisor, whose click would end in a 403.
 */
static void
office_case_offers_what_the_role_may(void **state)
{
	char	*officer, *sup;

	officer = render("office-case", office_model("officer"), LANG_EN);
	sup = render("office-case", office_model("supervisor"), LANG_EN);
	assert_non_null(strstr(officer, "value=\"provide_info\""));
	assert_non_null(strstr(officer, "value=\"reject\""));
	assert_null(strstr(sup, "value=\"provide_info\""));
	assert_null(strstr(sup, "brought what was asked"));
	assert_non_null(strstr(sup, "value=\"reject\""));
	free(officer);
	free(sup);
}

/*
 * An admin reads a case of any office and is offered nothing to do: in
 * no step does the page carry an action or a biometrics form, while an
 * officer's page of the same case does.
 */
static void
office_case_offers_an_admin_nothing(void **state)
{
	const char *const	 states[] = { "submitted", "more_info", "paid",
				    "biometrics_done", "cleared", "referred",
				    "issued" };
	xmlDocPtr		 doc;
	xmlNodePtr		 c;
	char			*admin, *officer;
	size_t			 i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		doc = office_model("admin");
		c = xmlDocGetRootElement(doc)->children;
		xmlSetProp(c, BAD_CAST "state", BAD_CAST states[i]);
		admin = render("office-case", doc, LANG_EN);
		doc = office_model("officer");
		c = xmlDocGetRootElement(doc)->children;
		xmlSetProp(c, BAD_CAST "state", BAD_CAST states[i]);
		officer = render("office-case", doc, LANG_EN);
		if (strstr(admin, "method=\"post\"") != NULL ||
		    strstr(admin, "name=\"action\"") != NULL)
			fail_msg("an admin is offered an action at %s",
			    states[i]);
		if (strstr(admin, "Read only") == NULL)
			fail_msg("an admin is not told at %s", states[i]);
		if (strstr(officer, "method=\"post\"") == NULL &&
		    strcmp(states[i], "issued") != 0)
			fail_msg("an officer is offered nothing at %s",
			    states[i]);
		free(admin);
		free(officer);
	}
}

/* The queues of every office: an admin chooses one; cases name theirs. */
static void
office_queues_let_an_admin_choose(void **state)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, q, o, c;
	char		*html;

	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewNode(NULL, BAD_CAST "page");
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "path", BAD_CAST "/office");
	q = xmlNewChild(root, NULL, BAD_CAST "queues", NULL);
	xmlNewProp(q, BAD_CAST "role", BAD_CAST "admin");
	o = xmlNewChild(q, NULL, BAD_CAST "office", NULL);
	xmlNewProp(o, BAD_CAST "code", BAD_CAST "SMG");
	xmlNewProp(o, BAD_CAST "name", BAD_CAST "Kantor Imigrasi Semarang");
	o = xmlNewChild(q, NULL, BAD_CAST "queue", NULL);
	xmlNewProp(o, BAD_CAST "name", BAD_CAST "check");
	xmlNewProp(o, BAD_CAST "count", BAD_CAST "1");
	c = xmlNewChild(o, NULL, BAD_CAST "case", NULL);
	xmlNewProp(c, BAD_CAST "ref", BAD_CAST "SMG-2026-000123-7");
	xmlNewProp(c, BAD_CAST "office", BAD_CAST "SMG");
	xmlNewProp(c, BAD_CAST "level", BAD_CAST "regular");
	html = render("office", doc, LANG_EN);
	assert_non_null(strstr(html, "<option value=\"SMG\">"));
	assert_non_null(strstr(html, "All offices"));
	assert_non_null(strstr(html, "<td>SMG</td>"));
	assert_null(strstr(html, "/office/link"));
	free(html);
}

/*
 * An admin's search: the offices to choose from, the one chosen kept
 * selected; on a page answered before the database was asked, the code
 * as typed, with its mistake next to it.
 */
static void
office_search_lets_an_admin_choose(void **state)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, s, o;
	char		*html;
	int		 i;

	for (i = 0; i < 2; i++) {
		doc = xmlNewDoc(BAD_CAST "1.0");
		root = xmlNewNode(NULL, BAD_CAST "page");
		xmlDocSetRootElement(doc, root);
		xmlNewProp(root, BAD_CAST "path", BAD_CAST "/office/search");
		s = xmlNewChild(root, NULL, BAD_CAST "search", NULL);
		if (i == 0) {
			xmlNewProp(s, BAD_CAST "role", BAD_CAST "admin");
			xmlNewProp(s, BAD_CAST "f-office", BAD_CAST "TBB");
			xmlNewProp(s, BAD_CAST "total", BAD_CAST "0");
			o = xmlNewChild(s, NULL, BAD_CAST "office", NULL);
			xmlNewProp(o, BAD_CAST "code", BAD_CAST "TAA");
			xmlNewProp(o, BAD_CAST "name", BAD_CAST "Office A");
			o = xmlNewChild(s, NULL, BAD_CAST "office", NULL);
			xmlNewProp(o, BAD_CAST "code", BAD_CAST "TBB");
			xmlNewProp(o, BAD_CAST "name", BAD_CAST "Office B");
		} else {
			xmlNewProp(s, BAD_CAST "f-office", BAD_CAST "tbb");
			o = xmlNewChild(s, NULL, BAD_CAST "error", NULL);
			xmlNewProp(o, BAD_CAST "field", BAD_CAST "office");
			xmlNewProp(o, BAD_CAST "key",
			    BAD_CAST "search.err.office");
		}
		html = render("office-search", doc, LANG_EN);
		if (i == 0) {
			assert_non_null(strstr(html,
			    "<option value=\"TBB\" selected>"));
			assert_non_null(strstr(html, "<option value=\"TAA\">"));
			/* Nothing found: not "of this office", to an admin. */
			assert_non_null(strstr(html, "No case matches."));
		} else {
			assert_non_null(strstr(html, "value=\"tbb\""));
			assert_non_null(strstr(html,
			    "three capital letters"));
		}
		free(html);
	}
}

/*
 * The back office's 403 (an applicant at /office, an admin's hand-made
 * form) says what happened in words, not as a catalogue key.
 */
static void
office_staff_only_explains(void **state)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, e;
	char		*html;

	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewNode(NULL, BAD_CAST "page");
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "path", BAD_CAST "/office");
	e = xmlNewChild(root, NULL, BAD_CAST "error", NULL);
	xmlNewProp(e, BAD_CAST "status", BAD_CAST "403");
	xmlNewProp(e, BAD_CAST "key", BAD_CAST "office.err.staff_only");
	html = render("error", doc, LANG_ID);
	assert_null(strstr(html, "office.err.staff_only"));
	assert_non_null(strstr(html, "Tidak ada yang diubah."));
	free(html);
}

/* Model text is data: markup in it is escaped, never interpreted. */
static void
escapes_model_text(void **state)
{
	char	*html;

	html = render("status", case_model("\"><script>alert(1)</script>",
	    "paid", "<img src=x onerror=alert(2)>"), LANG_EN);
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "<img src=x"));
	assert_non_null(strstr(html, "&lt;script&gt;"));
	assert_non_null(strstr(html, "&lt;img src=x onerror=alert(2)&gt;"));
	free(html);
}

/* The applicant's case page with an unpaid, unexpired billing code. */
static xmlDocPtr
billed_model(const char *state)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, c, b;

	doc = case_model("SMG-2026-000123-7", state, "Kantor Imigrasi Semarang");
	root = xmlDocGetRootElement(doc);
	xmlSetProp(root, BAD_CAST "path", BAD_CAST "/case/SMG-2026-000123-7");
	c = root->children;
	xmlNewProp(c, BAD_CAST "version", BAD_CAST "2");
	xmlNewProp(c, BAD_CAST "kind", BAD_CAST "E23");
	xmlNewProp(c, BAD_CAST "duration", BAD_CAST "1");
	xmlNewProp(c, BAD_CAST "level", BAD_CAST "regular");
	b = xmlNewChild(c, NULL, BAD_CAST "billing", NULL);
	xmlNewProp(b, BAD_CAST "code", BAD_CAST "803512345678901");
	xmlNewProp(b, BAD_CAST "amount", BAD_CAST "1500000");
	xmlNewProp(b, BAD_CAST "expires", BAD_CAST "2026-05-14T09:30");
	xmlNewProp(b, BAD_CAST "expired", BAD_CAST "false");
	xmlNewProp(b, BAD_CAST "paid", BAD_CAST "false");
	return (doc);
}

/* The billing code is shown only while the case waits for its fee. */
static void
billing_only_while_submitted(void **state)
{
	const char *const	 other[] = { "more_info", "paid", "withdrawn",
				    "rejected", "cancelled" };
	char			*html;
	size_t			 i;
	int			 shown;

	html = render("case", billed_model("submitted"), LANG_EN);
	assert_non_null(strstr(html, "class=\"billing\""));
	assert_non_null(strstr(html, "803512345678901"));
	free(html);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		html = render("case", billed_model(other[i]), LANG_EN);
		shown = strstr(html, "803512345678901") != NULL;
		free(html);
		if (shown)
			fail_msg("state %s shows the billing code", other[i]);
	}
}

/* An incident told in the reader's language, the other side's error kept. */
static void
incidents_speak_the_readers_language(void **state)
{
	static const char	*model = "<page path=\"/office/link\">"
	    "<link office=\"SMG\" role=\"officer\" state=\"closed\">"
	    "<incident id=\"1\" kind=\"retries_exhausted\" n=\"3\" "
	    "detail=\"HTTP 400: schema\" opened=\"2026-05-07T09:30\"/>"
	    "<incident id=\"2\" kind=\"accumulation\" n=\"1200\" "
	    "seconds=\"7200\" global=\"true\" opened=\"2026-05-07T09:30\"/>"
	    "<incident id=\"3\" kind=\"verdict_overdue\" "
	    "at=\"2026-05-01T08:05\" opened=\"2026-05-07T09:30\"/>"
	    "</link></page>";
	char	*en, *id;

	en = render("office-link", xmlReadMemory(model, strlen(model), NULL,
	    "UTF-8", 0), LANG_EN);
	id = render("office-link", xmlReadMemory(model, strlen(model), NULL,
	    "UTF-8", 0), LANG_ID);
	assert_non_null(strstr(en,
	    "Central refused the clearance request 3 times: HTTP 400: schema"));
	assert_non_null(strstr(id,
	    "Pusat menolak permintaan pemeriksaan 3 kali: HTTP 400: schema"));
	assert_non_null(strstr(en, "1200 clearance requests waiting, "
	    "the oldest for about 2 hours"));
	assert_non_null(strstr(en, "on 1 May 2026, 08:05"));
	assert_non_null(strstr(id, "pada 1 Mei 2026, 08:05"));
	free(en);
	free(id);
}

static void
unknown_key_shows_itself(void **state)
{
	char	*html;

	html = render("status", case_model("SMG-2026-000123-7", "no_such",
	    "x"), LANG_EN);
	assert_non_null(strstr(html, "state.no_such"));
	free(html);
}

static void
unknown_template_is_an_error(void **state)
{
	struct err	 err;
	xmlChar		*html;
	xmlDocPtr	 doc;
	int		 len;

	doc = case_model("x", "paid", "x");
	assert_int_equal(render_page(r, "nope", doc, LANG_EN, &html, &len,
	    &err), -1);
	assert_non_null(strstr(err.msg, "nope"));
	/* Imported pieces are not pages. */
	assert_int_equal(render_page(r, "_layout", doc, LANG_EN, &html, &len,
	    &err), -1);
	xmlFreeDoc(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renders_in_both_languages),
		cmocka_unit_test(long_queue_says_at_least),
		cmocka_unit_test(escapes_model_text),
		cmocka_unit_test(office_case_offers_what_the_role_may),
		cmocka_unit_test(office_case_offers_an_admin_nothing),
		cmocka_unit_test(office_queues_let_an_admin_choose),
		cmocka_unit_test(office_search_lets_an_admin_choose),
		cmocka_unit_test(office_staff_only_explains),
		cmocka_unit_test(billing_only_while_submitted),
		cmocka_unit_test(incidents_speak_the_readers_language),
		cmocka_unit_test(unknown_key_shows_itself),
		cmocka_unit_test(unknown_template_is_an_error),
	};

	return (cmocka_run_group_tests_name("render", tests, setup, teardown));
}
