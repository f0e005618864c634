/** Shared helpers of the controllers: owner references, selectors, pod readiness, small typed accessors. */
import { isRecord, matchesLabels, selectorFromLabelSelector, type KObject, type LabelSelectorObject, type OwnerReference } from '../api/index.js';
import { byOwnerUid, objectKey, type IndexFunc, type SharedInformer } from '../client/index.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string;
}

/** A record at `obj[k]` (read-only view; `{}` when absent). */
export function rec(obj: unknown, k: string): Record<string, unknown> {
  const v = isRecord(obj) ? obj[k] : undefined;
  return isRecord(v) ? v : {};
}
export const num = (v: unknown, d = 0): number => (typeof v === 'number' ? v : d);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const controllerRef = (o: KObject): OwnerReference | undefined => (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);

export function ownerRefFor(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** A selector object → a predicate on labels; an empty or missing selector matches nothing (as controllers treat it). */
export function selectorMatcher(sel: unknown): (labels: Record<string, string> | undefined) => boolean {
  if (!isRecord(sel)) return () => false;
  const s = sel as LabelSelectorObject;
  if (!Object.keys(s.matchLabels ?? {}).length && !(s.matchExpressions ?? []).length) return () => false;
  const parsed = selectorFromLabelSelector(s);
  return (labels) => matchesLabels(parsed, labels ?? {});
}

export const podPhase = (p: KObject): string => str(rec(p, 'status').phase) ?? 'Pending';
export const isTerminating = (o: KObject): boolean => Boolean(o.metadata.deletionTimestamp);
export const isPodActive = (p: KObject): boolean => {
  const ph = podPhase(p);
  return ph !== 'Succeeded' && ph !== 'Failed' && !isTerminating(p);
};

export function getCondition(status: unknown, type: string): Condition | undefined {
  const cs = isRecord(status) && Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  return cs.find((c) => c.type === type);
}

export function podReadyCondition(p: KObject): Condition | undefined {
  return getCondition(p.status, 'Ready');
}
export const isPodReady = (p: KObject): boolean => podReadyCondition(p)?.status === 'True';

/** Ready for at least minReadySeconds at `now` (upstream IsPodAvailable). */
export function isPodAvailable(p: KObject, minReadySeconds: number, now: number): boolean {
  const c = podReadyCondition(p);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
  return t + minReadySeconds * 1000 <= now;
}

export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Enqueue the controller owner (of the given kind) of an object, tombstones included. */
export function ownerKey(o: KObject, kind: string): string | undefined {
  const r = controllerRef(o);
  if (!r || r.kind !== kind) return undefined;
  return `${o.metadata.namespace ?? ''}/${r.name}`;
}

export { objectKey };

/** Objects without a controller, by namespace: the only ones besides its own that an owner may adopt. */
export const ORPHAN_INDEX = 'orphanByNamespace';
export const byOrphanNamespace: IndexFunc = (o) => (controllerRef(o) ? [] : [o.metadata.namespace ?? '']);
/** The indexes `claimCandidates` reads; ask the informer for them (`factory.informerFor(r, { indexers: CLAIM_INDEXERS })`). */
export const CLAIM_INDEXERS: Record<string, IndexFunc> = { byOwnerUid, [ORPHAN_INDEX]: byOrphanNamespace };

/**
 * What an owner's claim (adopt/release) has to look at: objects that reference it, and orphans of its
 * namespace — not every object of the namespace, so a reconcile costs O(own objects), not O(namespace).
 */
export function claimCandidates<T extends KObject>(inf: SharedInformer<T>, owner: KObject): T[] {
  const mine = inf.indexer.byIndex('byOwnerUid', owner.metadata.uid ?? '');
  const orphans = inf.indexer.byIndex(ORPHAN_INDEX, owner.metadata.namespace ?? '');
  if (!orphans.length) return mine;
  const seen = new Set(mine);
  return [...mine, ...orphans.filter((o) => !seen.has(o))];
}

/** Objects in `inf` (by namespace) whose selector matches these labels. */
export function matchingOwners<T extends KObject>(inf: SharedInformer<T>, ns: string, labels: Record<string, string> | undefined, selectorOf: (o: T) => unknown): T[] {
  return inf.list(ns).filter((o) => selectorMatcher(selectorOf(o))(labels));
}

/** Deep structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

export const clone = <T>(v: T): T => structuredClone(v);

/**
 * Only the status (and bookkeeping such as resourceVersion) differs between two versions of an object:
 * a controller that writes that status learns nothing new from the event its own write causes.
 */
export function statusOnlyUpdate(a: KObject, b: KObject): boolean {
  if (a === b) return false; // a resync: always news
  const ma = a.metadata;
  const mb = b.metadata;
  return (
    Boolean(ma.deletionTimestamp) === Boolean(mb.deletionTimestamp) &&
    jsonEqual(a.spec, b.spec) &&
    jsonEqual(ma.labels, mb.labels) &&
    jsonEqual(ma.annotations, mb.annotations) &&
    jsonEqual(ma.ownerReferences, mb.ownerReferences) &&
    jsonEqual(ma.finalizers, mb.finalizers)
  );
}

/** Resolve an int-or-percent against a total (percent rounded up or down). */
export function intOrPercent(v: unknown, total: number, roundUp: boolean, dflt: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return dflt;
}

/**
 * Concurrent reconciles of the workload controllers (ReplicaSet, Deployment). A reconcile mostly waits on
 * the API server, and keys are independent: with 1,000 Deployments the number of reconciles in flight, not
 * CPU, bounds throughput (upstream's --concurrent-*-syncs default to 5, with Go's cheaper round trips).
 */
export const WORKERS = 16;
