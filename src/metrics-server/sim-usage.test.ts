import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { simPodUsage } from './sim-usage.js';

const pod = (annotations: Record<string, string>, containers = ['a']): KObject => ({ metadata: { name: 'p', annotations }, spec: { containers: containers.map((name) => ({ name })) } }) as KObject;

test('sim annotations: pod-level values are shared by containers without their own; none means no metrics', () => {
  assert.equal(simPodUsage(pod({})), undefined);
  assert.deepEqual(simPodUsage(pod({ 'sim.k8ts.io/cpu-usage': '250m', 'sim.k8ts.io/memory-usage': '64Mi' })), [{ name: 'a', nanoCores: 250e6, memoryBytes: 64 * 1048576 }]);
  assert.deepEqual(simPodUsage(pod({ 'sim.k8ts.io/cpu-usage': '300m', 'sim.k8ts.io/cpu-usage.b': '1' }, ['a', 'b', 'c'])), [
    { name: 'a', nanoCores: 150e6, memoryBytes: 0 },
    { name: 'b', nanoCores: 1e9, memoryBytes: 0 },
    { name: 'c', nanoCores: 150e6, memoryBytes: 0 },
  ]);
  assert.deepEqual(simPodUsage(pod({ 'sim.k8ts.io/cpu-usage': 'lots' })), [{ name: 'a', nanoCores: 0, memoryBytes: 0 }], 'an unparsable value counts as none');
});
