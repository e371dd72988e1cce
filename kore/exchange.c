/*
 * The partner exchange, /exchange/v1/<type>: signed XML in, signed XML
 * out.  In order, each step refusing with an XML error and changing
 * nothing: the body's size and type, its Content-Digest (RFC 9530), the
 * HTTP Message Signature (RFC 9421, ed25519) by a key the database knows
 * and still trusts, the document (no DTD, bounded, valid against the
 * type's XSD), then the type's SQL function, which makes the message id
 * idempotent, refuses replayed signatures, applies and logs, all in one
 * transaction.  Every answer is signed with the server's key.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include <libxml/parser.h>
#include <sodium.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "digest.h"
#include "sig.h"
#include "xml.h"

int	exchange_receive(struct http_request *);
void	exchange_init(void);

#define EXCHANGE_MAX_AGE	300	/* seconds a signature is good for */

enum exchange_type {
	EX_PAYMENT,
	EX_CLEARANCE,
	EX_PERMIT_EVENTS,
	EX_CASE_STATUS,
	EX_EVIDENCE,
	EX_SPONSOR_BATCH,
	EX_TYPES
};

static const struct {
	const char	*name;		/* in the path and the partner's rights */
	const char	*schema;	/* assets/schemas/... */
	const char	*root;
	enum db_query	 query;
	int		 nfields;
} ex_types[EX_TYPES] = {
	[EX_PAYMENT] = { "payment-notice", "exchange-payment-1.xsd",
	    "paymentNotice", DB_EX_PAYMENT, 4 },
	[EX_CLEARANCE] = { "clearance-result", "exchange-clearance-1.xsd",
	    "clearanceResult", DB_EX_CLEARANCE, 5 },
	[EX_PERMIT_EVENTS] = { "permit-events", "exchange-permit-events-1.xsd",
	    "permitEventsRequest", DB_EX_PERMIT_EVENTS, 2 },
	[EX_CASE_STATUS] = { "case-status", "exchange-case-status-1.xsd",
	    "caseStatusRequest", DB_EX_CASE_STATUS, 1 },
	[EX_EVIDENCE] = { "evidence", "exchange-evidence-1.xsd",
	    "evidenceRequest", DB_EX_EVIDENCE, 1 },
	/* Many applications: the database reads them from the body. */
	[EX_SPONSOR_BATCH] = { "sponsor-batch", "exchange-sponsor-batch-1.xsd",
	    "sponsorBatch", DB_EX_SPONSOR_BATCH, 0 },
};

static xmlSchemaPtr		 ex_schema[EX_TYPES];
static unsigned char		 ex_sk[crypto_sign_SECRETKEYBYTES];
static char			 ex_keyid[SIG_KEYID_MAX + 1];
static int			 ex_ready;

enum { EX_KEY = 0, EX_APPLY };

struct exchange {
	struct db_call		 db;
	int			 phase;
	enum exchange_type	 type;
	char			*body;		/* kore_malloc'd, NUL-ended */
	size_t			 len;
	struct sig		 sig;
	char			 digest[SIG_HEADER_MAX + 1];
	char			 sighex[SIG_BYTES_MAX * 2 + 1];
	char			 msgid[130];
	char			 partner[16];
	char			 pkhex[65];
	char			 types[128];
	/*
	 * The type's fields, as UTF-8 (libxml converts any declared
	 * encoding).  The longest the schemas allow is a 500-character
	 * reason, up to 2000 bytes: a value is never cut, so never cut
	 * inside a character (PostgreSQL would refuse it and the partner
	 * would retry for ever).
	 */
	char			 f[5][500 * 4 + 1];
	const char		*params[12];
	char			 status[8];
	char			*answer;	/* kore_strdup'd */
};

void
exchange_init(void)
{
	struct err	 err;
	char		 path[1024], line[256], b64[128];
	FILE		*fp;
	size_t		 len;
	int		 i;

	for (i = 0; i < EX_TYPES; i++) {
		(void)snprintf(path, sizeof(path), "%s/schemas/%s",
		    app.settings.assets, ex_types[i].schema);
		if ((ex_schema[i] = xml_schema_load(path, &err)) == NULL)
			fatal("exchange: %s", err.msg);
	}
	if (app.settings.exchange_key[0] == '\0') {
		kore_log(LOG_NOTICE, "exchange: no exchange_key, answers "
		    "refused");
		return;
	}
	if ((fp = fopen(app.settings.exchange_key, "r")) == NULL ||
	    fgets(line, sizeof(line), fp) == NULL ||
	    sscanf(line, "%128s %127s", ex_keyid, b64) != 2 ||
	    sodium_base642bin(ex_sk, sizeof(ex_sk), b64, strlen(b64), NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(ex_sk))
		fatal("exchange: cannot read the signing key %s",
		    app.settings.exchange_key);
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(line, sizeof(line));
	fclose(fp);
	ex_ready = 1;
}

static void
exchange_free(struct http_request *req)
{
	struct exchange	*ex = http_state_get(req);

	if (ex == NULL)
		return;
	kore_free(ex->body);
	kore_free(ex->answer);
}

/*
 * The fields of our answer that its signature covers.  (sig_msg field
 * callbacks: 0 and the idx-th line, or -1 when there is none.)
 */
struct exchange_resp {
	const char	*ctype;
	const char	*digest;
};

static int
exchange_resp_field(void *arg, const char *name, size_t idx,
    const char **value, size_t *len)
{
	struct exchange_resp	*r = arg;

	if (idx != 0)
		return (-1);
	if (strcmp(name, "content-type") == 0)
		*value = r->ctype;
	else if (strcmp(name, "content-digest") == 0)
		*value = r->digest;
	else
		return (-1);
	*len = strlen(*value);
	return (0);
}

/* A request's header for its signature base (one line each). */
static int
exchange_req_field(void *arg, const char *name, size_t idx,
    const char **value, size_t *len)
{
	struct http_request	*req = arg;

	if (idx != 0 || !http_request_header(req, name, value))
		return (-1);
	*len = strlen(*value);
	return (0);
}

/* Sign and send body with status. */
static int
exchange_send(struct http_request *req, int status, const char *body)
{
	static const char *const comps[] = { "@status", "content-type",
	    "content-digest", NULL };
	struct sig_headers	 h;
	struct sig_spec		 spec;
	struct sig_msg		 m;
	struct exchange_resp	 r;
	struct err		 err;
	char			 digest[DIGEST_BUFSZ];

	http_response_header(req, "content-type", "application/xml");
	http_response_header(req, "cache-control", "no-store");
	if (digest_header(body, strlen(body), digest, sizeof(digest),
	    &err) == 0)
		http_response_header(req, "content-digest", digest);
	if (ex_ready) {
		r.ctype = "application/xml";
		r.digest = digest;
		memset(&m, 0, sizeof(m));
		m.status = status;
		m.field = exchange_resp_field;
		m.arg = &r;
		memset(&spec, 0, sizeof(spec));
		spec.components = comps;
		spec.keyid = ex_keyid;
		spec.created = (long long)time(NULL);
		if (sig_sign(&spec, &m, ex_sk, &h, &err) == 0) {
			http_response_header(req, "signature-input", h.input);
			http_response_header(req, "signature", h.signature);
		} else {
			kore_log(LOG_ERR, "exchange: signing: %s", err.msg);
		}
	}
	http_response(req, status, body, strlen(body));
	return (KORE_RESULT_OK);
}

/* An XML error of our own (before the database saw the message). */
static int
exchange_error(struct http_request *req, struct exchange *ex, int status,
    const char *code, const char *text)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, e;
	xmlChar		*out;
	int		 len, rc;

	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewNode(NULL, BAD_CAST "exchangeAnswer");
	xmlDocSetRootElement(doc, root);
	xmlNewNs(root, BAD_CAST "urn:kitas:exchange:1", NULL);
	xmlNewProp(root, BAD_CAST "version", BAD_CAST "1");
	xmlNewProp(root, BAD_CAST "messageId", BAD_CAST (ex != NULL &&
	    ex->msgid[0] ? ex->msgid : ""));
	xmlNewProp(root, BAD_CAST "outcome", BAD_CAST "rejected");
	e = xmlNewTextChild(root, NULL, BAD_CAST "error", BAD_CAST text);
	xmlNewProp(e, BAD_CAST "code", BAD_CAST code);
	xmlDocDumpMemoryEnc(doc, &out, &len, "UTF-8");
	xmlFreeDoc(doc);
	rc = exchange_send(req, status, (const char *)out);
	xmlFree(out);
	return (rc);
}

/* Read the body whole (bounded); 0, or -1 when it is too large. */
static int
exchange_body(struct http_request *req, struct exchange *ex)
{
	char	buf[8192];
	ssize_t	n;

	ex->body = kore_malloc(XML_BODY_MAX + 1);
	ex->len = 0;
	while ((n = http_body_read(req, buf, sizeof(buf))) > 0) {
		if (ex->len + (size_t)n > XML_BODY_MAX)
			return (-1);
		memcpy(ex->body + ex->len, buf, (size_t)n);
		ex->len += (size_t)n;
	}
	ex->body[ex->len] = '\0';
	return (0);
}

static void
exchange_text(xmlNodePtr n, const char *name, char *dst, size_t dstsz)
{
	xmlChar	*v;

	dst[0] = '\0';
	for (n = n->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(n->name, BAD_CAST name) == 0) {
			v = xmlNodeGetContent(n);
			(void)kore_strlcpy(dst, (char *)v, dstsz);
			xmlFree(v);
			return;
		}
	}
}

static void
exchange_attr(xmlNodePtr n, const char *name, char *dst, size_t dstsz)
{
	xmlChar	*v;

	dst[0] = '\0';
	if ((v = xmlGetProp(n, BAD_CAST name)) != NULL) {
		(void)kore_strlcpy(dst, (char *)v, dstsz);
		xmlFree(v);
	}
}

/*
 * The document: no DTD, bounded, valid for its type; its message id and
 * fields into ex.  0, or -1 with the 400 sent.
 */
static int
exchange_document_or_reply(struct http_request *req, struct exchange *ex,
    int *rc)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, a;
	struct err	 err;
	char		 why[ERR_MSG_MAX + 32];

	if ((doc = xml_parse_untrusted(ex->body, ex->len, &err)) == NULL) {
		*rc = exchange_error(req, ex, HTTP_STATUS_BAD_REQUEST,
		    "malformed", err.msg);
		return (-1);
	}
	root = xmlDocGetRootElement(doc);
	if (xml_validate(ex_schema[ex->type], doc, &err) == -1 ||
	    xmlStrcmp(root->name, BAD_CAST ex_types[ex->type].root) != 0) {
		(void)snprintf(why, sizeof(why), "not a valid %s: %s",
		    ex_types[ex->type].root, err.msg);
		xmlFreeDoc(doc);
		*rc = exchange_error(req, ex, HTTP_STATUS_BAD_REQUEST,
		    "invalid", why);
		return (-1);
	}
	exchange_attr(root, "messageId", ex->msgid, sizeof(ex->msgid));
	switch (ex->type) {
	case EX_PAYMENT:
		exchange_text(root, "billingCode", ex->f[0], sizeof(ex->f[0]));
		exchange_text(root, "amount", ex->f[1], sizeof(ex->f[1]));
		exchange_text(root, "paidAt", ex->f[2], sizeof(ex->f[2]));
		exchange_text(root, "bankRef", ex->f[3], sizeof(ex->f[3]));
		break;
	case EX_PERMIT_EVENTS:
		/* A read: the cursor and page size are the root's. */
		exchange_attr(root, "after", ex->f[0], sizeof(ex->f[0]));
		exchange_attr(root, "limit", ex->f[1], sizeof(ex->f[1]));
		break;
	case EX_CASE_STATUS:
		exchange_attr(root, "reference", ex->f[0], sizeof(ex->f[0]));
		break;
	case EX_EVIDENCE:
		exchange_attr(root, "of", ex->f[0], sizeof(ex->f[0]));
		break;
	case EX_SPONSOR_BATCH:
		break;
	case EX_CLEARANCE:
	default:
		for (a = root->children; a != NULL; a = a->next) {
			if (a->type == XML_ELEMENT_NODE)
				break;
		}
		exchange_attr(a, "key", ex->f[0], sizeof(ex->f[0]));
		exchange_attr(a, "result", ex->f[1], sizeof(ex->f[1]));
		exchange_attr(a, "reference", ex->f[2], sizeof(ex->f[2]));
		exchange_attr(a, "reason", ex->f[3], sizeof(ex->f[3]));
		exchange_attr(a, "checkedAt", ex->f[4], sizeof(ex->f[4]));
		break;
	}
	xmlFreeDoc(doc);
	return (0);
}

/* Checks before any database work: 0, or -1 with the answer sent. */
static int
exchange_check_or_reply(struct http_request *req, struct exchange *ex,
    int *rc)
{
	const char	*ctype, *input, *sig, *digest;
	struct err	 err;
	enum sig_result	 sr;
	size_t		 i;

	if (!http_request_header(req, "content-type", &ctype) ||
	    strncasecmp(ctype, "application/xml", 15) != 0) {
		*rc = exchange_error(req, ex, 415, "content_type",
		    "the body must be application/xml");
		return (-1);
	}
	if (exchange_body(req, ex) == -1) {
		*rc = exchange_error(req, ex, 413, "too_large",
		    "the body is larger than 1 MiB");
		return (-1);
	}
	/* Kept and answered as text: UTF-8, whatever it declares. */
	if (strlen(ex->body) != ex->len ||
	    xmlCheckUTF8((const unsigned char *)ex->body) == 0) {
		*rc = exchange_error(req, ex, 415, "encoding",
		    "the body must be UTF-8");
		return (-1);
	}
	if (!http_request_header(req, "content-digest", &digest) ||
	    digest_verify(digest, ex->body, ex->len, &err) != DIGEST_OK) {
		*rc = exchange_error(req, ex, HTTP_STATUS_UNAUTHORIZED,
		    "digest", "Content-Digest is missing or does not match "
		    "the body");
		return (-1);
	}
	(void)kore_strlcpy(ex->digest, digest, sizeof(ex->digest));
	if (!http_request_header(req, "signature-input", &input) ||
	    !http_request_header(req, "signature", &sig)) {
		*rc = exchange_error(req, ex, HTTP_STATUS_UNAUTHORIZED,
		    "signature", "the request is not signed");
		return (-1);
	}
	if ((sr = sig_parse(input, sig, NULL, &ex->sig, &err)) != SIG_OK ||
	    ex->sig.keyid[0] == '\0') {
		*rc = exchange_error(req, ex, HTTP_STATUS_UNAUTHORIZED,
		    "signature", sr != SIG_OK ? err.msg : "no keyid");
		return (-1);
	}
	for (i = 0; i < ex->sig.siglen; i++)
		(void)snprintf(ex->sighex + i * 2, 3, "%02x", ex->sig.sig[i]);
	return (0);
}

static int
exchange_read_key(struct kore_pgsql *sql, void *arg)
{
	struct exchange	*ex = arg;

	if (kore_pgsql_ntuples(sql) != 1)
		return (0);
	(void)kore_strlcpy(ex->partner, kore_pgsql_getvalue(sql, 0, 0),
	    sizeof(ex->partner));
	(void)kore_strlcpy(ex->pkhex, kore_pgsql_getvalue(sql, 0, 1),
	    sizeof(ex->pkhex));
	(void)kore_strlcpy(ex->types, kore_pgsql_getvalue(sql, 0, 2),
	    sizeof(ex->types));
	return (0);
}

static int
exchange_read_answer(struct kore_pgsql *sql, void *arg)
{
	struct exchange	*ex = arg;

	if (kore_pgsql_ntuples(sql) != 1)
		return (-1);
	(void)kore_strlcpy(ex->status, kore_pgsql_getvalue(sql, 0, 0),
	    sizeof(ex->status));
	ex->answer = kore_strdup(kore_pgsql_getvalue(sql, 0, 1));
	return (0);
}

/* The signature against the partner's key: 0, or -1 with the 401 sent. */
static int
exchange_verify_or_reply(struct http_request *req, struct exchange *ex,
    int *rc)
{
	static const char *const required[] = { "@method", "@path",
	    "content-type", "content-digest", NULL };
	struct sig_policy	 pol;
	struct sig_msg		 m;
	struct err		 err;
	unsigned char		 pk[crypto_sign_PUBLICKEYBYTES];
	const char		*host;
	enum sig_result		 sr;
	size_t			 len;

	if (ex->pkhex[0] == '\0' || sodium_hex2bin(pk, sizeof(pk), ex->pkhex,
	    strlen(ex->pkhex), NULL, &len, NULL) != 0 || len != sizeof(pk)) {
		*rc = exchange_error(req, ex, HTTP_STATUS_UNAUTHORIZED,
		    "unknown_key", "the key id is not known, or no longer "
		    "trusted");
		return (-1);
	}
	memset(&m, 0, sizeof(m));
	m.method = "POST";
	m.path = req->path;
	m.authority = http_request_header(req, "host", &host) ? host : "";
	m.field = exchange_req_field;
	m.arg = req;
	pol.required = required;
	pol.max_age = EXCHANGE_MAX_AGE;
	pol.skew = SIG_SKEW_DEFAULT;
	if ((sr = sig_verify(&ex->sig, &m, pk, &pol, (long long)time(NULL),
	    &err)) != SIG_OK) {
		*rc = exchange_error(req, ex, HTTP_STATUS_UNAUTHORIZED,
		    sig_result_name(sr), err.msg);
		return (-1);
	}
	return (0);
}

int
exchange_receive(struct http_request *req)
{
	struct exchange	*ex;
	const char	*name;
	int		 rc, i;

	if (!http_state_exists(req)) {
		ex = http_state_create(req, sizeof(*ex), exchange_free);
		memset(ex, 0, sizeof(*ex));
		name = req->path + strlen("/exchange/v1/");
		for (i = 0; i < EX_TYPES; i++) {
			if (strcmp(name, ex_types[i].name) == 0)
				break;
		}
		if (i == EX_TYPES)
			return (exchange_error(req, ex, HTTP_STATUS_NOT_FOUND,
			    "unknown_type", "no such message type"));
		ex->type = (enum exchange_type)i;
		if (exchange_check_or_reply(req, ex, &rc) == -1)
			return (rc);
		ex->params[0] = ex->sig.keyid;
		db_call_init(&ex->db, req);
		ex->phase = EX_KEY;
	}
	ex = http_state_get(req);

	if (ex->phase == EX_KEY) {
		switch (db_run(&ex->db, DB_EX_KEY, ex->params,
		    exchange_read_key, ex)) {
		case DB_WAIT:
			return (KORE_RESULT_RETRY);
		case DB_FAILED:
			http_response_header(req, "retry-after",
			    APP_RETRY_AFTER);
			return (exchange_error(req, ex, 503, "unavailable",
			    "try again shortly"));
		case DB_BAD_TEXT:
			return (exchange_error(req, ex, 415, "encoding",
			    "the key id must be UTF-8"));
		case DB_DONE:
			break;
		}
		if (exchange_verify_or_reply(req, ex, &rc) == -1 ||
		    exchange_document_or_reply(req, ex, &rc) == -1)
			return (rc);
		ex->params[0] = ex->partner;
		ex->params[1] = ex->msgid;
		ex->params[2] = ex->sig.keyid;
		ex->params[3] = ex->digest;
		ex->params[4] = ex->sighex;
		ex->params[5] = ex->body;
		for (i = 0; i < ex_types[ex->type].nfields; i++)
			ex->params[6 + i] = ex->f[i][0] ? ex->f[i] : NULL;
		db_call_init(&ex->db, req);
		ex->phase = EX_APPLY;
	}
	switch (db_run(&ex->db, ex_types[ex->type].query, ex->params,
	    exchange_read_answer, ex)) {
	case DB_WAIT:
		return (KORE_RESULT_RETRY);
	case DB_FAILED:
		http_response_header(req, "retry-after", APP_RETRY_AFTER);
		return (exchange_error(req, ex, 503, "unavailable",
		    "try again shortly"));
	case DB_BAD_TEXT:
		return (exchange_error(req, ex, 415, "encoding",
		    "every value must be UTF-8"));
	case DB_DONE:
		break;
	}
	return (exchange_send(req, atoi(ex->status), ex->answer));
}
