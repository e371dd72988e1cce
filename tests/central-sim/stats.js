// The counters of the simulator, exact (Node runs one batch at a time, so
// a batch is counted in one synchronous step).

const WINDOW = 600; // seconds kept in perSecond
const DUPKEYS_CAP = 1000;

export class Stats {
  constructor() {
    this.reset();
  }

  reset() {
    this.startedAt = new Date().toISOString();
    this.httpRequests = 0; // requests on the data port, whatever came of them
    this.batches = 0; // batches accepted and answered
    this.received = 0; // items in accepted batches, duplicates included
    this.unique = 0; // distinct keys answered
    this.duplicates = 0; // items whose key had been answered before
    this.clear = 0;
    this.hit = 0;
    this.pending = 0;
    this.throttled = 0; // 429 answers (bucket or throttle mode)
    this.throttledItems = 0; // items in batches refused by the bucket
    this.oversize = 0; // batches larger than the bucket's capacity
    this.rejected = 0; // 400 and 415 answers
    this.errors5xx = 0; // answers of the error5xx mode
    this.blackholed = 0; // requests swallowed by the blackhole mode
    this.faulty = 0; // 200 answers with a deliberately broken body
    this.maxPerSecond = 0;
    this.dupKeys = new Set();
    // perSecond ring: slot = t % WINDOW holds [t, items]
    this.ringT = new Float64Array(WINDOW).fill(-1);
    this.ringN = new Uint32Array(WINDOW);
  }

  // n items received now in a batch central admitted, repeated keys
  // included: a duplicate loads central as much as a new one.
  countReceived(n, nowMs = Date.now()) {
    if (n <= 0) return;
    const t = Math.floor(nowMs / 1000);
    const slot = t % WINDOW;
    if (this.ringT[slot] !== t) {
      this.ringT[slot] = t;
      this.ringN[slot] = 0;
    }
    this.ringN[slot] += n;
    if (this.ringN[slot] > this.maxPerSecond) this.maxPerSecond = this.ringN[slot];
  }

  noteDupKey(key) {
    if (this.dupKeys.size < DUPKEYS_CAP) this.dupKeys.add(key);
  }

  // Seconds of the last WINDOW with activity, oldest first.
  perSecond(nowMs = Date.now()) {
    const now = Math.floor(nowMs / 1000);
    const out = [];
    for (let i = 0; i < WINDOW; i++) {
      const t = this.ringT[i];
      if (t > now - WINDOW && t <= now && this.ringN[i] > 0) out.push({ t, items: this.ringN[i] });
    }
    return out.sort((a, b) => a.t - b.t);
  }

  snapshot() {
    return {
      startedAt: this.startedAt,
      httpRequests: this.httpRequests,
      batches: this.batches,
      received: this.received,
      unique: this.unique,
      duplicates: this.duplicates,
      clear: this.clear,
      hit: this.hit,
      pending: this.pending,
      throttled: this.throttled,
      throttledItems: this.throttledItems,
      oversize: this.oversize,
      rejected: this.rejected,
      errors5xx: this.errors5xx,
      blackholed: this.blackholed,
      faulty: this.faulty,
      maxPerSecond: this.maxPerSecond,
      perSecond: this.perSecond(),
      dupKeys: [...this.dupKeys],
    };
  }
}
