/**
 * `k8ts secrets-encrypt status|rotate` on the server side (k3s's
 * secrets-encrypt): status counts the stored values of each encrypted
 * resource by the key that wrote them; rotate adds a new key in front,
 * rewrites every value with it (optimistic concurrency: a value a client
 * rewrote meanwhile already has the new key), then drops the old keys.
 * Served to system:masters/cluster-admin at `/k8ts/secrets-encrypt/{status,rotate}`.
 * @module
 */
import { ConflictError, NotFoundError } from '../../store/index.js';
import { KEYED_PROVIDERS, newKey, readConfiguration, resourceProviders, writeConfiguration, type EncryptionConfiguration, type KeySpec, type ProviderSpec } from './config.js';
import { storagePrefix, type EncryptedStore } from './encrypted-store.js';
import { storedWith } from './providers.js';

export interface EncryptionStatus {
  enabled: boolean;
  /** Where the EncryptionConfiguration lives. */
  configPath?: string;
  /** The writing provider per resource, `aescbc:<key>` (or `identity`). */
  activeKeys?: Record<string, string>;
  /** resource → `aescbc:<key>`/`identity` → stored values. */
  stored?: Record<string, Record<string, number>>;
  /** After a rotation: values rewritten. */
  rewritten?: number;
}

export class SecretsEncryption {
  constructor(
    readonly store: EncryptedStore,
    readonly configPath: string,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  private resources(cfg: EncryptionConfiguration): string[] {
    return [...resourceProviders(cfg).keys()];
  }

  async status(): Promise<EncryptionStatus> {
    const cfg = readConfiguration(this.configPath);
    const activeKeys: Record<string, string> = {};
    const stored: Record<string, Record<string, number>> = {};
    for (const res of this.resources(cfg)) {
      const w = this.store.writerFor(storagePrefix(res));
      activeKeys[res] = w ? `${w.type}:${w.keyName}` : 'identity';
      const counts: Record<string, number> = {};
      let after: string | undefined;
      for (;;) {
        const page = await this.store.inner.list(storagePrefix(res), { limit: 500, ...(after ? { after } : {}) });
        for (const kv of page.kvs) counts[storedWith(kv.value)] = (counts[storedWith(kv.value)] ?? 0) + 1;
        if (!page.more || !page.kvs.length) break;
        after = page.kvs[page.kvs.length - 1]!.key;
      }
      stored[res] = counts;
    }
    return { enabled: true, configPath: this.configPath, activeKeys, stored };
  }

  /** Rewrites every value of the encrypted resources with the current writer. */
  private async rewriteAll(cfg: EncryptionConfiguration): Promise<number> {
    let n = 0;
    for (const res of this.resources(cfg)) {
      const prefix = storagePrefix(res);
      const want = this.store.writerFor(prefix);
      const wanted = want ? `${want.type}:${want.keyName}` : 'identity';
      let after: string | undefined;
      for (;;) {
        const page = await this.store.inner.list(prefix, { limit: 200, ...(after ? { after } : {}) });
        for (const kv of page.kvs) {
          if (storedWith(kv.value) === wanted) continue;
          try {
            await this.store.update(kv.key, this.store.open(kv.key, kv.value), kv.modRevision);
            n++;
          } catch (e) {
            // Written or deleted meanwhile: a concurrent write already used the new key.
            if (!(e instanceof ConflictError || e instanceof NotFoundError)) throw e;
          }
        }
        if (!page.more || !page.kvs.length) break;
        after = page.kvs[page.kvs.length - 1]!.key;
      }
    }
    return n;
  }

  async rotate(): Promise<EncryptionStatus> {
    const cfg = readConfiguration(this.configPath);
    const withNew = structuredClone(cfg);
    const added: KeySpec[] = [];
    for (const r of withNew.resources) {
      const first = r.providers[0];
      const type = first && KEYED_PROVIDERS.find((t) => t in first);
      if (!type) continue;
      const k = newKey(type);
      added.push(k);
      (first as { [t: string]: { keys: KeySpec[] } })[type]!.keys.unshift(k);
    }
    if (!added.length) throw new Error('no aescbc, aesgcm or secretbox provider is first in the encryption configuration: nothing to rotate');
    // 1. the new key first (old keys still decrypt), 2. rewrite everything, 3. drop the old keys.
    writeConfiguration(this.configPath, withNew);
    this.store.configure(withNew);
    const rewritten = await this.rewriteAll(withNew);
    const final = structuredClone(withNew);
    for (const r of final.resources) {
      r.providers = r.providers.map((p): ProviderSpec => {
        const type = KEYED_PROVIDERS.find((t) => t in p);
        if (!type) return p;
        return { [type]: { keys: (p as Record<string, { keys: KeySpec[] }>)[type]!.keys.slice(0, 1) } } as ProviderSpec;
      });
    }
    // Values written by the other (non-first) providers' old keys were rewritten above too.
    writeConfiguration(this.configPath, final);
    this.store.configure(final);
    this.log(`secrets-encrypt: rotated to ${added.map((k) => k.name).join(', ')}; ${rewritten} value(s) rewritten`);
    return { ...(await this.status()), rewritten };
  }
}
