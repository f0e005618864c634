/** The etcd backend: the store contract on etcd's v3 API (etcd3 client), for several API servers sharing one etcd. */
import type { Etcd3, IKeyValue, IRangeRequest, ITxnRequest, ITxnResponse } from 'etcd3';
import { CompactedError, ConflictError, KeyExistsError, NotFoundError, TooLargeError, UnavailableError } from '../errors.js';
import type { GetOptions, KeyValue, ListOptions, ListResult, Store, Watch, WatchCallbacks, WatchOptions } from '../types.js';
import { MAX_VALUE_BYTES } from '../types.js';
import { checkValueSize, startAfter } from '../util.js';
import { createClient, orderedProgressRequests, type EtcdStoreOptions } from './client.js';
import { Compaction } from './compaction.js';
import { buf, bytes, num, prefixRange, toKeyValue } from './convert.js';
import { classify, withRetry, type CallKind, type RetryConfig } from './failures.js';
import { EtcdWatch } from './watch.js';

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly retry: RetryConfig;
  private readonly compaction: Compaction;
  private readonly watches = new Set<EtcdWatch>();
  private progressSafe: Promise<boolean> | undefined;
  private closed = false;

  constructor(private readonly opts: EtcdStoreOptions) {
    this.client = createClient(opts);
    this.retry = {
      requestTimeoutMs: opts.requestTimeoutMs ?? 10_000,
      retryMs: opts.retryMs ?? 3_000,
      isClosed: () => this.closed,
    };
    this.compaction = new Compaction(this.client.kv, this.retry, opts.compactionKey ?? '/k8ts/compacted');
  }

  private rpc<T>(kind: CallKind, fn: (deadline: Date) => Promise<T>): Promise<T> {
    return withRetry(this.retry, kind, fn);
  }

  private txn(req: ITxnRequest): Promise<ITxnResponse> {
    return this.rpc('write', (deadline) => this.client.kv.txn(req, { deadline }));
  }

  /** A range read; a compacted revision becomes `CompactedError` with the real compaction point. */
  private async range(req: IRangeRequest) {
    try {
      return await this.rpc('read', (deadline) => this.client.kv.range(req, { deadline }));
    } catch (err) {
      const f = classify(err);
      const requested = num(req.revision);
      if (f === 'compacted') throw new CompactedError(requested, Math.max(await this.compaction.compacted(), requested + 1));
      if (f === 'future') throw new Error(`revision ${requested} is newer than etcd's current revision`, { cause: err });
      throw err;
    }
  }

  /** etcd's own size refusal (request is too large) as `TooLargeError`. */
  private async write(key: string, value: Uint8Array, req: ITxnRequest): Promise<ITxnResponse> {
    try {
      return await this.txn(req);
    } catch (err) {
      if (classify(err) === 'too-large') throw new TooLargeError(key, value.byteLength, MAX_VALUE_BYTES);
      throw err;
    }
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    checkValueSize(key, value);
    const k = buf(key);
    const res = await this.write(key, value, {
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: bytes(value) } }],
      failure: [],
    });
    if (!res.succeeded) throw new KeyExistsError(key);
    const rev = num(res.header.revision);
    return { key, value: Uint8Array.from(value), createRevision: rev, modRevision: rev, version: 1 };
  }

  /** Compares for "the key exists (at `expected`, if given)"; a failed txn reads the key instead. */
  private guard(k: Buffer, expected: number | undefined): ITxnRequest['compare'] {
    const exists = { key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 };
    if (expected === undefined) return [exists];
    return [exists, { key: k, target: 'Mod', result: 'Equal', mod_revision: expected }];
  }

  private failed(key: string, expected: number | undefined, res: ITxnResponse): never {
    const current = res.responses[0]?.response_range?.kvs?.[0];
    if (!current) throw new NotFoundError(key);
    if (expected === undefined) throw new Error(`etcd txn on ${key} failed although the key exists`);
    throw new ConflictError(key, expected, toKeyValue(current));
  }

  async update(key: string, value: Uint8Array, expectedModRevision?: number): Promise<KeyValue> {
    checkValueSize(key, value);
    const k = buf(key);
    const res = await this.write(key, value, {
      compare: this.guard(k, expectedModRevision),
      success: [{ request_put: { key: k, value: bytes(value), prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) this.failed(key, expectedModRevision, res);
    const prev: IKeyValue | undefined = res.responses[0]?.response_put?.prev_kv ?? undefined;
    const rev = num(res.header.revision);
    return {
      key,
      value: Uint8Array.from(value),
      createRevision: prev ? num(prev.create_revision) : rev,
      modRevision: rev,
      version: prev ? num(prev.version) + 1 : 1,
    };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const k = buf(key);
    const res = await this.txn({
      compare: this.guard(k, expectedModRevision),
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) this.failed(key, expectedModRevision, res);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prev) throw new NotFoundError(key); // deleted by someone else between compare and delete cannot happen in one txn
    return { ...toKeyValue(prev), modRevision: num(res.header.revision) };
  }

  async get(key: string, opts: GetOptions = {}): Promise<KeyValue | undefined> {
    const res = await this.range({ key: buf(key), revision: opts.revision ?? 0 });
    const kv = res.kvs[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  /**
   * No sort order is requested: etcd returns keys in ascending byte order
   * anyway, and etcd 3.4 drops `limit` (reads the whole range) whenever a
   * sort order is set.
   */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const range = prefixRange(prefix);
    const revision = opts.revision && opts.revision > 0 ? opts.revision : 0;
    // `after` is the last key of the previous page; never start below the prefix.
    const from = opts.after !== undefined ? buf(startAfter(opts.after)) : range.key;
    const res = await this.range({
      key: Buffer.compare(from, range.key) > 0 ? from : range.key,
      range_end: range.range_end,
      revision,
      limit: opts.limit && opts.limit > 0 ? opts.limit : 0,
    });
    const kvs = res.kvs.map(toKeyValue);
    return {
      kvs,
      revision: revision || num(res.header.revision),
      more: res.more,
      remaining: Math.max(0, num(res.count) - kvs.length),
    };
  }

  async count(prefix: string): Promise<number> {
    const res = await this.range({ ...prefixRange(prefix), count_only: true });
    return num(res.count);
  }

  watch(prefix: string, opts: WatchOptions, cb: WatchCallbacks): Watch {
    const w = new EtcdWatch({
      client: this.client.watchClient,
      prefix,
      afterRevision: opts.afterRevision,
      progressNotify: opts.progressNotify ?? false,
      progressIntervalMs: this.opts.progressIntervalMs ?? 5000,
      progressRequestsSafe: () => this.progressRequestsSafe(),
      reconnectMs: this.opts.watchReconnectMs ?? 30_000,
      cb,
      onEnd: (x) => this.watches.delete(x),
    });
    if (this.closed) {
      queueMicrotask(() => w.fail(new UnavailableError('etcd store is closed')));
      return w;
    }
    this.watches.add(w);
    w.start();
    return w;
  }

  /** Whether to send WatchProgressRequests (see `EtcdStoreOptions.progressRequests`); asks etcd's version once. */
  private progressRequestsSafe(): Promise<boolean> {
    const mode = this.opts.progressRequests ?? 'auto';
    if (mode !== 'auto') return Promise.resolve(mode === 'always');
    this.progressSafe ??= this.rpc('read', (deadline) => this.client.maintenance.status({ deadline })).then(
      (s) => orderedProgressRequests(s.version),
      (err: unknown) => {
        this.progressSafe = undefined; // ask again next time
        throw err;
      },
    );
    return this.progressSafe;
  }

  async compact(revision: number): Promise<void> {
    await this.compaction.compact(revision);
  }

  async currentRevision(): Promise<number> {
    const res = await this.range({ key: Buffer.from([0]), count_only: true });
    return num(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    return this.compaction.compacted();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.fail(new UnavailableError('etcd store closed'));
    this.client.close();
  }
}
