/**
 * The in-memory backend: the whole MVCC history in maps. For unit tests of
 * other components and as the reference implementation of the contract.
 * @module
 */
import { CompactedError, ConflictError, KeyExistsError, NotFoundError, UnavailableError } from '../errors.js';
import type { GetOptions, KeyValue, ListOptions, ListResult, Store, Watch, WatchCallbacks, WatchEvent, WatchOptions } from '../types.js';
import { checkValueSize } from '../util.js';
import { WatchHub } from '../watch-hub.js';

/** One entry of a key's history: its value from `rev` on, or `deleted`. */
interface Version {
  readonly rev: number;
  readonly kv: KeyValue;
  readonly deleted: boolean;
}

export interface MemoryStoreOptions {
  progressIntervalMs?: number;
}

export class MemoryStore implements Store {
  private rev = 0;
  private compacted = 0;
  /** Every key's versions, oldest first. */
  private readonly history = new Map<string, Version[]>();
  /** All events in revision order (for watches from the past). */
  private log: WatchEvent[] = [];
  private readonly hub: WatchHub;
  private closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.hub = new WatchHub(() => this.rev, opts.progressIntervalMs);
  }

  private live(key: string): KeyValue | undefined {
    const versions = this.history.get(key);
    const last = versions?.[versions.length - 1];
    return last && !last.deleted ? last.kv : undefined;
  }

  private at(key: string, rev: number): KeyValue | undefined {
    const versions = this.history.get(key);
    if (!versions) return undefined;
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (v.rev <= rev) return v.deleted ? undefined : v.kv;
    }
    return undefined;
  }

  private checkOpen(): void {
    if (this.closed) throw new UnavailableError('memory store is closed');
  }

  private checkRevision(rev: number): void {
    if (rev > 0 && rev < this.compacted) throw new CompactedError(rev, this.compacted);
  }

  private commit(key: string, version: Version, event: WatchEvent): void {
    let versions = this.history.get(key);
    if (!versions) this.history.set(key, (versions = []));
    versions.push(version);
    this.log.push(event);
    this.hub.publish([event]);
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    this.checkOpen();
    checkValueSize(key, value);
    if (this.live(key)) throw new KeyExistsError(key);
    const rev = ++this.rev;
    const kv: KeyValue = { key, value: Uint8Array.from(value), createRevision: rev, modRevision: rev, version: 1 };
    this.commit(key, { rev, kv, deleted: false }, { type: 'put', kv });
    return kv;
  }

  async update(key: string, value: Uint8Array, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    checkValueSize(key, value);
    const prev = this.live(key);
    if (!prev) throw new NotFoundError(key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw new ConflictError(key, expectedModRevision, prev);
    }
    const rev = ++this.rev;
    const kv: KeyValue = { key, value: Uint8Array.from(value), createRevision: prev.createRevision, modRevision: rev, version: prev.version + 1 };
    this.commit(key, { rev, kv, deleted: false }, { type: 'put', kv, prev });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.live(key);
    if (!prev) throw new NotFoundError(key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw new ConflictError(key, expectedModRevision, prev);
    }
    const rev = ++this.rev;
    const kv: KeyValue = { ...prev, modRevision: rev };
    this.commit(key, { rev, kv, deleted: true }, { type: 'delete', kv, prev });
    return kv;
  }

  async get(key: string, opts: GetOptions = {}): Promise<KeyValue | undefined> {
    this.checkOpen();
    const rev = opts.revision ?? 0;
    this.checkRevision(rev);
    return rev > 0 ? this.at(key, rev) : this.live(key);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const rev = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    this.checkRevision(rev);
    const keys = [...this.history.keys()]
      .filter((k) => k.startsWith(prefix) && (opts.after === undefined || k > opts.after))
      .sort();
    const kvs: KeyValue[] = [];
    let matched = 0;
    for (const k of keys) {
      const kv = this.at(k, rev);
      if (!kv) continue;
      matched++;
      if (!opts.limit || kvs.length < opts.limit) kvs.push(kv);
    }
    return { kvs, revision: rev, more: matched > kvs.length, remaining: matched - kvs.length };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    let n = 0;
    for (const k of this.history.keys()) if (k.startsWith(prefix) && this.live(k)) n++;
    return n;
  }

  watch(prefix: string, opts: WatchOptions, cb: WatchCallbacks): Watch {
    if (this.closed) return this.hub.fail(cb, new UnavailableError('memory store is closed'));
    const after = opts.afterRevision;
    if (after + 1 < this.compacted) return this.hub.fail(cb, new CompactedError(after, this.compacted));
    const history = this.log.filter((e) => e.kv.modRevision > after && e.kv.key.startsWith(prefix));
    return this.hub.add(prefix, after, opts.progressNotify ?? false, cb, history);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision <= this.compacted) return;
    if (revision > this.rev) throw new Error(`cannot compact to ${revision}: newer than the current revision ${this.rev}`);
    this.compacted = revision;
    for (const [key, versions] of this.history) {
      // Keep the newest version at or below the compaction point (it is the
      // value "as of" every later revision until the next write) and all after.
      let keepFrom = 0;
      for (let i = 0; i < versions.length; i++) if (versions[i]!.rev <= revision) keepFrom = i;
      const kept = versions.slice(keepFrom);
      if (kept.length === 1 && kept[0]!.deleted && kept[0]!.rev <= revision) this.history.delete(key);
      else this.history.set(key, kept);
    }
    this.log = this.log.filter((e) => e.kv.modRevision >= revision);
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.closeAll(new UnavailableError('store closed'));
  }
}
