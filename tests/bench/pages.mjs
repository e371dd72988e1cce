// HTML pages under load (make bench; never asserted by make test):
//   status_page  the public status lookup (POST) with wrk
//   case_page    the signed-in applicant's case page (GET) with wrk
// each against pgbench -S (read-only, one indexed select per transaction)
// in the same run: requests/s over transactions/s, target 0.25.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { OUT, psql, startKore, untilPrinted } from '../e2e/lib.mjs';

const pexec = promisify(execFile);
const ONLY = process.argv[2] || '';
const PORT = 28081;
const SECONDS = +(process.env.BENCH_SECONDS ?? 10);

function line(name, ours, base, target) {
	console.log(`bench ${name} ours=${ours.toFixed(1)} baseline=${base.toFixed(1)} ` +
	    `unit=req/s ratio=${(ours / base).toFixed(2)} target=${target}`);
}

async function wrk(args) {
	const { stdout } = await pexec('wrk', ['-t1', '-c8', `-d${SECONDS}s`, ...args]);
	const m = stdout.match(/Requests\/sec:\s+([\d.]+)/);
	const errs = stdout.match(/Non-2xx or 3xx responses: (\d+)/);
	if (!m || errs)
		throw new Error(`wrk: ${stdout}`);
	return +m[1];
}

await pexec('pgbench', ['-i', '-q', '-s', '10']);
const { stdout: pb } = await pexec('pgbench', ['-n', '-S', '-c', '2', '-j', '2',
    '-T', String(SECONDS)]);
const base = +pb.match(/tps = ([\d.]+)/)[1];

// An applicant with a session and a submitted case, made as the portal
// makes them (the token is the cookie; only its hash is stored).
const token = 'benchbenchbenchbenchbenchbenchbenchbench123';
const ref = psql(`
    INSERT INTO accounts (role, email, display_name, password_hash, email_confirmed_at)
        VALUES ('applicant', 'bench.page@example.org', 'Bench',
        auth_dummy_hash(), now()) RETURNING id \\gset a_
    INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen_at, expires_at)
        VALUES (sha256(convert_to('${token}', 'UTF8')), :a_id,
        'csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrf', now(), now(), now() + interval '1 day');
    INSERT INTO applicants (account_id, family_name, birth_date, sex, nationality,
        passport_no, passport_expiry) VALUES (:a_id, 'PAGE', '1980-01-01', 'X', 'NLD',
        'PAGEBENCH1', '2035-01-01') RETURNING id \\gset p_
    SELECT (case_create(:a_id, (SELECT id FROM offices WHERE code = 'SMG'), :p_id,
        'E23', 1::smallint, 'regular', 'employer', 'PT Bench', '', NULL)).reference`)
    .split('\n').pop();
psql(`UPDATE auth_policy SET idle = interval '1 day'`);

const kore = await startKore('pages', PORT, { KITAS_CENTRAL_URL: '', KITAS_SMTP_URL: '' });
await untilPrinted();
try {
	if (!ONLY || ONLY === 'status_page') {
		const lua = path.join(OUT, 'status-page.lua');
		const pass = psql(`SELECT a.passport_no FROM cases c JOIN applicants a
		    ON a.id = c.applicant_id WHERE c.reference = :'p1'`, ref);
		writeFileSync(lua, `wrk.method = "POST"\nwrk.body = "ref=${ref}&passport=${pass}"\n` +
		    `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n`);
		line('status_page', await wrk(['-s', lua, `http://127.0.0.1:${PORT}/status`]), base, 0.25);
	}
	if (!ONLY || ONLY === 'case_page')
		line('case_page', await wrk(['-H', `Cookie: kitas_sid=${token}`,
		    `http://127.0.0.1:${PORT}/case/${ref}`]), base, 0.25);
} finally {
	await kore.stop();
}
