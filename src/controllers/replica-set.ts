/** ReplicaSet and ReplicationController controller: keep `spec.replicas` pods, adopt/release by selector, report status. */
import type { KObject } from '../api/index.js';
import { isConflict, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { Expectations } from './expectations.js';
import { MAX_IN_FLIGHT, claimObjects, deletionOrder, ignoreNotFound, podFromTemplate, runLimited, slowStartBatch } from './pod-control.js';
import { CLAIM_INDEXERS, WORKERS, claimCandidates, getCondition, statusOnlyUpdate, isPodActive, isPodAvailable, isPodReady, jsonEqual, matchingOwners, num, ownerKey, ownerRefFor, rec, selectorMatcher } from './util.js';

interface Flavor {
  name: string;
  resource: string;
  apiVersion: string;
  kind: string;
  selectorOf(o: KObject): unknown;
}

export const REPLICA_SET: Flavor = { name: 'replicaset-controller', resource: 'replicasets.apps', apiVersion: 'apps/v1', kind: 'ReplicaSet', selectorOf: (o) => rec(o, 'spec').selector };
export const REPLICATION_CONTROLLER: Flavor = {
  name: 'replication-controller',
  resource: 'replicationcontrollers',
  apiVersion: 'v1',
  kind: 'ReplicationController',
  selectorOf: (o) => ({ matchLabels: rec(o, 'spec').selector }),
};

/** Pods created per sync at most (upstream burstReplicas). */
const BURST = 500;
/**
 * A pod's status change (it started, became Ready) only moves the owner's status counts, so it is
 * batched: the owner syncs at most once per this period for them (as upstream's Job controller batches
 * pod updates), while pod creations and deletions — which expectations wait for — sync at once.
 */
export const POD_STATUS_BATCH_MS = 250;
/** Intermediate status counts are written at most this often per owner; the settled status and a new generation at once. */
export const STATUS_WRITE_INTERVAL_MS = 250;

/** A pod update that can change what an owner does (not just its status counts). */
export function podMembershipChanged(a: KObject, b: KObject): boolean {
  if (a === b) return true;
  if (Boolean(a.metadata.deletionTimestamp) !== Boolean(b.metadata.deletionTimestamp)) return true;
  if (isPodActive(a) !== isPodActive(b)) return true;
  return !jsonEqual(a.metadata.labels, b.metadata.labels) || !jsonEqual(a.metadata.ownerReferences, b.metadata.ownerReferences);
}

export function startReplicaSetController(ctx: ControllerContext, flavor: Flavor = REPLICA_SET): StartedController {
  const owners = ctx.factory.informerFor(flavor.resource);
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: CLAIM_INDEXERS });
  const exp = new Expectations(ctx.clock);
  const podsClient = ctx.client.resource('pods');
  const ownersClient = ctx.client.resource(flavor.resource);
  const r = queueRunner(ctx, flavor.name, reconcile, ctx.workers ?? WORKERS);

  const enqueuePod = (p: KObject) => {
    const k = ownerKey(p, flavor.kind);
    if (k) return r.enqueue(k);
    for (const o of matchingOwners(owners, p.metadata.namespace ?? '', p.metadata.labels, flavor.selectorOf)) r.enqueue(keyOf(o));
  };
  // Its own status writes do not wake it again (they carry nothing new for it).
  owners.addEventHandler({ onAdd: (o) => r.enqueue(keyOf(o)), onUpdate: (a, b) => !statusOnlyUpdate(a, b) && r.enqueue(keyOf(b)), onDelete: (o) => r.enqueue(keyOf(unwrapTombstone(o))) });
  // While creations or deletions are still to be observed, the owner can only refresh its counts: one sync per
  // batch period then, and at once when the last one arrives (the next slow-start batch waits for it).
  const observed = (k: string) => (exp.satisfied(k) ? r.enqueue(k) : r.queue.addAfter(k, POD_STATUS_BATCH_MS));
  pods.addEventHandler({
    onAdd: (p) => {
      const k = ownerKey(p, flavor.kind);
      if (!k) return enqueuePod(p);
      exp.observedAdd(k);
      if (p.metadata.deletionTimestamp) exp.observedDel(k);
      observed(k);
    },
    onUpdate: (a, b) => {
      const k = ownerKey(b, flavor.kind);
      const ka = ownerKey(a, flavor.kind);
      if (ka && ka !== k) r.enqueue(ka);
      if (k && !a.metadata.deletionTimestamp && b.metadata.deletionTimestamp) {
        exp.observedDel(k);
        observed(k);
      } else if (k && !podMembershipChanged(a, b)) r.queue.addAfter(k, POD_STATUS_BATCH_MS);
      else enqueuePod(b);
      const ready = isPodReady(b) && !isPodReady(a);
      const minReady = k ? num(rec(owners.get(b.metadata.namespace ?? '', k.split('/')[1] ?? ''), 'spec').minReadySeconds) : 0;
      if (ready && k && minReady > 0) r.queue.addAfter(k, minReady * 1000 + 1000);
    },
    onDelete: (t) => {
      const p = unwrapTombstone(t);
      const k = ownerKey(p, flavor.kind);
      if (!k) return enqueuePod(p);
      if (!p.metadata.deletionTimestamp) exp.observedDel(k);
      observed(k);
    },
  });

  /** When each owner's status was last written (coalescing intermediate counts). */
  const lastStatusWrite = new Map<string, number>();

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const rs = owners.get(ns, name);
    if (!rs) return (exp.forget(key), void lastStatusWrite.delete(key));
    const spec = rec(rs, 'spec');
    const matches = selectorMatcher(flavor.selectorOf(rs));
    const ref = ownerRefFor(rs, flavor.apiVersion, flavor.kind);
    const candidates = claimCandidates(pods, rs).filter((p) => isPodActive(p));
    const owned = await claimObjects(rs, ref, candidates, matches, podsClient);
    const want = num(spec.replicas, 1);
    let manageErr: unknown;
    if (exp.satisfied(key) && !rs.metadata.deletionTimestamp) {
      const diff = owned.length - want;
      if (diff < 0) {
        const n = Math.min(-diff, BURST);
        exp.expect(key, n, 0);
        const res = await slowStartBatch(n, 1, async () => {
          const pod = await podsClient.create(podFromTemplate(spec.template, ns, ref, { generateName: `${name}-` }));
          r.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
        });
        exp.lower(key, n - res.ok, 0);
        if (res.err) {
          manageErr = res.err;
          r.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${String((res.err as Error).message ?? res.err)}`);
        }
      } else if (diff > 0) {
        const victims = [...owned].sort(deletionOrder).slice(0, Math.min(diff, BURST));
        exp.expect(key, 0, victims.length);
        const results = await runLimited(victims, MAX_IN_FLIGHT, (p) => podsClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound));
        const failed = results.filter((x) => x?.status !== 'fulfilled');
        exp.lower(key, 0, failed.length);
        victims.forEach((p, i) => results[i]?.status === 'fulfilled' && r.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`));
        const err = results.find((x) => x?.status === 'rejected');
        if (err?.status === 'rejected') manageErr = err.reason;
      }
    }
    const requeue = await updateStatus(rs, owned, manageErr);
    if (manageErr) throw manageErr;
    return requeue;
  }

  async function updateStatus(rs: KObject, owned: KObject[], manageErr: unknown): Promise<ReconcileResult | void> {
    const spec = rec(rs, 'spec');
    const minReady = num(spec.minReadySeconds);
    const tmplLabels = (rec(rec(spec.template, 'metadata'), 'labels') ?? {}) as Record<string, string>;
    const now = ctx.clock.now();
    const status: Record<string, unknown> = {
      replicas: owned.length,
      fullyLabeledReplicas: owned.filter((p) => Object.entries(tmplLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: owned.filter(isPodReady).length,
      availableReplicas: owned.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const old = rec(rs, 'status');
    const failure = getCondition(old, 'ReplicaFailure');
    if (manageErr) status.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: String((manageErr as Error).message ?? manageErr), lastTransitionTime: failure?.lastTransitionTime ?? new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') }];
    // upstream updateReplicaSetStatus: on a conflict, read the object again and retry once (statusUpdateRetries),
    // so a racing write (a Deployment's annotations, another status) costs a GET, not a rate-limited requeue.
    // A changed spec (new generation) is left to the sync its update event brings.
    const key = keyOf(rs);
    const settled = status.replicas === num(spec.replicas, 1) && status.readyReplicas === status.replicas && status.availableReplicas === status.replicas;
    const urgent = settled || manageErr !== undefined || failure !== undefined || old.observedGeneration !== status.observedGeneration;
    let cur = rs;
    for (let attempt = 0; ; attempt++) {
      const o = rec(cur, 'status');
      const f = getCondition(o, 'ReplicaFailure');
      if (!Object.entries(status).some(([k, v]) => !jsonEqual(o[k], v)) && !(f && !manageErr)) break;
      const wait = urgent ? 0 : (lastStatusWrite.get(key) ?? -Infinity) + STATUS_WRITE_INTERVAL_MS - now;
      if (wait > 0) return { requeueAfter: wait };
      lastStatusWrite.set(key, now);
      const next: KObject = { ...cur, status: { ...o, ...status } };
      if (!manageErr) delete (next.status as Record<string, unknown>).conditions;
      try {
        await ownersClient.updateStatus(next).catch(ignoreNotFound);
        break;
      } catch (e) {
        if (!isConflict(e) || attempt >= 1) throw e;
        const fresh = await ownersClient.inNamespace(rs.metadata.namespace ?? '').get(rs.metadata.name ?? '').catch(ignoreNotFound);
        if (!fresh || fresh.metadata.uid !== rs.metadata.uid || fresh.metadata.generation !== rs.metadata.generation) break;
        cur = fresh;
      }
    }
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfter: 1000 };
  }

  return { name: flavor.name, done: r.run() };
}
