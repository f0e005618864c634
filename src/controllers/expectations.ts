/**
 * Controller expectations (upstream `controller_utils.go`): after creating or
 * deleting pods a controller waits until its informer has seen them before it
 * counts again, so a stale cache never makes it create twice. Expire after 5 minutes.
 */
import type { Clock } from '../client/index.js';

interface Expect {
  add: number;
  del: number;
  at: number;
}

export class Expectations {
  private readonly m = new Map<string, Expect>();
  constructor(private readonly clock: Clock, private readonly ttlMs = 5 * 60_000) {}

  satisfied(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    if ((e.add <= 0 && e.del <= 0) || this.clock.now() - e.at > this.ttlMs) {
      this.m.delete(key);
      return true;
    }
    return false;
  }
  expect(key: string, add: number, del: number): void {
    this.m.set(key, { add, del, at: this.clock.now() });
  }
  observedAdd(key: string): void {
    const e = this.m.get(key);
    if (e) e.add--;
  }
  observedDel(key: string): void {
    const e = this.m.get(key);
    if (e) e.del--;
  }
  /** A create or delete that failed will never be observed. */
  lower(key: string, add: number, del: number): void {
    const e = this.m.get(key);
    if (e) {
      e.add -= add;
      e.del -= del;
    }
  }
  forget(key: string): void {
    this.m.delete(key);
  }
}
