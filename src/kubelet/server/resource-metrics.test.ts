import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../types.js';
import { formatResourceMetrics, readNodeUsage, SimCounters } from './resource-metrics.js';

const pod = (annotations: Record<string, string>, startedAt: string): Pod =>
  ({
    metadata: { name: 'web', namespace: 'default', uid: 'u1', annotations },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'i', imageID: '', state: { running: { startedAt } } }] },
  }) as unknown as Pod;

test('sim usage becomes a CPU counter whose rate between scrapes is the annotated value, even when it changes', () => {
  const sim = new SimCounters();
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const [a] = sim.samples([pod({ 'sim.k8ts.io/cpu-usage': '500m', 'sim.k8ts.io/memory-usage': '32Mi' }, '2026-01-01T00:00:00Z')], t0 + 10_000);
  assert.equal(a!.cpuSeconds, 5, '0.5 cores for the 10 s since the container started');
  assert.equal(a!.memoryWorkingSetBytes, 32 * 1048576);
  const [b] = sim.samples([pod({ 'sim.k8ts.io/cpu-usage': '2' }, '2026-01-01T00:00:00Z')], t0 + 20_000);
  assert.equal(b!.cpuSeconds, 25, 'then 2 cores for 10 s more');
  assert.equal(sim.samples([pod({}, '2026-01-01T00:00:00Z')], t0 + 30_000).length, 0, 'no annotation: no series');
});

test('the exposition carries upstream metric names, container and pod series, and the node', () => {
  const text = formatResourceMetrics(
    { cpuSeconds: 100.5, memoryWorkingSetBytes: 2048, timestampMs: 7000 },
    [
      { namespace: 'ns', pod: 'p', container: 'a', cpuSeconds: 1, memoryWorkingSetBytes: 10, timestampMs: 5000 },
      { namespace: 'ns', pod: 'p', container: 'b', cpuSeconds: 2, memoryWorkingSetBytes: 20, timestampMs: 6000 },
    ],
    new Map([['ns/p/a', 1500]]),
    false,
  );
  for (const line of [
    'container_cpu_usage_seconds_total{container="a",namespace="ns",pod="p"} 1 5000',
    'container_memory_working_set_bytes{container="b",namespace="ns",pod="p"} 20 6000',
    'container_start_time_seconds{container="a",namespace="ns",pod="p"} 1.5 5000',
    'node_cpu_usage_seconds_total 100.5 7000',
    'node_memory_working_set_bytes 2048 7000',
    'pod_cpu_usage_seconds_total{namespace="ns",pod="p"} 3 6000',
    'pod_memory_working_set_bytes{namespace="ns",pod="p"} 30 6000',
    'scrape_error 0',
    '# TYPE container_cpu_usage_seconds_total counter',
  ])
    assert.ok(text.split('\n').includes(line), line);
});

test('node usage from /proc/stat (busy jiffies) and /proc/meminfo (MemTotal − MemAvailable)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-resmetrics-'));
  try {
    writeFileSync(join(dir, 'stat'), 'cpu  100 20 30 1000 50 5 5 10 0 0\ncpu0 1 1 1 1\n');
    writeFileSync(join(dir, 'meminfo'), 'MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    400 kB\n');
    assert.deepEqual(readNodeUsage(join(dir, 'stat'), join(dir, 'meminfo'), 9), { cpuSeconds: 1.7, memoryWorkingSetBytes: 600 * 1024, timestampMs: 9 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
