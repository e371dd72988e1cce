/* Passport numbers as people type them (src/passport.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "passport.h"

static void
normalises_case_and_spaces(void **state)
{
	char	out[PASSPORT_BUFSZ];

	assert_int_equal(passport_parse("c01x 00t47", out, sizeof(out)), 0);
	assert_string_equal(out, "C01X00T47");
	assert_int_equal(passport_parse("A1234", out, sizeof(out)), 0);
	assert_int_equal(passport_parse("ABCDEF123456", out, sizeof(out)), 0);
}

static void
rejects_what_is_not_a_passport_number(void **state)
{
	static const char *bad[] = {
		"", "    ", "A123", "ABCDEF1234567", "C01X-00T47", "C01X00T47;",
		"<b>x</b>", "' OR 1=1 --", "Ç01X00T47", "C01X\t00T47",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	char	out[PASSPORT_BUFSZ];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(passport_parse(bad[i], out, sizeof(out)), -1);
	assert_int_equal(passport_parse("C01X00T47", out, 4), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalises_case_and_spaces),
		cmocka_unit_test(rejects_what_is_not_a_passport_number),
	};

	return (cmocka_run_group_tests_name("passport", tests, NULL, NULL));
}
