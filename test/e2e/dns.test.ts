/**
 * Cluster DNS end to end: a real `k8ts server` (sim runtime, so StatefulSet
 * pods get IPs and EndpointSlices) with its DNS on a free loopback port and a
 * fake upstream resolver, queried with the real `dig`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';
import { skipUnlessBinary } from '../support/require.js';
import { Client } from '../../src/client/index.js';
import { readKubeconfig } from '../../src/pki/index.js';
import { dig, startFakeUpstream, type FakeUpstream } from '../../src/dns/testing.js';

const root = new URL('../../', import.meta.url).pathname;

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('cluster DNS (k8ts server + dig)', { skip: skipUnlessBinary('dig', 'dnsutils') }, () => {
  let srv: K8tsServer;
  let upstream: FakeUpstream;
  let port = 0;
  let metricsPort = 0;
  let client: Client;
  let scratch: string;

  before(async () => {
    upstream = await startFakeUpstream({ 'example.com': [{ name: 'example.com', type: 'A', ttl: 60, class: 'IN', data: '192.0.2.7' }] });
    process.env.K8TS_DNS_ADDRESS = '127.0.0.1:0';
    process.env.K8TS_DNS_METRICS_PORT = '0';
    process.env.K8TS_DNS_UPSTREAMS = `127.0.0.1:${upstream.port}`;
    srv = await startServer(['--runtime', 'sim', '--disable', 'proxy']);
    await waitUntil('the DNS server to start', () => /dns: serving cluster\.local on 127\.0\.0\.1:\d+/.test(srv.log()), 60_000);
    const m = /dns: serving cluster\.local on 127\.0\.0\.1:(\d+) \(udp\+tcp\), metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(srv.log())!;
    port = Number(m[1]);
    metricsPort = Number(m[2]);
    const kc = await readKubeconfig(srv.kubeconfig);
    client = new Client({ ...kc, qps: -1 });
    mkdirSync(join(root, '.bench/D'), { recursive: true });
    scratch = mkdtempSync(join(root, '.bench/D/dns-e2e-'));
  });
  after(async () => {
    await client?.close();
    await srv?.stop();
    await upstream?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('creates the kube-dns Service at service CIDR + 10 with CoreDNS labels and ports', () => {
    const svc = JSON.parse(srv.k(['get', 'service', '-n', 'kube-system', 'kube-dns', '-o', 'json'])) as { metadata: { labels: Record<string, string> }; spec: { clusterIP: string; ports: Array<{ name: string; port: number; protocol: string }> } };
    assert.equal(svc.spec.clusterIP, '10.43.0.10');
    assert.equal(svc.metadata.labels['k8s-app'], 'kube-dns');
    assert.equal(svc.metadata.labels['kubernetes.io/name'], 'CoreDNS');
    assert.deepEqual(svc.spec.ports.map((p) => `${p.name}/${p.port}/${p.protocol}`), ['dns/53/UDP', 'dns-tcp/53/TCP', 'metrics/9153/TCP']);
    const slices = srv.k(['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns', '-o', 'name']);
    assert.match(slices, /endpointslice\.discovery\.k8s\.io\/kube-dns-/, srv.log().split('\n').filter((l) => l.includes('dns')).join('\n'));
  });

  it('answers A, SRV, PTR and NXDOMAIN for Services created with kubectl', async () => {
    srv.k(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
`);
    const ip = srv.k(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']).trim();
    await waitFor('web to resolve', async () => (await dig(port, ['web.default.svc.cluster.local'])).answers.length > 0);
    const a = await dig(port, ['web.default.svc.cluster.local']);
    assert.deepEqual(a.answers, [`web.default.svc.cluster.local. 5 IN A ${ip}`]);
    assert.ok(a.flags.includes('aa'));
    const srv1 = await dig(port, ['+tcp', '_http._tcp.web.default.svc.cluster.local', 'SRV']);
    assert.deepEqual(srv1.answers, ['_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.']);
    assert.deepEqual((await dig(port, ['-x', ip])).answers, [`${ip.split('.').reverse().join('.')}.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local.`]);
    const dnsSvc = await dig(port, ['kube-dns.kube-system.svc.cluster.local']);
    assert.deepEqual(dnsSvc.answers, ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.43.0.10']);
    const nx = await dig(port, ['nothere.default.svc.cluster.local']);
    assert.equal(nx.status, 'NXDOMAIN');
    assert.match(nx.authority[0] ?? '', /IN SOA ns\.dns\.cluster\.local\./);
  });

  it('resolves a headless Service to its ready pods and StatefulSet pods by name', async () => {
    srv.k(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432, protocol: TCP}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16, ports: [{name: pg, containerPort: 5432}]}]
`);
    const podIp = (name: string) => srv.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.podIP}']).stdout.trim();
    await waitUntil('db-0 and db-1 to get pod IPs', () => podIp('db-0') !== '' && podIp('db-1') !== '', 120_000);
    const ip0 = podIp('db-0');
    const ip1 = podIp('db-1');
    await waitFor('db-1.db to resolve', async () => (await dig(port, ['db-1.db.default.svc.cluster.local'])).answers.length > 0, 60_000);
    assert.deepEqual((await dig(port, ['db-0.db.default.svc.cluster.local'])).answers, [`db-0.db.default.svc.cluster.local. 5 IN A ${ip0}`]);
    assert.deepEqual((await dig(port, ['db-1.db.default.svc.cluster.local'])).answers, [`db-1.db.default.svc.cluster.local. 5 IN A ${ip1}`]);
    await waitFor('both db pods in the headless answer', async () => (await dig(port, ['db.default.svc.cluster.local'])).answers.length === 2, 60_000);
    const all = (await dig(port, ['db.default.svc.cluster.local'])).answers.map((l) => l.split(' ').pop()).sort();
    assert.deepEqual(all, [ip0, ip1].sort());
    const srvRecs = (await dig(port, ['_pg._tcp.db.default.svc.cluster.local', 'SRV'])).answers.map((l) => l.split(' ').slice(-2).join(' ')).sort();
    assert.deepEqual(srvRecs, ['5432 db-0.db.default.svc.cluster.local.', '5432 db-1.db.default.svc.cluster.local.']);
    assert.deepEqual((await dig(port, [`${ip0.replace(/\./g, '-')}.default.pod.cluster.local`])).answers, [`${ip0.replace(/\./g, '-')}.default.pod.cluster.local. 5 IN A ${ip0}`]);
    assert.deepEqual((await dig(port, ['-x', ip0])).answers.map((l) => l.split(' ').pop()), ['db-0.db.default.svc.cluster.local.']);
  });

  it('answers ExternalName with a CNAME and the target resolved upstream; forwards other names', async () => {
    srv.k(['create', 'service', 'externalname', 'ext', '--external-name', 'example.com']);
    await waitFor('ext to resolve', async () => (await dig(port, ['ext.default.svc.cluster.local'])).answers.length > 0);
    assert.deepEqual((await dig(port, ['ext.default.svc.cluster.local'])).answers, ['ext.default.svc.cluster.local. 5 IN CNAME example.com.', 'example.com. 60 IN A 192.0.2.7']);
    assert.deepEqual((await dig(port, ['example.com'])).answers, ['example.com. 60 IN A 192.0.2.7']);
    assert.equal((await dig(port, ['+tcp', 'unknown.example'])).status, 'NXDOMAIN');
    assert.ok(upstream.asked.includes('unknown.example'), 'the upstream was asked');
  });

  it('follows the pod search path with ndots:5 (dig +search with a pod resolv.conf)', { skip: skipUnlessBinary('unshare', 'util-linux') }, async () => {
    const conf = join(scratch, 'resolv.conf');
    writeFileSync(conf, 'nameserver 127.0.0.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
    const run = (name: string) =>
      new Promise<string>((resolve) =>
        execFile('unshare', ['--mount', 'sh', '-c', `mount --bind ${conf} /etc/resolv.conf && dig -p ${port} +search +showsearch +tries=1 +time=5 ${name}`], { encoding: 'utf8', timeout: 30_000 }, (_e, out, err) => resolve(out + err)),
      );
    const short = await run('web');
    assert.match(short, /;web\.default\.svc\.cluster\.local\.\s+IN\s+A/);
    assert.match(short, /^web\.default\.svc\.cluster\.local\.\s+5\s+IN\s+A\s+10\.43\./m);
    const other = await run('kube-dns.kube-system');
    assert.match(other, /status: NXDOMAIN[^]*?;kube-dns\.kube-system\.default\.svc\.cluster\.local\.\s+IN\s+A/, 'first the namespace-local name, NXDOMAIN');
    assert.match(other, /^kube-dns\.kube-system\.svc\.cluster\.local\.\s+5\s+IN\s+A\s+10\.43\.0\.10/m, 'then <name>.svc.cluster.local answers');
    const ext = await run('example.com');
    assert.match(ext, /^example\.com\.\s+60\s+IN\s+A\s+192\.0\.2\.7/m, 'a name with fewer than 5 dots ends at the upstream after the search list');
  });

  it('sees a Service change within 1 s (informer cache, no API call per query)', async () => {
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    const lookup = async (name: string) => {
      try {
        return await resolver.resolve4(name);
      } catch {
        return [];
      }
    };
    const svcs = client.resource('services', 'default');
    await svcs.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'fast' }, spec: { ports: [{ port: 81 }] } } as never);
    const t0 = performance.now();
    let ips: string[] = [];
    while (performance.now() - t0 < 5000 && ips.length === 0) {
      ips = await lookup('fast.default.svc.cluster.local');
      if (!ips.length) await new Promise((r) => setTimeout(r, 10));
    }
    const created = performance.now() - t0;
    assert.equal(ips.length, 1, 'fast resolves');
    await svcs.delete('fast');
    const t1 = performance.now();
    while (performance.now() - t1 < 5000 && (await lookup('fast.default.svc.cluster.local')).length > 0) await new Promise((r) => setTimeout(r, 10));
    const deleted = performance.now() - t1;
    console.log(`# Service create → resolvable: ${created.toFixed(0)} ms; delete → NXDOMAIN: ${deleted.toFixed(0)} ms`);
    assert.ok(created < 1000, `create visible after ${created.toFixed(0)} ms`);
    assert.ok(deleted < 1000, `delete visible after ${deleted.toFixed(0)} ms`);
  });

  it('a second server finding the DNS port taken logs it and keeps serving without DNS', async () => {
    const saved = process.env.K8TS_DNS_ADDRESS;
    process.env.K8TS_DNS_ADDRESS = `127.0.0.1:${port}`;
    const second = await startServer(['--runtime', 'none', '--disable', 'scheduler,controllers,agent,proxy']).finally(() => (process.env.K8TS_DNS_ADDRESS = saved));
    try {
      await waitUntil('the second server to give up on DNS', () => /dns: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\); cluster DNS is off on this server/.test(second.log()), 60_000);
      assert.match(second.k(['get', 'namespace', 'kube-system', '-o', 'name']), /namespace\/kube-system/);
      assert.deepEqual((await dig(port, ['kube-dns.kube-system.svc.cluster.local'])).answers, ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.43.0.10'], 'the first DNS still answers');
    } finally {
      await second.stop();
    }
  });

  it('serves metrics on its own port', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const m = /coredns_dns_requests_total\{server="dns:\/\/",zone="\.",proto="udp",family="1",type="A"\} (\d+)/.exec(text);
    assert.ok(m && Number(m[1]) > 5, text);
    assert.match(text, /coredns_dns_request_duration_seconds_count\{server="dns:\/\/",zone="\."\} \d+/);
    assert.equal(await (await fetch(`http://127.0.0.1:${metricsPort}/health`)).text(), 'OK');
  });
});
