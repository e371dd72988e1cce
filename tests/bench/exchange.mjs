// The partner exchange under load (make bench; never asserted by make
// test), each against the same work done directly in SQL in the same run:
//
//   payment_notice  signed payment notices per second end to end: a
//                   partner (npm http-message-signatures) signs each one,
//                   curl POSTs them, 16 at a time; the server checks digest,
//                   signature, XML and XSD and pays the case.  Baseline:
//                   exchange_payment_notice() under pgbench (2 clients)
//                   on as many other billed cases.  Target 0.5.
//   sponsor_batch   applications per second in signed batches of 500,
//                   one batch at a time; baseline: the same batches
//                   handed to exchange_sponsor_batch() by psql.  Target 0.5.
//
// tests/bench/run.sh passes PG*, KITAS_STATE_DIR and KITAS_URL (this
// Kore's port).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';

import { httpbis, createSigner } from 'http-message-signatures';

import { OUT, psql, startKore, untilPrinted } from '../e2e/lib.mjs';
import { COVERED, digestOf, keypair, rawPub } from '../e2e/partner.mjs';

const pexec = promisify(execFile);
const ONLY = process.argv[2] || '';
const PORT = +new URL(process.env.KITAS_URL).port;
const NOTICES = 4000;		// end to end; pgbench does as many
const BATCHES = 4;		// of 500, each side
const pid = process.pid;

function line(name, ours, base, unit) {
	console.log(`bench ${name} ours=${ours.toFixed(1)} baseline=${base.toFixed(1)} ` +
	    `unit=${unit} ratio=${(ours / base).toFixed(2)} target=0.5`);
}

const partner = { name: `Bench partner ${pid}`, keyid: `bench-${pid}`, key: keypair() };
await pexec(path.resolve('kitasctl'), ['partner-add', partner.name,
    'payment-notice,sponsor-batch', partner.keyid, rawPub(partner.key)]);
const partnerId = psql(`SELECT id FROM partners WHERE name = :'p1'`, partner.name);

// Signed as tests/e2e/partner.mjs signs.  The client shares the server's
// two cores, so the notices are signed before the clock starts (as wrk
// builds its requests before it sends them) and sent by curl, which
// costs them far less than node would; batches go over node:http.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const signer = createSigner(partner.key.privateKey, 'ed25519', partner.keyid);
const url = (type) => `${process.env.KITAS_URL}/exchange/v1/${type}`;

async function sign(type, body) {
	const { headers } = await httpbis.signMessage({ key: signer, fields: COVERED,
	    params: ['created', 'keyid', 'alg'], paramValues: { created: new Date() } },
	    { method: 'POST', url: url(type), headers: { 'content-type': 'application/xml',
	    'content-digest': digestOf(body) } });
	return { type, body, headers };
}

function post({ type, body, headers }) {
	return new Promise((resolve, reject) => {
		const req = http.request(url(type), { method: 'POST', agent, headers }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => resolve({ res: { status: res.statusCode }, text }));
		});
		req.on('error', reject);
		req.end(body);
	});
}

const send = async (type, body) => post(await sign(type, body));

async function paymentNotice() {
	// 2 x NOTICES submitted SMG cases with open billing codes, numbered.
	psql(`CREATE TABLE bench_codes (n integer PRIMARY KEY, code text NOT NULL);
	    CREATE SEQUENCE bench_codes_next;
	    DO $$ DECLARE o bigint := (SELECT id FROM accounts
		WHERE email = 'officer.smg@imigrasi.example');
	    ap bigint; r case_result; BEGIN
	    FOR i IN 1..${2 * NOTICES} LOOP
		INSERT INTO applicants (family_name, birth_date, sex, nationality,
		    passport_no, passport_expiry) VALUES ('NOTICE', '1980-01-01', 'X',
		    'NLD', 'PN' || lpad(i::text, 8, '0'), '2035-01-01') RETURNING id INTO ap;
		r := case_create(o, (SELECT id FROM offices WHERE code = 'SMG'), ap,
		    'E23', 1::smallint, 'regular', 'employer', 'PT Bench', '', NULL);
		r := case_apply(o, r.case_id, 'submit', r.version, NULL);
		INSERT INTO billing_codes (code, case_id, amount, created_at, expires_at)
		    VALUES ('9' || lpad(i::text, 14, '0'), r.case_id, 1500000, now(),
		    now() + interval '7 days');
		INSERT INTO bench_codes VALUES (i, '9' || lpad(i::text, 14, '0'));
	    END LOOP; END $$;
	    VACUUM ANALYZE`);
	const notice = (id, code) => `<?xml version="1.0" encoding="UTF-8"?>
<paymentNotice xmlns="urn:kitas:exchange:payment:1" version="1" messageId="${id}">
<billingCode>${code}</billingCode><amount>1500000</amount>
<paidAt>${new Date().toISOString()}</paidAt><bankRef>BNI-${id}</bankRef>
</paymentNotice>`;

	// End to end: codes 1..NOTICES, signed first, then sent by curl (C,
	// as pgbench is) 16 at a time over kept-alive connections.
	const dir = path.join(OUT, 'payment-notices');
	mkdirSync(dir, { recursive: true });
	const config = [];
	for (let i = 1; i <= NOTICES; i++) {
		const { body, headers } = await sign('payment-notice', notice(`pn-${pid}-${i}`,
		    '9' + String(i).padStart(14, '0')));
		const file = path.join(dir, `${i}.xml`);
		writeFileSync(file, body);
		if (i > 1)
			config.push('next');	/* the options below are this URL's */
		config.push(`url = "${url('payment-notice')}"`, `data-binary = "@${file}"`,
		    ...Object.entries(headers).map(([k, v]) =>
			`header = "${k}: ${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`),
		    'output = "/dev/null"', 'write-out = "%{http_code}\\n"');
	}
	const cfg = path.join(OUT, 'payment-notices.curl');
	writeFileSync(cfg, config.join('\n') + '\n');
	const t0 = process.hrtime.bigint();
	const { stdout: codes } = await pexec('curl', ['-s', '--no-progress-meter', '--parallel',
	    '--parallel-max', '16', '-K', cfg], { maxBuffer: 1 << 20 });
	const ours = NOTICES / (Number(process.hrtime.bigint() - t0) / 1e9);
	const bad = codes.split('\n').filter((c) => c !== '' && c !== '200').length;
	if (bad > 0 || codes.split('\n').filter((c) => c === '200').length !== NOTICES)
		throw new Error(`payment_notice: ${bad} of ${NOTICES} refused`);

	// In SQL: the same function on codes NOTICES+1.., fresh message ids
	// and signatures, the same kind of body.
	const body = notice('pn-sql-0000000', '900000000000000').replace(/'/g, "''");
	psql(`SELECT setval('bench_codes_next', ${NOTICES})`);
	const sql = path.join(OUT, 'payment-notice.sql');
	writeFileSync(sql, `SELECT e.status FROM (SELECT nextval('bench_codes_next') AS n) s
    JOIN bench_codes b USING (n), LATERAL exchange_payment_notice(
    ${partnerId}, 'pn-sql-' || b.n, '${partner.keyid}', 'sha-256=:x:',
    decode(md5(random()::text || b.n), 'hex'), '${body}', b.code, 1500000,
    now(), 'BNI-' || b.n) e;
`);
	const { stdout } = await pexec('pgbench', ['-n', '-c', '2', '-j', '2',
	    '-t', String(NOTICES / 2), '-f', sql]);
	const base = +stdout.match(/tps = ([\d.]+)/)[1];
	const paid = +psql(`SELECT count(*) FROM billing_codes b JOIN bench_codes c
	    ON c.code = b.code WHERE b.paid_at IS NOT NULL`);
	if (paid !== 2 * NOTICES)
		throw new Error(`payment_notice: ${paid} of ${2 * NOTICES} codes paid`);
	line('payment_notice', ours, base, 'notices/s');
}

async function sponsorBatch() {
	const NS = 'urn:kitas:exchange:sponsor-batch:1';
	const batch = (id, tag) => `<?xml version="1.0" encoding="UTF-8"?>
<sponsorBatch xmlns="${NS}" version="1" messageId="${id}">
<sponsor><name>PT Bench Batch</name><rptka>RPTKA-BENCH</rptka></sponsor>
${Array.from({ length: 500 }, (_, k) => `<application itemId="${k + 1}">` +
    '<office>SMG</office><permitKind>E23</permitKind><durationYears>1</durationYears>' +
    '<serviceLevel>regular</serviceLevel><applicant><familyName>BATCH</familyName>' +
    `<givenNames>ITEM ${k + 1}</givenNames><birthDate>1985-05-05</birthDate><sex>F</sex>` +
    `<nationality>PHL</nationality><passportNo>${tag}${String(k + 1).padStart(4, '0')}` +
    '</passportNo><passportExpiry>2036-01-01</passportExpiry></applicant>' +
    '</application>\n').join('')}</sponsorBatch>`;

	let t0 = process.hrtime.bigint();
	for (let b = 0; b < BATCHES; b++) {
		const { res, text } = await send('sponsor-batch', batch(`sb-${pid}-${b}`, `SBH${b}`));
		if (res.status !== 200 || !text.includes('accepted="500"'))
			throw new Error(`sponsor_batch: ${res.status} ${text.slice(0, 300)}`);
	}
	const ours = 500 * BATCHES / (Number(process.hrtime.bigint() - t0) / 1e9);

	const files = [];
	for (let b = 0; b < BATCHES; b++) {
		const f = path.join(OUT, `sponsor-batch-${b}.sql`);
		writeFileSync(f, `SELECT status FROM exchange_sponsor_batch(${partnerId},
    'sb-sql-${pid}-${b}', '${partner.keyid}', 'sha-256=:x:',
    decode(md5('sb-sql-${b}'), 'hex'), $body$${batch(`sb-sql-${pid}-${b}`, `SBS${b}`)}$body$);\n`);
		files.push(f);
	}
	t0 = process.hrtime.bigint();
	for (const f of files) {
		const { stdout } = await pexec('psql', ['-qtAX', '-v', 'ON_ERROR_STOP=1', '-f', f]);
		if (stdout.trim() !== '200')
			throw new Error(`sponsor_batch (SQL): ${stdout}`);
	}
	const base = 500 * BATCHES / (Number(process.hrtime.bigint() - t0) / 1e9);
	const made = +psql(`SELECT count(*) FROM cases WHERE sponsor_name = 'PT Bench Batch'`);
	if (made !== 2 * 500 * BATCHES)
		throw new Error(`sponsor_batch: ${made} cases`);
	line('sponsor_batch', ours, base, 'applications/s');
}

const kore = await startKore('exchange', PORT, { KITAS_CENTRAL_URL: '', KITAS_SMTP_URL: '' });
await untilPrinted();
try {
	if (!ONLY || ONLY === 'payment_notice')
		await paymentNotice();
	if (!ONLY || ONLY === 'sponsor_batch')
		await sponsorBatch();
} finally {
	await kore.stop();
}
