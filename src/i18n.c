#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "i18n.h"

struct i18n_msg {
	char	*key;
	char	*text;
};

struct i18n_table {
	struct i18n_msg	*msgs;
	size_t		 count;
};

struct i18n {
	struct i18n_table	tables[LANG_COUNT];
};

static int
i18n_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct i18n_msg *)a)->key,
	    ((const struct i18n_msg *)b)->key));
}

static int
i18n_load_one(struct i18n_table *t, const char *path, const char *code,
    struct err *err)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, n;
	xmlChar		*k, *lang;
	size_t		 i;
	int		 rc;

	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	if (doc == NULL) {
		err_set(err, "i18n: %s: not well-formed XML", path);
		return (-1);
	}
	rc = -1;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, BAD_CAST "catalogue") != 0) {
		err_set(err, "i18n: %s: root is not <catalogue>", path);
		goto done;
	}
	lang = xmlGetProp(root, BAD_CAST "lang");
	if (lang == NULL || strcmp((char *)lang, code) != 0) {
		err_set(err, "i18n: %s: lang attribute is not %s", path, code);
		xmlFree(lang);
		goto done;
	}
	xmlFree(lang);

	if ((t->msgs = calloc(I18N_MAX, sizeof(*t->msgs))) == NULL) {
		err_set(err, "i18n: out of memory");
		goto done;
	}
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(n->name, BAD_CAST "m") != 0 ||
		    (k = xmlGetProp(n, BAD_CAST "k")) == NULL) {
			err_set(err, "i18n: %s:%ld: expected <m k=...>",
			    path, xmlGetLineNo(n));
			goto done;
		}
		if (t->count == I18N_MAX ||
		    xmlStrlen(k) == 0 || xmlStrlen(k) > I18N_KEY_MAX) {
			err_set(err, "i18n: %s:%ld: bad key or too many keys",
			    path, xmlGetLineNo(n));
			xmlFree(k);
			goto done;
		}
		t->msgs[t->count].key = strdup((char *)k);
		t->msgs[t->count].text = (char *)xmlNodeGetContent(n);
		xmlFree(k);
		if (t->msgs[t->count].key == NULL ||
		    t->msgs[t->count].text == NULL) {
			err_set(err, "i18n: out of memory");
			t->count++;
			goto done;
		}
		t->count++;
	}
	qsort(t->msgs, t->count, sizeof(*t->msgs), i18n_cmp);
	for (i = 1; i < t->count; i++) {
		if (strcmp(t->msgs[i - 1].key, t->msgs[i].key) == 0) {
			err_set(err, "i18n: %s: duplicate key %s",
			    path, t->msgs[i].key);
			goto done;
		}
	}
	rc = 0;
done:
	xmlFreeDoc(doc);
	return (rc);
}

int
i18n_load(struct i18n **out, const char *dir, struct err *err)
{
	struct i18n	*cat;
	char		 path[1024];
	int		 l, n;

	if ((cat = calloc(1, sizeof(*cat))) == NULL) {
		err_set(err, "i18n: out of memory");
		return (-1);
	}
	for (l = 0; l < LANG_COUNT; l++) {
		n = snprintf(path, sizeof(path), "%s/%s.xml", dir,
		    lang_code((enum lang)l));
		if (n < 0 || (size_t)n >= sizeof(path)) {
			err_set(err, "i18n: path too long");
			i18n_free(cat);
			return (-1);
		}
		if (i18n_load_one(&cat->tables[l], path,
		    lang_code((enum lang)l), err) == -1) {
			i18n_free(cat);
			return (-1);
		}
	}
	*out = cat;
	return (0);
}

void
i18n_free(struct i18n *cat)
{
	size_t	i;
	int	l;

	if (cat == NULL)
		return;
	for (l = 0; l < LANG_COUNT; l++) {
		for (i = 0; i < cat->tables[l].count; i++) {
			free(cat->tables[l].msgs[i].key);
			xmlFree(cat->tables[l].msgs[i].text);
		}
		free(cat->tables[l].msgs);
	}
	free(cat);
}

const char *
i18n_get(const struct i18n *cat, enum lang lang, const char *key)
{
	const struct i18n_table	*t;
	struct i18n_msg		 probe, *m;

	if (lang >= LANG_COUNT)
		return (NULL);
	t = &cat->tables[lang];
	probe.key = (char *)(uintptr_t)key;
	m = bsearch(&probe, t->msgs, t->count, sizeof(*t->msgs), i18n_cmp);
	return (m != NULL ? m->text : NULL);
}

size_t
i18n_count(const struct i18n *cat, enum lang lang)
{
	return (lang < LANG_COUNT ? cat->tables[lang].count : 0);
}

const char *
i18n_key(const struct i18n *cat, enum lang lang, size_t i)
{
	if (lang >= LANG_COUNT || i >= cat->tables[lang].count)
		return (NULL);
	return (cat->tables[lang].msgs[i].key);
}
