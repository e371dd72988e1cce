#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <sodium.h>

#include "app.h"
#include "auth.h"
#include "page.h"
#include "session.h"
#include "vault.h"

#define PAGE_LANG_COOKIE_AGE	"31536000"	/* a year */
#define PAGE_FILENAME_MAX	100		/* of an attachment */
#define PAGE_FILENAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
				"abcdefghijklmnopqrstuvwxyz0123456789._-"

/*
 * Pages show case data: not cached, not framed, no inline script, and a
 * referrer never carries a path with a reference in it.
 */
static void
page_headers(struct http_request *req)
{
	http_response_header(req, "content-type", "text/html; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "vary", "accept-language, cookie");
}

enum lang
page_lang(struct http_request *req)
{
	char		*query, *cookie;
	const char	*accept;
	enum lang	 lang;
	char		 hdr[96];

	query = cookie = NULL;
	accept = NULL;
	(void)http_argument_get_string(req, "lang", &query);
	http_populate_cookies(req);
	(void)http_request_cookie(req, "lang", &cookie);
	(void)http_request_header(req, "accept-language", &accept);

	lang = lang_negotiate(query, cookie, accept,
	    (enum lang)lang_from_code(app.settings.lang_default));
	if (lang_from_code(query) != -1 &&
	    (cookie == NULL || lang_from_code(cookie) != (int)lang)) {
		(void)snprintf(hdr, sizeof(hdr), "lang=%s; Path=/; Max-Age="
		    PAGE_LANG_COOKIE_AGE "; SameSite=Lax%s", lang_code(lang),
		    app.settings.cookie_secure ? "; Secure" : "");
		http_response_header(req, "set-cookie", hdr);
	}
	return (lang);
}

xmlDocPtr
page_model(struct http_request *req, enum lang lang, xmlNodePtr *root)
{
	xmlDocPtr	doc;

	doc = xmlNewDoc(BAD_CAST "1.0");
	*root = xmlNewNode(NULL, BAD_CAST "page");
	if (doc == NULL || *root == NULL)
		fatal("%s: out of memory", __func__);
	xmlDocSetRootElement(doc, *root);
	xmlNewProp(*root, BAD_CAST "lang", BAD_CAST lang_code(lang));
	xmlNewProp(*root, BAD_CAST "path", BAD_CAST req->path);
	return (doc);
}

int
page_db_or_reply(struct http_request *req, enum db_status s, enum lang lang,
    int *rc)
{
	switch (s) {
	case DB_WAIT:
		*rc = KORE_RESULT_RETRY;
		return (-1);
	case DB_FAILED:
		*rc = page_unavailable(req, lang);
		return (1);
	case DB_BAD_TEXT:
		*rc = page_error(req, HTTP_STATUS_BAD_REQUEST, lang,
		    "error.encoding");
		return (1);
	case DB_DONE:
		break;
	}
	return (0);
}

int
page_form_reply(struct http_request *req, struct session *s, enum lang lang,
    const char *model, const char *notice, int status, const char *tmpl)
{
	return (page_form_retry(req, s, lang, model, notice, status, tmpl,
	    NULL));
}

int
page_form_retry(struct http_request *req, struct session *s, enum lang lang,
    const char *model, const char *notice, int status, const char *tmpl,
    const char *const *typed)
{
	xmlDocPtr	 doc, mdoc;
	xmlNodePtr	 root, n, m;
	char		 idem[AUTH_TOKEN_BUFSZ];

	if (model == NULL)
		return (page_error(req, HTTP_STATUS_NOT_FOUND, lang,
		    "error.not_found"));
	mdoc = xmlReadMemory(model, (int)strlen(model), NULL, "UTF-8",
	    XML_PARSE_NONET);
	if (mdoc == NULL) {
		kore_log(LOG_ERR, "%s: the %s model is not XML", __func__, tmpl);
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return (KORE_RESULT_OK);
	}
	doc = page_model(req, lang, &root);
	session_model(req, s, root);
	/* A fresh key for each form shown: a resubmitted form is a replay. */
	auth_token(idem);
	xmlNewProp(root, BAD_CAST "idem", BAD_CAST idem);
	if (notice != NULL) {
		n = xmlNewChild(root, NULL, BAD_CAST "notice", NULL);
		xmlNewProp(n, BAD_CAST "key", BAD_CAST notice);
	}
	m = xmlDocCopyNode(xmlDocGetRootElement(mdoc), doc, 1);
	for (; typed != NULL && typed[0] != NULL; typed += 2)
		xmlSetProp(m, BAD_CAST typed[0], BAD_CAST typed[1]);
	xmlAddChild(root, m);
	xmlFreeDoc(mdoc);
	return (page_reply(req, status, tmpl, doc, lang));
}

int
page_reply(struct http_request *req, int status, const char *tmpl,
    xmlDocPtr model, enum lang lang)
{
	struct err	 err;
	xmlChar		*html;
	int		 len;

	if (render_page(app.render, tmpl, model, lang, &html, &len,
	    &err) == -1) {
		xmlFreeDoc(model);
		/* Do not send details of the failure to the client. */
		kore_log(LOG_ERR, "%s %s: %s", __func__, req->path, err.msg);
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return (KORE_RESULT_OK);
	}
	xmlFreeDoc(model);
	page_headers(req);
	http_response(req, status, html, (size_t)len);
	xmlFree(html);
	return (KORE_RESULT_OK);
}

int
page_error(struct http_request *req, int status, enum lang lang,
    const char *key)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, e;
	char		 code[8];

	doc = page_model(req, lang, &root);
	e = xmlNewChild(root, NULL, BAD_CAST "error", NULL);
	(void)snprintf(code, sizeof(code), "%d", status);
	xmlNewProp(e, BAD_CAST "status", BAD_CAST code);
	xmlNewProp(e, BAD_CAST "key", BAD_CAST key);
	return (page_reply(req, status, "error", doc, lang));
}

int
page_unavailable(struct http_request *req, enum lang lang)
{
	http_response_header(req, "retry-after", APP_RETRY_AFTER);
	return (page_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE, lang,
	    "error.unavailable"));
}

const struct page_code *
page_code_find(const struct page_code *map, size_t n, const char *code)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(code, map[i].code) == 0)
			return (&map[i]);
	}
	return (NULL);
}

int
page_tasks_running(struct http_request *req)
{
	struct kore_task	*t;

	LIST_FOREACH(t, &req->tasks, rlist) {
		if (!kore_task_finished(t))
			return (1);
	}
	return (0);
}

/* name without anything a header or a file system could misread. */
static void
page_safe_filename(const char *name, char *out, size_t sz)
{
	size_t	i, n = 0;

	for (i = 0; name[i] != '\0' && n + 1 < sz; i++) {
		/* Not isalnum(): a locale could widen it. */
		if (strchr(PAGE_FILENAME_CHARS, name[i]) != NULL)
			out[n++] = name[i];
	}
	out[n] = '\0';
	if (n == 0)
		(void)kore_strlcpy(out, "document", sz);
}

int
page_sealed(struct http_request *req, const char *hex, const char *aad,
    const char *ctype, const char *filename)
{
	struct err	 err;
	unsigned char	*blob, *plain = NULL;
	size_t		 hexlen = strlen(hex), bloblen, plainlen;
	char		 name[PAGE_FILENAME_MAX + 1], disp[PAGE_FILENAME_MAX + 40];
	int		 bad;

	page_safe_filename(filename, name, sizeof(name));
	bloblen = hexlen > 2 ? (hexlen - 2) / 2 : 0;
	blob = kore_malloc(bloblen + 1);
	bad = app.vault == NULL || bloblen == 0 ||
	    sodium_hex2bin(blob, bloblen, hex + 2, hexlen - 2, NULL, &bloblen,
	    NULL) != 0 ||
	    vault_open(app.vault, blob, bloblen, aad, strlen(aad), &plain,
	    &plainlen, &err) == -1;
	kore_free(blob);
	if (bad) {
		kore_log(LOG_ERR, "%s: %s: the sealed blob does not open",
		    __func__, name);
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return (KORE_RESULT_OK);
	}
	(void)snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
	    name);
	http_response_header(req, "content-type", ctype);
	http_response_header(req, "content-disposition", disp);
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response(req, HTTP_STATUS_OK, plain, plainlen);
	vault_plain_free(plain, plainlen);
	return (KORE_RESULT_OK);
}

int
page_sealed_pdf(struct http_request *req, const char *hex, const char *aad,
    const char *name)
{
	char	file[PAGE_FILENAME_MAX + 1];

	(void)snprintf(file, sizeof(file), "%.60s.pdf", name);
	return (page_sealed(req, hex, aad, "application/pdf", file));
}
