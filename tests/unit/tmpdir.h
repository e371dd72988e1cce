/*
 * A scratch directory for the unit tests that write files: made by
 * setup, emptied (one level deep) and removed by teardown; and the files
 * they write and read there.  Include it after <cmocka.h>.
 */
#ifndef KITAS_TEST_TMPDIR_H
#define KITAS_TEST_TMPDIR_H

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char	tmpdir[64];

/* /tmp/<name>.XXXXXX; 0 or -1. */
static int
tmpdir_make(const char *name)
{
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s.XXXXXX", name);
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

/* Everything the tests made is one level deep under tmpdir. */
static int
tmpdir_remove(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[512];
	int		 w;

	if ((d = opendir(tmpdir)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		w = snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		if (w > 0 && (size_t)w < sizeof(path))
			(void)remove(path);
	}
	closedir(d);
	return (rmdir(tmpdir));
}

/* tmpdir/name into buf. */
static void __attribute__((unused))
path_of(char *buf, size_t sz, const char *name)
{
	int	w;

	w = snprintf(buf, sz, "%s/%s", tmpdir, name);
	assert_true(w > 0 && (size_t)w < sz);
}

/* path made afresh with len bytes of data, then given mode. */
static void __attribute__((unused))
file_write(const char *path, const char *data, size_t len, mode_t mode)
{
	int	fd;

	(void)unlink(path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void __attribute__((unused))
file_write_text(const char *path, const char *text, mode_t mode)
{
	file_write(path, text, strlen(text), mode);
}

/* The whole file at path, NUL-terminated, into buf; its length. */
static size_t __attribute__((unused))
file_read_text(const char *path, char *buf, size_t sz)
{
	FILE	*fp;
	size_t	 n;

	assert_non_null(fp = fopen(path, "r"));
	n = fread(buf, 1, sz - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return (n);
}

#endif
