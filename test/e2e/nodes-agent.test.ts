// `k8ts agent` in its own process: simulated nodes registered against a remote server, Ready with podCIDRs; stops cleanly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';

const root = new URL('../../', import.meta.url).pathname;
let s: K8tsServer;
let agent: ChildProcess | undefined;
let agentLog = '';

before(async () => {
  s = await startServer(['--runtime', 'none', '--disable', 'scheduler']);
});
after(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await s?.stop();
});

test('k8ts agent --kubeconfig F --runtime none --sim-nodes 2 registers two Ready nodes and exits 0 on SIGTERM', async () => {
  agent = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'agent', '--kubeconfig', s.kubeconfig, '--runtime', 'none', '--sim-nodes', '2', '--sim-node-prefix', 'remote-', '--lease-renew-interval', '2s'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  agent.stderr!.on('data', (d: Buffer) => (agentLog += d.toString()));
  const end = Date.now() + 30_000;
  let out = '';
  while (Date.now() < end) {
    out = s.k(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
    if (/remote-00001 10\.42\.\d+\.0\/24 True/.test(out) && /remote-00002 10\.42\.\d+\.0\/24 True/.test(out)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.match(out, /remote-00002 10\.42\.\d+\.0\/24 True/, `${out}\n${agentLog}`);
  const code = await new Promise<number | null>((resolve) => {
    agent!.on('exit', resolve);
    agent!.kill('SIGTERM');
  });
  assert.equal(code, 0, agentLog);
});

test('k8ts agent refuses a token without a CA', () => {
  const r = s.kubectl(['version', '--client']);
  assert.equal(r.code, 0);
  const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'agent', '--server', s.url, '--token', 'x'], { cwd: root });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<void>((resolve) =>
    p.on('exit', (code) => {
      assert.equal(code, 1);
      assert.match(err, /--certificate-authority/);
      resolve();
    }),
  );
});
