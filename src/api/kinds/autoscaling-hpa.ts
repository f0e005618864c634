/** HorizontalPodAutoscaler validation (on the v2 shape, as upstream validates the internal type) and table row. */
import type { KObject } from '../object.js';
import { isRecord } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isValidPathSegmentName } from '../names.js';
import { canonicalQuantity, compareQuantities, parseQuantity } from '../quantity.js';
import { age, arr, rec, str } from './common.js';
import { nonNegative, type Rec } from './apps-common.js';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const FIELD_OF: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource', External: 'external' };

function validateRef(ref: unknown, path: string): FieldErr[] {
  const r = rec(ref);
  const errs: FieldErr[] = [];
  for (const f of ['kind', 'name']) {
    const v = str(r[f]);
    if (!v) errs.push(fieldErr.required(`${path}.${f}`));
    else for (const msg of isValidPathSegmentName(v)) errs.push(fieldErr.invalid(`${path}.${f}`, v, msg));
  }
  return errs;
}

function validateIdentifier(id: unknown, path: string): FieldErr[] {
  const name = str(rec(id).name);
  if (!name) return [fieldErr.required(`${path}.name`, 'must specify a metric name')];
  return isValidPathSegmentName(name).map((msg) => fieldErr.invalid(`${path}.name`, name, msg));
}

function positive(q: unknown): boolean {
  try {
    return compareQuantities(parseQuantity(typeof q === 'number' ? String(q) : str(q)), '0') > 0;
  } catch {
    return false;
  }
}

function validateTarget(t: Rec, path: string): FieldErr[] {
  const errs: FieldErr[] = [];
  if (!t.type) errs.push(fieldErr.required(`${path}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(str(t.type))) errs.push(fieldErr.invalid(`${path}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  for (const f of ['value', 'averageValue']) if (t[f] != null && !positive(t[f])) errs.push(fieldErr.invalid(`${path}.${f}`, t[f], 'must be positive'));
  if (typeof t.averageUtilization === 'number' && t.averageUtilization < 1) errs.push(fieldErr.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateSource(kind: string, src: Rec, path: string): FieldErr[] {
  const t = rec(src.target);
  const errs: FieldErr[] = [];
  if (kind === 'object') errs.push(...validateRef(src.describedObject, `${path}.describedObject`));
  if (kind === 'object' || kind === 'pods' || kind === 'external') errs.push(...validateIdentifier(src.metric, `${path}.metric`));
  if (kind === 'resource' || kind === 'containerResource') {
    if (!str(src.name)) errs.push(fieldErr.required(`${path}.name`, 'must specify a resource name'));
  }
  errs.push(...validateTarget(t, `${path}.target`));
  const hasValue = t.value != null;
  const hasAvg = t.averageValue != null;
  const hasUtil = t.averageUtilization != null;
  switch (kind) {
    case 'object':
      if (!hasValue && !hasAvg) errs.push(fieldErr.required(`${path}.target.averageValue`, 'must set either a target value or averageValue'));
      break;
    case 'external':
      if (!hasValue && !hasAvg) errs.push(fieldErr.required(`${path}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (hasValue && hasAvg) errs.push(fieldErr.forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'pods':
      if (!hasAvg) errs.push(fieldErr.required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
      break;
    default:
      if (!hasUtil && !hasAvg) errs.push(fieldErr.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (hasUtil && hasAvg) errs.push(fieldErr.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
      if (kind === 'containerResource' && !str(src.container)) errs.push(fieldErr.required(`${path}.container`, 'must specify a container'));
  }
  return errs;
}

function validateMetric(m: Rec, path: string): FieldErr[] {
  const errs: FieldErr[] = [];
  const type = str(m.type);
  if (!type) errs.push(fieldErr.required(`${path}.type`, 'must specify a metric source type'));
  else if (!METRIC_TYPES.includes(type)) errs.push(fieldErr.notSupported(`${path}.type`, type, METRIC_TYPES));
  const present = ['object', 'external', 'pods', 'resource', 'containerResource'].filter((k) => isRecord(m[k]));
  const first = present[0];
  if (first) errs.push(...validateSource(first, rec(m[first]), `${path}.${first}`));
  const expected = FIELD_OF[type];
  if (expected && !present.includes(expected)) errs.push(fieldErr.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (present.length !== 1) for (const k of present) if (k !== expected) errs.push(fieldErr.forbidden(`${path}.${k}`, 'must populate the given metric source only'));
  return errs;
}

function validateRules(rules: unknown, path: string): FieldErr[] {
  if (!isRecord(rules)) return [];
  const errs: FieldErr[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (typeof w === 'number' && w < 0) errs.push(fieldErr.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (typeof w === 'number' && w > 3600) errs.push(fieldErr.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (rules.selectPolicy != null && !['Disabled', 'Max', 'Min'].includes(str(rules.selectPolicy))) {
    errs.push(fieldErr.notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies = arr(rules.policies).map(rec);
  if (policies.length === 0) errs.push(fieldErr.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(fieldErr.notSupported(`${pp}.type`, p.type ?? '', ['Percent', 'Pods']));
    if (!(typeof p.value === 'number' && p.value > 0)) errs.push(fieldErr.invalid(`${pp}.value`, p.value ?? 0, 'must be greater than zero'));
    const period = typeof p.periodSeconds === 'number' ? p.periodSeconds : 0;
    if (period <= 0) errs.push(fieldErr.invalid(`${pp}.periodSeconds`, period, 'must be greater than zero'));
    if (period > 1800) errs.push(fieldErr.invalid(`${pp}.periodSeconds`, period, 'must be less than or equal to 1800'));
  });
  return errs;
}

/** ValidateHorizontalPodAutoscaler(+Update/StatusUpdate) on an autoscaling/v2 shaped object. */
export function validateHPA(obj: KObject, old?: KObject): FieldErr[] {
  const spec = rec(obj.spec);
  const errs: FieldErr[] = [];
  const min = spec.minReplicas;
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (typeof min === 'number' && min < 1) errs.push(fieldErr.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(fieldErr.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (typeof min === 'number' && max < min) errs.push(fieldErr.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateRef(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  arr(spec.metrics).forEach((m, i) => errs.push(...validateMetric(rec(m), `spec.metrics[${i}]`)));
  if (isRecord(spec.behavior)) {
    errs.push(...validateRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  if (old) {
    const s = rec(obj.status);
    errs.push(...nonNegative('status.currentReplicas', s.currentReplicas), ...nonNegative('status.desiredReplicas', s.desiredReplicas));
  }
  return errs;
}

function q(v: unknown): string {
  try {
    return canonicalQuantity(typeof v === 'number' ? v : str(v));
  } catch {
    return str(v);
  }
}

/** formatHPAMetrics: at most two targets, `current/target`, then `+ N more...`. */
export function formatHPAMetrics(specs: Rec[], statuses: Rec[]): string {
  if (specs.length === 0) return '<none>';
  const list = specs.map((spec, i) => {
    const st = rec(statuses[i]);
    const cur = (k: string): Rec => rec(rec(st[k]).current);
    switch (spec.type) {
      case 'External':
      case 'Object': {
        const k = spec.type === 'External' ? 'external' : 'object';
        const t = rec(rec(spec[k]).target);
        if (t.averageValue != null) {
          const c = isRecord(st[k]) && cur(k).averageValue != null ? q(cur(k).averageValue) : '<unknown>';
          return `${c}/${q(t.averageValue)} (avg)`;
        }
        return `${isRecord(st[k]) ? q(cur(k).value) : '<unknown>'}/${q(t.value)}`;
      }
      case 'Pods':
        return `${isRecord(st.pods) ? q(cur('pods').averageValue) : '<unknown>'}/${q(rec(rec(spec.pods).target).averageValue)}`;
      case 'Resource':
      case 'ContainerResource': {
        const k = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const src = rec(spec[k]);
        const t = rec(src.target);
        if (t.averageValue != null) return `${str(src.name)}: ${isRecord(st[k]) ? q(cur(k).averageValue) : '<unknown>'}/${q(t.averageValue)}`;
        const c = isRecord(st[k]) && cur(k).averageUtilization != null ? `${String(cur(k).averageUtilization)}%` : '<unknown>';
        const target = t.averageUtilization != null ? `${String(t.averageUtilization)}%` : '<auto>';
        return `${str(src.name)}: ${c}/${target}`;
      }
      default:
        return '<unknown type>';
    }
  });
  const shown = list.slice(0, 2).join(', ');
  return list.length > 2 ? `${shown} + ${list.length - 2} more...` : shown;
}

/** The table row for an autoscaling/v2 shaped HPA. */
export function hpaRow(obj: KObject, now: number): unknown[] {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const ref = rec(spec.scaleTargetRef);
  return [
    obj.metadata.name,
    `${str(ref.kind)}/${str(ref.name)}`,
    formatHPAMetrics(arr(spec.metrics).map(rec), arr(status.currentMetrics).map(rec)),
    typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>',
    typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0,
    typeof status.currentReplicas === 'number' ? status.currentReplicas : 0,
    age(obj.metadata.creationTimestamp, now),
  ];
}
