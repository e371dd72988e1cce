/*
 * The secret signing keyring (see permit.h): a file of Ed25519 seeds,
 * read under a shared lock and appended to under an exclusive one.  Seeds
 * live only in sodium_malloc'd memory and never reach an err.
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

#include "permit.h"
#include "permit_int.h"

/* The signing keyring file. */
#define PERMIT_SIGNER_KEYS_MAX	1024
#define PERMIT_SIGNER_FILE_MAX	(64 * 1024)
#define PERMIT_SIGNER_LINE_MAX	128
#define PERMIT_SIGNER_HEAD \
	"# KITAS e-ITAS permit signing keys: KID BASE64SEED per line; the\n" \
	"# highest kid signs.  Keep mode 0600; publish every public key.\n"

static int	permit_file_read(int, const char *, int, char **, size_t *,
		    struct err *);
static int	permit_blank(char);
static int	permit_signer_parse(const char *, const char *, size_t,
		    struct permit_signer *, uint16_t *, struct err *);
static int	permit_write_all(int, const char *, size_t);
static int	permit_sync_dir(const char *, struct err *);

/*
 * Check that fd is a regular file no one but its owner may touch, lock
 * it (lockop) and read it whole into *buf: sodium_malloc'd, as it holds
 * seeds, NUL-terminated; the caller releases it with sodium_free().
 */
static int
permit_file_read(int fd, const char *path, int lockop, char **buf,
    size_t *len, struct err *err)
{
	struct stat	 st;
	char		*b;
	size_t		 n = 0;
	ssize_t		 r;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) == -1) {
		err_set(err, "permit: %s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "permit: %s is not a regular file", path);
		return (-1);
	}
	if ((st.st_mode & 07777 & ~(mode_t)0600) != 0) {
		err_set(err, "permit: %s has mode %04o (want 0600 or "
		    "stricter)", path, (unsigned int)(st.st_mode & 07777));
		return (-1);
	}
	if (flock(fd, lockop) == -1) {
		err_set(err, "permit: cannot lock %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if ((b = sodium_malloc(PERMIT_SIGNER_FILE_MAX + 1)) == NULL) {
		err_set(err, "permit: out of memory reading %s", path);
		return (-1);
	}
	for (;;) {
		r = read(fd, b + n, PERMIT_SIGNER_FILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || (r > 0 && (n += (size_t)r) >
		    PERMIT_SIGNER_FILE_MAX)) {
			if (r == -1)
				err_set(err, "permit: cannot read %s: %s",
				    path, strerror(errno));
			else
				err_set(err, "permit: %s is larger than %d "
				    "bytes", path, PERMIT_SIGNER_FILE_MAX);
			sodium_free(b);
			return (-1);
		}
		if (r == 0)
			break;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return (0);
}

static int
permit_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\r');
}

/*
 * The keyring text buf of path: the highest kid into *top and, when s
 * is not NULL, that key into *s.  A file of comments only gives *top 0
 * and is refused only when s asks for a key.  Errors name lines, never
 * their text.
 */
static int
permit_signer_parse(const char *path, const char *buf, size_t len,
    struct permit_signer *s, uint16_t *top, struct err *err)
{
	struct permit_lines	 l;
	struct permit_field	 f;
	const char		*p, *end;
	unsigned char		*seeds = NULL;
	uint16_t		 kids[PERMIT_SIGNER_KEYS_MAX];
	size_t			 n = 0, i, cur = 0, slen;
	int			 rc = -1;

	*top = 0;
	if ((seeds = sodium_malloc(PERMIT_SIGNER_KEYS_MAX *
	    PERMIT_SEED_LEN)) == NULL) {
		err_set(err, "permit: out of memory");
		return (-1);
	}
	l.s = buf;
	l.len = len;
	l.pos = 0;
	l.line = 0;
	while (permit_next_line(&l, &p, &slen) == 0) {
		end = slen == SIZE_MAX ? buf + len : p + slen;
		while (p < end && permit_blank(*p))
			p++;
		while (end > p && permit_blank(end[-1]))
			end--;
		if (p == end || *p == '#')
			continue;
		if (n == PERMIT_SIGNER_KEYS_MAX) {
			err_set(err, "permit: %s holds more than %d keys",
			    path, PERMIT_SIGNER_KEYS_MAX);
			goto done;
		}
		f.s = p;
		for (f.len = 0; p + f.len < end && !permit_blank(p[f.len]);
		    f.len++)
			;
		if (permit_kid_parse(&f, &kids[n]) == -1) {
			err_set(err, "permit: %s line %d: key id not in "
			    "1..65535", path, l.line);
			goto done;
		}
		for (p += f.len; p < end && permit_blank(*p); p++)
			;
		if (f.len == (size_t)(end - f.s) || permit_b64_decode(p,
		    (size_t)(end - p), seeds + n * PERMIT_SEED_LEN,
		    PERMIT_SEED_LEN) == -1) {
			err_set(err, "permit: %s line %d: want \"KID "
			    "BASE64SEED\" with a %d-byte seed", path, l.line,
			    PERMIT_SEED_LEN);
			goto done;
		}
		for (i = 0; i < n; i++) {
			if (kids[i] == kids[n] || sodium_memcmp(seeds +
			    i * PERMIT_SEED_LEN, seeds + n * PERMIT_SEED_LEN,
			    PERMIT_SEED_LEN) == 0) {
				err_set(err, "permit: %s line %d repeats a key "
				    "id or seed", path, l.line);
				goto done;
			}
		}
		if (kids[n] > kids[cur])
			cur = n;
		n++;
	}
	if (n > 0)
		*top = kids[cur];
	if (s != NULL) {
		if (n == 0) {
			err_set(err, "permit: %s holds no key", path);
			goto done;
		}
		s->kid = kids[cur];
		if (crypto_sign_seed_keypair(s->pk, s->sk,
		    seeds + cur * PERMIT_SEED_LEN) != 0) {
			err_set(err, "permit: cannot derive key %u",
			    (unsigned int)s->kid);
			goto done;
		}
	}
	rc = 0;
done:
	sodium_free(seeds);
	return (rc);
}

struct permit_signer *
permit_signer_load(const char *path, struct err *err)
{
	struct permit_signer	*s;
	char			*buf;
	size_t			 len;
	uint16_t		 top;
	int			 fd;

	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		err_set(err, "permit: cannot open %s: %s", path,
		    strerror(errno));
		return (NULL);
	}
	if (permit_file_read(fd, path, LOCK_SH, &buf, &len, err) == -1) {
		(void)close(fd);
		return (NULL);
	}
	(void)close(fd);
	if ((s = sodium_malloc(sizeof(*s))) == NULL) {
		err_set(err, "permit: out of memory");
		sodium_free(buf);
		return (NULL);
	}
	if (permit_signer_parse(path, buf, len, s, &top, err) == -1) {
		sodium_free(s);
		s = NULL;
	}
	sodium_free(buf);
	return (s);
}

void
permit_signer_free(struct permit_signer *s)
{
	/* sodium_free() wipes the whole region; NULL is a no-op. */
	sodium_free(s);
}

static int
permit_write_all(int fd, const char *p, size_t len)
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
permit_sync_dir(const char *path, struct err *err)
{
	char	 dir[PATH_MAX], *slash;
	int	 fd, w, rc;

	w = snprintf(dir, sizeof(dir), "%s", path);
	if (w < 0 || (size_t)w >= sizeof(dir)) {
		err_set(err, "permit: path too long");
		return (-1);
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_set(err, "permit: cannot open %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if ((rc = fsync(fd)) == -1)
		err_set(err, "permit: cannot sync %s: %s", dir,
		    strerror(errno));
	(void)close(fd);
	return (rc);
}

/* A new key and its line in the file: all of it secret. */
struct permit_newkey {
	unsigned char	seed[PERMIT_SEED_LEN];
	unsigned char	sk[PERMIT_SK_LEN];
	unsigned char	pk[PERMIT_PK_LEN];
	char		b64[PERMIT_B64_32 + 1];
	char		line[sizeof(PERMIT_SIGNER_HEAD) +
			    PERMIT_SIGNER_LINE_MAX];
};

/*
 * As vault_keyring_generate(): the whole job runs under an exclusive
 * lock, so two rotations cannot pick the same kid and loaders (shared
 * lock) never see half a line.
 */
int
permit_signer_generate(const char *path, uint16_t *kid,
    unsigned char pk[PERMIT_PK_LEN], struct err *err)
{
	struct permit_newkey	*nk = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	uint16_t		 top = 0;
	int			 fd, created = 0, rc = -1, w;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd != -1) {
		created = 1;
		/* Exactly 0600, whatever the umask left. */
		if (fchmod(fd, 0600) == -1 || flock(fd, LOCK_EX) == -1) {
			err_set(err, "permit: %s: %s", path, strerror(errno));
			goto done;
		}
	} else if (errno == EEXIST) {
		if ((fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK)) == -1) {
			err_set(err, "permit: cannot open %s: %s", path,
			    strerror(errno));
			goto done;
		}
		if (permit_file_read(fd, path, LOCK_EX, &buf, &len,
		    err) == -1 || permit_signer_parse(path, buf, len, NULL,
		    &top, err) == -1)
			goto done;
	} else {
		err_set(err, "permit: cannot create %s: %s", path,
		    strerror(errno));
		goto done;
	}
	if (top == UINT16_MAX) {
		err_set(err, "permit: %s: no key id above %u", path,
		    (unsigned int)top);
		goto done;
	}
	if ((nk = sodium_malloc(sizeof(*nk))) == NULL) {
		err_set(err, "permit: out of memory");
		goto done;
	}
	randombytes_buf(nk->seed, sizeof(nk->seed));
	if (crypto_sign_seed_keypair(nk->pk, nk->sk, nk->seed) != 0) {
		err_set(err, "permit: cannot derive the new key");
		goto done;
	}
	(void)sodium_bin2base64(nk->b64, sizeof(nk->b64), nk->seed,
	    sizeof(nk->seed), sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(nk->line, sizeof(nk->line), "%s%s%u %s\n",
	    created ? PERMIT_SIGNER_HEAD : "",
	    len > 0 && buf[len - 1] != '\n' ? "\n" : "",
	    (unsigned int)top + 1, nk->b64);
	if (w < 0 || (size_t)w >= sizeof(nk->line)) {
		err_set(err, "permit: key line too long");
		goto done;
	}
	if (permit_write_all(fd, nk->line, (size_t)w) == -1 ||
	    fsync(fd) == -1) {
		err_set(err, "permit: cannot write %s: %s", path,
		    strerror(errno));
		/* Never leave half a line: the file is ours under the lock. */
		if (!created && ftruncate(fd, (off_t)len) == -1)
			err_set(err, "permit: cannot write %s, and a partial "
			    "line may remain: %s", path, strerror(errno));
		goto done;
	}
	if (created && permit_sync_dir(path, err) == -1)
		goto done;
	rc = 0;
done:
	if (fd != -1 && close(fd) == -1 && rc == 0) {
		err_set(err, "permit: cannot close %s: %s", path,
		    strerror(errno));
		rc = -1;
	}
	if (rc == -1 && created)
		(void)unlink(path);
	if (rc == 0 && kid != NULL)
		*kid = (uint16_t)(top + 1);
	if (rc == 0 && pk != NULL)
		memcpy(pk, nk->pk, PERMIT_PK_LEN);
	sodium_free(nk);
	sodium_free(buf);
	return (rc);
}
