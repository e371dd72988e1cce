/*
 * PostgreSQL array literals (src/pgarr.c).  Every literal is read back by
 * a small decoder that follows the rules of PostgreSQL's array_in() for
 * one dimension; with KITAS_PGARR_TEST_DB set to a libpq connection
 * string, PostgreSQL itself reads them back too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "pgarr.h"

#define MANY	10000

/* A decoded literal: n elements, NULL for an SQL NULL. */
struct decoded {
	char	**v;
	size_t	  n;
};

static void
decoded_free(struct decoded *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static int
pg_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f');
}

/*
 * array_in() for one dimension: elements between braces, separated by
 * commas; a quoted element takes everything up to the closing quote, a
 * backslash takes the next character literally; an unquoted NULL (any
 * case) is an SQL NULL.  0, or -1 when the literal is malformed.
 */
static int
decode(const char *s, struct decoded *d)
{
	char	*buf, **v;
	size_t	 len, cap;
	int	 quoted, any;

	memset(d, 0, sizeof(*d));
	cap = 0;
	while (pg_space(*s))
		s++;
	if (*s++ != '{')
		return (-1);
	while (pg_space(*s))
		s++;
	if (*s == '}')
		goto end;
	for (;;) {
		if ((buf = malloc(strlen(s) + 1)) == NULL)
			return (-1);
		len = 0;
		quoted = any = 0;
		while (pg_space(*s))
			s++;
		if (*s == '"') {
			quoted = 1;
			for (s++; *s != '"'; s++) {
				if (*s == '\\')
					s++;
				if (*s == '\0') {
					free(buf);
					return (-1);
				}
				buf[len++] = *s;
			}
			s++;
			while (pg_space(*s))
				s++;
		} else {
			while (*s != ',' && *s != '}') {
				if (*s == '\0' || *s == '"' || *s == '{') {
					free(buf);
					return (-1);
				}
				if (*s == '\\' && *++s == '\0') {
					free(buf);
					return (-1);
				}
				buf[len++] = *s++;
				any = 1;
			}
			while (len > 0 && pg_space(buf[len - 1]))
				len--;
			if (!any || len == 0) {
				free(buf);
				return (-1);	/* an empty element */
			}
		}
		buf[len] = '\0';
		if (d->n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((v = realloc(d->v, cap * sizeof(*v))) == NULL) {
				free(buf);
				return (-1);
			}
			d->v = v;
		}
		if (!quoted && strcasecmp(buf, "NULL") == 0) {
			free(buf);
			buf = NULL;
		}
		d->v[d->n++] = buf;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '}')
			break;
		return (-1);
	}
end:
	s++;
	while (pg_space(*s))
		s++;
	return (*s == '\0' ? 0 : -1);
}

/* Build a literal of v[0..n-1], check it decodes to v; returns a copy. */
static char *
build_and_check(const char **v, size_t n)
{
	struct pgarr	 a;
	struct decoded	 d;
	const char	*lit;
	char		*copy;
	size_t		 i;

	pgarr_init(&a);
	for (i = 0; i < n; i++)
		assert_int_equal(pgarr_add(&a, v[i]), 0);
	assert_non_null(lit = pgarr_finish(&a));
	assert_int_equal(strlen(lit), a.len);
	if (decode(lit, &d) == -1)
		fail_msg("not an array literal: %s", lit);
	assert_int_equal(d.n, n);
	for (i = 0; i < n; i++) {
		if (v[i] == NULL)
			assert_null(d.v[i]);
		else {
			assert_non_null(d.v[i]);
			assert_string_equal(d.v[i], v[i]);
		}
	}
	decoded_free(&d);
	assert_non_null(copy = strdup(lit));
	pgarr_free(&a);
	return (copy);
}

static void
empty_array_is_braces(void **state)
{
	struct pgarr	 a;
	const char	*lit;

	pgarr_init(&a);
	assert_non_null(lit = pgarr_finish(&a));
	assert_string_equal(lit, "{}");
	pgarr_free(&a);
	assert_null(a.buf);
	assert_int_equal(a.len, 0);
	assert_int_equal(a.n, 0);

	/* After pgarr_free() the struct starts over. */
	assert_int_equal(pgarr_add(&a, "x"), 0);
	assert_string_equal(pgarr_finish(&a), "{\"x\"}");
	pgarr_free(&a);
}

static void
null_element_is_unquoted_null(void **state)
{
	const char	*v[] = { NULL, "NULL", "null", NULL, "x", NULL };
	char		*lit;

	lit = build_and_check(v, 1);
	assert_string_equal(lit, "{NULL}");
	free(lit);
	/* The string "NULL" is data: quoted, so not an SQL NULL. */
	lit = build_and_check(v, sizeof(v) / sizeof(v[0]));
	assert_string_equal(lit, "{NULL,\"NULL\",\"null\",NULL,\"x\",NULL}");
	free(lit);
}

static void
quotes_and_backslashes_are_escaped(void **state)
{
	const char	*v[] = { "a\"b\\c", "\"", "\\", "\\\"", "\"\"\\\\",
	    "end\\" };
	char		*lit;

	lit = build_and_check(v, sizeof(v) / sizeof(v[0]));
	assert_string_equal(lit, "{\"a\\\"b\\\\c\",\"\\\"\",\"\\\\\","
	    "\"\\\\\\\"\",\"\\\"\\\"\\\\\\\\\",\"end\\\\\"}");
	free(lit);
}

/* Separators, braces and blanks are data inside the quotes. */
static void
separators_and_blanks_stay_inside_quotes(void **state)
{
	const char	*v[] = { "a,b", ",", "{", "}", "{1,2}", " lead",
	    "trail ", "  ", "", "a b", "tab\there", "new\nline", "'quote'",
	    "MÜLLER & <SÖHNE>", "", "ŞMG" };
	char		*lit;

	lit = build_and_check(v, sizeof(v) / sizeof(v[0]));
	assert_non_null(strstr(lit, "\"a,b\",\",\",\"{\",\"}\",\"{1,2}\""));
	assert_non_null(strstr(lit, ",\"\","));
	assert_non_null(strstr(lit, ",\"  \","));
	assert_non_null(strstr(lit, "\"MÜLLER & <SÖHNE>\""));
	free(lit);

	/* A lone empty string is one element, not an empty array. */
	lit = build_and_check(v + 8, 1);
	assert_string_equal(lit, "{\"\"}");
	free(lit);
}

/* Many elements (and many reallocations) keep every one intact. */
static void
many_elements_grow_the_buffer(void **state)
{
	const char	**v;
	char		(*text)[32];
	char		 *lit;
	size_t		  i;

	assert_non_null(v = calloc(MANY, sizeof(*v)));
	assert_non_null(text = calloc(MANY, sizeof(*text)));
	for (i = 0; i < MANY; i++) {
		switch (i % 4) {
		case 0:
			(void)snprintf(text[i], sizeof(text[i]), "%zu", i);
			v[i] = text[i];
			break;
		case 1:
			(void)snprintf(text[i], sizeof(text[i]),
			    "\"%zu\\,{}", i);
			v[i] = text[i];
			break;
		case 2:
			v[i] = NULL;
			break;
		default:
			v[i] = "";
			break;
		}
	}
	lit = build_and_check(v, MANY);
	assert_int_equal(lit[0], '{');
	assert_non_null(strstr(lit,
	    ",\"9996\",\"\\\"9997\\\\,{}\",NULL,\"\"}"));
	free(lit);
	free(text);
	free(v);
}

/* Long elements, the worst case of escaping: every byte doubled. */
static void
long_elements_of_escapes(void **state)
{
	const char	*v[3];
	char		*quotes, *plain, *lit;
	size_t		 n = 256 * 1024;

	assert_non_null(quotes = malloc(n + 1));
	memset(quotes, '"', n);
	quotes[n] = '\0';
	assert_non_null(plain = malloc(n + 1));
	memset(plain, 'x', n);
	plain[n] = '\0';
	v[0] = quotes;
	v[1] = plain;
	v[2] = quotes;
	lit = build_and_check(v, 3);
	assert_int_equal(strlen(lit), 2 + (2 * n + 2) + 1 + (n + 2) + 1 +
	    (2 * n + 2));
	free(lit);
	free(plain);
	free(quotes);
}

static void
finish_returns_the_literal(void **state)
{
	struct pgarr	 a;
	const char	*lit;

	pgarr_init(&a);
	assert_int_equal(pgarr_add(&a, "1"), 0);
	assert_int_equal(pgarr_add(&a, NULL), 0);
	assert_int_equal(pgarr_add(&a, "3"), 0);
	assert_int_equal(a.n, 3);
	assert_non_null(lit = pgarr_finish(&a));
	assert_ptr_equal(lit, a.buf);
	assert_string_equal(lit, "{\"1\",NULL,\"3\"}");
	assert_int_equal(a.len, strlen(lit));
	assert_true(a.cap > a.len);
	pgarr_free(&a);
}

/* PostgreSQL itself, when a database is at hand (libpq, no shell). */
static void
postgresql_reads_the_literals(void **state)
{
	const char	*v[] = { "plain", NULL, "NULL", "", " lead", "trail ",
	    "a,b", "{x}", "q\"q", "b\\s", "\\\"", "MÜLLER & <SÖHNE>",
	    "tab\tnl\n", "''" };
	const size_t	 n = sizeof(v) / sizeof(v[0]);
	const char	*dsn, *params[1];
	struct pgarr	 a;
	PGconn		*conn;
	PGresult	*res;
	size_t		 i;

	if ((dsn = getenv("KITAS_PGARR_TEST_DB")) == NULL || *dsn == '\0') {
		/* Nothing to compare with: the C decoder above must do. */
		return;
	}
	conn = PQconnectdb(dsn);
	if (PQstatus(conn) != CONNECTION_OK) {
		PQfinish(conn);
		fail_msg("KITAS_PGARR_TEST_DB: cannot connect");
	}
	pgarr_init(&a);
	for (i = 0; i < n; i++)
		assert_int_equal(pgarr_add(&a, v[i]), 0);
	assert_non_null(params[0] = pgarr_finish(&a));
	res = PQexecParams(conn, "SELECT u.x, u.x IS NULL, u.i, "
	    "cardinality($1::text[]) FROM unnest($1::text[]) "
	    "WITH ORDINALITY AS u(x, i) ORDER BY u.i", 1, NULL, params, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s", PQresultErrorMessage(res));
	assert_int_equal(PQntuples(res), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(atoi(PQgetvalue(res, i, 3)), n);
		if (v[i] == NULL)
			assert_string_equal(PQgetvalue(res, i, 1), "t");
		else {
			assert_string_equal(PQgetvalue(res, i, 1), "f");
			assert_string_equal(PQgetvalue(res, i, 0), v[i]);
		}
	}
	PQclear(res);

	/* The empty literal is an empty array, not NULL. */
	pgarr_free(&a);
	pgarr_init(&a);
	params[0] = pgarr_finish(&a);
	res = PQexecParams(conn, "SELECT cardinality($1::text[])", 1, NULL,
	    params, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "0");
	PQclear(res);
	pgarr_free(&a);
	PQfinish(conn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_array_is_braces),
		cmocka_unit_test(null_element_is_unquoted_null),
		cmocka_unit_test(quotes_and_backslashes_are_escaped),
		cmocka_unit_test(separators_and_blanks_stay_inside_quotes),
		cmocka_unit_test(many_elements_grow_the_buffer),
		cmocka_unit_test(long_elements_of_escapes),
		cmocka_unit_test(finish_returns_the_literal),
		cmocka_unit_test(postgresql_reads_the_literals),
	};

	return (cmocka_run_group_tests_name("pgarr", tests, NULL, NULL));
}
