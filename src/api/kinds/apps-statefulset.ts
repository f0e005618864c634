/** apps/v1 StatefulSet and ControllerRevision as upstream v1.32. */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { goQuote } from '../field-path.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import {
  defaultPodTemplate,
  goIntOrString,
  goPtr,
  intOrPercentValue,
  invalidGo,
  nonNegative,
  notMoreThan100Percent,
  num,
  semanticEqual,
  settleGeneration,
  statusZeros,
  validateIntOrPercent,
  validateLabels,
  validateTemplatePolicy,
  validateWorkloadSelector,
  type Rec,
} from './apps-common.js';
import { CONTAINERS_COL, IMAGES_COL, appsWorkload, templateCells, validateReplicaStatus } from './workload-common.js';

function validateUpdateStrategy(us: Rec): FieldErr[] {
  const path = 'spec.updateStrategy';
  const ru = us.rollingUpdate;
  switch (us.type) {
    case undefined:
    case null:
    case '':
      return [fieldErr.required(path)];
    case 'OnDelete':
      return isRecord(ru)
        ? [invalidGo(`${path}.rollingUpdate`, `apps.RollingUpdateStatefulSetStrategy{Partition:${num(ru.partition)}, MaxUnavailable:${goPtr('intstr.IntOrString', ru.maxUnavailable, 1)}}`, "only allowed for updateStrategy 'RollingUpdate'")]
        : [];
    case 'RollingUpdate': {
      if (!isRecord(ru)) return [];
      const p = `${path}.rollingUpdate`;
      const errs = nonNegative(`${p}.partition`, ru.partition);
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        errs.push(...validateIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'cannot be 0'));
        errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      }
      return errs;
    }
    default:
      return [
        invalidGo(path, `apps.StatefulSetUpdateStrategy{Type:${goQuote(str(us.type))}, RollingUpdate:${goPtr('apps.RollingUpdateStatefulSetStrategy', ru, 2)}}`, "must be 'RollingUpdate' or 'OnDelete'"),
      ];
  }
}

function validateStatefulSetSpec(spec: Rec): FieldErr[] {
  const errs: FieldErr[] = [];
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(fieldErr.required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(fieldErr.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(rec(spec.updateStrategy)));
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (isRecord(retention)) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      if (retention[f] !== 'Retain' && retention[f] !== 'Delete') errs.push(fieldErr.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, retention[f] ?? '', ['Retain', 'Delete']));
    }
  }
  errs.push(...nonNegative('spec.replicas', spec.replicas), ...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  if (isRecord(spec.ordinals)) errs.push(...nonNegative('spec.ordinals.start', spec.ordinals.start));
  // Selector, then the template checks of ValidatePodTemplateSpecForStatefulSet (labels only: upstream leaves the pod spec to the pods).
  errs.push(...validateWorkloadSelector(spec, 'statefulset', { invalidDetail: '' }));
  errs.push(...validateLabels(rec(rec(spec.template).metadata).labels, 'spec.template.labels'));
  errs.push(...validateTemplatePolicy(spec.template, 'spec.template', ['Always'], 'StatefulSet'));
  return errs;
}

const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** ValidateStatefulSetStatus. */
function validateStatefulSetStatus(obj: KObject, old: KObject): FieldErr[] {
  const bounded = ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'];
  return validateReplicaStatus(obj, old, { nonNegative: ['replicas', ...bounded, 'observedGeneration', 'collisionCount'], bounded, readyName: 'status.readyReplicas' });
}

export const statefulSetDef = define(
  {
    ...appsWorkload('StatefulSet', 'statefulsets', 'sts', true),
    defaults(obj) {
      const spec = child(obj, 'spec');
      if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
      const us = child(spec, 'updateStrategy');
      if (!us.type) {
        us.type = 'RollingUpdate';
        us.rollingUpdate ??= {};
      }
      if (us.type === 'RollingUpdate' && isRecord(us.rollingUpdate)) us.rollingUpdate.partition ??= 0;
      const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
      if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
      if (!retention.whenScaled) retention.whenScaled = 'Retain';
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.serviceName ??= '';
      defaultPodTemplate(child(spec, 'template'));
      // Claim templates: PVC defaults, and the apiVersion/kind the server has printed for them since 1.2x.
      spec.volumeClaimTemplates = arr(spec.volumeClaimTemplates).map((t) => {
        if (!isRecord(t)) return t;
        const md = child(t, 'metadata');
        if (!('creationTimestamp' in md)) md.creationTimestamp = null;
        child(t, 'spec').volumeMode ??= 'Filesystem';
        const st = child(t, 'status');
        if (!st.phase) st.phase = 'Pending';
        return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...t };
      });
      if ((spec.volumeClaimTemplates as unknown[]).length === 0) delete spec.volumeClaimTemplates;
      statusZeros(obj, ['replicas', 'availableReplicas']);
    },
    validate(obj, old) {
      const errs = validateStatefulSetSpec(rec(obj.spec));
      if (old) {
        settleGeneration(obj, old);
        const strip = (s: unknown): Rec => Object.fromEntries(Object.entries(rec(s)).filter(([k]) => !MUTABLE.includes(k)));
        if (!semanticEqual(strip(obj.spec), strip(old.spec))) {
          errs.push(fieldErr.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
        errs.push(...validateStatefulSetStatus(obj, old));
      }
      return errs;
    },
    table: {
      columns: [NAME_COL, col('Ready', 'Number of the pod with ready state'), AGE_COL, CONTAINERS_COL, IMAGES_COL],
      row(obj, now) {
        const spec = rec(obj.spec);
        const [names, images] = templateCells(spec);
        return [obj.metadata.name, `${num(rec(obj.status).readyReplicas)}/${num(spec.replicas)}`, age(obj.metadata.creationTimestamp, now), names, images];
      },
    },
  },
  'label',
);

/** `statefulset.apps/web` as printers' formatResourceName prints a controller reference. */
function controllerName(obj: KObject): string {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

export const controllerRevisionDef = define({
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  namespaced: true,
  validate(obj, old) {
    const errs: FieldErr[] = [];
    if (obj.data === undefined || obj.data === null) errs.push(fieldErr.required('data', 'data is mandatory'));
    errs.push(...nonNegative('revision', obj.revision));
    if (old && !semanticEqual(obj.data, old.data)) errs.push(fieldErr.invalid('data', obj.data, 'field is immutable'));
    return errs;
  },
  defaults(obj) {
    obj.revision ??= 0;
  },
  table: {
    columns: [
      NAME_COL,
      col('Controller', 'Controller of the object'),
      col('Revision', 'Revision indicates the revision of the state represented by Data.'),
      AGE_COL,
    ],
    row: (obj, now) => [obj.metadata.name, controllerName(obj), num(obj.revision), age(obj.metadata.creationTimestamp, now)],
  },
});
