/*
 * Message catalogues: assets/i18n/{id,en}.xml, loaded once per process
 * into sorted tables and looked up by key (binary search).  Templates
 * reach them through the XSLT function i:t('key') (render.c).
 *
 *	<catalogue lang="en"><m k="status.title">Case status</m>...</catalogue>
 */
#ifndef KITAS_I18N_H
#define KITAS_I18N_H

#include <stddef.h>

#include "err.h"
#include "lang.h"

#define I18N_KEY_MAX	64
#define I18N_MAX	4096	/* messages per language */

struct i18n;

/* Load every language from dir.  Caller frees with i18n_free(). */
int		 i18n_load(struct i18n **out, const char *dir, struct err *err);
void		 i18n_free(struct i18n *cat);

/* The message, or NULL when the key is missing.  Valid until i18n_free. */
const char	*i18n_get(const struct i18n *cat, enum lang lang,
		    const char *key);

/* Keys in sorted order, for completeness checks. */
size_t		 i18n_count(const struct i18n *cat, enum lang lang);
const char	*i18n_key(const struct i18n *cat, enum lang lang, size_t i);

#endif
