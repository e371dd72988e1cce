/* Secret key files: checks, reads and appends (src/keyfile.c). */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <sodium.h>

#include "keyfile.h"

#define MAX	64		/* a small size limit for the tests */
#define HEAD	"# test keys\n"

/* The error message says want (a part of it). */
static void
assert_says(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("got \"%s\", want \"%s\"", msg, want);
}

/* keyfile_read() must fail, leave *buf NULL and say want. */
static void
read_fails(const char *path, size_t max, const char *want)
{
	struct err	 err;
	char		*buf = (char *)"x";
	size_t		 len = 99;

	memset(&err, 0, sizeof(err));
	assert_int_equal(keyfile_read("test", path, max, &buf, &len, &err),
	    -1);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_says(err.msg, "test: ");
	assert_says(err.msg, want);
}

static void
read_returns_the_text(void **state)
{
	struct err	 err;
	char		 path[128], *buf;
	size_t		 len;

	path_of(path, sizeof(path), "good");
	file_write_text(path, "1 AAAA\n2 BBBB", 0600);
	assert_int_equal(keyfile_read("test", path, MAX, &buf, &len, &err),
	    0);
	assert_int_equal(len, 13);
	assert_string_equal(buf, "1 AAAA\n2 BBBB");
	sodium_free(buf);

	file_write_text(path, "", 0400);
	assert_int_equal(keyfile_read("test", path, MAX, &buf, &len, &err),
	    0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	sodium_free(buf);
}

static void
read_refuses_loose_modes(void **state)
{
	static const mode_t	 modes[] = { 0644, 0640, 0604, 0700, 0610,
				    01600, 02600, 04600 };
	struct err		 err;
	char			 path[128], want[32], *buf;
	size_t			 i, len;

	path_of(path, sizeof(path), "mode");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		file_write_text(path, "1 AAAA\n", modes[i]);
		(void)snprintf(want, sizeof(want), "has mode %04o",
		    (unsigned int)modes[i]);
		read_fails(path, MAX, want);
	}
	file_write_text(path, "1 AAAA\n", 0400);
	assert_int_equal(keyfile_read("test", path, MAX, &buf, &len, &err),
	    0);
	sodium_free(buf);
}

static void
read_refuses_what_is_not_a_regular_file(void **state)
{
	char	path[128];

	path_of(path, sizeof(path), "missing");
	read_fails(path, MAX, "cannot open");
	path_of(path, sizeof(path), "adir");
	assert_int_equal(mkdir(path, 0700), 0);
	read_fails(path, MAX, "not a regular file");
	/* Refused, not waited on. */
	path_of(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	read_fails(path, MAX, "not a regular file");
}

static void
read_bounds_the_size(void **state)
{
	struct err	 err;
	char		 path[128], text[MAX + 1], *buf;
	size_t		 len;

	memset(text, '#', sizeof(text));
	path_of(path, sizeof(path), "big");
	file_write(path, text, MAX, 0600);
	assert_int_equal(keyfile_read("test", path, MAX, &buf, &len, &err),
	    0);
	assert_int_equal(len, MAX);
	sodium_free(buf);
	file_write(path, text, MAX + 1, 0600);
	read_fails(path, MAX, "larger than 64 bytes");
	read_fails(path, SIZE_MAX, "too large");
}

static void
append_creates_at_0600_with_the_head(void **state)
{
	struct keyfile	 kf;
	struct stat	 st;
	struct err	 err;
	char		 path[128], text[256];
	mode_t		 old;

	path_of(path, sizeof(path), "new");
	(void)unlink(path);
	/* Exactly 0600 even when the umask would leave less. */
	old = umask(0277);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), 0);
	(void)umask(old);
	assert_int_equal(kf.created, 1);
	assert_null(kf.buf);
	assert_int_equal(kf.len, 0);
	assert_int_equal(keyfile_append(&kf, HEAD, "1 AAAA\n", 7, &err), 0);
	assert_int_equal(keyfile_close(&kf, 0, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	file_read_text(path, text, sizeof(text));
	assert_string_equal(text, HEAD "1 AAAA\n");
}

static void
append_adds_without_rewriting(void **state)
{
	struct keyfile	 kf;
	struct err	 err;
	char		 path[128], text[256];

	path_of(path, sizeof(path), "grow");
	file_write_text(path, "1 AAAA\n", 0600);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), 0);
	assert_int_equal(kf.created, 0);
	assert_string_equal(kf.buf, "1 AAAA\n");
	assert_int_equal(kf.len, 7);
	assert_int_equal(keyfile_append(&kf, HEAD, "2 BBBB\n", 7, &err), 0);
	assert_int_equal(keyfile_close(&kf, 0, &err), 0);
	file_read_text(path, text, sizeof(text));
	assert_string_equal(text, "1 AAAA\n2 BBBB\n");

	/* A hand-written last line without its newline gets one. */
	file_write_text(path, "# hand-made\n1 AAAA", 0400);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), 0);
	assert_int_equal(keyfile_append(&kf, HEAD, "2 BBBB\n", 7, &err), 0);
	assert_int_equal(keyfile_close(&kf, 0, &err), 0);
	file_read_text(path, text, sizeof(text));
	assert_string_equal(text, "# hand-made\n1 AAAA\n2 BBBB\n");
}

static void
open_refuses_what_read_refuses(void **state)
{
	struct keyfile	 kf;
	struct err	 err;
	char		 path[128], text[256], big[MAX + 1];

	path_of(path, sizeof(path), "loose");
	file_write_text(path, "1 AAAA\n", 0644);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), -1);
	assert_says(err.msg, "test: ");
	assert_says(err.msg, "has mode 0644");
	assert_int_equal(keyfile_close(&kf, -1, &err), -1);
	file_read_text(path, text, sizeof(text));
	assert_string_equal(text, "1 AAAA\n");

	memset(big, '#', sizeof(big));
	file_write(path, big, sizeof(big), 0600);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), -1);
	assert_says(err.msg, "larger than");
	assert_int_equal(access(path, F_OK), 0);

	path_of(path, sizeof(path), "no-such-dir/keys");
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), -1);
	assert_says(err.msg, "cannot create");
	assert_int_equal(keyfile_close(&kf, -1, &err), -1);

	path_of(path, sizeof(path), "opendir");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), -1);
}

static void
close_after_a_failure_removes_a_new_file(void **state)
{
	struct keyfile	 kf;
	struct err	 err;
	char		 path[128];

	path_of(path, sizeof(path), "abandoned");
	(void)unlink(path);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), 0);
	assert_int_equal(kf.created, 1);
	assert_int_equal(keyfile_close(&kf, -1, &err), -1);
	assert_int_equal(access(path, F_OK), -1);

	/* An old file stays, whatever the caller's result. */
	file_write_text(path, "1 AAAA\n", 0600);
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), 0);
	assert_int_equal(keyfile_close(&kf, -1, &err), -1);
	assert_int_equal(access(path, F_OK), 0);
}

/* A write cut short (file size limit) leaves the old text as it was. */
static void
failed_append_leaves_no_half_line(void **state)
{
	struct keyfile	 kf;
	struct rlimit	 old, small;
	struct err	 err;
	char		 path[128], text[256], line[200];

	path_of(path, sizeof(path), "full");
	file_write_text(path, "1 AAAA\n", 0600);
	memset(line, 'B', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	assert_int_equal(keyfile_open(&kf, "test", path, MAX, &err), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 100;
	assert_true(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(keyfile_append(&kf, HEAD, line, sizeof(line), &err),
	    -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_true(signal(SIGXFSZ, SIG_DFL) != SIG_ERR);
	assert_says(err.msg, "test: cannot write");
	assert_null(strstr(err.msg, "BBBB"));
	assert_int_equal(keyfile_close(&kf, -1, &err), -1);
	file_read_text(path, text, sizeof(text));
	assert_string_equal(text, "1 AAAA\n");
}

static int
setup(void **state)
{
	if (sodium_init() < 0)
		return (-1);
	return (tmpdir_make("keyfile_test"));
}

static int
teardown(void **state)
{
	return (tmpdir_remove());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_returns_the_text),
		cmocka_unit_test(read_refuses_loose_modes),
		cmocka_unit_test(read_refuses_what_is_not_a_regular_file),
		cmocka_unit_test(read_bounds_the_size),
		cmocka_unit_test(append_creates_at_0600_with_the_head),
		cmocka_unit_test(append_adds_without_rewriting),
		cmocka_unit_test(open_refuses_what_read_refuses),
		cmocka_unit_test(close_after_a_failure_removes_a_new_file),
		cmocka_unit_test(failed_append_leaves_no_half_line),
	};

	return (cmocka_run_group_tests_name("keyfile", tests, setup,
	    teardown));
}
