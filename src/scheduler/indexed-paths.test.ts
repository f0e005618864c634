// The cache's pod indexes (by namespace, with required anti-affinity, with any term) give
// InterPodAffinity and PodTopologySpread the same answers as scanning every node's pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './cache.js';
import { CycleState, type Handle, type Plugin } from './framework/interface.js';
import { makeNode, makePod, testHandle } from './framework/testing.js';
import type { Pod, PodAffinityTerm, TopologySpreadConstraint } from './framework/types.js';
import { newInterPodAffinity } from './plugins/inter-pod-affinity/inter-pod-affinity.js';
import { newPodTopologySpread } from './plugins/pod-topology-spread/pod-topology-spread.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

/** A deterministic pseudo-random sequence (the cases must be the same on every run). */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
}

function randomCluster(seed: number) {
  const r = rng(seed);
  const cache = new SchedulerCache();
  const nodes = Array.from({ length: 40 }, (_, i) => makeNode(`n${i}`, { labels: r(8) ? { [ZONE]: `z${r(4)}` } : {} }));
  const pick = <T>(xs: T[]): T => xs[r(xs.length)]!;
  const term = (): PodAffinityTerm => {
    const t: PodAffinityTerm = { labelSelector: { matchLabels: { app: pick(['a', 'b', 'c']) } }, topologyKey: pick([HOST, ZONE]) };
    const ns = r(6);
    if (ns === 0) t.namespaces = ['ns1', 'ns2'];
    if (ns === 1) t.namespaceSelector = {};
    if (ns === 2) t.namespaceSelector = { matchLabels: { team: 'x' } };
    return t;
  };
  const affinity = (): NonNullable<Pod['spec']>['affinity'] => {
    const a: Record<string, unknown> = {};
    if (r(4) === 0) a.podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term()] };
    if (r(4) === 0) a.podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term()] };
    if (r(4) === 0) a.podAffinity = { ...(a.podAffinity as object), preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + r(50), podAffinityTerm: term() }] };
    if (r(4) === 0) a.podAntiAffinity = { ...(a.podAntiAffinity as object), preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + r(50), podAffinityTerm: term() }] };
    return a as never;
  };
  const pod = (name: string): Pod => makePod(name, { affinity: affinity() }, { labels: { app: pick(['a', 'b', 'c']) }, namespace: pick(['ns1', 'ns2', 'ns3']) });
  for (const n of nodes) cache.addOrUpdateNode(n);
  for (let i = 0; i < 120; i++) {
    const p = pod(`e${i}`);
    const node = `n${r(nodes.length + 2)}`; // some pods on nodes the cache does not know
    if (r(5) === 0) cache.assumePod(p, node);
    else cache.addOrUpdatePod({ ...p, spec: { ...p.spec, nodeName: node } });
  }
  // Removals keep the indexes right.
  for (let i = 0; i < 10; i++) cache.removePod(makePod(`e${r(120)}`, {}, { namespace: pick(['ns1', 'ns2', 'ns3']) }));
  cache.removeNode('n3');
  const incoming = Array.from({ length: 30 }, (_, i) => pod(`in${i}`));
  return { cache, incoming };
}

const nsLabels = { ns1: { team: 'x' }, ns2: {}, ns3: { team: 'x' } };

function handles(cache: SchedulerCache): { indexed: Handle; scanning: Handle } {
  const workloads = { ns1: { services: [], replicationControllers: [], replicaSets: [{ spec: { selector: { matchLabels: { app: 'a' } } } }], statefulSets: [] } };
  const base = testHandle(cache.nodes(), [], { nsLabels, workloads });
  const indexed: Handle = {
    ...base,
    nodes: () => cache.nodes(),
    podsInNamespace: (ns) => cache.podsInNamespace(ns),
    nodeLabelsGeneration: () => cache.nodeLabelsGeneration(),
    podsWithRequiredAntiAffinity: () => cache.podsWithRequiredAntiAffinity(),
    podsWithAffinity: () => cache.podsWithAffinity(),
    havePodsWithAffinity: () => cache.havePodsWithAffinity(),
    havePodsWithRequiredAntiAffinity: () => cache.havePodsWithRequiredAntiAffinity(),
  };
  return { indexed, scanning: { ...base, nodes: () => cache.nodes() } };
}

/** PreFilter + Filter on every node, PreScore + Score on every node: one comparable record. */
function run(pl: Plugin, pod: Pod, h: Handle): string {
  const state = new CycleState();
  const nodes = h.nodes();
  const [, pre] = pl.preFilter?.(state, pod, nodes) ?? [undefined, undefined];
  const out: string[] = [`pre ${pre?.code ?? 'ok'} ${pre?.message() ?? ''}`];
  if (!pre || pre.isSuccess()) for (const n of nodes) out.push(`${n.name} ${pl.filter?.(state, pod, n)?.message() ?? 'fits'}`);
  const ps = pl.preScore?.(state, pod, nodes);
  out.push(`preScore ${ps?.code ?? 'ok'}`);
  if (!ps && pl.score) out.push(nodes.map((n) => pl.score!(state, pod, n)).join(','));
  return out.join('\n');
}

test('InterPodAffinity: the indexed PreFilter/PreScore agree with scanning every node', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { cache, incoming } = randomCluster(seed);
    const { indexed, scanning } = handles(cache);
    const a = newInterPodAffinity({}, indexed);
    const b = newInterPodAffinity({}, scanning);
    for (const p of incoming) assert.equal(run(a, p, indexed), run(b, p, scanning), `seed ${seed}, pod ${p.metadata.name}`);
  }
});

test('PodTopologySpread: counting from the namespace index agrees with scanning every node', () => {
  const constraints: TopologySpreadConstraint[][] = [
    [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'a' } } }],
    [
      { maxSkew: 2, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] } },
      { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'b' } }, minDomains: 5 },
    ],
    [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'c' } }, nodeTaintsPolicy: 'Honor' }],
    [
      { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'a' } } },
      { maxSkew: 2, topologyKey: HOST, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['c'] }] } },
    ],
  ];
  for (const seed of [11, 12, 13]) {
    const { cache, incoming } = randomCluster(seed);
    const { indexed, scanning } = handles(cache);
    const a = newPodTopologySpread({}, indexed);
    const b = newPodTopologySpread({}, scanning);
    incoming.forEach((p0, i) => {
      // Every fifth pod has no constraints of its own: the system defaults (hostname and zone, ScheduleAnyway) apply in ns1.
      const own = i % 5 === 4 ? {} : { topologySpreadConstraints: constraints[i % constraints.length] };
      const p: Pod = { ...p0, spec: { ...p0.spec, ...own, ...(i % 4 === 0 ? { nodeSelector: { [ZONE]: 'z1' } } : {}) } };
      const got = run(a, p, indexed);
      assert.equal(got, run(b, p, scanning), `seed ${seed}, pod ${p.metadata.name}`);
    });
  }
});

test('the cache indexes follow pods and nodes', () => {
  const cache = new SchedulerCache();
  cache.addOrUpdateNode(makeNode('a'));
  const anti = makePod('x', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: HOST }] } } }, { namespace: 'ns' });
  cache.assumePod(anti, 'b');
  assert.equal([...cache.podsInNamespace('ns')].length, 1);
  assert.equal([...cache.podsInNamespace('ns')][0]!.nodeInfo, undefined, 'node b is not known yet');
  assert.deepEqual(cache.havePodsWithRequiredAntiAffinity(), []);
  cache.addOrUpdateNode(makeNode('b'));
  assert.equal([...cache.podsInNamespace('ns')][0]!.nodeInfo?.name, 'b');
  assert.deepEqual(cache.havePodsWithRequiredAntiAffinity().map((n) => n.name), ['b']);
  assert.deepEqual(cache.havePodsWithAffinity().map((n) => n.name), ['b']);
  cache.addOrUpdatePod({ ...anti, spec: { ...anti.spec, nodeName: 'b' } });
  assert.equal([...cache.podsWithRequiredAntiAffinity()].length, 1, 'confirmation replaces the assumption');
  const gen = cache.nodeLabelsGeneration();
  cache.addOrUpdateNode(makeNode('b'));
  assert.equal(cache.nodeLabelsGeneration(), gen, 'same labels: no new generation');
  cache.addOrUpdateNode(makeNode('b', { labels: { [ZONE]: 'z9' } }));
  assert.ok(cache.nodeLabelsGeneration() > gen, 'relabelled');
  cache.removeNode('b');
  assert.equal([...cache.podsInNamespace('ns')][0]!.nodeInfo, undefined);
  cache.removePod(anti);
  assert.equal([...cache.podsInNamespace('ns')].length, 0);
  assert.equal([...cache.podsWithAffinity()].length, 0);
});
