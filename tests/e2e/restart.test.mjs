// PostgreSQL restarts under a running server: while it is down the server
// says so (503 + Retry-After, in the user's language), and once it is back
// the server recovers by itself within 5 seconds, on every worker.
import assert from 'node:assert/strict';
import test from 'node:test';

import { get, postForm, stack, demoCase, until } from './lib.mjs';

const RECOVERY_MS = 5000;

test('the database goes away and comes back', async (t) => {
	const c = demoCase('paid');
	// Fill every worker's pool with connections that will die.
	for (let i = 0; i < 20; i++)
		assert.equal((await postForm('/status', c)).status, 200);

	stack('db-down');
	try {
		await t.test('readyz is 503 with Retry-After while it is down', async () => {
			const r = await get('/readyz');
			assert.equal(r.status, 503);
			assert.match(r.headers.get('retry-after'), /^[0-9]+$/);
		});
		await t.test('a lookup says the service is briefly unavailable', async () => {
			const r = await postForm('/status', { ...c, lang: 'en' });
			assert.equal(r.status, 503);
			assert.ok(r.headers.get('retry-after'));
			assert.match(await r.text(), /briefly unavailable/);
			const id = await postForm('/status', { ...c, lang: 'id' });
			assert.match(await id.text(), /tidak tersedia sebentar/);
		});
		await t.test('healthz still answers: the process is fine', async () => {
			assert.equal((await get('/healthz')).status, 200);
		});
	} finally {
		stack('db-up');
	}

	const back = Date.now();
	await until('readyz 200', async () => (await get('/readyz')).status === 200,
	    RECOVERY_MS, 50);
	// Every worker, every pooled connection: no request fails any more.
	for (let i = 0; i < 40; i++) {
		const r = await postForm('/status', c);
		assert.equal(r.status, 200, `lookup ${i} after the restart`);
	}
	assert.ok(Date.now() - back <= RECOVERY_MS + 2000,
	    `recovered in ${Date.now() - back} ms`);
});
