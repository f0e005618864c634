/** Disruption controller: PodDisruptionBudget status (expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed) as the Eviction API reads it. */
import type { KObject } from '../api/index.js';
import { unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { controllerRef, selectorMatcher, intOrPercent, isPodReady, jsonEqual, matchingOwners, num, rec, rfc3339, type Condition } from './util.js';

const NAME = 'disruption-controller';
const SCALABLE: Record<string, string> = { ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', ReplicationController: 'replicationcontrollers', Deployment: 'deployments' };

export function startDisruptionController(ctx: ControllerContext): StartedController {
  const pdbs = ctx.factory.informerFor('poddisruptionbudgets.policy');
  const pods = ctx.factory.informerFor('pods');
  const rss = ctx.factory.informerFor('replicasets.apps');
  const deps = ctx.factory.informerFor('deployments.apps');
  const stss = ctx.factory.informerFor('statefulsets.apps');
  const client = ctx.client.resource('poddisruptionbudgets.policy');
  const r = queueRunner(ctx, NAME, reconcile);
  const selectorOf = (o: KObject) => rec(o, 'spec').selector;
  pdbs.addEventHandler({ onAdd: (p) => r.enqueue(keyOf(p)), onUpdate: (_a, b) => r.enqueue(keyOf(b)) });
  const onPod = (p: KObject) => matchingOwners(pdbs, p.metadata.namespace ?? '', p.metadata.labels, selectorOf).forEach((x) => r.enqueue(keyOf(x)));
  pods.addEventHandler({ onAdd: onPod, onUpdate: (_a, b) => onPod(b), onDelete: (t) => onPod(unwrapTombstone(t)) });

  /** The scale of a pod's controller (a Deployment's, for its ReplicaSets' pods). */
  function controllerScale(p: KObject): [string, number] | undefined {
    const ref = controllerRef(p);
    if (!ref || !SCALABLE[ref.kind]) return undefined;
    const ns = p.metadata.namespace ?? '';
    if (ref.kind === 'ReplicaSet') {
      const rs = rss.get(ns, ref.name);
      const dref = rs && controllerRef(rs);
      const d = dref?.kind === 'Deployment' ? deps.get(ns, dref.name) : undefined;
      if (d) return [d.metadata.uid ?? '', num(rec(d, 'spec').replicas, 1)];
      return rs ? [rs.metadata.uid ?? '', num(rec(rs, 'spec').replicas, 1)] : undefined;
    }
    const sts = ref.kind === 'StatefulSet' ? stss.get(ns, ref.name) : undefined;
    return sts ? [sts.metadata.uid ?? '', num(rec(sts, 'spec').replicas, 1)] : undefined;
  }

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const pdb = pdbs.get(ns, name);
    if (!pdb) return;
    const spec = rec(pdb, 'spec');
    // policy/v1: an empty selector selects every pod in the namespace.
    const sel = rec(spec, 'selector');
    const matches = Object.keys(sel).length ? selectorMatcher(sel) : () => true;
    const matched = pods.list(ns).filter((p) => matches(p.metadata.labels));
    const live = matched.filter((p) => !p.metadata.deletionTimestamp);
    const healthy = live.filter(isPodReady).length;
    let expected = live.length;
    let desired: number;
    if (spec.maxUnavailable !== undefined || typeof spec.minAvailable === 'string') {
      const scales = new Map<string, number>();
      for (const p of live) {
        const s = controllerScale(p);
        if (s) scales.set(s[0], s[1]);
      }
      if (scales.size) expected = [...scales.values()].reduce((a, b) => a + b, 0);
      desired = spec.maxUnavailable !== undefined ? Math.max(0, expected - intOrPercent(spec.maxUnavailable, expected, true, 0)) : intOrPercent(spec.minAvailable, expected, true, 0);
    } else desired = num(spec.minAvailable, 0);
    const allowed = Math.max(0, healthy - desired);
    const old = rec(pdb, 'status');
    const prev = ((old.conditions as Condition[] | undefined) ?? []).find((c) => c.type === 'DisruptionAllowed');
    const cond: Condition = allowed > 0 ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' } : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '' };
    cond.lastTransitionTime = prev && prev.status === cond.status ? prev.lastTransitionTime : rfc3339(ctx.clock.now());
    (cond as Condition & { observedGeneration?: number }).observedGeneration = pdb.metadata.generation ?? 1;
    const status = { ...old, observedGeneration: pdb.metadata.generation ?? 1, currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected, disruptionsAllowed: allowed, conditions: [cond] };
    if (!jsonEqual(status, old)) await client.updateStatus({ ...pdb, status }).catch(ignoreNotFound);
  }
  return { name: NAME, done: r.run() };
}
