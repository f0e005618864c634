/** DaemonSet controller: one pod per eligible node, RollingUpdate (maxUnavailable) or OnDelete, ControllerRevisions, status (upstream `daemon`). */
import type { KObject } from '../api/index.js';
import { byOwnerUid, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { pinToNode, podNode, shouldRunOn } from './daemon-set-nodes.js';
import { REVISION_HASH_LABEL, ensureRevision, hashOf, truncateHistory } from './history.js';
import { claimObjects, ignoreNotFound, podFromTemplate } from './pod-control.js';
import { intOrPercent, isPodAvailable, isPodReady, jsonEqual, num, ownerKey, ownerRefFor, podPhase, rec, selectorMatcher } from './util.js';

const NAME = 'daemonset-controller';

export function startDaemonSetController(ctx: ControllerContext): StartedController {
  const sets = ctx.factory.informerFor('daemonsets.apps');
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: { byOwnerUid } });
  const nodes = ctx.factory.informerFor('nodes');
  const revs = ctx.factory.informerFor('controllerrevisions.apps');
  const dsClient = ctx.client.resource('daemonsets.apps');
  const podClient = ctx.client.resource('pods');
  const r = queueRunner(ctx, NAME, reconcile);
  const all = () => sets.list().forEach((d) => r.enqueue(keyOf(d)));
  sets.addEventHandler({ onAdd: (s) => r.enqueue(keyOf(s)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (s) => r.enqueue(keyOf(unwrapTombstone(s))) });
  pods.addEventHandler({ onAdd: (p) => r.enqueue(ownerKey(p, 'DaemonSet')), onUpdate: (_a, b) => r.enqueue(ownerKey(b, 'DaemonSet')), onDelete: (t) => r.enqueue(ownerKey(unwrapTombstone(t), 'DaemonSet')) });
  nodes.addEventHandler({
    onAdd: all,
    onUpdate: (a, b) => (!jsonEqual(a.metadata.labels, b.metadata.labels) || !jsonEqual(rec(a, 'spec').taints, rec(b, 'spec').taints)) && all(),
    onDelete: all,
  });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const ds = sets.get(ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const spec = rec(ds, 'spec');
    const ref = ownerRefFor(ds, 'apps/v1', 'DaemonSet');
    const owned = (await claimObjects(ds, ref, pods.list(ns), selectorMatcher(spec.selector), podClient)).filter((p) => !p.metadata.deletionTimestamp);
    const { update, all: revisions } = await ensureRevision(ctx.client, revs, ds, 'apps/v1', 'DaemonSet');
    const hash = hashOf(update);
    const podSpec = rec(rec(spec, 'template'), 'spec');
    const minReady = num(spec.minReadySeconds);
    const now = ctx.clock.now();
    const byNode = new Map<string, KObject[]>();
    for (const p of owned) {
      const n = podNode(p) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const toDelete: KObject[] = [];
    const toCreate: string[] = [];
    const eligible = nodes.list().filter((n) => shouldRunOn(podSpec, n));
    const eligibleNames = new Set(eligible.map((n) => n.metadata.name ?? ''));
    for (const n of eligible) {
      const here = (byNode.get(n.metadata.name ?? '') ?? []).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
      const failed = here.filter((p) => podPhase(p) === 'Failed');
      toDelete.push(...failed);
      const alive = here.filter((p) => podPhase(p) !== 'Failed');
      if (!alive.length) toCreate.push(n.metadata.name ?? '');
      else toDelete.push(...alive.slice(1));
    }
    for (const [n, ps] of byNode) if (!eligibleNames.has(n)) toDelete.push(...ps);
    // Rolling update: replace old-revision pods while unavailable nodes stay within maxUnavailable.
    const strategy = rec(spec, 'updateStrategy');
    if (strategy.type !== 'OnDelete') {
      const maxUnavailable = Math.max(1, intOrPercent(rec(strategy, 'rollingUpdate').maxUnavailable ?? 1, eligible.length, true, 1));
      let unavailable = eligible.filter((n) => !(byNode.get(n.metadata.name ?? '') ?? []).some((p) => isPodAvailable(p, minReady, now))).length;
      const old = eligible.flatMap((n) => (byNode.get(n.metadata.name ?? '') ?? []).slice(0, 1)).filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash && !toDelete.includes(p));
      for (const p of old.filter((x) => !isPodAvailable(x, minReady, now))) toDelete.push(p);
      for (const p of old.filter((x) => isPodAvailable(x, minReady, now))) {
        if (unavailable >= maxUnavailable) break;
        toDelete.push(p);
        unavailable++;
      }
    }
    for (const node of toCreate) {
      const pod = podFromTemplate(rec(spec, 'template'), ns, ref, { generateName: `${name}-` }, { [REVISION_HASH_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) });
      pinToNode(pod.spec as Record<string, unknown>, node);
      const created = await podClient.create(pod);
      r.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
    }
    for (const p of toDelete) {
      await podClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound);
      r.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
    }
    const firstOn = (n: KObject) => (byNode.get(n.metadata.name ?? '') ?? [])[0];
    const scheduled = eligible.filter((n) => firstOn(n) && rec(firstOn(n), 'spec').nodeName);
    const oldStatus = rec(ds, 'status');
    const available = eligible.filter((n) => firstOn(n) && isPodAvailable(firstOn(n) as KObject, minReady, now)).length;
    const status: Record<string, unknown> = {
      ...oldStatus,
      currentNumberScheduled: scheduled.length,
      numberMisscheduled: [...byNode.keys()].filter((n) => n && !eligibleNames.has(n)).length,
      desiredNumberScheduled: eligible.length,
      numberReady: eligible.filter((n) => firstOn(n) && isPodReady(firstOn(n) as KObject)).length,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: scheduled.filter((n) => firstOn(n)?.metadata.labels?.[REVISION_HASH_LABEL] === hash).length,
      numberAvailable: available,
      numberUnavailable: eligible.length - available,
    };
    for (const k of ['numberAvailable', 'numberUnavailable']) if (status[k] === 0) delete status[k];
    if (!jsonEqual(status, oldStatus)) await dsClient.updateStatus({ ...ds, status }).catch(ignoreNotFound);
    const used = new Set(owned.map((p) => revisions.find((x) => hashOf(x) === p.metadata.labels?.[REVISION_HASH_LABEL])?.metadata.name ?? ''));
    used.add(update.metadata.name ?? '');
    await truncateHistory(ctx.client, revisions, used, num(spec.revisionHistoryLimit, 10));
    if (minReady > 0 && status.numberReady !== available) return { requeueAfter: 1000 };
  }

  return { name: NAME, done: r.run() };
}
