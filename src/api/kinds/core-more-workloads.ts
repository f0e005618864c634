/** core/v1 ReplicationController, PodTemplate and ComponentStatus as upstream. */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { matchesLabels, selectorFromLabelSelector } from '../labels.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { defaultPodSpec, validatePodSpec } from './pod.js';
import { formatLabels, goStringMap, validateLabels } from './core-more-util.js';
import { containerCells, nonNegative } from './apps-common.js';
import { CONTAINERS_COL, IMAGES_COL, templateCells } from './workload-common.js';

/** ValidatePodTemplateSpec: template labels and annotations, then the pod spec. */
export function validatePodTemplateSpec(template: Record<string, unknown>, path: string): FieldErr[] {
  const meta = rec(template.metadata);
  return [...validateLabels(meta.labels, `${path}.metadata.labels`), ...validatePodSpec(rec(template.spec), `${path}.spec`)];
}

function validateRc(rc: KObject): FieldErr[] {
  const spec = rec(rc.spec);
  const selector = rec(spec.selector);
  const errs = [...nonNegative('spec.minReadySeconds', spec.minReadySeconds)];
  if (Object.keys(selector).length === 0) errs.push(fieldErr.required('spec.selector'));
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  if (!isRecord(spec.template)) {
    errs.push(fieldErr.required('spec.template'));
    return errs;
  }
  const labels = rec(rec(spec.template.metadata).labels) as Record<string, string>;
  if (Object.keys(selector).length && !matchesLabels(selectorFromLabelSelector({ matchLabels: selector as Record<string, string> }), labels)) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``,
    });
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const podSpec = rec(spec.template.spec);
  if (podSpec.restartPolicy !== 'Always') errs.push(fieldErr.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy ?? '', ['Always']));
  if (podSpec.activeDeadlineSeconds !== undefined) {
    errs.push(fieldErr.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

export const replicationControllerDef = define({
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  resource: 'replicationcontrollers',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  statusSubresource: true,
  generation: true,
  subresources: [
    { name: 'status', group: '', version: 'v1', kind: 'ReplicationController', verbs: ['get', 'patch', 'update'] },
    { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  ],
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorPath: 'spec.selector' },
  fieldSelectors: { 'status.replicas': (o) => String(rec(o.status).replicas ?? 0) },
  defaults(rc) {
    const spec = child(rc, 'spec');
    const template = isRecord(spec.template) ? spec.template : undefined;
    const labels = template ? rec(template.metadata).labels : undefined;
    // SetDefaults_ReplicationController: selector and labels come from the template's labels.
    if (isRecord(labels)) {
      if (Object.keys(rec(spec.selector)).length === 0) spec.selector = { ...labels };
      if (Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = { ...(labels as Record<string, string>) };
    }
    spec.replicas ??= 1;
    if (template) defaultPodSpec(child(template, 'spec'));
    child(rc, 'status').replicas ??= 0;
  },
  validate: validateRc,
  table: {
    columns: [
      NAME_COL,
      col('Desired', 'Replicas is the number of desired replicas.', 0, 'integer'),
      col('Current', 'Replicas is the most recently observed number of replicas.', 0, 'integer'),
      col('Ready', 'The number of ready replicas for this replication controller.', 0, 'integer'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      col('Selector', 'Selector is a label query over pods that should match the Replicas count.', 1),
    ],
    row(rc, now) {
      const spec = rec(rc.spec);
      const status = rec(rc.status);
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      return [
        rc.metadata.name,
        num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        age(rc.metadata.creationTimestamp, now),
        ...templateCells(spec),
        formatLabels(spec.selector),
      ];
    },
  },
});

export const podTemplateDef = define({
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  resource: 'podtemplates',
  namespaced: true,
  generation: true,
  defaults(pt) {
    defaultPodSpec(child(child(pt, 'template'), 'spec'));
  },
  validate: (pt) => validatePodTemplateSpec(rec(pt.template), 'template'),
  table: {
    columns: [
      NAME_COL,
      col('Containers', 'Names of each container in the template.'),
      col('Images', 'Images referenced by each container in the template.'),
      col('Pod Labels', 'The labels for the pod template.'),
    ],
    row: (pt) => [pt.metadata.name, ...containerCells(rec(pt.template).spec), formatLabels(rec(rec(pt.template).metadata).labels)],
  },
});

/** printComponentStatus: the Healthy condition decides STATUS, MESSAGE and ERROR. */
function componentCells(cs: KObject): [string, string, string] {
  const healthy = arr(cs.conditions).map(rec).find((c) => c.type === 'Healthy');
  if (!healthy) return ['Unknown', '', ''];
  return [healthy.status === 'True' ? 'Healthy' : 'Unhealthy', str(healthy.message), str(healthy.error)];
}

export const componentStatusDef = define({
  group: '',
  version: 'v1',
  kind: 'ComponentStatus',
  resource: 'componentstatuses',
  listKind: 'ComponentStatusList',
  namespaced: false,
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  table: {
    columns: [
      NAME_COL,
      col('Status', 'Status of the component conditions'),
      col('Message', 'Message of the component conditions'),
      col('Error', 'Error of the component conditions'),
    ],
    row: (cs) => [cs.metadata.name, ...componentCells(cs)],
  },
});
