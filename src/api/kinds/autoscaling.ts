/**
 * autoscaling: HorizontalPodAutoscaler served as v2 (preferred) and v1,
 * stored once in the v2 shape (conversions in autoscaling-convert.ts).
 * @module
 */
import type { ResourceDef } from '../resource.js';
import { child, isRecord, type KObject } from '../object.js';
import { AGE_COL, NAME_COL, col, define } from './common.js';
import { statusZeros, type Rec } from './apps-common.js';
import { hpaV1ToV2, hpaV2ToV1 } from './autoscaling-convert.js';
import { hpaRow, validateHPA } from './autoscaling-hpa.js';

export { hpaV1ToV2, hpaV2ToV1 };

const SCALE_UP: Rec = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
// Scale-down's stabilization window stays unset: the controller's flag decides it.
const SCALE_DOWN: Rec = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

/** copyHPAScalingRules over the defaults: every field the user set wins. */
function rules(given: unknown, defaults: Rec): Rec {
  const out = structuredClone(defaults);
  if (isRecord(given)) for (const k of ['stabilizationWindowSeconds', 'selectPolicy', 'policies']) if (given[k] !== undefined && given[k] !== null) out[k] = given[k];
  // Field order as upstream prints HPAScalingRules.
  const ordered: Rec = {};
  for (const k of ['stabilizationWindowSeconds', 'selectPolicy', 'policies']) if (out[k] !== undefined) ordered[k] = out[k];
  return { ...ordered, ...out };
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2). */
export function defaultHPAV2(obj: KObject): void {
  const spec = child(obj, 'spec');
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (isRecord(spec.behavior)) {
    const b = spec.behavior;
    spec.behavior = { ...b, scaleUp: rules(b.scaleUp, SCALE_UP), scaleDown: rules(b.scaleDown, SCALE_DOWN) };
  }
  statusZeros(obj, ['desiredReplicas']);
}

const COLUMNS = [
  NAME_COL,
  col('Reference', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
  col('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
  col('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
  col('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
  col('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
  AGE_COL,
];

const base: Pick<ResourceDef, 'group' | 'kind' | 'resource' | 'namespaced' | 'shortNames' | 'categories' | 'statusSubresource'> = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  resource: 'horizontalpodautoscalers',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  statusSubresource: true,
};

export const hpaV2Def = define({
  ...base,
  version: 'v2',
  subresources: [{ name: 'status', group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', verbs: ['get', 'patch', 'update'] }],
  defaults: defaultHPAV2,
  validate: validateHPA,
  table: { columns: COLUMNS, row: hpaRow },
});

/** A v1 object in the v2 shape (tolerating one that already is, e.g. read straight from storage). */
const asV2 = (o: KObject): KObject => (isRecord(o.spec) && Array.isArray(o.spec.metrics) ? o : hpaV1ToV2(o));

export const hpaV1Def = define({
  ...base,
  version: 'v1',
  sameStorageAs: { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
  subresources: [{ name: 'status', group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', verbs: ['get', 'patch', 'update'] }],
  defaults(obj) {
    child(obj, 'spec').minReplicas ??= 1;
    statusZeros(obj, ['currentReplicas', 'desiredReplicas']);
  },
  // Upstream validates the internal (v2-shaped) object, so v1 errors carry v2 paths (spec.metrics[0]...).
  validate: (obj, old) => validateHPA(asV2(obj), old ? asV2(old) : undefined),
  table: { columns: COLUMNS, row: (obj, now) => hpaRow(asV2(obj), now) },
});

export const AUTOSCALING_RESOURCES: ResourceDef[] = [hpaV2Def, hpaV1Def];
