/**
 * `--datastore-endpoint` → a store: empty → SQLite under the data dir;
 * `sqlite:///path` → SQLite at that path; `http(s)://h:2379[,h2:2379…]` →
 * etcd (several API servers may share it; SQLite is single-writer);
 * `memory://` → in memory (tests only).
 * @module
 */
import { join } from 'node:path';
import type { EtcdStoreOptions, EtcdTlsOptions } from './etcd/index.js';
import { MemoryStore } from './memory/index.js';
import { SqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  dataDir: string;
  /** TLS client files for an https etcd endpoint. */
  etcdTls?: EtcdTlsOptions;
}

export function describeEndpoint(endpoint: string, dataDir: string): string {
  if (!endpoint) return `sqlite://${join(dataDir, 'db', 'state.db')}`;
  return endpoint;
}

export async function openStore(endpoint: string, opts: OpenStoreOptions): Promise<Store> {
  if (!endpoint) return new SqliteStore({ path: join(opts.dataDir, 'db', 'state.db') });
  if (endpoint.startsWith('sqlite://')) {
    const path = endpoint.slice('sqlite://'.length);
    if (!path.startsWith('/')) throw new Error(`datastore endpoint ${endpoint}: give an absolute path, as sqlite:///var/lib/k8ts/state.db`);
    return new SqliteStore({ path });
  }
  if (endpoint === 'memory://') return new MemoryStore();
  if (/^https?:\/\//.test(endpoint)) {
    const endpoints = endpoint.split(',').map((e) => e.trim()).filter(Boolean);
    for (const e of endpoints) {
      if (!/^https?:\/\/[^/]+(:\d+)?\/?$/.test(e)) throw new Error(`datastore endpoint ${e}: expected http(s)://host:port`);
    }
    return openEtcdStore({ endpoints, tls: opts.etcdTls });
  }
  throw new Error(`datastore endpoint ${endpoint}: unsupported scheme (use sqlite:///path, http(s)://host:2379 or leave it empty)`);
}

/**
 * The etcd backend, loaded on first use: its gRPC client costs about half a
 * second of start-up, which a SQLite-backed server should not pay.
 */
export async function openEtcdStore(opts: EtcdStoreOptions): Promise<Store> {
  const { EtcdStore } = await import('./etcd/index.js');
  return new EtcdStore(opts);
}
