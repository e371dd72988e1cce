/*
 * Untrusted XML: everything a partner or central sends goes through
 * xml_parse_untrusted() before anyone looks at it.  No DTD at all (any
 * DOCTYPE stops the parser before an entity is declared), no network, no
 * external entities, no entity substitution, no XInclude, bounded size
 * and nesting depth; then, optionally, an XSD.
 */
#ifndef KITAS_XML_H
#define KITAS_XML_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "err.h"

#define XML_BODY_MAX	(1024 * 1024)
#define XML_DEPTH_MAX	32

/*
 * Once per process, before threads: libxml2 may then open files only
 * under the assets directory (our templates, catalogues and schemas) and
 * never anything a document points to elsewhere or over a network.
 */
void		xml_init(const char *assets);

/*
 * Parse buf as untrusted XML.  Returns the document (caller frees with
 * xmlFreeDoc()) or NULL with err set to a message safe to show the sender.
 */
xmlDocPtr	xml_parse_untrusted(const char *buf, size_t len,
		    struct err *err);

/* Load a schema we ship (trusted).  NULL with err set on failure. */
xmlSchemaPtr	xml_schema_load(const char *path, struct err *err);

/* Validate doc; 0, or -1 with the first error (and its line) in err. */
int		xml_validate(xmlSchemaPtr schema, xmlDocPtr doc,
		    struct err *err);

#endif
