/* Uploaded documents and form values (src/doc.c, src/form.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "doc.h"
#include "form.h"

static void
sniffs_by_content_not_name(void **state)
{
	static const unsigned char pdf[] = "%PDF-1.7\n";
	static const unsigned char jpg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 0x10 };
	static const unsigned char png[] =
	    { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0 };
	static const unsigned char gif[] = "GIF89a";
	static const unsigned char html[] = "<html><script>";
	static const unsigned char shortpng[] = { 0x89, 'P', 'N', 'G' };

	assert_string_equal(doc_sniff(pdf, sizeof(pdf) - 1), "application/pdf");
	assert_string_equal(doc_sniff(jpg, sizeof(jpg)), "image/jpeg");
	assert_string_equal(doc_sniff(png, sizeof(png)), "image/png");
	assert_null(doc_sniff(gif, sizeof(gif) - 1));
	assert_null(doc_sniff(html, sizeof(html) - 1));
	assert_null(doc_sniff(shortpng, sizeof(shortpng)));
	assert_null(doc_sniff(pdf, 4));
	assert_null(doc_sniff(pdf, 0));
}

static void
filenames_lose_paths_and_controls(void **state)
{
	char	out[DOC_NAME_MAX + 1], big[600];

	doc_filename("C:\\Users\\x\\paspor.pdf", out, sizeof(out));
	assert_string_equal(out, "paspor.pdf");
	doc_filename("../../etc/passwd", out, sizeof(out));
	assert_string_equal(out, "passwd");
	doc_filename("a\r\nb\x01.pdf", out, sizeof(out));
	assert_string_equal(out, "ab.pdf");
	doc_filename("", out, sizeof(out));
	assert_string_equal(out, "document");
	doc_filename("dir/..", out, sizeof(out));
	assert_string_equal(out, "document");
	/* 200 bytes at most, never half a UTF-8 character. */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 2 < 590; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	doc_filename(big, out, sizeof(out));
	assert_true(strlen(out) <= DOC_NAME_MAX);
	assert_int_equal(strlen(out) % 2, 0);
}

static void
document_types_are_the_databases(void **state)
{
	assert_true(doc_type_valid("passport"));
	assert_true(doc_type_valid("domicile_letter"));
	assert_false(doc_type_valid("Passport"));
	assert_false(doc_type_valid(""));
	assert_false(doc_type_valid("passport'--"));
}

/* Characters as PostgreSQL's length() counts them, not bytes. */
static void
counts_characters_not_bytes(void **state)
{
	assert_int_equal(form_chars(""), 0);
	assert_int_equal(form_chars("Ayu"), 3);
	/* Müller: 7 bytes, 6 characters; 3 Thai letters, 9 bytes. */
	assert_int_equal(form_chars("M\xc3\xbcller"), 6);
	assert_int_equal(form_chars("\xe0\xb8\xa8\xe0\xb8\xa8\xe0\xb8\xa8"), 3);
	assert_int_equal(form_chars("\xf0\x9f\x94\x91"), 1);
}

static void
lists_match_whole_words(void **state)
{
	assert_true(form_in_list("E33", "E23 E33 E33G"));
	assert_true(form_in_list("E33G", "E23 E33 E33G"));
	assert_false(form_in_list("E3", "E23 E33 E33G"));
	assert_false(form_in_list("33", "E23 E33 E33G"));
	assert_false(form_in_list("", "E23 E33"));
	assert_false(form_in_list("E23 E33", "E23 E33"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sniffs_by_content_not_name),
		cmocka_unit_test(filenames_lose_paths_and_controls),
		cmocka_unit_test(document_types_are_the_databases),
		cmocka_unit_test(lists_match_whole_words),
		cmocka_unit_test(counts_characters_not_bytes),
	};

	return (cmocka_run_group_tests_name("doc", tests, NULL, NULL));
}
