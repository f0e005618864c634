/** Deployment helpers (upstream `deployment/util`): revisions, template hash, surge/unavailable, replica-set sums. */
import type { KObject } from '../../api/index.js';
import { clone, intOrPercent, jsonEqual, num, rec, str } from '../util.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';
const SKIP_COPY = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS]);

export const replicasOf = (o: KObject | undefined): number => (o ? num(rec(o, 'spec').replicas, 1) : 0);
export const sumReplicas = (l: KObject[]): number => l.reduce((a, r) => a + replicasOf(r), 0);
export const sumStatus = (l: KObject[], f: string): number => l.reduce((a, r) => a + num(rec(r, 'status')[f]), 0);
export const revisionOf = (o: KObject | undefined): number => Number(o?.metadata.annotations?.[REVISION] ?? 0) || 0;
export const isRecreate = (d: KObject): boolean => str(rec(rec(d, 'spec'), 'strategy').type) === 'Recreate';

/** [maxSurge, maxUnavailable] resolved against spec.replicas (both 0 → unavailable 1). */
export function surgeAndUnavailable(d: KObject): [number, number] {
  if (isRecreate(d)) return [0, 0];
  const r = rec(rec(d, 'spec').strategy, 'rollingUpdate');
  const replicas = replicasOf(d);
  const surge = intOrPercent(r.maxSurge ?? '25%', replicas, true, 1);
  let unavailable = intOrPercent(r.maxUnavailable ?? '25%', replicas, false, 1);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** Template equality ignoring pod-template-hash (upstream EqualIgnoreHash). */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = clone(rec({ t }, 't'));
    const labels = rec(c.metadata, 'labels');
    if (labels[HASH_LABEL] !== undefined) delete labels[HASH_LABEL];
    return c;
  };
  return jsonEqual(strip(a), strip(b));
}

/** fnv-1a 32 over the canonical JSON of the template (+ collisionCount), encoded as upstream's SafeEncodeString alphabet. */
export function templateHash(template: unknown, collisionCount = 0): string {
  const canon = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map(canon).join(',')}]` : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}` : JSON.stringify(v);
  let h = 0x811c9dc5;
  const s = canon(template) + (collisionCount ? String(collisionCount) : '');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return String(h).split('').map((c) => alphabet[Number(c) % alphabet.length]).join('');
}

/** Annotations a ReplicaSet inherits from its Deployment (upstream copyDeploymentAnnotationsToReplicaSet). */
export function copiedAnnotations(d: KObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_COPY.has(k)) out[k] = v;
  return out;
}

/** Newest first by creation time then name (upstream ReplicaSetsByCreationTimestamp reversed). */
export const byCreation = (a: KObject, b: KObject): number =>
  (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
