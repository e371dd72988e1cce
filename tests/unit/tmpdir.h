/*
 * A scratch directory for the unit tests that write files: made by
 * setup, emptied (one level deep) and removed by teardown.  Include it
 * after <cmocka.h>.
 */
#ifndef KITAS_TEST_TMPDIR_H
#define KITAS_TEST_TMPDIR_H

#include <dirent.h>
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

#endif
