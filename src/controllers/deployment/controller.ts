/** Deployment controller: owns ReplicaSets by template hash, rolls them out, records revisions, writes status (upstream `deployment_controller.go`). */
import type { KObject } from '../../api/index.js';
import { isAlreadyExists, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from '../context.js';
import { claimObjects, ignoreNotFound } from '../pod-control.js';
import { CLAIM_INDEXERS, WORKERS, claimCandidates, clone, statusOnlyUpdate, controllerRef, getCondition, jsonEqual, matchingOwners, num, ownerKey, ownerRefFor, rec, selectorMatcher } from '../util.js';
import { isScalingEvent, reconcileNewRS, reconcileOldRSs, scaleDownOldForRecreate, scaleProportionally, newReplicas, type RolloutOps } from './rollout.js';
import { computeStatus, isComplete, setAvailable, setCondition, setProgressing } from './status.js';
import { DESIRED_REPLICAS, HASH_LABEL, MAX_REPLICAS, REVISION, REVISION_HISTORY, byCreation, copiedAnnotations, equalIgnoreHash, isRecreate, replicasOf, revisionOf, surgeAndUnavailable, templateHash } from './util.js';

const NAME = 'deployment-controller';

export function startDeploymentController(ctx: ControllerContext): StartedController {
  const deployments = ctx.factory.informerFor('deployments.apps');
  const replicaSets: SharedInformer = ctx.factory.informerFor('replicasets.apps', { indexers: CLAIM_INDEXERS });
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: CLAIM_INDEXERS });
  const dClient = ctx.client.resource('deployments.apps');
  const rsClient = ctx.client.resource('replicasets.apps');
  const r = queueRunner(ctx, NAME, reconcile, ctx.workers ?? WORKERS);
  const selectorOf = (o: KObject) => rec(o, 'spec').selector;

  const enqueueRS = (rs: KObject) => {
    const k = ownerKey(rs, 'Deployment');
    if (k) return r.enqueue(k);
    for (const d of matchingOwners(deployments, rs.metadata.namespace ?? '', rs.metadata.labels, selectorOf)) r.enqueue(keyOf(d));
  };
  // Its own status writes do not wake it again; timed checks (progress deadline) come back through requeueAfter.
  deployments.addEventHandler({ onAdd: (d) => r.enqueue(keyOf(d)), onUpdate: (a, b) => !statusOnlyUpdate(a, b) && r.enqueue(keyOf(b)), onDelete: (d) => r.enqueue(keyOf(unwrapTombstone(d))) });
  replicaSets.addEventHandler({ onAdd: enqueueRS, onUpdate: (a, b) => (enqueueRS(b), ownerKey(a, 'Deployment') !== ownerKey(b, 'Deployment') && enqueueRS(a)), onDelete: (t) => enqueueRS(unwrapTombstone(t)) });
  pods.addEventHandler({
    onDelete: (t) => {
      const p = unwrapTombstone(t);
      const ref = controllerRef(p);
      const rs = ref?.kind === 'ReplicaSet' ? replicaSets.get(p.metadata.namespace ?? '', ref.name) : undefined;
      if (rs) enqueueRS(rs);
    },
  });

  const ops: RolloutOps = {
    podsOf: (rs) => pods.indexer.byIndex('byOwnerUid', rs.metadata.uid ?? ''),
    async scale(rs, to, d) {
      const [surge] = surgeAndUnavailable(d);
      const ann = { ...rs.metadata.annotations, [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + surge) };
      const from = replicasOf(rs);
      if (from === to && jsonEqual(ann, rs.metadata.annotations)) return false;
      const next = { ...rs, metadata: { ...rs.metadata, annotations: ann }, spec: { ...rec(rs, 'spec'), replicas: to } };
      const updated = await rsClient.update(next);
      Object.assign(rs, { metadata: updated.metadata, spec: updated.spec });
      if (from !== to) r.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name ?? ''} from ${from} to ${to}`);
      return from !== to;
    },
  };

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const cached = deployments.get(ns, name);
    if (!cached) return;
    const d = clone(cached);
    const spec = rec(d, 'spec');
    const matches = selectorMatcher(spec.selector);
    if (!Object.keys(rec(spec.selector, 'matchLabels')).length && !(rec(spec, 'selector').matchExpressions as unknown[] | undefined)?.length) {
      r.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      return;
    }
    const owned = (await claimObjects(d, ownerRefFor(d, 'apps/v1', 'Deployment'), claimCandidates(replicaSets, d), matches, rsClient)).map(clone);
    if (d.metadata.deletionTimestamp) return syncStatus(d, owned, findNew(d, owned));
    if (checkPaused(d)) return syncStatus(d, owned, findNew(d, owned));
    if (spec.paused || isScalingEvent(d, owned)) {
      const newRS = spec.paused ? findNew(d, owned) : await getNewRS(d, owned, true);
      await scaleProportionally(d, newRS, owned.filter((x) => x !== newRS), ops);
      if (!spec.paused && newRS && isComplete(d, computeStatus(d, owned, newRS))) await cleanup(d, owned.filter((x) => x !== newRS));
      return syncStatus(d, owned, newRS);
    }
    if (isRecreate(d)) {
      const olds = owned.filter((x) => !equalIgnoreHash(rec(x, 'spec').template, spec.template));
      const { scaled, waiting } = await scaleDownOldForRecreate(d, olds, ops);
      if (scaled || waiting) return syncStatus(d, owned, findNew(d, owned));
      const newRS = await getNewRS(d, owned, true);
      if (newRS) await ops.scale(newRS, replicasOf(d), d);
      return syncStatus(d, owned, newRS);
    }
    const newRS = await getNewRS(d, owned, true);
    if (!newRS) return syncStatus(d, owned, undefined);
    const olds = owned.filter((x) => x !== newRS);
    if (await reconcileNewRS(d, owned, newRS, ops)) return syncStatus(d, owned, newRS);
    if (await reconcileOldRSs(d, owned, olds, newRS, ops)) return syncStatus(d, owned, newRS);
    if (isComplete(d, computeStatus(d, owned, newRS))) await cleanup(d, olds);
    return syncStatus(d, owned, newRS);
  }

  const findNew = (d: KObject, all: KObject[]) => [...all].sort(byCreation).find((x) => equalIgnoreHash(rec(x, 'spec').template, rec(d, 'spec').template));

  /** Paused/resumed conditions (upstream checkPausedConditions); true when status was written. */
  function checkPaused(d: KObject): boolean {
    const cond = getCondition(d.status, 'Progressing');
    const paused = Boolean(rec(d, 'spec').paused);
    if (paused && cond?.reason !== 'DeploymentPaused') pendingPause.set(keyOf(d), { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    else if (!paused && cond?.reason === 'DeploymentPaused') pendingPause.set(keyOf(d), { type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' });
    else return false;
    return true;
  }
  const pendingPause = new Map<string, { type: string; status: 'Unknown'; reason: string; message: string }>();

  /** Finds or creates the new ReplicaSet and syncs revision annotations (upstream getNewReplicaSet). */
  async function getNewRS(d: KObject, all: KObject[], create: boolean): Promise<KObject | undefined> {
    const spec = rec(d, 'spec');
    const existing = findNew(d, all);
    const olds = all.filter((x) => x !== existing);
    const maxOld = Math.max(0, ...olds.map(revisionOf));
    const revision = String(maxOld + 1);
    const minReady = num(spec.minReadySeconds);
    if (existing) {
      const ann = { ...existing.metadata.annotations, ...copiedAnnotations(d) };
      const cur = revisionOf(existing);
      if (cur < maxOld + 1) {
        ann[REVISION] = revision;
        if (cur > 0) ann[REVISION_HISTORY] = [existing.metadata.annotations?.[REVISION_HISTORY], String(cur)].filter(Boolean).join(',');
      }
      if (!jsonEqual(ann, existing.metadata.annotations) || num(rec(existing, 'spec').minReadySeconds) !== minReady) {
        const u = await rsClient.update({ ...existing, metadata: { ...existing.metadata, annotations: ann }, spec: { ...rec(existing, 'spec'), minReadySeconds: minReady } });
        Object.assign(existing, { metadata: u.metadata, spec: u.spec });
      }
      await setDeploymentRevision(d, existing.metadata.annotations?.[REVISION] ?? revision);
      if (!getCondition(d.status, 'Progressing')) setCondition(statusDraft(d), { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: `Found new replica set "${existing.metadata.name ?? ''}"` }, ctx.clock.now());
      return existing;
    }
    if (!create) return undefined;
    const collision = num(rec(d, 'status').collisionCount);
    const hash = templateHash(spec.template, collision);
    const template = clone(rec(spec, 'template'));
    const tm = rec(template, 'metadata');
    template.metadata = { ...tm, labels: { ...(tm.labels as Record<string, string> | undefined), [HASH_LABEL]: hash } };
    const sel = rec(spec, 'selector');
    const [surge] = surgeAndUnavailable(d);
    const replicas = isRecreate(d) ? replicasOf(d) : newReplicas(d, all, undefined);
    const rs: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name ?? ''}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...(tm.labels as Record<string, string> | undefined), [HASH_LABEL]: hash },
        annotations: { ...copiedAnnotations(d), [REVISION]: revision, [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + surge) },
        ownerReferences: [ownerRefFor(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas, minReadySeconds: minReady, selector: { ...sel, matchLabels: { ...rec(sel, 'matchLabels'), [HASH_LABEL]: hash } }, template },
    };
    let created: KObject;
    try {
      created = await rsClient.create(rs);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const clash = await rsClient.inNamespace(d.metadata.namespace ?? '').get(rs.metadata.name ?? '');
      if (controllerRef(clash)?.uid === d.metadata.uid && equalIgnoreHash(rec(clash, 'spec').template, spec.template)) return clash;
      await dClient.updateStatus({ ...d, status: { ...rec(d, 'status'), collisionCount: collision + 1 } });
      throw new Error(`hash collision for ${rs.metadata.name ?? ''}; collisionCount now ${collision + 1}`);
    }
    if (replicas > 0) r.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name ?? ''} from 0 to ${replicas}`);
    setCondition(statusDraft(d), { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${created.metadata.name ?? ''}"` }, ctx.clock.now());
    all.push(created);
    await setDeploymentRevision(d, revision);
    return created;
  }

  const drafts = new WeakMap<KObject, Record<string, unknown>>();
  const statusDraft = (d: KObject) => {
    let s = drafts.get(d);
    if (!s) drafts.set(d, (s = { conditions: [...((rec(d, 'status').conditions as unknown[] | undefined) ?? [])] }));
    return s;
  };

  async function setDeploymentRevision(d: KObject, revision: string): Promise<void> {
    if (d.metadata.annotations?.[REVISION] === revision) return;
    const u = await dClient.update({ ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION]: revision } } });
    d.metadata = u.metadata;
  }

  /** Delete old, empty ReplicaSets beyond revisionHistoryLimit (oldest first). */
  async function cleanup(d: KObject, olds: KObject[]): Promise<void> {
    const limit = num(rec(d, 'spec').revisionHistoryLimit, 10);
    const cand = olds.filter((rs) => replicasOf(rs) === 0 && num(rec(rs, 'status').replicas) === 0 && num(rec(rs, 'status').observedGeneration) >= (rs.metadata.generation ?? 0) && !rs.metadata.deletionTimestamp).sort(byCreation);
    for (const rs of cand.slice(0, Math.max(0, cand.length - limit))) await rsClient.inNamespace(rs.metadata.namespace ?? '').delete(rs.metadata.name ?? '').catch(ignoreNotFound);
  }

  async function syncStatus(d: KObject, all: KObject[], newRS: KObject | undefined): Promise<ReconcileResult | void> {
    const now = ctx.clock.now();
    const live = all.map((x) => replicaSets.get(x.metadata.namespace ?? '', x.metadata.name ?? '') ?? x);
    const liveNew = newRS && live.find((x) => x.metadata.uid === newRS.metadata.uid);
    const status = computeStatus(d, live, liveNew);
    const draft = drafts.get(d);
    if (draft) status.conditions = draft.conditions;
    setAvailable(d, status, now);
    const pause = pendingPause.get(keyOf(d));
    pendingPause.delete(keyOf(d));
    let requeueAfter: number | undefined;
    if (pause) setCondition(status, pause, now);
    else requeueAfter = setProgressing({ ...d, status: { ...rec(d, 'status'), conditions: status.conditions } }, status, liveNew, now);
    if (!jsonEqual(status, d.status)) await dClient.updateStatus({ ...d, status }).catch(ignoreNotFound);
    return requeueAfter ? { requeueAfter } : undefined;
  }

  return { name: NAME, done: r.run() };
}
