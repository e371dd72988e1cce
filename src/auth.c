#include <string.h>

#include <libxml/xmlstring.h>

#include "auth.h"

#define AUTH_OPS	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define AUTH_MEM	crypto_pwhash_MEMLIMIT_INTERACTIVE

void
auth_token(char out[AUTH_TOKEN_BUFSZ])
{
	unsigned char	raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_BUFSZ, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
auth_token_hash(const char *token, char out[AUTH_HASH_HEX_BUFSZ])
{
	unsigned char	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, AUTH_HASH_HEX_BUFSZ, h, sizeof(h));
}

int
auth_token_valid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == 64 || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return (0);
	}
	return (i >= 32);
}

enum auth_pw_rule
auth_password_rule(const char *pw, const char *email)
{
	size_t	len = strlen(pw);

	if (xmlCheckUTF8((const unsigned char *)pw) == 0)
		return (AUTH_PW_NOT_UTF8);
	if (len < AUTH_PW_MIN)
		return (AUTH_PW_SHORT);
	if (len > AUTH_PW_MAX)
		return (AUTH_PW_LONG);
	if (email != NULL && strcasecmp(pw, email) == 0)
		return (AUTH_PW_IS_EMAIL);
	return (AUTH_PW_OK);
}

int
auth_email_valid(const char *email)
{
	const char	*at, *dot;
	size_t		 i, len;

	len = strlen(email);
	if (len < 5 || len > AUTH_EMAIL_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if ((unsigned char)email[i] <= ' ' ||
		    (unsigned char)email[i] == 0x7f)
			return (0);
	}
	if ((at = strchr(email, '@')) == NULL || at == email ||
	    strchr(at + 1, '@') != NULL)
		return (0);
	dot = strrchr(at + 1, '.');
	return (dot != NULL && dot > at + 1 && dot[1] != '\0');
}

int
auth_secret_equal(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la != lb || la == 0)
		return (0);
	return (sodium_memcmp(a, b, la) == 0);
}

int
auth_hash(const char *pw, char out[AUTH_PWHASH_BUFSZ])
{
	return (crypto_pwhash_str(out, pw, strlen(pw), AUTH_OPS,
	    AUTH_MEM) == 0 ? 0 : -1);
}

int
auth_verify(const char *hash, const char *pw, int *rehash)
{
	int	ok;

	ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
	*rehash = ok && crypto_pwhash_str_needs_rehash(hash, AUTH_OPS,
	    AUTH_MEM) != 0;
	return (ok);
}
