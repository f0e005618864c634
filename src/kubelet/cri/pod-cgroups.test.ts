// Pod-level cgroups: QoS class paths and the pod cgroup's cpu/memory settings (upstream ResourceConfigForPod).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../types.js';
import { podCgroupPath, qosCgroup } from './cri-config.js';
import { milliCpuToQuota, milliCpuToShares, podCgroupCandidates, podCgroupConfig, sharesToWeight } from './pod-cgroups.js';
import type { FullContainer, FullPodSpec } from './pod-spec.js';

const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>, restartPolicy?: 'Always'): FullContainer => ({ name, resources: { requests, limits }, ...(restartPolicy ? { restartPolicy } : {}) });
const podOf = (spec: FullPodSpec): Pod => ({ metadata: { name: 'p', namespace: 'd', uid: 'u1' }, spec } as unknown as Pod);

test('QoS class cgroups: Guaranteed pods directly in kubepods, the others in burstable / besteffort', () => {
  assert.equal(qosCgroup('/k8ts-x', 'Guaranteed'), '/k8ts-x/kubepods');
  assert.equal(podCgroupPath('/k8ts-x', podOf({ containers: [c('a', undefined, { cpu: '1', memory: '1Gi' })] })), '/k8ts-x/kubepods/podu1');
  assert.equal(podCgroupPath('/k8ts-x', podOf({ containers: [c('a', { cpu: '100m' })] })), '/k8ts-x/kubepods/burstable/podu1');
  assert.equal(podCgroupPath('/k8ts-x', podOf({ containers: [c('a')] })), '/k8ts-x/kubepods/besteffort/podu1');
  assert.deepEqual(podCgroupCandidates('/r', 'u'), ['/r/kubepods/podu', '/r/kubepods/burstable/podu', '/r/kubepods/besteffort/podu', '/r/podu']);
});

test('pod cgroup settings: shares from requests; quota and memory only when every container has that limit', () => {
  assert.deepEqual(podCgroupConfig({ containers: [c('a'), c('b')] }), { qos: 'BestEffort', cpuShares: 2 });
  assert.deepEqual(podCgroupConfig({ containers: [c('a', undefined, { cpu: '250m', memory: '64Mi' }), c('b', undefined, { cpu: '250m', memory: '64Mi' })] }), {
    qos: 'Guaranteed',
    cpuShares: 512,
    cpuQuota: 50_000,
    memoryLimit: 128 * 1024 * 1024,
  });
  // Burstable: one container without a memory limit → no pod memory limit; both have cpu limits → quota.
  assert.deepEqual(podCgroupConfig({ containers: [c('a', { cpu: '100m' }, { cpu: '200m', memory: '32Mi' }), c('b', { cpu: '100m' }, { cpu: '300m' })] }), { qos: 'Burstable', cpuShares: 204, cpuQuota: 50_000 });
  // Init containers: the larger of (apps + sidecars) and (the biggest init + sidecars before it).
  const withInit: FullPodSpec = { containers: [c('a', undefined, { cpu: '100m', memory: '10Mi' })], initContainers: [c('side', undefined, { cpu: '100m', memory: '10Mi' }, 'Always'), c('init', undefined, { cpu: '1', memory: '100Mi' })] };
  assert.deepEqual(podCgroupConfig(withInit), { qos: 'Guaranteed', cpuShares: 1126, cpuQuota: 110_000, memoryLimit: 110 * 1024 * 1024 });
  assert.equal(milliCpuToShares(0), 2);
  assert.equal(milliCpuToShares(1), 2);
  assert.equal(milliCpuToQuota(1), 1000);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
});
