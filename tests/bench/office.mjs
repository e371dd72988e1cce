// officer_command (make bench; never asserted by make test): an officer's
// command over HTTP, as the back-office form sends it (session cookie,
// CSRF token, case version, idempotency key; 303 back to the case),
// against the SQL command function that request runs, office_command()
// (the session's staff member, the case by reference in their office,
// case_apply(), the audit row), under pgbench in the same run: the ratio
// is what HTTP, Kore and the session and CSRF checks cost.  Target 0.9.
// A second line compares the same requests with the bare case_apply(),
// which knows nothing of sessions, offices by reference or the audit log,
// to show what the back office's own rules cost (no target).  All cycle
// cases between submitted and more_info (request_info, provide_info), so
// every request is a real transition.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { OUT, psql, startKore, untilPrinted } from '../e2e/lib.mjs';

const pexec = promisify(execFile);
const PORT = 28082;
const ROUNDS = 10;
/* per round: BENCH_SECONDS 10 (make bench's default) gives 3 s */
const SECONDS = Math.max(1, Math.round(+(process.env.BENCH_SECONDS ?? 10) * 0.3));
const N = 5000;		// cases per side; each is touched again only N requests later

const token = 'officebenchofficebenchofficebench12345';
const csrf = 'officebenchcsrfofficebenchcsrf00';
psql(`UPDATE auth_policy SET idle = interval '1 day'`);
const officer = psql(`SELECT id FROM accounts WHERE email = 'officer.smg@imigrasi.example'`);
psql(`INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen_at, expires_at)
    VALUES (sha256(convert_to(:'p1', 'UTF8')), :'p2', :'p3', now(), now(), now() + interval '1 day')`,
    token, officer, csrf);

// 3N submitted cases of SMG: N for HTTP, N for each pgbench run.
psql(`INSERT INTO applicants (family_name, birth_date, sex, nationality, passport_no, passport_expiry)
    SELECT 'OFFICEBENCH', '1980-01-01', 'X', 'NLD', 'OB' || lpad(g::text, 7, '0'), '2035-01-01'
    FROM generate_series(1, ${3 * N}) g`);
psql(`DO $$ DECLARE r case_result; a record; BEGIN
    FOR a IN SELECT id FROM applicants WHERE family_name = 'OFFICEBENCH' ORDER BY id LOOP
        r := case_create(${officer}, (SELECT id FROM offices WHERE code = 'SMG'), a.id,
            'E23', 1::smallint, 'regular', 'employer', 'PT Bench', '', NULL);
        PERFORM case_apply(${officer}, r.case_id, 'submit', r.version, NULL);
    END LOOP; END $$`);
const [lo, hi] = psql(`SELECT min(c.id) || ' ' || max(c.id) FROM cases c
    JOIN applicants a ON a.id = c.applicant_id WHERE a.family_name = 'OFFICEBENCH'`)
    .split(' ').map(Number);

// wrk: pass k over the first N cases asks for information or records
// that it came, by the case's state when the round starts, at version
// v0 + k; a fresh key each time.
const lua = path.join(OUT, 'officer-command.lua');
function writeLua(round) {
	const rows = psql(`SELECT c.reference || ' ' || c.version || ' ' ||
	    (c.state = 'submitted') FROM cases c WHERE c.id BETWEEN :'p1' AND :'p2'
	    ORDER BY c.id`, lo, lo + N - 1).split('\n').map((l) => l.split(' '));
	writeFileSync(lua, `
local refs = { ${rows.map(([r]) => `"${r}"`).join(', ')} }
local v0 = { ${rows.map(([, v]) => v).join(', ')} }
local ask0 = { ${rows.map(([, , a]) => (a === 'true' ? 'true' : 'false')).join(', ')} }
local n, i = #refs, 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "kitas_sid=${token}"
request = function()
	local k, c = math.floor(i / n), (i % n) + 1
	i = i + 1
	local action = ((k % 2 == 0) == ask0[c]) and "request_info" or "provide_info"
	local body = "csrf=${csrf}&lang=en&action=" .. action ..
	    "&version=" .. (v0[c] + k) .. "&reason=Bring+the+RPTKA&idem=" ..
	    string.format("officebench%02d%08d%08dxxxxxxxxxx", ${round}, k, c)
	return wrk.format(nil, "/office/case/" .. refs[c], nil, body)
end
response = function(status)
	if status ~= 303 then
		io.stderr:write("status " .. status .. "\\n")
	end
end
`);
}

// pgbench: the same two commands through office_command() with the
// same session, and through case_apply(), each on its own N cases.
const sql = path.join(OUT, 'officer-command.sql');
writeFileSync(sql, `\\set cid random(${lo + N}, ${lo + 2 * N - 1})
SELECT office_command(sha256(convert_to('${token}', 'UTF8')), c.reference,
    CASE c.state WHEN 'submitted' THEN 'request_info' ELSE 'provide_info' END,
    c.version, 'bench-' || gen_random_uuid(), 'Bring the RPTKA')
    FROM cases c WHERE c.id = :cid;
`);
const bare = path.join(OUT, 'officer-command-bare.sql');
writeFileSync(bare, `\\set cid random(${lo + 2 * N}, ${hi})
SELECT case_apply(${officer}, c.id, CASE c.state WHEN 'submitted'
    THEN 'request_info' ELSE 'provide_info' END, c.version,
    'bench-' || gen_random_uuid(), now(),
    '{"reason": "Bring the RPTKA"}') FROM cases c WHERE c.id = :cid;
`);

// Rounds pair HTTP with the pgbench runs right before or after it (which
// goes first alternates: the tables grow, autovacuum comes and goes), and
// the ratio is the median of the rounds' ratios: commit latency on this
// shared disk swings by tens of per cent from one second to the next, and
// a slow moment then spoils one round instead of one side.  ours and
// baseline are the medians of their rounds.
const tps = async (file) => {
	const { stdout } = await pexec('pgbench', ['-n', '-c', '2', '-j', '2', '-T',
	    String(SECONDS), '-f', file]);
	return +stdout.match(/tps = ([\d.]+)/)[1];
};
const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
// wrk stops without waiting for the answers in flight; their commands
// still commit, and the next round must read the versions after them.
const settle = async () => {
	for (let i = 0; i < 50 && psql(`SELECT count(*) FROM pg_stat_activity
	    WHERE application_name = 'kitas' AND state <> 'idle'`) !== '0'; i++)
		await new Promise((r) => setTimeout(r, 20));
};
const kore = await startKore('office', PORT, { KITAS_CENTRAL_URL: '', KITAS_SMTP_URL: '' });
await untilPrinted();
const ours = [], base = [], raw = [];
try {
	for (let round = 0; round < ROUNDS; round++) {
		if (round % 2 === 1) {
			base.push(await tps(sql));
			raw.push(await tps(bare));
		}
		writeLua(round);
		const { stdout, stderr } = await pexec('wrk', ['-t1', '-c8', `-d${SECONDS}s`,
		    '-s', lua, `http://127.0.0.1:${PORT}/`]);
		await settle();
		// Only commands that went through count; a refused one is
		// reported.
		const total = +stdout.match(/(\d+) requests in/)[1];
		const bad = +(stdout.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
		if (bad > total / 100)
			throw new Error(`officer_command: ${bad} of ${total} refused\n${stdout}${stderr}`);
		if (bad > 0)
			console.error(`officer_command: ${bad} of ${total} refused (${stderr.trim()})`);
		ours.push(+stdout.match(/Requests\/sec:\s+([\d.]+)/)[1] * (total - bad) / total);
		if (round % 2 === 0) {
			base.push(await tps(sql));
			raw.push(await tps(bare));
		}
	}
} finally {
	await kore.stop();
}
const ratio = (bs) => median(ours.map((o, i) => o / bs[i])).toFixed(2);
console.error(`officer_command rounds: ours ${ours.map(Math.round)} ` +
    `baseline ${base.map(Math.round)} bare ${raw.map(Math.round)}`);
console.log(`bench officer_command ours=${median(ours).toFixed(1)} ` +
    `baseline=${median(base).toFixed(1)} unit=req/s ratio=${ratio(base)} target=0.9`);
console.log(`bench officer_command_vs_case_apply ours=${median(ours).toFixed(1)} ` +
    `baseline=${median(raw).toFixed(1)} unit=req/s ratio=${ratio(raw)} target=none`);
