/** Job pure logic: completion indexes, pod failure policy, success policy, backoff (upstream `job/indexed_job_utils.go`, `pod_failure_policy.go`, `success_policy.go`). */
import type { KObject } from '../../api/index.js';
import { rec } from '../util.js';

export const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export function podIndex(p: KObject): number | undefined {
  const v = p.metadata.annotations?.[INDEX_ANNOTATION] ?? p.metadata.labels?.[INDEX_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** `[0,1,2,4,6,7]` → `"0-2,4,6,7"`. */
export function formatIndexes(ix: Iterable<number>): string {
  const s = [...new Set(ix)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === (s[j] ?? 0) + 1) j++;
    // upstream orderedIntervals.String(): two neighbours are "a,b", three or more "a-c".
    out.push(i === j ? String(s[i]) : j === i + 1 ? `${s[i]},${s[j]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

export function parseIndexes(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a ?? 0; i <= (b ?? a ?? 0); i++) out.push(i);
  }
  return out;
}

interface ExitRule {
  containerName?: string;
  operator: 'In' | 'NotIn';
  values: number[];
}
interface PolicyRule {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  onExitCodes?: ExitRule;
  onPodConditions?: Array<{ type: string; status?: string }>;
}

/** The first matching pod failure policy rule of a failed pod, with upstream's message. */
export function matchFailurePolicy(job: KObject, pod: KObject): { action: PolicyRule['action']; message: string } | undefined {
  const rules = (rec(rec(job, 'spec'), 'podFailurePolicy').rules as PolicyRule[] | undefined) ?? [];
  const st = rec(pod, 'status');
  const statuses = [...((st.initContainerStatuses as unknown[] | undefined) ?? []), ...((st.containerStatuses as unknown[] | undefined) ?? [])] as Array<{ name: string; state?: { terminated?: { exitCode: number } } }>;
  const conds = (st.conditions as Array<{ type: string; status: string }> | undefined) ?? [];
  for (const [i, rule] of rules.entries()) {
    if (rule.onExitCodes) {
      const e = rule.onExitCodes;
      for (const c of statuses) {
        const code = c.state?.terminated?.exitCode;
        if (code === undefined || code === 0 || (e.containerName && e.containerName !== c.name)) continue;
        const hit = e.operator === 'In' ? e.values.includes(code) : !e.values.includes(code);
        if (hit) return { action: rule.action, message: `Container ${c.name} for pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} failed with exit code ${code} matching ${rule.action} rule at index ${i}` };
      }
    }
    for (const pc of rule.onPodConditions ?? []) {
      if (conds.some((c) => c.type === pc.type && c.status === (pc.status ?? 'True'))) {
        return { action: rule.action, message: `Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} has condition ${pc.type} matching ${rule.action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}

/** Index of the first success policy rule the succeeded indexes satisfy. */
export function matchSuccessPolicy(job: KObject, succeeded: Set<number>): number | undefined {
  const rules = (rec(rec(job, 'spec'), 'successPolicy').rules as Array<{ succeededIndexes?: string; succeededCount?: number }> | undefined) ?? [];
  for (const [i, r] of rules.entries()) {
    const within = r.succeededIndexes ? parseIndexes(r.succeededIndexes) : [...succeeded];
    const have = within.filter((x) => succeeded.has(x)).length;
    const need = r.succeededCount ?? within.length;
    if (r.succeededIndexes && r.succeededCount === undefined ? have === within.length : have >= need) return i;
  }
  return undefined;
}

/** Upstream pod recreation backoff after failures: 10 s doubling, at most 6 minutes. */
export const backoffMs = (failures: number): number => (failures <= 0 ? 0 : Math.min(10_000 * 2 ** (failures - 1), 360_000));

/** backoffLimitPerIndex: failures of the pod's index before it was created. */
export const FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';

const time = (v: unknown): number | undefined => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : t;
};

/**
 * When a finished pod finished (upstream getFinishedTime), in ms: its containers' last
 * `finishedAt`, else when Ready turned False, else its deletion, else its creation.
 */
export function podFinishedAt(p: KObject): number {
  const st = rec(p, 'status');
  const cs = [...((st.initContainerStatuses as unknown[] | undefined) ?? []), ...((st.containerStatuses as unknown[] | undefined) ?? [])] as Array<{ state?: { terminated?: { finishedAt?: string } } }>;
  const finished = cs.map((c) => time(c.state?.terminated?.finishedAt)).filter((t): t is number => t !== undefined);
  if (finished.length) return Math.max(...finished);
  const ready = ((st.conditions as Array<{ type: string; status: string; lastTransitionTime?: string }> | undefined) ?? []).find((c) => c.type === 'Ready' && c.status === 'False');
  return time(ready?.lastTransitionTime) ?? time(p.metadata.deletionTimestamp) ?? time(p.metadata.creationTimestamp) ?? 0;
}

/** The failures an index had once this failed pod of it ended (upstream getIndexAbsoluteFailureCount + 1). */
export function indexFailures(p: KObject): number {
  const n = Number(p.metadata.annotations?.[FAILURE_COUNT_ANNOTATION] ?? 0);
  return (Number.isInteger(n) && n >= 0 ? n : 0) + 1;
}

/**
 * backoffLimitPerIndex (upstream getRemainingTimePerIndex): ms until index `lastFailed`'s
 * replacement may be created — 10 s doubling per failure of that index, at most 6 minutes,
 * counted from when its last failed pod finished. 0 when there is no failed pod.
 */
export function indexBackoffRemaining(lastFailed: KObject | undefined, now: number): number {
  if (!lastFailed) return 0;
  return Math.max(0, podFinishedAt(lastFailed) + backoffMs(indexFailures(lastFailed)) - now);
}

/** The latest failed pod of each index (most failures, then last to finish). */
export function lastFailedPerIndex(failed: KObject[]): Map<number, KObject> {
  const out = new Map<number, KObject>();
  for (const p of failed) {
    const i = podIndex(p);
    if (i === undefined) continue;
    const have = out.get(i);
    if (!have || indexFailures(p) > indexFailures(have) || (indexFailures(p) === indexFailures(have) && podFinishedAt(p) > podFinishedAt(have))) out.set(i, p);
  }
  return out;
}
