/**
 * Service ClusterIP and NodePort allocation, decided in the store with
 * compare-and-swap (a create of `/registry/ranges/<kind>/<value>` either wins
 * or fails), so several API servers sharing one etcd never hand out the same
 * address, and a freed address is simply a deleted key.
 * @module
 */
import { randomInt } from 'node:crypto';
import { KeyExistsError, type Store } from '../../store/index.js';
import { errors } from '../errors.js';

const enc = new TextEncoder();

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const parts = (ip ?? '').split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)) || !(bits >= 8 && bits <= 30)) throw new Error(`invalid IPv4 CIDR: ${cidr}`);
  const n = ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
  const size = 2 ** (32 - bits);
  return { base: n - (n % size), size };
}

export function ipString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function ipNumber(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

export class RangeAllocator {
  constructor(
    private readonly store: Store,
    private readonly kind: string,
    /** First and last allocatable values (inclusive), as numbers. */
    private readonly first: number,
    private readonly last: number,
    private readonly show: (n: number) => string,
  ) {}

  private key(value: string): string {
    return `/registry/ranges/${this.kind}/${value}`;
  }

  /** Claim a specific value; false if it is taken. */
  async claim(value: number, owner: string): Promise<boolean> {
    if (value < this.first || value > this.last) return false;
    try {
      await this.store.create(this.key(this.show(value)), enc.encode(owner));
      return true;
    } catch (e) {
      if (e instanceof KeyExistsError) return false;
      throw e;
    }
  }

  /** Claim any free value, starting from a random point and probing upward. */
  async allocate(owner: string): Promise<number> {
    const size = this.last - this.first + 1;
    const start = randomInt(size);
    for (let i = 0; i < size; i++) {
      const v = this.first + ((start + i) % size);
      if (await this.claim(v, owner)) return v;
    }
    throw errors.internal(`range is full: no free ${this.kind} left`);
  }

  async release(value: number | string): Promise<void> {
    const shown = typeof value === 'number' ? this.show(value) : value;
    await this.store.delete(this.key(shown)).catch(() => undefined);
  }

  inRange(value: number): boolean {
    return value >= this.first && value <= this.last;
  }
}
