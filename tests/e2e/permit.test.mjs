// The e-ITAS after issuance: every verdict /verify and the offline
// kitasctl can give, each caused for real (a changed byte, a stranger's
// key, a permit past its end, a cancelled permit, a key withdrawn after
// rotation), and permit numbers when two supervisors approve at the same
// instant.  Tokens for the odd cases are made here with node's crypto
// from the format description (assets/permit-token.md), not by our C.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';

import { BASE, ROOT, STATE, issueFourEyes, outDir, psql, until } from './lib.mjs';
import { decodeToken, verifyCrl, verifyToken } from './permit-token.mjs';

const run = promisify(execFile);
const dir = outDir('permit');
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DOMAIN = Buffer.from('KITAS-PERMIT-TOKEN\0', 'latin1');

function base32(buf) {
	let out = '', acc = 0, bits = 0;
	for (const b of buf) {
		acc = (acc << 8) | b;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out += B32[(acc >> bits) & 31];
		}
		acc &= (1 << bits) - 1;
	}
	if (bits > 0)
		out += B32[(acc << (5 - bits)) & 31];
	return out;
}

const day = (s) => Date.parse(`${s}T00:00:00Z`) / 86400000;

// A token as the format says, signed by privateKey as key kid.
function mint(kid, p, privateKey) {
	const str = (s) => {
		const b = Buffer.from(s, 'utf8');
		return Buffer.concat([Buffer.from([b.length]), b]);
	};
	const u16 = (n) => Buffer.from([n >> 8, n & 255]);
	const body = Buffer.concat([Buffer.from([1]), u16(kid), str(p.number),
	    str(p.holder), str(p.passport), Buffer.from(p.nationality, 'latin1'),
	    str(p.kind), u16(day(p.validFrom)), u16(day(p.validTo))]);
	const sig = crypto.sign(null, Buffer.concat([DOMAIN, body]), privateKey);
	return 'KITAS1:' + base32(Buffer.concat([body, sig]));
}

// The server's newest signing key, from the test cluster's key file.
function serverKey() {
	const lines = readFileSync(path.join(STATE, 'permit.keys'), 'utf8')
	    .split('\n').filter((l) => /^\d+ /.test(l));
	const [kid, seed] = lines[lines.length - 1].split(' ');
	const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
	    Buffer.from(seed, 'base64')]);
	return { kid: +kid, key: crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
}

async function verdict(token) {
	const r = await fetch(`${BASE}/verify?format=xml&t=${encodeURIComponent(token)}`);
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type'), /^application\/xml/);
	const xml = await r.text();
	return { status: /status="([a-z_]+)"/.exec(xml)?.[1], xml };
}

// kitasctl with no network and no database: only the two files.
function offline(token) {
	const keys = path.join(dir, 'keys-now.txt');
	const crl = path.join(dir, 'crl-now.txt');
	try {
		return execFileSync('unshare', ['--net', path.join(ROOT, 'kitasctl'),
		    'permit', 'verify', keys, crl, token],
		    { encoding: 'utf8', env: { PATH: process.env.PATH } });
	} catch (e) {
		return e.stdout;	/* exit 1: not valid */
	}
}

async function download() {
	const keys = await (await fetch(`${BASE}/verify/keys`)).text();
	const crl = await (await fetch(`${BASE}/verify/revocations`)).text();
	writeFileSync(path.join(dir, 'keys-now.txt'), keys);
	writeFileSync(path.join(dir, 'crl-now.txt'), crl);
	return { keys, crl };
}

// The printed token of a demo permit that is issued and not cancelled.
async function printedToken() {
	await until('the demo permits to be printed', () => psql(`SELECT count(*) = 0
	    FROM permits WHERE rendered_at IS NULL`) === 't', 20000);
	return psql(`SELECT p.token FROM permits p JOIN cases c ON c.id = p.case_id
	    WHERE c.state = 'issued' ORDER BY p.id LIMIT 1`);
}

test('every verdict, online and offline', async () => {
	const token = await printedToken();
	const { keys } = await download();
	assert.equal((await verdict(token)).status, 'valid');
	assert.match(offline(token), /^result: valid$/m);

	// One byte of the signed body changed: the holder's name.
	const t = decodeToken(token);
	const bin = Buffer.concat([t.body, t.sig]);
	const at = bin.indexOf(Buffer.from(t.holder, 'utf8'));
	bin[at] ^= 0x01;
	const changed = 'KITAS1:' + base32(bin);
	assert.equal((await verdict(changed)).status, 'forged');
	assert.match(offline(changed), /^result: forged$/m);
	assert.equal(verifyToken(changed, keys).reason, 'forged');

	// A stranger's key, with a key id nobody published.
	const { privateKey } = crypto.generateKeyPairSync('ed25519');
	const p = { number: t.number, holder: t.holder, passport: t.passport,
	    nationality: t.nationality, kind: t.kind, validFrom: t.validFrom, validTo: t.validTo };
	const stranger = mint(999, p, privateKey);
	assert.equal((await verdict(stranger)).status, 'unknown_key');
	assert.match(offline(stranger), /^result: unknown_key$/m);
	// A stranger signing as our key id is a forgery.
	const sk = serverKey();
	assert.equal((await verdict(mint(sk.kid, p, privateKey))).status, 'forged');

	// Our key, but a permit whose validity has ended.
	const old = mint(sk.kid, { ...p, validFrom: '2020-01-01', validTo: '2021-12-31' }, sk.key);
	const expired = await verdict(old);
	assert.equal(expired.status, 'expired');
	assert.match(expired.xml, /valid-to="2021-12-31"/);
	assert.match(offline(old), /^result: expired$/m);

	// Not a token at all.
	assert.equal((await verdict('KITAS1:ABC')).status, 'malformed');
	const bad = await fetch(`${BASE}/verify?format=xml&t=${encodeURIComponent('<x/>')}`);
	assert.match(await bad.text(), /status="malformed"/);
});

test('a cancelled permit is revoked online at once, offline with the next list', async () => {
	const token = await printedToken();
	const number = decodeToken(token).number;
	await download();
	const code = psql(`SELECT (permit_cancel((SELECT id FROM accounts WHERE role = 'supervisor'
	    AND office_id = c.office_id), c.id, c.version, 'Sponsor withdrew the guarantee',
	    'permit-test-cancel')).code FROM cases c JOIN permits p ON p.case_id = c.id
	    WHERE p.number = :'p1'`, number);
	assert.equal(code, 'ok');

	const online = await verdict(token);
	assert.equal(online.status, 'revoked');
	assert.match(online.xml, /reason="Sponsor withdrew the guarantee"/);
	// The list downloaded before the cancellation does not know yet,
	// and says how old it is.
	assert.match(offline(token), /^result: valid$/m);
	const { keys, crl } = await download();
	assert.match(offline(token), /^result: revoked$/m);
	const list = verifyCrl(crl, keys);
	assert.equal(list.ok, true);
	assert.ok(list.revoked.some((e) => e.number === number));
	// A list with one changed byte is refused by both verifiers.
	const forgedCrl = crl.replace(number, number.replace(/\d$/, (d) => (+d + 1) % 10));
	assert.equal(verifyCrl(forgedCrl, keys).ok, false);
	writeFileSync(path.join(dir, 'crl-now.txt'), forgedCrl);
	assert.doesNotMatch(offline(token), /^result:/m);
});

test('two supervisors approving at the same instant get consecutive numbers', async () => {
	const office = psql(`SELECT id FROM offices WHERE code = 'JKT'`);
	psql(`INSERT INTO accounts (role, office_id, email, display_name)
	    VALUES ('supervisor', :'p1', 'supervisor2.jkt@imigrasi.example', 'Supervisor 2 JKT')
	    ON CONFLICT DO NOTHING`, office);
	// Two cleared cases of the office, each proposed by the officer.
	const ids = psql(`WITH a AS (SELECT id FROM applicants ORDER BY id LIMIT 2),
	    c AS (SELECT (case_create((SELECT id FROM accounts WHERE email = 'officer.jkt@imigrasi.example'),
	        :'p1', a.id, 'E33', 1::smallint, 'regular', 'self', '', '', NULL)).case_id AS id FROM a)
	    SELECT string_agg(id::text, ' ') FROM c`, office).split(' ');
	for (const id of ids) {
		psql(`BEGIN;
		    SELECT set_config('kitas.case_write', 'on', true);
		    UPDATE cases SET state = 'cleared' WHERE id = :'p1';
		    COMMIT;
		    INSERT INTO outbox (case_id, kind, status, finished_at) VALUES (:'p1', 'clearance', 'done', now());
		    INSERT INTO clearance_results (outbox_id, case_id, result, checked_at, received_at, via)
		        VALUES (currval(pg_get_serial_sequence('outbox', 'id')), :'p1', 'clear', now(), now(), 'dispatch');
		    SELECT code FROM permit_propose((SELECT id FROM accounts WHERE email = 'officer.jkt@imigrasi.example'),
		        :'p1', (SELECT version FROM cases WHERE id = :'p1'))`, id);
	}
	const sup = ['supervisor.jkt@imigrasi.example', 'supervisor2.jkt@imigrasi.example'];
	const approve = (i) => run('psql', ['-qtAX', '-v', 'ON_ERROR_STOP=1', '-c',
	    `SELECT code || ' ' || number FROM permit_issue((SELECT id FROM accounts
	    WHERE email = '${sup[i]}'), ${ids[i]}, (SELECT version FROM cases WHERE id = ${ids[i]}),
	    'permit-test-race-${i}')`]);
	const out = (await Promise.all([approve(0), approve(1)])).map((r) => r.stdout.trim());
	const nums = out.map((o) => {
		assert.match(o, /^ok JKT-\d{4}-P\d{6}$/);
		return +o.slice(-6);
	}).sort((a, b) => a - b);
	assert.equal(nums[1], nums[0] + 1, `distinct consecutive numbers: ${out}`);
	assert.equal(psql(`SELECT max(serial) FROM (SELECT substr(number, 11)::int AS serial
	    FROM permits WHERE office_id = :'p1') s`, office), String(nums[1]),
	    'no number beyond the last issued one');
});

test('a rotated key keeps verifying; a withdrawn key verifies nothing', async () => {
	const before = await printedToken();
	const old = decodeToken(before).kid;
	execFileSync(path.join(ROOT, 'kitasctl'), ['keys', 'rotate'], { stdio: 'ignore' });
	const { keys } = await download();
	assert.match(keys, new RegExp(`^key ${old} \\S+ \\S+ retired `, 'm'));
	assert.match(keys, new RegExp(`^key ${old + 1} \\S+ - active `, 'm'));
	assert.equal((await verdict(before)).status, 'valid', 'a retired key still verifies');

	// A permit issued now is signed with the new key.
	const [id, ref, office] = psql(`SELECT c.id, c.reference, lower(o.code)
	    FROM cases c JOIN offices o ON o.id = c.office_id WHERE c.state = 'cleared'
	    AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.case_id = c.id)
	    ORDER BY c.id LIMIT 1`).split('|');
	assert.ok(id, 'the demo data has a cleared case');
	psql(`UPDATE clearance_results SET checked_at = now() WHERE case_id = :'p1'`, id);
	assert.match(issueFourEyes(ref, `officer.${office}@imigrasi.example`,
	    `supervisor.${office}@imigrasi.example`, 'permit-test-rotate'), /^ok /);
	await until('the new permit to be printed', () => psql(`SELECT key_id FROM permits
	    WHERE case_id = :'p1' AND rendered_at IS NOT NULL`, id) === String(old + 1), 20000);

	execFileSync(path.join(ROOT, 'kitasctl'), ['keys', 'revoke', String(old), 'test: key leaked'],
	    { stdio: 'ignore' });
	await download();
	assert.equal((await verdict(before)).status, 'key_revoked');
	assert.match(offline(before), /^result: key_revoked$/m);
});
