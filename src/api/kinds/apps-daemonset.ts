/** apps/v1 DaemonSet as upstream v1.32 (including the template-generation annotation its strategy keeps). */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { goQuote } from '../field-path.js';
import { AGE_COL, NAME_COL, age, col, define, rec, str } from './common.js';
import {
  containerCells,
  defaultPodTemplate,
  formatLabelSelector,
  formatLabels,
  goIntOrString,
  goPtr,
  immutableSelector,
  intOrPercentValue,
  invalidGo,
  nonNegative,
  notMoreThan100Percent,
  notSupportedGo,
  num,
  semanticEqual,
  settleGeneration,
  statusZeros,
  validateIntOrPercent,
  type Rec,
} from './apps-common.js';
import { CONTAINERS_COL, IMAGES_COL, appsWorkload, collisionCountErrs, defaultRollingStrategy, validateReplicatedTemplate } from './workload-common.js';

/** appsv1.DeprecatedTemplateGeneration: where apps/v1 keeps the internal spec.templateGeneration. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function validateUpdateStrategy(us: Rec): FieldErr[] {
  const path = 'spec.updateStrategy';
  switch (us.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      if (!isRecord(us.rollingUpdate)) return [fieldErr.required(`${path}.rollingUpdate`)];
      const r = us.rollingUpdate;
      const p = `${path}.rollingUpdate`;
      const errs = [
        ...validateIntOrPercent(r.maxUnavailable, `${p}.maxUnavailable`),
        ...validateIntOrPercent(r.maxSurge, `${p}.maxSurge`),
        ...notMoreThan100Percent(r.maxUnavailable, `${p}.maxUnavailable`),
        ...notMoreThan100Percent(r.maxSurge, `${p}.maxSurge`),
      ];
      const hasUnavailable = intOrPercentValue(r.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(r.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalidGo(`${p}.maxSurge`, goIntOrString(r.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      if (!hasUnavailable && !hasSurge) errs.push(fieldErr.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      return errs;
    }
    default:
      return [
        notSupportedGo(path, `apps.DaemonSetUpdateStrategy{Type:${goQuote(str(us.type))}, RollingUpdate:${goPtr('apps.RollingUpdateDaemonSet', us.rollingUpdate, 3)}}`, ['RollingUpdate', 'OnDelete']),
      ];
  }
}

function validateDaemonSetStatus(obj: KObject, old: KObject): FieldErr[] {
  const s = rec(obj.status);
  const errs: FieldErr[] = [];
  const fields = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'];
  for (const f of fields) errs.push(...nonNegative(`status.${f}`, s[f]));
  return [...errs, ...collisionCountErrs(obj, old)];
}

/**
 * What DaemonSet's PrepareForCreate/PrepareForUpdate do to the template
 * generation: 1 on create, +1 whenever the pod template changes.
 */
function settleTemplateGeneration(obj: KObject, old?: KObject): void {
  const ann = (obj.metadata.annotations ??= {});
  if (!old) {
    ann[TEMPLATE_GENERATION_ANNOTATION] = '1';
    return;
  }
  const before = Number(old.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? '0') || 0;
  const changed = !semanticEqual(rec(obj.spec).template, rec(old.spec).template);
  ann[TEMPLATE_GENERATION_ANNOTATION] = String(changed ? before + 1 : before);
}

export const daemonSetDef = define({
  ...appsWorkload('DaemonSet', 'daemonsets', 'ds', false),
  defaults(obj) {
    const spec = child(obj, 'spec');
    defaultRollingStrategy(spec, 'updateStrategy', 1, 0);
    spec.revisionHistoryLimit ??= 10;
    defaultPodTemplate(child(spec, 'template'));
    const ann = (obj.metadata.annotations ??= {});
    ann[TEMPLATE_GENERATION_ANNOTATION] ??= '1';
    statusZeros(obj, ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']);
  },
  validate(obj, old) {
    settleTemplateGeneration(obj, old);
    const spec = rec(obj.spec);
    const errs = [
      ...validateReplicatedTemplate(spec, 'daemonset', 'DaemonSet', { required: false, invalidDetail: null }),
      ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
      ...validateUpdateStrategy(rec(spec.updateStrategy)),
      ...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit),
    ];
    if (old) {
      settleGeneration(obj, old);
      errs.push(...immutableSelector(obj, old), ...validateDaemonSetStatus(obj, old));
    }
    return errs;
  },
  table: {
    columns: [
      NAME_COL,
      col('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', 0, 'integer'),
      col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', 0, 'integer'),
      col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', 0, 'integer'),
      col('Up-to-date', 'The total number of nodes that are running updated daemon pod', 0, 'integer'),
      col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', 0, 'integer'),
      col('Node Selector', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      col('Selector', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template\'s labels.', 1),
    ],
    row(obj, now) {
      const spec = rec(obj.spec);
      const s = rec(obj.status);
      const podSpec = rec(rec(spec.template).spec);
      const [names, images] = containerCells(podSpec);
      return [
        obj.metadata.name,
        num(s.desiredNumberScheduled),
        num(s.currentNumberScheduled),
        num(s.numberReady),
        num(s.updatedNumberScheduled),
        num(s.numberAvailable),
        formatLabels(podSpec.nodeSelector),
        age(obj.metadata.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(spec.selector),
      ];
    },
  },
});
