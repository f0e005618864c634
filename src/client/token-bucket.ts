/**
 * A token bucket with reservations (golang.org/x/time/rate semantics): each
 * call takes a token now or books one in the future and says how long to
 * wait. Used by the client's request throttle, the work queue's overall limiter
 * and the event recorder's spam filter (one bucket per object).
 */
import { realClock, type Clock } from './clock.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `qps` tokens per second refill a bucket of `burst`; it starts full. */
  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`token bucket: qps must be > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
      this.last = now;
    }
  }

  /** Take a token; returns the milliseconds until it is really ours (0: now). */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }

  /** Give back a reservation that was not used (an aborted wait). */
  cancel(): void {
    this.refill();
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /** Take a token without waiting, if one is there. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Wait for a token; an abort gives the reservation back and rejects. */
  async wait(signal?: AbortSignal): Promise<void> {
    const delay = this.reserve();
    if (delay === 0) return;
    try {
      await this.clock.sleep(delay, signal);
    } catch (e) {
      this.cancel();
      throw e;
    }
  }
}
