// Sim container logs follow the stages (start, exit/fail lines per instance, --previous), and a pod annotated
// sim.k8ts.io/stop-seconds takes that long to stop, capped by the grace period — on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../client/index.js';
import type { Pod } from '../types.js';
import { SimRuntime } from './sim-runtime.js';
import { rfc3339Nano } from './sim-logs.js';

const T0 = Date.UTC(2026, 0, 1);
const pod = (annotations: Record<string, string>, restartPolicy: 'Always' | 'Never' = 'Always'): Pod =>
  ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1', annotations }, spec: { restartPolicy, containers: [{ name: 'c', image: 'img' }] } }) as unknown as Pod;
const ref = { namespace: 'ns', name: 'p', uid: 'u1' };

async function run(rt: SimRuntime, clock: FakeClock, p: Pod, ms: number): Promise<void> {
  for (let t = 0; t <= ms; t += 100) {
    clock.set(T0 + t);
    await rt.syncPod(p);
  }
}

test('each container instance gets its own CRI-format log; the previous one stays readable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-simlogs-'));
  const clock = new FakeClock(T0);
  const rt = new SimRuntime({ clock, logDir: dir });
  try {
    const p = pod({ 'sim.k8ts.io/run-seconds': '1', 'sim.k8ts.io/exit-code': '3' });
    assert.equal(await rt.containerLogPath(ref, 'c', false), undefined);
    await run(rt, clock, p, 12_000); // start at once, fail at 1 s, restart after the 10 s back-off
    const prev = await rt.containerLogPath(ref, 'c', true);
    const cur = await rt.containerLogPath(ref, 'c', false);
    assert.ok(prev && cur && prev !== cur);
    assert.equal(
      readFileSync(prev, 'utf8'),
      [
        `${rfc3339Nano(T0)} stdout F sim: container c started (image img, restart 0)`,
        `${rfc3339Nano(T0)} stdout F sim: pod ns/p`,
        `${rfc3339Nano(T0)} stdout F sim: ready`,
        `${rfc3339Nano(T0 + 1000)} stderr F sim: container c failed with exit code 3`,
        '',
      ].join('\n'),
    );
    assert.match(readFileSync(cur, 'utf8'), /^\S+ stdout F sim: container c started \(image img, restart 1\)\n/);
    // logs outlive the pod in the runtime (a finished pod's logs are still served)
    await rt.killPod('u1', 0);
    assert.equal(await rt.containerLogPath(ref, 'c', false), cur);
  } finally {
    rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graceful stop: stop-seconds, capped at the grace period; grace 0 is immediate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-simlogs-'));
  const clock = new FakeClock(T0);
  const rt = new SimRuntime({ clock, logDir: dir });
  try {
    await run(rt, clock, pod({ 'sim.k8ts.io/stop-seconds': '5' }), 500);
    let stopped = false;
    const k = rt.killPod('u1', 30_000).then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    clock.step(4_900);
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false);
    assert.equal(rt.podCount, 1);
    clock.step(100);
    await k;
    assert.equal(rt.podCount, 0);
    const log = readFileSync((await rt.containerLogPath(ref, 'c', false))!, 'utf8');
    assert.match(log, /sim: received SIGTERM, stopping\n\S+ stdout F sim: container c exiting with code 0\n$/);

    await run(rt, clock, pod({ 'sim.k8ts.io/stop-seconds': '5' }), 500);
    const capped = rt.killPod('u1', 2_000);
    await new Promise((r) => setImmediate(r));
    clock.step(2_000);
    await capped;
    assert.equal(rt.podCount, 0);

    await run(rt, clock, pod({ 'sim.k8ts.io/stop-seconds': '5' }), 500);
    await rt.killPod('u1', 0);
    assert.equal(rt.podCount, 0);
  } finally {
    rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
