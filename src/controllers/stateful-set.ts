/** StatefulSet controller: ordinal pods with stable names and PVCs, OrderedReady/Parallel, RollingUpdate with partition or OnDelete, ControllerRevisions (upstream `statefulset`). */
import type { KObject } from '../api/index.js';
import { isAlreadyExists, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { REVISION_HASH_LABEL, ensureRevision, revisionTemplate, truncateHistory } from './history.js';
import { claimObjects, ignoreNotFound, podFromTemplate } from './pod-control.js';
import { CLAIM_INDEXERS, claimCandidates, intOrPercent, isPodAvailable, isPodReady, jsonEqual, num, ownerKey, ownerRefFor, podPhase, rec, selectorMatcher, str } from './util.js';

const NAME = 'statefulset-controller';
const POD_NAME = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX = 'apps.kubernetes.io/pod-index';

const ordinalOf = (sts: string, pod: KObject): number | undefined => {
  const m = new RegExp(`^${sts.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(pod.metadata.name ?? '');
  return m ? Number(m[1]) : undefined;
};

export function startStatefulSetController(ctx: ControllerContext): StartedController {
  const sets = ctx.factory.informerFor('statefulsets.apps');
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: CLAIM_INDEXERS });
  const revs = ctx.factory.informerFor('controllerrevisions.apps');
  const pvcs = ctx.factory.informerFor('persistentvolumeclaims');
  const stsClient = ctx.client.resource('statefulsets.apps');
  const podClient = ctx.client.resource('pods');
  const pvcClient = ctx.client.resource('persistentvolumeclaims');
  const r = queueRunner(ctx, NAME, reconcile);
  sets.addEventHandler({ onAdd: (s) => r.enqueue(keyOf(s)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (s) => r.enqueue(keyOf(unwrapTombstone(s))) });
  pods.addEventHandler({ onAdd: (p) => r.enqueue(ownerKey(p, 'StatefulSet')), onUpdate: (_a, b) => r.enqueue(ownerKey(b, 'StatefulSet')), onDelete: (t) => r.enqueue(ownerKey(unwrapTombstone(t), 'StatefulSet')) });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const sts = sets.get(ns, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const spec = rec(sts, 'spec');
    const ref = ownerRefFor(sts, 'apps/v1', 'StatefulSet');
    const owned = await claimObjects(sts, ref, claimCandidates(pods, sts), selectorMatcher(spec.selector), podClient);
    const { update, all } = await ensureRevision(ctx.client, revs, sts, 'apps/v1', 'StatefulSet');
    const updateRev = update.metadata.name ?? '';
    const oldStatus = rec(sts, 'status');
    const currentRev = all.find((x) => x.metadata.name === str(oldStatus.currentRevision)) ?? update;
    const replicas = num(spec.replicas, 1);
    const parallel = spec.podManagementPolicy === 'Parallel';
    const strategy = rec(spec, 'updateStrategy');
    const onDelete = strategy.type === 'OnDelete';
    const partition = num(rec(strategy, 'rollingUpdate').partition);
    const minReady = num(spec.minReadySeconds);
    const now = ctx.clock.now();
    const byOrd = new Map<number, KObject>();
    const condemned: KObject[] = [];
    for (const p of owned) {
      const o = ordinalOf(name, p);
      if (o === undefined) continue;
      if (o < replicas) byOrd.set(o, p);
      else condemned.push(p);
    }
    const healthy = (p: KObject | undefined) => p !== undefined && !p.metadata.deletionTimestamp && podPhase(p) === 'Running' && isPodReady(p);
    let blocked = false;
    // Replace failed pods, create missing ones (in order unless Parallel).
    for (let o = 0; o < replicas && !blocked; o++) {
      const p = byOrd.get(o);
      if (p && (podPhase(p) === 'Failed' || podPhase(p) === 'Succeeded') && !p.metadata.deletionTimestamp) {
        await podClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound);
        byOrd.delete(o);
        if (!parallel) blocked = true;
        continue;
      }
      if (!p) {
        const rev = onDelete || o < partition ? currentRev : update;
        await createPod(sts, o, rev, ref);
        if (!parallel) blocked = true;
        continue;
      }
      if (!parallel && !healthy(p)) blocked = true;
    }
    await syncClaimOwners(sts, owned, replicas, ref);
    // Scale down from the highest ordinal (one at a time unless Parallel).
    if (!blocked) {
      for (const p of condemned.sort((a, b) => (ordinalOf(name, b) ?? 0) - (ordinalOf(name, a) ?? 0))) {
        if (p.metadata.deletionTimestamp) {
          if (!parallel) break;
          continue;
        }
        await podClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound);
        r.recorder.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name ?? ''} in StatefulSet ${name} successful`);
        if (!parallel) break;
      }
    }
    // Rolling update: highest ordinal first, down to the partition, maxUnavailable at a time.
    if (!blocked && !onDelete && condemned.length === 0) {
      const maxUnavailable = Math.max(1, intOrPercent(rec(strategy, 'rollingUpdate').maxUnavailable ?? 1, replicas, false, 1));
      let unavailable = [...byOrd.values()].filter((p) => !isPodAvailable(p, minReady, now)).length;
      for (let o = replicas - 1; o >= partition; o--) {
        const p = byOrd.get(o);
        if (!p || p.metadata.labels?.[REVISION_HASH_LABEL] === updateRev) continue;
        if (p.metadata.deletionTimestamp || unavailable >= maxUnavailable) break;
        await podClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound);
        r.recorder.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name ?? ''} in StatefulSet ${name} successful`);
        if (isPodAvailable(p, minReady, now)) unavailable++;
      }
    }
    const live = [...byOrd.values()];
    const updated = live.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === updateRev).length;
    const current = live.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === currentRev.metadata.name).length;
    const status: Record<string, unknown> = {
      ...oldStatus,
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: owned.filter((p) => !p.metadata.deletionTimestamp).length,
      readyReplicas: live.filter(isPodReady).length,
      availableReplicas: live.filter((p) => isPodAvailable(p, minReady, now)).length,
      currentReplicas: current,
      updatedReplicas: updated,
      currentRevision: updated === replicas && live.length === replicas ? updateRev : (currentRev.metadata.name ?? updateRev),
      updateRevision: updateRev,
      collisionCount: num(oldStatus.collisionCount),
    };
    if (status.currentRevision === updateRev) status.currentReplicas = updated;
    if (!jsonEqual(status, oldStatus)) await stsClient.updateStatus({ ...sts, status }).catch(ignoreNotFound);
    const used = new Set([String(status.currentRevision), updateRev]);
    await truncateHistory(ctx.client, all, used, num(spec.revisionHistoryLimit, 10));
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfter: 1000 };
  }

  /**
   * persistentVolumeClaimRetentionPolicy on existing claims (upstream updateClaimOwnerRefForSetAndPod): whenDeleted
   * Delete → the claim is owned by the StatefulSet; whenScaled Delete → a condemned pod (ordinal ≥ replicas) owns its
   * claims, so the garbage collector removes them with it (and a scale-up before that takes the reference back).
   */
  async function syncClaimOwners(sts: KObject, owned: KObject[], replicas: number, ref: ReturnType<typeof ownerRefFor>): Promise<void> {
    const spec = rec(sts, 'spec');
    const templates = (spec.volumeClaimTemplates as KObject[] | undefined) ?? [];
    if (!templates.length) return;
    const retention = rec(spec, 'persistentVolumeClaimRetentionPolicy');
    const ns = sts.metadata.namespace ?? '';
    const name = sts.metadata.name ?? '';
    for (const pod of owned) {
      const o = ordinalOf(name, pod);
      if (o === undefined) continue;
      for (const t of templates) {
        const claim = pvcs.get(ns, `${t.metadata.name ?? ''}-${pod.metadata.name ?? ''}`);
        if (!claim || claim.metadata.deletionTimestamp) continue;
        let refs = [...(claim.metadata.ownerReferences ?? [])];
        const setRef = refs.some((x) => x.uid === sts.metadata.uid);
        if (retention.whenDeleted === 'Delete' && !setRef) refs.push({ ...ref, controller: true });
        if (retention.whenDeleted !== 'Delete' && setRef) refs = refs.filter((x) => x.uid !== sts.metadata.uid);
        const podRef = refs.some((x) => x.uid === pod.metadata.uid);
        const scaledDown = o >= replicas;
        if (retention.whenScaled === 'Delete' && scaledDown && !podRef) refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' });
        if (!(retention.whenScaled === 'Delete' && scaledDown) && podRef) refs = refs.filter((x) => x.uid !== pod.metadata.uid);
        if (jsonEqual(refs, claim.metadata.ownerReferences ?? [])) continue;
        const { ownerReferences: _drop, ...meta } = claim.metadata;
        await pvcClient.inNamespace(ns).update({ ...claim, metadata: refs.length ? { ...meta, ownerReferences: refs } : meta }).catch(ignoreNotFound);
      }
    }
  }

  async function createPod(sts: KObject, ordinal: number, rev: KObject, ref: ReturnType<typeof ownerRefFor>): Promise<void> {
    const ns = sts.metadata.namespace ?? '';
    const name = `${sts.metadata.name ?? ''}-${ordinal}`;
    const spec = rec(sts, 'spec');
    const template = revisionTemplate(rev);
    const pod = podFromTemplate(template, ns, ref, { name }, { [POD_NAME]: name, [POD_INDEX]: String(ordinal), [REVISION_HASH_LABEL]: rev.metadata.name ?? '' });
    const ps = pod.spec as Record<string, unknown>;
    ps.hostname = name;
    if (str(spec.serviceName)) ps.subdomain = str(spec.serviceName);
    const volumes = ((ps.volumes as Array<{ name: string }> | undefined) ?? []).slice();
    const retention = rec(spec, 'persistentVolumeClaimRetentionPolicy');
    for (const t of (spec.volumeClaimTemplates as KObject[] | undefined) ?? []) {
      const claim = `${t.metadata.name ?? ''}-${name}`;
      if (!pvcs.get(ns, claim)) {
        const owners = retention.whenDeleted === 'Delete' ? [{ ...ref, controller: true }] : undefined;
        const sel = rec(rec(spec, 'selector'), 'matchLabels') as Record<string, string>;
        await pvcClient
          .create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim, namespace: ns, labels: { ...t.metadata.labels, ...sel }, ...(owners ? { ownerReferences: owners } : {}) }, spec: rec(t, 'spec') })
          .catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
      }
      const i = volumes.findIndex((v) => v.name === t.metadata.name);
      const vol = { name: t.metadata.name ?? '', persistentVolumeClaim: { claimName: claim } };
      if (i >= 0) volumes[i] = vol;
      else volumes.push(vol);
    }
    if (volumes.length) ps.volumes = volumes;
    try {
      await podClient.create(pod);
      r.recorder.event(sts, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${sts.metadata.name ?? ''} successful`);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        r.recorder.event(sts, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${sts.metadata.name ?? ''} failed error: ${(e as Error).message}`);
        throw e;
      }
    }
  }

  return { name: NAME, done: r.run() };
}
