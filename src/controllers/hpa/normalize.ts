/**
 * From a metric proposal to the replicas the HPA sets (upstream horizontal.go):
 * without `spec.behavior`, the 5-minute downscale stabilisation and the
 * max(2×current, 4) scale-up limit; with it, the scale-up/scale-down
 * stabilisation windows and the Pods/Percent policies over their periods
 * (selectPolicy Max/Min/Disabled). Each returns the AbleToScale and
 * ScalingLimited conditions it decided.
 */

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ScalingPolicy[];
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

/** upstream GenerateHPAScaleUpRules / GenerateHPAScaleDownRules defaults. */
export function defaultedRules(r: ScalingRules | undefined, up: boolean, downWindowSeconds: number): Required<ScalingRules> {
  const policies = r?.policies?.length
    ? r.policies
    : up
      ? [
          { type: 'Pods' as const, value: 4, periodSeconds: 15 },
          { type: 'Percent' as const, value: 100, periodSeconds: 15 },
        ]
      : [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }];
  return { stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? (up ? 0 : downWindowSeconds), selectPolicy: r?.selectPolicy ?? 'Max', policies };
}

export interface Recommendation {
  replicas: number;
  at: number;
}

export interface ScaleEvent {
  change: number;
  at: number;
}

/** What the controller remembers per HPA between syncs. */
export interface HpaMemory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export const newMemory = (): HpaMemory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

export interface CondDecision {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  ableToScale: CondDecision;
  scalingLimited: CondDecision;
}

function record(mem: HpaMemory, replicas: number, now: number, isOld: (r: Recommendation) => boolean): void {
  const i = mem.recommendations.findIndex(isOld);
  if (i >= 0) mem.recommendations[i] = { replicas, at: now };
  else mem.recommendations.push({ replicas, at: now });
}

const WITHIN = { status: 'False' as const, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

/** upstream normalizeDesiredReplicas (no behavior). */
export function normalizeWithoutBehavior(mem: HpaMemory, current: number, proposed: number, min: number, max: number, now: number, downWindowMs: number): Normalized {
  let stabilized = proposed;
  const cutoff = now - downWindowMs;
  for (const r of mem.recommendations) if (r.at >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
  record(mem, proposed, now, (r) => r.at < cutoff);
  const ableToScale: CondDecision =
    stabilized !== proposed
      ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
  const scaleUpLimit = Math.max(2 * current, 4);
  let maxAllowed: number;
  let limited: CondDecision;
  if (max > scaleUpLimit) {
    maxAllowed = scaleUpLimit;
    limited = { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
  } else {
    maxAllowed = max;
    limited = { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
  }
  if (stabilized < min) return { replicas: min, ableToScale, scalingLimited: { status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' } };
  if (stabilized > maxAllowed) return { replicas: maxAllowed, ableToScale, scalingLimited: limited };
  return { replicas: stabilized, ableToScale, scalingLimited: WITHIN };
}

const changeInPeriod = (events: ScaleEvent[], periodSeconds: number, now: number): number => events.filter((e) => e.at > now - periodSeconds * 1000).reduce((s, e) => s + e.change, 0);

export function scaleUpLimit(current: number, mem: HpaMemory, rules: Required<ScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(mem.scaleUpEvents, p.periodSeconds, now) + changeInPeriod(mem.scaleDownEvents, p.periodSeconds, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

export function scaleDownLimit(current: number, mem: HpaMemory, rules: Required<ScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // For scaling down the smallest change ('Min') is the largest replica count.
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(mem.scaleUpEvents, p.periodSeconds, now) + changeInPeriod(mem.scaleDownEvents, p.periodSeconds, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** upstream normalizeDesiredReplicasWithBehaviors. */
export function normalizeWithBehavior(mem: HpaMemory, behavior: Behavior, current: number, proposed: number, min: number, max: number, now: number, downWindowSeconds: number): Normalized {
  const up = defaultedRules(behavior.scaleUp, true, downWindowSeconds);
  const down = defaultedRules(behavior.scaleDown, false, downWindowSeconds);
  const upCutoff = now - up.stabilizationWindowSeconds * 1000;
  const downCutoff = now - down.stabilizationWindowSeconds * 1000;
  let upRec = proposed;
  let downRec = proposed;
  for (const r of mem.recommendations) {
    if (r.at > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.at > downCutoff) downRec = Math.max(downRec, r.replicas);
  }
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  record(mem, proposed, now, (r) => r.at < upCutoff && r.at < downCutoff);
  const ableToScale: CondDecision =
    stabilized === proposed
      ? { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }
      : proposed >= current
        ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
        : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, mem, up, now), current);
    const [maxAllowed, reason, message] = max > limit ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate'] : [max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (stabilized > maxAllowed) return { replicas: maxAllowed, ableToScale, scalingLimited: { status: 'True', reason, message } };
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, mem, down, now), current);
    const [minAllowed, reason, message] = min < limit ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate'] : [min, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (stabilized < minAllowed) return { replicas: minAllowed, ableToScale, scalingLimited: { status: 'True', reason, message } };
  }
  return { replicas: stabilized, ableToScale, scalingLimited: WITHIN };
}

/** upstream storeScaleEvent (only with a behavior): forgets events older than the longest policy period. */
export function storeScaleEvent(mem: HpaMemory, behavior: Behavior | undefined, prev: number, next: number, now: number, downWindowSeconds: number): void {
  if (!behavior) return;
  if (next > prev) {
    const longest = Math.max(...defaultedRules(behavior.scaleUp, true, downWindowSeconds).policies.map((p) => p.periodSeconds));
    mem.scaleUpEvents = mem.scaleUpEvents.filter((e) => e.at > now - longest * 1000);
    mem.scaleUpEvents.push({ change: next - prev, at: now });
  } else if (next < prev) {
    const longest = Math.max(...defaultedRules(behavior.scaleDown, false, downWindowSeconds).policies.map((p) => p.periodSeconds));
    mem.scaleDownEvents = mem.scaleDownEvents.filter((e) => e.at > now - longest * 1000);
    mem.scaleDownEvents.push({ change: prev - next, at: now });
  }
}
