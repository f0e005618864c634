import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResourceMetrics, type NodeScrape } from './decode.js';
import { goDuration, cpuQuantity, memoryQuantity, podMetrics } from './objects.js';
import { parsePrometheusText } from './prometheus.js';
import { MetricsStorage } from './storage.js';

const scrape = (t: number, nodeCpu: number, containers: Array<[pod: string, container: string, cpu: number, mem: number, start?: number]>): NodeScrape => ({
  node: { timestampMs: t, cpuSeconds: nodeCpu, memoryBytes: 1 << 30 },
  containers: containers.map(([pod, container, cpu, mem, start]) => ({ namespace: 'default', pod, container, timestampMs: t, cpuSeconds: cpu, memoryBytes: mem, ...(start !== undefined ? { startMs: start } : {}) })),
});

test('CPU is the counter increase between two scrapes over their distance; memory the newest working set', () => {
  const s = new MetricsStorage();
  s.store(new Map([['n1', scrape(10_000, 100, [['p', 'c', 5, 1000]])]]));
  assert.equal(s.nodeUsage('n1'), undefined, 'one reading without a start time has no window yet');
  assert.equal(s.podUsage('default', 'p'), undefined);
  s.store(new Map([['n1', scrape(25_000, 103, [['p', 'c', 5.75, 2048]])]]));
  assert.deepEqual(s.nodeUsage('n1'), { timestampMs: 25_000, windowMs: 15_000, nanoCores: 200_000_000, memoryBytes: 1 << 30 });
  assert.deepEqual(s.podUsage('default', 'p'), { namespace: 'default', name: 'p', containers: [{ name: 'c', usage: { timestampMs: 25_000, windowMs: 15_000, nanoCores: 50_000_000, memoryBytes: 2048 } }] });
});

test('a container start time stands in for the missing older reading (counter zero at start)', () => {
  const s = new MetricsStorage();
  s.store(new Map([['n1', scrape(20_000, 1, [['p', 'c', 2.5, 10, 10_000]])]]));
  assert.equal(s.podUsage('default', 'p')?.containers[0]?.usage.nanoCores, 250_000_000);
  assert.equal(s.podUsage('default', 'p')?.containers[0]?.usage.windowMs, 10_000);
});

test('a restarted container (counter down) starts over; pods gone from a scrape are forgotten; a failed node keeps its readings', () => {
  const s = new MetricsStorage();
  s.store(new Map([['n1', scrape(10_000, 1, [['p', 'c', 50, 1], ['q', 'c', 1, 1]])]]));
  s.store(new Map([['n1', scrape(20_000, 2, [['p', 'c', 60, 1], ['q', 'c', 2, 1]])]]));
  s.store(new Map([['n1', scrape(30_000, 3, [['p', 'c', 1, 1]])]]));
  assert.equal(s.podUsage('default', 'p'), undefined, 'the counter went down: no rate until the next reading');
  assert.equal(s.podUsage('default', 'q'), undefined, 'q was not in the last scrape');
  s.store(new Map(), new Set(['n1']));
  assert.ok(s.nodeUsage('n1'), 'a failed scrape keeps the node');
  s.store(new Map([['n1', scrape(40_000, 4, [['p', 'c', 3, 1]])]]));
  assert.equal(s.podUsage('default', 'p')?.containers[0]?.usage.nanoCores, 200_000_000);
});

test('decode: a kubelet body becomes node and container points; series lacking CPU or memory are dropped', () => {
  const body = `node_cpu_usage_seconds_total 10 1000
node_memory_working_set_bytes 2048 1000
container_cpu_usage_seconds_total{container="c",namespace="ns",pod="p"} 1.5 1000
container_memory_working_set_bytes{container="c",namespace="ns",pod="p"} 4096 1000
container_start_time_seconds{container="c",namespace="ns",pod="p"} 0.5 1000
container_cpu_usage_seconds_total{container="only-cpu",namespace="ns",pod="p"} 1 1000
scrape_error 0
`;
  assert.deepEqual(decodeResourceMetrics(parsePrometheusText(body), 99), {
    node: { timestampMs: 1000, cpuSeconds: 10, memoryBytes: 2048 },
    containers: [{ namespace: 'ns', pod: 'p', container: 'c', timestampMs: 1000, cpuSeconds: 1.5, memoryBytes: 4096, startMs: 500 }],
  });
});

test('quantities and windows are written as metrics-server writes them', () => {
  assert.deepEqual([cpuQuantity(250e6), cpuQuantity(1234567), cpuQuantity(0), cpuQuantity(2e9)], ['250m', '1234567n', '0', '2']);
  assert.deepEqual([memoryQuantity(34 * 1048576), memoryQuantity(1000), memoryQuantity(0)], ['34Mi', '1000', '0']);
  assert.deepEqual([goDuration(15_012), goDuration(61_000), goDuration(1_000), goDuration(500)], ['15.012s', '1m1s', '1s', '500ms']);
  const pm = podMetrics({ metadata: { name: 'p', namespace: 'ns', labels: { app: 'a' } } }, [{ name: 'c', usage: { timestampMs: 0, windowMs: 15_000, nanoCores: 5e6, memoryBytes: 1024 } }], 0);
  assert.deepEqual(pm, {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'p', namespace: 'ns', creationTimestamp: '1970-01-01T00:00:00Z', labels: { app: 'a' } },
    timestamp: '1970-01-01T00:00:00Z',
    window: '15s',
    containers: [{ name: 'c', usage: { cpu: '5m', memory: '1Ki' } }],
  });
});
