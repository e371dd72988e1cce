// queued_request (make bench; never asserted by make test): how long a
// request waits when it must queue for a PostgreSQL connection.  One
// worker with one connection gets three /readyz at once, so two of them
// wait in Kore's queue; ours is the p90 of the time until all three are
// answered, the baseline the p90 of one /readyz alone, in milliseconds
// (ratio baseline/ours, higher is better; the ideal is about 1/3).
// Kore 4.1 left a request woken from that queue unrun until the next
// socket event or timer, up to a second here; kore/db.c makes the event
// loop come round at once (db_run()).
import { startKore } from '../e2e/lib.mjs';

const PORT = 28084;
const N = 200;
const URL = `http://127.0.0.1:${PORT}/readyz`;

async function p90(parallel) {
	const ms = [];
	for (let i = 0; i < N; i++) {
		const t0 = performance.now();
		await Promise.all(Array.from({ length: parallel }, async () => {
			const res = await fetch(URL);
			if (res.status !== 200)
				throw new Error(`queued_request: /readyz ${res.status}`);
			await res.text();
		}));
		ms.push(performance.now() - t0);
	}
	ms.sort((a, b) => a - b);
	return ms[Math.floor(N * 0.9)];
}

const kore = await startKore('queue', PORT, { KITAS_CENTRAL_URL: '', KITAS_SMTP_URL: '' },
    { workers: 1, pgsql_conn_max: 1 });
let ours, base;
try {
	await p90(1);		/* the connection opened, the statement prepared */
	base = await p90(1);
	ours = await p90(3);
} finally {
	await kore.stop();
}
console.log(`bench queued_request ours=${ours.toFixed(1)} baseline=${base.toFixed(1)} ` +
    `unit=ms ratio=${(base / ours).toFixed(2)} target=none`);
