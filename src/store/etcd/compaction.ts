/**
 * Compaction and the compacted revision, which etcd does not report directly.
 *
 * `compact(rev)` runs etcd's Compact, then moves a marker key (default
 * `/k8ts/compacted`, value = decimal revision) forward with compare-and-swap,
 * so every API server sharing the etcd reads the same point and concurrent
 * compactors never move it backwards. Compact comes first: a crash between
 * the two leaves the marker behind, never ahead.
 *
 * `compactedRevision()` reads the marker and checks it with one read at that
 * revision. If that read fails (someone compacted with etcdctl, etcd's
 * --auto-compaction, or a compactor died before moving the marker), the real
 * point is found by binary search over reads at revisions (the oldest
 * readable revision is the compaction point).
 * @module
 */
import type { KVClient } from 'etcd3';
import { buf, num } from './convert.js';
import { classify, withRetry, type RetryConfig } from './failures.js';

interface Marker {
  readonly rev: number;
  /** The marker key's modRevision (0 while absent), for compare-and-swap. */
  readonly modRevision: number;
}

export class Compaction {
  private readonly key: Buffer;

  constructor(
    private readonly kv: KVClient,
    private readonly retry: RetryConfig,
    key: string,
  ) {
    this.key = buf(key);
  }

  private async marker(): Promise<Marker> {
    const res = await withRetry(this.retry, 'read', (deadline) => this.kv.range({ key: this.key }, { deadline }));
    const kv = res.kvs[0];
    if (!kv) return { rev: 0, modRevision: 0 };
    const rev = Number(kv.value.toString('utf8'));
    return { rev: Number.isFinite(rev) ? rev : 0, modRevision: num(kv.mod_revision) };
  }

  /** Whether etcd still has revision `rev` (the newest revision, and any future one, count as readable). */
  private async readable(rev: number): Promise<boolean> {
    try {
      await withRetry(this.retry, 'read', (deadline) =>
        this.kv.range({ key: this.key, revision: rev, count_only: true }, { deadline }),
      );
      return true;
    } catch (err) {
      const f = classify(err);
      if (f === 'compacted') return false;
      if (f === 'future') return true;
      throw err;
    }
  }

  private async current(): Promise<number> {
    const res = await withRetry(this.retry, 'read', (deadline) =>
      this.kv.range({ key: this.key, count_only: true }, { deadline }),
    );
    return num(res.header.revision);
  }

  async compacted(): Promise<number> {
    const m = await this.marker();
    if (await this.readable(Math.max(m.rev, 1))) return m.rev;
    // Compacted beyond the marker: the oldest readable revision in (m.rev, current].
    let lo = m.rev + 1;
    let hi = await this.current();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readable(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  async compact(revision: number): Promise<void> {
    const m = await this.marker();
    if (revision <= m.rev) return;
    try {
      // Compact is idempotent (a repeat fails as "compacted", handled below), so it may retry like a read.
      await withRetry(this.retry, 'read', (deadline) => this.kv.compact({ revision, physical: false }, { deadline }));
    } catch (err) {
      const f = classify(err);
      if (f === 'future') throw new Error(`cannot compact to ${revision}: newer than the current revision`, { cause: err });
      if (f !== 'compacted') throw err; // already compacted at or past `revision`: still move the marker
    }
    await this.advanceMarker(revision, m);
  }

  /** Compare-and-swap the marker up to `revision`; never moves it back. */
  private async advanceMarker(revision: number, seen: Marker): Promise<void> {
    let m = seen;
    for (let i = 0; i < 20 && m.rev < revision; i++) {
      const res = await withRetry(this.retry, 'read', (deadline) =>
        this.kv.txn(
          {
            compare: [{ key: this.key, target: 'Mod', result: 'Equal', mod_revision: m.modRevision }],
            success: [{ request_put: { key: this.key, value: buf(String(revision)) } }],
            failure: [],
          },
          { deadline },
        ),
      );
      if (res.succeeded) return;
      m = await this.marker();
    }
  }
}
