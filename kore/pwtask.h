/*
 * Argon2id off the event loop: a handler keeps a struct pwtask in its
 * request state, fills it, and calls pwtask_run() each time it runs until
 * it returns PWTASK_DONE.  The password is wiped as soon as the thread is
 * done with it.
 */
#ifndef KITAS_PWTASK_H
#define KITAS_PWTASK_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "auth.h"

enum pwtask_op {
	PWTASK_HASH,		/* password -> hash */
	PWTASK_VERIFY		/* password, hash -> ok, rehash */
};

enum pwtask_status {
	PWTASK_WAIT,		/* handler returns KORE_RESULT_RETRY */
	PWTASK_DONE
};

struct pwtask {
	struct kore_task	task;	/* first: the thread finds us */
	enum pwtask_op		op;
	int			started;
	char			password[AUTH_PW_MAX * 4 + 1];
	char			hash[AUTH_PWHASH_BUFSZ];
	char			newhash[AUTH_PWHASH_BUFSZ];
	int			ok;	/* VERIFY: it matched; HASH: done */
	int			rehash;	/* VERIFY: newhash holds a rehash */
};

/* Set up op on password (and, to verify, hash); copies both. */
void		pwtask_init(struct pwtask *pt, enum pwtask_op op,
		    const char *password, const char *hash);
enum pwtask_status pwtask_run(struct http_request *req, struct pwtask *pt);

#endif
