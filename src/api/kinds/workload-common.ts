/**
 * What the replicated apps/v1 workloads (Deployment, ReplicaSet, DaemonSet,
 * StatefulSet) share on top of apps-common's validators: the common fields
 * of their definitions, rolling-update defaults, the pod-template and
 * status checks of upstream's apps validation, and the table cells.
 * @module
 */
import { child, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { col, rec } from './common.js';
import { containerCells, nonNegative, num, validatePodTemplate, validateTemplatePolicy, validateWorkloadSelector, type Rec } from './apps-common.js';

export const CONTAINERS_COL = col('Containers', 'Names of each container in the template.', 1);
export const IMAGES_COL = col('Images', 'Images referenced by each container in the template.', 1);

const SCALE = { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorPath: 'spec.selector' };

/**
 * The define() fields of an apps/v1 workload: namespaced, in `all`, with a
 * status subresource and a generation; `scalable` adds the scale subresource
 * (autoscaling/v1 Scale), which every workload but DaemonSet has.
 */
export function appsWorkload(kind: string, resource: string, shortName: string, scalable: boolean) {
  const status = { name: 'status', group: 'apps', version: 'v1', kind, verbs: ['get', 'patch', 'update'] };
  const scale = { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
  return {
    group: 'apps',
    version: 'v1',
    kind,
    resource,
    namespaced: true,
    shortNames: [shortName],
    categories: ['all'],
    statusSubresource: true,
    generation: true,
    ...(scalable ? { scale: { ...SCALE }, subresources: [scale, status] } : { subresources: [status] }),
  };
}

/**
 * SetDefaults of a strategy with a rolling update (Deployment's `strategy`,
 * DaemonSet's `updateStrategy`): type RollingUpdate when unset and, for that
 * type, the rollingUpdate's maxUnavailable and maxSurge.
 */
export function defaultRollingStrategy(spec: Rec, field: string, maxUnavailable: number | string, maxSurge: number | string): void {
  const strategy = child(spec, field);
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    ru.maxUnavailable ??= maxUnavailable;
    ru.maxSurge ??= maxSurge;
  }
}

/**
 * ValidatePodTemplateSpecForReplicaSet / ForDaemonSet: the selector (with
 * validateWorkloadSelector's options), the template's labels and pod spec,
 * restartPolicy Always and no activeDeadlineSeconds (`... in <deadlineKind> is not Supported`).
 */
export function validateReplicatedTemplate(spec: Rec, kindWord: string, deadlineKind: string, selector?: Parameters<typeof validateWorkloadSelector>[2]): FieldErr[] {
  return [
    ...validateWorkloadSelector(spec, kindWord, selector),
    ...validatePodTemplate(spec.template, 'spec.template'),
    ...validateTemplatePolicy(spec.template, 'spec.template', ['Always'], deadlineKind),
  ];
}

/** status.collisionCount may not go down (nor disappear) once set. */
export function collisionCountErrs(obj: KObject, old: KObject): FieldErr[] {
  const s = rec(obj.status);
  const oldCount = rec(old.status).collisionCount;
  if (typeof oldCount === 'number' && (typeof s.collisionCount !== 'number' || s.collisionCount < oldCount)) {
    return [fieldErr.invalid('status.collisionCount', num(s.collisionCount), 'cannot be decremented')];
  }
  return [];
}

/**
 * The status rules of the replica-counting workloads: every field in
 * `nonNegative` is >= 0, every field in `bounded` is <= status.replicas,
 * availableReplicas <= readyReplicas (`readyName` is how the message names
 * it: Deployment and ReplicaSet say `readyReplicas`, StatefulSet
 * `status.readyReplicas`), and collisionCount never decreases.
 */
export function validateReplicaStatus(obj: KObject, old: KObject, fields: { nonNegative: string[]; bounded: string[]; readyName: string }): FieldErr[] {
  const s = rec(obj.status);
  const errs: FieldErr[] = [];
  for (const f of fields.nonNegative) errs.push(...nonNegative(`status.${f}`, s[f]));
  for (const f of fields.bounded) {
    if (num(s[f]) > num(s.replicas)) errs.push(fieldErr.invalid(`status.${f}`, s[f], 'cannot be greater than status.replicas'));
  }
  if (num(s.availableReplicas) > num(s.readyReplicas)) errs.push(fieldErr.invalid('status.availableReplicas', s.availableReplicas, `cannot be greater than ${fields.readyName}`));
  return [...errs, ...collisionCountErrs(obj, old)];
}

/** The Containers and Images cells of a workload's pod template. */
export function templateCells(spec: Rec): [string, string] {
  return containerCells(rec(spec.template).spec);
}
