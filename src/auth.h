/*
 * Sign-in primitives, framework-free: random tokens, their hashes, the
 * password rules, and Argon2id (libsodium crypto_pwhash_str) hashing and
 * verification.  auth_hash() and auth_verify() take tenths of a second
 * and 64 MiB: call them from a task thread, never the event loop.
 */
#ifndef KITAS_AUTH_H
#define KITAS_AUTH_H

#include <stddef.h>

#include <sodium.h>

#define AUTH_TOKEN_LEN		43	/* 32 random bytes, base64url */
#define AUTH_TOKEN_BUFSZ	(AUTH_TOKEN_LEN + 1)
#define AUTH_HASH_HEX_BUFSZ	65	/* SHA-256 as hex */
#define AUTH_PW_MIN		10
#define AUTH_PW_MAX		128
#define AUTH_PWHASH_BUFSZ	crypto_pwhash_STRBYTES
#define AUTH_EMAIL_MAX		254
#define AUTH_NAME_MAX		200	/* characters (display_name) */

enum auth_pw_rule {
	AUTH_PW_OK = 0,
	AUTH_PW_SHORT,
	AUTH_PW_LONG,
	AUTH_PW_IS_EMAIL,
	AUTH_PW_NOT_UTF8
};

/* A fresh random token (session cookie, mail link, CSRF secret). */
void		auth_token(char out[AUTH_TOKEN_BUFSZ]);

/* Hex SHA-256 of a token: what the database keeps of a session. */
void		auth_token_hash(const char *token,
		    char out[AUTH_HASH_HEX_BUFSZ]);

/* 1 when s looks like a token we issued (length and alphabet). */
int		auth_token_valid(const char *s);

/* Whether a new password is acceptable for the account with email. */
enum auth_pw_rule auth_password_rule(const char *pw, const char *email);

/* 1 when email is a plausible address (the database checks it too). */
int		auth_email_valid(const char *email);

/* Constant-time equality of two NUL-terminated secrets. */
int		auth_secret_equal(const char *a, const char *b);

/* Argon2id: 0, or -1 (out of memory).  Blocks: task threads only. */
int		auth_hash(const char *pw, char out[AUTH_PWHASH_BUFSZ]);

/*
 * 1 when pw matches hash, else 0; *rehash is set when the hash should be
 * redone with today's parameters.  Blocks: task threads only.
 */
int		auth_verify(const char *hash, const char *pw, int *rehash);

#endif
