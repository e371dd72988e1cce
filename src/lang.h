/*
 * The user's language: Indonesian or English.  Chosen by an explicit
 * ?lang= (which the web layer then remembers in a cookie), else the
 * cookie, else Accept-Language, else the deployment default.
 */
#ifndef KITAS_LANG_H
#define KITAS_LANG_H

enum lang {
	LANG_ID = 0,
	LANG_EN,
	LANG_COUNT
};

#define LANG_ACCEPT_MAX	1024	/* longer Accept-Language headers are ignored */

/* "id"/"en" to enum; -1 for anything else (including NULL). */
int		 lang_from_code(const char *code);
const char	*lang_code(enum lang lang);

/*
 * Pick the language.  Each argument may be NULL.  Accept-Language is read
 * with its q-values ("en-GB;q=0.8, id;q=0.9" gives id).
 */
enum lang	 lang_negotiate(const char *query, const char *cookie,
		    const char *accept, enum lang fallback);

#endif
