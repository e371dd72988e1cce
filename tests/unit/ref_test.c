/* Case references: check character, parsing and formatting (src/ref.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ref.h"

#define VECTORS	"tests/vectors/ref.txt"

/* The vectors were computed by an independent implementation. */
static void
check_char_matches_vectors(void **state)
{
	FILE	*fp;
	char	 line[128], payload[32], check[4], ref[32], out[REF_BUFSZ];
	int	 n;

	assert_non_null(fp = fopen(VECTORS, "r"));
	n = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%31s %3s %31s", payload, check,
		    ref), 3);
		assert_int_equal(ref_check_char(payload), check[0]);
		assert_int_equal(ref_parse(ref, out, sizeof(out)), REF_OK);
		assert_string_equal(out, ref);
		n++;
	}
	fclose(fp);
	assert_true(n >= 8);
}

/* Every single-character typo and every swap of neighbours is caught. */
static void
every_single_typo_is_caught(void **state)
{
	const char	*good = "SMG-2026-000123-7";
	const char	*alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char		 typo[REF_BUFSZ], out[REF_BUFSZ], t;
	size_t		 i, j;

	for (i = 0; i < REF_LEN; i++) {
		if (good[i] == '-')
			continue;
		for (j = 0; alpha[j] != '\0'; j++) {
			memcpy(typo, good, REF_BUFSZ);
			if (typo[i] == alpha[j])
				continue;
			typo[i] = alpha[j];
			assert_int_not_equal(ref_parse(typo, out, sizeof(out)),
			    REF_OK);
		}
	}
	for (i = 0; i + 1 < REF_LEN; i++) {
		memcpy(typo, good, REF_BUFSZ);
		if (typo[i] == '-' || typo[i + 1] == '-' ||
		    typo[i] == typo[i + 1])
			continue;
		t = typo[i];
		typo[i] = typo[i + 1];
		typo[i + 1] = t;
		assert_int_not_equal(ref_parse(typo, out, sizeof(out)), REF_OK);
	}
}

static void
parse_forgives_case_and_spaces(void **state)
{
	char	out[REF_BUFSZ];

	assert_int_equal(ref_parse("  smg-2026-000123-7\t", out, sizeof(out)),
	    REF_OK);
	assert_string_equal(out, "SMG-2026-000123-7");
}

static void
parse_rejects_malformed(void **state)
{
	static const char *bad[] = {
		"", "SMG", "SMG-2026-000123", "SMG-2026-000123-77",
		"SMG_2026_000123_7", "SM1-2026-000123-7", "SMG-20X6-000123-7",
		"SMG-2026-00012A-7", "SMG-2026-000123-!", "SMG-2026-000123-7 x",
		"<script>alert(1)</script>", "SMG-2026-000123-7' OR '1'='1",
		"ŞMG-2026-000123-7",
	};
	char	out[REF_BUFSZ];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ref_parse(bad[i], out, sizeof(out)),
		    REF_BAD_FORMAT);
	assert_int_equal(ref_parse("SMG-2026-000123-8", out, sizeof(out)),
	    REF_BAD_CHECK);
	/* A buffer too small is refused, never overrun. */
	assert_int_equal(ref_parse("SMG-2026-000123-7", out, 4),
	    REF_BAD_FORMAT);
}

static void
format_round_trips_and_bounds(void **state)
{
	char	out[REF_BUFSZ], back[REF_BUFSZ];

	assert_int_equal(ref_format(out, sizeof(out), "JKT", 2026, 999999), 0);
	assert_string_equal(out, "JKT-2026-999999-1");
	assert_int_equal(ref_parse(out, back, sizeof(back)), REF_OK);
	assert_int_equal(ref_format(out, sizeof(out), "JKT", 2026, 0), -1);
	assert_int_equal(ref_format(out, sizeof(out), "JKT", 2026, 1000000), -1);
	assert_int_equal(ref_format(out, sizeof(out), "JK", 2026, 1), -1);
	assert_int_equal(ref_format(out, sizeof(out), "JKT", 1999, 1), -1);
	assert_int_equal(ref_format(out, 8, "JKT", 2026, 1), -1);
	assert_int_equal(ref_check_char(""), '\0');
	assert_int_equal(ref_check_char("ab"), '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_char_matches_vectors),
		cmocka_unit_test(every_single_typo_is_caught),
		cmocka_unit_test(parse_forgives_case_and_spaces),
		cmocka_unit_test(parse_rejects_malformed),
		cmocka_unit_test(format_round_trips_and_bounds),
	};

	return (cmocka_run_group_tests_name("ref", tests, NULL, NULL));
}
