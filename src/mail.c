#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "mail.h"

/* Replace each {name} of text by value into out; -1 if it does not fit. */
static int
mail_fill(const char *text, const char *name, const char *value, char *out,
    size_t outsz)
{
	const char	*p;
	size_t		 n = 0, nl = strlen(name), vl = strlen(value), k;

	for (p = text; *p != '\0'; ) {
		if (strncmp(p, name, nl) == 0) {
			if (n + vl >= outsz)
				return (-1);
			memcpy(out + n, value, vl);
			n += vl;
			p += nl;
			continue;
		}
		if ((k = n + 1) >= outsz)
			return (-1);
		out[n++] = *p++;
	}
	out[n] = '\0';
	return (0);
}

int
mail_compose(const struct i18n *cat, const struct mail *m, const char *from,
    const char *base_url, char *out, size_t outsz, struct err *err)
{
	char		 key[64], link[512], body[4096], tmp[4096], subj[512];
	char		 b64[700], date[64], state_key[64], body2[4096];
	const char	*s, *b, *st, *ex;
	enum lang	 lang;
	time_t		 now;
	struct tm	 tm;
	size_t		 i, k;
	int		 n;

	lang = (enum lang)(lang_from_code(m->lang) == -1 ? LANG_ID :
	    lang_from_code(m->lang));
	(void)snprintf(key, sizeof(key), "mail.%s.subject", m->kind);
	s = i18n_get(cat, lang, key);
	(void)snprintf(key, sizeof(key), "mail.%s.body", m->kind);
	b = i18n_get(cat, lang, key);
	if (s == NULL || b == NULL) {
		err_set(err, "mail: no message for kind %s", m->kind);
		return (-1);
	}
	(void)snprintf(state_key, sizeof(state_key), "state.%s", m->state);
	st = i18n_get(cat, lang, state_key);
	(void)snprintf(state_key, sizeof(state_key), "state.%s.explain",
	    m->state);
	ex = i18n_get(cat, lang, state_key);
	link[0] = '\0';
	if (strcmp(m->kind, "confirm") == 0)
		n = snprintf(link, sizeof(link), "%s/confirm?token=%s&lang=%s",
		    base_url, m->token, m->lang);
	else if (strcmp(m->kind, "reset") == 0)
		n = snprintf(link, sizeof(link), "%s/reset/new?token=%s&lang=%s",
		    base_url, m->token, m->lang);
	else if (strcmp(m->kind, "sponsor_permit") == 0)
		/* The sponsor has no access to the case: how to check it. */
		n = snprintf(link, sizeof(link), "%s/verify?lang=%s",
		    base_url, m->lang);
	else if (m->reference[0] != '\0')
		n = snprintf(link, sizeof(link), "%s/case/%s?lang=%s",
		    base_url, m->reference, m->lang);
	else
		n = snprintf(link, sizeof(link), "%s/login?lang=%s", base_url,
		    m->lang);
	if (n < 0 || (size_t)n >= sizeof(link) ||
	    mail_fill(b, "{link}", link, tmp, sizeof(tmp)) == -1 ||
	    mail_fill(tmp, "{ref}", m->reference, body, sizeof(body)) == -1 ||
	    mail_fill(body, "{state}", st != NULL ? st : m->state, body2,
	    sizeof(body2)) == -1 ||
	    mail_fill(body2, "{explain}", ex != NULL ? ex : "", tmp,
	    sizeof(tmp)) == -1 ||
	    mail_fill(s, "{ref}", m->reference, subj, sizeof(subj)) == -1) {
		err_set(err, "mail: message too long");
		return (-1);
	}
	/* SMTP lines end in CRLF; the catalogues write LF. */
	for (i = 0, k = 0; tmp[i] != '\0'; i++) {
		if (k + 3 >= sizeof(body)) {
			err_set(err, "mail: message too long");
			return (-1);
		}
		if (tmp[i] == '\n' && (i == 0 || tmp[i - 1] != '\r'))
			body[k++] = '\r';
		body[k++] = tmp[i];
	}
	body[k] = '\0';
	/* RFC 2047: the subject may hold non-ASCII (Indonesian is ASCII,
	 * names need not be). */
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)subj,
	    strlen(subj), sodium_base64_VARIANT_ORIGINAL);
	now = time(NULL);
	(void)gmtime_r(&now, &tm);
	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = snprintf(out, outsz,
	    "From: %s\r\n"
	    "To: %s\r\n"
	    "Subject: =?UTF-8?B?%s?=\r\n"
	    "Date: %s\r\n"
	    "Message-ID: <kitas-%lld@%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Content-Language: %s\r\n"
	    "\r\n"
	    "%s\r\n", from, m->to, b64, date, m->id,
	    strchr(from, '@') != NULL ? strchr(from, '@') + 1 : "kitas",
	    m->lang, body);
	if (n < 0 || (size_t)n >= outsz) {
		err_set(err, "mail: message too long");
		return (-1);
	}
	return (0);
}

struct mail_reader {
	const char	*p;
	size_t		 left;
};

static size_t
mail_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mail_reader	*r = arg;
	size_t			 n = size * nitems;

	if (n > r->left)
		n = r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return (n);
}

void
mail_send(const char *smtp_url, const char *from, struct mail *m,
    const char *msg)
{
	CURL			*curl;
	struct curl_slist	*rcpt;
	struct mail_reader	 r;
	CURLcode		 cc;

	m->ok = 0;
	r.p = msg;
	r.left = strlen(msg);
	if ((curl = curl_easy_init()) == NULL ||
	    (rcpt = curl_slist_append(NULL, m->to)) == NULL) {
		(void)snprintf(m->error, sizeof(m->error), "out of memory");
		if (curl != NULL)
			curl_easy_cleanup(curl);
		return;
	}
	curl_easy_setopt(curl, CURLOPT_URL, smtp_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)MAIL_TIMEOUT_MS);
	if ((cc = curl_easy_perform(curl)) == CURLE_OK)
		m->ok = 1;
	else
		(void)snprintf(m->error, sizeof(m->error), "%s",
		    curl_easy_strerror(cc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
}
