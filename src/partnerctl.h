/*
 * kitasctl's partner commands (src/partnerctl.c): key rotation without
 * downtime and the evidence of a logged message.  Each returns the
 * process exit code and prints its own messages; the rules are SQL
 * functions of migrations/0017_create_exchange_queries.sql.
 */
#ifndef KITAS_PARTNERCTL_H
#define KITAS_PARTNERCTL_H

#include <stdio.h>

#include <libpq-fe.h>

/* A further key for the partner, valid from from (NULL: now). */
int	partnerctl_key_add(PGconn *db, const char *partner, const char *keyid,
	    const char *pubkey, const char *from);
/* The key stops working at at (NULL: now). */
int	partnerctl_key_retire(PGconn *db, const char *keyid, const char *at);
/* The key is refused from now on. */
int	partnerctl_key_revoke(PGconn *db, const char *keyid);
/* Print the log entry of a partner's message to out. */
int	partnerctl_evidence(PGconn *db, FILE *out, const char *partner,
	    const char *message_id);

#endif
