/**
 * The watch cache: one store watch on `/registry/` keeps every object in
 * memory, so lists and watches are served without touching the store and a
 * thousand watchers cost one store watch. Each object's JSON is encoded once
 * and the same bytes go to every watcher.
 *
 * Invariants: `rev` is the newest store revision applied; every event with a
 * revision above `completeFrom` is in `events` (older ones were evicted), so
 * a watch from R can be served iff R >= completeFrom.
 * @module
 */
import type { KObject } from '../../api/index.js';
import type { Store, WatchEvent } from '../../store/index.js';
import { Ring } from './ring.js';

export interface Entry {
  readonly key: string;
  readonly rev: number;
  readonly obj: KObject;
  /** The object's JSON, encoded on first use and shared by every reader. */
  json(): string;
}

export interface CacheEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly rev: number;
  readonly key: string;
  readonly entry: Entry;
  readonly prev?: Entry;
}

export type Listener = (events: CacheEvent[]) => void;

const dec = new TextDecoder();

/** Stored JSON that opens with the object's type and metadata (how the registry writes every object). */
const HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * An entry with its JSON made on first use (a class: no closure per object,
 * on every write). When the stored text opens with apiVersion, kind and
 * metadata and carries no resourceVersion (what the registry writes), the
 * served JSON is that text with the resourceVersion spliced into metadata —
 * no second JSON.stringify of the object; otherwise JSON.stringify.
 */
class CacheEntry implements Entry {
  private text: string | undefined;
  constructor(
    readonly key: string,
    readonly rev: number,
    readonly obj: KObject,
    private stored: string | undefined,
  ) {}
  json(): string {
    if (this.text === undefined) {
      const s = this.stored;
      const m = s === undefined ? null : HEAD.exec(s);
      if (m && s) {
        const at = m[0].length;
        const rv = `"resourceVersion":"${this.rev}"`;
        this.text = s.slice(0, at) + (s.charCodeAt(at) === 0x7d ? rv : rv + ',') + s.slice(at);
      } else this.text = JSON.stringify(this.obj);
      this.stored = undefined;
    }
    return this.text;
  }
  /** Drop the stored text (kept only while the write's watchers are served). */
  release(): void {
    this.stored = undefined;
  }
}

export function makeEntry(key: string, rev: number, value: Uint8Array): Entry {
  return parseEntry(key, rev, value, false);
}

function parseEntry(key: string, rev: number, value: Uint8Array, keepText: boolean): CacheEntry {
  const text = dec.decode(value);
  const obj = JSON.parse(text) as KObject;
  const plain = typeof obj.metadata === 'object' && obj.metadata !== null && obj.metadata.resourceVersion === undefined;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(rev);
  return new CacheEntry(key, rev, obj, keepText && plain ? text : undefined);
}

export class WatchCache {
  private readonly objects = new Map<string, Map<string, Entry>>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly events: Ring<CacheEvent>;
  private revWaiters: Array<{ rev: number; resolve: () => void }> = [];
  private cancelWatch: (() => void) | undefined;
  rev = 0;
  completeFrom = 0;
  private failed: Error | undefined;

  /** `buckets` are the storage prefixes objects are grouped by (one per resource). */
  constructor(
    private readonly store: Store,
    private readonly buckets: string[],
    opts: { capacity?: number } = {},
  ) {
    this.events = new Ring(opts.capacity ?? 100_000);
    for (const b of buckets) this.objects.set(b, new Map());
    // Longest prefix first, so `/registry/services/specs/` wins over `/registry/services/`.
    this.buckets.sort((a, b) => b.length - a.length);
  }

  bucketOf(key: string): string | undefined {
    for (const b of this.buckets) if (key.startsWith(b)) return b;
    return undefined;
  }

  /** List everything, then watch from the list's revision. */
  async start(onError: (err: Error) => void): Promise<void> {
    let after: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await this.store.list('/registry/', { limit: 5000, after, revision });
      revision = page.revision;
      for (const kv of page.kvs) {
        const bucket = this.bucketOf(kv.key);
        if (bucket) this.objects.get(bucket)!.set(kv.key, makeEntry(kv.key, kv.modRevision, kv.value));
      }
      if (!page.more || page.kvs.length === 0) break;
      after = page.kvs[page.kvs.length - 1]!.key;
    }
    this.rev = revision;
    this.completeFrom = revision;
    const w = this.store.watch('/registry/', { afterRevision: revision, progressNotify: true }, {
      onEvents: (evs) => this.apply(evs),
      onProgress: (rev) => this.advance(rev),
      onError: (err) => {
        this.failed = err;
        onError(err);
      },
    });
    this.cancelWatch = () => w.cancel();
  }

  stop(): void {
    this.cancelWatch?.();
  }

  get error(): Error | undefined {
    return this.failed;
  }

  private apply(evs: WatchEvent[]): void {
    const byBucket = new Map<string, CacheEvent[]>();
    const fresh: CacheEntry[] = [];
    for (const e of evs) {
      const bucket = this.bucketOf(e.kv.key);
      if (!bucket) continue;
      const map = this.objects.get(bucket)!;
      const prev = map.get(e.kv.key);
      const entry = parseEntry(e.kv.key, e.kv.modRevision, e.kv.value, true);
      fresh.push(entry);
      let ce: CacheEvent;
      if (e.type === 'delete') {
        map.delete(e.kv.key);
        ce = { type: 'DELETED', rev: e.kv.modRevision, key: e.kv.key, entry, prev };
      } else {
        map.set(e.kv.key, entry);
        ce = { type: prev ? 'MODIFIED' : 'ADDED', rev: e.kv.modRevision, key: e.kv.key, entry, prev };
      }
      const evicted = this.events.push(ce);
      if (evicted) this.completeFrom = evicted.rev;
      let list = byBucket.get(bucket);
      if (!list) byBucket.set(bucket, (list = []));
      list.push(ce);
    }
    const last = evs[evs.length - 1];
    if (last) this.advance(last.kv.modRevision);
    for (const [bucket, list] of byBucket) {
      for (const l of this.listeners.get(bucket) ?? []) l(list);
    }
    // Watchers encode synchronously above; the stored texts are not kept for the cache's lifetime.
    for (const entry of fresh) entry.release();
  }

  private advance(rev: number): void {
    if (rev <= this.rev) return;
    this.rev = rev;
    if (this.revWaiters.length === 0) return;
    const still: typeof this.revWaiters = [];
    for (const w of this.revWaiters) (w.rev <= rev ? w.resolve() : still.push(w));
    this.revWaiters = still;
  }

  /** Resolves true once the cache has applied revision `rev`, false after `timeoutMs`. */
  waitFor(rev: number, timeoutMs: number): Promise<boolean> {
    if (this.rev >= rev) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.revWaiters = this.revWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        rev,
        resolve: () => {
          clearTimeout(t);
          resolve(true);
        },
      };
      this.revWaiters.push(waiter);
    });
  }

  /** Current entries of a bucket whose keys start with `prefix` (unordered). */
  *entries(bucket: string, prefix = bucket): Iterable<Entry> {
    const map = this.objects.get(bucket);
    if (!map) return;
    if (prefix === bucket) yield* map.values();
    else for (const [k, e] of map) if (k.startsWith(prefix)) yield e;
  }

  get(bucket: string, key: string): Entry | undefined {
    return this.objects.get(bucket)?.get(key);
  }

  /**
   * Events of `bucket` after `rev` (for a watch resuming from a version).
   * Undefined when some were evicted: the caller answers 410 Expired.
   */
  since(bucket: string, rev: number): CacheEvent[] | undefined {
    if (rev < this.completeFrom) return undefined;
    const out: CacheEvent[] = [];
    const start = this.events.firstIndex((e) => e.rev > rev);
    for (let i = start; i < this.events.size; i++) {
      const e = this.events.at(i)!;
      if (e.key.startsWith(bucket) && this.bucketOf(e.key) === bucket) out.push(e);
    }
    return out;
  }

  listen(bucket: string, l: Listener): () => void {
    let set = this.listeners.get(bucket);
    if (!set) this.listeners.set(bucket, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }

  /** Number of listeners across buckets (metrics, tests). */
  get listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
