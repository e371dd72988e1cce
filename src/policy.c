#include <stdio.h>
#include <string.h>

#include "policy.h"

/*
 * The knobs that may be set, each with its own statement: a column name
 * never comes from the command line.
 */
static const struct {
	const char	*name;
	const char	*sql;
} policy_knobs[] = {
#define K(col, type) { #col, \
	"UPDATE central_policy SET " #col " = $1::" type }
	K(rate, "numeric"),
	K(burst, "integer"),
	K(ramp_seconds, "integer"),
	K(ramp_floor, "numeric"),
	K(failure_threshold, "integer"),
	K(backoff_base_ms, "integer"),
	K(backoff_cap_ms, "integer"),
	K(lease_seconds, "integer"),
	K(bad_answer_limit, "integer"),
	K(pending_recheck, "interval"),
	K(verdict_overdue, "interval"),
	K(clearance_max_age, "interval"),
	K(hold_outage, "interval"),
	K(alarm_backlog, "integer"),
	K(alarm_oldest, "interval"),
#undef K
};

#define POLICY_NKNOBS	(sizeof(policy_knobs) / sizeof(policy_knobs[0]))

int
policy_show(PGconn *db, FILE *out, struct err *err)
{
	PGresult	*res;
	int		 i;

	res = PQexec(db, "SELECT * FROM central_policy");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		err_set(err, "policy: %s", PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	for (i = 0; i < PQnfields(res); i++) {
		if (strcmp(PQfname(res, i), "id") != 0)
			fprintf(out, "%s = %s\n", PQfname(res, i),
			    PQgetvalue(res, 0, i));
	}
	PQclear(res);
	return (0);
}

static int
policy_exec(PGconn *db, const char *sql, const char *value, struct err *err)
{
	PGresult	*res;
	const char	*params[1] = { value };
	int		 ok;

	res = PQexecParams(db, sql, value != NULL ? 1 : 0, NULL,
	    value != NULL ? params : NULL, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		err_set(err, "%s", PQresultErrorMessage(res));
	PQclear(res);
	return (ok ? 0 : -1);
}

int
policy_set(PGconn *db, int argc, char **argv, struct err *err)
{
	char	name[64], why[ERR_MSG_MAX];
	char	*eq;
	size_t	 k;
	int	 i;

	if (argc == 0) {
		err_set(err, "policy: nothing to set (name=value ...)");
		return (-1);
	}
	if (policy_exec(db, "BEGIN", NULL, err) == -1)
		return (-1);
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL ||
		    (size_t)(eq - argv[i]) >= sizeof(name)) {
			err_set(err, "policy: '%s' is not name=value", argv[i]);
			goto fail;
		}
		memcpy(name, argv[i], (size_t)(eq - argv[i]));
		name[eq - argv[i]] = '\0';
		for (k = 0; k < POLICY_NKNOBS; k++) {
			if (strcmp(policy_knobs[k].name, name) == 0)
				break;
		}
		if (k == POLICY_NKNOBS) {
			err_set(err, "policy: unknown knob '%s'", name);
			goto fail;
		}
		if (policy_exec(db, policy_knobs[k].sql, eq + 1, err) == -1) {
			(void)snprintf(why, sizeof(why), "%s", err->msg);
			err_set(err, "policy: %s: %s", name, why);
			goto fail;
		}
	}
	return (policy_exec(db, "COMMIT", NULL, err));
fail:
	(void)policy_exec(db, "ROLLBACK", NULL, NULL);
	return (-1);
}
