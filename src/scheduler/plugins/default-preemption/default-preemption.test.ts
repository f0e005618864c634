// Table-driven tests of default-preemption, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import { makeNode, makePod, nodeInfo, testHandle } from '../../framework/testing.js';
import type { Pod } from '../../framework/types.js';
import { newNodeResourcesFit } from '../node-resources-fit/node-resources-fit.js';
import { newDefaultPreemption, numCandidates } from './default-preemption.js';

const cpuPod = (name: string, cpu: string, priority: number, created = '2024-01-01T00:00:00Z', labels?: Record<string, string>): Pod => {
  const p = makePod(name, { priority }, { cpu, created, labels });
  return p;
};

function setup(nodes: ReturnType<typeof nodeInfo>[], pdbs: { ns: string; app: string; allowed: number }[] = []) {
  const deleted: string[] = [];
  const nominated: string[] = [];
  const h = testHandle(nodes, [newNodeResourcesFit()], {
    api: { bind: async () => undefined, deletePod: async (p) => void deleted.push(p.metadata.name ?? ''), setNominatedNode: async (_p, n) => void nominated.push(n ?? '') },
  });
  h.pdbs = () => pdbs.map((p) => ({ metadata: { namespace: p.ns, name: 'pdb' }, spec: { selector: { matchLabels: { app: p.app } } }, status: { disruptionsAllowed: p.allowed } }));
  return { pl: newDefaultPreemption({}, h), deleted, nominated };
}
const insufficient = (names: string[]) => new Map(names.map((n) => [n, new Status(Code.Unschedulable, 'Insufficient cpu')]));

test('DefaultPreemption evicts the lowest-priority pods needed and nominates the node', async () => {
  const nodes = [nodeInfo(makeNode('n1', { cpu: '2' }), [cpuPod('low', '1', 1), cpuPod('mid', '1', 5)])];
  const { pl, deleted, nominated } = setup(nodes);
  const [r, s] = await pl.postFilter!(new CycleState(), cpuPod('high', '1', 10), insufficient(['n1']));
  assert.equal(s.code, Code.Success);
  assert.equal(r?.nominatedNodeName, 'n1');
  assert.deepEqual(deleted, ['low']);
  // The nomination rides on the scheduler's FailedScheduling status patch, not a PATCH of its own.
  assert.deepEqual(nominated, []);
});

test('DefaultPreemption picks the node whose victims have the lowest priority', async () => {
  const nodes = [nodeInfo(makeNode('n1', { cpu: '1' }), [cpuPod('a', '1', 4)]), nodeInfo(makeNode('n2', { cpu: '1' }), [cpuPod('b', '1', 2)])];
  const { pl, deleted } = setup(nodes);
  const [r] = await pl.postFilter!(new CycleState(), cpuPod('high', '1', 10), insufficient(['n1', 'n2']));
  assert.equal(r?.nominatedNodeName, 'n2');
  assert.deepEqual(deleted, ['b']);
});

test('DefaultPreemption prefers victims not protected by a PodDisruptionBudget', async () => {
  const nodes = [nodeInfo(makeNode('n1', { cpu: '1' }), [cpuPod('guarded', '1', 1, undefined, { app: 'db' })]), nodeInfo(makeNode('n2', { cpu: '1' }), [cpuPod('free', '1', 1)])];
  const { pl, deleted } = setup(nodes, [{ ns: 'default', app: 'db', allowed: 0 }]);
  const [r] = await pl.postFilter!(new CycleState(), cpuPod('high', '1', 10), insufficient(['n1', 'n2']));
  assert.equal(r?.nominatedNodeName, 'n2');
  assert.deepEqual(deleted, ['free']);
});

test('DefaultPreemption messages when it cannot help', async (t) => {
  await t.test('no lower-priority pods', async () => {
    const { pl } = setup([nodeInfo(makeNode('n1', { cpu: '1' }), [cpuPod('same', '1', 10)])]);
    const [, s] = await pl.postFilter!(new CycleState(), cpuPod('p', '1', 10), insufficient(['n1']));
    assert.equal(s.message(), 'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  });
  await t.test('unresolvable nodes', async () => {
    const nodes = ['a', 'b', 'c'].map((n) => nodeInfo(makeNode(n)));
    const { pl } = setup(nodes);
    const st = new Map(nodes.map((n) => [n.name, new Status(Code.UnschedulableAndUnresolvable, 'x')]));
    const [, s] = await pl.postFilter!(new CycleState(), cpuPod('p', '1', 10), st);
    assert.equal(s.message(), 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  });
  await t.test('preemptionPolicy Never', async () => {
    const { pl } = setup([nodeInfo(makeNode('n1'))]);
    const [, s] = await pl.postFilter!(new CycleState(), makePod('p', { preemptionPolicy: 'Never', priority: 100 }), insufficient(['n1']));
    assert.equal(s.message(), 'preemption: not eligible due to preemptionPolicy=Never.');
  });
});

test('numCandidates: 10 % of the potential nodes, at least 100, at most all (upstream calculateNumCandidates)', () => {
  assert.equal(numCandidates(5), 5);
  assert.equal(numCandidates(500), 100);
  assert.equal(numCandidates(5000), 500);
  assert.equal(numCandidates(500, 50, 10), 250);
});

test('DefaultPreemption dry-runs only numCandidates nodes from a random offset, skipping unresolvable ones', async () => {
  const nodes = Array.from({ length: 300 }, (_, i) => nodeInfo(makeNode(`n${i}`, { cpu: '1' }), [cpuPod(`v${i}`, '1', 1)]));
  const deleted: string[] = [];
  const h = testHandle(nodes, [newNodeResourcesFit()], { api: { bind: async () => undefined, deletePod: async (p) => void deleted.push(p.metadata.name ?? ''), setNominatedNode: async () => undefined } });
  h.pdbs = () => [];
  const visited = new Set<string>();
  const run = h.runFilters;
  h.runFilters = (s, p, n) => {
    visited.add(n.name);
    return run(s, p, n);
  };
  const pl = newDefaultPreemption({}, h);
  // 100 nodes are unresolvable (say, cordoned): 200 potential nodes → 100 candidates.
  const st = new Map(nodes.map((n, i) => [n.name, new Status(i < 100 ? Code.UnschedulableAndUnresolvable : Code.Unschedulable, 'x')]));
  const [r, s] = await pl.postFilter!(new CycleState(), cpuPod('high', '1', 10), st);
  assert.equal(s.code, Code.Success);
  assert.equal(visited.size, 100);
  for (const n of visited) assert.ok(Number(n.slice(1)) >= 100, `unresolvable node ${n} dry-run`);
  assert.ok(visited.has(r!.nominatedNodeName!));
  assert.equal(deleted.length, 1);
});

test('DefaultPreemption does not preempt on a node nominated to a pod of no lower priority', async () => {
  for (let i = 0; i < 10; i++) {
    const nodes = [nodeInfo(makeNode('n1', { cpu: '1' }), [cpuPod('a', '1', 1)]), nodeInfo(makeNode('n2', { cpu: '1' }), [cpuPod('b', '1', 1)])];
    const deleted: string[] = [];
    const h = testHandle(nodes, [newNodeResourcesFit()], { api: { bind: async () => undefined, deletePod: async (p) => void deleted.push(p.metadata.name ?? ''), setNominatedNode: async () => undefined } });
    h.nominatedPods = () => new Map([['n1', [cpuPod('earlier', '1', 10)]]]);
    const [r] = await newDefaultPreemption({}, h).postFilter!(new CycleState(), cpuPod('high', '1', 10), insufficient(['n1', 'n2']));
    assert.equal(r?.nominatedNodeName, 'n2');
    assert.deepEqual(deleted, ['b']);
  }
});

