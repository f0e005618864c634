/**
 * HorizontalPodAutoscaler controller (autoscaling/v2, upstream
 * podautoscaler/horizontal.go): every sync period (15 s) per HPA it reads the
 * target's /scale, computes a proposal per metric from pod usage (a pluggable
 * metrics source), takes the largest, normalises it (stabilisation windows,
 * behavior policies, min/max) and writes /scale; status carries currentMetrics,
 * current/desiredReplicas, lastScaleTime and the AbleToScale / ScalingActive /
 * ScalingLimited conditions, with upstream's events and messages.
 */
import { matchesLabels, parseLabelSelector, quantity, type KObject } from '../../api/index.js';
import type { ReconcileResult } from '../../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from '../context.js';
import { jsonEqual, rec, rfc3339, type Condition } from '../util.js';
import { fallbackSource, type MetricsSource } from './metrics-source.js';
import { newMemory, normalizeWithBehavior, normalizeWithoutBehavior, storeScaleEvent, type Behavior, type CondDecision, type HpaMemory } from './normalize.js';
import { podRequests, rawResourceReplicas, resourceReplicas, type Proposal } from './replica-calculator.js';

const NAME = 'horizontal-pod-autoscaler';
export const HPA_RESOURCE = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', namespaced: true, kind: 'HorizontalPodAutoscaler' };

export interface HpaSettings {
  /** --horizontal-pod-autoscaler-sync-period (default 15 s). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min). */
  downscaleStabilizationMs?: number;
  /** Where pod usage comes from (default: metrics.k8s.io, else sim annotations). */
  metrics?: MetricsSource;
}

interface MetricTarget {
  type: 'Utilization' | 'AverageValue' | 'Value';
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}
interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { metric: { name: string } };
  object?: { metric: { name: string } };
  external?: { metric: { name: string } };
}
interface Scale {
  metadata: KObject['metadata'];
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** Kinds with a scale subresource, by apiVersion/kind (custom resources: not yet). */
function scaleResource(ctx: ControllerContext, ref: { apiVersion?: string; kind?: string }): { group: string; version: string; resource: string; namespaced: true } | undefined {
  const [group, version] = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/') : ['', ref.apiVersion ?? ''];
  const def = ctx.client.registry.kind(group ?? '', version ?? '', ref.kind ?? '');
  return def ? { group: def.group, version: def.version, resource: def.resource, namespaced: true } : undefined;
}

function setCondition(conds: Condition[], type: string, d: CondDecision, now: string): void {
  const i = conds.findIndex((c) => c.type === type);
  const old = conds[i];
  const next: Condition = { type, status: d.status, reason: d.reason, message: d.message, lastTransitionTime: old && old.status === d.status ? old.lastTransitionTime : now };
  if (i >= 0) conds[i] = next;
  else conds.push(next);
}

const milliQ = (v: number): string => quantity.canonicalQuantity(quantity.newMilliQuantity(Math.trunc(v), 'DecimalSI'));

export function startHpaController(ctx: ControllerContext, settings: HpaSettings = {}): StartedController {
  const hpas = ctx.factory.informerFor(HPA_RESOURCE);
  const pods = ctx.factory.informerFor('pods');
  const hpaClient = ctx.client.resource(HPA_RESOURCE);
  const source = settings.metrics ?? fallbackSource(ctx.client, ctx.clock);
  const syncMs = settings.syncPeriodMs ?? 15_000;
  const downWindowMs = settings.downscaleStabilizationMs ?? 300_000;
  const memory = new Map<string, HpaMemory>();
  const r = queueRunner(ctx, NAME, reconcile);
  hpas.addEventHandler({
    onAdd: (h) => r.enqueue(keyOf(h)),
    onUpdate: (a, b) => {
      if (!jsonEqual(rec(a, 'spec'), rec(b, 'spec'))) r.enqueue(keyOf(b));
    },
    onDelete: (t) => memory.delete(keyOf(t)),
  });

  async function proposalFor(hpa: KObject, m: MetricSpec, scale: Scale, selector: string): Promise<{ proposal: Proposal; name: string; status: Record<string, unknown> }> {
    const ns = hpa.metadata.namespace ?? '';
    const src = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
    if (!src) {
      const kind = m.type === 'Pods' ? 'FailedGetPodsMetric' : m.type === 'Object' ? 'FailedGetObjectMetric' : 'FailedGetExternalMetric';
      const metric = (m.pods ?? m.object ?? m.external)?.metric.name ?? '';
      const api = m.type === 'External' ? 'external.metrics.k8s.io' : 'custom.metrics.k8s.io';
      throw Object.assign(new Error(`unable to get metric ${metric}: no ${api} API is served (k8ts has no custom or external metrics adapter)`), { reason: kind });
    }
    const container = m.type === 'ContainerResource' ? m.containerResource?.container : undefined;
    const sel = parseLabelSelector(selector);
    const targeted = pods.list(ns).filter((p) => matchesLabels(sel, p.metadata.labels));
    const current = scale.spec?.replicas ?? 0;
    const reason = m.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
    const statusKey = m.type === 'Resource' ? 'resource' : 'containerResource';
    const ident = m.type === 'Resource' ? { name: src.name } : { name: src.name, container };
    try {
      const metrics = await source.podMetrics(ns, targeted, selector, src.name, container);
      if (src.target.averageValue !== undefined) {
        const target = quantity.quantityToMillis(String(src.target.averageValue));
        const proposal = rawResourceReplicas(current, target, targeted, metrics, src.name, ctx.clock.now());
        return { proposal, name: `${src.name} resource`, status: { type: m.type, [statusKey]: { ...ident, current: { averageValue: milliQ(proposal.rawAverage) } } } };
      }
      if (src.target.averageUtilization === undefined) throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
      const requests = podRequests(targeted, src.name, container, (q) => quantity.quantityToMillis(q));
      const proposal = resourceReplicas(current, src.target.averageUtilization, targeted, metrics, requests, src.name, ctx.clock.now());
      const name = m.type === 'Resource' ? `${src.name} resource utilization (percentage of request)` : `${src.name} container resource utilization (percentage of request)`;
      return { proposal, name, status: { type: m.type, [statusKey]: { ...ident, current: { averageUtilization: proposal.utilization, averageValue: milliQ(proposal.rawAverage) } } } };
    } catch (e) {
      const what = src.target.averageValue !== undefined ? 'usage' : 'utilization';
      throw Object.assign(new Error(`failed to get ${src.name} ${what}: ${e instanceof Error ? e.message : String(e)}`), { reason });
    }
  }

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const hpa = hpas.get(ns, name);
    if (!hpa) return;
    const spec = rec(hpa, 'spec') as { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number; metrics?: MetricSpec[]; behavior?: Behavior };
    const oldStatus = rec(hpa, 'status');
    const conds: Condition[] = structuredClone((oldStatus.conditions ?? []) as Condition[]);
    const nowMs = ctx.clock.now();
    const now = rfc3339(nowMs);
    const mem = memory.get(key) ?? newMemory();
    memory.set(key, mem);
    const ref = spec.scaleTargetRef ?? {};
    const reference = `${ref.kind ?? ''}/${ref.name ?? ''}`;
    let metricStatuses: Array<Record<string, unknown>> | undefined = (oldStatus.currentMetrics as Array<Record<string, unknown>> | undefined) ?? undefined;
    const writeStatus = async (currentReplicas: number, desiredReplicas: number, rescaled: boolean) => {
      const status: Record<string, unknown> = {
        observedGeneration: hpa.metadata.generation,
        ...(rescaled ? { lastScaleTime: now } : oldStatus.lastScaleTime ? { lastScaleTime: oldStatus.lastScaleTime } : {}),
        currentReplicas,
        desiredReplicas,
        ...(metricStatuses?.length ? { currentMetrics: metricStatuses } : {}),
        conditions: conds,
      };
      if (!jsonEqual(status, oldStatus)) await hpaClient.updateStatus({ ...hpa, status }).catch((e: unknown) => ctx.log(`${NAME}: ${key}: status: ${String(e)}`));
    };

    const gvr = scaleResource(ctx, ref);
    let scale: Scale;
    try {
      if (!gvr) throw new Error(`no matches for kind "${ref.kind ?? ''}" in group "${(ref.apiVersion ?? '').split('/')[0] ?? ''}"`);
      scale = await ctx.client.resource(gvr, ns).subresource<Scale>(ref.name ?? '', 'scale', { method: 'GET' });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      setCondition(conds, 'AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${msg}` }, now);
      r.recorder.event(hpa, 'Warning', 'FailedGetScale', msg);
      await writeStatus(num(oldStatus.currentReplicas), num(oldStatus.desiredReplicas), false);
      return { requeueAfter: syncMs };
    }
    setCondition(conds, 'AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" }, now);
    const currentReplicas = scale.spec?.replicas ?? 0;
    if (!mem.recommendations.length) mem.recommendations.push({ replicas: currentReplicas, at: nowMs });
    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas ?? minReplicas;
    let desired = 0;
    let rescaleReason = '';
    let rescale = true;
    if (currentReplicas === 0 && minReplicas !== 0) {
      rescale = false;
      setCondition(conds, 'ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' }, now);
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const selector = scale.status?.selector;
      const metrics = spec.metrics ?? [];
      if (!selector) {
        const msg = 'selector is required';
        setCondition(conds, 'ScalingActive', { status: 'False', reason: 'InvalidSelector', message: `the HPA target's scale is missing a selector` }, now);
        r.recorder.event(hpa, 'Warning', 'SelectorRequired', msg);
        await writeStatus(currentReplicas, num(oldStatus.desiredReplicas), false);
        return { requeueAfter: syncMs };
      }
      const statuses: Array<Record<string, unknown>> = [];
      let best = 0;
      let bestName = '';
      let invalid = 0;
      let firstError: (Error & { reason?: string }) | undefined;
      for (const m of metrics) {
        try {
          const p = await proposalFor(hpa, m, scale, selector);
          statuses.push(p.status);
          if (best === 0 || p.proposal.replicas > best) {
            best = p.proposal.replicas;
            bestName = p.name;
          }
        } catch (e) {
          const err = e as Error & { reason?: string };
          statuses.push({ type: '' });
          r.recorder.event(hpa, 'Warning', err.reason ?? 'FailedGetResourceMetric', err.message);
          if (!firstError) firstError = err;
          invalid++;
        }
      }
      metricStatuses = statuses.filter((s) => s.type !== '');
      if (firstError && (invalid >= metrics.length || best < currentReplicas)) {
        const msg = `invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${firstError.message}`;
        setCondition(conds, 'ScalingActive', { status: 'False', reason: firstError.reason ?? 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${firstError.message}` }, now);
        r.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', msg);
        await writeStatus(currentReplicas, num(oldStatus.desiredReplicas, currentReplicas), false);
        return { requeueAfter: syncMs };
      }
      setCondition(conds, 'ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${bestName}` }, now);
      desired = best;
      if (desired > currentReplicas) rescaleReason = `${bestName} above target`;
      if (desired < currentReplicas) rescaleReason = 'All metrics below target';
      const n = spec.behavior
        ? normalizeWithBehavior(mem, spec.behavior, currentReplicas, desired, minReplicas, maxReplicas, nowMs, downWindowMs / 1000)
        : normalizeWithoutBehavior(mem, currentReplicas, desired, minReplicas, maxReplicas, nowMs, downWindowMs);
      setCondition(conds, 'AbleToScale', n.ableToScale, now);
      setCondition(conds, 'ScalingLimited', n.scalingLimited, now);
      desired = n.replicas;
      rescale = desired !== currentReplicas;
    }
    if (rescale) {
      try {
        await ctx.client.resource(gvr!, ns).subresource(ref.name ?? '', 'scale', { method: 'PUT', body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { ...scale.metadata }, spec: { replicas: desired } } });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        r.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${msg}`);
        setCondition(conds, 'AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${msg}` }, now);
        await writeStatus(currentReplicas, num(oldStatus.desiredReplicas, currentReplicas), false);
        throw e;
      }
      setCondition(conds, 'AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` }, now);
      r.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      storeScaleEvent(mem, spec.behavior, currentReplicas, desired, nowMs, downWindowMs / 1000);
      ctx.log(`${NAME}: ${reference} in ${ns} scaled ${currentReplicas} → ${desired} (${rescaleReason})`);
    } else desired = currentReplicas;
    await writeStatus(currentReplicas, desired, rescale);
    return { requeueAfter: syncMs };
  }

  return { name: NAME, done: r.run() };
}

const num = (v: unknown, d = 0): number => (typeof v === 'number' ? v : d);
