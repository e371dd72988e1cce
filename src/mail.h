/*
 * Notices by e-mail: a message composed from the catalogues in the
 * recipient's language, sent over SMTP with libcurl (blocking: a task
 * thread).  The relay is a setting; in development and tests it is
 * tests/mail-sink.
 */
#ifndef KITAS_MAIL_H
#define KITAS_MAIL_H

#include <stddef.h>

#include "err.h"
#include "i18n.h"

#define MAIL_MSG_MAX	(16 * 1024)
/* The longest one delivery may take, connecting included. */
#define MAIL_TIMEOUT_MS	15000

struct mail {
	long long	 id;
	char		 to[256];
	char		 kind[32];
	char		 lang[3];
	char		 token[72];
	char		 reference[24];
	char		 state[32];
	int		 ok;		/* set by mail_send() */
	char		 error[128];
};

/*
 * The whole RFC 5322 message for m (headers, UTF-8 body) into out.
 * base_url is where links point (https://kitas.example).  0 or -1.
 */
int	mail_compose(const struct i18n *cat, const struct mail *m,
	    const char *from, const char *base_url, char *out, size_t outsz,
	    struct err *err);

/* Send a composed message; sets m->ok and m->error.  Blocks. */
void	mail_send(const char *smtp_url, const char *from, struct mail *m,
	    const char *msg);

#endif
