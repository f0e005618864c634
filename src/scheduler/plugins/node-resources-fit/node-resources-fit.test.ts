// Table-driven tests of node-resources-fit, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests } from '../../framework/resources.js';
import { filterAll, makeNode, makePod, nodeInfo, scoreAll } from '../../framework/testing.js';
import type { Container, PodSpec } from '../../framework/types.js';
import { newNodeResourcesFit } from './node-resources-fit.js';

const c = (name: string, cpu: string, extra: Partial<Container> = {}): Container => ({ name, resources: { requests: { cpu } }, ...extra });

test('pod requests: containers, init containers, sidecars and overhead as upstream', async (t) => {
  const cases: { name: string; spec: PodSpec; cpu: number }[] = [
    { name: 'containers add up', spec: { containers: [c('a', '1'), c('b', '500m')] }, cpu: 1500 },
    { name: 'a bigger init container wins', spec: { containers: [c('a', '1')], initContainers: [c('i', '2')] }, cpu: 2000 },
    { name: 'init containers take the max, not the sum', spec: { containers: [c('a', '1')], initContainers: [c('i', '1500m'), c('j', '1200m')] }, cpu: 1500 },
    { name: 'sidecars add to the containers', spec: { containers: [c('a', '1')], initContainers: [c('s', '500m', { restartPolicy: 'Always' })] }, cpu: 1500 },
    { name: 'an init container after a sidecar runs beside it', spec: { containers: [c('a', '100m')], initContainers: [c('s', '1', { restartPolicy: 'Always' }), c('i', '2')] }, cpu: 3000 },
    { name: 'overhead is added', spec: { containers: [c('a', '1')], overhead: { cpu: '250m' } }, cpu: 1250 },
    { name: 'limits stand in for missing requests', spec: { containers: [{ name: 'a', resources: { limits: { cpu: '2' } } }] }, cpu: 2000 },
  ];
  for (const x of cases) await t.test(x.name, () => assert.equal(podRequests(makePod('p', x.spec)).cpu ?? 0, x.cpu));
});

test('NodeResourcesFit Filter reasons', async (t) => {
  const cases: { name: string; node: ReturnType<typeof makeNode>; existing?: number; spec: PodSpec; want: string }[] = [
    { name: 'fits', node: makeNode('n', { cpu: '2' }), spec: { containers: [c('a', '1')] }, want: '' },
    { name: 'insufficient cpu', node: makeNode('n', { cpu: '2' }), existing: 2, spec: { containers: [c('a', '1')] }, want: 'Unschedulable: Insufficient cpu' },
    { name: 'insufficient memory', node: makeNode('n', { memory: '1Gi' }), spec: { containers: [{ name: 'a', resources: { requests: { memory: '2Gi' } } }] }, want: 'Unschedulable: Insufficient memory' },
    { name: 'too many pods', node: makeNode('n', { pods: '1' }), existing: 1, spec: { containers: [c('a', '0')] }, want: 'Unschedulable: Too many pods' },
    { name: 'several reasons together', node: makeNode('n', { cpu: '1', memory: '1Gi' }), spec: { containers: [{ name: 'a', resources: { requests: { cpu: '2', memory: '2Gi' } } }] }, want: 'Unschedulable: Insufficient cpu, Insufficient memory' },
    { name: 'extended resources', node: makeNode('n', { extra: { 'example.com/gpu': '1' } }), spec: { containers: [{ name: 'a', resources: { requests: { 'example.com/gpu': '2' } } }] }, want: 'Unschedulable: Insufficient example.com/gpu' },
  ];
  for (const x of cases) {
    const existing = Array.from({ length: x.existing ?? 0 }, (_, i) => makePod(`e${i}`, { containers: [c('a', '1')] }));
    await t.test(x.name, () => assert.deepEqual(filterAll(newNodeResourcesFit(), makePod('p', x.spec), [nodeInfo(x.node, existing)]), [x.want]));
  }
});

test('NodeResourcesFit scoring strategies', async (t) => {
  const nodes = [nodeInfo(makeNode('empty', { cpu: '4', memory: '4Gi' })), nodeInfo(makeNode('busy', { cpu: '4', memory: '4Gi' }), [makePod('e', { containers: [{ name: 'a', resources: { requests: { cpu: '2', memory: '2Gi' } } }] })])];
  const pod = makePod('p', { containers: [{ name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' } } }] });
  await t.test('LeastAllocated (default) prefers the emptier node', () => assert.deepEqual(scoreAll(newNodeResourcesFit(), pod, nodes), [75, 25]));
  await t.test('MostAllocated prefers the fuller node', () => assert.deepEqual(scoreAll(newNodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } }), pod, nodes), [25, 75]));
  await t.test('RequestedToCapacityRatio follows the shape', () =>
    assert.deepEqual(scoreAll(newNodeResourcesFit({ scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } }), pod, nodes), [25, 75]));
  await t.test('a pod without requests counts the non-zero defaults (100m, 200Mi): cpu 97, memory 95', () => assert.deepEqual(scoreAll(newNodeResourcesFit(), makePod('q'), [nodes[0]!]), [96]));
});
