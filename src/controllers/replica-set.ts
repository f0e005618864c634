/** ReplicaSet and ReplicationController controller: keep `spec.replicas` pods, adopt/release by selector, report status. */
import type { KObject } from '../api/index.js';
import { byOwnerUid, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { Expectations } from './expectations.js';
import { claimObjects, deletionOrder, ignoreNotFound, podFromTemplate, slowStartBatch } from './pod-control.js';
import { getCondition, isPodActive, isPodAvailable, isPodReady, jsonEqual, matchingOwners, num, ownerKey, ownerRefFor, rec, selectorMatcher } from './util.js';

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

export function startReplicaSetController(ctx: ControllerContext, flavor: Flavor = REPLICA_SET): StartedController {
  const owners = ctx.factory.informerFor(flavor.resource);
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: { byOwnerUid } });
  const exp = new Expectations(ctx.clock);
  const podsClient = ctx.client.resource('pods');
  const ownersClient = ctx.client.resource(flavor.resource);
  const r = queueRunner(ctx, flavor.name, reconcile, ctx.workers ?? 8);

  const enqueuePod = (p: KObject) => {
    const k = ownerKey(p, flavor.kind);
    if (k) return r.enqueue(k);
    for (const o of matchingOwners(owners, p.metadata.namespace ?? '', p.metadata.labels, flavor.selectorOf)) r.enqueue(keyOf(o));
  };
  owners.addEventHandler({ onAdd: (o) => r.enqueue(keyOf(o)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (o) => r.enqueue(keyOf(unwrapTombstone(o))) });
  pods.addEventHandler({
    onAdd: (p) => {
      const k = ownerKey(p, flavor.kind);
      if (k) exp.observedAdd(k);
      if (p.metadata.deletionTimestamp && k) exp.observedDel(k);
      enqueuePod(p);
    },
    onUpdate: (a, b) => {
      const k = ownerKey(b, flavor.kind);
      if (k && !a.metadata.deletionTimestamp && b.metadata.deletionTimestamp) exp.observedDel(k);
      const ka = ownerKey(a, flavor.kind);
      if (ka && ka !== k) r.enqueue(ka);
      enqueuePod(b);
      const ready = isPodReady(b) && !isPodReady(a);
      const minReady = k ? num(rec(owners.get(b.metadata.namespace ?? '', k.split('/')[1] ?? ''), 'spec').minReadySeconds) : 0;
      if (ready && k && minReady > 0) r.queue.addAfter(k, minReady * 1000 + 1000);
    },
    onDelete: (t) => {
      const p = unwrapTombstone(t);
      const k = ownerKey(p, flavor.kind);
      if (k && !p.metadata.deletionTimestamp) exp.observedDel(k);
      enqueuePod(p);
    },
  });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const rs = owners.get(ns, name);
    if (!rs) return exp.forget(key);
    const spec = rec(rs, 'spec');
    const matches = selectorMatcher(flavor.selectorOf(rs));
    const ref = ownerRefFor(rs, flavor.apiVersion, flavor.kind);
    const candidates = pods.list(ns).filter((p) => isPodActive(p));
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
        const results = await Promise.allSettled(victims.map((p) => podsClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound)));
        const failed = results.filter((x) => x.status === 'rejected');
        exp.lower(key, 0, failed.length);
        for (const p of victims) r.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
        if (failed[0]?.status === 'rejected') manageErr = failed[0].reason;
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
    if (Object.entries(status).some(([k, v]) => !jsonEqual(old[k], v)) || (failure && !manageErr)) {
      const next: KObject = { ...rs, status: { ...old, ...status } };
      if (!manageErr) delete (next.status as Record<string, unknown>).conditions;
      await ownersClient.updateStatus(next).catch(ignoreNotFound);
    }
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfter: 1000 };
  }

  return { name: flavor.name, done: r.run() };
}
