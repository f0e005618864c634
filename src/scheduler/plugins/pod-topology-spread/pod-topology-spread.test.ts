// Table-driven tests of pod-topology-spread, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAll, makeNode, makePod, nodeInfo, scoreAll } from '../../framework/testing.js';
import type { Pod, TopologySpreadConstraint } from '../../framework/types.js';
import { labelSelectorToString } from '../../../api/index.js';
import type { Workloads } from '../../framework/interface.js';
import { defaultSelector, newPodTopologySpread, SYSTEM_DEFAULT_CONSTRAINTS } from './pod-topology-spread.js';

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

test('PodTopologySpread system default constraints: pods selected by a Service/RS/RC/StatefulSet, spread by hostname and zone', () => {
  const Z = 'topology.kubernetes.io/zone';
  const mk = (name: string, zone: string, pods: Pod[]) => nodeInfo(makeNode(name, { labels: { [Z]: zone } }), pods);
  const app = (n: string) => makePod(n, {}, { labels: { app: 'web' } });
  // zone a: x (2 web pods), y (0); zone b: z (0).
  const ns = [mk('x', 'a', [app('e1'), app('e2')]), mk('y', 'a', []), mk('z', 'b', [])];
  const none: Workloads = { services: [], replicationControllers: [], replicaSets: [], statefulSets: [] };
  const byRs: Workloads = { ...none, replicaSets: [{ spec: { selector: { matchLabels: { app: 'web' } } } }] };
  const bySvc: Workloads = { ...none, services: [{ spec: { selector: { app: 'web' } } }] };
  const h = (w: Workloads) => ({ workloads: () => w, nodes: () => ns });
  // No Service or controller selects the pod: no default constraints (Skip → 0 everywhere).
  assert.deepEqual(scoreAll(newPodTopologySpread({}, h(none)), app('p'), ns), [0, 0, 0]);
  // Selected by a ReplicaSet (or a Service): the emptiest host in the emptiest zone wins.
  for (const w of [byRs, bySvc]) {
    const s = scoreAll(newPodTopologySpread({}, h(w)), app('p'), ns);
    assert.ok(s[2]! > s[1]! && s[1]! > s[0]!, String(s));
  }
  // Pods with their own constraints ignore the defaults; defaultingType List with none configured has none.
  assert.deepEqual(scoreAll(newPodTopologySpread({ defaultingType: 'List' }, h(byRs)), app('p'), ns), [0, 0, 0]);
  // List with configured constraints uses them (hostname only here): y and z tie, x is worse.
  const list = scoreAll(newPodTopologySpread({ defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }] }, h(byRs)), app('p'), ns);
  assert.ok(list[1] === list[2] && list[1]! > list[0]!, String(list));
  // Upstream's system defaults: hostname maxSkew 3, zone maxSkew 5, both ScheduleAnyway.
  assert.deepEqual(SYSTEM_DEFAULT_CONSTRAINTS.map((c) => [c.topologyKey, c.maxSkew, c.whenUnsatisfiable]), [
    ['kubernetes.io/hostname', 3, 'ScheduleAnyway'],
    ['topology.kubernetes.io/zone', 5, 'ScheduleAnyway'],
  ]);
});

test('defaultSelector ANDs the selectors of every matching Service, RC, ReplicaSet and StatefulSet', () => {
  const p = makePod('p', {}, { labels: { app: 'web', tier: 'fe' } });
  const sel = defaultSelector(p, {
    services: [{ spec: { selector: { app: 'web' } } }, { spec: { selector: { app: 'other' } } }, { spec: {} }],
    replicationControllers: [{ spec: { selector: { tier: 'fe' } } }],
    replicaSets: [{ spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } } }],
    statefulSets: [{ spec: { selector: { matchLabels: { app: 'db' } } } }],
  })!;
  assert.equal(labelSelectorToString(sel), 'app=web,tier=fe,app in (api,web)');
  assert.equal(defaultSelector(p, { services: [], replicationControllers: [], replicaSets: [], statefulSets: [] }), undefined);
});

test('PodTopologySpread queueing hints: only pods it counts and nodes entering a domain', () => {
  const pl = newPodTopologySpread();
  const hints = pl.eventsToRegister!();
  const podHint = hints.find((x) => x.resource === 'AssignedPod')!.hint!;
  const nodeHint = hints.find((x) => x.resource === 'Node')!.hint!;
  const p = pod([con()]);
  assert.equal(podHint(p, { resource: 'AssignedPod', action: 'Delete', oldObj: web('gone') }), 'Queue');
  assert.equal(podHint(p, { resource: 'AssignedPod', action: 'Delete', oldObj: makePod('other', {}, { labels: { app: 'db' } }) }), 'Skip');
  assert.equal(nodeHint(p, { resource: 'Node', action: 'Add', newObj: makeNode('n', { labels: { [ZONE]: 'q' } }) }), 'Queue');
  assert.equal(nodeHint(p, { resource: 'Node', action: 'Add', newObj: makeNode('n') }), 'Skip');
  assert.equal(nodeHint(p, { resource: 'Node', action: 'Update', oldObj: makeNode('n', { labels: { [ZONE]: 'q', x: '1' } }), newObj: makeNode('n', { labels: { [ZONE]: 'q', x: '2' } }) }), 'Skip');
});
