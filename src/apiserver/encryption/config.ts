/**
 * EncryptionConfiguration (apiserver.config.k8s.io/v1) for encryption at
 * rest: read, written and turned into providers. k8ts keeps it at
 * `<data-dir>/cred/encryption-config.json` (0600), as k3s does under its
 * server dir. The first provider of a resource encrypts; every provider
 * decrypts what carries its prefix; `identity` reads plaintext.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { isRecord } from '../../api/index.js';
import { newProvider, type Provider, type ProviderType } from './providers.js';

export interface KeySpec {
  name: string;
  /** base64 of 32 bytes (AES-256). */
  secret: string;
}

/** Providers that hold keys (rotation adds a key to the first of them). */
export const KEYED_PROVIDERS = ['aescbc', 'aesgcm', 'secretbox'] as const;
export type KeyedProvider = (typeof KEYED_PROVIDERS)[number];
export type ProviderSpec = { aescbc: { keys: KeySpec[] } } | { aesgcm: { keys: KeySpec[] } } | { secretbox: { keys: KeySpec[] } } | { identity: Record<string, never> };

export interface EncryptionConfiguration {
  apiVersion: 'apiserver.config.k8s.io/v1';
  kind: 'EncryptionConfiguration';
  resources: Array<{ resources: string[]; providers: ProviderSpec[] }>;
}

export const ENCRYPTION_CONFIG_FILE = 'cred/encryption-config.json';

/** A new key named after its creation time, as k3s names them. */
export function newKey(type: KeyedProvider = 'aescbc', now = new Date()): KeySpec {
  return { name: `${type}key-${now.toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(2).toString('hex')}`, secret: randomBytes(32).toString('base64') };
}

export function defaultConfiguration(resources: string[] = ['secrets'], type: KeyedProvider = 'aescbc'): EncryptionConfiguration {
  const provider = { [type]: { keys: [newKey(type)] } } as ProviderSpec;
  return { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources, providers: [provider, { identity: {} }] }] };
}

export function readConfiguration(path: string): EncryptionConfiguration {
  const doc = parse(readFileSync(path, 'utf8')) as unknown;
  if (!isRecord(doc) || doc.kind !== 'EncryptionConfiguration' || !Array.isArray(doc.resources)) throw new Error(`${path}: not an EncryptionConfiguration`);
  const cfg = doc as unknown as EncryptionConfiguration;
  for (const r of cfg.resources) {
    if (!Array.isArray(r.resources) || !Array.isArray(r.providers) || !r.providers.length) throw new Error(`${path}: every resources entry needs resources and providers`);
    for (const p of r.providers) providersOf(p);
  }
  return cfg;
}

export function writeConfiguration(path: string, cfg: EncryptionConfiguration): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** One ProviderSpec → one provider per key (identity: one). */
export function providersOf(p: ProviderSpec): Provider[] {
  const [type, body] = Object.entries(p)[0] ?? [];
  if (type === 'identity') return [newProvider('identity')];
  if (!KEYED_PROVIDERS.includes(type as KeyedProvider)) throw new Error(`encryption provider ${String(type)} is not supported (aescbc, aesgcm, secretbox, identity)`);
  const keys = isRecord(body) && Array.isArray(body.keys) ? (body.keys as KeySpec[]) : [];
  if (!keys.length) throw new Error(`encryption provider ${type} has no keys`);
  return keys.map((k) => newProvider(type as ProviderType, k.name, Buffer.from(k.secret, 'base64')));
}

/** resource (e.g. `secrets`, `configmaps`) → its providers in order. */
export function resourceProviders(cfg: EncryptionConfiguration): Map<string, Provider[]> {
  const out = new Map<string, Provider[]>();
  for (const r of cfg.resources) {
    const providers = r.providers.flatMap(providersOf);
    for (const res of r.resources) if (!out.has(res)) out.set(res.replace(/\.$/, ''), providers);
  }
  return out;
}
