// A token bucket counting request *items* (not HTTP calls).
//
// rate   tokens added per second; 0 = unlimited (no bucket at all)
// burst  the bucket's capacity; 0 with a rate means one second's worth
//        (capacity = rate)
//
// take(n) is all-or-nothing: it either removes n tokens and returns 0, or
// removes nothing and returns the whole seconds (>= 1) until n tokens will
// be there.  In any interval of T seconds at most capacity + rate*T items
// pass, so in any wall-clock second at most burst + rate.
//
// A batch of more items than the capacity can never pass: take() returns
// Infinity for it and the caller answers 429 (see server.js).

import { performance } from 'node:perf_hooks';

export class TokenBucket {
  constructor(rate = 0, burst = 0) {
    this.configure(rate, burst);
  }

  configure(rate, burst) {
    this.rate = Number(rate) || 0;
    this.burst = Number(burst) || 0;
    this.capacity = this.rate > 0 ? (this.burst > 0 ? this.burst : this.rate) : Infinity;
    this.reset();
  }

  // Full again.
  reset() {
    this.tokens = this.capacity;
    this.last = performance.now();
  }

  get unlimited() {
    return !(this.rate > 0);
  }

  refill(now = performance.now()) {
    if (this.unlimited) return;
    const dt = (now - this.last) / 1000;
    this.last = now;
    if (dt > 0) this.tokens = Math.min(this.capacity, this.tokens + dt * this.rate);
  }

  take(n, now = performance.now()) {
    if (this.unlimited) return 0;
    if (n > this.capacity) return Infinity;
    this.refill(now);
    // A tiny epsilon so that float rounding never makes a batch wait for
    // a millionth of a token.
    if (this.tokens + 1e-9 >= n) {
      this.tokens = Math.max(0, this.tokens - n);
      return 0;
    }
    return Math.max(1, Math.ceil((n - this.tokens) / this.rate));
  }

  // Seconds until the bucket is full (for the Retry-After of a batch that
  // is larger than the capacity: it will not help, but it is honest).
  secondsToFull() {
    if (this.unlimited) return 0;
    this.refill();
    return Math.max(1, Math.ceil((this.capacity - this.tokens) / this.rate));
  }

  toJSON() {
    if (this.unlimited) return { rate: 0, burst: this.burst, capacity: null, tokens: null };
    this.refill();
    return { rate: this.rate, burst: this.burst, capacity: this.capacity, tokens: Math.floor(this.tokens * 1000) / 1000 };
  }
}
