/* The parts of the migrator that need no database (src/migrate.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <string.h>
#include <cmocka.h>

#include "migrate.h"

static void
names_are_numbered_snake_case(void **state)
{
	assert_true(migrate_name_valid("0001_create_schema.sql"));
	assert_true(migrate_name_valid("0123_add_sla_2.sql"));
	assert_false(migrate_name_valid("1_create.sql"));
	assert_false(migrate_name_valid("0001-create.sql"));
	assert_false(migrate_name_valid("0001_Create.sql"));
	assert_false(migrate_name_valid("0001_create.sql.bak"));
	assert_false(migrate_name_valid("0001_.sql"));
	assert_false(migrate_name_valid("abcd_create.sql"));
	assert_false(migrate_name_valid("0001_drop;table.sql"));
}

/* SHA-256("abc"), FIPS 180-2 appendix B.1. */
static void
checksum_is_sha256(void **state)
{
	char	hex[MIGRATE_HEX_LEN + 1];

	migrate_checksum("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

/* The repository's own migrations follow the rule. */
static void
repository_migrations_are_well_named(void **state)
{
	DIR		*d;
	struct dirent	*de;
	int		 n;

	assert_non_null(d = opendir("migrations"));
	n = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!migrate_name_valid(de->d_name))
			fail_msg("badly named migration %s", de->d_name);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_numbered_snake_case),
		cmocka_unit_test(checksum_is_sha256),
		cmocka_unit_test(repository_migrations_are_well_named),
	};

	return (cmocka_run_group_tests_name("migrate", tests, NULL, NULL));
}
