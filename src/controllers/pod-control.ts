/** Pod helpers for workload controllers: claim (adopt/release) by selector, pods from templates, deletion ranking. */
import type { KObject, OwnerReference } from '../api/index.js';
import { isNotFound, type ResourceClient } from '../client/index.js';
import { clone, controllerRef, isPodReady, podPhase, rec, str } from './util.js';

/**
 * Upstream ClaimPods: keep owned pods that still match, release owned pods that
 * no longer match, adopt matching orphans (unless the owner is being deleted).
 */
export async function claimObjects<T extends KObject>(
  owner: KObject,
  ownerRef: OwnerReference,
  candidates: T[],
  matches: (labels: Record<string, string> | undefined) => boolean,
  rc: ResourceClient<T>,
): Promise<T[]> {
  const uid = owner.metadata.uid ?? '';
  const claimed: T[] = [];
  for (const o of candidates) {
    const ref = controllerRef(o);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches(o.metadata.labels)) claimed.push(o);
      else if (!o.metadata.deletionTimestamp) await patchOwners(rc, o, (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)).catch(ignoreNotFound);
      continue;
    }
    if (!matches(o.metadata.labels) || owner.metadata.deletionTimestamp || o.metadata.deletionTimestamp) continue;
    const adopted = await patchOwners(rc, o, [...(o.metadata.ownerReferences ?? []), ownerRef]).catch(ignoreNotFound);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

function patchOwners<T extends KObject>(rc: ResourceClient<T>, o: T, refs: OwnerReference[]): Promise<T> {
  return rc.inNamespace(o.metadata.namespace ?? '').patch(o.metadata.name ?? '', { metadata: { ownerReferences: orNull(refs), uid: o.metadata.uid } });
}

/** An empty list as `null`, so a merge patch removes the field as upstream's omitempty does. */
export const orNull = <T>(l: T[]): T[] | null => (l.length ? l : null);

export function ignoreNotFound(e: unknown): undefined {
  if (isNotFound(e)) return undefined;
  throw e;
}

/** A pod from a template, owned by `ref` (upstream GetPodFromTemplate). */
export function podFromTemplate(template: unknown, namespace: string, ref: OwnerReference, name: { generateName?: string; name?: string }, extraLabels: Record<string, string> = {}): KObject {
  const t = rec(template, 'metadata');
  const labels = { ...(t.labels as Record<string, string> | undefined), ...extraLabels };
  const annotations = t.annotations as Record<string, string> | undefined;
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...name, namespace, labels, ownerReferences: [ref] },
    spec: clone(rec(template, 'spec')),
  };
  if (annotations && Object.keys(annotations).length) pod.metadata.annotations = { ...annotations };
  if (Array.isArray(t.finalizers)) pod.metadata.finalizers = [...(t.finalizers as string[])];
  return pod;
}

/** Upstream ActivePods ordering: pods to delete first sort first (unassigned < assigned, pending < running, not ready < ready, newer < older). */
export function deletionOrder(a: KObject, b: KObject): number {
  const assigned = (p: KObject) => (str(rec(p, 'spec').nodeName) ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phaseRank = (p: KObject) => ({ Pending: 0, Unknown: 1, Running: 2 })[podPhase(p)] ?? 0;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  const ready = (p: KObject) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const restarts = (p: KObject) => {
    const cs = rec(p, 'status').containerStatuses;
    return Array.isArray(cs) ? Math.max(0, ...cs.map((c) => Number((c as { restartCount?: number }).restartCount ?? 0))) : 0;
  };
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: KObject) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return created(b) - created(a);
}

/**
 * Requests one sync keeps in flight for a batch of pod writes. Upstream bounds them with the client's QPS
 * (20, burst 30); our controllers' client is unthrottled, so slow-start batches of 256 and 245 creates
 * would overrun the API server's in-flight limit (200 writes) and earn 429s, each a 1 s pause. 100 leave
 * room for the scheduler's and the nodes' writes while a batch still needs few round trips (500 pods:
 * 12 instead of 9), which matters when the API server is slow to answer.
 */
export const MAX_IN_FLIGHT = 100;

/** Runs `fn` over `items` with at most `limit` at once; after a failure no new call starts. Settled results in order (undefined: not run). */
export async function runLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<Array<PromiseSettledResult<R> | undefined>> {
  const results: Array<PromiseSettledResult<R> | undefined> = new Array(items.length).fill(undefined);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i] as T) };
      } catch (e) {
        results[i] = { status: 'rejected', reason: e };
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Upstream slowStartBatch: run `count` calls in batches of 1, 2, 4 …; stop at the first batch with an error
 * (calls of that batch not yet started are skipped). At most `limit` calls are in flight. Returns successes.
 */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<unknown>, limit = MAX_IN_FLIGHT): Promise<{ ok: number; err?: unknown }> {
  let remaining = count;
  let ok = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await runLimited(Array.from({ length: batch }), limit, () => fn());
    const failed = results.find((r) => r?.status === 'rejected');
    ok += results.filter((r) => r?.status === 'fulfilled').length;
    if (failed?.status === 'rejected') return { ok, err: failed.reason };
    remaining -= batch;
  }
  return { ok };
}
