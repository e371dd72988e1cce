/*
 * The exchange's evidence for a supervisor (/office/evidence?partner=&id=):
 * the log entry of a partner's message (what we received, under which
 * key and signature, and what we answered), found and written to the
 * audit log by the database (office_evidence_xml(), which lists only the
 * partners serving the supervisor's office).  Officers are refused.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include <libxml/xmlstring.h>

#include "staff.h"

int	office_evidence(struct http_request *);

/* A 1 MiB body and our answer, escaped, and the rest of the page. */
#define EVIDENCE_XML_MAX	(6 * 1024 * 1024)
#define EVIDENCE_FIELD_BUFSZ	(200 * 4 + 1)	/* v_text, in UTF-8 bytes */
#define EVIDENCE_ID_MIN		8		/* as the exchange's XSDs */
#define EVIDENCE_ID_MAX		128

struct evidence {
	struct staff	 st;		/* first: staff.c's part */
	char		 partner[EVIDENCE_FIELD_BUFSZ];
	char		 id[EVIDENCE_FIELD_BUFSZ];
	const char	*params[3];
};

/* A message id as partners send them: [A-Za-z0-9._:-]{8,128}. */
static int
evidence_id_valid(const char *s)
{
	size_t	n = strlen(s);

	return (n >= EVIDENCE_ID_MIN && n <= EVIDENCE_ID_MAX &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-") == n);
}

int
office_evidence(struct http_request *req)
{
	static const char *const	 roles[] = { "supervisor", NULL };
	struct evidence			*ev;
	int				 rc;

	ev = staff_state(req, sizeof(*ev), EVIDENCE_XML_MAX);
	if (staff_begin_as_or_reply(req, &ev->st, roles, &rc) != 0)
		return (rc);
	if (ev->st.phase == STAFF_CHECK) {
		staff_arg(req, "partner", ev->partner, sizeof(ev->partner));
		staff_arg(req, "id", ev->id, sizeof(ev->id));
		if (!xmlCheckUTF8((const xmlChar *)ev->partner))
			ev->partner[0] = '\0';
		if (!xmlCheckUTF8((const xmlChar *)ev->id))
			ev->id[0] = '\0';
		/* Kept as typed; the database looks up only a valid one. */
		if (ev->id[0] != '\0' && !evidence_id_valid(ev->id)) {
			ev->st.notice = "evidence.err.id";
			ev->st.status = HTTP_STATUS_BAD_REQUEST;
		}
		ev->params[0] = ev->st.sess.token_hash;
		ev->params[1] = ev->partner;
		ev->params[2] = ev->id;
		db_call_init(&ev->st.db, req);
		ev->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &ev->st, DB_OFFICE_EVIDENCE, ev->params,
	    &rc) != 0)
		return (rc);
	return (staff_render(req, &ev->st, "office-evidence"));
}
