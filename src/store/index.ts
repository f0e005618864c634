/**
 * The store component: the MVCC key-value contract (types.ts) and its
 * backends. `openStore` picks one from a `--datastore-endpoint` value.
 * @module
 */
export type { Store, KeyValue, GetOptions, ListOptions, ListResult, WatchEvent, WatchOptions, WatchCallbacks, Watch } from './types.js';
export { MAX_VALUE_BYTES } from './types.js';
export { StoreError, KeyExistsError, NotFoundError, ConflictError, CompactedError, TooLargeError, UnavailableError, isStoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export { MemoryStore } from './memory/index.js';
export { startCompactor, compactStep, type CompactorOptions } from './compactor.js';
export { prefixEnd } from './util.js';
export { SqliteStore, type SqliteStoreOptions, DatastoreOpenError } from './sqlite/index.js';
export type { EtcdStoreOptions, EtcdTlsOptions } from './etcd/index.js';
export { openStore, openEtcdStore, describeEndpoint, type OpenStoreOptions } from './open-store.js';
