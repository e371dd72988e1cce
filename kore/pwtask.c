#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "pwtask.h"

static int
pwtask_thread(struct kore_task *t)
{
	struct pwtask	*pt = (struct pwtask *)t;

	if (pt->op == PWTASK_HASH) {
		pt->ok = auth_hash(pt->password, pt->hash) == 0;
	} else {
		pt->ok = auth_verify(pt->hash, pt->password, &pt->rehash);
		if (pt->ok && pt->rehash &&
		    auth_hash(pt->password, pt->newhash) == -1)
			pt->rehash = 0;
	}
	sodium_memzero(pt->password, sizeof(pt->password));
	return (KORE_RESULT_OK);
}

void
pwtask_init(struct pwtask *pt, enum pwtask_op op, const char *password,
    const char *hash)
{
	memset(pt, 0, sizeof(*pt));
	pt->op = op;
	(void)kore_strlcpy(pt->password, password, sizeof(pt->password));
	if (hash != NULL)
		(void)kore_strlcpy(pt->hash, hash, sizeof(pt->hash));
}

enum pwtask_status
pwtask_run(struct http_request *req, struct pwtask *pt)
{
	if (!pt->started) {
		pt->started = 1;
		kore_task_create(&pt->task, pwtask_thread);
		kore_task_bind_request(&pt->task, req);
		kore_task_run(&pt->task);
		return (PWTASK_WAIT);
	}
	if (kore_task_state(&pt->task) != KORE_TASK_STATE_FINISHED) {
		http_request_sleep(req);
		return (PWTASK_WAIT);
	}
	kore_task_destroy(&pt->task);
	return (PWTASK_DONE);
}
