/** Deployment status and the Progressing/Available conditions kubectl reads (upstream `progress.go`, `sync.go`). */
import type { KObject } from '../../api/index.js';
import { getCondition, num, rec, rfc3339, type Condition } from '../util.js';
import { replicasOf, sumStatus, surgeAndUnavailable } from './util.js';

export function computeStatus(d: KObject, all: KObject[], newRS: KObject | undefined): Record<string, unknown> {
  const replicas = replicasOf(d);
  const available = sumStatus(all, 'availableReplicas');
  const old = rec(d, 'status');
  const status: Record<string, unknown> = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: sumStatus(all, 'replicas'),
    updatedReplicas: newRS ? num(rec(newRS, 'status').replicas) : 0,
    readyReplicas: sumStatus(all, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicas - available),
  };
  if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
  for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[k] === 0) delete status[k];
  status.conditions = Array.isArray(old.conditions) ? [...(old.conditions as Condition[])] : [];
  return status;
}

export function setCondition(status: Record<string, unknown>, c: Condition, now: number): void {
  const list = (status.conditions as Condition[] | undefined) ?? [];
  const prev = list.find((x) => x.type === c.type);
  if (prev && prev.status === c.status && prev.reason === c.reason) {
    if (prev.message === c.message) return;
  }
  const ts = rfc3339(now);
  const next: Condition = { type: c.type, status: c.status, lastUpdateTime: ts, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : ts, reason: c.reason, message: c.message };
  status.conditions = [...list.filter((x) => x.type !== c.type), next].sort((a, b) => order(a.type) - order(b.type));
}
const order = (t: string) => (t === 'Available' ? 0 : t === 'Progressing' ? 1 : 2);

export function setAvailable(d: KObject, status: Record<string, unknown>, now: number): void {
  const [, maxUnavailable] = surgeAndUnavailable(d);
  const ok = num(status.availableReplicas) >= replicasOf(d) - maxUnavailable;
  setCondition(status, ok ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' } : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now);
}

/** Upstream DeploymentComplete. */
export function isComplete(d: KObject, s: Record<string, unknown>): boolean {
  const r = replicasOf(d);
  return num(s.updatedReplicas) === r && num(s.replicas) === r && num(s.availableReplicas) === r && num(s.observedGeneration) >= (d.metadata.generation ?? 1);
}

/** Upstream DeploymentProgressing: the new status moved towards the goal. */
function isProgressing(d: KObject, s: Record<string, unknown>): boolean {
  const o = rec(d, 'status');
  return num(s.updatedReplicas) > num(o.updatedReplicas) || num(s.replicas) - num(s.updatedReplicas) < num(o.replicas) - num(o.updatedReplicas) || num(s.readyReplicas) > num(o.readyReplicas) || num(s.availableReplicas) > num(o.availableReplicas);
}

/**
 * Sets Progressing (upstream syncRolloutStatus) and returns how long until the
 * progress deadline should be checked again (undefined: no check needed).
 */
export function setProgressing(d: KObject, status: Record<string, unknown>, newRS: KObject | undefined, now: number): number | undefined {
  const spec = rec(d, 'spec');
  if (spec.paused) return undefined;
  const deadline = num(spec.progressDeadlineSeconds, 600);
  const cond = getCondition(status, 'Progressing');
  const rsName = newRS?.metadata.name ?? '';
  if (newRS && isComplete(d, status)) {
    setCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, now);
    return undefined;
  }
  if (newRS && isProgressing(d, status)) {
    const list = (status.conditions as Condition[]).filter((c) => c.type !== 'Progressing');
    const ts = rfc3339(now);
    const keepTransition = cond?.status === 'True' ? cond.lastTransitionTime : ts;
    list.push({ type: 'Progressing', status: 'True', lastUpdateTime: ts, lastTransitionTime: keepTransition, reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` });
    status.conditions = list.sort((a, b) => order(a.type) - order(b.type));
    return deadline * 1000 + 1000;
  }
  if (cond && cond.reason !== 'ProgressDeadlineExceeded' && cond.reason !== 'NewReplicaSetAvailable' && deadline < 2147483647) {
    const from = Date.parse(cond.lastUpdateTime ?? '') || now;
    const left = from + deadline * 1000 - now;
    if (left <= 0) {
      setCondition(status, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, now);
      return undefined;
    }
    return left + 1000;
  }
  return undefined;
}
