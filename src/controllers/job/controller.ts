/** Job controller: runs pods to completion with parallelism, Indexed mode, failure/success policies, deadlines and suspend (upstream `job_controller.go`). */
import type { KObject } from '../../api/index.js';
import { unwrapTombstone, type ReconcileResult, type SharedInformer } from '../../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from '../context.js';
import { Expectations } from '../expectations.js';
import { claimObjects, ignoreNotFound, podFromTemplate } from '../pod-control.js';
import { CLAIM_INDEXERS, claimCandidates, controllerRef, getCondition, isPodReady, jsonEqual, num, ownerKey, ownerRefFor, podPhase, rec, rfc3339, selectorMatcher, str, type Condition } from '../util.js';
import { FAILURE_COUNT_ANNOTATION, INDEX_ANNOTATION, backoffMs, formatIndexes, indexBackoffRemaining, lastFailedPerIndex, matchFailurePolicy, matchSuccessPolicy, parseIndexes, podIndex } from './policy.js';

const NAME = 'job-controller';
/** Every Job pod carries it until the controller has counted the pod's end (upstream JobTrackingWithFinalizers). */
export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export { FAILURE_COUNT_ANNOTATION };
type Finish = { type: 'Complete' | 'Failed'; reason: string; message: string };

export function startJobController(ctx: ControllerContext): StartedController {
  const jobs = ctx.factory.informerFor('jobs.batch');
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: CLAIM_INDEXERS });
  const jobClient = ctx.client.resource('jobs.batch');
  const podClient = ctx.client.resource('pods');
  const exp = new Expectations(ctx.clock);
  const lastFailure = new Map<string, { count: number; at: number }>();
  const r = queueRunner(ctx, NAME, reconcile, ctx.workers ?? 4);
  jobs.addEventHandler({ onAdd: (j) => r.enqueue(keyOf(j)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (j) => r.enqueue(keyOf(unwrapTombstone(j))) });
  pods.addEventHandler({
    onAdd: (p) => {
      const k = ownerKey(p, 'Job');
      if (k) (exp.observedAdd(k), r.enqueue(k));
    },
    onUpdate: (_a, b) => r.enqueue(ownerKey(b, 'Job')),
    onDelete: (t) => {
      const k = ownerKey(unwrapTombstone(t), 'Job');
      if (k) (exp.observedDel(k), r.enqueue(k));
    },
  });

  /** Pods of a gone (or deleted) Job keep no tracking finalizer: the garbage collector must be able to remove them. */
  async function releaseFinalizers(list: KObject[]): Promise<void> {
    for (const p of list) {
      if (!p.metadata.finalizers?.includes(TRACKING_FINALIZER)) continue;
      const rest = p.metadata.finalizers.filter((f) => f !== TRACKING_FINALIZER);
      await podClient.inNamespace(p.metadata.namespace ?? '').patch(p.metadata.name ?? '', { metadata: { resourceVersion: p.metadata.resourceVersion, finalizers: rest.length ? rest : null } }).catch(ignoreNotFound);
    }
  }

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const job = jobs.get(ns, name);
    if (!job) {
      exp.forget(key);
      lastFailure.delete(key);
      return releaseFinalizers(pods.list(ns).filter((p) => { const ref = controllerRef(p); return ref?.kind === 'Job' && ref.name === name; }));
    }
    const spec = rec(job, 'spec');
    const old = rec(job, 'status');
    const ownedNow = () => pods.indexer.byIndex('byOwnerUid', job.metadata.uid ?? '');
    if (job.metadata.deletionTimestamp || ['Complete', 'Failed'].some((t) => getCondition(old, t)?.status === 'True')) return releaseFinalizers(ownedNow());
    const now = ctx.clock.now();
    const owned = await claimObjects(job, ownerRefFor(job, 'batch/v1', 'Job'), claimCandidates(pods, job), selectorMatcher(spec.selector), podClient);
    const indexed = spec.completionMode === 'Indexed';
    // podReplacementPolicy Failed: a terminating pod is replaced (and counted failed) only once it is Failed.
    const onlyFailed = spec.podReplacementPolicy === 'Failed';
    const terminal = (p: KObject) => ['Succeeded', 'Failed'].includes(podPhase(p));
    const isFailed = (p: KObject) => podPhase(p) === 'Failed' || (!onlyFailed && Boolean(p.metadata.deletionTimestamp) && podPhase(p) !== 'Succeeded');
    const active = owned.filter((p) => !terminal(p) && !p.metadata.deletionTimestamp);
    const terminatingPods = owned.filter((p) => p.metadata.deletionTimestamp && !terminal(p));
    const succeededPods = owned.filter((p) => podPhase(p) === 'Succeeded');
    const failedPods = owned.filter(isFailed);
    const status: Record<string, unknown> = { ...old, conditions: [...((old.conditions as Condition[] | undefined) ?? [])] };
    const setCond = (c: Condition) => {
      const list = status.conditions as Condition[];
      const prev = list.find((x) => x.type === c.type);
      if (prev && prev.status === c.status && prev.reason === c.reason) return;
      status.conditions = [...list.filter((x) => x.type !== c.type), { ...c, lastProbeTime: rfc3339(now), lastTransitionTime: rfc3339(now) }];
    };

    // Pod tracking with finalizers: a finished pod that still carries the finalizer is not yet counted; its UID goes
    // to uncountedTerminatedPods, then the finalizer comes off, then the counters take it (upstream's three steps).
    const oldUncounted = rec(old, 'uncountedTerminatedPods') as { succeeded?: string[]; failed?: string[] };
    const uncounted = { succeeded: new Set(oldUncounted.succeeded ?? []), failed: new Set(oldUncounted.failed ?? []) };
    const toRelease: KObject[] = [];
    let finish: Finish | undefined;
    const perIndexLimit = typeof spec.backoffLimitPerIndex === 'number' ? spec.backoffLimitPerIndex : undefined;
    const failedIdx = new Set(indexed ? parseIndexes(str(old.failedIndexes)) : []);
    const idxFailures = new Map<number, number>();
    for (const p of owned) {
      if (!p.metadata.finalizers?.includes(TRACKING_FINALIZER) || !(podPhase(p) === 'Succeeded' || isFailed(p))) continue;
      toRelease.push(p);
      const uid = p.metadata.uid ?? '';
      if (podPhase(p) === 'Succeeded') uncounted.succeeded.add(uid);
      else if (matchFailurePolicy(job, p)?.action !== 'Ignore') uncounted.failed.add(uid);
    }
    for (const p of failedPods) {
      const m = matchFailurePolicy(job, p);
      if (m?.action === 'Ignore') continue;
      if (m?.action === 'FailJob' && !finish) finish = { type: 'Failed', reason: 'PodFailurePolicy', message: m.message };
      const i = podIndex(p);
      if (indexed && i !== undefined && perIndexLimit !== undefined) {
        const n = Number(p.metadata.annotations?.[FAILURE_COUNT_ANNOTATION] ?? 0) + 1;
        idxFailures.set(i, Math.max(idxFailures.get(i) ?? 0, n));
        if (m?.action === 'FailIndex' || n > perIndexLimit) failedIdx.add(i);
      }
    }
    const failedCount = num(old.failed) + uncounted.failed.size;
    const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
    const doneIdx = new Set([...parseIndexes(str(old.completedIndexes)), ...succeededPods.map(podIndex).filter((x): x is number => x !== undefined)].filter((x) => x < (completions ?? 0)));
    for (const i of doneIdx) failedIdx.delete(i);
    const succeeded = indexed ? doneIdx.size : num(old.succeeded) + uncounted.succeeded.size;
    if (!finish && typeof spec.maxFailedIndexes === 'number' && failedIdx.size > spec.maxFailedIndexes) finish = { type: 'Failed', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
    if (!finish && failedCount > num(spec.backoffLimit, 6)) finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    const started = old.startTime ? Date.parse(String(old.startTime)) : now;
    const deadline = typeof spec.activeDeadlineSeconds === 'number' ? started + spec.activeDeadlineSeconds * 1000 : undefined;
    if (!finish && !spec.suspend && deadline !== undefined && now >= deadline) finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    if (!finish && indexed && matchSuccessPolicy(job, doneIdx) !== undefined) finish = { type: 'Complete', reason: 'SuccessPolicy', message: 'Matched rules at index ' + String(matchSuccessPolicy(job, doneIdx)) };
    if (!finish && indexed && failedIdx.size > 0 && doneIdx.size + failedIdx.size >= (completions ?? 0) && !active.length) finish = { type: 'Failed', reason: 'FailedIndexes', message: 'Job has failed indexes' };
    if (!finish) {
      const complete = completions === undefined ? succeeded > 0 && active.length === 0 : succeeded >= completions;
      if (complete) finish = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    }

    let requeueAfter: number | undefined;
    if (finish || spec.suspend) {
      await Promise.all(active.map((p) => podClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound)));
      if (finish) {
        setCond({ type: finish.type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget', status: 'True', reason: finish.reason, message: finish.message });
        setCond({ type: finish.type, status: 'True', reason: finish.reason, message: finish.message });
        if (finish.type === 'Complete') status.completionTime = rfc3339(now);
        r.recorder.event(job, finish.type === 'Complete' ? 'Normal' : 'Warning', finish.type === 'Complete' ? 'Completed' : finish.reason, finish.type === 'Complete' ? 'Job completed' : finish.message);
      } else {
        setCond({ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' });
        delete status.startTime;
      }
      status.active = 0;
    } else {
      if (getCondition(status, 'Suspended')?.status === 'True') setCond({ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' });
      status.startTime ??= rfc3339(now);
      const parallelism = num(spec.parallelism, 1);
      const lf = lastFailure.get(key);
      if (!lf || failedCount > lf.count) lastFailure.set(key, { count: failedCount, at: now });
      const wait = failedCount > 0 && perIndexLimit === undefined ? (lastFailure.get(key)?.at ?? now) + backoffMs(failedCount) - now : 0;
      // With podReplacementPolicy Failed, terminating pods still hold their slot (and index) until they are Failed.
      const occupying = onlyFailed ? [...active, ...terminatingPods] : active;
      if (exp.satisfied(key)) {
        let toCreate: Array<number | undefined> = [];
        if (indexed) {
          const busy = new Set(occupying.map(podIndex));
          const free = Array.from({ length: completions ?? 0 }, (_x, i) => i).filter((i) => !doneIdx.has(i) && !failedIdx.has(i) && !busy.has(i));
          toCreate = free.slice(0, Math.max(0, parallelism - occupying.length));
          if (perIndexLimit !== undefined && toCreate.length) {
            // A failed index is recreated only after its own back-off (upstream getPodCreationInfoForIndependentIndexes).
            const lastFailed = lastFailedPerIndex(failedPods);
            const waits = toCreate.map((i) => indexBackoffRemaining(i === undefined ? undefined : lastFailed.get(i), now));
            const later = waits.filter((w) => w > 0);
            if (later.length) requeueAfter = Math.min(...later);
            toCreate = toCreate.filter((_i, n) => waits[n] === 0);
          }
        } else {
          const remaining = completions === undefined ? (succeeded > 0 ? 0 : parallelism) : completions - succeeded;
          toCreate = Array.from({ length: Math.max(0, Math.min(parallelism, remaining) - occupying.length) }, () => undefined);
        }
        const extra = active.length - parallelism;
        if (toCreate.length && wait > 0) {
          requeueAfter = wait;
          toCreate = [];
        }
        if (toCreate.length) {
          exp.expect(key, toCreate.length, 0);
          const results = await Promise.allSettled(toCreate.map((i) => podClient.create(jobPod(job, i, perIndexLimit !== undefined && i !== undefined ? (idxFailures.get(i) ?? 0) : undefined))));
          const failed = results.filter((x) => x.status === 'rejected');
          exp.lower(key, failed.length, 0);
          for (const x of results) if (x.status === 'fulfilled') r.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${x.value.metadata.name ?? ''}`);
          active.push(...results.flatMap((x) => (x.status === 'fulfilled' ? [x.value] : [])));
          if (failed[0]?.status === 'rejected') throw failed[0].reason;
        } else if (extra > 0) {
          for (const p of active.slice(-extra)) await podClient.inNamespace(ns).delete(p.metadata.name ?? '').catch(ignoreNotFound);
        }
      }
      status.active = active.length;
      if (deadline !== undefined) requeueAfter = Math.min(requeueAfter ?? Infinity, deadline - now + 10);
    }
    status.ready = active.filter(isPodReady).length;
    status.terminating = terminatingPods.length;
    if (indexed) {
      status.completedIndexes = formatIndexes(doneIdx);
      if (perIndexLimit !== undefined) status.failedIndexes = formatIndexes(failedIdx);
    }
    let current = job;
    const newlyFinished = [...uncounted.succeeded, ...uncounted.failed].some((u) => !(oldUncounted.succeeded ?? []).includes(u) && !(oldUncounted.failed ?? []).includes(u));
    if (newlyFinished) {
      // Step 1: record the finished pods' UIDs before their finalizers come off (a crash here loses no count).
      const mid = { ...old, uncountedTerminatedPods: { ...(uncounted.succeeded.size ? { succeeded: [...uncounted.succeeded] } : {}), ...(uncounted.failed.size ? { failed: [...uncounted.failed] } : {}) } };
      const updated = await jobClient.updateStatus({ ...job, status: mid }).catch(ignoreNotFound);
      if (!updated) return;
      current = updated;
    }
    await releaseFinalizers(toRelease);
    status.succeeded = succeeded;
    status.failed = failedCount;
    status.uncountedTerminatedPods = {};
    for (const k of ['active', 'succeeded', 'failed'] as const) if (status[k] === 0) delete status[k];
    if (!(status.conditions as Condition[]).length) delete status.conditions;
    if (!jsonEqual(status, rec(current, 'status'))) await jobClient.updateStatus({ ...current, status }).catch(ignoreNotFound);
    return requeueAfter !== undefined && Number.isFinite(requeueAfter) ? { requeueAfter: Math.max(10, requeueAfter) } : undefined;
  }

  return { name: NAME, done: r.run() };
}

/** A pod of the Job; Indexed pods get the completion index annotation, label, hostname and JOB_COMPLETION_INDEX. */
function jobPod(job: KObject, index: number | undefined, failureCount?: number): KObject {
  const name = job.metadata.name ?? '';
  const ns = job.metadata.namespace ?? '';
  const ref = ownerRefFor(job, 'batch/v1', 'Job');
  if (index === undefined) {
    const p = podFromTemplate(rec(job, 'spec').template, ns, ref, { generateName: `${name}-` });
    p.metadata.finalizers = [...(p.metadata.finalizers ?? []), TRACKING_FINALIZER];
    return p;
  }
  const pod = podFromTemplate(rec(job, 'spec').template, ns, ref, { generateName: `${name}-${index}-` }, { [INDEX_ANNOTATION]: String(index) });
  pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), TRACKING_FINALIZER];
  pod.metadata.annotations = { ...pod.metadata.annotations, [INDEX_ANNOTATION]: String(index), ...(failureCount !== undefined ? { [FAILURE_COUNT_ANNOTATION]: String(failureCount) } : {}) };
  const spec = pod.spec as Record<string, unknown>;
  spec.hostname ??= `${name}-${index}`;
  const addEnv = (cs: unknown) => {
    for (const c of (cs as Array<{ env?: Array<{ name: string; value?: string; valueFrom?: unknown }> }> | undefined) ?? []) {
      c.env = [...(c.env ?? []).filter((e) => e.name !== 'JOB_COMPLETION_INDEX'), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } }];
    }
  };
  addEnv(spec.containers);
  addEnv(spec.initContainers);
  return pod;
}
