/*
 * Secret key files (the vault keyring, the permit signing keyring): text
 * files that must be regular files of mode 0600 or stricter, read whole
 * under a shared lock and grown one line at a time under an exclusive
 * one.  What the lines mean is the caller's business.
 *
 * Every function takes who, the prefix of its err messages ("vault",
 * "permit"), so an operator sees the same message whichever module
 * failed.  The caller runs sodium_init() first.
 */
#ifndef KITAS_KEYFILE_H
#define KITAS_KEYFILE_H

#include <stddef.h>

#include "err.h"

/*
 * A key file held open under an exclusive lock by keyfile_open() until
 * keyfile_close().  Callers read created (1: keyfile_open() made it,
 * empty), buf (the text found, sodium_malloc'd, NULL when created; kf
 * owns it) and len; the rest is the module's.
 */
struct keyfile {
	const char	*who;
	const char	*path;
	int		 fd;
	int		 created;
	char		*buf;
	size_t		 len;
};

/*
 * Read the key file at path whole, under a shared lock: it must be a
 * regular file (a FIFO is refused, not waited on) of mode 0600 or
 * stricter, of at most max bytes (max < SIZE_MAX).  *buf is
 * sodium_malloc'd and NUL-terminated, as it holds keys; the caller
 * releases it with sodium_free(), which wipes it.  0, or -1 with *buf
 * NULL and err set.
 */
int	keyfile_read(const char *who, const char *path, size_t max,
	    char **buf, size_t *len, struct err *err);

/*
 * Open path to add a line, under an exclusive lock held until
 * keyfile_close(), so the caller can pick the next key from the text and
 * write it without a race.  A missing file is created with mode 0600
 * exactly (kf->created = 1, kf->buf NULL); an existing one is checked
 * and read as by keyfile_read() into kf->buf.  On failure nothing is
 * left open, a file it created is removed and err is set; keyfile_close()
 * is still allowed.
 */
int	keyfile_open(struct keyfile *kf, const char *who, const char *path,
	    size_t max, struct err *err);

/*
 * Append line (len bytes, ending in a newline) to an open key file, once:
 * head first when the file was just created, and a newline first when
 * the old text lacks a final one.  Then the file is synced, and for a
 * new file its directory too.  On failure the file is cut back to its
 * old length, so no half line remains.  0, or -1 with err set; err never
 * holds the line.
 */
int	keyfile_append(struct keyfile *kf, const char *head,
	    const char *line, size_t len, struct err *err);

/*
 * Close kf and wipe its buf.  rc is the caller's result so far: when it
 * is -1 a file keyfile_open() created is removed.  Returns rc, or -1
 * with err set when closing fails after a success.  A kf whose
 * keyfile_open() failed is allowed.
 */
int	keyfile_close(struct keyfile *kf, int rc, struct err *err);

#endif
