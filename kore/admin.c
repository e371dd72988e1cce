/*
 * Administration of staff accounts (/admin): the list of officers,
 * supervisors and admins by office, a form to add one, and per account
 * its role, office and whether it is disabled.  The database decides:
 * only an admin's session may, never on the admin's own account, and a
 * new account's owner chooses the password through the reset mail.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "auth.h"
#include "form.h"
#include "page.h"
#include "staff.h"

int	admin_users(struct http_request *);

#define ADMIN_XML_MAX	(1024 * 1024)	/* every staff account */
#define ADMIN_ID_MAX	18		/* digits of a bigint */

struct admin {
	struct staff	 st;		/* first: staff.c's part */
	char		 action[8];
	char		 email[256];
	char		 name[FORM_CHARS_BUFSZ(AUTH_NAME_MAX)];
	char		 role[16];
	char		 office[8];
	char		 account[ADMIN_ID_MAX + 1];
	char		 disabled[8];
	const char	*params[6];
};

static int
admin_show(struct http_request *req, struct admin *ad)
{
	int	rc;

	if (ad->st.phase != STAFF_LOAD) {
		kore_free(ad->st.text);
		ad->st.text = NULL;
		db_call_init(&ad->st.db, req);
		ad->st.phase = STAFF_LOAD;
	}
	if (staff_db_or_reply(req, &ad->st, DB_ADMIN_USERS, ad->params,
	    &rc) != 0)
		return (rc);
	return (staff_render(req, &ad->st, "admin"));
}

/* The POST's query and fields; -1 when malformed (nothing is sent). */
static int
admin_action(struct http_request *req, struct admin *ad, enum db_query *q)
{
	staff_arg(req, "action", ad->action, sizeof(ad->action));
	staff_arg(req, "role", ad->role, sizeof(ad->role));
	staff_arg(req, "office", ad->office, sizeof(ad->office));
	if (strcmp(ad->action, "create") == 0) {
		staff_arg(req, "email", ad->email, sizeof(ad->email));
		staff_arg(req, "name", ad->name, sizeof(ad->name));
		ad->params[1] = ad->email;
		ad->params[2] = ad->name;
		ad->params[3] = ad->role;
		ad->params[4] = ad->office;
		*q = DB_ADMIN_CREATE;
		return (0);
	}
	if (strcmp(ad->action, "update") == 0) {
		staff_arg(req, "account", ad->account, sizeof(ad->account));
		staff_arg(req, "disabled", ad->disabled, sizeof(ad->disabled));
		if (ad->account[0] == '\0' || strspn(ad->account,
		    "0123456789") != strlen(ad->account))
			return (-1);
		ad->params[1] = ad->account;
		ad->params[2] = ad->role;
		ad->params[3] = ad->office;
		/* An unchecked box is not sent: not disabled. */
		ad->params[4] = strcmp(ad->disabled, "yes") == 0 ? "t" : "f";
		*q = DB_ADMIN_UPDATE;
		return (0);
	}
	return (-1);
}

static void
admin_fail(struct admin *ad, const char *code)
{
	static const struct page_code map[] = {
		{ "invalid_input", "admin.err.invalid",
		    HTTP_STATUS_BAD_REQUEST },
		{ "office_required", "admin.err.office",
		    HTTP_STATUS_BAD_REQUEST },
		{ "email_taken", "admin.err.email_taken",
		    HTTP_STATUS_CONFLICT },
		{ "own_account", "admin.err.own_account",
		    HTTP_STATUS_FORBIDDEN },
		{ "forbidden", "office.err.forbidden", HTTP_STATUS_FORBIDDEN },
		{ "not_found", "admin.err.not_found", HTTP_STATUS_NOT_FOUND },
	};

	staff_fail(&ad->st, map, sizeof(map) / sizeof(map[0]), code);
}

int
admin_users(struct http_request *req)
{
	static const char *const	 admins[] = { "admin", NULL };
	struct admin			*ad;
	enum db_query			 q;
	int				 rc;

	ad = staff_state(req, sizeof(struct admin), ADMIN_XML_MAX);
	if (staff_begin_as_or_reply(req, &ad->st, admins, &rc) != 0)
		return (rc);
	if (ad->st.phase == STAFF_CHECK) {
		ad->params[0] = ad->st.sess.token_hash;
		if (req->method == HTTP_METHOD_GET)
			return (admin_show(req, ad));
		if (admin_action(req, ad, &q) == -1) {
			admin_fail(ad, "invalid_input");
			return (admin_show(req, ad));
		}
		db_call_init(&ad->st.db, req);
		ad->st.phase = STAFF_ACTION;
		ad->st.action = q;
	}
	if (ad->st.phase == STAFF_ACTION) {
		if (staff_db_or_reply(req, &ad->st, ad->st.action, ad->params,
		    &rc) != 0)
			return (rc);
		if (ad->st.text != NULL && strcmp(ad->st.text, "ok") == 0)
			return (staff_redirect(req, "/admin"));
		admin_fail(ad, ad->st.text != NULL ? ad->st.text : "");
	}
	return (admin_show(req, ad));
}
