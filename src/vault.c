#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keyfile.h"
#include "vault.h"

#define VAULT_MAGIC		"KVLT"
#define VAULT_MAGIC_LEN		4
#define VAULT_FORMAT		1
#define VAULT_KEY_LEN		32
#define VAULT_NONCE_LEN		24
#define VAULT_TAG_LEN		16
#define VAULT_WKEY_LEN		(VAULT_KEY_LEN + VAULT_TAG_LEN)

/* Offsets into a blob; vault.h draws the layout. */
#define VAULT_OFF_FORMAT	4
#define VAULT_OFF_VERSION	5
#define VAULT_HDR_LEN		9
#define VAULT_OFF_WNONCE	VAULT_HDR_LEN
#define VAULT_OFF_WKEY		(VAULT_OFF_WNONCE + VAULT_NONCE_LEN)
#define VAULT_OFF_DNONCE	(VAULT_OFF_WKEY + VAULT_WKEY_LEN)
#define VAULT_OFF_DATA		(VAULT_OFF_DNONCE + VAULT_NONCE_LEN)
#define VAULT_WRAP_AD_LEN	(VAULT_HDR_LEN + VAULT_NONCE_LEN)

/* Key text longer than this is not 32 bytes; shorter decodes to <= 48. */
#define VAULT_B64_MAX		64
#define VAULT_SCRATCH_LEN	48
#define VAULT_LINE_MAX		256	/* one line written by generate */
#define VAULT_FILE_HEAD \
	"# KITAS vault master keys: VERSION BASE64KEY per line; the highest\n" \
	"# version is current.  Keep mode 0600; never drop a version in use.\n"

_Static_assert(VAULT_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "data and master keys are XChaCha20-Poly1305 keys");
_Static_assert(VAULT_NONCE_LEN ==
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(VAULT_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "tag size");
_Static_assert(VAULT_OFF_DATA + VAULT_TAG_LEN == VAULT_OVERHEAD,
    "VAULT_OVERHEAD matches the layout");
/* So VAULT_OVERHEAD + len never overflows once len is bounded. */
_Static_assert(VAULT_PLAIN_MAX <= SIZE_MAX - VAULT_OVERHEAD, "size_t room");
_Static_assert(VAULT_KEYS_MAX <= (SIZE_MAX - VAULT_SCRATCH_LEN) /
    VAULT_KEY_LEN, "key region size");

struct vault_keyring {
	uint32_t	*version;	/* version[i] names key i */
	unsigned char	*keys;		/* sodium_malloc: n keys, scratch */
	size_t		 n;
	size_t		 cur;		/* index of the highest version */
	pthread_mutex_t	 lock;		/* guards users */
	unsigned int	 users;		/* calls reading keys right now */
};

static size_t	vault_count_keys(const char *, size_t);
static struct vault_keyring *vault_keyring_parse(const char *, const char *,
		    size_t, struct err *);
static int	vault_parse_line(struct vault_keyring *, size_t, const char *,
		    size_t, const char *, int, struct err *);
static const unsigned char *vault_key_get(struct vault_keyring *, size_t,
		    struct err *);
static void	vault_key_put(struct vault_keyring *);
static int	vault_check(const unsigned char *, size_t, struct err *);
static int	vault_wrap(struct vault_keyring *, unsigned char *,
		    const unsigned char *, struct err *);
static int	vault_unwrap(struct vault_keyring *, const unsigned char *,
		    unsigned char *, struct err *);

static void
vault_be32enc(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
vault_be32dec(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static int
vault_isspace(char c)
{
	return (c == ' ' || c == '\t' || c == '\r');
}

/*
 * A mutex only fails when it is corrupt; carrying on would let one call
 * lock the keys away under another.
 */
static void
vault_lock(struct vault_keyring *ring)
{
	if (pthread_mutex_lock(&ring->lock) != 0)
		abort();
}

static void
vault_unlock(struct vault_keyring *ring)
{
	if (pthread_mutex_unlock(&ring->lock) != 0)
		abort();
}

/*
 * Make the master keys readable for one call and return key i; every
 * successful call is paired with vault_key_put().  The first user opens
 * the pages, the last closes them, so threads never pull them away from
 * each other.
 */
static const unsigned char *
vault_key_get(struct vault_keyring *ring, size_t i, struct err *err)
{
	int	fail = 0;

	vault_lock(ring);
	if (ring->users == 0 && sodium_mprotect_readonly(ring->keys) == -1)
		fail = errno;
	else
		ring->users++;
	vault_unlock(ring);
	if (fail != 0) {
		err_set(err, "vault: cannot make the master keys readable: %s",
		    strerror(fail));
		return (NULL);
	}
	return (ring->keys + i * VAULT_KEY_LEN);
}

static void
vault_key_put(struct vault_keyring *ring)
{
	vault_lock(ring);
	/*
	 * Taking access away only fails when the kernel is out of memory;
	 * the keys then stay readable, which is how they were a moment ago.
	 */
	if (--ring->users == 0)
		(void)sodium_mprotect_noaccess(ring->keys);
	vault_unlock(ring);
}

/*
 * The next line of buf[*pos..len) without its newline, or NULL at the
 * end; *pos moves past the newline.
 */
static const char *
vault_line(const char *buf, size_t len, size_t *pos, size_t *linelen)
{
	const char	*s, *nl;

	if (*pos >= len)
		return (NULL);
	s = buf + *pos;
	if ((nl = memchr(s, '\n', len - *pos)) == NULL) {
		*linelen = len - *pos;
		*pos = len;
	} else {
		*linelen = (size_t)(nl - s);
		*pos += *linelen + 1;
	}
	return (s);
}

/* 1 for a line meant to hold a key: neither blank nor a comment. */
static int
vault_is_key_line(const char *s, size_t len)
{
	while (len > 0 && vault_isspace(*s)) {
		s++;
		len--;
	}
	return (len > 0 && *s != '#');
}

static size_t
vault_count_keys(const char *buf, size_t len)
{
	const char	*s;
	size_t		 pos, slen, n;

	pos = n = 0;
	while ((s = vault_line(buf, len, &pos, &slen)) != NULL)
		n += vault_is_key_line(s, slen);
	return (n);
}

/*
 * One line (number line of path), "VERSION BASE64KEY", into version[i]
 * and key i.  The key is decoded into the scratch slot after the last key
 * first, so text of any length never lands outside the key region.
 * Errors name the line, never its text.
 */
static int
vault_parse_line(struct vault_keyring *ring, size_t i, const char *s,
    size_t len, const char *path, int line, struct err *err)
{
	const char	*end = s + len, *tok;
	unsigned char	*scratch = ring->keys + ring->n * VAULT_KEY_LEN;
	size_t		 toklen, binlen;
	uint32_t	 v;
	int		 digits, rc = -1;

	while (s < end && vault_isspace(*s))
		s++;
	v = 0;
	for (digits = 0; s < end && *s >= '0' && *s <= '9'; s++, digits++) {
		if (v > (UINT32_MAX - (uint32_t)(*s - '0')) / 10) {
			digits = 0;
			break;
		}
		v = v * 10 + (uint32_t)(*s - '0');
	}
	if (digits == 0 || v == 0) {
		err_set(err, "vault: %s line %d: version is not a number in "
		    "1..%u", path, line, UINT32_MAX);
		return (-1);
	}
	if (s == end || !vault_isspace(*s)) {
		err_set(err, "vault: %s line %d: want \"VERSION BASE64KEY\"",
		    path, line);
		return (-1);
	}
	while (s < end && vault_isspace(*s))
		s++;
	for (tok = s; s < end && !vault_isspace(*s); s++)
		;
	toklen = (size_t)(s - tok);
	while (s < end && vault_isspace(*s))
		s++;
	if (toklen == 0 || s != end) {
		err_set(err, "vault: %s line %d: want \"VERSION BASE64KEY\"",
		    path, line);
		return (-1);
	}
	if (toklen > VAULT_B64_MAX) {
		err_set(err, "vault: %s line %d: key is not %d bytes", path,
		    line, VAULT_KEY_LEN);
		return (-1);
	}
	if (sodium_base642bin(scratch, VAULT_SCRATCH_LEN, tok, toklen, NULL,
	    &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) == -1) {
		err_set(err, "vault: %s line %d: key is not base64", path,
		    line);
		goto done;
	}
	if (binlen != VAULT_KEY_LEN) {
		err_set(err, "vault: %s line %d: key is %zu bytes (want %d)",
		    path, line, binlen, VAULT_KEY_LEN);
		goto done;
	}
	if (sodium_is_zero(scratch, VAULT_KEY_LEN)) {
		err_set(err, "vault: %s line %d: key is all zeros", path, line);
		goto done;
	}
	memcpy(ring->keys + i * VAULT_KEY_LEN, scratch, VAULT_KEY_LEN);
	ring->version[i] = v;
	rc = 0;
done:
	sodium_memzero(scratch, VAULT_SCRATCH_LEN);
	return (rc);
}

/*
 * The keyring in buf (the text of path).  The returned keyring's keys
 * are no-access; NULL with err set when any line is wrong.
 */
static struct vault_keyring *
vault_keyring_parse(const char *path, const char *buf, size_t len,
    struct err *err)
{
	struct vault_keyring	*ring;
	const char		*s;
	size_t			 n, i, j, pos, slen;
	int			*lineno = NULL, line;

	if ((n = vault_count_keys(buf, len)) == 0) {
		err_set(err, "vault: %s holds no key", path);
		return (NULL);
	}
	if (n > VAULT_KEYS_MAX) {
		err_set(err, "vault: %s holds %zu keys (max %d)", path, n,
		    VAULT_KEYS_MAX);
		return (NULL);
	}
	if ((ring = calloc(1, sizeof(*ring))) == NULL) {
		err_set(err, "vault: out of memory");
		return (NULL);
	}
	if (pthread_mutex_init(&ring->lock, NULL) != 0) {
		free(ring);
		err_set(err, "vault: cannot create a mutex");
		return (NULL);
	}
	ring->n = n;
	/* No overflow: n <= VAULT_KEYS_MAX (asserted at the top). */
	if ((ring->version = calloc(n, sizeof(*ring->version))) == NULL ||
	    (lineno = calloc(n, sizeof(*lineno))) == NULL ||
	    (ring->keys = sodium_malloc(n * VAULT_KEY_LEN +
	    VAULT_SCRATCH_LEN)) == NULL) {
		err_set(err, "vault: out of memory");
		goto fail;
	}
	pos = i = 0;
	line = 0;
	while ((s = vault_line(buf, len, &pos, &slen)) != NULL) {
		line++;
		if (!vault_is_key_line(s, slen))
			continue;
		if (vault_parse_line(ring, i, s, slen, path, line, err) == -1)
			goto fail;
		lineno[i++] = line;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (ring->version[i] == ring->version[j]) {
				err_set(err, "vault: %s line %d: version %u "
				    "repeats line %d", path, lineno[i],
				    ring->version[i], lineno[j]);
				goto fail;
			}
			/* A rotation that copied the old key by mistake. */
			if (sodium_memcmp(ring->keys + i * VAULT_KEY_LEN,
			    ring->keys + j * VAULT_KEY_LEN,
			    VAULT_KEY_LEN) == 0) {
				err_set(err, "vault: %s line %d: same key as "
				    "line %d", path, lineno[i], lineno[j]);
				goto fail;
			}
		}
		if (ring->version[i] > ring->version[ring->cur])
			ring->cur = i;
	}
	if (sodium_mprotect_noaccess(ring->keys) == -1) {
		err_set(err, "vault: cannot protect the master keys: %s",
		    strerror(errno));
		goto fail;
	}
	free(lineno);
	return (ring);
fail:
	free(lineno);
	vault_keyring_free(ring);
	return (NULL);
}

struct vault_keyring *
vault_keyring_load(const char *path, struct err *err)
{
	struct vault_keyring	*ring;
	char			*buf;
	size_t			 len;

	if (keyfile_read("vault", path, VAULT_FILE_MAX, &buf, &len,
	    err) == -1)
		return (NULL);
	ring = vault_keyring_parse(path, buf, len, err);
	sodium_free(buf);
	return (ring);
}

void
vault_keyring_free(struct vault_keyring *ring)
{
	if (ring == NULL)
		return;
	/* sodium_free() makes the pages writable and wipes them first. */
	sodium_free(ring->keys);
	free(ring->version);
	(void)pthread_mutex_destroy(&ring->lock);
	free(ring);
}

uint32_t
vault_keyring_current(const struct vault_keyring *ring)
{
	return (ring->version[ring->cur]);
}

/* A new master key and its line in the file: all of it secret. */
struct vault_newkey {
	unsigned char	key[VAULT_KEY_LEN];
	char		b64[sodium_base64_ENCODED_LEN(VAULT_KEY_LEN,
			    sodium_base64_VARIANT_ORIGINAL)];
	char		line[VAULT_LINE_MAX];
};

/*
 * The whole job runs under an exclusive lock on the file, so two
 * rotations cannot pick the same version, and loaders (shared lock)
 * never see half a line.
 */
int
vault_keyring_generate(const char *path, uint32_t version, uint32_t *written,
    struct err *err)
{
	struct vault_keyring	*ring;
	struct vault_newkey	*nk = NULL;
	struct keyfile		 kf;
	uint32_t		 highest = 0;
	int			 rc = -1, w;

	if (keyfile_open(&kf, "vault", path, VAULT_FILE_MAX, err) == -1)
		goto done;
	/* A file of comments only is a keyring still to be filled. */
	if (!kf.created && vault_count_keys(kf.buf, kf.len) > 0) {
		if ((ring = vault_keyring_parse(path, kf.buf, kf.len,
		    err)) == NULL)
			goto done;
		highest = vault_keyring_current(ring);
		vault_keyring_free(ring);
	}

	if (version == 0 && highest == UINT32_MAX) {
		err_set(err, "vault: %s: no version above %u", path, highest);
		goto done;
	}
	if (version == 0)
		version = highest + 1;
	else if (version <= highest) {
		err_set(err, "vault: %s already holds version %u; a new key "
		    "must be above it", path, highest);
		goto done;
	}

	if ((nk = sodium_malloc(sizeof(*nk))) == NULL) {
		err_set(err, "vault: out of memory");
		goto done;
	}
	randombytes_buf(nk->key, sizeof(nk->key));
	(void)sodium_bin2base64(nk->b64, sizeof(nk->b64), nk->key,
	    sizeof(nk->key), sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(nk->line, sizeof(nk->line), "%u %s\n", version,
	    nk->b64);
	if (w < 0 || (size_t)w >= sizeof(nk->line)) {
		err_set(err, "vault: key line too long");
		goto done;
	}
	if (keyfile_append(&kf, VAULT_FILE_HEAD, nk->line, (size_t)w,
	    err) == -1)
		goto done;
	rc = 0;
done:
	rc = keyfile_close(&kf, rc, err);
	if (rc == 0 && written != NULL)
		*written = version;
	sodium_free(nk);		/* wipes the key and its text */
	return (rc);
}

/* Length, magic and format; everything else is the AEAD's to check. */
static int
vault_check(const unsigned char *blob, size_t len, struct err *err)
{
	if (blob == NULL || len < VAULT_OVERHEAD) {
		err_set(err, "vault: blob of %zu bytes is too short (min %d)",
		    len, VAULT_OVERHEAD);
		return (-1);
	}
	if (len - VAULT_OVERHEAD > VAULT_PLAIN_MAX) {
		err_set(err, "vault: blob of %zu bytes is too long", len);
		return (-1);
	}
	if (memcmp(blob, VAULT_MAGIC, VAULT_MAGIC_LEN) != 0) {
		err_set(err, "vault: not a vault blob (bad magic)");
		return (-1);
	}
	if (blob[VAULT_OFF_FORMAT] != VAULT_FORMAT) {
		err_set(err, "vault: blob format %u not supported",
		    (unsigned int)blob[VAULT_OFF_FORMAT]);
		return (-1);
	}
	return (0);
}

/*
 * The wrap's AAD: the header (so the version cannot be edited) and the
 * data nonce (so a wrap cannot be moved onto another object's data).
 */
static void
vault_wrap_ad(const unsigned char *blob, unsigned char *ad)
{
	memcpy(ad, blob, VAULT_HDR_LEN);
	memcpy(ad + VAULT_HDR_LEN, blob + VAULT_OFF_DNONCE, VAULT_NONCE_LEN);
}

/*
 * Wrap dk into blob under the current master key: writes the version,
 * a fresh wrap nonce and the wrapped key.  The magic, format and data
 * nonce must already be in place.
 */
static int
vault_wrap(struct vault_keyring *ring, unsigned char *blob,
    const unsigned char *dk, struct err *err)
{
	const unsigned char	*mk;
	unsigned char		 ad[VAULT_WRAP_AD_LEN];
	unsigned long long	 clen;
	int			 rc;

	vault_be32enc(blob + VAULT_OFF_VERSION, ring->version[ring->cur]);
	randombytes_buf(blob + VAULT_OFF_WNONCE, VAULT_NONCE_LEN);
	vault_wrap_ad(blob, ad);
	if ((mk = vault_key_get(ring, ring->cur, err)) == NULL)
		return (-1);
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(blob + VAULT_OFF_WKEY,
	    &clen, dk, VAULT_KEY_LEN, ad, sizeof(ad), NULL,
	    blob + VAULT_OFF_WNONCE, mk);
	vault_key_put(ring);
	if (rc != 0 || clen != VAULT_WKEY_LEN) {
		err_set(err, "vault: cannot wrap the data key");
		return (-1);
	}
	return (0);
}

/* blob's data key into dk (VAULT_KEY_LEN bytes; the caller wipes it). */
static int
vault_unwrap(struct vault_keyring *ring, const unsigned char *blob,
    unsigned char *dk, struct err *err)
{
	const unsigned char	*mk;
	unsigned char		 ad[VAULT_WRAP_AD_LEN];
	unsigned long long	 dlen;
	uint32_t		 v;
	size_t			 i;
	int			 rc;

	v = vault_be32dec(blob + VAULT_OFF_VERSION);
	for (i = 0; i < ring->n && ring->version[i] != v; i++)
		;
	if (i == ring->n) {
		err_set(err, "vault: key version %u not in the keyring", v);
		return (-1);
	}
	vault_wrap_ad(blob, ad);
	if ((mk = vault_key_get(ring, i, err)) == NULL)
		return (-1);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(dk, &dlen, NULL,
	    blob + VAULT_OFF_WKEY, VAULT_WKEY_LEN, ad, sizeof(ad),
	    blob + VAULT_OFF_WNONCE, mk);
	vault_key_put(ring);
	if (rc != 0 || dlen != VAULT_KEY_LEN) {
		sodium_memzero(dk, VAULT_KEY_LEN);
		err_set(err, "vault: data key does not unwrap under key "
		    "version %u (blob altered)", v);
		return (-1);
	}
	return (0);
}

int
vault_seal(struct vault_keyring *ring, const void *plain, size_t len,
    const void *aad, size_t aadlen, unsigned char **blob, size_t *bloblen,
    struct err *err)
{
	unsigned char		 dk[VAULT_KEY_LEN], *b;
	unsigned long long	 clen;
	size_t			 n;
	int			 rc = -1;

	*blob = NULL;
	*bloblen = 0;
	if (len > VAULT_PLAIN_MAX) {
		err_set(err, "vault: %zu bytes to seal (max %d)", len,
		    VAULT_PLAIN_MAX);
		return (-1);
	}
	if ((plain == NULL && len != 0) || aad == NULL || aadlen == 0) {
		err_set(err, "vault: seal needs the data and a non-empty aad");
		return (-1);
	}
	n = VAULT_OVERHEAD + len;	/* len is bounded: no overflow */
	if ((b = malloc(n)) == NULL) {
		err_set(err, "vault: out of memory for %zu bytes", n);
		return (-1);
	}
	memcpy(b, VAULT_MAGIC, VAULT_MAGIC_LEN);
	b[VAULT_OFF_FORMAT] = VAULT_FORMAT;
	randombytes_buf(b + VAULT_OFF_DNONCE, VAULT_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_keygen(dk);
	/* Encrypt first: the master keys stay locked during the long part. */
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(b + VAULT_OFF_DATA,
	    &clen, plain, len, aad, aadlen, NULL, b + VAULT_OFF_DNONCE,
	    dk) != 0 || clen != len + VAULT_TAG_LEN) {
		err_set(err, "vault: cannot encrypt %zu bytes", len);
		goto done;
	}
	if (vault_wrap(ring, b, dk, err) == -1)
		goto done;
	*blob = b;
	*bloblen = n;
	b = NULL;
	rc = 0;
done:
	sodium_memzero(dk, sizeof(dk));
	free(b);
	return (rc);
}

int
vault_open(struct vault_keyring *ring, const unsigned char *blob,
    size_t bloblen, const void *aad, size_t aadlen, unsigned char **plain,
    size_t *len, struct err *err)
{
	unsigned char		 dk[VAULT_KEY_LEN], *p;
	unsigned long long	 mlen;
	size_t			 n;
	int			 rc = -1;

	*plain = NULL;
	*len = 0;
	if (aad == NULL || aadlen == 0) {
		err_set(err, "vault: open needs a non-empty aad");
		return (-1);
	}
	if (vault_check(blob, bloblen, err) == -1)
		return (-1);
	n = bloblen - VAULT_OVERHEAD;
	if (vault_unwrap(ring, blob, dk, err) == -1)
		return (-1);
	/* sodium_malloc(0) is not promised to work: one byte more. */
	if ((p = sodium_malloc(n + 1)) == NULL) {
		err_set(err, "vault: out of memory for %zu bytes", n);
		goto done;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(p, &mlen, NULL,
	    blob + VAULT_OFF_DATA, n + VAULT_TAG_LEN, aad, aadlen,
	    blob + VAULT_OFF_DNONCE, dk) != 0 || mlen != n) {
		err_set(err, "vault: blob does not decrypt (altered, or "
		    "another aad)");
		sodium_free(p);
		goto done;
	}
	*plain = p;
	*len = n;
	rc = 0;
done:
	sodium_memzero(dk, sizeof(dk));
	return (rc);
}

/*
 * sodium_free() wipes the whole region it handed out, so a len that
 * disagrees can neither leave bytes behind nor write past the end.
 */
void
vault_plain_free(unsigned char *plain, size_t len)
{
	sodium_free(plain);
}

int
vault_rewrap(struct vault_keyring *ring, const unsigned char *blob,
    size_t bloblen, unsigned char **out, size_t *outlen, struct err *err)
{
	unsigned char	 dk[VAULT_KEY_LEN], *b = NULL;
	int		 rc = -1;

	*out = NULL;
	*outlen = 0;
	if (vault_check(blob, bloblen, err) == -1)
		return (-1);
	if (vault_unwrap(ring, blob, dk, err) == -1)
		return (-1);
	if ((b = malloc(bloblen)) == NULL) {
		err_set(err, "vault: out of memory for %zu bytes", bloblen);
		goto done;
	}
	memcpy(b, blob, bloblen);
	if (vault_wrap(ring, b, dk, err) == -1)
		goto done;
	*out = b;
	*outlen = bloblen;
	b = NULL;
	rc = 0;
done:
	sodium_memzero(dk, sizeof(dk));
	free(b);
	return (rc);
}

uint32_t
vault_blob_version(const unsigned char *blob, size_t len)
{
	if (vault_check(blob, len, NULL) == -1)
		return (0);
	return (vault_be32dec(blob + VAULT_OFF_VERSION));
}
