/** Rolling update, recreate and proportional scaling of a Deployment's ReplicaSets (upstream `rolling.go`, `recreate.go`, `sync.go`). */
import type { KObject } from '../../api/index.js';
import { isPodActive, num, rec } from '../util.js';
import { DESIRED_REPLICAS, MAX_REPLICAS, byCreation, isRecreate, replicasOf, sumReplicas, sumStatus, surgeAndUnavailable } from './util.js';

/** What the rollout needs from its controller. */
export interface RolloutOps {
  scale(rs: KObject, to: number, d: KObject): Promise<boolean>;
  podsOf(rs: KObject): KObject[];
}

export function newReplicas(d: KObject, all: KObject[], newRS: KObject | undefined): number {
  const replicas = replicasOf(d);
  const cur = replicasOf(newRS);
  if (!newRS) {
    const [surge] = surgeAndUnavailable(d);
    const current = sumReplicas(all);
    return Math.max(0, Math.min(replicas + surge - current, replicas));
  }
  const [surge] = surgeAndUnavailable(d);
  const current = sumReplicas(all);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return cur;
  return cur + Math.max(0, Math.min(maxTotal - current, replicas - cur));
}

export async function reconcileNewRS(d: KObject, all: KObject[], newRS: KObject, ops: RolloutOps): Promise<boolean> {
  const replicas = replicasOf(d);
  const cur = replicasOf(newRS);
  if (cur === replicas) return false;
  if (cur > replicas) return ops.scale(newRS, replicas, d);
  return ops.scale(newRS, newReplicas(d, all, newRS), d);
}

export async function reconcileOldRSs(d: KObject, all: KObject[], olds: KObject[], newRS: KObject, ops: RolloutOps): Promise<boolean> {
  if (sumReplicas(olds) === 0) return false;
  const [, maxUnavailable] = surgeAndUnavailable(d);
  const minAvailable = replicasOf(d) - maxUnavailable;
  const newUnavailable = replicasOf(newRS) - num(rec(newRS, 'status').availableReplicas);
  const maxScaledDown = sumReplicas(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  let budget = maxScaledDown;
  let scaled = false;
  // Unhealthy replicas go first (upstream cleanupUnhealthyReplicas).
  for (const rs of [...olds].sort(byCreation)) {
    if (budget <= 0) break;
    const unhealthy = replicasOf(rs) - num(rec(rs, 'status').availableReplicas);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(budget, unhealthy);
    if (await ops.scale(rs, replicasOf(rs) - down, d)) scaled = true;
    budget -= down;
    rs.spec = { ...rec(rs, 'spec'), replicas: replicasOf(rs) - down };
  }
  const available = sumStatus(all, 'availableReplicas');
  let total = Math.min(budget, available - minAvailable);
  for (const rs of [...olds].sort(byCreation)) {
    if (total <= 0) break;
    if (replicasOf(rs) === 0) continue;
    const down = Math.min(replicasOf(rs), total);
    if (await ops.scale(rs, replicasOf(rs) - down, d)) scaled = true;
    total -= down;
  }
  return scaled;
}

/** Recreate: old ReplicaSets to 0, then wait for their pods to go. Returns true while old pods remain. */
export async function scaleDownOldForRecreate(d: KObject, olds: KObject[], ops: RolloutOps): Promise<{ scaled: boolean; waiting: boolean }> {
  let scaled = false;
  for (const rs of olds) if (replicasOf(rs) > 0 && (await ops.scale(rs, 0, d))) scaled = true;
  const waiting = olds.some((rs) => ops.podsOf(rs).some(isPodActive) || num(rec(rs, 'status').replicas) > 0);
  return { scaled, waiting };
}

/** A scaling event: an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
export function isScalingEvent(d: KObject, all: KObject[]): boolean {
  return all.some((rs) => replicasOf(rs) > 0 && rs.metadata.annotations?.[DESIRED_REPLICAS] !== String(replicasOf(d)));
}

/** Upstream `scale`: one active RS takes it all; a saturated new RS empties the old; else proportional within maxSurge. */
export async function scaleProportionally(d: KObject, newRS: KObject | undefined, olds: KObject[], ops: RolloutOps): Promise<void> {
  const all = [...(newRS ? [newRS] : []), ...olds];
  const active = all.filter((rs) => replicasOf(rs) > 0);
  const replicas = replicasOf(d);
  if (active.length <= 1) {
    const target = active[0] ?? newRS ?? [...all].sort(byCreation).pop();
    if (target && (replicasOf(target) !== replicas || target.metadata.annotations?.[DESIRED_REPLICAS] !== String(replicas))) await ops.scale(target, replicas, d);
    return;
  }
  if (newRS && replicasOf(newRS) === replicas && newRS.metadata.annotations?.[DESIRED_REPLICAS] === String(replicas)) {
    for (const rs of olds) if (replicasOf(rs) > 0) await ops.scale(rs, 0, d);
    return;
  }
  if (isRecreate(d)) return;
  const [surge] = surgeAndUnavailable(d);
  const allowed = replicas + surge;
  const current = sumReplicas(active);
  const toAdd = allowed - current;
  const sorted = [...active].sort((a, b) => replicasOf(b) - replicasOf(a) || byCreation(b, a));
  let left = toAdd;
  const plan = new Map<KObject, number>();
  for (const rs of sorted) {
    const prevDesired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS] ?? replicas) || replicas;
    const share = toAdd === 0 ? 0 : Math.trunc((replicasOf(rs) * allowed) / (Number(rs.metadata.annotations?.[MAX_REPLICAS]) || prevDesired + surge || 1)) - replicasOf(rs);
    const take = toAdd > 0 ? Math.min(share, left) : Math.max(share, left);
    plan.set(rs, replicasOf(rs) + take);
    left -= take;
  }
  const first = sorted[0];
  if (first && left !== 0) plan.set(first, (plan.get(first) ?? 0) + left);
  for (const [rs, n] of plan) await ops.scale(rs, Math.max(0, n), d);
}
