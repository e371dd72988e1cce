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

// --- the central simulator (tests/central-sim) --------------------------
export const SIM_URL = process.env.SIM_URL ?? 'http://127.0.0.1:18099';
export const SIM_CONTROL = process.env.SIM_CONTROL ?? 'http://127.0.0.1:18098';

async function control(p, body) {
	const r = await fetch(SIM_CONTROL + p, body === undefined ? {} : {
		method: 'POST', headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	if (!r.ok)
		throw new Error(`central-sim ${p}: ${r.status} ${await r.text()}`);
	return r.json();
}
export const sim = {
	reset: () => control('/reset', {}),
	mode: (mode, params = {}) => control('/mode', { mode, ...params }),
	config: (c) => control('/config', c),
	stats: () => control('/stats'),
	pending: () => control('/pending'),
};

// --- Kore instances of the drills ---------------------------------------
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';

// A Kore instance of its own (port, pidfile, log) that dispatches to the
// simulator; the suite's own Kore only serves pages.  Killed with its
// process group, so kill() takes the workers too.
export async function startKore(name, port, env = {}, settings = {}) {
	const conf = path.join(STATE, `drill-${name}.conf`);
	const pidfile = path.join(STATE, `drill-${name}.pid`);
	const log = path.join(OUT, `drill-${name}.log`);
	let text = readFileSync(path.join(ROOT, 'conf/dev.conf'), 'utf8')
	    .replace(/^(\s*bind\s+\S+\s+)8080/m, `$1${port}`)
	    .replace(/^pidfile.*$/m, `pidfile ${STATE}/drill-${name}.kore.pid`);
	// Top-level settings of dev.conf to change (workers, pgsql_conn_max).
	for (const [key, value] of Object.entries(settings)) {
		const re = new RegExp(`^${key}\\s.*$`, 'm');
		if (!re.test(text))
			throw new Error(`startKore: no ${key} in conf/dev.conf`);
		text = text.replace(re, `${key}\t${value}`);
	}
	writeFileSync(conf, text);
	const { openSync } = await import('node:fs');
	const out = openSync(log, 'a');
	const child = spawn('stdbuf', ['-oL', 'kore', '-c', conf, '-f', '-n', '-r'], {
		cwd: ROOT, detached: true, stdio: ['ignore', out, out],
		env: { ...process.env, KITAS_CENTRAL_URL: `${SIM_URL}/clearance/v1/batch`,
		    KITAS_DISPATCH_MS: '100', ...env },
	});
	writeFileSync(pidfile, String(child.pid));
	const exited = new Promise((r) => child.on('exit', r));
	await until(`kore ${name} up`, async () =>
	    (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 10000);
	return {
		pid: child.pid,
		log,
		async stop() {
			try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
			await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
			try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
			rmSync(pidfile, { force: true });
		},
		async kill9() {
			try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
			await exited;
			rmSync(pidfile, { force: true });
		},
		workers() {
			return execFileSync('pgrep', ['-P', String(child.pid)],
			    { encoding: 'utf8' }).trim().split('\n').map(Number);
		},
	};
}

// Until the printer has printed what it can (the seed's permits): a fresh
// Kore prints them in its first seconds, which a benchmark must not
// measure.  Permits past their last attempt do not count.
export async function untilPrinted(ms = 60000) {
	await until('the printer to be idle', () => psql(`SELECT count(*) FROM permits
	    WHERE rendered_at IS NULL AND render_attempts < 20`) === '0', ms, 200);
}

// --- cases waiting for clearance ------------------------------------------
// n new cases of office SMG walked to awaiting_clearance through the
// command functions (as the SMG officer; the SMG supervisor defers the
// biometrics, which a drill does not take), each with its own applicant.
// Returns their ids.  Tag keeps passport numbers unique per drill.
export function makeWaiting(n, tag, { express = false } = {}) {
	// psql does not look inside $$...$$: hand the values over as settings.
	const ids = psql(`
	    SELECT set_config('drill.n', :'p1', false),
	        set_config('drill.tag', :'p2', false),
	        set_config('drill.level', :'p3', false) \\g /dev/null
	    CREATE TEMP TABLE made (id bigint);
	    DO $$
	    DECLARE
		o integer := (SELECT id FROM offices WHERE code = 'SMG');
		a bigint := (SELECT id FROM accounts WHERE email = 'officer.smg@imigrasi.example');
		-- The billing system's notice pays (an officer's receipt
		-- would need a supervisor's confirmation).
		payer bigint := (SELECT id FROM accounts WHERE role = 'partner'
		    AND office_id IS NULL ORDER BY id LIMIT 1);
		sup bigint := (SELECT id FROM accounts
		    WHERE email = 'supervisor.smg@imigrasi.example');
		ap bigint; r case_result; cmd text;
	    BEGIN
		FOR i IN 1..current_setting('drill.n')::integer LOOP
			INSERT INTO applicants (family_name, given_names, birth_date, sex,
			    nationality, passport_no, passport_expiry)
			VALUES ('DRILL', current_setting('drill.tag') || i, '1980-01-01',
			    'X', 'NLD', upper(current_setting('drill.tag')) ||
			    lpad(i::text, 5, '0'), '2035-01-01')
			RETURNING id INTO ap;
			r := case_create(a, o, ap, 'E23', 1::smallint,
			    current_setting('drill.level')::service_level,
			    'employer', 'PT Drill', '', NULL);
			FOREACH cmd IN ARRAY ARRAY['submit', 'pay', 'defer_biometrics',
			    'request_clearance'] LOOP
				r := case_apply(CASE cmd WHEN 'pay' THEN payer
				    WHEN 'defer_biometrics' THEN sup ELSE a END,
				    r.case_id, cmd, r.version, NULL, NULL,
				    CASE cmd WHEN 'defer_biometrics' THEN
				    '{"reason": "drill"}' ELSE '{}' END::jsonb);
				IF r.code <> 'ok' THEN RAISE EXCEPTION '%: %', cmd, r.code; END IF;
			END LOOP;
			INSERT INTO made VALUES (r.case_id);
		END LOOP;
	    END $$;
	    SELECT string_agg(id::text, ',') FROM made;`, n, tag, express ? 'express' : 'regular');
	return ids.split('\n').pop().split(',').map(Number);
}

// Nothing else is waiting: drills start from an empty queue and a closed
// breaker with the policy they set.
export function resetLink(policy = {}) {
	const p = { rate: 50, burst: 50, ramp_seconds: 0, ramp_floor: 1,
	    failure_threshold: 2, backoff_base_ms: 200, backoff_cap_ms: 1000,
	    lease_seconds: 5, bad_answer_limit: 3, ...policy };
	psql(`UPDATE outbox SET status = 'cancelled', lease_owner = NULL,
	        lease_expires_at = NULL WHERE status = 'pending';
	    UPDATE central_policy SET rate = ${+p.rate}, burst = ${+p.burst},
	        ramp_seconds = ${+p.ramp_seconds}, ramp_floor = ${+p.ramp_floor},
	        failure_threshold = ${+p.failure_threshold},
	        backoff_base_ms = ${+p.backoff_base_ms},
	        backoff_cap_ms = ${+p.backoff_cap_ms},
	        lease_seconds = ${+p.lease_seconds},
	        bad_answer_limit = ${+p.bad_answer_limit};
	    UPDATE central_link SET state = 'closed', state_since = now(),
	        failures = 0, opens = 0, tokens = 0, refilled_at = now(),
	        recovered_at = NULL, hold_until = NULL, paused = false,
	        next_probe_at = NULL, probe_owner = NULL, probe_expires_at = NULL;
	    UPDATE link_outages SET ended_at = now() WHERE ended_at IS NULL;`);
}

// How each case stands: state, and how many clearance verdicts its
// history holds (exactly one is the rule).
export function caseStates(ids) {
	const rows = psql(`SELECT c.id, c.state, (SELECT count(*) FROM case_events e
	    WHERE e.case_id = c.id AND e.command IN ('clearance_clear', 'clearance_hit'))
	    FROM cases c WHERE c.id = ANY(string_to_array(:'p1', ',')::bigint[])
	    ORDER BY c.id`, ids.join(','));
	return rows.split('\n').filter(Boolean).map((l) => {
		const [id, state, verdicts] = l.split('|');
		return { id: +id, state, verdicts: +verdicts };
	});
}

export function linkStatus() {
	const [state, backlog, allowed, eta] = psql(`SELECT state, backlog,
	    allowed_rate, coalesce(eta_seconds::text, '') FROM clr_status()`).split('|');
	return { state, backlog: +backlog, allowed: +allowed, eta };
}

// --- a browser's cookies, for HTTP-level tests --------------------------
export class Jar {
	constructor() { this.c = new Map(); }
	take(res) {
		for (const line of res.headers.getSetCookie?.() ?? []) {
			const [pair, ...attrs] = line.split(';');
			const i = pair.indexOf('=');
			const name = pair.slice(0, i).trim(), value = pair.slice(i + 1);
			const maxAge = attrs.find((a) => /max-age/i.test(a));
			if (maxAge && +maxAge.split('=')[1] <= 0) this.c.delete(name);
			else this.c.set(name, { value, attrs: attrs.map((a) => a.trim()) });
		}
		return res;
	}
	header() {
		return [...this.c].map(([k, v]) => `${k}=${v.value}`).join('; ');
	}
	// An empty Cookie header is a malformed request (Kore says 400).
	headers(extra = {}) {
		return this.c.size ? { cookie: this.header(), ...extra } : extra;
	}
	async get(p) {
		return this.take(await fetch(BASE + p, { headers: this.headers(),
		    redirect: 'manual' }));
	}
	async post(p, fields) {
		return this.take(await fetch(BASE + p, { method: 'POST',
		    body: new URLSearchParams(fields).toString(),
		    headers: this.headers({
			'content-type': 'application/x-www-form-urlencoded' }),
		    redirect: 'manual' }));
	}
	// The CSRF token of the form on page p.
	async csrf(p) {
		const html = await (await this.get(p)).text();
		const m = html.match(/name="csrf" value="([^"]+)"/);
		if (!m)
			throw new Error(`no csrf on ${p}`);
		return m[1];
	}
}

// The token of the newest confirm or reset mail to an address, read from
// the mail the sink received (the database erases it once sent).
export async function mail(to, kind) {
	const link = kind === 'reset' ? /\/reset\/new\?token=([A-Za-z0-9_-]+)/ :
	    /\/confirm\?token=([A-Za-z0-9_-]+)/;
	let token;
	await until(`${kind} mail to ${to}`, () => {
		if (!existsSync(MAIL_OUT))
			return false;
		const mails = readFileSync(MAIL_OUT, 'utf8').split('\n').filter(Boolean)
		    .map((l) => JSON.parse(l))
		    .filter((m) => m.to.some((t) => t.toLowerCase().includes(to.toLowerCase())));
		for (const m of mails.reverse()) {
			const hit = m.data.match(link);
			if (hit) {
				token = hit[1];
				return true;
			}
		}
		return false;
	}, 10000, 50);
	return token;
}

// A confirmed account with a password, made through the real pages.
export async function registerAndConfirm(email, password, name = 'Test Person') {
	const j = new Jar();
	const csrf = await j.csrf('/register?lang=en');
	const r = await j.post('/register', { csrf, name, email, password,
	    password2: password, lang: 'en' });
	if (r.status !== 200)
		throw new Error(`register ${email}: ${r.status}`);
	const token = await mail(email, 'confirm');
	const c = await j.get(`/confirm?token=${token}`);
	if (c.status !== 200)
		throw new Error(`confirm ${email}: ${c.status}`);
	return j;
}

export async function login(email, password, jar = new Jar()) {
	const csrf = await jar.csrf('/login?lang=en');
	const r = await jar.post('/login', { csrf, email, password, lang: 'en' });
	return { jar, res: r };
}

// --- the mail sink (tests/mail-sink) ------------------------------------
import { existsSync } from 'node:fs';
export const MAIL_OUT = process.env.MAIL_OUT ?? path.join(STATE, 'out/mail.jsonl');

// The newest mail to an address whose subject matches, waiting for it.
export async function mailTo(addr, subject, ms = 10000) {
	let found;
	await until(`mail to ${addr}`, () => {
		if (!existsSync(MAIL_OUT))
			return false;
		const mails = readFileSync(MAIL_OUT, 'utf8').split('\n').filter(Boolean)
		    .map((l) => JSON.parse(l))
		    .filter((m) => m.to.some((t) => t.includes(addr)));
		for (const m of mails.reverse()) {
			const subj = m.data.match(/^Subject: =\?UTF-8\?B\?([^?]+)\?=/m);
			const text = subj ? Buffer.from(subj[1], 'base64').toString('utf8') : '';
			if (subject.test(text)) {
				found = { subject: text, body: m.data.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
				    raw: m.data };
				return true;
			}
		}
		return false;
	}, ms, 100);
	return found;
}

// Issue a cleared case as the office does it: one person proposes, a
// supervisor approves.  Two statements: the approval must see the
// proposal (in one statement the planner may call them in any order).
// Returns "code number".
export function issueFourEyes(ref, officer, supervisor, key) {
	const propose = psql(`SELECT p.code FROM cases c,
	    permit_propose((SELECT id FROM accounts WHERE email = :'p2'), c.id, c.version) p
	    WHERE c.reference = :'p1'`, ref, officer);
	if (propose !== 'ok')
		return `${propose} -`;
	return psql(`SELECT i.code || ' ' || coalesce(i.number, '-') FROM cases c,
	    permit_issue((SELECT id FROM accounts WHERE email = :'p2'), c.id, c.version, :'p3') i
	    WHERE c.reference = :'p1'`, ref, supervisor, key);
}

// --- applying through the portal's pages ---------------------------------
// The wizard's steps and each step's fields, in the pages' order.
export const APPLY_STEPS = [
	['kind', ['kind']],
	['terms', ['duration', 'level']],
	['sponsor', ['sponsor_name', 'sponsor_ref', 'sponsor_email']],
	['domicile', ['address', 'area']],
	['passport', ['family', 'given', 'birth', 'sex', 'nationality', 'passport',
	    'expiry']],
];

// Walk /apply step by step, as a browser without JavaScript does: each
// page's own CSRF token and key, a step the permit does not have (the
// sponsor of a self-sponsored kind) skipped as the server skips it.
// Returns the first answer that is not "on to the next step": 303 to
// /case/REF when the case opened, or the page of a refused step; or,
// with last, the answer to that step.
export async function applyThrough(jar, fields, last = 'passport') {
	const value = (html, name) =>
	    html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];
	let res;
	for (const [step, names] of APPLY_STEPS) {
		const page = await (await jar.get(`/apply?step=${step}&lang=en`)).text();
		if (value(page, 'step') !== step)
			continue;
		const form = { csrf: value(page, 'csrf'), idem: value(page, 'idem'),
		    step, lang: 'en' };
		for (const n of names)
			if (fields[n] !== undefined)
				form[n] = fields[n];
		res = await jar.post('/apply', form);
		if (step === last || res.status !== 303 ||
		    !res.headers.get('location').startsWith('/apply'))
			return res;
	}
	return res;
}
