/** The etcd store backend (`--datastore-endpoint`): the store contract on a real etcd v3 cluster. */
export { EtcdStore } from './etcd-store.js';
export { type EtcdStoreOptions, type EtcdTlsOptions } from './client.js';
