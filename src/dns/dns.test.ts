import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterZone, DnsServer, NXDOMAIN, StaticSource, expandIPv6, parseReverse, type EndpointSlice, type Service } from './index.js';
import { dig, startFakeUpstream, type FakeUpstream } from './testing.js';
import { skipUnlessBinary } from '../../test/support/require.js';

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec });
const slice = (ns: string, svcName: string, name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = []): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

function fixture(): StaticSource {
  return new StaticSource(
    [
      svc('default', 'web', { type: 'ClusterIP', clusterIP: '10.43.1.1', clusterIPs: ['10.43.1.1'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }] }),
      svc('default', 'db', { type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
      svc('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
      svc('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
      svc('other', 'v6', { type: 'ClusterIP', clusterIP: 'fd00::a', clusterIPs: ['fd00::a'], ipFamilies: ['IPv6'] }),
      svc('default', 'many', { type: 'ClusterIP', clusterIP: 'None' }),
    ],
    [
      slice(
        'default',
        'db',
        'db-abc',
        [
          { addresses: ['10.42.0.10'], hostname: 'db-0', conditions: { ready: true } },
          { addresses: ['10.42.1.11'], hostname: 'db-1', conditions: { ready: true } },
          { addresses: ['10.42.1.12'], hostname: 'db-2', conditions: { ready: false } },
          { addresses: ['10.42.1.13'], conditions: { ready: true } },
        ],
        [{ name: 'pg', port: 15432, protocol: 'TCP' }],
      ),
      slice('default', 'web', 'web-xyz', [{ addresses: ['10.42.0.20'], conditions: { ready: true } }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
      slice('default', 'many', 'many-1', Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.42.2.${i + 1}`], conditions: { ready: true } }))),
    ],
  );
}

describe('ClusterZone', () => {
  const zone = new ClusterZone(fixture());
  const data = (a: ReturnType<ClusterZone['resolve']>) => a.answers.map((r) => `${r.type} ${JSON.stringify((r as { data?: unknown }).data)}`);

  it('answers a ClusterIP Service with its IP, and AAAA only for IPv6 Services', () => {
    assert.deepEqual(data(zone.resolve('web.default.svc.cluster.local.', 'A')), ['A "10.43.1.1"']);
    const aaaa = zone.resolve('web.default.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.rcode, 0);
    assert.equal(aaaa.answers.length, 0);
    assert.equal(aaaa.authorities[0]?.type, 'SOA', 'NODATA carries the SOA');
    assert.deepEqual(data(zone.resolve('v6.other.svc.cluster.local', 'AAAA')), ['AAAA "fd00::a"']);
    assert.equal(zone.resolve('WEB.Default.SVC.cluster.local', 'A').answers[0]?.name, 'WEB.Default.SVC.cluster.local', 'answers echo the asked case');
  });

  it('answers a headless Service with every ready endpoint, and endpoint hostnames', () => {
    assert.deepEqual(data(zone.resolve('db.default.svc.cluster.local', 'A')).sort(), ['A "10.42.0.10"', 'A "10.42.1.11"', 'A "10.42.1.13"']);
    assert.deepEqual(data(zone.resolve('db-0.db.default.svc.cluster.local', 'A')), ['A "10.42.0.10"']);
    assert.deepEqual(data(zone.resolve('10-42-1-13.db.default.svc.cluster.local', 'A')), ['A "10.42.1.13"'], 'an endpoint without hostname is named by its dashed IP');
    assert.equal(zone.resolve('db-2.db.default.svc.cluster.local', 'A').rcode, NXDOMAIN, 'not-ready endpoints are not published');
    assert.equal(zone.resolve('whatever.web.default.svc.cluster.local', 'A').rcode, NXDOMAIN, 'endpoint names exist only for headless Services');
  });

  it('answers SRV for named ports: the Service name for ClusterIP, each endpoint for headless', () => {
    const s = zone.resolve('_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(s), ['SRV {"priority":0,"weight":100,"port":80,"target":"web.default.svc.cluster.local"}']);
    assert.deepEqual(s.additionals.map((r) => `${r.name} ${r.type}`), ['web.default.svc.cluster.local A']);
    const h = zone.resolve('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    assert.deepEqual(h.answers.map((r) => (r as { data: { target: string; port: number } }).data.target).sort(), ['10-42-1-13.db.default.svc.cluster.local', 'db-0.db.default.svc.cluster.local', 'db-1.db.default.svc.cluster.local']);
    assert.ok(h.answers.every((r) => (r as { data: { port: number } }).data.port === 15432), 'headless SRV carries the endpoint port');
    assert.equal(zone.resolve('_nope._tcp.web.default.svc.cluster.local', 'SRV').rcode, NXDOMAIN);
    assert.equal(zone.resolve('_http._udp.web.default.svc.cluster.local', 'SRV').rcode, NXDOMAIN);
  });

  it('answers ExternalName with a CNAME, chasing in-zone targets and handing others to the forwarder', () => {
    const ext = zone.resolve('ext.default.svc.cluster.local', 'A');
    assert.deepEqual(data(ext), ['CNAME "example.com"']);
    assert.deepEqual(ext.chase, { name: 'example.com', type: 'A' });
    assert.deepEqual(data(zone.resolve('alias.default.svc.cluster.local', 'A')), ['CNAME "web.default.svc.cluster.local"', 'A "10.43.1.1"']);
  });

  it('answers pod names from the name itself, and PTR for Service and endpoint IPs', () => {
    assert.deepEqual(data(zone.resolve('10-42-0-99.default.pod.cluster.local', 'A')), ['A "10.42.0.99"']);
    assert.deepEqual(data(zone.resolve('fd00--5.default.pod.cluster.local', 'AAAA')), ['AAAA "fd00::5"']);
    assert.equal(zone.resolve('10-42-0-999.default.pod.cluster.local', 'A').rcode, NXDOMAIN);
    assert.deepEqual(data(zone.resolve('1.1.43.10.in-addr.arpa', 'PTR')), ['PTR "web.default.svc.cluster.local"']);
    assert.deepEqual(data(zone.resolve('10.0.42.10.in-addr.arpa', 'PTR')), ['PTR "db-0.db.default.svc.cluster.local"']);
    assert.deepEqual(data(zone.resolve(`${expandIPv6('fd00::a').split('').reverse().join('.')}.ip6.arpa`, 'PTR')), ['PTR "v6.other.svc.cluster.local"']);
    assert.equal(zone.resolve('9.9.9.9.in-addr.arpa', 'PTR').forward, true, 'unknown addresses go upstream');
    assert.equal(parseReverse('4.3.2.in-addr.arpa'), undefined);
  });

  it('says NXDOMAIN with the SOA for unknown names in the zone and forwards the rest', () => {
    for (const n of ['nope.default.svc.cluster.local', 'a.b.c.d.e.svc.cluster.local', 'x.cluster.local', 'nonamespace.svc.cluster.local']) {
      const r = zone.resolve(n, 'A');
      assert.equal(r.rcode, NXDOMAIN, n);
      assert.equal(r.authorities[0]?.type, 'SOA', n);
    }
    assert.equal(zone.resolve('default.svc.cluster.local', 'A').rcode, 0, 'a namespace with Services exists (NODATA)');
    assert.equal(zone.resolve('example.com', 'A').forward, true);
    assert.equal(zone.resolve('cluster.local', 'SOA').answers[0]?.type, 'SOA');
  });

  it('expands IPv6 addresses for PTR keys', () => {
    assert.equal(expandIPv6('fd00::a'), 'fd00000000000000000000000000000a');
    assert.equal(expandIPv6('::ffff:10.0.0.1'), '00000000000000000000ffff0a000001');
    assert.equal(expandIPv6('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
  });
});

describe('DnsServer over UDP and TCP (dig)', { skip: skipUnlessBinary('dig', 'dnsutils') }, () => {
  let upstream: FakeUpstream;
  let server: DnsServer;
  const source = fixture();
  before(async () => {
    upstream = await startFakeUpstream({
      'example.com': [{ name: 'example.com', type: 'A', ttl: 60, class: 'IN', data: '192.0.2.7' }],
      'big.example': Array.from({ length: 40 }, (_, i) => ({ name: 'big.example', type: 'A' as const, ttl: 60, class: 'IN' as const, data: `192.0.2.${i + 1}` })),
    });
    server = new DnsServer({ source, host: '127.0.0.1', port: 0, upstreams: [`127.0.0.1:${upstream.port}`], metricsPort: 0 });
    await server.start();
  });
  after(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('serves the zone over UDP and TCP, authoritative', async () => {
    for (const transport of ['+notcp', '+tcp']) {
      const r = await dig(server.port, [transport, 'web.default.svc.cluster.local', 'A']);
      assert.equal(r.status, 'NOERROR', r.raw);
      assert.deepEqual(r.answers, ['web.default.svc.cluster.local. 5 IN A 10.43.1.1']);
      assert.ok(r.flags.includes('aa'), r.raw);
    }
    const nx = await dig(server.port, ['nope.default.svc.cluster.local']);
    assert.equal(nx.status, 'NXDOMAIN');
    assert.match(nx.authority[0] ?? '', /^cluster\.local\. 5 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5$/);
  });

  it('answers repeated queries from the encoded-answer cache and drops it on change', async () => {
    const a = await dig(server.port, ['web.default.svc.cluster.local']);
    const b = await dig(server.port, ['web.default.svc.cluster.local']);
    assert.deepEqual(a.answers, b.answers);
    const svcs = source.services().map((s) => (s.metadata.name === 'web' ? svc('default', 'web', { ...s.spec, clusterIP: '10.43.1.2', clusterIPs: ['10.43.1.2'] }) : s));
    source.set(svcs, source.allSlices());
    assert.deepEqual((await dig(server.port, ['web.default.svc.cluster.local'])).answers, ['web.default.svc.cluster.local. 5 IN A 10.43.1.2']);
    source.set(fixture().services(), fixture().allSlices());
  });

  it('truncates big UDP answers (TC) and gives them whole over TCP', async () => {
    const udp = await dig(server.port, ['+noedns', '+ignore', 'many.default.svc.cluster.local']);
    assert.ok(udp.flags.includes('tc'), udp.raw);
    assert.ok(udp.answers.length < 60, `${udp.answers.length} answers fit in 512 bytes`);
    const retried = await dig(server.port, ['+noedns', 'many.default.svc.cluster.local']);
    assert.equal(retried.answers.length, 60, 'dig retries over TCP on TC');
    assert.equal((await dig(server.port, ['+tcp', 'many.default.svc.cluster.local'])).answers.length, 60);
  });

  it('forwards other names to the upstream, relaying its TC, and chases ExternalName targets', async () => {
    const r = await dig(server.port, ['example.com']);
    assert.equal(r.status, 'NOERROR', r.raw);
    assert.deepEqual(r.answers, ['example.com. 60 IN A 192.0.2.7']);
    assert.equal((await dig(server.port, ['nothing.example'])).status, 'NXDOMAIN');
    const big = await dig(server.port, ['+noedns', '+ignore', 'big.example']);
    assert.ok(big.flags.includes('tc'), `upstream TC relayed: ${big.raw}`);
    assert.equal((await dig(server.port, ['+noedns', 'big.example'])).answers.length, 40, 'over TCP the upstream answer is whole');
    const ext = await dig(server.port, ['ext.default.svc.cluster.local']);
    assert.deepEqual(ext.answers, ['ext.default.svc.cluster.local. 5 IN CNAME example.com.', 'example.com. 60 IN A 192.0.2.7']);
  });

  it('answers SRV with additional A records, and PTR', async () => {
    const r = await dig(server.port, ['_http._tcp.web.default.svc.cluster.local', 'SRV']);
    assert.deepEqual(r.answers, ['_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.']);
    assert.ok(r.additional.includes('web.default.svc.cluster.local. 5 IN A 10.43.1.1'), r.raw);
    assert.deepEqual((await dig(server.port, ['-x', '10.43.1.1'])).answers, ['1.1.43.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local.']);
  });

  it('serves CoreDNS-named metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(text, /coredns_dns_requests_total\{server="dns:\/\/",zone="\.",proto="udp",family="1",type="A"\} \d+/);
    assert.match(text, /coredns_dns_responses_total\{server="dns:\/\/",zone="\.",rcode="NXDOMAIN"\} \d+/);
    assert.match(text, /coredns_dns_request_duration_seconds_bucket/);
    assert.match(text, /coredns_forward_requests_total\{to="127\.0\.0\.1:\d+"\} \d+/);
  });
});
