/** Job controller: runs pods to completion with parallelism, Indexed mode, failure/success policies, deadlines and suspend (upstream `job_controller.go`). */
import type { KObject } from '../../api/index.js';
import { byOwnerUid, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from '../context.js';
import { Expectations } from '../expectations.js';
import { claimObjects, ignoreNotFound, podFromTemplate } from '../pod-control.js';
import { getCondition, isPodReady, jsonEqual, num, ownerKey, ownerRefFor, podPhase, rec, rfc3339, selectorMatcher, type Condition } from '../util.js';
import { INDEX_ANNOTATION, backoffMs, formatIndexes, matchFailurePolicy, matchSuccessPolicy, podIndex } from './policy.js';

const NAME = 'job-controller';
type Finish = { type: 'Complete' | 'Failed'; reason: string; message: string };

export function startJobController(ctx: ControllerContext): StartedController {
  const jobs = ctx.factory.informerFor('jobs.batch');
  const pods: SharedInformer = ctx.factory.informerFor('pods', { indexers: { byOwnerUid } });
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

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const job = jobs.get(ns, name);
    if (!job) return (exp.forget(key), void lastFailure.delete(key));
    const spec = rec(job, 'spec');
    const old = rec(job, 'status');
    if (['Complete', 'Failed'].some((t) => getCondition(old, t)?.status === 'True')) return;
    const now = ctx.clock.now();
    const owned = await claimObjects(job, ownerRefFor(job, 'batch/v1', 'Job'), pods.list(ns), selectorMatcher(spec.selector), podClient);
    const indexed = spec.completionMode === 'Indexed';
    const active = owned.filter((p) => !['Succeeded', 'Failed'].includes(podPhase(p)) && !p.metadata.deletionTimestamp);
    const terminating = owned.filter((p) => p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(podPhase(p))).length;
    const succeededPods = owned.filter((p) => podPhase(p) === 'Succeeded');
    const failedPods = owned.filter((p) => podPhase(p) === 'Failed');
    const status: Record<string, unknown> = { ...old, conditions: [...((old.conditions as Condition[] | undefined) ?? [])] };
    const setCond = (c: Condition) => {
      const list = status.conditions as Condition[];
      const prev = list.find((x) => x.type === c.type);
      if (prev && prev.status === c.status && prev.reason === c.reason) return;
      status.conditions = [...list.filter((x) => x.type !== c.type), { ...c, lastProbeTime: rfc3339(now), lastTransitionTime: rfc3339(now) }];
    };

    let finish: Finish | undefined;
    let failedCount = 0;
    for (const p of failedPods) {
      const m = matchFailurePolicy(job, p);
      if (m?.action === 'Ignore') continue;
      failedCount++;
      if (m?.action === 'FailJob' && !finish) finish = { type: 'Failed', reason: 'PodFailurePolicy', message: m.message };
    }
    const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
    const doneIdx = new Set(succeededPods.map(podIndex).filter((x): x is number => x !== undefined && x < (completions ?? 0)));
    const succeeded = indexed ? doneIdx.size : Math.max(succeededPods.length, num(old.succeeded));
    if (!finish && failedCount > num(spec.backoffLimit, 6)) finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    const started = old.startTime ? Date.parse(String(old.startTime)) : now;
    const deadline = typeof spec.activeDeadlineSeconds === 'number' ? started + spec.activeDeadlineSeconds * 1000 : undefined;
    if (!finish && !spec.suspend && deadline !== undefined && now >= deadline) finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    if (!finish && indexed && matchSuccessPolicy(job, doneIdx) !== undefined) finish = { type: 'Complete', reason: 'SuccessPolicy', message: 'Matched rules at index ' + String(matchSuccessPolicy(job, doneIdx)) };
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
      const wait = failedCount > 0 ? (lastFailure.get(key)?.at ?? now) + backoffMs(failedCount) - now : 0;
      if (exp.satisfied(key)) {
        let toCreate: Array<number | undefined> = [];
        if (indexed) {
          const busy = new Set(active.map(podIndex));
          const free = Array.from({ length: completions ?? 0 }, (_x, i) => i).filter((i) => !doneIdx.has(i) && !busy.has(i));
          toCreate = free.slice(0, Math.max(0, parallelism - active.length));
        } else {
          const remaining = completions === undefined ? (succeeded > 0 ? 0 : parallelism) : completions - succeeded;
          toCreate = Array.from({ length: Math.max(0, Math.min(parallelism, remaining) - active.length) }, () => undefined);
        }
        const extra = active.length - parallelism;
        if (toCreate.length && wait > 0) {
          requeueAfter = wait;
          toCreate = [];
        }
        if (toCreate.length) {
          exp.expect(key, toCreate.length, 0);
          const results = await Promise.allSettled(toCreate.map((i) => podClient.create(jobPod(job, i))));
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
    status.succeeded = succeeded;
    status.failed = failedCount;
    status.terminating = terminating;
    status.uncountedTerminatedPods = {};
    if (indexed) status.completedIndexes = formatIndexes(doneIdx);
    for (const k of ['active', 'succeeded', 'failed'] as const) if (status[k] === 0) delete status[k];
    if (!(status.conditions as Condition[]).length) delete status.conditions;
    if (!jsonEqual(status, old)) await jobClient.updateStatus({ ...job, status }).catch(ignoreNotFound);
    return requeueAfter !== undefined && Number.isFinite(requeueAfter) ? { requeueAfter: Math.max(10, requeueAfter) } : undefined;
  }

  return { name: NAME, done: r.run() };
}

/** A pod of the Job; Indexed pods get the completion index annotation, label, hostname and JOB_COMPLETION_INDEX. */
function jobPod(job: KObject, index: number | undefined): KObject {
  const name = job.metadata.name ?? '';
  const ns = job.metadata.namespace ?? '';
  const ref = ownerRefFor(job, 'batch/v1', 'Job');
  if (index === undefined) return podFromTemplate(rec(job, 'spec').template, ns, ref, { generateName: `${name}-` });
  const pod = podFromTemplate(rec(job, 'spec').template, ns, ref, { generateName: `${name}-${index}-` }, { [INDEX_ANNOTATION]: String(index) });
  pod.metadata.annotations = { ...pod.metadata.annotations, [INDEX_ANNOTATION]: String(index) };
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
