/**
 * HorizontalPodAutoscaler conversion between autoscaling/v1 and autoscaling/v2
 * (the storage shape), as upstream's pkg/apis/autoscaling/v1/conversion.go:
 * v1's targetCPUUtilizationPercentage is a v2 CPU utilization metric, and the
 * v2-only parts ride along in `autoscaling.alpha.kubernetes.io/*` annotations
 * on the v1 object, in the v1 (v2beta1-shaped) metric format.
 * @module
 */
import { isRecord, type KObject } from '../object.js';
import { arr, rec } from './common.js';
import type { Rec } from './apps-common.js';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/** Drop undefined members so JSON output and comparisons stay clean. */
function clean(o: Rec): Rec {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const isCPU = (m: Rec): boolean => m.type === 'Resource' && rec(m.resource).name === 'cpu';

function ref(o: unknown): Rec {
  const r = rec(o);
  return clean({ kind: r.kind, name: r.name, apiVersion: r.apiVersion });
}

// ---- v2 → v1 -----------------------------------------------------------------

function specToV1(m: Rec): Rec {
  const out: Rec = { type: m.type };
  const o = rec(m.object);
  const p = rec(m.pods);
  const r = rec(m.resource);
  const c = rec(m.containerResource);
  const e = rec(m.external);
  if (isRecord(m.object)) {
    const t = rec(o.target);
    out.object = clean({ target: ref(o.describedObject), metricName: rec(o.metric).name, targetValue: t.value ?? '0', selector: rec(o.metric).selector, averageValue: t.averageValue });
  }
  if (isRecord(m.pods)) out.pods = clean({ metricName: rec(p.metric).name, targetAverageValue: rec(p.target).averageValue ?? '0', selector: rec(p.metric).selector });
  if (isRecord(m.resource)) out.resource = clean({ name: r.name, targetAverageUtilization: rec(r.target).averageUtilization, targetAverageValue: rec(r.target).averageValue });
  if (isRecord(m.containerResource)) {
    out.containerResource = clean({ name: c.name, targetAverageUtilization: rec(c.target).averageUtilization, targetAverageValue: rec(c.target).averageValue, container: c.container });
  }
  if (isRecord(m.external)) {
    const t = rec(e.target);
    out.external = clean({ metricName: rec(e.metric).name, metricSelector: rec(e.metric).selector, targetValue: t.value, targetAverageValue: t.averageValue });
  }
  return out;
}

function statusToV1(m: Rec): Rec {
  const out: Rec = { type: m.type };
  if (isRecord(m.object)) {
    const cur = rec(m.object.current);
    out.object = clean({ target: ref(m.object.describedObject), metricName: rec(m.object.metric).name, currentValue: cur.value ?? '0', selector: rec(m.object.metric).selector, averageValue: cur.averageValue });
  }
  if (isRecord(m.pods)) out.pods = clean({ metricName: rec(m.pods.metric).name, currentAverageValue: rec(m.pods.current).averageValue ?? '0', selector: rec(m.pods.metric).selector });
  for (const k of ['resource', 'containerResource'] as const) {
    const r = m[k];
    if (!isRecord(r)) continue;
    const cur = rec(r.current);
    out[k] = clean({ name: r.name, currentAverageUtilization: cur.averageUtilization, currentAverageValue: cur.averageValue ?? '0', container: r.container });
  }
  if (isRecord(m.external)) {
    const cur = rec(m.external.current);
    out.external = clean({ metricName: rec(m.external.metric).name, metricSelector: rec(m.external.metric).selector, currentValue: cur.value ?? '0', currentAverageValue: cur.averageValue });
  }
  return out;
}

/** The internal HorizontalPodAutoscalerBehavior as Go marshals it (no json tags: Go field names, nil as null). */
function behaviorToInternalJSON(b: Rec): string {
  const rules = (r: unknown): unknown =>
    isRecord(r)
      ? {
          StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
          SelectPolicy: r.selectPolicy ?? null,
          Policies: Array.isArray(r.policies) ? r.policies.map(rec).map((p) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })) : null,
        }
      : null;
  return JSON.stringify({ ScaleUp: rules(b.scaleUp), ScaleDown: rules(b.scaleDown) });
}

/** An autoscaling/v2 HPA as autoscaling/v1 shows it. */
export function hpaV2ToV1(obj: KObject): KObject {
  const src = structuredClone(obj);
  const spec = rec(src.spec);
  const status = rec(src.status);
  const annotations: Record<string, string> = { ...(src.metadata.annotations ?? {}) };
  for (const k of ROUND_TRIP) delete annotations[k];
  const metrics = arr(spec.metrics).map(rec);
  const other = metrics.filter((m) => !(isCPU(m) && rec(rec(m.resource).target).averageUtilization != null)).map(specToV1);
  const cpu = metrics.find(isCPU);
  const current = arr(status.currentMetrics).map(rec);
  const conditions = arr(status.conditions);
  if (other.length) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(other);
  if (current.length) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(current.map(statusToV1));
  if (isRecord(spec.behavior)) annotations[BEHAVIOR_ANNOTATION] = behaviorToInternalJSON(spec.behavior);
  if (conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
  let currentCPU: unknown;
  for (const m of current) if (isCPU(m) && rec(rec(m.resource).current).averageUtilization != null) currentCPU = rec(rec(m.resource).current).averageUtilization;
  const metadata = { ...src.metadata };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: KObject = {
    ...src,
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: clean({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu ? (rec(rec(cpu.resource).target).averageUtilization ?? undefined) : undefined,
    }),
  };
  if (src.status !== undefined) {
    out.status = clean({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: currentCPU,
    });
  }
  return out;
}

// ---- v1 → v2 -----------------------------------------------------------------

function specToV2(m: Rec): Rec {
  const out: Rec = { type: m.type };
  if (isRecord(m.object)) {
    const o = m.object;
    out.object = {
      describedObject: ref(o.target),
      target: clean({ type: o.averageValue == null ? 'Value' : 'AverageValue', value: o.targetValue, averageValue: o.averageValue }),
      metric: clean({ name: o.metricName, selector: o.selector }),
    };
  }
  if (isRecord(m.pods)) out.pods = { metric: clean({ name: m.pods.metricName, selector: m.pods.selector }), target: clean({ type: 'AverageValue', averageValue: m.pods.targetAverageValue }) };
  for (const k of ['resource', 'containerResource'] as const) {
    const r = m[k];
    if (!isRecord(r)) continue;
    const util = r.targetAverageUtilization;
    out[k] = clean({
      name: r.name,
      target: clean({ type: util == null ? 'AverageValue' : 'Utilization', averageValue: r.targetAverageValue, averageUtilization: util }),
      container: r.container,
    });
  }
  if (isRecord(m.external)) {
    const e = m.external;
    out.external = {
      metric: clean({ name: e.metricName, selector: e.metricSelector }),
      target: clean({ type: e.targetAverageValue == null ? 'Value' : 'AverageValue', value: e.targetValue, averageValue: e.targetAverageValue }),
    };
  }
  return out;
}

function statusToV2(m: Rec): Rec {
  const out: Rec = { type: m.type };
  if (isRecord(m.object)) {
    const o = m.object;
    out.object = { describedObject: ref(o.target), current: clean({ value: o.currentValue, averageValue: o.averageValue }), metric: clean({ name: o.metricName, selector: o.selector }) };
  }
  if (isRecord(m.pods)) out.pods = { metric: clean({ name: m.pods.metricName, selector: m.pods.selector }), current: clean({ averageValue: m.pods.currentAverageValue }) };
  for (const k of ['resource', 'containerResource'] as const) {
    const r = m[k];
    if (!isRecord(r)) continue;
    out[k] = clean({ name: r.name, current: clean({ averageValue: r.currentAverageValue, averageUtilization: r.currentAverageUtilization }), container: r.container });
  }
  if (isRecord(m.external)) {
    const e = m.external;
    out.external = { metric: clean({ name: e.metricName, selector: e.metricSelector }), current: clean({ value: e.currentValue, averageValue: e.currentAverageValue }) };
  }
  return out;
}

/** Go's json.Unmarshal matches field names case-insensitively. */
function field(o: Rec, name: string): unknown {
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function behaviorFromAnnotation(text: string): Rec | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(raw)) return undefined;
  const rules = (r: unknown): Rec | undefined => {
    if (!isRecord(r)) return undefined;
    const policies = field(r, 'policies');
    return clean({
      stabilizationWindowSeconds: field(r, 'stabilizationWindowSeconds') ?? undefined,
      selectPolicy: field(r, 'selectPolicy') ?? undefined,
      policies: Array.isArray(policies) ? policies.map(rec).map((p) => ({ type: field(p, 'type'), value: field(p, 'value'), periodSeconds: field(p, 'periodSeconds') })) : undefined,
    });
  };
  const b = clean({ scaleUp: rules(field(raw, 'scaleUp')), scaleDown: rules(field(raw, 'scaleDown')) });
  return Object.keys(b).length ? b : undefined;
}

function parseList(text: string | undefined): Rec[] | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(rec) : [];
  } catch {
    return [];
  }
}

/** An autoscaling/v1 HPA in the autoscaling/v2 (storage) shape. */
export function hpaV1ToV2(obj: KObject): KObject {
  const src = structuredClone(obj);
  const spec = rec(src.spec);
  const status = rec(src.status);
  const annotations: Record<string, string> = { ...(src.metadata.annotations ?? {}) };
  const target = spec.targetCPUUtilizationPercentage;
  const cpu: Rec[] = target == null ? [] : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }];
  const other = parseList(annotations[METRIC_SPECS_ANNOTATION]);
  let metrics = other ? [...other.map(specToV2), ...cpu] : cpu;
  // autoscaling/v1 always meant "80% CPU" when nothing was said.
  if (metrics.length === 0) metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  const cur = status.currentCPUUtilizationPercentage;
  let currentMetrics: Rec[] | undefined = cur == null ? undefined : [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cur } } }];
  const statuses = parseList(annotations[METRIC_STATUSES_ANNOTATION]);
  if (statuses) currentMetrics = statuses.map(statusToV2);
  const conditions = parseList(annotations[CONDITIONS_ANNOTATION]);
  const behaviorText = annotations[BEHAVIOR_ANNOTATION];
  const behavior = behaviorText === undefined ? undefined : behaviorFromAnnotation(behaviorText);
  for (const k of ROUND_TRIP) delete annotations[k];
  const metadata = { ...src.metadata };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: KObject = {
    ...src,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: clean({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics, behavior }),
  };
  if (src.status !== undefined) {
    out.status = clean({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics,
      conditions: conditions && conditions.length ? conditions : undefined,
    });
  }
  return out;
}
