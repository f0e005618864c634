// Golden tests for the sim stages (KWOK-style): each testdata/<case>.input.json pod is played for 60 simulated
// seconds and its timeline compared with <case>.output.json. K8TS_UPDATE_GOLDEN=1 rewrites the expected files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../client/index.js';
import { computePodStatus } from '../pod-status.js';
import type { Pod } from '../types.js';
import { SimRuntime } from './sim-runtime.js';

const dir = new URL('./testdata/', import.meta.url).pathname;
const update = process.env.K8TS_UPDATE_GOLDEN === '1';

/** Time (s), phase, and each container's state/reason/restarts at every change. */
async function timeline(pod: Pod, horizonMs = 60_000): Promise<string[]> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const t0 = clock.now();
  const rt = new SimRuntime({ clock });
  let dirty = true;
  rt.onChange(() => (dirty = true));
  const out: string[] = [];
  let last = '';
  for (let t = 0; t <= horizonMs; t += 100) {
    clock.set(t0 + t);
    if (!dirty && t > 0) continue;
    dirty = false;
    const rs = await rt.syncPod(pod);
    const st = computePodStatus(pod, rs, { hostIP: '10.0.0.1', podIP: '10.42.0.2', now: clock.now() });
    pod = { ...pod, status: st };
    const cs = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])].map((c) => {
      const [state, detail] = Object.entries(c.state)[0] as [string, { reason?: string; exitCode?: number }];
      return `${c.name}:${state}${detail.reason ? `/${detail.reason}` : ''}${detail.exitCode !== undefined ? `(${detail.exitCode})` : ''} ready=${c.ready} restarts=${c.restartCount}`;
    });
    const ready = st.conditions?.find((c) => c.type === 'Ready')?.status;
    const line = `${st.phase} Ready=${ready} ${cs.join(' ')}`;
    if (line !== last) out.push(`t=${(t / 1000).toFixed(1)}s ${line}`);
    last = line;
  }
  rt.close();
  return out;
}

for (const f of readdirSync(dir).filter((n) => n.endsWith('.input.json')).sort()) {
  const name = f.replace('.input.json', '');
  test(`sim stages: ${name}`, async () => {
    const pod = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Pod;
    const got = await timeline(pod);
    const outFile = join(dir, `${name}.output.json`);
    if (update || !existsSync(outFile)) writeFileSync(outFile, JSON.stringify(got, null, 2) + '\n');
    assert.deepEqual(got, JSON.parse(readFileSync(outFile, 'utf8')));
  });
}
