// `k8ts controller-manager` as its own process against `k8ts server --disable controllers`: leader Lease, --controllers filtering.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';

const root = new URL('../../', import.meta.url).pathname;
let s: K8tsServer;
let cm: ChildProcess;
let cmLog = '';
before(async () => {
  s = await startServer(['--disable', 'controllers,scheduler,agent']);
  cm = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller-manager', '--kubeconfig', s.kubeconfig, '--controllers', '*,-job'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  cm.stderr!.on('data', (d: Buffer) => (cmLog += d.toString()));
});
after(async () => {
  if (cm.exitCode === null) {
    const exited = new Promise((r) => cm.once('exit', r));
    cm.kill('SIGTERM');
    await exited;
  }
  await s.stop();
});

async function until(what: string, fn: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}\n${cmLog}`);
}

test('a standalone controller manager leads through its Lease and runs only the enabled controllers', async () => {
  await until('lease', () => s.kubectl(['get', 'lease', 'kube-controller-manager', '-n', 'kube-system']).code === 0);
  const lease = JSON.parse(s.k(['get', 'lease', 'kube-controller-manager', '-n', 'kube-system', '-o', 'json'])) as { spec: { holderIdentity: string } };
  assert.ok(lease.spec.holderIdentity);
  s.k(['create', 'deployment', 'x', '--image=nginx', '--replicas=2']);
  await until('2 pods', () => s.k(['get', 'pods', '-l', 'app=x', '-o', 'name']).trim().split('\n').filter(Boolean).length === 2);
  s.k(['create', 'job', 'j', '--image=busybox']);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(s.k(['get', 'pods', '-l', 'job-name=j', '-o', 'name']).trim(), '', 'the job controller is disabled');
});
