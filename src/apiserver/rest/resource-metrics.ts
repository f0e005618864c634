/**
 * metrics.k8s.io/v1beta1 (NodeMetrics `nodes`, PodMetrics `pods`), served as
 * metrics-server serves it but from an in-process provider (src/metrics-server,
 * wired by `k8ts server`) instead of an aggregated API server: discovery
 * entries (legacy and aggregated) while a provider is set, RBAC like any
 * resource, get and list with label and field selectors, Tables for `kubectl
 * get`. Objects are computed per request; there is no watch.
 * @module
 */
import { isRecord, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, quantity, type KObject } from '../../api/index.js';
import { authorize, forbiddenMessage, selectorName, type Attributes } from '../auth/authorize.js';
import type { UserInfo } from '../auth/user.js';
import { errors, StatusError } from '../errors.js';
import type { Req } from '../http/body.js';
import { negotiate, sendJson, type Res } from '../http/respond.js';
import type { RequestInfo } from '../request-info.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';

/** What serves the objects (src/metrics-server's MetricsServer has this shape). */
export interface ResourceMetricsProvider {
  /** NodeMetrics of every node that has usage. */
  nodes(): KObject[];
  /** PodMetrics of one namespace's pods (every namespace when undefined) that have usage. */
  pods(namespace?: string): KObject[];
}

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const GV = `${METRICS_GROUP}/${METRICS_VERSION}`;

const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true },
] as const;
const VERBS = ['get', 'list'];

// ---- discovery ----

/** The group's entry in aggregated discovery (/apis, apidiscovery.k8s.io/v2). */
export function metricsAggregatedGroup(): Record<string, unknown> {
  return {
    metadata: { name: METRICS_GROUP, creationTimestamp: null },
    versions: [
      {
        version: METRICS_VERSION,
        resources: RESOURCES.map((r) => ({ resource: r.name, responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind }, scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: '', verbs: VERBS })),
        freshness: 'Current',
      },
    ],
  };
}

/** The group in /apis (APIGroupList entry) and at /apis/metrics.k8s.io (APIGroup). */
export function metricsLegacyGroup(): Record<string, unknown> {
  const v = { groupVersion: GV, version: METRICS_VERSION };
  return { name: METRICS_GROUP, versions: [v], preferredVersion: v };
}

export function metricsResourceList(): Record<string, unknown> {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GV, resources: RESOURCES.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: VERBS })) };
}

/** Adds the group to a discovery reply built from the registry (a no-op when no provider is set). */
export function withMetricsDiscovery(path: string, aggregated: boolean, body: Record<string, unknown>, served: boolean): Record<string, unknown> {
  if (!served || path !== '/apis') return body;
  const key = aggregated ? 'items' : 'groups';
  const list = Array.isArray(body[key]) ? (body[key] as unknown[]) : [];
  return { ...body, [key]: [...list, aggregated ? metricsAggregatedGroup() : metricsLegacyGroup()] };
}

/** `/apis/metrics.k8s.io` and `/apis/metrics.k8s.io/v1beta1`, or undefined for any other path. */
export function metricsDiscoveryAt(p: string): Record<string, unknown> | undefined {
  if (p === `/apis/${METRICS_GROUP}`) return { kind: 'APIGroup', apiVersion: 'v1', ...metricsLegacyGroup() };
  if (p === `/apis/${GV}`) return metricsResourceList();
  return undefined;
}

// ---- requests ----

export interface MetricsRequest {
  req: Req;
  res: Res;
  info: RequestInfo;
  query: URLSearchParams;
  user: UserInfo;
  parts: { cache: WatchCache };
  decide?: (allowed: boolean, reason: string) => void;
}

const notFound = (resource: string, name: string) => new StatusError(404, 'NotFound', `${resource === 'pods' ? 'podmetrics' : 'nodemetrics'}.${METRICS_GROUP} "${name}" not found`, { name, group: METRICS_GROUP, kind: resource });

/** Answer one metrics.k8s.io resource request. */
export function handleResourceMetrics(r: MetricsRequest, provider: ResourceMetricsProvider): void {
  const { info, query } = r;
  const def = RESOURCES.find((d) => d.name === info.resource);
  if (info.version !== METRICS_VERSION || !def || info.subresource) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const attrs: Attributes = {
    user: r.user,
    verb: info.verb,
    namespace: def.namespaced ? info.namespace || undefined : undefined,
    group: METRICS_GROUP,
    version: METRICS_VERSION,
    resource: def.name,
    name: info.name || (info.verb === 'list' || info.verb === 'watch' ? selectorName(query) : undefined),
  };
  const d = authorize(attrs, r.parts);
  r.decide?.(d.allowed, d.reason);
  if (!d.allowed) throw errors.forbidden(forbiddenMessage(attrs, d.reason), { name: info.name || undefined, group: METRICS_GROUP, kind: def.name });
  if ((!def.namespaced && info.namespace) || (def.namespaced && info.verb === 'get' && !info.namespace)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (info.verb !== 'get' && info.verb !== 'list') throw errors.methodNotAllowed();
  const want = negotiate(r.req.headers.accept);
  const items = def.namespaced ? provider.pods(info.namespace || undefined) : provider.nodes();
  if (info.verb === 'get') {
    const obj = items.find((o) => o.metadata.name === info.name);
    if (!obj) throw notFound(def.name, def.namespaced ? `${info.namespace}/${info.name}` : info.name);
    return sendJson(r.res, 200, want === 'table' ? table([obj]) : obj);
  }
  let selected = items;
  try {
    const ls = query.get('labelSelector');
    if (ls) {
      const sel = parseLabelSelector(ls);
      selected = selected.filter((o) => matchesLabels(sel, o.metadata.labels));
    }
    const fs = query.get('fieldSelector');
    if (fs) {
      const sel = parseFieldSelector(fs);
      selected = selected.filter((o) => matchesFields(sel, { 'metadata.name': o.metadata.name ?? '', 'metadata.namespace': o.metadata.namespace ?? '' }));
    }
  } catch (e) {
    throw errors.badRequest(e instanceof Error ? e.message : String(e));
  }
  selected.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  if (want === 'table') return sendJson(r.res, 200, table(selected));
  sendJson(r.res, 200, { kind: `${def.kind}List`, apiVersion: GV, metadata: {}, items: selected });
}

// ---- tables (metrics-server's columns) ----

const sumUsage = (o: KObject, key: 'cpu' | 'memory'): string => {
  if (isRecord(o.usage)) return String(o.usage[key] ?? '0');
  let total: quantity.Quantity | string = '0';
  for (const c of Array.isArray(o.containers) ? o.containers.filter(isRecord) : []) if (isRecord(c.usage) && typeof c.usage[key] === 'string') total = quantity.addQuantities(total, c.usage[key] as string);
  return quantity.canonicalQuantity(total);
};

function table(objs: KObject[]): Record<string, unknown> {
  const col = (name: string, type: string, description: string, format = '') => ({ name, type, format, description, priority: 0 });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [col('Name', 'string', 'Name of the resource', 'name'), col('CPU', 'string', 'CPU consumption'), col('Memory', 'string', 'Memory consumption'), col('Window', 'string', 'Interval the usage was measured over')],
    rows: objs.map((o) => ({
      cells: [o.metadata.name, sumUsage(o, 'cpu'), sumUsage(o, 'memory'), String((o as { window?: string }).window ?? '')],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
