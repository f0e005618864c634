/**
 * The storage contract (DESIGN.md "Storage contract"): an MVCC key-value store
 * with etcd's semantics. Every backend (memory, sqlite, etcd) implements
 * `Store` and passes the one conformance suite in `conformance.case.ts`.
 *
 * Invariants every backend keeps:
 * - Each successful write (create, update, delete) gets a new revision,
 *   strictly greater than every earlier one, cluster-wide.
 * - A key's `modRevision` is the revision of its last write; `createRevision`
 *   the revision of the create that started its current life; `version`
 *   counts writes since that create (1 after create).
 * - A watch from revision R delivers every event with revision > R, for keys
 *   under its prefix, exactly once, in revision order.
 * - After `compact(C)`, reads at revisions < C and watches from revisions < C
 *   fail with `CompactedError`.
 * @module
 */

/** One stored key. `value` is opaque bytes (k8ts stores JSON). */
export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

export interface GetOptions {
  /** Read the key as it was at this revision (0 or absent: now). */
  readonly revision?: number;
}

export interface ListOptions {
  /** Read as of this revision (0 or absent: the current revision). */
  readonly revision?: number;
  /** At most this many keys (0 or absent: all). */
  readonly limit?: number;
  /** Resume after this key (exclusive): the last key of the previous page. */
  readonly after?: string;
}

export interface ListResult {
  readonly kvs: KeyValue[];
  /** The revision the list was read at; pass it back to read the next page consistently. */
  readonly revision: number;
  /** More keys follow the last one returned. */
  readonly more: boolean;
  /** Keys remaining after this page (an estimate is allowed; used for `remainingItemCount`). */
  readonly remaining?: number;
}

export type WatchEvent =
  /** A create or update. `prev` is the value before, for updates. */
  | { readonly type: 'put'; readonly kv: KeyValue; readonly prev?: KeyValue }
  /**
   * A delete. `kv` is the last value of the key with `modRevision` set to the
   * revision of the delete (what Kubernetes sends as a DELETED object).
   */
  | { readonly type: 'delete'; readonly kv: KeyValue; readonly prev?: KeyValue };

export interface WatchOptions {
  /** Deliver events with revision strictly greater than this. */
  readonly afterRevision: number;
  /** Ask for progress notifications (the default interval is the backend's). */
  readonly progressNotify?: boolean;
}

export interface WatchCallbacks {
  /** Events in revision order; one call may carry several events. */
  onEvents(events: WatchEvent[]): void;
  /**
   * Every event at or below `revision` for this watch has been delivered.
   * Sent periodically to idle watchers (when `progressNotify`).
   */
  onProgress?(revision: number): void;
  /** The watch ended with an error (`CompactedError` if it fell behind compaction). No more calls follow. */
  onError(err: Error): void;
}

export interface Watch {
  /** Stop the watch; no callbacks follow. */
  cancel(): void;
}

export interface Store {
  /** Create a key; throws `KeyExistsError` if it exists. Returns the new revision. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;
  /**
   * Replace a key's value. With `expectedModRevision`, only if the key's
   * current modRevision equals it (`ConflictError` otherwise, carrying the
   * current value). Throws `NotFoundError` if the key does not exist.
   */
  update(key: string, value: Uint8Array, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Delete a key, optionally only at `expectedModRevision`. Returns the
   * deleted value with `modRevision` = the delete's revision.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /** Read a key, now or at a past revision; undefined if absent then. */
  get(key: string, opts?: GetOptions): Promise<KeyValue | undefined>;
  /** Keys with this prefix, in key order, at one consistent revision. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of keys with this prefix now. */
  count(prefix: string): Promise<number>;
  /**
   * Watch keys with this prefix: every event after `opts.afterRevision`, in
   * order, exactly once, delivered asynchronously through `cb`.
   */
  watch(prefix: string, opts: WatchOptions, cb: WatchCallbacks): Watch;
  /** Forget history at revisions below `revision`. */
  compact(revision: number): Promise<void>;
  /** The newest revision (0 for an empty store that never had a write). */
  currentRevision(): Promise<number>;
  /** The revision compacted to so far (0 if never). */
  compactedRevision(): Promise<number>;
  /** Release resources; pending watches end. */
  close(): Promise<void>;
}

/** etcd's default request size limit (1.5 MiB); every backend refuses larger values alike. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;
