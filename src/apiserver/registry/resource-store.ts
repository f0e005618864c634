/**
 * Generic storage for one resource (upstream's registry/generic Store): the
 * create / update / delete / get rules every kind shares — server-set
 * metadata, defaults, validation, optimistic concurrency, generation,
 * status subresource, graceful deletion and finalizers — over the store,
 * with reads from the watch cache.
 * @module
 */
import type { KObject, ResourceDef } from '../../api/index.js';
import type { KeyValue, Store } from '../../store/index.js';
import { ConflictError } from '../../store/index.js';
import { errors, fromStoreError, StatusError } from '../errors.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import { makeEntry } from '../watch-cache/watch-cache.js';
import { objectKey, resourcePrefix } from './keys.js';
import { generateName, nowTimestamp, prepareCreateMeta, specOf } from './meta.js';

const enc = new TextEncoder();

/** Kinds whose status a create may set (upstream's strategies keep it). */
const KEEPS_STATUS_ON_CREATE = new Set(['Namespace', 'Node']);

/** Kind-specific steps around writes (allocation, admission). */
export interface Hooks {
  beforeCreate?(obj: KObject, ctx: WriteContext): Promise<void>;
  afterCreateFailed?(obj: KObject): Promise<void>;
  beforeUpdate?(obj: KObject, old: KObject, ctx: WriteContext): Promise<void>;
  afterDelete?(obj: KObject): Promise<void>;
}

export interface WriteContext {
  dryRun: boolean;
  subresource: string;
  /** Who is writing (admission-like hooks need it); absent for the server's own writes. */
  user?: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
  /** Warnings for the response's `Warning` headers (admission). */
  warnings?: string[];
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export class ResourceStore {
  readonly bucket: string;
  hooks: Hooks[] = [];
  /** Storage shape ↔ served shape (events.k8s.io Events are stored as core Events). */
  toStorage: (o: KObject) => KObject = (o) => o;
  fromStorage: (o: KObject) => KObject = (o) => o;

  constructor(
    readonly def: ResourceDef,
    private readonly store: Store,
    private readonly cache: WatchCache,
  ) {
    this.bucket = resourcePrefix(def);
  }

  get apiVersion(): string {
    return this.def.group ? `${this.def.group}/${this.def.version}` : this.def.version;
  }

  key(namespace: string, name: string): string {
    return objectKey(this.def, namespace, name);
  }

  private decode(kv: KeyValue): KObject {
    return this.fromStorage(makeEntry(kv.key, kv.modRevision, kv.value).obj);
  }

  private encode(obj: KObject): Uint8Array {
    const copy = this.toStorage({ ...obj, metadata: { ...obj.metadata } });
    delete copy.metadata.resourceVersion;
    return enc.encode(JSON.stringify(copy));
  }

  private err(e: unknown, name: string): StatusError {
    return fromStoreError(e, this.def.group, this.def.resource, name);
  }

  /** Read the current object from the store (not the cache): writes need its exact revision. */
  async getFresh(namespace: string, name: string): Promise<{ obj: KObject; rev: number } | undefined> {
    const kv = await this.getFreshKv(namespace, name);
    return kv ? { obj: this.decode(kv), rev: kv.modRevision } : undefined;
  }

  private getFreshKv(namespace: string, name: string): Promise<KeyValue | undefined> {
    return this.store.get(this.key(namespace, name)).catch((e: unknown) => {
      throw this.err(e, name);
    });
  }

  /** Read from the watch cache (what GET serves). */
  getCached(namespace: string, name: string): KObject | undefined {
    const e = this.cache.get(this.bucket, this.key(namespace, name));
    return e ? this.fromStorage(e.obj) : undefined;
  }

  validate(obj: KObject, old?: KObject): void {
    const errs = this.def.validate?.(obj, old) ?? [];
    if (errs.length) throw errors.invalid(this.def.group, this.def.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
  }

  checkTypeMeta(obj: KObject): void {
    if (obj.apiVersion !== undefined && obj.apiVersion !== this.apiVersion) {
      throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${this.apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== this.def.kind) {
      throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${this.def.kind})`);
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.def.kind;
  }

  async create(obj: KObject, namespace: string, ctx: WriteContext): Promise<KObject> {
    this.checkTypeMeta(obj);
    const m = obj.metadata;
    if (this.def.namespaced) {
      if (m.namespace && m.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = namespace;
    } else delete m.namespace;
    if (!m.name && m.generateName) m.name = generateName(m.generateName);
    prepareCreateMeta(obj, this.def.generation === true);
    // Clients set status through /status, except where upstream lets create carry it (Nodes register with their status).
    if (this.def.statusSubresource && !KEEPS_STATUS_ON_CREATE.has(this.def.kind)) obj.status = {};
    this.def.defaults?.(obj);
    this.validate(obj);
    for (const h of this.hooks) await h.beforeCreate?.(obj, ctx);
    if (ctx.dryRun) return obj;
    try {
      const kv = await this.store.create(this.key(namespace, m.name!), this.encode(obj));
      obj.metadata.resourceVersion = String(kv.modRevision);
      return obj;
    } catch (e) {
      for (const h of this.hooks) await h.afterCreateFailed?.(obj);
      throw this.err(e, m.name!);
    }
  }

  /**
   * Compute and write the new version of an object. `mutate` gets the
   * current object and returns the desired one; it reruns on conflicts
   * unless the caller pinned a resourceVersion.
   */
  async update(
    namespace: string,
    name: string,
    mutate: (current: KObject) => KObject | Promise<KObject>,
    ctx: WriteContext,
  ): Promise<KObject> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.getFreshKv(namespace, name);
      if (!kv) throw errors.notFound(this.def.group, this.def.resource, name);
      const cur = { rev: kv.modRevision };
      const old = this.decode(kv);
      // The caller's copy: a second decode of the same bytes (cheaper than structuredClone).
      const next = await mutate(this.decode(kv));
      this.checkTypeMeta(next);
      const pinned = next.metadata.resourceVersion;
      if (pinned !== undefined && pinned !== '' && pinned !== String(cur.rev)) {
        throw errors.conflict(this.def.group, this.def.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      if (next.metadata.name !== undefined && next.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`);
      }
      this.keepServerFields(next, old, ctx.subresource);
      this.def.defaults?.(next);
      this.settleGeneration(next, old, ctx.subresource);
      this.validate(next, old);
      for (const h of this.hooks) await h.beforeUpdate?.(next, old, ctx);
      if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
        // The last finalizer is gone: the object goes now.
        if (ctx.dryRun) return next;
        try {
          const kv = await this.store.delete(this.key(namespace, name), cur.rev);
          const gone = this.decode(kv);
          for (const h of this.hooks) await h.afterDelete?.(gone);
          return gone;
        } catch (e) {
          if (e instanceof ConflictError && !pinned && attempt < 10) continue;
          throw this.err(e, name);
        }
      }
      delete next.metadata.resourceVersion;
      // A binding sets spec.nodeName on a pod that had none (it refuses a bound pod): never a no-op, so no comparison.
      if (ctx.subresource !== 'binding') {
        const { metadata: _a, ...restNext } = next;
        const { metadata: _b, ...restOld } = { ...old };
        const sameMeta = JSON.stringify({ ...next.metadata }) === JSON.stringify({ ...old.metadata, resourceVersion: undefined });
        if (sameMeta && JSON.stringify(restNext) === JSON.stringify(restOld)) {
          // A no-op update writes nothing and keeps the resourceVersion, as upstream.
          next.metadata.resourceVersion = String(cur.rev);
          return next;
        }
      }
      if (ctx.dryRun) {
        next.metadata.resourceVersion = String(cur.rev);
        return next;
      }
      try {
        const kv = await this.store.update(this.key(namespace, name), this.encode(next), cur.rev);
        next.metadata.resourceVersion = String(kv.modRevision);
        return next;
      } catch (e) {
        if (e instanceof ConflictError && !pinned && attempt < 10) continue;
        throw this.err(e, name);
      }
    }
  }

  /** Fields clients cannot change through this endpoint keep their stored values. */
  private keepServerFields(next: KObject, old: KObject, subresource: string): void {
    const m = next.metadata;
    const o = old.metadata;
    m.uid = o.uid;
    m.creationTimestamp = o.creationTimestamp;
    m.namespace = o.namespace;
    m.name = o.name;
    if (o.deletionTimestamp) {
      m.deletionTimestamp = o.deletionTimestamp;
      m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    delete m.managedFields;
    if (subresource === 'status' || subresource === 'approval') {
      // Only status changes through /status.
      const status = next.status;
      for (const k of Object.keys(next)) if (k !== 'status' && k !== 'metadata') delete next[k];
      Object.assign(next, structuredClone({ ...old, metadata: undefined, status: undefined }));
      next.metadata = { ...structuredClone(o), resourceVersion: m.resourceVersion };
      if (status !== undefined) next.status = status;
      else delete next.status;
      delete next.metadata.managedFields;
      return;
    }
    if (this.def.statusSubresource && subresource === '') {
      if (old.status !== undefined) next.status = structuredClone(old.status);
      else delete next.status;
    }
  }

  /** Spec changes (judged after defaulting) bump metadata.generation once. */
  private settleGeneration(next: KObject, old: KObject, subresource: string): void {
    if (!this.def.generation) return;
    const before = old.metadata.generation ?? 1;
    next.metadata.generation = subresource === '' && specOf(next) !== specOf(old) ? before + 1 : before;
  }

  async delete(namespace: string, name: string, opts: DeleteOptions): Promise<{ obj: KObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.getFresh(namespace, name);
      if (!cur) throw errors.notFound(this.def.group, this.def.resource, name);
      const obj = cur.obj;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw errors.conflict(this.def.group, this.def.resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== String(cur.rev)) {
        throw errors.conflict(this.def.group, this.def.resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rev}`);
      }
      const finalizers = [...(obj.metadata.finalizers ?? [])];
      const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      const grace = this.gracePeriod(obj, opts.gracePeriodSeconds);
      const isNamespace = this.def.kind === 'Namespace';
      const nsFinalizers = isNamespace ? ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
      const graceful = finalizers.length > 0 || grace > 0 || nsFinalizers.length > 0;
      if (graceful) {
        if (obj.metadata.deletionTimestamp && grace >= (obj.metadata.deletionGracePeriodSeconds ?? 0) && finalizers.length === (obj.metadata.finalizers ?? []).length) {
          return { obj, deleted: false }; // already terminating; nothing changes
        }
        obj.metadata.finalizers = finalizers.length ? finalizers : undefined;
        if (!obj.metadata.finalizers) delete obj.metadata.finalizers;
        obj.metadata.deletionTimestamp = nowTimestamp(Date.now() + grace * 1000);
        obj.metadata.deletionGracePeriodSeconds = grace;
        if (isNamespace) (obj.status as Record<string, unknown>) = { ...(obj.status as object), phase: 'Terminating' };
        if (opts.dryRun) return { obj, deleted: false };
        try {
          const kv = await this.store.update(this.key(namespace, name), this.encode(obj), cur.rev);
          obj.metadata.resourceVersion = String(kv.modRevision);
          return { obj, deleted: false };
        } catch (e) {
          if (e instanceof ConflictError && attempt < 10) continue;
          throw this.err(e, name);
        }
      }
      if (opts.dryRun) return { obj, deleted: true };
      try {
        const kv = await this.store.delete(this.key(namespace, name), cur.rev);
        const gone = this.decode(kv);
        for (const h of this.hooks) await h.afterDelete?.(gone);
        return { obj: gone, deleted: true };
      } catch (e) {
        if (e instanceof ConflictError && attempt < 10) continue;
        throw this.err(e, name);
      }
    }
  }

  /** Pods on a node get a grace period (the kubelet finishes the delete); everything else goes at once. */
  private gracePeriod(obj: KObject, requested: number | undefined): number {
    if (this.def.kind !== 'Pod') return 0;
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const g = requested ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }
}
