// `k8ts scheduler --kubeconfig F --config F` alone against a server without its own scheduler: Lease, profiles, foreign schedulerNames.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { addNode, apply, nodeOf, pod, waitFor } from './scheduler-support.js';

const root = new URL('../../', import.meta.url).pathname;
let s: K8tsServer;
let sched: ChildProcess | undefined;
let out = '';

const CONFIG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`;

before(async () => {
  s = await startServer(['--disable', 'agent,controllers,scheduler']);
  const cfg = join(s.dataDir, 'scheduler.yaml');
  writeFileSync(cfg, CONFIG);
  sched = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scheduler', '--kubeconfig', s.kubeconfig, '--config', cfg], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  sched.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  sched.stderr!.on('data', (d: Buffer) => (out += d.toString()));
});
after(async () => {
  if (sched && sched.exitCode === null) {
    sched.kill('SIGTERM');
    await new Promise((r) => sched!.once('exit', r));
  }
  await s?.stop();
});

test('the standalone scheduler leads the kube-system/kube-scheduler Lease and binds pods', async () => {
  await waitFor(() => (out.includes('became leader') ? true : undefined), 20_000, `leadership:\n${out}`);
  const holder = s.k(['get', 'lease', '-n', 'kube-system', 'kube-scheduler', '-o', 'jsonpath={.spec.holderIdentity}']);
  assert.ok(holder.length > 0);
  await addNode(s, 'roomy', { cpu: '8' });
  await addNode(s, 'busy', { cpu: '8' });
  apply(s, pod('filler', { cpu: '4', spec: { nodeSelector: { 'kubernetes.io/hostname': 'busy' } } }));
  assert.equal(await nodeOf(s, 'filler'), 'busy');
  apply(s, pod('spread', { cpu: '1' }));
  assert.equal(await nodeOf(s, 'spread'), 'roomy', 'default profile: LeastAllocated');
  apply(s, pod('packed', { cpu: '1', spec: { schedulerName: 'bin-packer' } }));
  assert.equal(await nodeOf(s, 'packed'), 'busy', 'bin-packer profile: MostAllocated');
  const ev = await waitFor(() => s.k(['get', 'events', '--field-selector', 'involvedObject.name=packed,reason=Scheduled', '-o', 'jsonpath={.items[0].source.component}']).trim() || undefined);
  assert.equal(ev, 'bin-packer');
});

test('pods for another schedulerName are left alone', async () => {
  apply(s, pod('foreign', { spec: { schedulerName: 'someone-else' } }));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(s.k(['get', 'pod', 'foreign', '-o', 'jsonpath={.spec.nodeName}{.status.conditions}']), '');
  assert.equal(s.k(['get', 'events', '--field-selector', 'involvedObject.name=foreign', '-o', 'name']).trim(), '');
});
