/*
 * Module entry points: settings in the parent before fork, database and
 * templates in each worker after Kore has dropped privileges and turned on
 * seccomp.
 */
#include <kore/kore.h>
#include <kore/pgsql.h>
#include <kore/seccomp.h>

#include <sodium.h>

#include <curl/curl.h>

#include "app.h"
#include "vault.h"
#include "xml.h"

struct app	app;

/*
 * What the libraries need beyond Kore's own filter (KORE-4.1.md 7):
 * libpq and the template loader stat and list files, task threads need
 * clone3 and rseq, libcurl getpeername and uname.
 */
KORE_SECCOMP_FILTER("kitas",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(faccessat2),
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(socket),
	KORE_SYSCALL_ALLOW(connect),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(socketpair),
	KORE_SYSCALL_ALLOW(pipe2),
	KORE_SYSCALL_ALLOW(eventfd2),
	KORE_SYSCALL_ALLOW(mlock),	/* sodium_malloc: the vault's keys */
	KORE_SYSCALL_ALLOW(munlock),
	KORE_SYSCALL_ALLOW(flock),	/* the vault reads its key file locked */
	/*
	 * glibc's realloc() grows a large (mmap'd) block with mremap: libpq
	 * does when it sends a printed permit (~0.5 MB of hex).  Kore's
	 * filter kills only the thread that breaks it; a worker whose main
	 * thread dies that way keeps its task threads, is never reaped, and
	 * may hold the accept lock: every worker then stops answering.
	 */
	KORE_SYSCALL_ALLOW(mremap),
);

void		kore_parent_configure(int, char **);
int		app_init(int);
void		dispatch_init(void);
void		maild_init(void);
void		printer_init(void);
void		exchange_init(void);

void
kore_parent_configure(int argc, char **argv)
{
	struct err	err;

	if (sodium_init() < 0)
		fatal("sodium_init failed");
	if (settings_load(&app.settings, NULL, &err) == -1)
		fatal("%s", err.msg);
	if (app.settings.db[0] == '\0')
		fatal("settings: db is not set (KITAS_DB)");
	xml_init(app.settings.assets);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("curl_global_init failed");
}

int
app_init(int state)
{
	struct err	err;

	if (state != KORE_MODULE_LOAD)
		return (KORE_RESULT_OK);
	if (app.render != NULL)		/* SIGHUP reload: keep what we have */
		return (KORE_RESULT_OK);

	if (!kore_pgsql_register(APP_DB_NAME, app.settings.db)) {
		kore_log(LOG_ERR, "%s: cannot register the database", __func__);
		return (KORE_RESULT_ERROR);
	}
	if (render_init(&app.render, app.settings.assets, &err) == -1) {
		kore_log(LOG_ERR, "%s: %s", __func__, err.msg);
		return (KORE_RESULT_ERROR);
	}
	if (app.settings.vault_keys[0] != '\0' &&
	    (app.vault = vault_keyring_load(app.settings.vault_keys,
	    &err)) == NULL) {
		kore_log(LOG_ERR, "%s: %s", __func__, err.msg);
		return (KORE_RESULT_ERROR);
	}
	dispatch_init();
	maild_init();
	printer_init();
	exchange_init();
	return (KORE_RESULT_OK);
}
