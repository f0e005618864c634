/**
 * The scheduler's last real decision about a pod, kept on the pod as the
 * annotation `scheduler.k8ts.io/last-decision` (JSON) so `k8ts explain pod`
 * reads exactly what the scheduler saw, through the API, with no recomputation.
 * Big clusters are summarised: at most MAX_REJECTED rejected nodes are listed
 * one by one (all are counted by plugin and reason) and the top MAX_SCORED scored nodes.
 */
import type { NodeScores } from './framework/runtime.js';
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

export function rejectionsOf(statuses: Map<string, Status>): Pick<Decision, 'rejected' | 'rejectedCounts'> {
  const rejectedCounts: Record<string, number> = {};
  const rejected: Rejection[] = [];
  for (const [node, s] of statuses) {
    const reason = s.message();
    const k = `${s.plugin}: ${reason}`;
    rejectedCounts[k] = (rejectedCounts[k] ?? 0) + 1;
    if (rejected.length < MAX_REJECTED) rejected.push({ node, plugin: s.plugin, reason });
  }
  return { rejected, rejectedCounts };
}

export function topScores(scores: NodeScores[]): NodeScores[] {
  return [...scores].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name)).slice(0, MAX_SCORED);
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
