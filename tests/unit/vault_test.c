/* Keyring files, sealing, tampering and key rotation (src/vault.c). */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <pthread.h>
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

#include "vault.h"

/* The layout promised in vault.h, restated so a change breaks a test. */
#define OFF_VERSION	5
#define OFF_WNONCE	9
#define OFF_WKEY	33
#define OFF_DNONCE	81
#define OFF_DATA	105

#define AAD		"document:1234"
#define MIB		(1024 * 1024)

/* Test key number seed: 32 (or keylen) known bytes, never all zeros. */
static void
test_key(unsigned char *k, int seed, size_t keylen)
{
	size_t	i;

	for (i = 0; i < keylen; i++)
		k[i] = (unsigned char)(seed * 37 + (int)i * 11 + 1);
}

static void
key_b64(char *b64, size_t sz, int seed, size_t keylen)
{
	unsigned char	k[64];

	assert_true(keylen <= sizeof(k));
	test_key(k, seed, keylen);
	assert_non_null(sodium_bin2base64(b64, sz, k, keylen,
	    sodium_base64_VARIANT_ORIGINAL));
}

/* Append "VERSION KEY\n" with key number seed to buf. */
static void
add_line(char *buf, size_t sz, uint32_t version, int seed)
{
	char	b64[128];
	size_t	used = strlen(buf);
	int	w;

	key_b64(b64, sizeof(b64), seed, 32);
	w = snprintf(buf + used, sz - used, "%u %s\n", version, b64);
	assert_true(w > 0 && (size_t)w < sz - used);
}

static void
append(char *buf, size_t sz, const char *s)
{
	size_t	used = strlen(buf);
	int	w;

	w = snprintf(buf + used, sz - used, "%s", s);
	assert_true(w >= 0 && (size_t)w < sz - used);
}

/* A 0600 keyring file with the given versions, key seed = version. */
static void
write_ring(const char *path, const uint32_t *v, size_t n)
{
	char	buf[4096] = "";
	size_t	i;

	for (i = 0; i < n; i++)
		add_line(buf, sizeof(buf), v[i], (int)v[i]);
	file_write_text(path, buf, 0600);
}

static struct vault_keyring *
load_ok(const char *path)
{
	struct vault_keyring	*ring;
	struct err		 err;

	memset(&err, 0, sizeof(err));
	if ((ring = vault_keyring_load(path, &err)) == NULL)
		print_error("%s\n", err.msg);
	assert_non_null(ring);
	return (ring);
}

/* The error message says want (a part of it). */
static void
assert_says(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("got \"%s\", want \"%s\"", msg, want);
}

static void
load_fails(const char *path, const char *want)
{
	struct err	err;

	memset(&err, 0, sizeof(err));
	assert_null(vault_keyring_load(path, &err));
	assert_says(err.msg, want);
}

static void
seal_ok(struct vault_keyring *ring, const void *p, size_t len,
    const char *aad, unsigned char **blob, size_t *bloblen)
{
	struct err	err;

	if (vault_seal(ring, p, len, aad, strlen(aad), blob, bloblen,
	    &err) == -1)
		print_error("%s\n", err.msg);
	assert_non_null(*blob);
	assert_int_equal(*bloblen, len + VAULT_OVERHEAD);
}

/* Open blob with aad and compare the result with want. */
static void
open_ok(struct vault_keyring *ring, const unsigned char *blob,
    size_t bloblen, const char *aad, const void *want, size_t wantlen)
{
	unsigned char	*p;
	size_t		 len;
	struct err	 err;

	if (vault_open(ring, blob, bloblen, aad, strlen(aad), &p, &len,
	    &err) == -1)
		print_error("%s\n", err.msg);
	assert_non_null(p);
	assert_int_equal(len, wantlen);
	if (wantlen > 0)
		assert_memory_equal(p, want, wantlen);
	vault_plain_free(p, len);
}

/* Open must fail, leave *plain NULL, and say something containing want. */
static void
open_fails(struct vault_keyring *ring, const unsigned char *blob,
    size_t bloblen, const void *aad, size_t aadlen, const char *want)
{
	unsigned char	*p = (unsigned char *)"x";
	size_t		 len = 99;
	struct err	 err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(vault_open(ring, blob, bloblen, aad, aadlen, &p, &len,
	    &err), -1);
	assert_null(p);
	assert_int_equal(len, 0);
	assert_true(err.msg[0] != '\0');
	if (want != NULL)
		assert_says(err.msg, want);
}

static int
contains(const unsigned char *hay, size_t haylen, const void *needle,
    size_t len)
{
	size_t	i;

	for (i = 0; i + len <= haylen; i++) {
		if (memcmp(hay + i, needle, len) == 0)
			return (1);
	}
	return (0);
}

/* A keyring file holding versions 1 and 2, loaded. */
static struct vault_keyring *
ring12(const char *name)
{
	static const uint32_t	 v[] = { 1, 2 };
	char			 path[128];

	path_of(path, sizeof(path), name);
	write_ring(path, v, 2);
	return (load_ok(path));
}

static int
setup(void **state)
{
	if (sodium_init() < 0)
		return (-1);
	return (tmpdir_make("vault_test"));
}

static int
teardown(void **state)
{
	return (tmpdir_remove());
}

static void
round_trips_0_1_and_1mib(void **state)
{
	static const size_t	 sizes[] = { 0, 1, 1000, MIB };
	struct vault_keyring	*ring = ring12("rt");
	unsigned char		*plain, *blob;
	size_t			 i, bloblen;

	assert_non_null(plain = malloc(MIB));
	randombytes_buf(plain, MIB);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		seal_ok(ring, plain, sizes[i], AAD, &blob, &bloblen);
		assert_int_equal(vault_blob_version(blob, bloblen), 2);
		open_ok(ring, blob, bloblen, AAD, plain, sizes[i]);
		free(blob);
	}
	/* No data at all may come as NULL. */
	seal_ok(ring, NULL, 0, AAD, &blob, &bloblen);
	open_ok(ring, blob, bloblen, AAD, NULL, 0);
	free(blob);
	free(plain);
	vault_keyring_free(ring);
}

static void
blob_layout_is_as_documented(void **state)
{
	static const uint32_t	 v[] = { 7, 0x01020304 };
	struct vault_keyring	*ring;
	unsigned char		*a, *b;
	size_t			 alen, blen;
	char			 path[128];

	path_of(path, sizeof(path), "layout");
	write_ring(path, v, 2);
	ring = load_ok(path);
	assert_int_equal(vault_keyring_current(ring), 0x01020304);
	seal_ok(ring, "same", 4, AAD, &a, &alen);
	seal_ok(ring, "same", 4, AAD, &b, &blen);
	assert_memory_equal(a, "KVLT\x01\x01\x02\x03\x04", 9);
	assert_int_equal(alen, OFF_DATA + 4 + 16);
	assert_int_equal(vault_blob_version(a, alen), 0x01020304);
	/* Fresh nonces and data key every time: nothing after the header. */
	assert_memory_not_equal(a + OFF_WNONCE, b + OFF_WNONCE, 24);
	assert_memory_not_equal(a + OFF_WKEY, b + OFF_WKEY, 48);
	assert_memory_not_equal(a + OFF_DNONCE, b + OFF_DNONCE, 24);
	assert_memory_not_equal(a + OFF_DATA, b + OFF_DATA, 4 + 16);
	free(a);
	free(b);
	vault_keyring_free(ring);
}

/* Every bit pattern in every byte: open refuses, rewrap refuses the wrap. */
static void
every_altered_byte_is_refused(void **state)
{
	static const unsigned char	 flips[] = { 0x01, 0x80, 0xff };
	struct vault_keyring		*ring = ring12("flip");
	unsigned char			*blob, *out;
	size_t				 bloblen, outlen, i, f;
	struct err			 err;

	seal_ok(ring, "passport C1234567", 17, AAD, &blob, &bloblen);
	for (i = 0; i < bloblen; i++) {
		for (f = 0; f < sizeof(flips); f++) {
			blob[i] ^= flips[f];
			open_fails(ring, blob, bloblen, AAD, strlen(AAD), NULL);
			if (i < OFF_DATA) {
				assert_int_equal(vault_rewrap(ring, blob,
				    bloblen, &out, &outlen, &err), -1);
				assert_null(out);
			}
			blob[i] ^= flips[f];
		}
	}
	open_ok(ring, blob, bloblen, AAD, "passport C1234567", 17);
	free(blob);
	vault_keyring_free(ring);
}

static void
another_aad_is_refused(void **state)
{
	static const char	*other[] = {
		"document:1235", "document:123", "document:12345",
		"biometric:1234", "Document:1234", "document:1234\n",
	};
	struct vault_keyring	*ring = ring12("aad");
	unsigned char		*blob, *b2;
	size_t			 bloblen, b2len, i;
	struct err		 err;

	seal_ok(ring, "photo", 5, AAD, &blob, &bloblen);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		open_fails(ring, blob, bloblen, other[i], strlen(other[i]),
		    "does not decrypt");
	/* Only the aad's bytes count, not a trailing NUL. */
	open_fails(ring, blob, bloblen, AAD, sizeof(AAD), "does not decrypt");
	open_fails(ring, blob, bloblen, "", 0, "aad");
	open_fails(ring, blob, bloblen, NULL, 0, "aad");
	open_ok(ring, blob, bloblen, AAD, "photo", 5);
	/* An object that names nothing could be swapped: refused. */
	assert_int_equal(vault_seal(ring, "x", 1, "", 0, &b2, &b2len, &err),
	    -1);
	assert_null(b2);
	assert_int_equal(vault_seal(ring, "x", 1, NULL, 0, &b2, &b2len, &err),
	    -1);
	free(blob);
	vault_keyring_free(ring);
}

/* Each length in its own allocation, so ASan sees any read past it. */
static void
truncated_and_extended_blobs_are_refused(void **state)
{
	struct vault_keyring	*ring = ring12("trunc");
	unsigned char		*blob, *cut, *out;
	size_t			 bloblen, outlen, n;
	struct err		 err;

	seal_ok(ring, "fingerprint template", 20, AAD, &blob, &bloblen);
	for (n = 0; n < bloblen; n++) {
		assert_non_null(cut = malloc(n == 0 ? 1 : n));
		memcpy(cut, blob, n);
		open_fails(ring, cut, n, AAD, strlen(AAD), NULL);
		if (n < VAULT_OVERHEAD) {
			assert_int_equal(vault_blob_version(cut, n), 0);
			assert_int_equal(vault_rewrap(ring, cut, n, &out,
			    &outlen, &err), -1);
			assert_says(err.msg, "too short");
		}
		free(cut);
	}
	open_fails(ring, NULL, 0, AAD, strlen(AAD), "too short");
	assert_int_equal(vault_blob_version(NULL, 0), 0);
	assert_non_null(cut = malloc(bloblen + 1));
	memcpy(cut, blob, bloblen);
	cut[bloblen] = 0;
	open_fails(ring, cut, bloblen + 1, AAD, strlen(AAD),
	    "does not decrypt");
	free(cut);
	free(blob);
	vault_keyring_free(ring);
}

static void
bad_magic_format_and_unknown_version(void **state)
{
	static const uint32_t	 v1[] = { 1 }, v2[] = { 2 };
	struct vault_keyring	*r1, *r2, *other1;
	unsigned char		*blob, *out;
	size_t			 bloblen, outlen;
	char			 path[128], buf[256] = "";
	struct err		 err;

	path_of(path, sizeof(path), "only1");
	write_ring(path, v1, 1);
	r1 = load_ok(path);
	path_of(path, sizeof(path), "only2");
	write_ring(path, v2, 1);
	r2 = load_ok(path);
	/* Version 1 again, but another key. */
	path_of(path, sizeof(path), "other1");
	add_line(buf, sizeof(buf), 1, 99);
	file_write_text(path, buf, 0600);
	other1 = load_ok(path);

	seal_ok(r2, "visa", 4, AAD, &blob, &bloblen);
	open_fails(r1, blob, bloblen, AAD, strlen(AAD),
	    "key version 2 not in the keyring");
	assert_int_equal(vault_rewrap(r1, blob, bloblen, &out, &outlen, &err),
	    -1);
	assert_says(err.msg, "key version 2 not in the keyring");
	blob[OFF_VERSION + 3] = 7;
	open_fails(r2, blob, bloblen, AAD, strlen(AAD),
	    "key version 7 not in the keyring");
	assert_int_equal(vault_blob_version(blob, bloblen), 7);
	blob[OFF_VERSION + 3] = 2;
	blob[0] = 'X';
	open_fails(r2, blob, bloblen, AAD, strlen(AAD), "bad magic");
	assert_int_equal(vault_blob_version(blob, bloblen), 0);
	blob[0] = 'K';
	blob[4] = 2;
	open_fails(r2, blob, bloblen, AAD, strlen(AAD), "format 2");
	assert_int_equal(vault_blob_version(blob, bloblen), 0);
	blob[4] = 1;
	open_ok(r2, blob, bloblen, AAD, "visa", 4);
	free(blob);

	seal_ok(r1, "visa", 4, AAD, &blob, &bloblen);
	open_fails(other1, blob, bloblen, AAD, strlen(AAD), "does not unwrap");
	free(blob);
	vault_keyring_free(r1);
	vault_keyring_free(r2);
	vault_keyring_free(other1);
}

/* Keep the lines of path that do not start with prefix. */
static void
drop_lines(const char *path, const char *prefix)
{
	char	in[4096], out[4096] = "", *line, *save;
	size_t	used = 0;

	file_read_text(path, in, sizeof(in));
	for (line = strtok_r(in, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			continue;
		used += (size_t)snprintf(out + used, sizeof(out) - used,
		    "%s\n", line);
		assert_true(used < sizeof(out));
	}
	file_write_text(path, out, 0600);
}

static void
rotation_rewraps_without_touching_the_data(void **state)
{
	static const uint32_t	 v1[] = { 1 };
	struct vault_keyring	*ring;
	unsigned char		*old, *fresh, *moved, *again;
	size_t			 oldlen, freshlen, movedlen, againlen;
	char			 path[128], plain[64];
	uint32_t		 w;
	struct err		 err;

	randombytes_buf(plain, sizeof(plain));
	path_of(path, sizeof(path), "rotate");
	write_ring(path, v1, 1);
	ring = load_ok(path);
	seal_ok(ring, plain, sizeof(plain), AAD, &old, &oldlen);
	assert_int_equal(vault_blob_version(old, oldlen), 1);
	vault_keyring_free(ring);

	/* kitasctl keys rotate, then every process reloads. */
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), 0);
	assert_int_equal(w, 2);
	ring = load_ok(path);
	assert_int_equal(vault_keyring_current(ring), 2);
	open_ok(ring, old, oldlen, AAD, plain, sizeof(plain));
	seal_ok(ring, plain, sizeof(plain), AAD, &fresh, &freshlen);
	assert_int_equal(vault_blob_version(fresh, freshlen), 2);

	if (vault_rewrap(ring, old, oldlen, &moved, &movedlen, &err) == -1)
		print_error("%s\n", err.msg);
	assert_non_null(moved);
	assert_int_equal(movedlen, oldlen);
	assert_int_equal(vault_blob_version(moved, movedlen), 2);
	/* Data nonce and ciphertext byte for byte; the wrap is new. */
	assert_memory_equal(moved + OFF_DNONCE, old + OFF_DNONCE,
	    oldlen - OFF_DNONCE);
	assert_memory_not_equal(moved + OFF_WNONCE, old + OFF_WNONCE, 24);
	assert_memory_not_equal(moved + OFF_WKEY, old + OFF_WKEY, 48);
	open_ok(ring, moved, movedlen, AAD, plain, sizeof(plain));
	open_fails(ring, moved, movedlen, "document:9", 10, "does not decrypt");
	/* Rewrapping a current blob is harmless: a new wrap, same data. */
	assert_int_equal(vault_rewrap(ring, moved, movedlen, &again, &againlen,
	    &err), 0);
	assert_memory_equal(again + OFF_DNONCE, old + OFF_DNONCE,
	    oldlen - OFF_DNONCE);
	open_ok(ring, again, againlen, AAD, plain, sizeof(plain));
	free(again);
	vault_keyring_free(ring);

	/* Version 1 retired: only what was rewrapped still opens. */
	drop_lines(path, "1 ");
	ring = load_ok(path);
	assert_int_equal(vault_keyring_current(ring), 2);
	open_ok(ring, moved, movedlen, AAD, plain, sizeof(plain));
	open_ok(ring, fresh, freshlen, AAD, plain, sizeof(plain));
	open_fails(ring, old, oldlen, AAD, strlen(AAD),
	    "key version 1 not in the keyring");
	assert_int_equal(vault_rewrap(ring, old, oldlen, &again, &againlen,
	    &err), -1);
	assert_null(again);
	free(old);
	free(fresh);
	free(moved);
	vault_keyring_free(ring);
}

struct bad_file {
	const char	*name;
	const char	*text;	/* NULL: built by the test */
	mode_t		 mode;
	const char	*want;
};

static void
keyring_files_that_are_refused(void **state)
{
	static const struct bad_file	 bad[] = {
		{ "empty", "", 0600, "holds no key" },
		{ "comments", "# keys\n\n   \n\t# none yet\n", 0600,
		    "holds no key" },
		{ "b64", "1 !!!!not+base64!!!!\n", 0600, "line 1: key is not "
		    "base64" },
		{ "nokey", "# x\n1\n", 0600, "line 2: want" },
		{ "extra", NULL, 0600, "want" },
		{ "v0", "0 AAAA\n", 0600, "version is not a number" },
		{ "vneg", "-1 AAAA\n", 0600, "version is not a number" },
		{ "vbig", "4294967296 AAAA\n", 0600,
		    "version is not a number" },
		{ "vtext", "one AAAA\n", 0600, "version is not a number" },
		{ "nospace", "1AAAA\n", 0600, "want" },
		{ "zero", "1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		    0600, "all zeros" },
		{ "long", NULL, 0600, "key is not 32 bytes" },
	};
	struct bad_file	 b;
	char		 path[128], text[512];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = bad[i];
		path_of(path, sizeof(path), b.name);
		if (strcmp(b.name, "extra") == 0) {
			text[0] = '\0';
			add_line(text, sizeof(text), 1, 1);
			text[strlen(text) - 1] = '\0';
			append(text, sizeof(text), " 2\n");
			b.text = text;
		} else if (strcmp(b.name, "long") == 0) {
			memset(text, 'A', 200);
			memcpy(text, "1 ", 2);
			text[200] = '\0';
			b.text = text;
		}
		file_write_text(path, b.text, b.mode);
		load_fails(path, b.want);
	}
}

static void
keyring_bad_keys_and_repeats(void **state)
{
	static const mode_t	 modes[] = { 0644, 0640, 0604, 0660, 0606,
	    0700, 0610, 0601, 04600, 0666 };
	char			 path[128], text[1024], b64[128], want[64];
	struct err		 err;
	size_t			 i;

	/* A key of 31 or 33 bytes, and the error never shows the key. */
	for (i = 31; i <= 33; i += 2) {
		path_of(path, sizeof(path), "len");
		key_b64(b64, sizeof(b64), 5, i);
		(void)snprintf(text, sizeof(text), "1 %s\n", b64);
		file_write_text(path, text, 0600);
		(void)snprintf(want, sizeof(want), "key is %zu bytes (want 32)",
		    i);
		load_fails(path, want);
		assert_null(vault_keyring_load(path, &err));
		assert_null(strstr(err.msg, b64));
	}

	text[0] = '\0';
	add_line(text, sizeof(text), 1, 1);
	add_line(text, sizeof(text), 2, 2);
	add_line(text, sizeof(text), 1, 3);
	path_of(path, sizeof(path), "dup");
	file_write_text(path, text, 0600);
	load_fails(path, "line 3: version 1 repeats line 1");

	text[0] = '\0';
	add_line(text, sizeof(text), 1, 1);
	add_line(text, sizeof(text), 2, 1);
	path_of(path, sizeof(path), "samekey");
	file_write_text(path, text, 0600);
	load_fails(path, "line 2: same key as line 1");

	/* Good content, but group or others may read or write it. */
	text[0] = '\0';
	add_line(text, sizeof(text), 1, 1);
	path_of(path, sizeof(path), "mode");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		file_write_text(path, text, modes[i]);
		(void)snprintf(want, sizeof(want), "has mode %04o",
		    (unsigned int)modes[i]);
		load_fails(path, want);
	}
	file_write_text(path, text, 0400);
	vault_keyring_free(load_ok(path));
	file_write_text(path, text, 0600);
	vault_keyring_free(load_ok(path));
}

static void
keyring_must_be_a_small_regular_file(void **state)
{
	char	 path[128], link[128], *big;
	size_t	 n;

	path_of(path, sizeof(path), "adir");
	assert_int_equal(mkdir(path, 0700), 0);
	load_fails(path, "not a regular file");
	path_of(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	load_fails(path, "not a regular file");
	path_of(path, sizeof(path), "missing");
	load_fails(path, "cannot open");

	/* Comments past the size limit. */
	n = VAULT_FILE_MAX + 1;
	assert_non_null(big = malloc(n));
	memset(big, '#', n);
	path_of(path, sizeof(path), "big");
	file_write(path, big, n, 0600);
	load_fails(path, "larger than");
	free(big);

	/* A symlink to a good file is followed (secret volumes use them). */
	path_of(path, sizeof(path), "target");
	path_of(link, sizeof(link), "link");
	big = calloc(1, 256);
	add_line(big, 256, 4, 4);
	file_write_text(path, big, 0600);
	free(big);
	assert_int_equal(symlink(path, link), 0);
	vault_keyring_free(load_ok(link));
}

static void
keyring_allows_comments_blanks_crlf_any_order(void **state)
{
	struct vault_keyring	*ring;
	unsigned char		*blob;
	size_t			 bloblen;
	char			 path[128], text[1024] = "", b64[128];

	append(text, sizeof(text), "# master keys\n\n   \n  3 ");
	key_b64(b64, sizeof(b64), 3, 32);
	append(text, sizeof(text), b64);
	append(text, sizeof(text), "  \r\n# retired soon\n");
	add_line(text, sizeof(text), 1, 1);
	append(text, sizeof(text), "\t2\t");
	key_b64(b64, sizeof(b64), 2, 32);
	append(text, sizeof(text), b64);	/* no newline at the end */
	path_of(path, sizeof(path), "comments");
	file_write_text(path, text, 0600);
	ring = load_ok(path);
	assert_int_equal(vault_keyring_current(ring), 3);
	seal_ok(ring, "kitas", 5, AAD, &blob, &bloblen);
	assert_int_equal(vault_blob_version(blob, bloblen), 3);
	open_ok(ring, blob, bloblen, AAD, "kitas", 5);
	free(blob);
	vault_keyring_free(ring);
}

static void
generate_appends_the_next_version_at_0600(void **state)
{
	struct vault_keyring	*ring;
	struct stat		 st;
	unsigned char		*blob;
	size_t			 bloblen, len1;
	char			 path[128], before[4096], after[4096];
	char			 text[256] = "";
	uint32_t		 w;
	struct err		 err;
	mode_t			 old;

	/* A new file is created 0600 whatever the umask. */
	path_of(path, sizeof(path), "gen-umask0");
	old = umask(0);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), 0);
	(void)umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	path_of(path, sizeof(path), "gen");
	old = umask(0277);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), 0);
	(void)umask(old);
	assert_int_equal(w, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	ring = load_ok(path);
	assert_int_equal(vault_keyring_current(ring), 1);
	seal_ok(ring, "old", 3, AAD, &blob, &bloblen);
	vault_keyring_free(ring);

	len1 = file_read_text(path, before, sizeof(before));
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), 0);
	assert_int_equal(w, 2);
	assert_true(file_read_text(path, after, sizeof(after)) > len1);
	assert_memory_equal(before, after, len1);	/* append only */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	ring = load_ok(path);
	assert_int_equal(vault_keyring_current(ring), 2);
	open_ok(ring, blob, bloblen, AAD, "old", 3);
	vault_keyring_free(ring);
	free(blob);

	assert_int_equal(vault_keyring_generate(path, 10, &w, &err), 0);
	assert_int_equal(w, 10);
	assert_int_equal(vault_keyring_generate(path, 5, &w, &err), -1);
	assert_says(err.msg, "must be above");
	assert_int_equal(vault_keyring_generate(path, 10, NULL, &err), -1);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), 0);
	assert_int_equal(w, 11);
	ring = load_ok(path);
	assert_int_equal(vault_keyring_current(ring), 11);
	vault_keyring_free(ring);

	/* A hand-written file without a final newline stays parseable. */
	add_line(text, sizeof(text), 1, 1);
	text[strlen(text) - 1] = '\0';
	path_of(path, sizeof(path), "gen-nonl");
	file_write_text(path, text, 0600);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), 0);
	assert_int_equal(w, 2);
	vault_keyring_free(load_ok(path));

	/* A file of comments is filled from version 1. */
	path_of(path, sizeof(path), "gen-comments");
	file_write_text(path, "# to be filled\n", 0600);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), 0);
	assert_int_equal(w, 1);
	vault_keyring_free(load_ok(path));
}

static void
generate_refuses_what_load_refuses(void **state)
{
	char		 path[128], text[256] = "", after[256];
	uint32_t	 w = 0;
	struct err	 err;

	add_line(text, sizeof(text), 1, 1);
	path_of(path, sizeof(path), "gen-0644");
	file_write_text(path, text, 0644);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), -1);
	assert_says(err.msg, "has mode 0644");
	file_read_text(path, after, sizeof(after));
	assert_string_equal(after, text);

	path_of(path, sizeof(path), "gen-bad");
	file_write_text(path, "1 !!!\n", 0600);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), -1);
	assert_says(err.msg, "not base64");
	file_read_text(path, after, sizeof(after));
	assert_string_equal(after, "1 !!!\n");

	path_of(path, sizeof(path), "gen-max");
	text[0] = '\0';
	add_line(text, sizeof(text), UINT32_MAX, 1);
	file_write_text(path, text, 0600);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), -1);
	assert_says(err.msg, "no version above");

	path_of(path, sizeof(path), "gen-dir");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), -1);
	path_of(path, sizeof(path), "no-such-dir/keys");
	assert_int_equal(vault_keyring_generate(path, 0, &w, &err), -1);
	assert_says(err.msg, "cannot create");
	assert_int_equal(w, 0);
}

/* A recognisable 32-byte pattern, and the master key, never in a blob. */
static void
plaintext_does_not_appear_in_the_blob(void **state)
{
	static const char	 pat[] = "KITAS-PASSPORT-C1234567-BIOMETRY";
	struct vault_keyring	*ring = ring12("leak");
	unsigned char		 plain[32 * 64], key[32], *blob;
	size_t			 i, bloblen;

	assert_int_equal(sizeof(pat) - 1, 32);
	for (i = 0; i < sizeof(plain); i += 32)
		memcpy(plain + i, pat, 32);
	seal_ok(ring, plain, sizeof(plain), AAD, &blob, &bloblen);
	/* Any 8 bytes of it: a random match is ~2^-53 over this blob. */
	for (i = 0; i + 8 <= 32; i++)
		assert_false(contains(blob, bloblen, pat + i, 8));
	assert_false(contains(blob, bloblen, AAD, strlen(AAD)));
	test_key(key, 2, 32);
	assert_false(contains(blob, bloblen, key, 8));
	open_ok(ring, blob, bloblen, AAD, plain, sizeof(plain));
	free(blob);
	vault_keyring_free(ring);
}

static void
seal_bounds_its_input(void **state)
{
	struct vault_keyring	*ring = ring12("bounds");
	unsigned char		*blob, *big;
	size_t			 bloblen;
	struct err		 err;

	/* Refused before a byte is read: ASan would see one. */
	assert_int_equal(vault_seal(ring, "x", (size_t)VAULT_PLAIN_MAX + 1,
	    AAD, strlen(AAD), &blob, &bloblen, &err), -1);
	assert_null(blob);
	assert_says(err.msg, "max");
	assert_int_equal(vault_seal(ring, "x", SIZE_MAX, AAD, strlen(AAD),
	    &blob, &bloblen, &err), -1);
	assert_int_equal(vault_seal(ring, NULL, 1, AAD, strlen(AAD), &blob,
	    &bloblen, &err), -1);
	/* A blob claiming more than the limit is refused by its length. */
	open_fails(ring, (const unsigned char *)"KVLT", SIZE_MAX, AAD,
	    strlen(AAD), "too long");

	/* The limit itself is allowed. */
	assert_non_null(big = malloc(VAULT_PLAIN_MAX));
	memset(big, 0x5a, VAULT_PLAIN_MAX);
	seal_ok(ring, big, VAULT_PLAIN_MAX, AAD, &blob, &bloblen);
	open_ok(ring, blob, bloblen, AAD, big, VAULT_PLAIN_MAX);
	free(blob);
	free(big);
	vault_keyring_free(ring);
}

static void
free_accepts_null(void **state)
{
	vault_keyring_free(NULL);
	vault_plain_free(NULL, 0);
}

#define THREADS		8
#define ROUNDS		200

static void *
worker(void *arg)
{
	struct vault_keyring	*ring = arg;
	unsigned char		 plain[100], *blob, *moved, *p;
	size_t			 bloblen, movedlen, len;
	struct err		 err;
	int			 i;
	intptr_t		 bad = 0;

	for (i = 0; i < ROUNDS; i++) {
		randombytes_buf(plain, sizeof(plain));
		if (vault_seal(ring, plain, sizeof(plain), AAD, strlen(AAD),
		    &blob, &bloblen, &err) == -1) {
			bad++;
			continue;
		}
		if (vault_rewrap(ring, blob, bloblen, &moved, &movedlen,
		    &err) == -1 || vault_open(ring, moved, movedlen, AAD,
		    strlen(AAD), &p, &len, &err) == -1)
			bad++;
		else {
			bad += len != sizeof(plain) ||
			    memcmp(p, plain, len) != 0;
			vault_plain_free(p, len);
		}
		free(moved);
		free(blob);
	}
	return ((void *)bad);
}

/* The keys are locked away between uses; threads must not race on it. */
static void
threads_share_a_keyring(void **state)
{
	struct vault_keyring	*ring = ring12("threads");
	pthread_t		 t[THREADS];
	void			*bad;
	int			 i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, ring), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_int_equal((intptr_t)bad, 0);
	}
	vault_keyring_free(ring);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips_0_1_and_1mib),
		cmocka_unit_test(blob_layout_is_as_documented),
		cmocka_unit_test(every_altered_byte_is_refused),
		cmocka_unit_test(another_aad_is_refused),
		cmocka_unit_test(truncated_and_extended_blobs_are_refused),
		cmocka_unit_test(bad_magic_format_and_unknown_version),
		cmocka_unit_test(rotation_rewraps_without_touching_the_data),
		cmocka_unit_test(keyring_files_that_are_refused),
		cmocka_unit_test(keyring_bad_keys_and_repeats),
		cmocka_unit_test(keyring_must_be_a_small_regular_file),
		cmocka_unit_test(keyring_allows_comments_blanks_crlf_any_order),
		cmocka_unit_test(generate_appends_the_next_version_at_0600),
		cmocka_unit_test(generate_refuses_what_load_refuses),
		cmocka_unit_test(plaintext_does_not_appear_in_the_blob),
		cmocka_unit_test(seal_bounds_its_input),
		cmocka_unit_test(free_accepts_null),
		cmocka_unit_test(threads_share_a_keyring),
	};

	return (cmocka_run_group_tests_name("vault", tests, setup, teardown));
}
