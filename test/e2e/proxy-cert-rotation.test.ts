/**
 * kube-proxy keeps syncing after its client certificate is rotated: the
 * credentials file (the agent's kubelet.kubeconfig, or `k8ts proxy
 * --kubeconfig`) is rewritten with a new certificate while the old one runs
 * out (a few seconds of life, signed here with the cluster CA), and the proxy
 * programs a Service created after the old certificate expired. Also: a client
 * holding an already-expired certificate gets 401, re-reads the file and
 * succeeds (the re-dial path). Real k8ts server, real iptables in a netns this
 * test makes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../src/client/index.js';
import { issueCertificate, loadCa, readKubeconfig } from '../../src/pki/index.js';
import { execRunner, startInformerProxy, type RunningProxy } from '../../src/proxy/index.js';
import { followingCredentials, ReloadingTransport, kubeconfigCertificate } from '../../src/cli/reloading-credentials.js';
import { KUBE_PROXY_USER } from '../../src/cli/start-proxy.js';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { findBinary, inCI } from '../support/require.js';
import { waitUntil } from '../support/wait.js';
import { expireAndResetConnections, rewriteKubeconfig, waitForExpiry, type Cert } from '../support/cert-rotation.js';

const root = new URL('../../', import.meta.url).pathname;
const missing = !findBinary('iptables-restore') ? 'iptables-restore not installed (apt-get install iptables)' : !findBinary('ip') ? 'ip not installed (apt-get install iproute2)' : undefined;
const notRoot = process.getuid?.() !== 0 ? 'needs root (network namespaces, iptables)' : undefined;
const skip = inCI() ? undefined : (missing ?? notRoot);

describe('kube-proxy follows a rotated client certificate', { skip, timeout: 180_000 }, () => {
  let srv: K8tsServer;
  let dir: string;
  let kubeconfig: string;
  let ca: ReturnType<typeof loadCa>;
  let server: string;
  let caPem: string;
  let admin: Client;
  const ns = `k8ts-rot-${randomBytes(4).toString('hex')}`;
  const abort = new AbortController();
  let proxy: RunningProxy | undefined;
  let proxyClient: Client | undefined;

  /** A kube-proxy certificate living `seconds` from now. */
  const issue = (seconds: number) => issueCertificate(ca, { commonName: KUBE_PROXY_USER, usages: 'client', days: seconds / 86_400 });
  const writeKubeconfig = (c: Cert) => rewriteKubeconfig(kubeconfig, { server, caPem, userName: KUBE_PROXY_USER }, c);
  const rules = () => {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-save'], { encoding: 'utf8' });
    return r.stdout ?? '';
  };
  const createService = (name: string): string => {
    srv.k(['create', 'service', 'clusterip', name, '--tcp', '80:80']);
    return srv.k(['get', 'svc', name, '-o', 'jsonpath={.spec.clusterIP}']).trim();
  };

  before(async () => {
    srv = await startServer(API_ONLY);
    dir = join(root, '.bench', 'N2', `rot-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    kubeconfig = join(dir, 'kube-proxy.kubeconfig');
    ca = loadCa({ certPem: readFileSync(join(srv.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: readFileSync(join(srv.dataDir, 'pki/ca.key'), 'utf8') });
    const k = await readKubeconfig(srv.kubeconfig);
    server = k.server;
    caPem = k.caPem;
    admin = new Client({ ...k, qps: -1 });
    assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0);
  });

  after(async () => {
    abort.abort();
    await proxy?.stop();
    await proxyClient?.close();
    await admin?.close();
    spawnSync('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await srv?.stop();
  });

  it('programs a Service created after the old certificate expired (the file was rewritten with a new one)', async () => {
    const old = await issue(20);
    writeKubeconfig(old);
    const creds = followingCredentials(await readKubeconfig(kubeconfig), kubeconfig, { checkIntervalMs: 500, drainMs: 1000 })();
    const transport = creds.transport as ReloadingTransport;
    proxyClient = new Client({ ...creds, qps: -1 });
    proxy = await startInformerProxy({ client: proxyClient, signal: abort.signal, runner: execRunner({ netns: ns }), node: { nodeName: 'node-a', clusterCIDR: '10.42.0.0/16' }, healthPort: -1, setSysctls: false, syncPeriodMs: 1000 });
    const ip1 = createService('rot-before');
    await waitUntil('the first Service programmed with the old certificate', () => rules().includes(`-d ${ip1}/32`), 20_000);

    // Rotation: a new certificate in the file, while the old one runs out.
    const fresh = await issue(3600);
    writeKubeconfig(fresh);
    await waitUntil('the proxy client to pick up the new certificate', () => transport.reloads === 1, 20_000);
    // The old certificate is refused now, then a network blip: only the new one can carry what follows.
    await expireAndResetConnections(old, { server, caPem, port: srv.port });
    const ip2 = createService('rot-after');
    await waitUntil('the Service created after expiry programmed (watch re-dialled with the new certificate)', () => rules().includes(`-d ${ip2}/32`), 30_000);
  });

  it('a client holding an expired certificate gets 401, re-reads the file and succeeds (no periodic check involved)', async () => {
    const expired = await issue(2);
    const fresh = await kubeconfigCertificate(kubeconfig);
    assert.ok(fresh);
    await waitForExpiry(expired);
    const creds = followingCredentials({ server, caPem, certPem: expired.certPem, keyPem: expired.keyPem }, kubeconfig, { checkIntervalMs: 3_600_000 })();
    const transport = creds.transport as ReloadingTransport;
    const c = new Client({ ...creds, qps: -1 });
    try {
      const list = await c.resource('services', 'default').list();
      assert.ok(list.items.some((s) => s.metadata.name === 'rot-after'));
      assert.equal(transport.reloads, 1, 'one reload, triggered by the 401');
    } finally {
      await c.close();
    }
  });
});
