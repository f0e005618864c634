/** The SQLite store backend: the embedded default datastore (single API server; several need etcd). */
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { DatastoreOpenError } from './open.js';
