// Shared helpers for the end-to-end tests.  tests/run.sh starts the stack
// and passes KITAS_URL, KITAS_STATE_DIR (the test cluster's directory) and
// the PG* variables of the owner role.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const BASE = process.env.KITAS_URL ?? 'http://127.0.0.1:18080';
export const STATE = process.env.KITAS_STATE_DIR ?? 'var/test';
export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const OUT = path.join(STATE, 'out');

// One value or rows (tab-separated) from the test database, as the owner.
export function psql(sql, ...vars) {
	const args = ['-qtAX', '-v', 'ON_ERROR_STOP=1'];
	vars.forEach((v, i) => args.push('-v', `p${i + 1}=${v}`));
	return execFileSync('psql', args, { input: sql, encoding: 'utf8' }).trim();
}

export function stack(cmd) {
	const port = process.env.PGPORT;
	execFileSync(path.join(ROOT, 'conf/stack.sh'), [STATE, port, cmd],
	    { stdio: 'ignore' });
}

export async function get(p, headers = {}) {
	return fetch(BASE + p, { headers, redirect: 'manual' });
}

export async function postForm(p, fields, headers = {}) {
	return fetch(BASE + p, {
		method: 'POST',
		body: new URLSearchParams(fields).toString(),
		headers: { 'content-type': 'application/x-www-form-urlencoded',
		    ...headers },
		redirect: 'manual',
	});
}

// A demo case with its passport number, in a given state.
export function demoCase(state = 'awaiting_clearance') {
	const row = psql(`SELECT c.reference, a.passport_no FROM cases c
	    JOIN applicants a ON a.id = c.applicant_id
	    WHERE c.state = :'p1' ORDER BY c.id LIMIT 1`, state);
	const [ref, passport] = row.split('|');
	return { ref, passport };
}

export async function until(what, fn, ms = 10000, step = 100) {
	const end = Date.now() + ms;
	let last;
	while (Date.now() < end) {
		try {
			if ((last = await fn()) === true)
				return;
		} catch (e) {
			last = e;
		}
		await new Promise((r) => setTimeout(r, step));
	}
	throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

export function outDir(sub) {
	const d = path.join(OUT, sub);
	mkdirSync(d, { recursive: true });
	return d;
}
