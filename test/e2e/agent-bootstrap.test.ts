// Kubelet TLS bootstrapping end to end: `k8ts token create`, then `k8ts agent --server --token` gets a
// system:node:<name> certificate through a CSR the csrapproving controller approves, registers, and reuses
// the certificate on restart; serving CSRs are approved only for the node's own addresses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from '../../src/client/index.js';
import { ensureKubeletServingCertificate, ensureNodeClientCertificate, requestCertificate, createCsr, KUBELET_SERVING_SIGNER } from '../../src/kubelet/index.js';
import { parseCertificate, readKubeconfig } from '../../src/pki/index.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

const root = new URL('../../', import.meta.url).pathname;
const sfx = randomBytes(3).toString('hex');
const NODE = `boot-${sfx}`;
const SIM_PREFIX = `bootsim-${sfx}-`;
const SIM = `${SIM_PREFIX}00001`;
let s: K8tsServer;
let agentDir: string;
let token = '';
let agent: ChildProcess | undefined;
let agentLog = '';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

function startAgent(): ChildProcess {
  agentLog = '';
  const p = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'agent', '--server', s.url, '--token', token, '--certificate-authority', join(s.dataDir, 'pki/ca.crt'), '--data-dir', agentDir,
      '--runtime', 'sim', '--node-name', NODE, '--sim-nodes', '1', '--sim-node-prefix', SIM_PREFIX, '--lease-renew-interval', '2s'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  p.stderr!.on('data', (d: Buffer) => (agentLog += d.toString()));
  return p;
}

async function stopAgent(): Promise<number | null> {
  const p = agent;
  if (!p || p.exitCode !== null) return p?.exitCode ?? null;
  return new Promise((resolve) => {
    p.on('exit', resolve);
    p.kill('SIGTERM');
  });
}

const readyNodes = () => s.k(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
const csrs = () => JSON.parse(s.k(['get', 'csr', '-o', 'json'])).items as Array<{ metadata: { name: string }; spec: { username: string; signerName: string }; status?: { certificate?: string; conditions?: Array<{ type: string; reason?: string; message?: string }> } }>;

before(async () => {
  s = await startServer(['--runtime', 'none', '--disable', 'scheduler']);
  agentDir = mkdtempSync(join(tmpdir(), 'k8ts-agent-boot-'));
  const r = cli(['token', 'create', '--data-dir', s.dataDir, '--description', 'e2e join']);
  assert.equal(r.status, 0, r.stderr);
  token = r.stdout.trim();
  assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
});
after(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await s?.stop();
  rmSync(agentDir, { recursive: true, force: true });
});

test('a bootstrap token alone may not register a node or approve CSRs', () => {
  const as = (args: string[]) => spawnSync('kubectl', ['--server', s.url, '--certificate-authority', join(s.dataDir, 'pki/ca.crt'), '--token', token, ...args], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null', HOME: agentDir } });
  const who = as(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  assert.equal(who.stdout, `system:bootstrap:${token.split('.')[0]}`, who.stderr);
  assert.equal(as(['auth', 'can-i', 'create', 'nodes']).stdout.trim(), 'no');
  assert.equal(as(['auth', 'can-i', 'create', 'certificatesigningrequests.certificates.k8s.io']).stdout.trim(), 'yes');
  assert.equal(as(['auth', 'can-i', 'update', 'certificatesigningrequests.certificates.k8s.io/approval']).stdout.trim(), 'no');
});

test('k8ts agent --token bootstraps a system:node certificate per node, registers them Ready and writes agent/kubelet.kubeconfig', async () => {
  agent = startAgent();
  await waitUntil(`nodes ${NODE} and ${SIM} Ready\n${agentLog}`, () => {
    const out = readyNodes();
    return out.includes(`${NODE}=True`) && out.includes(`${SIM}=True`);
  }, 90_000);
  const id = token.split('.')[0];
  const mine = csrs().filter((c) => c.spec.username === `system:bootstrap:${id}`);
  assert.equal(mine.length, 2, JSON.stringify(mine));
  for (const c of mine) {
    assert.equal(c.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
    assert.ok(c.status?.certificate, 'issued');
    assert.equal(c.status?.conditions?.find((x) => x.type === 'Approved')?.reason, 'AutoApproved');
  }
  const kc = join(agentDir, 'agent/kubelet.kubeconfig');
  assert.equal(statSync(kc).mode & 0o777, 0o600);
  const creds = await readKubeconfig(kc);
  const cert = parseCertificate(creds.clientCertPem!);
  assert.equal(cert.subject.commonName, `system:node:${NODE}`);
  assert.deepEqual(cert.subject.organizations, ['system:nodes']);
  assert.equal(statSync(join(agentDir, 'agent/kubelet-client.key')).mode & 0o777, 0o600);
  // The node's own kubeconfig: it is system:node:<name>, and NodeRestriction confines it to itself.
  const asNode = (args: string[]) => spawnSync('kubectl', ['--kubeconfig', kc, ...args], { encoding: 'utf8', env: { ...process.env, HOME: agentDir } });
  assert.equal(asNode(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']).stdout, `system:node:${NODE}`);
  assert.equal(asNode(['label', 'node', NODE, `e2e-${sfx}=yes`]).status, 0);
  const other = asNode(['label', 'node', SIM, `e2e-${sfx}=yes`]);
  assert.notEqual(other.status, 0);
  assert.match(other.stderr, /forbidden/i);
});

test('a restarted agent reuses its certificates: no new CSR', async () => {
  assert.equal(await stopAgent(), 0, agentLog);
  const before = csrs().length;
  const kc = readFileSync(join(agentDir, 'agent/kubelet.kubeconfig'), 'utf8');
  agent = startAgent();
  await waitUntil(`agent registered again\n${agentLog}`, () => /2 node\(s\) registered|node\(s\) registered/.test(agentLog) && (agentLog.match(/registered in/g) ?? []).length >= 2, 60_000);
  assert.equal(csrs().length, before);
  assert.equal(readFileSync(join(agentDir, 'agent/kubelet.kubeconfig'), 'utf8'), kc);
  assert.doesNotMatch(agentLog, /bootstrapped/);
});

test('serving CSRs are approved for the node\'s own addresses only', async () => {
  const creds = await readKubeconfig(join(agentDir, 'agent/kubelet.kubeconfig'));
  const ip = s.k(['get', 'node', NODE, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}']).trim();
  const client = new Client({ server: creds.server, caPem: creds.caPem, certPem: creds.clientCertPem, keyPem: creds.clientKeyPem, qps: -1 });
  try {
    const dir = join(agentDir, 'serving');
    const got = await ensureKubeletServingCertificate({ client, nodeName: NODE, dnsNames: [NODE], ips: [ip], dir, caPem: creds.caPem, log: () => {}, timeoutMs: 60_000 });
    const c = parseCertificate(got.certPem);
    assert.deepEqual(c.extKeyUsages, ['serverAuth']);
    assert.deepEqual(c.dnsNames, [NODE]);
    assert.deepEqual(c.ips, [ip]);
    assert.equal(statSync(join(dir, 'kubelet-server.key')).mode & 0o777, 0o600);
    const again = await ensureKubeletServingCertificate({ client, nodeName: NODE, dnsNames: [NODE], ips: [ip], dir, caPem: creds.caPem, log: () => {} });
    assert.equal(again.certPem, got.certPem, 'reused');
    const foreign = createCsr({ commonName: `system:node:${NODE}`, organizations: ['system:nodes'], dnsNames: ['kubernetes.default.svc'] });
    await assert.rejects(requestCertificate(client, { namePrefix: 'csr-', signerName: KUBELET_SERVING_SIGNER, usages: ['digital signature', 'server auth'], csrPem: foreign.csrPem, timeoutMs: 4000, log: () => {} }), /timed out/);
  } finally {
    await client.close();
  }
  const pending = csrs().filter((c) => c.spec.signerName === KUBELET_SERVING_SIGNER && !c.status?.conditions?.length);
  assert.equal(pending.length, 1, 'the foreign-SAN request stays Pending');
});

test('a node renews its own certificate with a selfnodeclient CSR, auto-approved without any token', async () => {
  const dir = join(agentDir, 'renew');
  cpSync(join(agentDir, 'agent'), dir, { recursive: true });
  const old = await readKubeconfig(join(dir, 'kubelet.kubeconfig'));
  const got = await ensureNodeClientCertificate({ server: s.url, caPem: old.caPem, nodeName: NODE, dir, log: () => {}, renewBefore: 1.01, timeoutMs: 60_000 });
  assert.equal(got.source, 'renewed');
  assert.notEqual(got.certPem, old.clientCertPem);
  assert.equal(parseCertificate(got.certPem).subject.commonName, `system:node:${NODE}`);
  const self = csrs().find((c) => c.spec.username === `system:node:${NODE}` && c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
  assert.ok(self, 'a CSR made by the node itself');
  assert.match(JSON.stringify(self.status?.conditions), /Auto approving self kubelet client certificate after SubjectAccessReview/);
  // Without a certificate and without a token there is nothing to bootstrap with.
  await assert.rejects(ensureNodeClientCertificate({ server: s.url, caPem: old.caPem, nodeName: 'nobody', dir: join(agentDir, 'empty'), log: () => {} }), /no valid node certificate .* and no --token/);
});

test('agent stops cleanly', async () => {
  assert.equal(await stopAgent(), 0, agentLog);
});
