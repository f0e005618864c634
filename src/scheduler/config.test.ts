// Table-driven tests of config, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, numFeasibleNodesToFind, resolveProfiles } from './config.js';
import type { ExtensionPoint } from './framework/runtime.js';
import { REGISTRY } from './plugins/registry.js';
import { testHandle } from './framework/testing.js';
import type { Plugin } from './framework/interface.js';

const METHOD: Record<ExtensionPoint, keyof Plugin> = { queueSort: 'less', preEnqueue: 'preEnqueue', preFilter: 'preFilter', filter: 'filter', postFilter: 'postFilter', preScore: 'preScore', score: 'score', reserve: 'reserve', permit: 'permit', preBind: 'preBind', bind: 'bind' };
const impl = (n: string, p: ExtensionPoint) => typeof REGISTRY[n]?.({}, testHandle([]))[METHOD[p]] === 'function';

test('the default profile has upstream filter order and score weights', () => {
  const [p] = resolveProfiles({}, impl);
  assert.equal(p!.schedulerName, 'default-scheduler');
  assert.deepEqual(p!.plugins.points.filter, ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity']);
  assert.deepEqual(p!.plugins.points.score, ['TaintToleration', 'NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'NodeResourcesBalancedAllocation', 'ImageLocality']);
  assert.deepEqual(p!.plugins.weights, { TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, PodTopologySpread: 2, InterPodAffinity: 2, NodeResourcesBalancedAllocation: 1, ImageLocality: 1 });
  assert.deepEqual(p!.plugins.points.postFilter, ['DefaultPreemption']);
  assert.deepEqual(p!.plugins.points.bind, ['DefaultBinder']);
});

test('profiles disable, enable and re-weight plugins per extension point, with args', () => {
  const [a, b] = resolveProfiles(
    {
      percentageOfNodesToScore: 30,
      profiles: [
        { schedulerName: 'default-scheduler', plugins: { score: { disabled: [{ name: 'ImageLocality' }], enabled: [{ name: 'NodeResourcesFit', weight: 5 }] } }, pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }] },
        { schedulerName: 'no-preempt', percentageOfNodesToScore: 70, plugins: { postFilter: { disabled: [{ name: '*' }] }, multiPoint: { disabled: [{ name: 'InterPodAffinity' }] } } },
      ],
    },
    impl,
  );
  assert.ok(!a!.plugins.points.score.includes('ImageLocality'));
  assert.equal(a!.plugins.weights.NodeResourcesFit, 5);
  assert.equal(a!.percentageOfNodesToScore, 30);
  assert.deepEqual(a!.args.NodeResourcesFit, { scoringStrategy: { type: 'MostAllocated' } });
  assert.deepEqual(b!.plugins.points.postFilter, []);
  assert.ok(!b!.plugins.points.filter.includes('InterPodAffinity'));
  assert.equal(b!.percentageOfNodesToScore, 70);
});

test('invalid configurations are rejected', () => {
  assert.throws(() => resolveProfiles({ profiles: [{}, {}] }, impl), ConfigError);
  assert.throws(() => resolveProfiles({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] }, impl), /unknown plugin "Nope"/);
  assert.throws(() => resolveProfiles({ profiles: [{ plugins: { multiPoint: { disabled: [{ name: '*' }] } } }] }, impl), /queueSort/);
});

test('percentageOfNodesToScore: upstream adaptive default', () => {
  assert.equal(numFeasibleNodesToFind(undefined, 50), 50);
  assert.equal(numFeasibleNodesToFind(undefined, 1000), 420);
  assert.equal(numFeasibleNodesToFind(undefined, 5000), 500);
  assert.equal(numFeasibleNodesToFind(undefined, 6000), 300);
  assert.equal(numFeasibleNodesToFind(10, 500), 100);
  assert.equal(numFeasibleNodesToFind(100, 5000), 5000);
});
