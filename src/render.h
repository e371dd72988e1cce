/*
 * HTML rendering: a handler builds a small XML page model and render_page()
 * applies assets/templates/<name>.xsl to it.  Stylesheets and catalogues
 * are loaded once per process; every message comes from the catalogues
 * through the XSLT extension function i:t('key') (namespace urn:kitas:i18n)
 * and the language is the stylesheet parameter $lang.  Output escaping is
 * libxslt's, so model text never reaches the page unescaped.
 */
#ifndef KITAS_RENDER_H
#define KITAS_RENDER_H

#include <libxml/tree.h>

#include "err.h"
#include "i18n.h"
#include "lang.h"

#define RENDER_NS	"urn:kitas:i18n"

struct render;

/*
 * Load catalogues from <assets>/i18n and compile every
 * each <assets>/templates/NAME.xsl whose name does not start with '_' (those are
 * imported pieces such as _layout.xsl).  Caller frees with render_free().
 */
int		 render_init(struct render **out, const char *assets,
		    struct err *err);
void		 render_free(struct render *r);

/*
 * Render template name over model.  On success *html is the document
 * (caller frees with xmlFree()) and *len its length.
 */
int		 render_page(struct render *r, const char *name,
		    xmlDocPtr model, enum lang lang, xmlChar **html, int *len,
		    struct err *err);

/* The catalogues, for messages outside templates.  Owned by r. */
const struct i18n *render_i18n(const struct render *r);

#endif
