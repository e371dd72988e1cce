/*
 * The catalogues (src/i18n.c, assets/i18n): both languages have the same
 * keys, and every key the templates and handlers name exists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"

#define FILE_MAX	(256 * 1024)

static struct i18n	*cat;

static int
setup(void **state)
{
	struct err	err;

	if (i18n_load(&cat, "assets/i18n", &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	i18n_free(cat);
	return (0);
}

static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(buf = malloc(FILE_MAX + 1));
	n = fread(buf, 1, FILE_MAX, fp);
	fclose(fp);
	buf[n] = '\0';
	return (buf);
}

static void
both_languages_have_the_same_keys(void **state)
{
	size_t	i, n;

	n = i18n_count(cat, LANG_ID);
	assert_true(n > 0);
	assert_int_equal(n, i18n_count(cat, LANG_EN));
	for (i = 0; i < n; i++)
		assert_string_equal(i18n_key(cat, LANG_ID, i),
		    i18n_key(cat, LANG_EN, i));
	assert_null(i18n_get(cat, LANG_EN, "no.such.key"));
	assert_string_equal(i18n_get(cat, LANG_ID, "month.5"), "Mei");
}

/* Every key matched by group 1 of re in the files of dir exists. */
static void
keys_in_files_exist(const char *dir, const char *suffix, const char *re_src)
{
	DIR		*d;
	struct dirent	*de;
	regex_t		 re;
	regmatch_t	 m[2];
	char		 path[512], key[I18N_KEY_MAX + 1], *text, *p;
	size_t		 len;
	int		 found;

	assert_int_equal(regcomp(&re, re_src, REG_EXTENDED), 0);
	assert_non_null(d = opendir(dir));
	found = 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < strlen(suffix) ||
		    strcmp(de->d_name + len - strlen(suffix), suffix) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = slurp(path);
		for (p = text; regexec(&re, p, 2, m, 0) == 0; p += m[0].rm_eo) {
			len = (size_t)(m[1].rm_eo - m[1].rm_so);
			assert_true(len <= I18N_KEY_MAX);
			memcpy(key, p + m[1].rm_so, len);
			key[len] = '\0';
			if (i18n_get(cat, LANG_EN, key) == NULL ||
			    i18n_get(cat, LANG_ID, key) == NULL)
				fail_msg("%s: key %s is not in the catalogues",
				    path, key);
			found++;
		}
		free(text);
	}
	closedir(d);
	regfree(&re);
	assert_true(found > 0);
}

static void
template_keys_exist(void **state)
{
	keys_in_files_exist("assets/templates", ".xsl",
	    "i:t\\('([a-z_.0-9]+)'\\)");
}

static void
handler_keys_exist(void **state)
{
	keys_in_files_exist("kore", ".c",
	    "\"((status|error|state|site)\\.[a-z_.0-9]+)\"");
}

/* Error pages show KEY and KEY.help; state pages state.X(.explain). */
static void
derived_keys_exist(void **state)
{
	static const char *suffix[] = { "", ".explain" };
	char		*text, *p, *end, key[I18N_KEY_MAX + 1];
	size_t		 i, l, s;
	int		 n;

	for (i = 0; i < i18n_count(cat, LANG_EN); i++) {
		const char *k = i18n_key(cat, LANG_EN, i);
		if (strncmp(k, "error.", 6) != 0 || strchr(k + 6, '.') != NULL)
			continue;
		(void)snprintf(key, sizeof(key), "%s.help", k);
		assert_non_null(i18n_get(cat, LANG_EN, key));
	}
	for (i = 1; i <= 12; i++) {
		(void)snprintf(key, sizeof(key), "month.%zu", i);
		assert_non_null(i18n_get(cat, LANG_ID, key));
	}

	/* The states, as the migration declares them. */
	text = slurp("migrations/0001_create_schema.sql");
	assert_non_null(p = strstr(text, "CREATE TYPE case_state AS ENUM ("));
	assert_non_null(end = strstr(p, ");"));
	*end = '\0';
	n = 0;
	while ((p = strchr(p, '\'')) != NULL) {
		l = strcspn(p + 1, "'");
		for (s = 0; s < 2; s++) {
			(void)snprintf(key, sizeof(key), "state.%.*s%s",
			    (int)l, p + 1, suffix[s]);
			for (int lang = 0; lang < LANG_COUNT; lang++)
				if (i18n_get(cat, (enum lang)lang, key) == NULL)
					fail_msg("missing %s", key);
		}
		p += l + 2;
		n++;
	}
	free(text);
	assert_int_equal(n, 12);
}

/* Every kind of mail the database queues has its words. */
static void
mail_keys_exist(void **state)
{
	static const char *kinds[] = { "confirm", "already_registered",
	    "reset", "password_changed", "case_status" };
	char	key[I18N_KEY_MAX + 1];
	size_t	i;
	int	l;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (l = 0; l < LANG_COUNT; l++) {
			(void)snprintf(key, sizeof(key), "mail.%s.subject",
			    kinds[i]);
			assert_non_null(i18n_get(cat, (enum lang)l, key));
			(void)snprintf(key, sizeof(key), "mail.%s.body",
			    kinds[i]);
			assert_non_null(i18n_get(cat, (enum lang)l, key));
		}
	}
}

static void
load_refuses_a_broken_catalogue(void **state)
{
	struct i18n	*c;
	struct err	 err;

	assert_int_equal(i18n_load(&c, "/nonexistent", &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_languages_have_the_same_keys),
		cmocka_unit_test(template_keys_exist),
		cmocka_unit_test(handler_keys_exist),
		cmocka_unit_test(derived_keys_exist),
		cmocka_unit_test(mail_keys_exist),
		cmocka_unit_test(load_refuses_a_broken_catalogue),
	};

	return (cmocka_run_group_tests_name("i18n", tests, setup, teardown));
}
