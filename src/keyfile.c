/*
 * Secret key files (see keyfile.h): the checks, locks, reads and appends
 * the vault and permit keyrings share.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"

static int	keyfile_fd_read(int, const char *, const char *, int, size_t,
		    char **, size_t *, struct err *);
static int	keyfile_write_all(int, const char *, size_t);
static int	keyfile_sync_dir(const char *, const char *, struct err *);

/*
 * Check that fd is a regular file no one but its owner may touch, lock
 * it (LOCK_SH or LOCK_EX in lockop) and read it whole into *buf
 * (sodium_malloc'd, NUL-terminated; the caller sodium_free()s it).
 */
static int
keyfile_fd_read(int fd, const char *who, const char *path, int lockop,
    size_t max, char **buf, size_t *len, struct err *err)
{
	struct stat	 st;
	char		*b;
	size_t		 n;
	ssize_t		 r;

	*buf = NULL;
	*len = 0;
	if (max == SIZE_MAX) {
		err_set(err, "%s: %s: size limit %zu too large", who, path,
		    max);
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		err_set(err, "%s: %s: %s", who, path, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: %s is not a regular file", who, path);
		return (-1);
	}
	if ((st.st_mode & 07777 & ~(mode_t)0600) != 0) {
		err_set(err, "%s: %s has mode %04o (want 0600 or stricter)",
		    who, path, (unsigned int)(st.st_mode & 07777));
		return (-1);
	}
	if (flock(fd, lockop) == -1) {
		err_set(err, "%s: cannot lock %s: %s", who, path,
		    strerror(errno));
		return (-1);
	}
	if ((b = sodium_malloc(max + 1)) == NULL) {
		err_set(err, "%s: out of memory reading %s", who, path);
		return (-1);
	}
	n = 0;
	for (;;) {
		r = read(fd, b + n, max + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_set(err, "%s: cannot read %s: %s", who, path,
			    strerror(errno));
			sodium_free(b);
			return (-1);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			err_set(err, "%s: %s is larger than %zu bytes", who,
			    path, max);
			sodium_free(b);
			return (-1);
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return (0);
}

int
keyfile_read(const char *who, const char *path, size_t max, char **buf,
    size_t *len, struct err *err)
{
	int	fd, rc;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		err_set(err, "%s: cannot open %s: %s", who, path,
		    strerror(errno));
		return (-1);
	}
	rc = keyfile_fd_read(fd, who, path, LOCK_SH, max, buf, len, err);
	(void)close(fd);		/* read-only: nothing to lose */
	return (rc);
}

static int
keyfile_write_all(int fd, const char *p, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		len -= (size_t)w;
	}
	return (0);
}

/* A new key file survives a crash only once its directory is synced. */
static int
keyfile_sync_dir(const char *who, const char *path, struct err *err)
{
	char	 dir[PATH_MAX], *slash;
	int	 fd, w, rc;

	w = snprintf(dir, sizeof(dir), "%s", path);
	if (w < 0 || (size_t)w >= sizeof(dir)) {
		err_set(err, "%s: path too long", who);
		return (-1);
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_set(err, "%s: cannot open %s: %s", who, dir,
		    strerror(errno));
		return (-1);
	}
	if ((rc = fsync(fd)) == -1)
		err_set(err, "%s: cannot sync %s: %s", who, dir,
		    strerror(errno));
	(void)close(fd);
	return (rc);
}

int
keyfile_open(struct keyfile *kf, const char *who, const char *path,
    size_t max, struct err *err)
{
	kf->who = who;
	kf->path = path;
	kf->created = 0;
	kf->buf = NULL;
	kf->len = 0;
	kf->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (kf->fd != -1) {
		kf->created = 1;
		/* Exactly 0600, whatever the umask left. */
		if (fchmod(kf->fd, 0600) == -1 ||
		    flock(kf->fd, LOCK_EX) == -1) {
			err_set(err, "%s: %s: %s", who, path, strerror(errno));
			return (keyfile_close(kf, -1, err));
		}
		return (0);
	}
	if (errno != EEXIST) {
		err_set(err, "%s: cannot create %s: %s", who, path,
		    strerror(errno));
		return (-1);
	}
	if ((kf->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		err_set(err, "%s: cannot open %s: %s", who, path,
		    strerror(errno));
		return (-1);
	}
	if (keyfile_fd_read(kf->fd, who, path, LOCK_EX, max, &kf->buf,
	    &kf->len, err) == -1)
		return (keyfile_close(kf, -1, err));
	return (0);
}

int
keyfile_append(struct keyfile *kf, const char *head, const char *line,
    size_t len, struct err *err)
{
	if ((kf->created && keyfile_write_all(kf->fd, head,
	    strlen(head)) == -1) ||
	    (kf->len > 0 && kf->buf[kf->len - 1] != '\n' &&
	    keyfile_write_all(kf->fd, "\n", 1) == -1) ||
	    keyfile_write_all(kf->fd, line, len) == -1 ||
	    fsync(kf->fd) == -1) {
		err_set(err, "%s: cannot write %s: %s", kf->who, kf->path,
		    strerror(errno));
		/* Never leave half a line: the file is ours under the lock. */
		if (!kf->created && ftruncate(kf->fd, (off_t)kf->len) == -1)
			err_set(err, "%s: cannot write %s, and a partial "
			    "line may remain: %s", kf->who, kf->path,
			    strerror(errno));
		return (-1);
	}
	if (kf->created && keyfile_sync_dir(kf->who, kf->path, err) == -1)
		return (-1);
	return (0);
}

int
keyfile_close(struct keyfile *kf, int rc, struct err *err)
{
	if (kf->fd != -1 && close(kf->fd) == -1 && rc == 0) {
		err_set(err, "%s: cannot close %s: %s", kf->who, kf->path,
		    strerror(errno));
		rc = -1;
	}
	kf->fd = -1;
	if (rc == -1 && kf->created)
		(void)unlink(kf->path);
	kf->created = 0;
	/* sodium_free() wipes the old text; NULL is a no-op. */
	sodium_free(kf->buf);
	kf->buf = NULL;
	kf->len = 0;
	return (rc);
}
