/* Settings file and environment (src/settings.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "settings.h"

static const char *fake_env[][2] = {
	{ "KITAS_DB", "host=/tmp dbname=x" },
	{ "KITAS_COOKIE_SECURE", "no" },
	{ NULL, NULL },
};

static const char *
fake_getenv(const char *name)
{
	size_t	i;

	for (i = 0; fake_env[i][0] != NULL; i++) {
		if (strcmp(fake_env[i][0], name) == 0)
			return (fake_env[i][1]);
	}
	return (NULL);
}

static void
defaults_are_safe(void **state)
{
	struct settings	s;

	settings_defaults(&s);
	assert_string_equal(s.lang_default, "id");
	assert_int_equal(s.cookie_secure, 1);
	assert_string_equal(s.db, "");
	assert_string_equal(s.assets, "assets");
}

static void
parses_keys_comments_and_spaces(void **state)
{
	struct settings	s;
	struct err	err;

	settings_defaults(&s);
	assert_int_equal(settings_parse(&s,
	    "# comment\n"
	    "\n"
	    "db = host=/run/pg dbname=kitas user=a   # trailing\n"
	    "  lang_default=en\n"
	    "cookie_secure = no\n", &err), 0);
	assert_string_equal(s.db, "host=/run/pg dbname=kitas user=a");
	assert_string_equal(s.lang_default, "en");
	assert_int_equal(s.cookie_secure, 0);
}

static void
refuses_unknown_keys_and_bad_values(void **state)
{
	struct settings	s;
	struct err	err;
	char		long_line[SETTINGS_VALUE_MAX + 16];

	settings_defaults(&s);
	assert_int_equal(settings_parse(&s, "dbb = x\n", &err), -1);
	assert_non_null(strstr(err.msg, "unknown key 'dbb'"));
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(settings_parse(&s, "\n\nlang_default = fr\n", &err), -1);
	assert_non_null(strstr(err.msg, "line 3"));
	assert_int_equal(settings_parse(&s, "cookie_secure = maybe\n", &err), -1);
	assert_int_equal(settings_parse(&s, "just words\n", &err), -1);

	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	memcpy(long_line, "db=", 3);
	assert_int_equal(settings_parse(&s, long_line, &err), -1);
	assert_non_null(strstr(err.msg, "max"));
	/* A NULL err is allowed: the caller only wants the verdict. */
	assert_int_equal(settings_parse(&s, "nope = 1\n", NULL), -1);
}

static void
environment_wins_over_file(void **state)
{
	struct settings	s;
	struct err	err;

	settings_defaults(&s);
	assert_int_equal(settings_parse(&s, "db = from-file\n"
	    "cookie_secure = yes\n", &err), 0);
	assert_int_equal(settings_env(&s, fake_getenv, &err), 0);
	assert_string_equal(s.db, "host=/tmp dbname=x");
	assert_int_equal(s.cookie_secure, 0);
}

static void
load_reports_a_missing_explicit_file(void **state)
{
	struct settings	s;
	struct err	err;

	assert_int_equal(settings_load(&s, "/nonexistent/settings", &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/settings"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_safe),
		cmocka_unit_test(parses_keys_comments_and_spaces),
		cmocka_unit_test(refuses_unknown_keys_and_bad_values),
		cmocka_unit_test(environment_wins_over_file),
		cmocka_unit_test(load_reports_a_missing_explicit_file),
	};

	return (cmocka_run_group_tests_name("settings", tests, NULL, NULL));
}
