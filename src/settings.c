#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

#define SETTINGS_KEY_MAX	32
#define SETTINGS_DEFAULT_FILE	"conf/settings"

enum settings_type { ST_STRING, ST_LANG, ST_BOOL, ST_INT };

static const struct {
	const char		*key;
	enum settings_type	 type;
	size_t			 off;
	size_t			 size;
	long			 min, max;	/* ST_INT */
} settings_keys[] = {
#define S(k, t)	{ #k, t, offsetof(struct settings, k), \
		    sizeof(((struct settings *)0)->k), 0, 0 }
#define I(k, lo, hi) { #k, ST_INT, offsetof(struct settings, k), \
		    sizeof(int), lo, hi }
	S(db, ST_STRING),
	S(db_admin, ST_STRING),
	S(assets, ST_STRING),
	S(migrations, ST_STRING),
	S(lang_default, ST_LANG),
	S(cookie_secure, ST_BOOL),
	S(central_url, ST_STRING),
	I(central_connect_ms, 100, 60000),
	I(central_timeout_ms, 500, 300000),
	I(central_batch, 1, 100),
	I(dispatch_ms, 20, 60000),
	S(vault_keys, ST_STRING),
	I(upload_max, 1024, 20 * 1024 * 1024),
	S(smtp_url, ST_STRING),
	S(mail_from, ST_STRING),
	S(public_url, ST_STRING),
	S(exchange_key, ST_STRING),
	S(permit_keys, ST_STRING),
	S(permit_font, ST_STRING),
	S(permit_font_bold, ST_STRING),
	I(crl_hours, 1, 24 * 30),
#undef S
#undef I
};

#define SETTINGS_NKEYS	(sizeof(settings_keys) / sizeof(settings_keys[0]))

void
settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	(void)snprintf(s->assets, sizeof(s->assets), "assets");
	(void)snprintf(s->migrations, sizeof(s->migrations), "migrations");
	(void)snprintf(s->lang_default, sizeof(s->lang_default), "id");
	s->cookie_secure = 1;
	s->central_connect_ms = 3000;
	s->central_timeout_ms = 15000;
	s->central_batch = 100;
	s->dispatch_ms = 250;
	(void)snprintf(s->permit_font, sizeof(s->permit_font),
	    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
	(void)snprintf(s->permit_font_bold, sizeof(s->permit_font_bold),
	    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");
	s->crl_hours = 24;
	s->upload_max = 5 * 1024 * 1024;
	(void)snprintf(s->mail_from, sizeof(s->mail_from),
	    "kitas@imigrasi.example");
	(void)snprintf(s->public_url, sizeof(s->public_url),
	    "http://127.0.0.1:8080");
}

static int
settings_set(struct settings *s, const char *key, const char *val,
    struct err *err)
{
	size_t	 i, len;
	char	*dst, *end;
	long	 n;

	for (i = 0; i < SETTINGS_NKEYS; i++) {
		if (strcmp(settings_keys[i].key, key) == 0)
			break;
	}
	if (i == SETTINGS_NKEYS) {
		err_set(err, "settings: unknown key '%s'", key);
		return (-1);
	}
	dst = (char *)s + settings_keys[i].off;
	len = strlen(val);

	switch (settings_keys[i].type) {
	case ST_STRING:
		if (len >= settings_keys[i].size) {
			err_set(err, "settings: %s is %zu bytes (max %zu)",
			    key, len, settings_keys[i].size - 1);
			return (-1);
		}
		memcpy(dst, val, len + 1);
		break;
	case ST_LANG:
		if (strcmp(val, "id") != 0 && strcmp(val, "en") != 0) {
			err_set(err, "settings: %s must be id or en", key);
			return (-1);
		}
		memcpy(dst, val, 3);
		break;
	case ST_BOOL:
		if (strcmp(val, "yes") == 0 || strcmp(val, "1") == 0 ||
		    strcmp(val, "true") == 0) {
			*(int *)(void *)dst = 1;
		} else if (strcmp(val, "no") == 0 || strcmp(val, "0") == 0 ||
		    strcmp(val, "false") == 0) {
			*(int *)(void *)dst = 0;
		} else {
			err_set(err, "settings: %s must be yes or no", key);
			return (-1);
		}
		break;
	case ST_INT:
		errno = 0;
		n = strtol(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' ||
		    n < settings_keys[i].min || n > settings_keys[i].max) {
			err_set(err, "settings: %s must be a number from %ld "
			    "to %ld", key, settings_keys[i].min,
			    settings_keys[i].max);
			return (-1);
		}
		*(int *)(void *)dst = (int)n;
		break;
	}
	return (0);
}

static char *
trim(char *p)
{
	char	*e;

	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (p);
}

int
settings_parse(struct settings *s, const char *text, struct err *err)
{
	char	*copy, *line, *next, *eq, *key;
	size_t	 n;
	int	 lineno, rc;

	if (strlen(text) > SETTINGS_FILE_MAX) {
		err_set(err, "settings: file larger than %d bytes",
		    SETTINGS_FILE_MAX);
		return (-1);
	}
	if ((copy = strdup(text)) == NULL) {
		err_set(err, "settings: out of memory");
		return (-1);
	}
	rc = 0;
	lineno = 0;
	for (line = copy; line != NULL && rc == 0; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '#')) != NULL)
			*eq = '\0';
		line = trim(line);
		if (*line == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			err_set(err, "settings: line %d: expected key = value",
			    lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = trim(line);
		if ((rc = settings_set(s, key, trim(eq + 1), err)) == -1 &&
		    err != NULL) {
			/* Keep the key's message, add the line. */
			n = strlen(err->msg);
			(void)snprintf(err->msg + n, sizeof(err->msg) - n,
			    " (line %d)", lineno);
		}
	}
	free(copy);
	return (rc);
}

int
settings_env(struct settings *s, const char *(*get)(const char *),
    struct err *err)
{
	char		 name[SETTINGS_KEY_MAX + 8];
	const char	*val;
	size_t		 i, j;

	for (i = 0; i < SETTINGS_NKEYS; i++) {
		(void)snprintf(name, sizeof(name), "KITAS_");
		for (j = 0; settings_keys[i].key[j] != '\0' &&
		    j + 7 < sizeof(name); j++)
			name[6 + j] = (char)toupper(
			    (unsigned char)settings_keys[i].key[j]);
		name[6 + j] = '\0';
		if ((val = get(name)) == NULL)
			continue;
		if (settings_set(s, settings_keys[i].key, val, err) == -1)
			return (-1);
	}
	return (0);
}

static const char *
settings_getenv(const char *name)
{
	return (getenv(name));
}

int
settings_load(struct settings *s, const char *path, struct err *err)
{
	FILE	*fp;
	char	*text;
	size_t	 n;
	int	 rc, explicit;

	settings_defaults(s);
	explicit = 1;
	if (path == NULL && (path = getenv("KITAS_SETTINGS")) == NULL) {
		path = SETTINGS_DEFAULT_FILE;
		explicit = 0;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		if (explicit || errno != ENOENT) {
			err_set(err, "settings: %s: %s", path, strerror(errno));
			return (-1);
		}
		return (settings_env(s, settings_getenv, err));
	}
	if ((text = calloc(1, SETTINGS_FILE_MAX + 2)) == NULL) {
		fclose(fp);
		err_set(err, "settings: out of memory");
		return (-1);
	}
	n = fread(text, 1, SETTINGS_FILE_MAX + 1, fp);
	fclose(fp);
	text[n] = '\0';
	rc = settings_parse(s, text, err);
	free(text);
	if (rc == 0)
		rc = settings_env(s, settings_getenv, err);
	return (rc);
}
