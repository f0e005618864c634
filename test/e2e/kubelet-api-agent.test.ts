// `k8ts agent` serves the kubelet API for its node: the port it picked is in the Node's daemonEndpoints, its
// serving certificate comes from a kubelet-serving CSR signed by the cluster CA, and `kubectl logs` reaches it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

const root = new URL('../../', import.meta.url).pathname;
const NODE = `kagent-${randomBytes(3).toString('hex')}`;
let s: K8tsServer;
let dir: string;
let agent: ChildProcess | undefined;
let agentLog = '';

before(async () => {
  s = await startServer(['--runtime', 'none', '--disable', 'scheduler,proxy,dns']);
  dir = mkdtempSync(join(tmpdir(), 'k8ts-kagent-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'token', 'create', '--data-dir', s.dataDir], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  agent = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'agent', '--server', s.url, '--token', r.stdout.trim(), '--certificate-authority', join(s.dataDir, 'pki/ca.crt'), '--data-dir', dir, '--runtime', 'sim', '--node-name', NODE, '--kubelet-port', '0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  agent.stderr!.on('data', (d: Buffer) => (agentLog += d.toString()));
});
after(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent!.once('exit', r));
    agent.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (agent.exitCode === null) agent.kill('SIGKILL');
  }
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the agent node reports its kubelet port, serves with a CSR-issued certificate, and kubectl logs reaches it', async () => {
  let host = '';
  let port = 0;
  await waitUntil(`node ${NODE} with a kubelet port\n${agentLog}`, () => {
    const r = s.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address} {.status.daemonEndpoints.kubeletEndpoint.Port}']);
    [host = '', port = 0] = r.code === 0 ? [r.stdout.split(' ')[0] ?? '', Number(r.stdout.split(' ')[1])] : ['', 0];
    return port > 0;
  }, 90_000);
  const ca = readFileSync(join(s.dataDir, 'pki/ca.crt'), 'utf8');
  const cert = readFileSync(join(s.dataDir, 'pki/admin.crt'), 'utf8');
  const key = readFileSync(join(s.dataDir, 'pki/admin.key'), 'utf8');
  // Full verification: the serving certificate chains to the cluster CA and names the node's address.
  const healthz = () =>
    new Promise<string>((resolve) => {
      const req = https.get({ host, port, path: '/healthz', ca, cert, key, agent: false, servername: undefined }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${b}`));
      });
      req.on('error', (e) => resolve(e.message));
    });
  let last = '';
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && (last = await healthz()) !== '200 ok') await new Promise((r) => setTimeout(r, 500));
  assert.equal(last, '200 ok', agentLog);
  const serving = JSON.parse(s.k(['get', 'csr', '-o', 'json'])) as { items: Array<{ spec: { signerName: string; username: string } }> };
  assert.ok(serving.items.some((c) => c.spec.signerName === 'kubernetes.io/kubelet-serving' && c.spec.username === `system:node:${NODE}`));

  s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-agent' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] } }));
  await waitUntil('pod on-agent Running', () => s.kubectl(['get', 'pod', 'on-agent', '-o', 'jsonpath={.status.phase}']).stdout === 'Running', 60_000);
  // The agent's sim runtime keeps no log files: the answer comes from its kubelet.
  const logs = s.kubectl(['logs', 'on-agent']);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, /container "c" in pod "on-agent" has no log \(the sim runtime keeps none\)/);
  const ex = s.kubectl(['exec', 'on-agent', '--', 'ls']);
  assert.match(ex.stderr, /exec is not supported by the sim runtime/);
});
