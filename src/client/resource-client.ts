/**
 * Verbs on one resource, client-go's typed clients in one generic class:
 * get, list, create, update, updateStatus, patch, delete, deleteCollection,
 * subresources and watch. URLs follow the api Registry's group and version.
 */
import type { KObject, Registry } from '../api/index.js';
import type { Client } from './client.js';
import { errorFromResponse, type Status } from './errors.js';
import { readText } from './transport/types.js';
import { Watcher } from './watch.js';

/** A resource by group, version and plural name; `namespaced` and `kind` come from the registry when omitted. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced?: boolean;
  kind?: string;
}

export interface ResolvedResource {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  kind: string;
}

/** `'pods'`, `'deployments.apps'` (first served version) or a ref → a resolved resource. */
export function resolveResource(registry: Registry, ref: string | ResourceRef): ResolvedResource {
  if (typeof ref === 'string') {
    const dot = ref.indexOf('.');
    const resource = dot < 0 ? ref : ref.slice(0, dot);
    const group = dot < 0 ? '' : ref.slice(dot + 1);
    const def = registry.defs.find((d) => d.resource === resource && d.group === group);
    if (!def) throw new Error(`client: unknown resource "${ref}" (give {group, version, resource, namespaced} for kinds outside the registry)`);
    return { group, version: def.version, resource, namespaced: def.namespaced, kind: def.kind };
  }
  const def = registry.resource(ref.group, ref.version, ref.resource);
  const namespaced = ref.namespaced ?? def?.namespaced;
  if (namespaced === undefined) throw new Error(`client: ${ref.resource}.${ref.group}/${ref.version} is not in the registry; say whether it is namespaced`);
  return { group: ref.group, version: ref.version, resource: ref.resource, namespaced, kind: ref.kind ?? def?.kind ?? '' };
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}
export interface GetOptions extends CallOptions {
  resourceVersion?: string;
}
export interface ListOptions extends CallOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}
export interface WriteOptions extends CallOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';
export interface PatchOptions extends WriteOptions {
  /** Default `merge` (RFC 7386). */
  type?: PatchType;
  subresource?: string;
  /** Server-side apply: take fields owned by other managers. */
  force?: boolean;
}
export interface DeleteOptions extends CallOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}
export interface WatchOptions {
  signal?: AbortSignal;
  labelSelector?: string;
  fieldSelector?: string;
  /** Events after this version; absent or "0": synthetic ADDED events for what exists first. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long. */
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}
export interface SubresourceOptions extends CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | undefined>;
}
export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

const writeQuery = (o: WriteOptions) => ({
  dryRun: o.dryRun ? 'All' : undefined,
  fieldManager: o.fieldManager,
  fieldValidation: o.fieldValidation,
});

export class ResourceClient<T extends KObject = KObject> {
  readonly apiVersion: string;

  /** Without `namespace`, a namespaced resource lists and watches across all namespaces and writes in each object's own. */
  constructor(
    private readonly client: Client,
    readonly def: ResolvedResource,
    readonly namespace?: string,
  ) {
    this.apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
  }

  inNamespace(namespace: string): ResourceClient<T> {
    return new ResourceClient<T>(this.client, this.def, namespace);
  }

  /** The URL path of the collection, an object, or an object's subresource. */
  path(namespace: string | undefined, name?: string, subresource?: string): string {
    const d = this.def;
    let p = d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`;
    if (d.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${d.resource}`;
    if (name !== undefined) {
      if (!name) throw new Error(`client: ${d.resource}: a name is required`);
      if (d.namespaced && !namespace) throw new Error(`client: ${d.resource} "${name}": a namespace is required`);
      p += `/${encodeURIComponent(name)}`;
    }
    return subresource ? `${p}/${subresource}` : p;
  }

  private nsOf(obj: KObject): string | undefined {
    return this.def.namespaced ? (this.namespace ?? obj.metadata.namespace) : undefined;
  }

  get(name: string, o: GetOptions = {}): Promise<T> {
    return this.client.request<T>('GET', this.path(this.namespace, name), { ...o, query: { resourceVersion: o.resourceVersion } });
  }

  async list(o: ListOptions = {}): Promise<ObjectList<T>> {
    const query = { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue, resourceVersion: o.resourceVersion, resourceVersionMatch: o.resourceVersionMatch };
    const list = await this.client.request<ObjectList<T>>('GET', this.path(this.namespace), { ...o, query });
    list.items ??= [];
    for (const item of list.items) {
      item.apiVersion ??= this.apiVersion;
      if (this.def.kind) item.kind ??= this.def.kind;
    }
    return list;
  }

  create(obj: T, o: WriteOptions = {}): Promise<T> {
    return this.client.request<T>('POST', this.path(this.nsOf(obj)), { ...o, body: obj, query: writeQuery(o) });
  }

  update(obj: T, o: WriteOptions = {}): Promise<T> {
    return this.client.request<T>('PUT', this.path(this.nsOf(obj), obj.metadata.name ?? ''), { ...o, body: obj, query: writeQuery(o) });
  }

  updateStatus(obj: T, o: WriteOptions = {}): Promise<T> {
    return this.client.request<T>('PUT', this.path(this.nsOf(obj), obj.metadata.name ?? '', 'status'), { ...o, body: obj, query: writeQuery(o) });
  }

  patch(name: string, patch: unknown, o: PatchOptions = {}): Promise<T> {
    const type = o.type ?? 'merge';
    const query = { ...writeQuery(o), force: o.force ? 'true' : undefined };
    return this.client.request<T>('PATCH', this.path(this.namespace, name, o.subresource), { ...o, body: patch, contentType: PATCH_TYPES[type], query });
  }

  /** Returns the deleted object (or, as some kinds do, a Status). */
  delete(name: string, o: DeleteOptions = {}): Promise<T | Status> {
    return this.client.request<T | Status>('DELETE', this.path(this.namespace, name), { ...o, body: deleteBody(o) });
  }

  deleteCollection(o: DeleteOptions & Pick<ListOptions, 'labelSelector' | 'fieldSelector'> = {}): Promise<Status> {
    const query = { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector };
    return this.client.request<Status>('DELETE', this.path(this.namespace), { ...o, body: deleteBody(o), query });
  }

  /** Any subresource verb: `pods/binding` and `pods/eviction` (POST), `scale` (GET/PUT/PATCH), `status`. */
  subresource<R = unknown>(name: string, subresource: string, o: SubresourceOptions = {}): Promise<R> {
    return this.client.request<R>(o.method ?? 'POST', this.path(this.namespace, name, subresource), o);
  }

  /** Open a watch; resolves once the server accepted it (an ApiError otherwise). */
  async watch(o: WatchOptions = {}): Promise<Watcher<T>> {
    const query = {
      watch: 'true',
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      resourceVersion: o.resourceVersion,
      allowWatchBookmarks: o.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: o.timeoutSeconds,
      sendInitialEvents: o.sendInitialEvents === undefined ? undefined : String(o.sendInitialEvents),
    };
    const res = await this.client.send('GET', this.path(this.namespace), { query, signal: o.signal });
    if (res.status >= 300) throw errorFromResponse(res.status, await readText(res.body));
    return new Watcher<T>(res);
  }
}

function deleteBody(o: DeleteOptions): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
  if (o.preconditions) body.preconditions = o.preconditions;
  if (o.dryRun) body.dryRun = ['All'];
  return Object.keys(body).length > 2 ? body : undefined;
}
