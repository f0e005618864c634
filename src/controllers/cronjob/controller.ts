/** CronJob controller: creates Jobs on schedule with concurrencyPolicy, startingDeadlineSeconds, history limits and suspend (upstream `cronjob_controllerv2.go`). */
import type { KObject } from '../../api/index.js';
import { byOwnerUid, isAlreadyExists, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from '../context.js';
import { ignoreNotFound } from '../pod-control.js';
import { clone, getCondition, jsonEqual, num, ownerKey, ownerRefFor, rec, rfc3339, str } from '../util.js';
import { mostRecent, parseSchedule } from './schedule.js';

const NAME = 'cronjob-controller';
const SCHEDULED_AT = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

const finishedType = (j: KObject): string | undefined => ['Complete', 'Failed'].find((t) => getCondition(j.status, t)?.status === 'True');

export function startCronJobController(ctx: ControllerContext): StartedController {
  const cronjobs = ctx.factory.informerFor('cronjobs.batch');
  const jobs: SharedInformer = ctx.factory.informerFor('jobs.batch', { indexers: { byOwnerUid } });
  const cjClient = ctx.client.resource('cronjobs.batch');
  const jobClient = ctx.client.resource('jobs.batch');
  const r = queueRunner(ctx, NAME, reconcile);
  cronjobs.addEventHandler({ onAdd: (c) => r.enqueue(keyOf(c)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (c) => r.enqueue(keyOf(unwrapTombstone(c))) });
  jobs.addEventHandler({
    onAdd: (j) => r.enqueue(ownerKey(j, 'CronJob')),
    onUpdate: (a, b) => {
      const k = ownerKey(b, 'CronJob');
      if (k && !finishedType(a) && finishedType(b)) {
        const cj = cronjobs.get(b.metadata.namespace ?? '', k.split('/')[1] ?? '');
        if (cj) r.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${b.metadata.name ?? ''}, condition: ${finishedType(b) ?? ''}`);
      }
      r.enqueue(k);
    },
    onDelete: (t) => r.enqueue(ownerKey(unwrapTombstone(t), 'CronJob')),
  });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const cj = cronjobs.get(ns, name);
    if (!cj || cj.metadata.deletionTimestamp) return;
    const spec = rec(cj, 'spec');
    const old = rec(cj, 'status');
    const owned = jobs.indexer.byIndex('byOwnerUid', cj.metadata.uid ?? '').filter((j) => j.metadata.ownerReferences?.some((x) => x.controller && x.uid === cj.metadata.uid));
    const status: Record<string, unknown> = { ...old };
    const running = owned.filter((j) => !finishedType(j) && !j.metadata.deletionTimestamp);
    const ref = (j: KObject) => ({ kind: 'Job', namespace: ns, name: j.metadata.name ?? '', uid: j.metadata.uid ?? '', apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion ?? '' });
    status.active = running.map(ref);
    const succeededTimes = owned.filter((j) => finishedType(j) === 'Complete').map((j) => Date.parse(str(rec(j, 'status').completionTime) ?? '') || 0);
    if (succeededTimes.length) {
      const t = Math.max(...succeededTimes, Date.parse(str(old.lastSuccessfulTime) ?? '') || 0);
      if (t) status.lastSuccessfulTime = rfc3339(t);
    }
    await cleanupHistory(owned, num(spec.successfulJobsHistoryLimit, 3), num(spec.failedJobsHistoryLimit, 1));

    const save = async () => {
      if (!(status.active as unknown[]).length) delete status.active;
      if (!jsonEqual(status, old)) await cjClient.updateStatus({ ...cj, status }).catch(ignoreNotFound);
    };
    if (spec.suspend) return save();
    let schedule;
    try {
      schedule = parseSchedule(String(spec.schedule ?? ''), str(spec.timeZone));
    } catch (e) {
      r.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${String(spec.schedule)} : ${(e as Error).message}`);
      return save();
    }
    const now = ctx.clock.now();
    let earliest = Date.parse(str(old.lastScheduleTime) ?? cj.metadata.creationTimestamp ?? '') || now;
    const sds = typeof spec.startingDeadlineSeconds === 'number' ? spec.startingDeadlineSeconds : undefined;
    if (sds !== undefined) earliest = Math.max(earliest, now - sds * 1000);
    const { time, missed, next } = mostRecent(schedule, earliest, now);
    const after = next === undefined ? undefined : { requeueAfter: next - now + 100 };
    if (missed > 100) r.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    if (time === undefined) return save().then(() => after);
    if (sds !== undefined && time + sds * 1000 < now) {
      r.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc3339(time)}`);
      return save().then(() => after);
    }
    const policy = str(spec.concurrencyPolicy) ?? 'Allow';
    if (policy === 'Forbid' && running.length) {
      r.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return save().then(() => after);
    }
    if (policy === 'Replace') {
      for (const j of running) {
        await jobClient.inNamespace(ns).delete(j.metadata.name ?? '', { propagationPolicy: 'Background' }).catch(ignoreNotFound);
        r.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name ?? ''}`);
      }
      status.active = [];
    }
    const tmpl = rec(spec, 'jobTemplate');
    const tm = rec(tmpl, 'metadata');
    const job: KObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: `${name}-${Math.floor(time / 60_000)}`,
        namespace: ns,
        labels: { ...(tm.labels as Record<string, string> | undefined) },
        annotations: { ...(tm.annotations as Record<string, string> | undefined), [SCHEDULED_AT]: new Date(time).toISOString().replace(/\.\d+Z$/, 'Z') },
        ownerReferences: [ownerRefFor(cj, 'batch/v1', 'CronJob')],
      },
      spec: clone(rec(tmpl, 'spec')),
    };
    try {
      const created = await jobClient.create(job);
      r.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name ?? ''}`);
      (status.active as unknown[]).push(ref(created));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    status.lastScheduleTime = rfc3339(time);
    await save();
    return after;
  }

  async function cleanupHistory(owned: KObject[], okLimit: number, failLimit: number): Promise<void> {
    const byTime = (a: KObject, b: KObject) => (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0);
    for (const [type, limit] of [['Complete', okLimit], ['Failed', failLimit]] as const) {
      const done = owned.filter((j) => finishedType(j) === type && !j.metadata.deletionTimestamp).sort(byTime);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await jobClient.inNamespace(j.metadata.namespace ?? '').delete(j.metadata.name ?? '', { propagationPolicy: 'Background' }).catch(ignoreNotFound);
    }
  }

  return { name: NAME, done: r.run() };
}
