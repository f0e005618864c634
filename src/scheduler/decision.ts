/**
 * The scheduler's last real decision about a pod, kept on the pod as the
 * annotation `scheduler.k8ts.io/last-decision` (JSON) so `k8ts explain pod`
 * reads exactly what the scheduler saw, through the API, with no recomputation.
 * Big clusters are summarised: at most MAX_REJECTED rejected nodes are listed
 * one by one (all are counted by plugin and reason) and the top MAX_SCORED scored nodes.
 */
import type { NodeScores, ScoreTable } from './framework/runtime.js';
import type { Status } from './framework/status.js';

export const DECISION_ANNOTATION = 'scheduler.k8ts.io/last-decision';
export const MAX_REJECTED = 20;
export const MAX_SCORED = 10;

export interface Rejection {
  node: string;
  plugin: string;
  reason: string;
}

export interface Decision {
  time: string;
  profile: string;
  outcome: 'Scheduled' | 'Unschedulable' | 'Error';
  node?: string;
  message?: string;
  /** Nodes in the cluster, nodes filtered this cycle (percentageOfNodesToScore), and those that passed. */
  nodes: number;
  evaluated: number;
  feasible: number;
  /** "Plugin: reason" → how many nodes. */
  rejectedCounts: Record<string, number>;
  rejected: Rejection[];
  /** Highest totals first; per plugin, the weighted normalised score. */
  scores: NodeScores[];
  weights?: Record<string, number>;
  preemption?: string;
}

/** The decision's rejection summary from rejected nodes (a Map by node, or parallel name/status lists in rejection order). */
export function rejectionsOf(statuses: Map<string, Status> | { names: string[]; statuses: Status[] }): Pick<Decision, 'rejected' | 'rejectedCounts'> {
  const names = statuses instanceof Map ? [...statuses.keys()] : statuses.names;
  const list = statuses instanceof Map ? [...statuses.values()] : statuses.statuses;
  const rejectedCounts: Record<string, number> = {};
  const rejected: Rejection[] = [];
  // Plugins share Status objects for common reasons: count per object, then per "plugin: reason".
  const byStatus = new Map<Status, number>();
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
    if (rejected.length < MAX_REJECTED) rejected.push({ node: names[i]!, plugin: s.plugin, reason: s.message() });
  }
  for (const [s, n] of byStatus) {
    const k = `${s.plugin}: ${s.message()}`;
    rejectedCounts[k] = (rejectedCounts[k] ?? 0) + n;
  }
  return { rejected, rejectedCounts };
}

/** The MAX_SCORED best (highest total, then by name), best first: one pass with a small sorted list, no sort of every feasible node. */
export function topScores(scores: ScoreTable): NodeScores[] {
  const t = scores.totals;
  const nodes = scores.nodes;
  // "Better": a higher total, then the smaller name (inline: this runs over every scored node).
  const top: number[] = [];
  for (let s = 0; s < t.length; s++) {
    const ts = t[s]!;
    if (top.length === MAX_SCORED) {
      const w = top[MAX_SCORED - 1]!;
      if (ts < t[w]! || (ts === t[w] && !(nodes[s]!.name < nodes[w]!.name))) continue;
    }
    let i = top.length === MAX_SCORED ? MAX_SCORED - 1 : top.length;
    while (i > 0) {
      const p = top[i - 1]!;
      if (!(ts > t[p]! || (ts === t[p] && nodes[s]!.name < nodes[p]!.name))) break;
      top[i] = p;
      i--;
    }
    top[i] = s;
  }
  return top.map((i) => scores.entry(i));
}

/** Is the recorded decision (annotation text) the same verdict as `d`, apart from its time? */
export function sameDecision(recorded: string | undefined, d: Decision): boolean {
  const old = parseDecision(recorded);
  if (!old) return false;
  return JSON.stringify({ ...old, time: '' }) === JSON.stringify({ ...d, time: '' });
}

export function parseDecision(text: string | undefined): Decision | undefined {
  if (!text) return undefined;
  try {
    const d = JSON.parse(text) as Decision;
    return typeof d === 'object' && d && typeof d.outcome === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}
