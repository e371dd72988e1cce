/*
 * Encryption at rest for uploaded documents and biometrics.  Each object
 * gets its own random data key (XChaCha20-Poly1305); the data key is
 * wrapped by a master key from a versioned keyring, so rotating the
 * master key re-wraps each 32-byte data key and re-encrypts no object.
 *
 * The caller's aad names the object and its purpose ("document:1234"):
 * it is authenticated, not stored, so a blob copied to another row does
 * not open there.
 *
 * The caller runs sodium_init() once before any vault_* call.  A keyring
 * may be shared by threads: the master keys are no-access except while a
 * call uses them, and that is counted under a lock.
 *
 * Blob format 1 (all integers big-endian):
 *	 0	4	magic "KVLT"
 *	 4	1	format, 1
 *	 5	4	master key version (u32, >= 1)
 *	 9	24	wrap nonce
 *	33	48	wrapped data key (32) + tag (16);
 *			AAD = bytes 0..8 and the data nonce
 *	81	24	data nonce
 *	105	n + 16	ciphertext + tag; AAD = the caller's aad
 */
#ifndef KITAS_VAULT_H
#define KITAS_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VAULT_PLAIN_MAX		(64 * 1024 * 1024)	/* bytes per object */
#define VAULT_OVERHEAD		121	/* blob bytes beyond the plaintext */
#define VAULT_KEYS_MAX		1024	/* master keys in one keyring */
#define VAULT_FILE_MAX		(64 * 1024)	/* keyring file size */

struct vault_keyring;

/*
 * Read the keyring file: lines "VERSION BASE64KEY" (version 1..2^32-1,
 * key 32 bytes in standard padded base64), '#' comment lines and blank
 * lines.  The file must be a regular file of mode 0600 or stricter;
 * a repeated version, a repeated key, a key of the wrong length or no
 * key at all is refused.  The current version is the highest.  Returns
 * the keyring (free with vault_keyring_free()), or NULL with err set;
 * err never holds key material.
 */
struct vault_keyring	*vault_keyring_load(const char *path,
			    struct err *err);

/* Wipe and free; NULL is allowed. */
void			 vault_keyring_free(struct vault_keyring *ring);

/* The version new blobs are sealed under: the highest in the file. */
uint32_t		 vault_keyring_current(
			    const struct vault_keyring *ring);

/*
 * Append a fresh random master key to the keyring file at path, which is
 * created (O_EXCL, mode 0600) when missing.  version 0 means "one above
 * the highest"; any other version must be above every one in the file.
 * An existing file must pass vault_keyring_load()'s checks; nothing in
 * it is ever rewritten.  The version written goes to *written (may be
 * NULL).  Processes holding the keyring must reload it to use the key.
 * 0, or -1 with err set.
 */
int			 vault_keyring_generate(const char *path,
			    uint32_t version, uint32_t *written,
			    struct err *err);

/*
 * Encrypt len bytes (at most VAULT_PLAIN_MAX; plain may be NULL when len
 * is 0) under a fresh data key wrapped with the current master key.  aad
 * must not be empty.  *blob is malloc'd, VAULT_OVERHEAD + len bytes in
 * *bloblen; the caller frees it with free().  0, or -1 with err set and
 * *blob NULL.
 */
int	vault_seal(struct vault_keyring *ring, const void *plain, size_t len,
	    const void *aad, size_t aadlen, unsigned char **blob,
	    size_t *bloblen, struct err *err);

/*
 * Decrypt a blob sealed with the same aad.  Refused (-1, err set,
 * *plain NULL): another magic or format, a master version not in ring,
 * any changed byte, another aad.  *plain is sodium_malloc'd (never NULL
 * on success, even for 0 bytes), *len bytes; the caller releases it with
 * vault_plain_free().
 */
int	vault_open(struct vault_keyring *ring, const unsigned char *blob,
	    size_t bloblen, const void *aad, size_t aadlen,
	    unsigned char **plain, size_t *len, struct err *err);

/* Wipe and free a plaintext from vault_open(); NULL is allowed. */
void	vault_plain_free(unsigned char *plain, size_t len);

/*
 * The same object with its data key wrapped under the current master
 * version: the data nonce and ciphertext are copied unchanged, only the
 * header version, wrap nonce and wrapped key are new.  A blob already at
 * the current version gets a fresh wrap too.  The wrap is verified (a
 * tampered header, wrap or data nonce is refused); the ciphertext is not,
 * as that needs the aad: vault_open() checks it.  *out is malloc'd,
 * *outlen == bloblen; the caller frees it with free().  0, or -1 with
 * err set and *out NULL.
 */
int	vault_rewrap(struct vault_keyring *ring, const unsigned char *blob,
	    size_t bloblen, unsigned char **out, size_t *outlen,
	    struct err *err);

/*
 * The master version a blob is sealed under, read from its header
 * without any check of the rest; 0 when it is not a format-1 blob.
 */
uint32_t	vault_blob_version(const unsigned char *blob, size_t len);

#endif
