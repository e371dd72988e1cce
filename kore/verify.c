/*
 * Anyone may check a permit: /verify takes the token from the permit's
 * QR code (pasted, or ?t= from a scanner) and says valid, revoked,
 * expired, not yet valid, unknown key, forged or malformed, with what the
 * permit says so the verifier can compare it with the person in front of
 * them.  ?format=xml gives the same answer to machines.  The signature
 * is checked here with the published keys, exactly as an offline
 * verifier does (src/permit.c); the database adds only whether the
 * permit has been revoked since.
 *
 * /verify/keys and /verify/revocations are what an offline verifier
 * downloads: the public key list, and a revocation list signed with the
 * current permit key, good until its next-update time.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include <time.h>

#include <libxml/tree.h>

#include "app.h"
#include "db.h"
#include "page.h"
#include "permit.h"

#define VERIFY_XMLNS	"urn:kitas:verify:1"

int	verify_page(struct http_request *);
int	verify_keys(struct http_request *);
int	verify_revocations(struct http_request *);

struct verify {
	struct db_call	 db;
	enum lang	 lang;
	int		 xml;
	int		 parsed;
	char		 token[PERMIT_TOKEN_MAX];
	struct permit	 p;
	const char	*params[1];
	char		*keys;		/* the published list, kore_strdup'd */
	int		 found;
	int		 revoked;
	char		 reason[512];
	char		 office[128];
};

static void
verify_free(struct http_request *req)
{
	struct verify	*v = http_state_get(req);

	if (v != NULL) {
		kore_free(v->keys);
		v->keys = NULL;
	}
}

static int
verify_read(struct kore_pgsql *sql, void *arg)
{
	struct verify	*v = arg;

	if (kore_pgsql_ntuples(sql) != 1 ||
	    kore_pgsql_getlength(sql, 0, 0) > PERMIT_KEYS_TEXT_MAX)
		return (-1);
	v->keys = kore_strdup(kore_pgsql_getvalue(sql, 0, 0));
	v->found = kore_pgsql_getvalue(sql, 0, 1)[0] == 't';
	v->revoked = kore_pgsql_getvalue(sql, 0, 2)[0] == 't';
	(void)kore_strlcpy(v->reason, kore_pgsql_getvalue(sql, 0, 3),
	    sizeof(v->reason));
	(void)kore_strlcpy(v->office, kore_pgsql_getvalue(sql, 0, 4),
	    sizeof(v->office));
	return (0);
}

/*
 * The token as typed or scanned: surrounding white space and line breaks
 * from a paste are dropped, inner ones too (a QR reader may wrap).
 * Returns 0, or -1 when it cannot be one.
 */
static int
verify_token_arg(struct http_request *req, char *out, size_t sz)
{
	char	*t = NULL;
	size_t	 n = 0;

	if (!http_argument_get_string(req, "t", &t) || t == NULL)
		return (-1);
	for (; *t != '\0'; t++) {
		if (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')
			continue;
		if (n + 1 >= sz)
			return (-1);
		out[n++] = *t;
	}
	out[n] = '\0';
	return (n == 0 ? -1 : 0);
}

static void
verify_prop(xmlNodePtr n, const char *name, const char *value)
{
	xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

/* The answer, as <result> in a page model or an XML document's root. */
static void
verify_result(xmlNodePtr r, struct verify *v, const char *result,
    uint16_t kid)
{
	char	from[16], to[16], k[8];

	verify_prop(r, "status", result);
	if (!v->parsed)
		return;
	(void)permit_day_format(v->p.valid_from, from, sizeof(from));
	(void)permit_day_format(v->p.valid_to, to, sizeof(to));
	(void)snprintf(k, sizeof(k), "%u", kid);
	verify_prop(r, "number", v->p.number);
	verify_prop(r, "holder", v->p.holder);
	verify_prop(r, "nationality", v->p.nationality);
	verify_prop(r, "passport", v->p.passport);
	verify_prop(r, "kind", v->p.kind);
	verify_prop(r, "valid-from", from);
	verify_prop(r, "valid-to", to);
	verify_prop(r, "key", k);
	if (v->office[0] != '\0')
		verify_prop(r, "office", v->office);
	if (v->revoked)
		verify_prop(r, "reason", v->reason);
}

static int
verify_reply(struct http_request *req, struct verify *v, const char *result,
    uint16_t kid, int status)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, r;
	xmlChar		*buf;
	int		 len;

	if (!v->xml) {
		doc = page_model(req, v->lang, &root);
		r = xmlNewChild(root, NULL, BAD_CAST "verify", NULL);
		verify_prop(r, "token", v->token);
		if (result != NULL)
			verify_result(xmlNewChild(r, NULL, BAD_CAST "result",
			    NULL), v, result, kid);
		return (page_reply(req, status, "verify", doc, v->lang));
	}
	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewNode(NULL, BAD_CAST "verification");
	xmlDocSetRootElement(doc, root);
	xmlSetNs(root, xmlNewNs(root, BAD_CAST VERIFY_XMLNS, NULL));
	verify_result(root, v, result != NULL ? result : "malformed", kid);
	xmlDocDumpMemoryEnc(doc, &buf, &len, "UTF-8");
	xmlFreeDoc(doc);
	http_response_header(req, "content-type",
	    "application/xml; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, status, buf, (size_t)len);
	xmlFree(buf);
	return (KORE_RESULT_OK);
}

int
verify_page(struct http_request *req)
{
	struct verify		*v;
	struct permit_keys	*keys;
	struct err		 err;
	enum permit_check	 c;
	char			*fmt = NULL;
	uint16_t		 kid = 0;
	int			 rc;

	if (!http_state_exists(req)) {
		v = http_state_create(req, sizeof(*v), verify_free);
		memset(v, 0, sizeof(*v));
		http_populate_qs(req);
		v->lang = page_lang(req);
		v->xml = http_argument_get_string(req, "format", &fmt) &&
		    strcmp(fmt, "xml") == 0;
		if (verify_token_arg(req, v->token, sizeof(v->token)) == -1) {
			if (v->xml || http_argument_get_string(req, "t", &fmt))
				return (verify_reply(req, v, "malformed", 0,
				    HTTP_STATUS_BAD_REQUEST));
			return (verify_reply(req, v, NULL, 0, HTTP_STATUS_OK));
		}
		/* A malformed token needs no database. */
		if (permit_token_parse(v->token, &v->p, &kid, &err) == -1)
			return (verify_reply(req, v, "malformed", 0,
			    HTTP_STATUS_OK));
		v->parsed = 1;
		v->params[0] = v->p.number;
		db_call_init(&v->db, req);
	}
	v = http_state_get(req);

	if (page_db_or_reply(req, db_run(&v->db, DB_PERMIT_VERIFY, v->params,
	    verify_read, v), v->lang, &rc) != 0)
		return (rc);
	if (v->keys == NULL ||
	    (keys = permit_keys_parse(v->keys, strlen(v->keys), &err)) == NULL) {
		kore_log(LOG_ERR, "verify: the published key list: %s",
		    v->keys == NULL ? "missing" : err.msg);
		return (page_unavailable(req, v->lang));
	}
	c = permit_check(v->token, keys, NULL, permit_today(time(NULL)), &v->p,
	    &kid);
	permit_keys_free(keys);
	v->parsed = c != PERMIT_MALFORMED;
	/* Revoked since: the database knows before any list does. */
	if (v->revoked && (c == PERMIT_VALID || c == PERMIT_EXPIRED ||
	    c == PERMIT_NOT_YET_VALID))
		c = PERMIT_REVOKED;
	return (verify_reply(req, v, permit_check_name(c), kid,
	    HTTP_STATUS_OK));
}

/* A text answer that a verifier may keep (it is public). */
static int
verify_text(struct http_request *req, const char *body, size_t len)
{
	http_response_header(req, "content-type", "text/plain; charset=utf-8");
	http_response_header(req, "cache-control", "public, max-age=300");
	http_response(req, HTTP_STATUS_OK, body, len);
	return (KORE_RESULT_OK);
}

struct verify_list {
	struct db_call		 db;
	char			*text;		/* the key list */
	struct permit_crl_entry	*e;		/* the revocations */
	size_t			 n;
};

static void
verify_list_free(struct http_request *req)
{
	struct verify_list	*l = http_state_get(req);

	if (l != NULL) {
		kore_free(l->text);
		kore_free(l->e);
		l->text = NULL;
		l->e = NULL;
	}
}

static struct verify_list *
verify_list_state(struct http_request *req)
{
	struct verify_list	*l;

	if (!http_state_exists(req)) {
		l = http_state_create(req, sizeof(*l), verify_list_free);
		memset(l, 0, sizeof(*l));
		db_call_init(&l->db, req);
	}
	return (http_state_get(req));
}

static int
verify_read_keys(struct kore_pgsql *sql, void *arg)
{
	struct verify_list	*l = arg;

	if (kore_pgsql_ntuples(sql) != 1)
		return (-1);
	l->text = kore_strdup(kore_pgsql_getvalue(sql, 0, 0));
	return (0);
}

int
verify_keys(struct http_request *req)
{
	struct verify_list	*l = verify_list_state(req);
	int			 rc;

	if (page_db_or_reply(req, db_run(&l->db, DB_PERMIT_KEYS, NULL,
	    verify_read_keys, l), LANG_EN, &rc) != 0)
		return (rc);
	return (verify_text(req, l->text, strlen(l->text)));
}

static int
verify_read_revoked(struct kore_pgsql *sql, void *arg)
{
	struct verify_list	*l = arg;
	int			 i, n = kore_pgsql_ntuples(sql);

	if (n > PERMIT_CRL_ENTRIES_MAX)
		return (-1);
	l->e = kore_calloc(n > 0 ? n : 1, sizeof(*l->e));
	for (i = 0; i < n; i++) {
		(void)kore_strlcpy(l->e[i].number,
		    kore_pgsql_getvalue(sql, i, 0), sizeof(l->e[i].number));
		l->e[i].revoked_at = strtoll(kore_pgsql_getvalue(sql, i, 1),
		    NULL, 10);
	}
	l->n = n;
	return (0);
}

int
verify_revocations(struct http_request *req)
{
	struct verify_list	*l = verify_list_state(req);
	struct permit_signer	*sg;
	struct err		 err;
	char			*crl;
	time_t			 now = time(NULL);
	int			 rc;

	if (page_db_or_reply(req, db_run(&l->db, DB_PERMIT_REVOKED, NULL,
	    verify_read_revoked, l), LANG_EN, &rc) != 0)
		return (rc);
	if (app.settings.permit_keys[0] == '\0' ||
	    (sg = permit_signer_load(app.settings.permit_keys, &err)) == NULL) {
		kore_log(LOG_ERR, "verify: no permit key to sign the list: %s",
		    app.settings.permit_keys[0] == '\0' ? "permit_keys unset" :
		    err.msg);
		return (page_unavailable(req, LANG_EN));
	}
	rc = permit_crl_write(now, now + (time_t)app.settings.crl_hours * 3600,
	    sg->kid, sg->sk, l->e, l->n, &crl, &err);
	permit_signer_free(sg);
	if (rc == -1) {
		kore_log(LOG_ERR, "verify: revocation list: %s", err.msg);
		return (page_unavailable(req, LANG_EN));
	}
	http_response_header(req, "content-type", "text/plain; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, HTTP_STATUS_OK, crl, strlen(crl));
	free(crl);
	return (KORE_RESULT_OK);
}
