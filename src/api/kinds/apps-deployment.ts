/** apps/v1 Deployment and ReplicaSet: defaults, validation, tables and field selectors as upstream v1.32. */
import { child, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { goQuote } from '../field-path.js';
import { labelSelectorToString } from '../labels.js';
import { AGE_COL, NAME_COL, age, col, define, rec, str } from './common.js';
import {
  asSelector,
  defaultPodTemplate,
  formatLabelSelector,
  goIntOrString,
  goPtr,
  immutableSelector,
  intOrPercentValue,
  invalidGo,
  nonNegative,
  notMoreThan100Percent,
  notSupportedGo,
  num,
  settleGeneration,
  statusZeros,
  validateIntOrPercent,
  type Rec,
} from './apps-common.js';
import { CONTAINERS_COL, IMAGES_COL, appsWorkload, defaultRollingStrategy, templateCells, validateReplicaStatus, validateReplicatedTemplate } from './workload-common.js';

/** ValidateDeploymentStrategy. */
function validateStrategy(strategy: Rec): FieldErr[] {
  const ru = strategy.rollingUpdate;
  const path = 'spec.strategy';
  switch (strategy.type) {
    case 'Recreate':
      return ru !== undefined && ru !== null ? [fieldErr.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      if (ru === undefined || ru === null) return [fieldErr.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
      const r = rec(ru);
      const p = `${path}.rollingUpdate`;
      const errs = [...validateIntOrPercent(r.maxUnavailable, `${p}.maxUnavailable`), ...validateIntOrPercent(r.maxSurge, `${p}.maxSurge`)];
      if (intOrPercentValue(r.maxUnavailable) === 0 && intOrPercentValue(r.maxSurge) === 0) {
        errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(r.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      return [...errs, ...notMoreThan100Percent(r.maxUnavailable, `${p}.maxUnavailable`)];
    }
    default:
      return [
        notSupportedGo(path, `apps.DeploymentStrategy{Type:${goQuote(str(strategy.type))}, RollingUpdate:${goPtr('apps.RollingUpdateDeployment', ru, 0)}}`, ['Recreate', 'RollingUpdate']),
      ];
  }
}

/** The status counts Deployment and ReplicaSet validate besides replicas (upstream's ValidateDeploymentStatus / ValidateReplicaSetStatus). */
function replicaStatus(obj: KObject, old: KObject, fields: string[]): FieldErr[] {
  return validateReplicaStatus(obj, old, {
    nonNegative: ['observedGeneration', 'replicas', ...fields, 'collisionCount'],
    bounded: fields.filter((f) => f !== 'unavailableReplicas'),
    readyName: 'readyReplicas',
  });
}

/** The template checks ValidatePodTemplateSpecForReplicaSet makes (Deployments reuse them). */
function validateReplicaTemplate(spec: Rec, kindWord: string): FieldErr[] {
  return validateReplicatedTemplate(spec, kindWord, 'ReplicaSet');
}

function validateDeployment(obj: KObject, old?: KObject): FieldErr[] {
  const spec = rec(obj.spec);
  const errs = [
    ...nonNegative('spec.replicas', spec.replicas),
    ...validateReplicaTemplate(spec, 'deployment'),
    ...validateStrategy(rec(spec.strategy)),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
    ...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit),
  ];
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds));
    if (spec.progressDeadlineSeconds <= num(spec.minReadySeconds)) {
      errs.push(fieldErr.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  if (old) {
    // Upstream's PrepareForUpdate: spec or annotation changes bump the generation.
    settleGeneration(obj, old, true);
    errs.push(...immutableSelector(obj, old));
    errs.push(...replicaStatus(obj, old, ['updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']));
  }
  return errs;
}

export const deploymentDef = define({
  ...appsWorkload('Deployment', 'deployments', 'deploy', true),
  defaults(obj) {
    const spec = child(obj, 'spec');
    spec.replicas ??= 1;
    defaultRollingStrategy(spec, 'strategy', '25%', '25%');
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultPodTemplate(child(spec, 'template'));
  },
  validate: validateDeployment,
  table: {
    columns: [
      NAME_COL,
      col('Ready', 'Number of the pod with ready state'),
      col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template\'s labels.', 1),
    ],
    row(obj, now) {
      const spec = rec(obj.spec);
      const status = rec(obj.status);
      const sel = asSelector(spec.selector);
      const [names, images] = templateCells(spec);
      return [
        obj.metadata.name,
        `${num(status.readyReplicas)}/${num(spec.replicas)}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(obj.metadata.creationTimestamp, now),
        names,
        images,
        sel === null ? '<invalid>' : sel ? labelSelectorToString(sel) : '',
      ];
    },
  },
});

function validateReplicaSet(obj: KObject, old?: KObject): FieldErr[] {
  const spec = rec(obj.spec);
  const errs = [
    ...nonNegative('spec.replicas', spec.replicas),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
    // Upstream's ReplicaSet check really does say "for deployment".
    ...validateReplicaTemplate(spec, 'deployment'),
  ];
  if (old) {
    settleGeneration(obj, old);
    errs.push(...immutableSelector(obj, old));
    errs.push(...replicaStatus(obj, old, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']));
  }
  return errs;
}

export const replicaSetDef = define({
  ...appsWorkload('ReplicaSet', 'replicasets', 'rs', true),
  fieldSelectors: { 'status.replicas': (o) => String(num(rec(o.status).replicas)) },
  defaults(obj) {
    const spec = child(obj, 'spec');
    spec.replicas ??= 1;
    defaultPodTemplate(child(spec, 'template'));
    statusZeros(obj, ['replicas']);
  },
  validate: validateReplicaSet,
  table: {
    columns: [
      NAME_COL,
      col('Desired', 'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.', 0, 'integer'),
      col('Current', 'Replicas is the most recently observed number of non-terminating pods.', 0, 'integer'),
      col('Ready', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.', 0, 'integer'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      col('Selector', 'Selector is a label query over pods that should match the replica count.', 1),
    ],
    row(obj, now) {
      const spec = rec(obj.spec);
      const status = rec(obj.status);
      const [names, images] = templateCells(spec);
      return [
        obj.metadata.name,
        num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        age(obj.metadata.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(spec.selector),
      ];
    },
  },
});

