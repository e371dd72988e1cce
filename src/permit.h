/*
 * The e-ITAS permit token (what the permit's QR code carries), the
 * keyring it is signed with, the public key list the server publishes and
 * the signed revocation list.  A verifier needs only the key list and the
 * last revocation list it downloaded: checking a token never goes online.
 * assets/permit-token.md describes every format byte by byte, with a test
 * vector (tests/vectors/permit-token.txt).
 *
 * Token, format 1 (integers big-endian):
 *	0	1	version, 1
 *	1	2	key id (u16, 1..65535)
 *	3	1+n	number: u8 length, bytes [A-Z0-9-]{1,32}
 *	.	1+n	holder: u8 length, UTF-8, 1..100 bytes, no control chars
 *	.	1+n	passport: u8 length, [A-Z0-9]{1,20}
 *	.	3	nationality, [A-Z]{3}
 *	.	1+n	kind: u8 length, [A-Z0-9]{1,10}
 *	.	2	valid_from (u16 days since 1970-01-01)
 *	.	2	valid_to (u16 days, inclusive, >= valid_from)
 *	.	64	Ed25519 signature over "KITAS-PERMIT-TOKEN\0" (19 bytes)
 *			followed by every byte above
 * Text: "KITAS1:" and RFC 4648 base32 (A-Z2-7, no padding) of all of it,
 * which QR alphanumeric mode holds as is.
 *
 * The caller runs sodium_init() once before any permit_* call.
 */
#ifndef KITAS_PERMIT_H
#define KITAS_PERMIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define PERMIT_NUMBER_MAX	32	/* "SMG-2026-P000012": [A-Z0-9-] */
#define PERMIT_HOLDER_MAX	100	/* bytes of UTF-8 */
#define PERMIT_PASSPORT_MAX	20	/* [A-Z0-9] */
#define PERMIT_NATIONALITY_LEN	3	/* ISO 3166-1 alpha-3 */
#define PERMIT_KIND_MAX		10	/* [A-Z0-9]: E23, E31A, RETIREMENT */
#define PERMIT_DAY_MAX		65535	/* last day a token can carry */

#define PERMIT_PREFIX		"KITAS1:"
#define PERMIT_PK_LEN		32	/* crypto_sign_PUBLICKEYBYTES */
#define PERMIT_SK_LEN		64	/* crypto_sign_SECRETKEYBYTES */
#define PERMIT_SEED_LEN		32	/* crypto_sign_SEEDBYTES */
#define PERMIT_SIG_LEN		64	/* crypto_sign_BYTES */
/* Largest body + signature: 3 + 33 + 101 + 21 + 3 + 11 + 4 + 64. */
#define PERMIT_TOKEN_BIN_MAX	240
/* Prefix, ceil(240 * 8 / 5) base32 characters, NUL. */
#define PERMIT_TOKEN_MAX	(7 + 384 + 1)

#define PERMIT_DAY_LEN		10	/* "YYYY-MM-DD" */
#define PERMIT_TIME_LEN		20	/* "YYYY-MM-DDTHH:MM:SSZ" */

#define PERMIT_KEYS_HEADER	"KITAS-PERMIT-KEYS 1\n"
#define PERMIT_KEYS_MAX		1024		/* keys in one list */
#define PERMIT_KEYS_TEXT_MAX	(128 * 1024)	/* bytes of one list */
#define PERMIT_KEYS_LINE_MAX	128		/* one "key ..." line + NUL */
#define PERMIT_DAY_OPEN		(-1)		/* "-": no end date */

#define PERMIT_CRL_HEADER	"KITAS-PERMIT-CRL 1\n"
#define PERMIT_CRL_TEXT_MAX	(16 * 1024 * 1024)
#define PERMIT_CRL_ENTRIES_MAX	200000

struct permit {
	char	number[PERMIT_NUMBER_MAX + 1];
	char	holder[PERMIT_HOLDER_MAX + 1];
	char	passport[PERMIT_PASSPORT_MAX + 1];
	char	nationality[PERMIT_NATIONALITY_LEN + 1];
	char	kind[PERMIT_KIND_MAX + 1];
	int32_t	valid_from;	/* days since 1970-01-01 (UTC dates) */
	int32_t	valid_to;	/* inclusive last day, >= valid_from */
};

/* What permit_check() found, in the order it looks. */
enum permit_check {
	PERMIT_VALID = 0,
	PERMIT_MALFORMED,	/* not a format-1 token, any field wrong */
	PERMIT_UNKNOWN_KEY,	/* key id not in the key list */
	PERMIT_FORGED,		/* signature does not verify */
	PERMIT_KEY_REVOKED,	/* signed by a key the list marks revoked */
	PERMIT_REVOKED,		/* number in the revocation list */
	PERMIT_EXPIRED,		/* today > valid_to */
	PERMIT_NOT_YET_VALID	/* today < valid_from */
};

enum permit_key_status {
	PERMIT_KEYSTATUS_ACTIVE = 0,	/* signs new tokens */
	PERMIT_KEYSTATUS_RETIRED,	/* signs no more; its tokens hold */
	PERMIT_KEYSTATUS_REVOKED	/* compromised: its tokens fail */
};

/* One line of the public key list. */
struct permit_key {
	uint16_t		kid;
	int32_t			from;	/* first signing day */
	int32_t			to;	/* last signing day, PERMIT_DAY_OPEN */
	enum permit_key_status	status;
	unsigned char		pk[PERMIT_PK_LEN];
};

struct permit_keys;
struct permit_crl;

/*
 * The newest signing key, sodium_malloc'd (guard pages, wiped by
 * permit_signer_free()).  Unlike the vault's keys it stays readable: a
 * token is signed on every permit print, and the seed file is as
 * sensitive as this memory.
 */
struct permit_signer {
	uint16_t	kid;
	unsigned char	sk[PERMIT_SK_LEN];
	unsigned char	pk[PERMIT_PK_LEN];
};

/* One revoked permit, for permit_crl_write(). */
struct permit_crl_entry {
	char	number[PERMIT_NUMBER_MAX + 1];
	time_t	revoked_at;
};

/* Dates and times, UTC. */

/* The day (since 1970-01-01) that t falls on; floors before 1970. */
int32_t		 permit_day(time_t t);

/*
 * Permit dates are calendar dates in Western Indonesian Time (WIB,
 * UTC+7, no daylight saving), wherever the office or the verifier is:
 * the day a verifier at time t checks against.
 */
#define PERMIT_TZ_OFFSET	(7 * 3600)
int32_t		 permit_today(time_t t);

/*
 * "YYYY-MM-DD" (exactly len bytes, a real date in 1970..9999) into *day.
 * 0, or -1 with err set.
 */
int		 permit_day_parse(const char *s, size_t len, int32_t *day,
		    struct err *err);

/*
 * day as "YYYY-MM-DD" in buf (PERMIT_DAY_LEN + 1 bytes are enough).
 * 0, or -1 when day is outside 1970..9999 or buf is too small.
 */
int		 permit_day_format(int32_t day, char *buf, size_t sz);

/* The token. */

/*
 * Sign p with key kid (sk: libsodium's 64-byte form, not kept) and write
 * the token text, NUL-terminated, to out (PERMIT_TOKEN_MAX bytes are
 * always enough).  Every field is checked as permit_token_parse() does.
 * 0, or -1 with err set.
 */
int		 permit_token_make(const struct permit *p, uint16_t kid,
		    const unsigned char sk[PERMIT_SK_LEN], char *out,
		    size_t outlen, struct err *err);

/*
 * The fields and key id of a token, strictly decoded, WITHOUT checking
 * its signature: for display and logs only.  0, or -1 with err set.
 */
int		 permit_token_parse(const char *text, struct permit *p,
		    uint16_t *kid, struct err *err);

/*
 * Everything an offline verifier decides about token on day today (see
 * permit_day()): the first failure in the order of enum permit_check.
 * crl may be NULL (no list yet); whether it is too old to trust (past
 * permit_crl_next_update()) is the caller's call.  out and kid (either
 * may be NULL) are filled whenever the token parsed, so a page can show
 * what a revoked or expired permit says; they are zeroed otherwise.
 */
enum permit_check permit_check(const char *token,
		    const struct permit_keys *keys,
		    const struct permit_crl *crl, int32_t today,
		    struct permit *out, uint16_t *kid);

/*
 * A stable lowercase name for c, for logs, pages and the e2e tests:
 * "valid", "malformed", "unknown_key", "forged", "key_revoked",
 * "revoked", "expired", "not_yet_valid"; "unknown" for anything else.
 */
const char	*permit_check_name(enum permit_check c);

/* The signing keyring (secret). */

/*
 * Read the keyring file: lines "KID BASE64SEED" (kid 1..65535, the
 * 32-byte Ed25519 seed in standard padded base64), '#' comment lines and
 * blank lines.  The file must be a regular file of mode 0600 or
 * stricter; a repeated kid or seed, or no key at all, is refused.
 * Returns the newest key (highest kid), sodium_malloc'd: free with
 * permit_signer_free().  NULL with err set; err never holds key material.
 */
struct permit_signer	*permit_signer_load(const char *path,
			    struct err *err);

/* Wipe and free; NULL is allowed. */
void			 permit_signer_free(struct permit_signer *s);

/*
 * Append a fresh key with kid one above the highest to the keyring file,
 * created (O_EXCL, mode 0600) when missing; an existing file must pass
 * permit_signer_load()'s checks and is never rewritten.  The new kid
 * goes to *kid and its public key to pk (either may be NULL), to be
 * published in the key list before any token it signs is handed out.
 * 0, or -1 with err set.
 */
int			 permit_signer_generate(const char *path,
			    uint16_t *kid, unsigned char pk[PERMIT_PK_LEN],
			    struct err *err);

/* The public key list. */

/*
 * Parse a key list: PERMIT_KEYS_HEADER, then one line per key,
 *	key KID FROM TO STATUS BASE64PUB\n
 * FROM and TO "YYYY-MM-DD" (TO may be "-"), STATUS active, retired or
 * revoked, single spaces, every line ending in "\n", nothing else.  A
 * repeated kid or public key, TO before FROM, or anything else off is
 * refused.  len bytes of text (need not be NUL-terminated).  Returns the
 * list (free with permit_keys_free()), or NULL with err set.
 */
struct permit_keys	*permit_keys_parse(const char *text, size_t len,
			    struct err *err);

/* Free (public keys: nothing to wipe); NULL is allowed. */
void			 permit_keys_free(struct permit_keys *keys);

/* The key kid, or NULL; valid until permit_keys_free(). */
const struct permit_key	*permit_keys_find(const struct permit_keys *keys,
			    uint16_t kid);

/* Keys in the list; permit_keys_at(keys, i) for i below that. */
size_t			 permit_keys_count(const struct permit_keys *keys);
const struct permit_key	*permit_keys_at(const struct permit_keys *keys,
			    size_t i);

/*
 * k as one key list line, "\n" included, NUL-terminated in buf
 * (PERMIT_KEYS_LINE_MAX bytes are enough).  A list is PERMIT_KEYS_HEADER
 * followed by such lines.  0, or -1 with err set (k out of range).
 */
int			 permit_keys_line(const struct permit_key *k,
			    char *buf, size_t sz, struct err *err);

/* The revocation list. */

/*
 * The signed revocation list text:
 *	KITAS-PERMIT-CRL 1\n
 *	issued YYYY-MM-DDTHH:MM:SSZ\n
 *	next-update YYYY-MM-DDTHH:MM:SSZ\n
 *	key KID\n
 *	revoked NUMBER YYYY-MM-DDTHH:MM:SSZ\n	(0..n, sorted by number)
 *	sig BASE64SIG\n
 * signed (Ed25519, key kid) over "KITAS-PERMIT-CRL\0" and every byte
 * before "sig ".  e (n entries, any order) is sorted here; a repeated or
 * malformed number, or next_update not after issued, is refused.
 * *out is malloc'd and NUL-terminated; the caller frees it with free().
 * 0, or -1 with err set and *out NULL.
 */
int		 permit_crl_write(time_t issued, time_t next_update,
		    uint16_t kid, const unsigned char sk[PERMIT_SK_LEN],
		    const struct permit_crl_entry *e, size_t n, char **out,
		    struct err *err);

/*
 * Parse len bytes of revocation list text (as permit_crl_write() writes
 * it, exactly) and verify its signature with keys: an unknown or revoked
 * key, any changed byte, unsorted or repeated numbers are refused.
 * Returns the list (free with permit_crl_free()), or NULL with err set.
 */
struct permit_crl	*permit_crl_load(const char *text, size_t len,
			    const struct permit_keys *keys, struct err *err);

/* Free; NULL is allowed.  The accessors below need a loaded list. */
void			 permit_crl_free(struct permit_crl *crl);
time_t			 permit_crl_issued(const struct permit_crl *crl);
time_t			 permit_crl_next_update(const struct permit_crl *crl);
size_t			 permit_crl_count(const struct permit_crl *crl);

/* 1 if number is in the list, else 0. */
int			 permit_crl_has(const struct permit_crl *crl,
			    const char *number);

#endif
