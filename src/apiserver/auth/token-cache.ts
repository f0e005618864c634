/**
 * A cache of verified bearer-token signatures, as kube-apiserver's
 * cached token authenticator (`--token-success-cache-ttl` 10 s; failures
 * are not cached, upstream's failure TTL 0). Entries are keyed by a SHA-256
 * of the audiences and the token — the token itself is never kept — live
 * at most the TTL and never past the token's own expiry, and the least
 * recently used go first beyond `maxEntries`. Concurrent lookups of one
 * token share one verification.
 *
 * Only the signature check is cached: callers still check, on every
 * request, that what the token is bound to (ServiceAccount, Pod) exists
 * with the same uid, so deleting one revokes its tokens at once.
 * @module
 */
import { createHash } from 'node:crypto';

export interface TokenCacheOptions {
  /** How long a verified token is remembered (default 10 s; 0 turns the cache off). */
  ttlMs?: number;
  /** Entries kept (default 4096, least recently used dropped). */
  maxEntries?: number;
  /** Milliseconds since the epoch (tests inject a fake). */
  now?: () => number;
}

interface Entry<T> {
  value: T;
  until: number;
}

export const TOKEN_SUCCESS_CACHE_TTL_MS = 10_000;

export class TokenCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inflight = new Map<string, Promise<{ value: T; expiresAt?: number } | undefined>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Verifications done and lookups answered from the cache (tests, benchmarks). */
  readonly stats = { verified: 0, hits: 0 };

  constructor(opts: TokenCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? TOKEN_SUCCESS_CACHE_TTL_MS;
    this.maxEntries = opts.maxEntries ?? 4096;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached value for (token, audiences), else `verify()`'s: a value with
   * the token's expiry (ms) is remembered, undefined (invalid) is not.
   */
  async get(token: string, audiences: readonly string[], verify: () => Promise<{ value: T; expiresAt?: number } | undefined>): Promise<T | undefined> {
    if (this.ttlMs <= 0) return (await verify())?.value;
    const key = createHash('sha256').update(audiences.join('\u0000')).update('\u0001').update(token).digest('base64url');
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      if (hit.until > this.now()) {
        this.entries.set(key, hit); // most recently used last
        this.stats.hits++;
        return hit.value;
      }
    }
    let p = this.inflight.get(key);
    if (!p) {
      this.stats.verified++;
      p = verify()
        .then((r) => {
          if (r) this.remember(key, r.value, r.expiresAt);
          return r;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return (await p)?.value;
  }

  private remember(key: string, value: T, expiresAt?: number): void {
    const until = Math.min(this.now() + this.ttlMs, expiresAt ?? Infinity);
    if (!(until > this.now())) return;
    this.entries.set(key, { value, until });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
