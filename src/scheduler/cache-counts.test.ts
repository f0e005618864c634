// The cache's incremental counts (countsBySelector, termGroups), kept across cycles while pods
// and nodes come, go and change, give InterPodAffinity and PodTopologySpread the same answers
// as scanning every node's pods — PreFilter, Filter on every node, what-if AddPod/RemovePod as
// preemption does them, PreScore and Score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './cache.js';
import { CycleState, type Handle, type Plugin } from './framework/interface.js';
import { newPodInfo } from './framework/pod-info.js';
import { makeNode, makePod, testHandle } from './framework/testing.js';
import type { Node, Pod, PodAffinityTerm, TopologySpreadConstraint } from './framework/types.js';
import { newInterPodAffinity } from './plugins/inter-pod-affinity/inter-pod-affinity.js';
import { newPodTopologySpread } from './plugins/pod-topology-spread/pod-topology-spread.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const RACK = 'rack';

/** A deterministic pseudo-random sequence (the cases must be the same on every run). */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
}

const nsLabels = { ns1: { team: 'x' }, ns2: {}, ns3: { team: 'x' } };

function handles(cache: SchedulerCache): { counted: Handle; scanning: Handle } {
  const workloads = { ns1: { services: [], replicationControllers: [], replicaSets: [{ spec: { selector: { matchLabels: { app: 'a' } } } }], statefulSets: [] } };
  const base = testHandle(cache.nodes(), [], { nsLabels, workloads });
  const counted: Handle = {
    ...base,
    nodes: () => cache.nodes(),
    node: (n) => cache.node(n),
    podsInNamespace: (ns) => cache.podsInNamespace(ns),
    nodeLabelsGeneration: () => cache.nodeLabelsGeneration(),
    podsWithRequiredAntiAffinity: () => cache.podsWithRequiredAntiAffinity(),
    podsWithAffinity: () => cache.podsWithAffinity(),
    havePodsWithAffinity: () => cache.havePodsWithAffinity(),
    havePodsWithRequiredAntiAffinity: () => cache.havePodsWithRequiredAntiAffinity(),
    countsBySelector: (q) => cache.countsBySelector(q),
    termGroups: (k) => cache.termGroups(k),
  };
  return { counted, scanning: { ...base, nodes: () => cache.nodes(), node: (n) => cache.node(n) } };
}

/** PreFilter + Filter on every node, a what-if (remove one placed pod, add another) + Filter again, PreScore + Score: one comparable record. */
function run(pl: Plugin, pod: Pod, h: Handle, r: (n: number) => number): string {
  const state = new CycleState();
  const nodes = h.nodes();
  const [, pre] = pl.preFilter?.(state, pod, nodes) ?? [undefined, undefined];
  const out: string[] = [`pre ${pre?.code ?? 'ok'} ${pre?.message() ?? ''}`];
  const placed = nodes.flatMap((n) => [...n.pods.values()].map((p) => [p, n] as const));
  if (!pre || pre.isSuccess()) {
    for (const n of nodes) out.push(`${n.name} ${pl.filter?.(state, pod, n)?.message() ?? 'fits'}`);
    if (placed.length && nodes.length) {
      const what = state.clone();
      const [victim, on] = placed[r(placed.length)]!;
      pl.removePod?.(what, pod, victim, on);
      const extra = newPodInfo(makePod('what-if', { affinity: victim.pod.spec?.affinity }, { labels: victim.pod.metadata.labels, namespace: victim.pod.metadata.namespace }));
      pl.addPod?.(what, pod, extra, nodes[r(nodes.length)]!);
      for (const n of nodes) out.push(`what-if ${n.name} ${pl.filter?.(what, pod, n)?.message() ?? 'fits'}`);
    }
  }
  const ps = pl.preScore?.(state, pod, nodes);
  out.push(`preScore ${ps?.code ?? 'ok'}`);
  if (!ps && pl.score) out.push(nodes.map((n) => pl.score!(state, pod, n)).join(','));
  return out.join('\n');
}

function scenario(seed: number, check: (cache: SchedulerCache, incoming: Pod, r: (n: number) => number, step: string) => void): void {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[r(xs.length)]!;
  const cache = new SchedulerCache();
  // Few distinct terms, so pods share term groups and selector indexes.
  const term = (): PodAffinityTerm => {
    const t: PodAffinityTerm = { labelSelector: { matchLabels: { app: pick(['a', 'b', 'c']) } }, topologyKey: pick([HOST, ZONE, RACK]) };
    const ns = r(6);
    if (ns === 0) t.namespaces = ['ns1', 'ns2'];
    if (ns === 1) t.namespaceSelector = {};
    if (ns === 2) t.namespaceSelector = { matchLabels: { team: 'x' } };
    return t;
  };
  const affinity = (): NonNullable<Pod['spec']>['affinity'] => {
    const a: Record<string, unknown> = {};
    if (r(3) === 0) a.podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term()] };
    if (r(3) === 0) a.podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term()] };
    if (r(4) === 0) a.podAffinity = { ...(a.podAffinity as object), preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + r(3) * 20, podAffinityTerm: term() }] };
    if (r(4) === 0) a.podAntiAffinity = { ...(a.podAntiAffinity as object), preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + r(3) * 20, podAffinityTerm: term() }] };
    return a as never;
  };
  const spreads: TopologySpreadConstraint[][] = [
    [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'a' } } }],
    [
      { maxSkew: 2, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] } },
      { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'b' } }, minDomains: 5 },
    ],
    [{ maxSkew: 1, topologyKey: RACK, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'c' } } }],
    [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'c' } }, nodeTaintsPolicy: 'Honor' }],
    [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'a' } } }],
  ];
  let serial = 0;
  const pod = (): Pod => {
    const p = makePod(`p${serial++}`, { affinity: affinity() }, { labels: { app: pick(['a', 'b', 'c']) }, namespace: pick(['ns1', 'ns2', 'ns3']) });
    if (r(3) === 0) p.spec = { ...p.spec, topologySpreadConstraints: pick(spreads) };
    if (r(6) === 0) p.spec = { ...p.spec, nodeSelector: { [ZONE]: 'z1' } };
    return p;
  };
  const nodeLabels = (name: string): Record<string, string> => {
    const l: Record<string, string> = { [HOST]: name };
    if (r(8)) l[ZONE] = `z${r(4)}`;
    if (r(3)) l[RACK] = `r${r(3)}`;
    return l;
  };
  const nodes = (): Node[] => Array.from({ length: 30 }, (_, i) => makeNode(`n${i}`, { labels: nodeLabels(`n${i}`), taints: r(10) ? [] : [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
  for (const n of nodes()) cache.addOrUpdateNode(n);
  const placed: Pod[] = [];
  for (let step = 0; step < 100; step++) {
    // Ask first (the counts get built), then change the cluster, then ask again (they must have followed).
    check(cache, pod(), r, `step ${step}`);
    // Node changes (which drop the counts) are rarer, so the counts live through many pod changes.
    const what = r(40);
    if (what < 20) {
      const p = pod();
      const node = `n${r(32)}`; // some pods on nodes the cache does not know
      if (r(4) === 0) cache.assumePod(p, node);
      else cache.addOrUpdatePod({ ...p, spec: { ...p.spec, nodeName: node } });
      placed.push({ ...p, spec: { ...p.spec, nodeName: node } });
    } else if (what < 34 && placed.length) {
      const i = r(placed.length);
      const p = placed[i]!;
      if (r(2)) {
        cache.removePod(p);
        placed.splice(i, 1);
      } else {
        // Relabelled or terminating (PodTopologySpread leaves terminating pods out).
        const q: Pod = { ...p, metadata: { ...p.metadata, labels: { app: pick(['a', 'b', 'c']) }, ...(r(2) ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } };
        cache.addOrUpdatePod(q);
        placed[i] = q;
      }
    } else if (what < 37 && placed.length) {
      cache.forgetPod(placed[r(placed.length)]!);
    } else if (what < 39) {
      const name = `n${r(32)}`;
      cache.addOrUpdateNode(makeNode(name, { labels: nodeLabels(name) }));
    } else {
      cache.removeNode(`n${r(32)}`);
    }
  }
}

test('InterPodAffinity: counts kept across cycles agree with scanning every node', () => {
  for (const seed of [21, 22, 23, 24]) {
    scenario(seed, (cache, p, r, step) => {
      const { counted, scanning } = handles(cache);
      const seedA = r(1000);
      const a = run(newInterPodAffinity({}, counted), p, counted, rng(seedA));
      const b = run(newInterPodAffinity({}, scanning), p, scanning, rng(seedA));
      assert.equal(a, b, `seed ${seed}, ${step}, pod ${p.metadata.name}`);
    });
  }
});

test('PodTopologySpread: counts kept across cycles agree with scanning every node', () => {
  for (const seed of [31, 32, 33, 34]) {
    scenario(seed, (cache, p, r, step) => {
      const { counted, scanning } = handles(cache);
      const seedA = r(1000);
      const a = run(newPodTopologySpread({}, counted), p, counted, rng(seedA));
      const b = run(newPodTopologySpread({}, scanning), p, scanning, rng(seedA));
      assert.equal(a, b, `seed ${seed}, ${step}, pod ${p.metadata.name}`);
    });
  }
});

test('the incremental counts follow pods and nodes, and go when labels move', () => {
  const cache = new SchedulerCache();
  cache.addOrUpdateNode(makeNode('a', { labels: { [ZONE]: 'z1' } }));
  const q = { namespaces: ['ns'], selector: { requirements: [{ key: 'app', operator: 'in' as const, values: ['x'] }] }, topologyKey: ZONE };
  const live = cache.countsBySelector(q);
  assert.equal(live.size, 0);
  const anti = makePod('x', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: ZONE }] } } }, { namespace: 'ns', labels: { app: 'x' } });
  const groups = () => [...cache.termGroups('requiredAntiAffinity')].map((g) => [...g.counts]);
  assert.deepEqual(groups(), []);
  cache.assumePod(anti, 'a');
  assert.deepEqual([...live], [['z1', 1]], 'the same live map follows an assumed pod');
  assert.deepEqual(groups(), [[['z1', 1]]]);
  cache.addOrUpdatePod({ ...anti, spec: { ...anti.spec, nodeName: 'a' } });
  assert.deepEqual([...live], [['z1', 1]], 'confirmation replaces the assumption');
  cache.addOrUpdateNode(makeNode('a', { labels: { [ZONE]: 'z2' } }));
  assert.deepEqual([...cache.countsBySelector(q)], [['z2', 1]], 'rebuilt after a relabel');
  assert.deepEqual(groups(), [[['z2', 1]]]);
  cache.removePod(anti);
  assert.deepEqual([...cache.countsBySelector(q)], []);
  assert.deepEqual(groups(), [], 'a group goes with its last term');
});
