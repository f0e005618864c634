/** batch/v1 Job as upstream v1.32: defaults, generated selector and labels, validation, table. */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { humanDuration } from '../human-duration.js';
import { isDNS1123Label } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import {
  asSelector,
  containerCells,
  defaultPodTemplate,
  formatLabelSelector,
  goLabelSelector,
  goStringMap,
  immutableSelector,
  invalidGo,
  nonNegative,
  semanticEqual,
  settleGeneration,
  validatePodTemplate,
  validateWorkloadSelector,
  type Rec,
} from './apps-common.js';
import { matchesLabels } from '../labels.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

/** Job defaults that CronJob job templates get too (pod template, pod-failure-policy patterns). */
export function defaultJobTemplatePieces(spec: Rec): void {
  for (const rule of arr(rec(spec.podFailurePolicy).rules)) {
    for (const p of arr(rec(rule).onPodConditions)) if (isRecord(p) && !p.status) p.status = 'True';
  }
  defaultPodTemplate(child(spec, 'template'));
}

/** SetDefaults_Job. */
export function defaultJobSpec(spec: Rec): void {
  if ((spec.completions ?? null) === null && (spec.parallelism ?? null) === null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= (spec.backoffLimitPerIndex ?? null) !== null ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= isRecord(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  defaultJobTemplatePieces(spec);
}

/** The Job strategy's generateSelector: unique labels on the pods and a selector on the uid label. */
function generateSelector(job: KObject, spec: Rec): void {
  const labels = child(child(child(spec, 'template'), 'metadata'), 'labels');
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[k] ??= name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[k] ??= uid;
  child(child(spec, 'selector'), 'matchLabels')[CONTROLLER_UID_LABEL] ??= uid;
}

/** validateJobSpec (shared with CronJob job templates, rooted at `path`). */
export function validateJobSpec(spec: Rec, path: string): FieldErr[] {
  const errs: FieldErr[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) errs.push(...nonNegative(`${path}.${f}`, spec[f]));
  const mode = spec.completionMode;
  if (typeof spec.backoffLimitPerIndex === 'number') {
    errs.push(...nonNegative(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex));
    if (mode !== 'Indexed') errs.push(fieldErr.forbidden(`${path}.backoffLimitPerIndex`, 'requires indexed completion mode'));
  }
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fieldErr.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if ((spec.completions ?? null) === null) errs.push(fieldErr.required(`${path}.completions`, 'when completion mode is Indexed'));
      if (typeof spec.parallelism === 'number' && spec.parallelism > 100000) {
        errs.push(fieldErr.invalid(`${path}.parallelism`, spec.parallelism, 'must be less than or equal to 100000 when completion mode is Indexed'));
      }
    }
  }
  const rp = spec.podReplacementPolicy;
  if (rp !== undefined && rp !== null) {
    if (isRecord(spec.podFailurePolicy)) {
      if (rp !== 'Failed') errs.push(fieldErr.notSupported(`${path}.podReplacementPolicy`, rp, ['Failed']));
    } else if (rp !== 'Failed' && rp !== 'TerminatingOrFailed') errs.push(fieldErr.notSupported(`${path}.podReplacementPolicy`, rp, ['Failed', 'TerminatingOrFailed']));
  }
  errs.push(...validatePodTemplate(spec.template, `${path}.template`));
  const restart = rec(rec(spec.template).spec).restartPolicy;
  if (restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(fieldErr.notSupported(`${path}.template.spec.restartPolicy`, restart ?? '', ['OnFailure', 'Never']));
  } else if (isRecord(spec.podFailurePolicy) && restart !== 'Never') {
    errs.push(fieldErr.invalid(`${path}.template.spec.restartPolicy`, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** validateGeneratedSelector: the generated labels must be there and the selector must pick them. */
function validateGeneratedSelector(job: KObject, spec: Rec): FieldErr[] {
  if (spec.manualSelector === true || !isRecord(spec.selector)) return [];
  const errs: FieldErr[] = [];
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  if (!uid) errs.push(fieldErr.required('metadata.uid'));
  const labels = rec(rec(rec(spec.template).metadata).labels);
  const expected: Record<string, string> = {};
  for (const [key, want] of [
    [LEGACY_CONTROLLER_UID_LABEL, uid],
    [LEGACY_JOB_NAME_LABEL, name],
    [CONTROLLER_UID_LABEL, uid],
    [JOB_NAME_LABEL, name],
  ] as const) {
    const p = `spec.template.metadata.labels[${key}]`;
    if (!(key in labels)) errs.push(fieldErr.required(p, want));
    else if (labels[key] !== want) errs.push(invalidGo(p, goStringMap(labels), `must be '${want}'`));
    expected[key] = want;
  }
  const sel = asSelector(spec.selector);
  if (sel && !matchesLabels(sel, expected)) errs.push(invalidGo('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  return errs;
}

const SCHEDULING = ['nodeSelector', 'tolerations', 'schedulingGates'];

/** The pod template with what a suspended, never-started Job may still change taken out. */
function lockedTemplate(template: unknown, mutableScheduling: boolean): unknown {
  if (!mutableScheduling) return template;
  const t = rec(template);
  const spec = { ...rec(t.spec) };
  for (const k of SCHEDULING) delete spec[k];
  spec.affinity = { ...rec(spec.affinity), nodeAffinity: undefined };
  return { ...t, metadata: { ...rec(t.metadata), labels: undefined, annotations: undefined }, spec };
}

function validateJobUpdate(job: KObject, old: KObject): FieldErr[] {
  const spec = rec(job.spec);
  const prev = rec(old.spec);
  const errs: FieldErr[] = [];
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism;
  if (!elastic && !semanticEqual(spec.completions, prev.completions)) errs.push(fieldErr.invalid('spec.completions', spec.completions ?? null, 'field is immutable'));
  errs.push(...immutableSelector(job, old));
  const mutableScheduling = prev.suspend === true && !rec(old.status).startTime;
  if (!semanticEqual(lockedTemplate(spec.template, mutableScheduling), lockedTemplate(prev.template, mutableScheduling))) {
    errs.push(invalidGo('spec.template', 'core.PodTemplateSpec{...}', 'field is immutable'));
  }
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    if (!semanticEqual(spec[f], prev[f])) errs.push(fieldErr.invalid(`spec.${f}`, spec[f] ?? null, 'field is immutable'));
  }
  const s = rec(job.status);
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating']) errs.push(...nonNegative(`status.${f}`, s[f]));
  return errs;
}

function validateJob(job: KObject, old?: KObject): FieldErr[] {
  const spec = rec(job.spec);
  const errs = [
    ...validateGeneratedSelector(job, spec),
    ...validateJobSpec(spec, 'spec'),
    ...validateWorkloadSelector(spec, 'job', { emptyInvalid: false, invalidDetail: null }),
  ];
  const completions = spec.completions;
  if (spec.completionMode === 'Indexed' && typeof completions === 'number' && completions > 0) {
    const host = `${job.metadata.name ?? ''}-${completions - 1}`;
    if (isDNS1123Label(host).length) errs.push(fieldErr.invalid('metadata.name', job.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${host}`));
  }
  if (old) {
    settleGeneration(job, old);
    errs.push(...validateJobUpdate(job, old));
  }
  return errs;
}

/** printers' hasJobCondition: the first condition of the type decides. */
function hasCondition(job: KObject, type: string): boolean {
  const c = arr(rec(job.status).conditions).map(rec).find((x) => x.type === type);
  return c?.status === 'True';
}

function jobStatusCell(job: KObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobDef = define({
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  resource: 'jobs',
  namespaced: true,
  categories: ['all'],
  statusSubresource: true,
  generation: true,
  subresources: [{ name: 'status', group: 'batch', version: 'v1', kind: 'Job', verbs: ['get', 'patch', 'update'] }],
  fieldSelectors: { 'status.successful': (o) => String(typeof rec(o.status).succeeded === 'number' ? rec(o.status).succeeded : 0) },
  defaults(job) {
    const spec = child(job, 'spec');
    defaultJobSpec(spec);
    // The strategy generates the selector on create, once the server has given the Job its uid.
    if (job.metadata.uid && spec.manualSelector !== true) generateSelector(job, spec);
    const tplLabels = rec(rec(rec(spec.template).metadata).labels);
    if (Object.keys(job.metadata.labels ?? {}).length === 0 && Object.keys(tplLabels).length > 0) {
      job.metadata.labels = { ...(tplLabels as Record<string, string>) };
    }
  },
  validate: validateJob,
  table: {
    columns: [
      NAME_COL,
      col('Status', 'Status of the job.'),
      col('Completions', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec.'),
      col('Duration', 'Time required to complete the job.'),
      AGE_COL,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'A label query over pods that should match the pod count. Normally, the system sets this field for you.', 1),
    ],
    row(job, now) {
      const spec = rec(job.spec);
      const status = rec(job.status);
      const succeeded = typeof status.succeeded === 'number' ? status.succeeded : 0;
      let completions: string;
      if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`;
      else {
        const parallelism = typeof spec.parallelism === 'number' ? spec.parallelism : 0;
        completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
      }
      const start = Date.parse(str(status.startTime));
      const end = Date.parse(str(status.completionTime));
      const duration = Number.isNaN(start) ? '' : humanDuration((Number.isNaN(end) ? now : end) - start);
      const [names, images] = containerCells(rec(spec.template).spec);
      return [job.metadata.name, jobStatusCell(job), completions, duration, age(job.metadata.creationTimestamp, now), names, images, formatLabelSelector(spec.selector)];
    },
  },
});
