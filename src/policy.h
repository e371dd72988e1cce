/*
 * kitasctl policy: read and change the central link's shared knobs
 * (table central_policy).  Every instance reads them on every claim, so a
 * change applies within a tick, without a restart.
 */
#ifndef KITAS_POLICY_H
#define KITAS_POLICY_H

#include <stdio.h>

#include <libpq-fe.h>

#include "err.h"

/* Print every knob as "name = value". */
int	policy_show(PGconn *db, FILE *out, struct err *err);

/*
 * Apply "name=value" assignments, all in one transaction: an unknown name
 * or a value the table's constraints refuse changes nothing.
 */
int	policy_set(PGconn *db, int argc, char **argv, struct err *err);

#endif
