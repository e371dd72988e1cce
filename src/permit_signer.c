/*
 * The secret signing keyring (see permit.h): a file of Ed25519 seeds,
 * read under a shared lock and appended to under an exclusive one.  Seeds
 * live only in sodium_malloc'd memory and never reach an err.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "keyfile.h"
#include "permit.h"
#include "permit_int.h"

/* The signing keyring file. */
#define PERMIT_SIGNER_KEYS_MAX	1024
#define PERMIT_SIGNER_FILE_MAX	(64 * 1024)
#define PERMIT_SIGNER_LINE_MAX	128
#define PERMIT_SIGNER_HEAD \
	"# KITAS e-ITAS permit signing keys: KID BASE64SEED per line; the\n" \
	"# highest kid signs.  Keep mode 0600; publish every public key.\n"

static int	permit_blank(char);
static int	permit_signer_parse(const char *, const char *, size_t,
		    struct permit_signer *, uint16_t *, struct err *);

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

	if (keyfile_read("permit", path, PERMIT_SIGNER_FILE_MAX, &buf, &len,
	    err) == -1)
		return (NULL);
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

/* A new key and its line in the file: all of it secret. */
struct permit_newkey {
	unsigned char	seed[PERMIT_SEED_LEN];
	unsigned char	sk[PERMIT_SK_LEN];
	unsigned char	pk[PERMIT_PK_LEN];
	char		b64[PERMIT_B64_32 + 1];
	char		line[PERMIT_SIGNER_LINE_MAX];
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
	struct keyfile		 kf;
	uint16_t		 top = 0;
	int			 rc = -1, w;

	if (keyfile_open(&kf, "permit", path, PERMIT_SIGNER_FILE_MAX,
	    err) == -1)
		goto done;
	if (!kf.created && permit_signer_parse(path, kf.buf, kf.len, NULL,
	    &top, err) == -1)
		goto done;
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
	w = snprintf(nk->line, sizeof(nk->line), "%u %s\n",
	    (unsigned int)top + 1, nk->b64);
	if (w < 0 || (size_t)w >= sizeof(nk->line)) {
		err_set(err, "permit: key line too long");
		goto done;
	}
	if (keyfile_append(&kf, PERMIT_SIGNER_HEAD, nk->line, (size_t)w,
	    err) == -1)
		goto done;
	rc = 0;
done:
	rc = keyfile_close(&kf, rc, err);
	if (rc == 0 && kid != NULL)
		*kid = (uint16_t)(top + 1);
	if (rc == 0 && pk != NULL)
		memcpy(pk, nk->pk, PERMIT_PK_LEN);
	sodium_free(nk);
	return (rc);
}
