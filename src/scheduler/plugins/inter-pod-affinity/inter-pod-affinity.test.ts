// Table-driven tests of inter-pod-affinity, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAll, makeNode, makePod, nodeInfo, scoreAll, testHandle } from '../../framework/testing.js';
import type { Affinity, Pod, PodAffinityTerm } from '../../framework/types.js';
import { newInterPodAffinity } from './inter-pod-affinity.js';

const term = (app: string, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: { matchLabels: { app } }, topologyKey, ...extra });
const pod = (name: string, labels: Record<string, string>, affinity?: Affinity, namespace = 'default'): Pod => makePod(name, { affinity }, { labels, namespace });
const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

function cluster(existing: Record<string, Pod[]>) {
  return ['a1', 'a2', 'b1'].map((n) => nodeInfo(makeNode(n, { labels: { [ZONE]: n.startsWith('a') ? 'a' : 'b' } }), existing[n] ?? []));
}

test('InterPodAffinity Filter', async (t) => {
  const db = pod('db', { app: 'db' });
  const cases: { name: string; existing: Record<string, Pod[]>; pod: Pod; want: string[]; nsLabels?: Record<string, Record<string, string>> }[] = [
    { name: 'no terms: every node', existing: { a1: [db] }, pod: pod('p', {}), want: ['', '', ''] },
    {
      name: 'required affinity by zone',
      existing: { a1: [db] },
      pod: pod('p', {}, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', ZONE)] } }),
      want: ['', '', "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules"],
    },
    {
      name: 'required affinity by hostname',
      existing: { a2: [db] },
      pod: pod('p', {}, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', HOST)] } }),
      want: ["UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules", '', "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules"],
    },
    {
      name: 'the first pod of a self-affine group may go anywhere',
      existing: {},
      pod: pod('p', { app: 'web' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } }),
      want: ['', '', ''],
    },
    {
      name: 'required anti-affinity by hostname',
      existing: { a1: [pod('w', { app: 'web' })] },
      pod: pod('p', { app: 'web' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', HOST)] } }),
      want: ["Unschedulable: node(s) didn't match pod anti-affinity rules", '', ''],
    },
    {
      name: "existing pods' anti-affinity is symmetric",
      existing: { b1: [pod('w', { app: 'web' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache', ZONE)] } })] },
      pod: pod('p', { app: 'cache' }),
      want: ['', '', "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules"],
    },
    {
      name: 'terms only see their namespaces',
      existing: { a1: [pod('db', { app: 'db' }, undefined, 'other')] },
      pod: pod('p', {}, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', HOST)] } }),
      want: ['', '', ''],
    },
    {
      name: 'namespaceSelector reaches other namespaces',
      existing: { a1: [pod('db', { app: 'db' }, undefined, 'other')] },
      nsLabels: { other: { team: 'x' } },
      pod: pod('p', {}, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', HOST, { namespaceSelector: { matchLabels: { team: 'x' } } })] } }),
      want: ["Unschedulable: node(s) didn't match pod anti-affinity rules", '', ''],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const nodes = cluster(c.existing);
      assert.deepEqual(filterAll(newInterPodAffinity({}, testHandle(nodes, [], { nsLabels: c.nsLabels })), c.pod, nodes), c.want);
    });
  }
});

test('InterPodAffinity Score: preferred affinity and anti-affinity by topology', () => {
  const nodes = cluster({ a1: [pod('db', { app: 'db' })], b1: [pod('w', { app: 'web' })] });
  const p = pod('p', {}, {
    podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('db', ZONE) }] },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('web', ZONE) }] },
  });
  assert.deepEqual(scoreAll(newInterPodAffinity({}, testHandle(nodes)), p, nodes), [100, 100, 0]);
});
