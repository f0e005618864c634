/**
 * The cluster DNS keeps answering for new Services after its client
 * certificate is rotated: the DNS worker thread builds its own client from
 * PEMs, so startNodeDns reads the certificate source (`followCertificate`, the
 * agent's kubeconfig) and hands each new certificate to the worker. Here the
 * kubeconfig is rewritten with a new certificate while the old one (a few
 * seconds of life, signed with the cluster CA) runs out; after it expired
 * every connection to the API server is reset (`ss -K`, this test's server
 * port only), and a Service created afterwards resolves through the DNS
 * (queried on its loopback port). Without the hand-over the worker re-dials
 * with the expired certificate and gets 401 forever. Real k8ts server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueCertificate, loadCa, readKubeconfig } from '../../src/pki/index.js';
import { followingCredentials, kubeconfigCertificate } from '../../src/cli/reloading-credentials.js';
import { startNodeDns } from '../../src/cli/start-dns.js';
import type { RunningComponent } from '../../src/cli/component-context.js';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { findBinary, inCI } from '../support/require.js';
import { waitUntil } from '../support/wait.js';
import { expireAndResetConnections, rewriteKubeconfig, type Cert } from '../support/cert-rotation.js';

const root = new URL('../../', import.meta.url).pathname;
const missing = !findBinary('ss') ? 'ss not installed (apt-get install iproute2)' : undefined;
const notRoot = process.getuid?.() !== 0 ? 'needs root (ss -K resets the test server connections)' : undefined;
const skip = inCI() ? undefined : (missing ?? notRoot);

// The identity the server's own DNS instance uses (it may list/watch Services and EndpointSlices, and publish in kube-system).
const DNS_USER = 'system:serviceaccount:kube-system:kube-dns';
const DNS_GROUPS = ['system:serviceaccounts', 'system:serviceaccounts:kube-system'];

describe('cluster DNS follows a rotated client certificate', { skip, timeout: 240_000 }, () => {
  let srv: K8tsServer;
  let dir: string;
  let kubeconfig: string;
  let ca: ReturnType<typeof loadCa>;
  let server: string;
  let caPem: string;
  const abort = new AbortController();
  let dns: RunningComponent | undefined;
  const logs: string[] = [];
  const node = `dns-rot-${randomBytes(4).toString('hex')}`;
  const saved = { addr: process.env.K8TS_DNS_ADDRESS, metrics: process.env.K8TS_DNS_METRICS_PORT, up: process.env.K8TS_DNS_UPSTREAMS };

  const issue = (seconds: number) => issueCertificate(ca, { commonName: DNS_USER, organizations: DNS_GROUPS, usages: 'client', days: seconds / 86_400 });
  const writeKubeconfig = (c: Cert) => rewriteKubeconfig(kubeconfig, { server, caPem, userName: 'kube-dns' }, c);
  const createService = (name: string): string => {
    srv.k(['create', 'service', 'clusterip', name, '--tcp', '80:80']);
    return srv.k(['get', 'svc', name, '-o', 'jsonpath={.spec.clusterIP}']).trim();
  };
  /** Poll the DNS until `name` answers `ip` (a query that fails or answers otherwise is retried). */
  const resolvesTo = async (what: string, port: number, name: string, ip: string, ms: number) => {
    const r = new Resolver({ timeout: 1000, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    const end = Date.now() + ms;
    let last = '';
    while (Date.now() < end) {
      try {
        const got = await r.resolve4(name);
        if (got.includes(ip)) return;
        last = got.join(',');
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.fail(`timed out waiting for ${what} (${name} → ${ip}; last answer: ${last})\n${logs.slice(-20).join('\n')}`);
  };

  before(async () => {
    srv = await startServer(API_ONLY);
    dir = join(root, '.bench', 'D', `dnsrot-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    kubeconfig = join(dir, 'dns.kubeconfig');
    ca = loadCa({ certPem: readFileSync(join(srv.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: readFileSync(join(srv.dataDir, 'pki/ca.key'), 'utf8') });
    const k = await readKubeconfig(srv.kubeconfig);
    server = k.server;
    caPem = k.caPem;
    // This process's DNS instance: a free loopback port, no metrics, no upstream outside loopback.
    process.env.K8TS_DNS_ADDRESS = '127.0.0.1:0';
    process.env.K8TS_DNS_METRICS_PORT = 'off';
    process.env.K8TS_DNS_UPSTREAMS = '127.0.0.1:9';
  });

  after(async () => {
    abort.abort();
    await dns?.stop();
    for (const [k, v] of [['K8TS_DNS_ADDRESS', saved.addr], ['K8TS_DNS_METRICS_PORT', saved.metrics], ['K8TS_DNS_UPSTREAMS', saved.up]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    await srv?.stop();
  });

  it('resolves a Service created after the old certificate expired (the kubeconfig was rewritten with a new one)', async () => {
    const old = await issue(45);
    writeKubeconfig(old);
    // As `k8ts agent --enable dns` starts it (src/cli/agent-network.ts), with short periods.
    const creds = followingCredentials(await readKubeconfig(kubeconfig), kubeconfig, { checkIntervalMs: 500, drainMs: 1000 });
    dns = await startNodeDns({
      credentials: async () => creds(),
      serviceCIDR: '10.43.0.0/16',
      nodeName: node,
      followCertificate: () => kubeconfigCertificate(kubeconfig),
      followIntervalMs: 500,
      drainMs: 1000,
      signal: abort.signal,
      log: (m) => logs.push(m),
    });
    assert.ok(dns, `the DNS did not start:\n${logs.join('\n')}`);
    const serving = logs.map((l) => /dns: serving \S+ on 127\.0\.0\.1:(\d+)/.exec(l)).find(Boolean);
    assert.ok(serving, `no serving line in:\n${logs.join('\n')}`);
    const port = Number(serving[1]);

    const ip1 = createService('dnsrot-before');
    await resolvesTo('the first Service with the old certificate', port, 'dnsrot-before.default.svc.cluster.local', ip1, 30_000);

    // Rotation: a new certificate in the kubeconfig, while the old one runs out.
    writeKubeconfig(await issue(3600));
    await waitUntil('the DNS worker to be handed the new certificate', () => logs.some((l) => l.includes('dns: the client certificate changed')), 20_000);
    // The old certificate is refused now, then a network blip: only the new one can carry what follows.
    await expireAndResetConnections(old, { server, caPem, port: srv.port });
    const ip2 = createService('dnsrot-after');
    await resolvesTo('the Service created after expiry (watches re-dialled with the new certificate)', port, 'dnsrot-after.default.svc.cluster.local', ip2, 40_000);
  });
});
