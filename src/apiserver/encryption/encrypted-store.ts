/**
 * Encryption at rest as a Store decorator: values under the configured
 * resources' prefixes are encrypted by the first provider on write and
 * decrypted by whichever provider's prefix they carry on every read, list,
 * watch event and conflict. Everything above (watch cache, REST) sees
 * plaintext; the datastore only ciphertext.
 * @module
 */
import { ConflictError, type GetOptions, type KeyValue, type ListOptions, type ListResult, type Store, type Watch, type WatchCallbacks, type WatchEvent, type WatchOptions } from '../../store/index.js';
import { resourceProviders, type EncryptionConfiguration } from './config.js';
import { ENCRYPTED_PREFIX, type Provider } from './providers.js';

/** `secrets` → `/registry/secrets/`; `widgets.example.com` → `/registry/example.com/widgets/`. */
export function storagePrefix(resource: string): string {
  const dot = resource.indexOf('.');
  return dot < 0 ? `/registry/${resource}/` : `/registry/${resource.slice(dot + 1)}/${resource.slice(0, dot)}/`;
}

export class EncryptedStore implements Store {
  private rules: Array<{ prefix: string; providers: Provider[] }> = [];

  constructor(
    readonly inner: Store,
    cfg: EncryptionConfiguration,
    /** false: write plaintext (identity first) but still read ciphertext. */
    private encryptWrites = true,
    private readonly log: (msg: string) => void = () => {},
  ) {
    this.configure(cfg);
  }

  /** Swap the configuration (key rotation). */
  configure(cfg: EncryptionConfiguration, encryptWrites = this.encryptWrites): void {
    this.encryptWrites = encryptWrites;
    this.rules = [...resourceProviders(cfg)].map(([res, providers]) => ({ prefix: storagePrefix(res), providers }));
  }

  /** The providers for a key, or undefined when it is not encrypted. */
  private providersFor(key: string): Provider[] | undefined {
    for (const r of this.rules) if (key.startsWith(r.prefix)) return r.providers;
    return undefined;
  }

  /** The provider new writes of this key use (undefined: plaintext). */
  writerFor(key: string): Provider | undefined {
    const p = this.providersFor(key)?.[0];
    return this.encryptWrites && p && p.type !== 'identity' ? p : undefined;
  }

  private seal(key: string, value: Uint8Array): Uint8Array {
    return this.writerFor(key)?.encrypt(value) ?? value;
  }

  open(key: string, value: Uint8Array): Uint8Array {
    if (value.length < ENCRYPTED_PREFIX.length || Buffer.from(value.subarray(0, ENCRYPTED_PREFIX.length)).toString('latin1') !== ENCRYPTED_PREFIX) return value;
    const all = this.providersFor(key) ?? this.rules.flatMap((r) => r.providers);
    for (const p of all) {
      if (p.prefix.length && Buffer.from(value.subarray(0, p.prefix.length)).equals(p.prefix)) return p.decrypt(value);
    }
    throw new Error(`${key}: stored encrypted with a key that is not in the encryption configuration`);
  }

  private kv = (kv: KeyValue): KeyValue => ({ ...kv, value: this.open(kv.key, kv.value) });
  private kvOpt = (kv: KeyValue | undefined): KeyValue | undefined => (kv ? this.kv(kv) : undefined);

  private async conflicts<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ConflictError) throw new ConflictError(e.key, e.expected, this.kv(e.current));
      throw e;
    }
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    return { ...(await this.inner.create(key, this.seal(key, value))), value };
  }

  async update(key: string, value: Uint8Array, expectedModRevision?: number): Promise<KeyValue> {
    return { ...(await this.conflicts(this.inner.update(key, this.seal(key, value), expectedModRevision))), value };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.kv(await this.conflicts(this.inner.delete(key, expectedModRevision)));
  }

  async get(key: string, opts?: GetOptions): Promise<KeyValue | undefined> {
    return this.kvOpt(await this.inner.get(key, opts));
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, kvs: r.kvs.map(this.kv) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  watch(prefix: string, opts: WatchOptions, cb: WatchCallbacks): Watch {
    return this.inner.watch(prefix, opts, {
      onEvents: (events) => {
        // An event this configuration cannot decrypt is dropped (and logged) rather than ending the
        // watch: one foreign-key value must not stop the whole watch cache.
        const out: WatchEvent[] = [];
        for (const e of events) {
          try {
            out.push({ ...e, kv: this.kv(e.kv), ...(e.prev ? { prev: this.kv(e.prev) } : {}) } as WatchEvent);
          } catch (err) {
            this.log(`encryption: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        if (out.length) cb.onEvents(out);
      },
      ...(cb.onProgress ? { onProgress: (rev: number) => cb.onProgress!(rev) } : {}),
      onError: (err) => cb.onError(err),
    });
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
