// Table-driven tests of pod-topology-spread, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAll, makeNode, makePod, nodeInfo, scoreAll } from '../../framework/testing.js';
import type { Pod, TopologySpreadConstraint } from '../../framework/types.js';
import { newPodTopologySpread } from './pod-topology-spread.js';

const ZONE = 'zone';
const web = (n: string) => makePod(n, {}, { labels: { app: 'web' } });
const con = (o: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...o });
const SKEW = "Unschedulable: node(s) didn't match pod topology spread constraints";

function nodes(counts: Record<string, number>, extra: { name: string; labels?: Record<string, string>; taints?: { key: string; effect: 'NoSchedule' }[] }[] = []) {
  const out = Object.entries(counts).map(([zone, n], i) => nodeInfo(makeNode(`n-${zone}`, { labels: { [ZONE]: zone } }), Array.from({ length: n }, (_, j) => web(`w${i}-${j}`))));
  for (const e of extra) out.push(nodeInfo(makeNode(e.name, { labels: e.labels, taints: e.taints })));
  return out;
}
const pod = (cs: TopologySpreadConstraint[], o: Partial<Pod['spec']> = {}) => makePod('p', { topologySpreadConstraints: cs, ...o }, { labels: { app: 'web' } });

test('PodTopologySpread Filter', async (t) => {
  await t.test('maxSkew 1 allows only the emptiest zones', () => assert.deepEqual(filterAll(newPodTopologySpread(), pod([con()]), nodes({ a: 2, b: 1, c: 1 })), [SKEW, '', '']));
  await t.test('maxSkew 2 allows more', () => assert.deepEqual(filterAll(newPodTopologySpread(), pod([con({ maxSkew: 2 })]), nodes({ a: 2, b: 1 })), ['', '']));
  await t.test('nodes without the topology key are unresolvable', () =>
    assert.deepEqual(filterAll(newPodTopologySpread(), pod([con()]), nodes({ a: 0 }, [{ name: 'bare' }])), ['', "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)"]));
  await t.test('ScheduleAnyway never filters', () => assert.deepEqual(filterAll(newPodTopologySpread(), pod([con({ whenUnsatisfiable: 'ScheduleAnyway' })]), nodes({ a: 5, b: 0 })), ['', '']));
  await t.test('minDomains above the domain count treats the global minimum as 0', () =>
    assert.deepEqual(filterAll(newPodTopologySpread(), pod([con({ minDomains: 3 })]), nodes({ a: 1, b: 1 })), [SKEW, SKEW]));
  await t.test('nodeAffinityPolicy Honor ignores domains the pod cannot use', () =>
    assert.deepEqual(filterAll(newPodTopologySpread(), pod([con()], { nodeSelector: { zone: 'a' } }), nodes({ a: 3, b: 0 })), ['', '']));
  await t.test('nodeAffinityPolicy Ignore counts them', () =>
    assert.deepEqual(filterAll(newPodTopologySpread(), pod([con({ nodeAffinityPolicy: 'Ignore' })], { nodeSelector: { zone: 'a' } }), nodes({ a: 3, b: 0 })), [SKEW, '']));
  await t.test('nodeTaintsPolicy Honor ignores tainted domains', () =>
    assert.deepEqual(filterAll(newPodTopologySpread(), pod([con({ nodeTaintsPolicy: 'Honor' })]), nodes({ a: 1 }, [{ name: 't', labels: { [ZONE]: 't' }, taints: [{ key: 'x', effect: 'NoSchedule' }] }])), ['', '']));
  await t.test('matchLabelKeys narrows the selector to the pod\'s values', () => {
    const ns = nodes({ a: 2, b: 0 });
    const p = makePod('p', { topologySpreadConstraints: [con({ matchLabelKeys: ['rev'] })] }, { labels: { app: 'web', rev: 'v2' } });
    assert.deepEqual(filterAll(newPodTopologySpread(), p, ns), ['', '']);
  });
});

test('PodTopologySpread Score favours the emptier domains', () => {
  const ns = nodes({ a: 3, b: 1, c: 0 });
  const s = scoreAll(newPodTopologySpread(), pod([con({ whenUnsatisfiable: 'ScheduleAnyway' })]), ns);
  assert.ok(s[2]! > s[1]! && s[1]! > s[0]!, String(s));
});

test('PodTopologySpread default constraints apply to controller-owned pods only', () => {
  const ns = [nodeInfo(makeNode('x', { labels: { 'topology.kubernetes.io/zone': 'a' } }))];
  const owned = makePod('p', {}, { labels: { app: 'web' } });
  owned.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }];
  assert.deepEqual(scoreAll(newPodTopologySpread(), makePod('bare'), ns), [0]);
  assert.deepEqual(scoreAll(newPodTopologySpread(), owned, ns), [100]);
});
