/**
 * The HPA's replica calculation (upstream podautoscaler/replica_calculator.go):
 * pods grouped into ready / unready / missing-metrics / ignored, the usage
 * ratio against the target with a 10% tolerance, and the conservative second
 * pass that assumes missing pods use 100% on a scale-down and 0% on a scale-up
 * (unready pods 0% on a scale-up) — never flipping the direction.
 */
import type { KObject } from '../../api/index.js';
import { getCondition, podPhase, rec } from '../util.js';

/** One pod's usage of the resource (milli-units), when it was sampled and over what window. */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export const TOLERANCE = 0.1;
/** Within this time of its start a pod's CPU samples may be misleading (--horizontal-pod-autoscaler-cpu-initialization-period). */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const DELAY_OF_INITIAL_READINESS_MS = 30_000;

export interface GroupedPods {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** upstream groupPods: deleted/failed pods are ignored, pending ones unready, CPU samples of starting pods unready. */
export function groupPods(pods: KObject[], metrics: PodMetrics, resource: string, now: number): GroupedPods {
  const g: GroupedPods = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const p of pods) {
    const name = p.metadata.name ?? '';
    if (p.metadata.deletionTimestamp || podPhase(p) === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (podPhase(p) === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const m = metrics.get(name);
    if (!m) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = getCondition(rec(p, 'status'), 'Ready');
      const startText = rec(p, 'status').startTime;
      const start = typeof startText === 'string' ? Date.parse(startText) : NaN;
      let unready: boolean;
      if (!cond || Number.isNaN(start)) unready = true;
      else {
        const ltt = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0;
        if (start + CPU_INITIALIZATION_PERIOD_MS > now) unready = cond.status === 'False' || m.timestamp < ltt + m.windowMs;
        else unready = cond.status === 'False' && start + DELAY_OF_INITIAL_READINESS_MS > ltt;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** Sum of the pod's containers' requests of `resource` (milli), or an error naming the container without one. */
export function podRequests(pods: KObject[], resource: string, container: string | undefined, toMillis: (q: string) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pods) {
    let sum = 0;
    for (const c of (rec(p, 'spec').containers ?? []) as Array<{ name: string; resources?: { requests?: Record<string, string> } }>) {
      if (container && c.name !== container) continue;
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${p.metadata.name ?? ''}`);
      sum += toMillis(String(q));
    }
    out.set(p.metadata.name ?? '', sum);
  }
  return out;
}

export interface Proposal {
  replicas: number;
  /** Average utilization in percent of request (utilization targets). */
  utilization?: number;
  /** Average raw usage (milli-units). */
  rawAverage: number;
  timestamp: number;
}

type Ratio = (metrics: PodMetrics) => { ratio: number; utilization?: number; rawAverage: number };

/** The shared second half of GetResourceReplicas / calcPlainMetricReplicas. */
function calculate(currentReplicas: number, pods: KObject[], metricsIn: PodMetrics, resource: string, now: number, ratioOf: Ratio, fallbackOnScaleDown: (pod: string) => number): Proposal {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics: PodMetrics = new Map(metricsIn);
  const g = groupPods(pods, metrics, resource, now);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const timestamp = Math.min(...[...metrics.values()].map((m) => m.timestamp));
  const first = ratioOf(metrics);
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= TOLERANCE) return { replicas: currentReplicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
    return { replicas: Math.ceil(first.ratio * g.readyCount), utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
  }
  if (g.missing.size > 0) {
    for (const n of g.missing) metrics.set(n, { value: first.ratio < 1.0 ? fallbackOnScaleDown(n) : 0, timestamp, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
  const second = ratioOf(metrics);
  if (Math.abs(1.0 - second.ratio) <= TOLERANCE || (first.ratio < 1.0 && second.ratio > 1.0) || (first.ratio > 1.0 && second.ratio < 1.0)) {
    return { replicas: currentReplicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
  }
  const replicas = Math.ceil(second.ratio * metrics.size);
  if ((second.ratio < 1.0 && replicas > currentReplicas) || (second.ratio > 1.0 && replicas < currentReplicas)) {
    return { replicas: currentReplicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
  }
  return { replicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
}

/** A Resource/ContainerResource metric with an averageUtilization target (percent of request). */
export function resourceReplicas(currentReplicas: number, targetUtilization: number, pods: KObject[], metrics: PodMetrics, requests: Map<string, number>, resource: string, now: number): Proposal {
  const ratioOf: Ratio = (ms) => {
    let used = 0;
    let req = 0;
    let n = 0;
    for (const [pod, m] of ms) {
      const r = requests.get(pod);
      if (r === undefined) continue;
      used += m.value;
      req += r;
      n++;
    }
    if (req === 0) throw new Error('no metrics returned matched known pods');
    const utilization = Math.trunc((used * 100) / req);
    return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(used / n) };
  };
  return calculate(currentReplicas, pods, metrics, resource, now, ratioOf, (pod) => ((requests.get(pod) ?? 0) * Math.max(100, targetUtilization)) / 100);
}

/** A Resource/ContainerResource metric with an averageValue target (milli-units per pod). */
export function rawResourceReplicas(currentReplicas: number, targetAverage: number, pods: KObject[], metrics: PodMetrics, resource: string, now: number): Proposal {
  const ratioOf: Ratio = (ms) => {
    let used = 0;
    for (const m of ms.values()) used += m.value;
    const avg = used / ms.size;
    return { ratio: avg / targetAverage, rawAverage: Math.trunc(avg) };
  };
  return calculate(currentReplicas, pods, metrics, resource, now, ratioOf, () => targetAverage);
}
