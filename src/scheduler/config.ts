/**
 * KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): profiles, plugin
 * sets per extension point merged onto the defaults as upstream merges them,
 * score weights, plugin args and percentageOfNodesToScore.
 */
import type { ExtensionPoint, ProfilePlugins } from './framework/runtime.js';
import { DEFAULT_PLUGINS, REGISTRY } from './plugins/registry.js';

export interface PluginRef {
  name: string;
  weight?: number;
}
export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}
export interface ProfileConfig {
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  plugins?: Partial<Record<ExtensionPoint | 'multiPoint', PluginSet>>;
  pluginConfig?: { name: string; args?: Record<string, unknown> }[];
}
export interface KubeSchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  profiles?: ProfileConfig[];
  leaderElection?: { leaderElect?: boolean; resourceNamespace?: string; resourceName?: string };
}

/** A profile resolved: what the framework is built from. */
export interface ResolvedProfile {
  schedulerName: string;
  percentageOfNodesToScore?: number;
  plugins: ProfilePlugins;
  args: Record<string, Record<string, unknown>>;
}

export const POINTS: ExtensionPoint[] = ['queueSort', 'preEnqueue', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind'];

/** Which extension points a plugin implements (from its methods). */
export const POINT_METHOD: Record<ExtensionPoint, string> = {
  queueSort: 'less',
  preEnqueue: 'preEnqueue',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
};

/** upstream mergePluginSet: defaults keep their order unless disabled ('*' drops all); re-enabled defaults take the new settings in place. */
export function mergePluginSet(defaults: PluginRef[], custom: PluginSet | undefined): { enabled: PluginRef[]; disabled: Set<string> } {
  const disabled = new Set((custom?.disabled ?? []).map((p) => p.name));
  const customEnabled = custom?.enabled ?? [];
  const replaced = new Set<number>();
  const enabled: PluginRef[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const i = customEnabled.findIndex((c) => c.name === d.name);
      if (i >= 0) replaced.add(i);
      enabled.push(i >= 0 ? { ...d, ...customEnabled[i] } : d);
    }
  }
  customEnabled.forEach((p, i) => {
    if (!replaced.has(i)) enabled.push(p);
  });
  return { enabled, disabled };
}

export class ConfigError extends Error {}

/** Resolve each profile: `implements(name, point)` says whether a plugin has that extension point. */
export function resolveProfiles(cfg: KubeSchedulerConfiguration, implementsPoint: (name: string, p: ExtensionPoint) => boolean, registry: Record<string, unknown> = REGISTRY): ResolvedProfile[] {
  const profiles = cfg.profiles?.length ? cfg.profiles : [{}];
  const seen = new Set<string>();
  return profiles.map((pc) => {
    const schedulerName = pc.schedulerName ?? 'default-scheduler';
    if (seen.has(schedulerName)) throw new ConfigError(`profiles: duplicate schedulerName "${schedulerName}"`);
    seen.add(schedulerName);
    const multi = mergePluginSet(DEFAULT_PLUGINS, pc.plugins?.multiPoint);
    const weights: Record<string, number> = {};
    for (const p of multi.enabled) if (p.weight) weights[p.name] = p.weight;
    const points = {} as Record<ExtensionPoint, string[]>;
    for (const pt of POINTS) {
      const specific = pc.plugins?.[pt];
      const disabled = new Set((specific?.disabled ?? []).map((p) => p.name));
      const explicit = specific?.enabled ?? [];
      for (const p of explicit) {
        if (!registry[p.name]) throw new ConfigError(`profiles[${schedulerName}].plugins.${pt}: unknown plugin "${p.name}"`);
        if (pt === 'score' && p.weight) weights[p.name] = p.weight;
      }
      const multiNames = multi.enabled.map((p) => p.name).filter((n) => !disabled.has('*') && !disabled.has(n) && implementsPoint(n, pt));
      const override = explicit.filter((p) => multiNames.includes(p.name)).map((p) => p.name);
      const others = explicit.filter((p) => !multiNames.includes(p.name)).map((p) => p.name);
      points[pt] = [...override, ...multiNames.filter((n) => !override.includes(n)), ...others];
    }
    for (const p of multi.enabled) if (!registry[p.name]) throw new ConfigError(`profiles[${schedulerName}].plugins.multiPoint: unknown plugin "${p.name}"`);
    if (points.queueSort.length !== 1) throw new ConfigError(`profiles[${schedulerName}]: exactly one queueSort plugin is required, got ${points.queueSort.length}`);
    if (points.bind.length === 0) throw new ConfigError(`profiles[${schedulerName}]: at least one bind plugin is required`);
    for (const n of points.score) weights[n] ??= 1;
    const args: Record<string, Record<string, unknown>> = {};
    for (const c of pc.pluginConfig ?? []) args[c.name] = c.args ?? {};
    const pct = pc.percentageOfNodesToScore ?? cfg.percentageOfNodesToScore;
    if (pct !== undefined && (pct < 0 || pct > 100)) throw new ConfigError(`percentageOfNodesToScore: ${pct}: must be in 0..100`);
    return { schedulerName, percentageOfNodesToScore: pct || undefined, plugins: { points, weights }, args };
  });
}

/** Upstream numFeasibleNodesToFind: all nodes below 100; else pct% (adaptive 50 − n/125, at least 5%), at least 100. */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < 100) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct === 0) pct = Math.max(5, 50 - Math.floor(numAllNodes / 125));
  if (pct >= 100) return numAllNodes;
  return Math.max(100, Math.floor((numAllNodes * pct) / 100));
}
