#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>
#include <libxslt/extensions.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "render.h"

#define RENDER_MAX_TEMPLATES	64
#define RENDER_NAME_MAX		48

struct render_tmpl {
	char			 name[RENDER_NAME_MAX];
	xsltStylesheetPtr	 style;
};

struct render {
	struct i18n		*cat;
	xsltSecurityPrefsPtr	 sec;
	struct render_tmpl	 tmpl[RENDER_MAX_TEMPLATES];
	size_t			 ntmpl;
};

/* What i:t() needs during one transform; hung off the context. */
struct render_call {
	const struct i18n	*cat;
	enum lang		 lang;
};

/*
 * i:t('key'): the message in the current language.  A missing key renders
 * as the key itself, visibly wrong; the unit tests keep that from shipping.
 */
static void
render_fn_t(xmlXPathParserContextPtr ctxt, int nargs)
{
	xsltTransformContextPtr	 tctxt;
	struct render_call	*call;
	xmlChar			*key;
	const char		*msg;

	if (nargs != 1) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	if ((key = xmlXPathPopString(ctxt)) == NULL)
		return;
	tctxt = xsltXPathGetTransformContext(ctxt);
	call = (tctxt != NULL) ? tctxt->_private : NULL;
	msg = (call != NULL) ? i18n_get(call->cat, call->lang,
	    (const char *)key) : NULL;
	valuePush(ctxt, xmlXPathNewString(msg != NULL ?
	    BAD_CAST msg : key));
	xmlFree(key);
}

static int
render_is_page(const char *file, char *name, size_t namesz)
{
	size_t	len;

	len = strlen(file);
	if (file[0] == '_' || file[0] == '.' || len < 5 ||
	    strcmp(file + len - 4, ".xsl") != 0 || len - 4 >= namesz)
		return (0);
	memcpy(name, file, len - 4);
	name[len - 4] = '\0';
	return (1);
}

static int
render_compile(struct render *r, const char *dir, struct err *err)
{
	DIR		*d;
	struct dirent	*de;
	char		 name[RENDER_NAME_MAX], path[1024];
	int		 n;

	if ((d = opendir(dir)) == NULL) {
		err_set(err, "render: cannot open %s", dir);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (!render_is_page(de->d_name, name, sizeof(name)))
			continue;
		if (r->ntmpl == RENDER_MAX_TEMPLATES) {
			err_set(err, "render: more than %d templates",
			    RENDER_MAX_TEMPLATES);
			break;
		}
		n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			err_set(err, "render: path too long: %s", de->d_name);
			break;
		}
		r->tmpl[r->ntmpl].style = xsltParseStylesheetFile(BAD_CAST path);
		if (r->tmpl[r->ntmpl].style == NULL) {
			err_set(err, "render: %s does not compile", path);
			break;
		}
		memcpy(r->tmpl[r->ntmpl].name, name, sizeof(name));
		r->ntmpl++;
	}
	closedir(d);
	return (de == NULL ? 0 : -1);
}

int
render_init(struct render **out, const char *assets, struct err *err)
{
	struct render	*r;
	char		 dir[1024];
	int		 n;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		err_set(err, "render: out of memory");
		return (-1);
	}
	xsltRegisterExtModuleFunction(BAD_CAST "t", BAD_CAST RENDER_NS,
	    render_fn_t);

	/* Templates are ours, but a transform still may not touch files. */
	if ((r->sec = xsltNewSecurityPrefs()) == NULL ||
	    xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_READ_FILE,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_WRITE_FILE,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_CREATE_DIRECTORY,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_READ_NETWORK,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_WRITE_NETWORK,
	    xsltSecurityForbid) != 0) {
		err_set(err, "render: cannot set XSLT security preferences");
		render_free(r);
		return (-1);
	}

	n = snprintf(dir, sizeof(dir), "%s/i18n", assets);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    i18n_load(&r->cat, dir, err) == -1) {
		render_free(r);
		return (-1);
	}
	n = snprintf(dir, sizeof(dir), "%s/templates", assets);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    render_compile(r, dir, err) == -1) {
		render_free(r);
		return (-1);
	}
	*out = r;
	return (0);
}

void
render_free(struct render *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ntmpl; i++)
		xsltFreeStylesheet(r->tmpl[i].style);
	if (r->sec != NULL)
		xsltFreeSecurityPrefs(r->sec);
	i18n_free(r->cat);
	free(r);
}

const struct i18n *
render_i18n(const struct render *r)
{
	return (r->cat);
}

int
render_page(struct render *r, const char *name, xmlDocPtr model,
    enum lang lang, xmlChar **html, int *len, struct err *err)
{
	xsltTransformContextPtr	 tctxt;
	struct render_call	 call;
	xsltStylesheetPtr	 style;
	xmlDocPtr		 res;
	const char		*params[3];
	char			 langparam[8];
	size_t			 i;
	int			 rc;

	style = NULL;
	for (i = 0; i < r->ntmpl; i++) {
		if (strcmp(r->tmpl[i].name, name) == 0) {
			style = r->tmpl[i].style;
			break;
		}
	}
	if (style == NULL) {
		err_set(err, "render: no template %s", name);
		return (-1);
	}

	(void)snprintf(langparam, sizeof(langparam), "'%s'", lang_code(lang));
	params[0] = "lang";
	params[1] = langparam;
	params[2] = NULL;
	call.cat = r->cat;
	call.lang = lang;

	if ((tctxt = xsltNewTransformContext(style, model)) == NULL) {
		err_set(err, "render: out of memory");
		return (-1);
	}
	tctxt->_private = &call;
	(void)xsltSetCtxtSecurityPrefs(r->sec, tctxt);
	res = xsltApplyStylesheetUser(style, model, params, NULL, NULL, tctxt);
	rc = -1;
	if (res == NULL || tctxt->state != XSLT_STATE_OK) {
		err_set(err, "render: transform of %s failed", name);
	} else if (xsltSaveResultToString(html, len, res, style) != 0 ||
	    *html == NULL) {
		err_set(err, "render: serialising %s failed", name);
	} else {
		rc = 0;
	}
	xmlFreeDoc(res);
	xsltFreeTransformContext(tctxt);
	return (rc);
}
