/** Which nodes a DaemonSet pod belongs on (upstream NodeShouldRunDaemonPod): node selector, required node affinity, taints with the daemon tolerations. */
import { specMatchesNodeSelectorAndAffinity, tolerates, type KObject, type NodeSelectorRequirement as Requirement } from '../api/index.js';
import { rec } from './util.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}
interface Taint {
  key: string;
  value?: string;
  effect: string;
}
type PodSpecLike = Parameters<typeof specMatchesNodeSelectorAndAffinity>[0];

/** The tolerations upstream adds to every daemon pod. */
export function daemonTolerations(podSpec: Record<string, unknown>): Toleration[] {
  const have = ((podSpec.tolerations as Toleration[] | undefined) ?? []).slice();
  const add = (key: string, effect: string) => {
    if (!have.some((t) => t.key === key && t.effect === effect && (t.operator ?? 'Equal') === 'Exists')) have.push({ key, operator: 'Exists', effect });
  };
  add('node.kubernetes.io/not-ready', 'NoExecute');
  add('node.kubernetes.io/unreachable', 'NoExecute');
  add('node.kubernetes.io/disk-pressure', 'NoSchedule');
  add('node.kubernetes.io/memory-pressure', 'NoSchedule');
  add('node.kubernetes.io/pid-pressure', 'NoSchedule');
  add('node.kubernetes.io/unschedulable', 'NoSchedule');
  if (podSpec.hostNetwork === true) add('node.kubernetes.io/network-unavailable', 'NoSchedule');
  return have;
}

export function shouldRunOn(podSpec: Record<string, unknown>, node: KObject): boolean {
  if (!specMatchesNodeSelectorAndAffinity(podSpec as PodSpecLike, node)) return false;
  const taints = (rec(node, 'spec').taints as Taint[] | undefined) ?? [];
  const tols = daemonTolerations(podSpec);
  return taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute').every((t) => tols.some((tol) => tolerates(tol, t)));
}

/** The node a daemon pod is bound to, or targets through its matchFields affinity. */
export function podNode(pod: KObject): string | undefined {
  const n = rec(pod, 'spec').nodeName;
  if (typeof n === 'string' && n) return n;
  const terms = (rec(rec(rec(rec(pod, 'spec'), 'affinity'), 'nodeAffinity'), 'requiredDuringSchedulingIgnoredDuringExecution').nodeSelectorTerms as Array<{ matchFields?: Requirement[] }> | undefined) ?? [];
  return terms.flatMap((t) => t.matchFields ?? []).find((f) => f.key === 'metadata.name')?.values?.[0];
}

/** Upstream ReplaceDaemonSetPodNodeNameNodeAffinity: pin the pod to one node through required node affinity. */
export function pinToNode(podSpec: Record<string, unknown>, node: string): void {
  const affinity = { ...rec(podSpec, 'affinity') };
  const na = { ...rec(affinity, 'nodeAffinity') };
  na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
  affinity.nodeAffinity = na;
  podSpec.affinity = affinity;
  podSpec.tolerations = daemonTolerations(podSpec);
}
