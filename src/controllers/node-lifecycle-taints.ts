/** Pure rules of the node lifecycle controller: taints from conditions (TaintNodesByCondition), zone states, tolerations. */
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  type NodeObj,
  type NodeTaint,
  type PodToleration,
} from './node-lifecycle-types.js';

/** Taint keys this controller manages; others' taints are left alone. */
export const MANAGED_NOSCHEDULE = [TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_UNSCHEDULABLE];
export const MANAGED_NOEXECUTE = [TAINT_NOT_READY, TAINT_UNREACHABLE];

/** The Ready condition's status; undefined when the kubelet never posted one (no taint then, as upstream, until the grace period makes it Unknown). */
export function readyStatus(node: NodeObj): 'True' | 'False' | 'Unknown' | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/** The NoSchedule taints the node's conditions call for (upstream's nodeConditionToTaintKeyStatusMap + unschedulable). */
export function desiredNoScheduleTaints(node: NodeObj): NodeTaint[] {
  const out: NodeTaint[] = [];
  const st = (t: string) => node.status?.conditions?.find((c) => c.type === t)?.status;
  const ready = readyStatus(node);
  if (ready === 'False') out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' });
  if (ready === 'Unknown') out.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
  if (st('MemoryPressure') === 'True') out.push({ key: TAINT_MEMORY_PRESSURE, effect: 'NoSchedule' });
  if (st('DiskPressure') === 'True') out.push({ key: TAINT_DISK_PRESSURE, effect: 'NoSchedule' });
  if (st('PIDPressure') === 'True') out.push({ key: TAINT_PID_PRESSURE, effect: 'NoSchedule' });
  if (st('NetworkUnavailable') === 'True') out.push({ key: TAINT_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/** The NoExecute taint key the Ready condition calls for, if any. */
export function desiredNoExecuteKey(node: NodeObj): string | undefined {
  const r = readyStatus(node);
  return r === 'False' ? TAINT_NOT_READY : r === 'Unknown' ? TAINT_UNREACHABLE : undefined;
}

/**
 * The node's taints with the managed ones replaced: NoSchedule from
 * conditions, NoExecute as decided by the (rate-limited) caller. Keeps
 * timeAdded of taints that stay. Returns undefined when nothing changes.
 */
export function reconcileTaints(node: NodeObj, noExecuteKey: string | undefined, nowIso: string): NodeTaint[] | undefined {
  const cur = node.spec?.taints ?? [];
  const managed = (t: NodeTaint) => (t.effect === 'NoSchedule' && MANAGED_NOSCHEDULE.includes(t.key)) || (t.effect === 'NoExecute' && MANAGED_NOEXECUTE.includes(t.key));
  const want: NodeTaint[] = desiredNoScheduleTaints(node);
  if (noExecuteKey) want.push({ key: noExecuteKey, effect: 'NoExecute', timeAdded: nowIso });
  const keep = cur.filter((t) => !managed(t));
  const next = [...keep];
  for (const w of want) {
    const existing = cur.find((t) => t.key === w.key && t.effect === w.effect);
    next.push(existing ?? w);
  }
  const sig = (ts: NodeTaint[]) => ts.map((t) => `${t.key}:${t.effect}`).sort().join(',');
  return sig(next) === sig(cur) ? undefined : next;
}

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** upstream ComputeZoneState: full when every node is not ready, partial when > 2 and >= the threshold (55%) are. */
export function zoneState(ready: number, notReady: number, unhealthyThreshold = 0.55): ZoneState {
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (ready + notReady) >= unhealthyThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** Eviction (NoExecute tainting) rate for a zone (upstream defaults: 0.1/s, 0.01/s in large partially disrupted zones, 0 in small ones). */
export function zoneEvictionQps(state: ZoneState, zoneSize: number, qps = 0.1, secondaryQps = 0.01, largeCluster = 50): number {
  if (state === 'PartialDisruption') return zoneSize > largeCluster ? secondaryQps : 0;
  return qps;
}

export const zoneOf = (node: NodeObj): string =>
  node.metadata.labels?.['topology.kubernetes.io/zone'] ?? node.metadata.labels?.['failure-domain.beta.kubernetes.io/zone'] ?? '';

export function tolerates(tol: PodToleration, taint: NodeTaint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if ((tol.operator ?? 'Equal') === 'Exists') return !tol.key || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? '') === (taint.value ?? '');
}

/**
 * Taint manager's decision for one pod: 'now' if a NoExecute taint is not
 * tolerated, the smallest tolerationSeconds (s) among used tolerations, or
 * undefined (tolerated forever, or no NoExecute taints).
 */
export function evictionDelay(tolerations: PodToleration[], taints: NodeTaint[]): 'now' | number | undefined {
  const noExec = taints.filter((t) => t.effect === 'NoExecute');
  if (!noExec.length) return undefined;
  let min: number | undefined;
  for (const t of noExec) {
    const used = tolerations.filter((tol) => tolerates(tol, t));
    if (!used.length) return 'now';
    for (const u of used) {
      if (u.tolerationSeconds === undefined || u.tolerationSeconds === null) continue;
      const s = Math.max(0, u.tolerationSeconds);
      min = min === undefined ? s : Math.min(min, s);
    }
  }
  return min;
}
