// Benchmarks of the central link (make bench; never asserted by make test).
//
//   drain_unlimited          100 000 waiting cases, central unlimited:
//                            cases/s against graphile-worker running the same
//                            number of no-op jobs with its batching on
//   drain_limited            central and policy limited to R/s: (N/R + ramp)
//                            over the measured time
//   drain_max_rate           (R + burst) over the most central saw in a second
//   status_p99_during_drain  p99 of the status page (wrk, 4 connections) for
//                            the last case in the queue while the big
//                            drain runs (baseline 50 ms)
//   worker_rss               largest worker RSS during the big drain (64 MB)
//
// tests/bench/run.sh starts the cluster (var/bench) and passes PG*,
// KITAS_STATE_DIR; this script starts the simulator and Kore itself.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { Logger, run } from 'graphile-worker';

import { OUT, psql, resetLink, sim, startKore, until } from '../e2e/lib.mjs';

const pexec = promisify(execFile);
const quiet = new Logger(() => () => {});
const ONLY = process.argv[2] || '';
const N = +(process.env.BENCH_DRAIN_N ?? 100000);
const PORT = 28080;

function line(name, ours, base, unit, target, lowerIsBetter = false) {
	const ratio = lowerIsBetter ? base / ours : ours / base;
	console.log(`bench ${name} ours=${ours.toFixed(1)} baseline=${base.toFixed(1)} ` +
	    `unit=${unit} ratio=${ratio.toFixed(2)} target=${target}`);
}

const want = (name) => !ONLY || ONLY === name ||
    (ONLY === 'drain' && name.startsWith('drain'));

// n cases at awaiting_clearance, made by two sessions in parallel through
// the command functions, exactly as the office makes them.
async function backlog(n, tag) {
	const half = Math.ceil(n / 2);
	const one = (part, count) => pexec('psql', ['-qtAX', '-v', 'ON_ERROR_STOP=1', '-c', `
	    DO $$
	    DECLARE
		o integer := (SELECT id FROM offices WHERE code = 'SMG');
		a bigint := (SELECT id FROM accounts WHERE email = 'officer.smg@imigrasi.example');
		payer bigint := (SELECT id FROM accounts WHERE role = 'partner'
		    AND office_id IS NULL ORDER BY id LIMIT 1);
		-- Biometrics are not taken here: the supervisor defers them.
		sup bigint := (SELECT id FROM accounts
		    WHERE email = 'supervisor.smg@imigrasi.example');
		ap bigint; r case_result;
	    BEGIN
		FOR i IN 1..${count} LOOP
			INSERT INTO applicants (family_name, given_names, birth_date, sex,
			    nationality, passport_no, passport_expiry)
			VALUES ('BENCH', 'CASE', '1980-01-01', 'X', 'NLD',
			    '${tag}${part}' || lpad(i::text, 7, '0'), '2035-01-01')
			RETURNING id INTO ap;
			r := case_create(a, o, ap, 'E23', 1::smallint, 'regular',
			    'employer', 'PT Bench', '', NULL);
			r := case_apply(a, r.case_id, 'submit', r.version, NULL);
			r := case_apply(payer, r.case_id, 'pay', r.version, NULL);
			r := case_apply(sup, r.case_id, 'defer_biometrics', r.version, NULL,
			    NULL, '{"reason": "bench"}');
			r := case_apply(a, r.case_id, 'request_clearance', r.version, NULL);
		END LOOP;
	    END $$`], { maxBuffer: 1 << 20 });
	await Promise.all([one('A', half), one('B', n - half)]);
	psql('VACUUM ANALYZE');
}

function backlogLeft() {
	return +psql(`SELECT count(*) FROM outbox WHERE status = 'pending'`);
}

function rssKB(pids) {
	let max = 0;
	for (const pid of pids) {
		try {
			const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
			if (m) max = Math.max(max, +m[1]);
		} catch { /* gone */ }
	}
	return max;
}

// p99 of the status lookup with wrk -t1 -c4 for the given seconds, for
// the last case of the backlog: the page that counts the queue.
async function statusP99(seconds) {
	const [ref, passport] = psql(`SELECT c.reference || '|' || a.passport_no
	    FROM cases c JOIN applicants a ON a.id = c.applicant_id
	    ORDER BY c.id DESC LIMIT 1`).split('|');
	const lua = path.join(OUT, 'status.lua');
	writeFileSync(lua, `wrk.method = "POST"
wrk.body = "ref=${ref}&passport=${passport}&lang=en"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
`);
	const { stdout } = await pexec('wrk', ['-t1', '-c4', `-d${seconds}s`, '--latency',
	    '-s', lua, `http://127.0.0.1:${PORT}/status`]);
	const m = stdout.match(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m);
	if (!m)
		throw new Error(`wrk: no p99 in\n${stdout}`);
	const v = +m[1];
	return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function graphileBaseline(n) {
	const conn = `postgres://${process.env.PGUSER}:${encodeURIComponent(process.env.PGPASSWORD)}` +
	    `@/${process.env.PGDATABASE}?host=${encodeURIComponent(process.env.PGHOST)}` +
	    `&port=${process.env.PGPORT}`;
	// The schema first (a runner with no jobs), then the jobs in one go.
	const warm = await run({ connectionString: conn, concurrency: 1,
	    noHandleSignals: true, logger: quiet,
	    taskList: { noop: async () => {} } });
	await warm.stop();
	psql(`SELECT count(*) FROM graphile_worker.add_jobs(array(SELECT
	    ROW('noop', '{}'::json, NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec
	    FROM generate_series(1, ${n})))`);
	let done = 0;
	const t0 = Date.now();
	const runner = await run({
		connectionString: conn, noHandleSignals: true, logger: quiet,
		taskList: { noop: async () => { done++; } },
		preset: { worker: { concurrentJobs: 16, maxPoolSize: 8,
		    pollInterval: 100, localQueue: { size: 500 },
		    completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
	});
	await until('graphile done', async () => done >= n, 600000, 100);
	const secs = (Date.now() - t0) / 1000;
	await runner.stop();
	return n / secs;
}

mkdirSync(OUT, { recursive: true });
const simProc = spawn('node', ['tests/central-sim/server.js', '--port', '28099',
    '--control-port', '28098'], { stdio: ['ignore', 'ignore', 'inherit'] });
await until('sim up', async () => (await fetch('http://127.0.0.1:28098/health')).ok, 10000);

let kore;
try {
	if (want('drain_unlimited') || want('status_p99_during_drain') || want('worker_rss')) {
		await sim.reset();
		resetLink({ rate: 1000000, burst: 1000000, lease_seconds: 60 });
		psql(`UPDATE central_link SET paused = true`);
		process.stderr.write(`making ${N} waiting cases...\n`);
		await backlog(N, 'U');
		kore = await startKore('bench', PORT, { KITAS_DISPATCH_MS: '20' });
		const idle = await statusP99(5);
		const workers = kore.workers();
		let rss = rssKB(workers);
		const t0 = Date.now();
		psql(`UPDATE central_link SET paused = false`);
		const busy = statusP99(8);
		await until('drained', async () => {
			rss = Math.max(rss, rssKB(workers));
			return backlogLeft() === 0;
		}, 1800000, 250);
		const secs = (Date.now() - t0) / 1000;
		const p99 = await busy;
		const ours = N / secs;
		process.stderr.write(`drained ${N} in ${secs.toFixed(1)} s; status p99 idle ${idle} ms, during ${p99} ms\n`);
		await kore.stop();
		kore = null;
		if (want('drain_unlimited')) {
			process.stderr.write(`graphile-worker: ${N} no-op jobs...\n`);
			line('drain_unlimited', ours, await graphileBaseline(N), 'cases/s', 1.0);
		}
		if (want('status_p99_during_drain'))
			line('status_p99_during_drain', p99, 50, 'ms', 1.0, true);
		if (want('worker_rss'))
			line('worker_rss', rss / 1024, 64, 'MB', 1.0, true);
	}
	if (want('drain_limited') || want('drain_max_rate')) {
		const n = 3000, R = 200, B = 50, ramp = 5, floor = 0.1;
		await sim.reset();
		await sim.config({ rate: R, burst: B });
		resetLink({ rate: R, burst: B, ramp_seconds: ramp, ramp_floor: floor });
		psql(`UPDATE central_link SET paused = true`);
		await backlog(n, 'L');
		kore = await startKore('bench', PORT, { KITAS_DISPATCH_MS: '20' });
		// As after an outage: the ramp starts when the link comes back.
		psql(`UPDATE central_link SET paused = false, recovered_at = now(),
		    tokens = 0, refilled_at = now()`);
		const t0 = Date.now();
		await until('drained', async () => backlogLeft() === 0, 600000, 100);
		const secs = (Date.now() - t0) / 1000;
		const st = await sim.stats();
		await kore.stop();
		kore = null;
		if (want('drain_limited'))
			line('drain_limited', secs, n / R + ramp, 's', 0.95, true);
		if (want('drain_max_rate'))
			line('drain_max_rate', st.maxPerSecond, R + B, 'items/s', 1.0, true);
		if (st.throttled > 0)
			process.stderr.write(`central throttled ${st.throttled} batches\n`);
	}
} finally {
	await kore?.stop();
	simProc.kill('SIGTERM');
}
