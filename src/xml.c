#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "xml.h"

struct xml_guard {
	int	doctype;
};

static xmlExternalEntityLoader	 xml_default_loader;
static char			 xml_allow[512];

/*
 * The only files libxml2 may open are our own, under the assets
 * directory (templates, their imports, catalogues, schemas): nothing over
 * a network, nothing a document names elsewhere.
 */
static xmlParserInputPtr
xml_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	size_t	n = strlen(xml_allow);

	if (url == NULL || n == 0 || strncmp(url, xml_allow, n) != 0 ||
	    url[n] != '/' || strstr(url, "..") != NULL ||
	    strstr(url, "://") != NULL)
		return (NULL);
	return (xml_default_loader(url, id, ctxt));
}

/* Parser messages go to err through the caller, never to stderr. */
static void
xml_quiet(void *ctx, const char *msg, ...)
{
}

static void
xml_quiet_structured(void *ctx, xmlErrorPtr e)
{
}

void
xml_init(const char *assets)
{
	xmlInitParser();
	(void)snprintf(xml_allow, sizeof(xml_allow), "%s", assets);
	if (xml_default_loader == NULL)
		xml_default_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(xml_loader);
	xmlSetGenericErrorFunc(NULL, xml_quiet);
	xmlSetStructuredErrorFunc(NULL, xml_quiet_structured);
}

/* SAX hook: a DOCTYPE of any kind stops the parse right there. */
static void
xml_no_doctype(void *ctx, const xmlChar *name, const xmlChar *ext,
    const xmlChar *sys)
{
	xmlParserCtxtPtr	ctxt = ctx;

	((struct xml_guard *)ctxt->_private)->doctype = 1;
	xmlStopParser(ctxt);
}

/* Elements at this level are at depth; their children one deeper. */
static int
xml_depth_ok(xmlNodePtr n, int depth)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (depth > XML_DEPTH_MAX || !xml_depth_ok(n->children, depth + 1))
			return (0);
	}
	return (1);
}

xmlDocPtr
xml_parse_untrusted(const char *buf, size_t len, struct err *err)
{
	xmlParserCtxtPtr	 ctxt;
	xmlDocPtr		 doc;
	struct xml_guard	 guard;
	xmlErrorPtr		 e;

	if (len == 0 || len > XML_BODY_MAX) {
		err_set(err, "body is empty or larger than %d bytes",
		    XML_BODY_MAX);
		return (NULL);
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		err_set(err, "out of memory");
		return (NULL);
	}
	memset(&guard, 0, sizeof(guard));
	ctxt->_private = &guard;
	ctxt->sax->internalSubset = xml_no_doctype;
	ctxt->sax->externalSubset = xml_no_doctype;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (guard.doctype) {
		err_set(err, "a DOCTYPE is not allowed");
		xmlFreeDoc(doc);
		doc = NULL;
	} else if (doc == NULL || !ctxt->wellFormed) {
		e = xmlCtxtGetLastError(ctxt);
		err_set(err, "not well-formed XML (line %d)",
		    e != NULL ? e->line : 0);
		xmlFreeDoc(doc);
		doc = NULL;
	} else if (!xml_depth_ok(xmlDocGetRootElement(doc), 1)) {
		err_set(err, "nested deeper than %d elements", XML_DEPTH_MAX);
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return (doc);
}

xmlSchemaPtr
xml_schema_load(const char *path, struct err *err)
{
	xmlSchemaParserCtxtPtr	pctxt;
	xmlSchemaPtr		schema;

	if ((pctxt = xmlSchemaNewParserCtxt(path)) == NULL) {
		err_set(err, "xml: cannot read schema %s", path);
		return (NULL);
	}
	schema = xmlSchemaParse(pctxt);
	xmlSchemaFreeParserCtxt(pctxt);
	if (schema == NULL)
		err_set(err, "xml: schema %s does not compile", path);
	return (schema);
}

static void
xml_schema_error(void *arg, xmlErrorPtr e)
{
	struct err	*err = arg;

	/* Keep the first error: the rest usually follow from it. */
	if (err != NULL && err->msg[0] == '\0' && e != NULL)
		err_set(err, "line %d: %.200s", e->line,
		    e->message != NULL ? e->message : "invalid");
}

int
xml_validate(xmlSchemaPtr schema, xmlDocPtr doc, struct err *err)
{
	xmlSchemaValidCtxtPtr	vctxt;
	int			rc;

	if ((vctxt = xmlSchemaNewValidCtxt(schema)) == NULL) {
		err_set(err, "out of memory");
		return (-1);
	}
	if (err != NULL)
		err->msg[0] = '\0';
	xmlSchemaSetValidStructuredErrors(vctxt, xml_schema_error, err);
	rc = xmlSchemaValidateDoc(vctxt, doc);
	xmlSchemaFreeValidCtxt(vctxt);
	if (rc != 0) {
		if (err != NULL && err->msg[0] == '\0')
			err_set(err, "does not match the schema");
		/* Trim libxml2's trailing newline. */
		if (err != NULL && strlen(err->msg) > 0 &&
		    err->msg[strlen(err->msg) - 1] == '\n')
			err->msg[strlen(err->msg) - 1] = '\0';
		return (-1);
	}
	return (0);
}
