/** DaemonSet controller: one pod per eligible node, RollingUpdate (maxUnavailable) or OnDelete, ControllerRevisions, status (upstream `daemon`). */
import type { KObject } from '../api/index.js';
import { unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { pinToNode, podNode, shouldRunOn } from './daemon-set-nodes.js';
import { REVISION_HASH_LABEL, ensureRevision, hashOf, truncateHistory } from './history.js';
import { Expectations } from './expectations.js';
import { claimObjects, ignoreNotFound, podFromTemplate } from './pod-control.js';
import { CLAIM_INDEXERS, claimCandidates, intOrPercent, isPodAvailable, isPodReady, jsonEqual, num, ownerKey, ownerRefFor, podPhase, rec, selectorMatcher } from './util.js';

const NAME = 'daemonset-controller';

export function startDaemonSetController(ctx: ControllerContext): StartedController {
  const sets = ctx.factory.informerFor('daemonsets.apps');
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: CLAIM_INDEXERS });
  const nodes = ctx.factory.informerFor('nodes');
  const revs = ctx.factory.informerFor('controllerrevisions.apps');
  const dsClient = ctx.client.resource('daemonsets.apps');
  const podClient = ctx.client.resource('pods');
  const r = queueRunner(ctx, NAME, reconcile);
  const all = () => sets.list().forEach((d) => r.enqueue(keyOf(d)));
  sets.addEventHandler({ onAdd: (s) => r.enqueue(keyOf(s)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (s) => r.enqueue(keyOf(unwrapTombstone(s))) });
  // Expectations (as upstream): no new decision until the cache has seen this controller's own creates and deletes,
  // or a stale cache would surge twice.
  const exp = new Expectations(ctx.clock);
  pods.addEventHandler({
    onAdd: (p) => {
      const k = ownerKey(p, 'DaemonSet');
      if (k) (exp.observedAdd(k), r.enqueue(k));
    },
    onUpdate: (_a, b) => r.enqueue(ownerKey(b, 'DaemonSet')),
    onDelete: (t) => {
      const k = ownerKey(unwrapTombstone(t), 'DaemonSet');
      if (k) (exp.observedDel(k), r.enqueue(k));
    },
  });
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
    const owned = (await claimObjects(ds, ref, claimCandidates(pods, ds), selectorMatcher(spec.selector), podClient)).filter((p) => !p.metadata.deletionTimestamp);
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
    const strategy = rec(spec, 'updateStrategy');
    const rolling = rec(strategy, 'rollingUpdate');
    const surge = strategy.type === 'OnDelete' ? 0 : intOrPercent(rolling.maxSurge ?? 0, eligible.length, true, 0);
    const eligibleNames = new Set(eligible.map((n) => n.metadata.name ?? ''));
    for (const n of eligible) {
      const here = (byNode.get(n.metadata.name ?? '') ?? []).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
      const failed = here.filter((p) => podPhase(p) === 'Failed');
      toDelete.push(...failed);
      const alive = here.filter((p) => podPhase(p) !== 'Failed');
      if (!alive.length) toCreate.push(n.metadata.name ?? '');
      else if (surge > 0) {
        // upstream podsShouldBeOnNode with surge: keep the oldest new-revision pod and the oldest old one.
        const keepNew = alive.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash);
        const keepOld = alive.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
        toDelete.push(...alive.filter((p) => p !== keepNew && p !== keepOld));
      } else toDelete.push(...alive.slice(1));
    }
    for (const [n, ps] of byNode) if (!eligibleNames.has(n)) toDelete.push(...ps);
    if (surge > 0) surgeUpdate(eligible, byNode, hash, surge, minReady, now, toCreate, toDelete);
    // Rolling update: replace old-revision pods while unavailable nodes stay within maxUnavailable.
    else if (strategy.type !== 'OnDelete') {
      const maxUnavailable = Math.max(1, intOrPercent(rolling.maxUnavailable ?? 1, eligible.length, true, 1));
      let unavailable = eligible.filter((n) => !(byNode.get(n.metadata.name ?? '') ?? []).some((p) => isPodAvailable(p, minReady, now))).length;
      const old = eligible.flatMap((n) => (byNode.get(n.metadata.name ?? '') ?? []).slice(0, 1)).filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash && !toDelete.includes(p));
      for (const p of old.filter((x) => !isPodAvailable(x, minReady, now))) toDelete.push(p);
      for (const p of old.filter((x) => isPodAvailable(x, minReady, now))) {
        if (unavailable >= maxUnavailable) break;
        toDelete.push(p);
        unavailable++;
      }
    }
    const act = exp.satisfied(key);
    if (!act) {
      toCreate.length = 0;
      toDelete.length = 0;
    } else exp.expect(key, toCreate.length, toDelete.length);
    // Deletes first: a surge pod is created only once the old pod it replaces is on its way out.
    for (const p of toDelete) {
      await podClient
        .inNamespace(ns)
        .delete(p.metadata.name ?? '')
        .catch((e: unknown) => {
          exp.lower(key, 0, 1);
          return ignoreNotFound(e);
        });
      r.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
    }
    for (const node of toCreate) {
      const pod = podFromTemplate(rec(spec, 'template'), ns, ref, { generateName: `${name}-` }, { [REVISION_HASH_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) });
      pinToNode(pod.spec as Record<string, unknown>, node);
      const created = await podClient.create(pod).catch((e: unknown) => {
        exp.lower(key, 1, 0);
        throw e;
      });
      r.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
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
    // A ready pod becomes available minReadySeconds later, with no event to say so.
    if (minReady > 0 && owned.some((p) => isPodReady(p) && !isPodAvailable(p, minReady, now))) return { requeueAfter: 1000 };
  }

  return { name: NAME, done: r.run() };
}

/**
 * upstream rollingUpdate with maxSurge: a node whose old pod is unavailable gets its new pod at once; otherwise at
 * most maxSurge nodes at a time run a new pod beside the old one, and the old one goes once the new is available.
 */
function surgeUpdate(eligible: KObject[], byNode: Map<string, KObject[]>, hash: string, maxSurge: number, minReady: number, now: number, toCreate: string[], toDelete: KObject[]): void {
  let numSurge = 0;
  const allowed: string[] = [];
  const candidates: string[] = [];
  for (const n of eligible) {
    const name = n.metadata.name ?? '';
    const alive = (byNode.get(name) ?? []).filter((p) => podPhase(p) !== 'Failed' && !toDelete.includes(p));
    const newPod = alive.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash);
    const oldPod = alive.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
    if (!oldPod) continue;
    if (!newPod) {
      if (!isPodAvailable(oldPod, minReady, now)) allowed.push(name);
      else if (numSurge < maxSurge) candidates.push(name);
    } else if (!isPodAvailable(newPod, minReady, now)) numSurge++;
    else toDelete.push(oldPod);
  }
  const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidates.length);
  toCreate.push(...allowed, ...candidates.slice(0, remaining));
}
