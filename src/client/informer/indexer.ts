/**
 * The informer's local cache (client-go's `cache.Indexer`): objects by key
 * (`namespace/name`, or `name` for cluster-scoped kinds) plus named indexes
 * from an index function's values to keys. `namespace` is built in.
 *
 * Invariant: for every index I and every stored object o with key k,
 * k ∈ indices[I][v] ⇔ v ∈ indexFns[I](o). Objects are shared with every
 * reader: treat them as immutable (copy before changing).
 */
import type { KObject } from '../../api/index.js';

/** The values an object is filed under in one index (none: not indexed). */
export type IndexFunc<T extends KObject = KObject> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';

/** client-go's MetaNamespaceKeyFunc. */
export function objectKey(obj: KObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** `ns/name` → {namespace, name}; a key without `/` is cluster-scoped. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Index by namespace (built in). */
export const byNamespace: IndexFunc = (o) => [o.metadata.namespace ?? ''];

/** Index pods by `spec.nodeName` (unscheduled pods are not indexed). */
export const byNodeName: IndexFunc = (o) => {
  const n = (o.spec as { nodeName?: unknown } | undefined)?.nodeName;
  return typeof n === 'string' && n ? [n] : [];
};

/** Index by the uid of each owner reference (controllers find their children). */
export const byOwnerUid: IndexFunc = (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid);

export class Indexer<T extends KObject = KObject> {
  private readonly items = new Map<string, T>();
  private readonly fns = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: byNamespace as IndexFunc<T>, ...indexers });
  }

  /** Add indexes (also after objects are stored: they are indexed at once). A name may not be redefined. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const have = this.fns.get(name);
      if (have === fn) continue;
      if (have) throw new Error(`indexer: index "${name}" already exists with another function`);
      this.fns.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) this.file(index, fn, key, obj);
    }
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** By namespace and name ('' namespace for cluster-scoped kinds). */
  getByName(namespace: string, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  /** Keys filed under `value` in index `name`. */
  indexKeys(name: string, value: string): string[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`indexer: no index "${name}"`);
    return [...(index.get(value) ?? [])];
  }

  /** Objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    return this.indexKeys(name, value).map((k) => this.items.get(k)!);
  }

  /** Every value index `name` has objects under. */
  indexValues(name: string): string[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`indexer: no index "${name}"`);
    return [...index.keys()];
  }

  /** Insert or replace; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unfileAll(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.fns) this.file(this.indices.get(name)!, fn, key, obj);
    return old;
  }

  /** Remove by key; returns what was there. */
  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unfileAll(key, old);
    this.items.delete(key);
    return old;
  }

  private file(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    for (const v of fn(obj)) {
      let set = index.get(v);
      if (!set) index.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unfileAll(key: string, obj: T): void {
    for (const [name, fn] of this.fns) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) {
        const set = index.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
    }
  }
}
