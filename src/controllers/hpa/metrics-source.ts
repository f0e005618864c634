/**
 * Where the HPA reads pod usage: a pluggable source. `MetricsApiSource` asks
 * the resource metrics API (metrics.k8s.io/v1beta1 PodMetrics, as served by
 * metrics-server); `SimUsageSource` reads simulated usage from pod annotations
 * (`sim.k8ts.io/cpu-usage`, `sim.k8ts.io/memory-usage`, per container
 * `sim.k8ts.io/cpu-usage.<container>`) for clusters run with
 * `--disable metrics-server` (k8ts serves metrics.k8s.io itself: src/metrics-server);
 * `fallbackSource` tries the API first and the annotations when it is absent.
 */
import { quantity, type KObject } from '../../api/index.js';
import { isNotFound, type Client, type Clock } from '../../client/index.js';
import { rec } from '../util.js';
import type { PodMetric, PodMetrics } from './replica-calculator.js';

export const SIM_USAGE_PREFIX = 'sim.k8ts.io/';
/** The sample window reported for simulated usage (metrics-server reports its scrape window). */
export const SIM_WINDOW_MS = 1000;

export interface MetricsSource {
  /** Usage of `resource` per pod name (milli-units), of the whole pod or of one container. */
  podMetrics(namespace: string, pods: KObject[], selector: string, resource: string, container?: string): Promise<PodMetrics>;
}

const toMillis = (q: string): number => quantity.quantityToMillis(q);

/** Usage from annotations on the pods themselves. */
export class SimUsageSource implements MetricsSource {
  constructor(private readonly clock: Clock) {}

  async podMetrics(_ns: string, pods: KObject[], _selector: string, resource: string, container?: string): Promise<PodMetrics> {
    const out: PodMetrics = new Map();
    const now = this.clock.now();
    for (const p of pods) {
      const ann = p.metadata.annotations ?? {};
      const whole = ann[`${SIM_USAGE_PREFIX}${resource}-usage`];
      let value: number | undefined;
      const containers = (rec(p, 'spec').containers ?? []) as Array<{ name: string }>;
      const perContainer = (name: string) => ann[`${SIM_USAGE_PREFIX}${resource}-usage.${name}`];
      try {
        if (container) {
          const v = perContainer(container) ?? (containers.length === 1 ? whole : undefined);
          if (v !== undefined) value = toMillis(v);
        } else if (whole !== undefined) value = toMillis(whole);
        else if (containers.length && containers.every((c) => perContainer(c.name) !== undefined)) value = containers.reduce((s, c) => s + toMillis(perContainer(c.name)!), 0);
      } catch {
        value = undefined; // an unparsable annotation is a missing metric
      }
      if (value !== undefined) out.set(p.metadata.name ?? '', { value, timestamp: now, windowMs: SIM_WINDOW_MS });
    }
    return out;
  }
}

interface PodMetricsObj {
  metadata: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: Array<{ name: string; usage?: Record<string, string> }>;
}

const windowMs = (w: string | undefined): number => {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(w ?? '');
  return m ? Number(m[1]) * 1000 : 0;
};

/** PodMetrics from metrics.k8s.io/v1beta1 (metrics-server or any aggregated implementation). */
export class MetricsApiSource implements MetricsSource {
  constructor(private readonly client: Client) {}

  async podMetrics(namespace: string, _pods: KObject[], selector: string, resource: string, container?: string): Promise<PodMetrics> {
    const list = await this.client.resource<KObject>({ group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', namespaced: true, kind: 'PodMetrics' }, namespace).list({ labelSelector: selector });
    const out: PodMetrics = new Map();
    for (const item of list.items as unknown as PodMetricsObj[]) {
      let value = 0;
      let found = false;
      for (const c of item.containers ?? []) {
        if (container && c.name !== container) continue;
        const q = c.usage?.[resource];
        if (q === undefined) continue;
        value += toMillis(q);
        found = true;
      }
      if (!found) continue;
      const m: PodMetric = { value, timestamp: item.timestamp ? Date.parse(item.timestamp) : Date.now(), windowMs: windowMs(item.window) };
      out.set(item.metadata.name ?? '', m);
    }
    return out;
  }
}

/** The metrics API when it is served, else simulated usage (the API's absence is re-checked every minute). */
export function fallbackSource(client: Client, clock: Clock): MetricsSource {
  const api = new MetricsApiSource(client);
  const sim = new SimUsageSource(clock);
  let apiMissingUntil = 0;
  return {
    async podMetrics(ns, pods, selector, resource, container) {
      if (clock.now() >= apiMissingUntil) {
        try {
          return await api.podMetrics(ns, pods, selector, resource, container);
        } catch (e) {
          if (!isNotFound(e)) throw e;
          apiMissingUntil = clock.now() + 60_000;
        }
      }
      return sim.podMetrics(ns, pods, selector, resource, container);
    },
  };
}
