/** batch/v1 CronJob as upstream v1.32: defaults, schedule and time zone validation, table. */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { containerCells, formatLabelSelector, goLabelSelector, invalidGo, nonNegative, settleGeneration } from './apps-common.js';
import { defaultJobTemplatePieces, validateJobSpec } from './batch-job.js';
import { cronScheduleError, timeZoneError } from './batch-cron.js';

function validateCronJob(cj: KObject, old?: KObject): FieldErr[] {
  const errs: FieldErr[] = [];
  const name = cj.metadata.name ?? '';
  // Job names get an 11-character suffix and must stay DNS-1035 labels (63).
  if (name.length > 52) errs.push(fieldErr.invalid('metadata.name', name, 'must be no more than 52 characters'));
  const spec = rec(cj.spec);
  const oldSpec = old ? rec(old.spec) : undefined;
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(fieldErr.required('spec.schedule'));
  else {
    const err = cronScheduleError(schedule);
    if (err) errs.push(fieldErr.invalid('spec.schedule', schedule, err));
    const allowTZ = oldSpec !== undefined && str(oldSpec.schedule).includes('TZ');
    if (schedule.includes('TZ')) {
      if (!allowTZ) errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
      else if (typeof spec.timeZone === 'string') errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    }
  }
  errs.push(...nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
  if (typeof spec.timeZone === 'string' && (!oldSpec || oldSpec.timeZone !== spec.timeZone)) {
    const err = timeZoneError(spec.timeZone);
    if (err) errs.push(fieldErr.invalid('spec.timeZone', spec.timeZone, err));
  }
  const policy = spec.concurrencyPolicy;
  if (!policy) errs.push(fieldErr.required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(str(policy))) errs.push(fieldErr.notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  const jobSpec = rec(rec(spec.jobTemplate).spec);
  errs.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec'));
  if (isRecord(jobSpec.selector)) errs.push(invalidGo('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) errs.push(fieldErr.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit), ...nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit));
  if (old) settleGeneration(cj, old);
  return errs;
}

export const cronJobDef = define({
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  resource: 'cronjobs',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  statusSubresource: true,
  generation: true,
  subresources: [{ name: 'status', group: 'batch', version: 'v1', kind: 'CronJob', verbs: ['get', 'patch', 'update'] }],
  defaults(cj) {
    const spec = child(cj, 'spec');
    if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jt = child(spec, 'jobTemplate');
    const md = child(jt, 'metadata');
    if (!('creationTimestamp' in md)) md.creationTimestamp = null;
    defaultJobTemplatePieces(child(jt, 'spec'));
  },
  validate: validateCronJob,
  table: {
    columns: [
      NAME_COL,
      col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.', 0, 'boolean'),
      col('Active', 'A list of pointers to currently running jobs.', 0, 'integer'),
      col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
      AGE_COL,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'A label query over pods that should match the pod count. Normally, the system sets this field for you.', 1),
    ],
    row(cj, now) {
      const spec = rec(cj.spec);
      const status = rec(cj.status);
      const jobSpec = rec(rec(spec.jobTemplate).spec);
      const [names, images] = containerCells(rec(jobSpec.template).spec);
      const last = str(status.lastScheduleTime);
      return [
        cj.metadata.name,
        str(spec.schedule),
        typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
        typeof spec.suspend === 'boolean' ? (spec.suspend ? 'True' : 'False') : '<unset>',
        arr(status.active).length,
        last ? age(last, now) : '<none>',
        age(cj.metadata.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(jobSpec.selector),
      ];
    },
  },
});
