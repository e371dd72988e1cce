/* Language negotiation (src/lang.c), table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lang.h"

static const struct {
	const char	*query, *cookie, *accept;
	enum lang	 fallback, want;
} cases[] = {
	{ NULL, NULL, NULL, LANG_ID, LANG_ID },
	{ NULL, NULL, NULL, LANG_EN, LANG_EN },
	{ "en", "id", "id", LANG_ID, LANG_EN },		/* ?lang= wins */
	{ "fr", "en", "id", LANG_ID, LANG_EN },		/* bad ?lang= ignored */
	{ NULL, "en", "id", LANG_ID, LANG_EN },		/* cookie next */
	{ NULL, "xx", "en", LANG_ID, LANG_EN },
	{ NULL, NULL, "en-GB,en;q=0.9", LANG_ID, LANG_EN },
	{ NULL, NULL, "de-DE, en;q=0.5, id;q=0.8", LANG_EN, LANG_ID },
	{ NULL, NULL, "id-ID", LANG_EN, LANG_ID },
	{ NULL, NULL, "in", LANG_EN, LANG_ID },		/* old code for id */
	{ NULL, NULL, "EN", LANG_ID, LANG_EN },
	{ NULL, NULL, "de, fr", LANG_EN, LANG_EN },
	{ NULL, NULL, "en;q=0", LANG_ID, LANG_ID },	/* q=0: not wanted */
	{ NULL, NULL, "en;q=2", LANG_ID, LANG_ID },	/* malformed q */
	{ NULL, NULL, "en;q=0.1234", LANG_ID, LANG_ID },
	{ NULL, NULL, "en;q=abc, id;q=0.1", LANG_EN, LANG_ID },
	{ NULL, NULL, "english", LANG_ID, LANG_ID },
	{ NULL, NULL, ",,;;,", LANG_EN, LANG_EN },
	{ NULL, NULL, "", LANG_EN, LANG_EN },
	{ NULL, NULL, "*", LANG_ID, LANG_ID },
};

static void
negotiates_every_case(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (lang_negotiate(cases[i].query, cases[i].cookie,
		    cases[i].accept, cases[i].fallback) != cases[i].want)
			fail_msg("case %zu: q=%s c=%s a=%s", i,
			    cases[i].query ? cases[i].query : "-",
			    cases[i].cookie ? cases[i].cookie : "-",
			    cases[i].accept ? cases[i].accept : "-");
	}
}

static void
ignores_oversized_accept_language(void **state)
{
	char	*big;

	big = malloc(LANG_ACCEPT_MAX + 10);
	assert_non_null(big);
	memset(big, ' ', LANG_ACCEPT_MAX + 8);
	memcpy(big, "en", 2);
	big[LANG_ACCEPT_MAX + 8] = '\0';
	assert_int_equal(lang_negotiate(NULL, NULL, big, LANG_ID), LANG_ID);
	free(big);
}

static void
codes_round_trip(void **state)
{
	assert_string_equal(lang_code(LANG_ID), "id");
	assert_string_equal(lang_code(LANG_EN), "en");
	assert_int_equal(lang_from_code("en"), LANG_EN);
	assert_int_equal(lang_from_code("EN"), -1);
	assert_int_equal(lang_from_code(NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(negotiates_every_case),
		cmocka_unit_test(ignores_oversized_accept_language),
		cmocka_unit_test(codes_round_trip),
	};

	return (cmocka_run_group_tests_name("lang", tests, NULL, NULL));
}
