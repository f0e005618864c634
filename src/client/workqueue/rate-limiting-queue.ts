/** The rate-limiting queue (client-go `rate_limiting_queue.go`): retries wait as long as the limiter says. */
import { realClock, type Clock } from '../clock.js';
import { BasicDelayingQueue, type DelayingQueue } from './delaying-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

export interface RateLimitingQueue<T> extends DelayingQueue<T> {
  /** Add after the limiter's delay for `item` (counts a failure). */
  addRateLimited(item: T): void;
  /** Reset `item`'s failure count (call on success). */
  forget(item: T): void;
  numRequeues(item: T): number;
}

export interface RateLimitingQueueOptions<T> {
  clock?: Clock;
  /** Default: `defaultControllerRateLimiter`. */
  rateLimiter?: RateLimiter<T>;
}

export class BasicRateLimitingQueue<T> extends BasicDelayingQueue<T> implements RateLimitingQueue<T> {
  readonly rateLimiter: RateLimiter<T>;

  constructor(opts: RateLimitingQueueOptions<T> = {}) {
    const clock = opts.clock ?? realClock;
    super(clock);
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>(clock);
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}

/** A rate-limited work queue of keys with client-go's defaults (or the given clock and limiter). */
export function newRateLimitingQueue<T = string>(opts: RateLimitingQueueOptions<T> = {}): RateLimitingQueue<T> {
  return new BasicRateLimitingQueue<T>(opts);
}
