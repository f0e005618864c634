// HPA arithmetic as upstream's replica_calculator_test.go / horizontal_test.go cases: ratio and tolerance,
// missing and unready pods, stabilisation windows, behavior policies, min/max limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/index.js';
import { newMemory, normalizeWithBehavior, normalizeWithoutBehavior, storeScaleEvent } from './normalize.js';
import { rawResourceReplicas, resourceReplicas, type PodMetrics } from './replica-calculator.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const long = new Date(NOW - 10 * 60_000).toISOString();

function pod(name: string, opts: { phase?: string; ready?: boolean; started?: string; readySince?: string } = {}): KObject {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
    status: { phase: opts.phase ?? 'Running', startTime: opts.started ?? long, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? long }] },
  };
}
const metrics = (entries: Array<[string, number]>): PodMetrics => new Map(entries.map(([n, v]) => [n, { value: v, timestamp: NOW, windowMs: 1000 }]));
const req = (names: string[]) => new Map(names.map((n) => [n, 100]));

test('utilization: ceil(ratio × ready pods), and no change within the 10% tolerance', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  // 3 pods at 90m of 100m against a 50% target: ratio 1.8 → ceil(5.4) = 6.
  let p = resourceReplicas(3, 50, pods, metrics([['a', 90], ['b', 90], ['c', 90]]), req(['a', 'b', 'c']), 'cpu', NOW);
  assert.equal(p.replicas, 6);
  assert.equal(p.utilization, 90);
  assert.equal(p.rawAverage, 90);
  // 54% against 50%: ratio 1.08 ≤ 1.1 → stay.
  p = resourceReplicas(3, 50, pods, metrics([['a', 54], ['b', 54], ['c', 54]]), req(['a', 'b', 'c']), 'cpu', NOW);
  assert.equal(p.replicas, 3);
  // 20% against 50%: ratio 0.4 → ceil(1.2) = 2.
  p = resourceReplicas(3, 50, pods, metrics([['a', 20], ['b', 20], ['c', 20]]), req(['a', 'b', 'c']), 'cpu', NOW);
  assert.equal(p.replicas, 2);
});

test('missing metrics: 100% of request on a scale-down, 0% on a scale-up; the direction never flips', () => {
  const pods = [pod('a'), pod('b'), pod('c'), pod('d')];
  // Scale-up with two pods missing: a,b at 100% (ratio 2.0), c,d counted as 0 → 100/50 = 2.0 × ... = (200/400)*100 = 50% → tolerance → stay at 4.
  let p = resourceReplicas(4, 50, pods, metrics([['a', 100], ['b', 100]]), req(['a', 'b', 'c', 'd']), 'cpu', NOW);
  assert.equal(p.replicas, 4);
  // Scale-up with one pod missing: a,b,c at 100% → with d at 0: 300/400 = 75% → ratio 1.5 → ceil(6) = 6.
  p = resourceReplicas(4, 50, pods, metrics([['a', 100], ['b', 100], ['c', 100]]), req(['a', 'b', 'c', 'd']), 'cpu', NOW);
  assert.equal(p.replicas, 6);
  // Scale-down with one missing: a,b,c at 10% → d assumed 100%: 130/400 = 32% → ratio 0.64 → ceil(2.56) = 3.
  p = resourceReplicas(4, 50, pods, metrics([['a', 10], ['b', 10], ['c', 10]]), req(['a', 'b', 'c', 'd']), 'cpu', NOW);
  assert.equal(p.replicas, 3);
});

test('unready and pending pods count as 0% on a scale-up; deleted and failed pods are ignored', () => {
  const pods = [pod('a'), pod('b'), pod('p', { phase: 'Pending' }), pod('f', { phase: 'Failed' }), { ...pod('x'), metadata: { name: 'x', deletionTimestamp: long } }];
  // a,b at 100m/100m against 50%: ratio 2; with pending p at 0: 200/300 = 66% → ratio 1.33 → ceil(4) = 4.
  const p = resourceReplicas(3, 50, pods, metrics([['a', 100], ['b', 100], ['f', 500], ['x', 500]]), req(['a', 'b', 'p', 'f', 'x']), 'cpu', NOW);
  assert.equal(p.replicas, 4);
  // A pod that just became ready (within the sample window of the CPU initialization period) is unready.
  const fresh = [pod('a'), pod('n', { started: new Date(NOW - 10_000).toISOString(), readySince: new Date(NOW - 500).toISOString() })];
  const q = resourceReplicas(2, 50, fresh, metrics([['a', 100], ['n', 100]]), req(['a', 'n']), 'cpu', NOW);
  // a alone: ratio 2; n (ready 0.5 s ago, inside the 1 s sample window) counts 0 → 100/200 = 50% → ratio 1.0 → stay.
  assert.equal(q.replicas, 2);
});

test('errors: no pods, no metrics, a container without a request', () => {
  assert.throws(() => resourceReplicas(1, 50, [], new Map(), new Map(), 'cpu', NOW), /no pods returned by selector while calculating replica count/);
  assert.throws(() => resourceReplicas(1, 50, [pod('a', { phase: 'Pending' })], metrics([]), req(['a']), 'cpu', NOW), /did not receive metrics for targeted pods \(pods might be unready\)/);
});

test('averageValue targets use the raw average per pod', () => {
  const pods = [pod('a'), pod('b')];
  const p = rawResourceReplicas(2, 100_000, pods, metrics([['a', 300_000], ['b', 300_000]]), 'memory', NOW);
  assert.equal(p.replicas, 6);
  assert.equal(p.rawAverage, 300_000);
});

test('without behavior: scale-down holds the highest recommendation of the window; scale-up is capped at max(2×, 4) and maxReplicas', () => {
  const mem = newMemory();
  mem.recommendations.push({ replicas: 5, at: NOW - 60_000 });
  let n = normalizeWithoutBehavior(mem, 5, 2, 1, 10, NOW, 300_000);
  assert.equal(n.replicas, 5);
  assert.equal(n.ableToScale.reason, 'ScaleDownStabilized');
  n = normalizeWithoutBehavior(mem, 5, 2, 1, 10, NOW + 301_000, 300_000);
  assert.equal(n.replicas, 2, 'after the window the lower recommendation applies');
  n = normalizeWithoutBehavior(newMemory(), 2, 50, 1, 100, NOW, 300_000);
  assert.deepEqual([n.replicas, n.scalingLimited.status, n.scalingLimited.reason], [4, 'True', 'ScaleUpLimit']);
  n = normalizeWithoutBehavior(newMemory(), 4, 50, 1, 6, NOW, 300_000);
  assert.deepEqual([n.replicas, n.scalingLimited.reason], [6, 'TooManyReplicas']);
  n = normalizeWithoutBehavior(newMemory(), 4, 1, 3, 6, NOW, 0);
  assert.deepEqual([n.replicas, n.scalingLimited.reason], [3, 'TooFewReplicas']);
  n = normalizeWithoutBehavior(newMemory(), 4, 5, 1, 10, NOW, 0);
  assert.deepEqual([n.replicas, n.scalingLimited.status, n.scalingLimited.reason], [5, 'False', 'DesiredWithinRange']);
});

test('behavior: Pods/Percent policies over their periods, selectPolicy, stabilisation windows', () => {
  const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [{ type: 'Pods' as const, value: 2, periodSeconds: 60 }] }, scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent' as const, value: 50, periodSeconds: 60 }] } };
  const mem = newMemory();
  let n = normalizeWithBehavior(mem, behavior, 2, 10, 1, 20, NOW, 300);
  assert.deepEqual([n.replicas, n.scalingLimited.reason], [4, 'ScaleUpLimit']);
  storeScaleEvent(mem, behavior, 2, 4, NOW, 300);
  // 30 s later, still inside the 60 s period: 2 pods were already added → no more.
  n = normalizeWithBehavior(mem, behavior, 4, 10, 1, 20, NOW + 30_000, 300);
  assert.equal(n.replicas, 4);
  // After the period: 2 more.
  n = normalizeWithBehavior(mem, behavior, 4, 10, 1, 20, NOW + 61_000, 300);
  assert.equal(n.replicas, 6);
  // Scale-down by at most 50% per minute.
  n = normalizeWithBehavior(newMemory(), behavior, 10, 1, 1, 20, NOW, 300);
  assert.deepEqual([n.replicas, n.scalingLimited.reason], [5, 'ScaleDownLimit']);
  // Disabled scale-down.
  n = normalizeWithBehavior(newMemory(), { scaleDown: { selectPolicy: 'Disabled' } }, 10, 1, 1, 20, NOW, 0);
  assert.equal(n.replicas, 10);
  // A scale-down stabilisation window of 60 s keeps the highest recent recommendation.
  const m2 = newMemory();
  normalizeWithBehavior(m2, { scaleDown: { stabilizationWindowSeconds: 60 } }, 8, 8, 1, 20, NOW, 300);
  n = normalizeWithBehavior(m2, { scaleDown: { stabilizationWindowSeconds: 60 } }, 8, 2, 1, 20, NOW + 10_000, 300);
  assert.deepEqual([n.replicas, n.ableToScale.reason], [8, 'ScaleDownStabilized']);
});
