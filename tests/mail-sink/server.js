// A local SMTP sink for development and tests: accepts every message on
// 127.0.0.1 and appends it, as one JSON line {at, from, to, data}, to the
// file given.  It relays nothing.  Usage:
//   node tests/mail-sink/server.js --port 2525 --out var/mail.jsonl
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const arg = (name, dflt) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : dflt;
};
const PORT = +arg('port', 2525);
const OUT = arg('out', 'var/mail.jsonl');
const MAX = 1024 * 1024;

const server = net.createServer((sock) => {
	let buf = '', from = '', to = [], data = null;
	const say = (line) => sock.write(line + '\r\n');
	say('220 kitas-mail-sink ESMTP');
	sock.setEncoding('utf8');
	sock.on('data', (chunk) => {
		buf += chunk;
		if (buf.length > MAX * 2) {
			say('552 too much');
			sock.destroy();
			return;
		}
		for (;;) {
			if (data !== null) {
				const end = buf.indexOf('\r\n.\r\n');
				if (end < 0)
					return;
				data += buf.slice(0, end);
				buf = buf.slice(end + 5);
				const text = data.replace(/^\.\./gm, '.');
				appendFileSync(OUT, JSON.stringify({ at: new Date().toISOString(),
				    from, to, data: text }) + '\n');
				data = null;
				from = '';
				to = [];
				say('250 OK queued');
				continue;
			}
			const nl = buf.indexOf('\r\n');
			if (nl < 0)
				return;
			const line = buf.slice(0, nl);
			buf = buf.slice(nl + 2);
			const verb = line.slice(0, 4).toUpperCase();
			if (verb === 'EHLO' || verb === 'HELO') say('250 kitas-mail-sink');
			else if (verb === 'MAIL') { from = line.replace(/^MAIL FROM:\s*/i, ''); say('250 OK'); }
			else if (verb === 'RCPT') { to.push(line.replace(/^RCPT TO:\s*/i, '')); say('250 OK'); }
			else if (verb === 'DATA') { data = ''; say('354 go on'); }
			else if (verb === 'RSET') { from = ''; to = []; say('250 OK'); }
			else if (verb === 'NOOP') say('250 OK');
			else if (verb === 'QUIT') { say('221 bye'); sock.end(); return; }
			else say('502 not here');
		}
	});
	sock.on('error', () => {});
});
server.listen(PORT, '127.0.0.1', () => console.log(`mail-sink ready on 127.0.0.1:${PORT} -> ${OUT}`));
for (const s of ['SIGTERM', 'SIGINT'])
	process.on(s, () => { server.close(); process.exit(0); });
