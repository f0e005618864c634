/** A pod parsed once for scheduling: requests, ports and affinity terms with compiled selectors. */
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../../api/index.js';
import { podRequests, type Resources } from './resources.js';
import type { Pod, PodAffinityTerm } from './types.js';

export interface AffinityTerm {
  selector: LabelSelector;
  /** Namespaces named by the term (the pod's own when neither list nor selector is set). */
  namespaces: Set<string>;
  /** When set, namespaces whose labels match also count (empty selector: all namespaces). */
  namespaceSelector?: LabelSelector;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  key: string;
  requests: Resources;
  nonZeroRequests: Resources;
  hostPorts: HostPort[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: WeightedAffinityTerm[];
  preferredAntiAffinity: WeightedAffinityTerm[];
}

const NOTHING: LabelSelector = { requirements: [{ key: '', operator: 'in', values: [] }] };

export function compileTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  let selector = t.labelSelector ? selectorFromLabelSelector(t.labelSelector) : NOTHING;
  // matchLabelKeys / mismatchLabelKeys add `key in (pod's value)` / `key notin (...)` requirements.
  const labels = pod.metadata.labels ?? {};
  const extra = [
    ...(t.matchLabelKeys ?? []).filter((k) => k in labels).map((k) => ({ key: k, operator: 'in' as const, values: [labels[k] ?? ''] })),
    ...(t.mismatchLabelKeys ?? []).filter((k) => k in labels).map((k) => ({ key: k, operator: 'notin' as const, values: [labels[k] ?? ''] })),
  ];
  if (extra.length && t.labelSelector) selector = { requirements: [...selector.requirements, ...extra] };
  const namespaces = new Set(t.namespaces ?? []);
  const namespaceSelector = t.namespaceSelector ? selectorFromLabelSelector(t.namespaceSelector) : undefined;
  if (namespaces.size === 0 && !namespaceSelector) namespaces.add(pod.metadata.namespace ?? 'default');
  return { selector, namespaces, namespaceSelector, topologyKey: t.topologyKey };
}

/** Does `term` (owned by some pod) select `pod`? `nsLabels` gives a namespace's labels. */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels: (ns: string) => Record<string, string> | undefined): boolean {
  const ns = pod.metadata.namespace ?? 'default';
  if (!term.namespaces.has(ns)) {
    if (!term.namespaceSelector || !matchesLabels(term.namespaceSelector, nsLabels(ns) ?? {})) return false;
  }
  return matchesLabels(term.selector, pod.metadata.labels ?? {});
}

/** The host ports a pod's containers (init containers first) ask for. */
export function hostPortsOf(pod: Pod): HostPort[] {
  const hostPorts: HostPort[] = [];
  for (const cs of [pod.spec?.initContainers, pod.spec?.containers]) {
    for (const c of cs ?? []) {
      for (const p of c.ports ?? []) {
        if (p.hostPort) hostPorts.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
      }
    }
  }
  return hostPorts;
}

function weighted(pod: Pod, ts: { weight: number; podAffinityTerm: PodAffinityTerm }[] | undefined): WeightedAffinityTerm[] {
  return ts ? ts.map((t) => ({ ...compileTerm(pod, t.podAffinityTerm), weight: t.weight })) : [];
}

export function newPodInfo(pod: Pod): PodInfo {
  const a = pod.spec?.affinity;
  const pa = a?.podAffinity;
  const paa = a?.podAntiAffinity;
  return {
    pod,
    key: `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`,
    requests: podRequests(pod),
    nonZeroRequests: podRequests(pod, true),
    hostPorts: hostPortsOf(pod),
    requiredAffinity: pa?.requiredDuringSchedulingIgnoredDuringExecution ? pa.requiredDuringSchedulingIgnoredDuringExecution.map((t) => compileTerm(pod, t)) : [],
    requiredAntiAffinity: paa?.requiredDuringSchedulingIgnoredDuringExecution ? paa.requiredDuringSchedulingIgnoredDuringExecution.map((t) => compileTerm(pod, t)) : [],
    preferredAffinity: weighted(pod, pa?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinity: weighted(pod, paa?.preferredDuringSchedulingIgnoredDuringExecution),
  };
}
