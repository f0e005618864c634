// The resource metrics API (metrics.k8s.io/v1beta1) on a simulated cluster, through /usr/bin/kubectl:
// `kubectl top node|pod` with the sim.k8ts.io usage annotations, the local node scraped from its kubelet's
// /metrics/resource, discovery, label selectors and sorting, RBAC (403, then the aggregated view role), and
// `--disable metrics-server`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

const LOCAL = hostname().toLowerCase();

const pod = (name: string, node: string, labels: Record<string, string>, annotations: Record<string, string>, containers = ['c']) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels, annotations },
  spec: { nodeName: node, containers: containers.map((c) => ({ name: c, image: 'nginx' })) },
});

/** Rows of a kubectl table as arrays of cells (header dropped). */
const rows = (out: string): string[][] => out.trim().split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/));

describe('kubectl top on a simulated cluster', { timeout: 240_000 }, () => {
  let s: K8tsServer;
  before(async () => {
    s = await startServer(['--sim-nodes', '2', '--metric-resolution', '1s', '--disable', 'dns,proxy']);
    const pods = [
      pod('small', 'sim-node-00001', { app: 'web', tier: 'front' }, { 'sim.k8ts.io/cpu-usage': '250m', 'sim.k8ts.io/memory-usage': '64Mi' }),
      pod('big', 'sim-node-00001', { app: 'web', tier: 'back' }, { 'sim.k8ts.io/cpu-usage': '1500m', 'sim.k8ts.io/memory-usage': '32Mi' }),
      pod('two', LOCAL, { app: 'db' }, { 'sim.k8ts.io/cpu-usage.a': '100m', 'sim.k8ts.io/cpu-usage.b': '300m', 'sim.k8ts.io/memory-usage': '20Mi' }, ['a', 'b']),
      pod('quiet', 'sim-node-00002', { app: 'web' }, {}),
    ];
    for (const p of pods) s.k(['apply', '-f', '-'], JSON.stringify(p));
    await waitUntil('4 pods Running', () => s.k(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']).trim().split('\n').filter(Boolean).length === 4, 60_000);
  });
  after(async () => {
    await s?.stop();
  });

  test('the HPA controller reads PodMetrics from metrics.k8s.io when it is served', async () => {
    // Before any kubectl top: every metrics.k8s.io LIST counted below is the controller's.
    s.k(['create', 'namespace', 'hpa']);
    s.k(['apply', '-n', 'hpa', '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'hpa-web' } },
        template: {
          metadata: { labels: { app: 'hpa-web' }, annotations: { 'sim.k8ts.io/cpu-usage': '80m' } },
          spec: { nodeSelector: { 'kubernetes.io/hostname': LOCAL }, containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m' } } }] },
        },
      },
    }));
    s.k(['autoscale', '-n', 'hpa', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=3']);
    await waitUntil('the HPA sees 80% utilisation', () => /cpu: 80%\/50%/.test(s.kubectl(['get', 'hpa', '-n', 'hpa', 'web']).stdout), 120_000);
    const metrics = s.k(['get', '--raw', '/metrics']);
    const lists = metrics.split('\n').filter((l) => l.startsWith('apiserver_request_total{') && l.includes('group="metrics.k8s.io"') && l.includes('resource="pods"') && l.includes('verb="LIST"') && l.includes('code="200"'));
    assert.ok(lists.reduce((n, l) => n + Number(l.split(' ').pop()), 0) > 0, `metrics.k8s.io pod LISTs:\n${lists.join('\n')}`);
    s.k(['delete', 'namespace', 'hpa', '--wait=false']);
  });

  test('discovery lists metrics.k8s.io/v1beta1 nodes and pods (legacy and aggregated)', () => {
    const out = s.k(['api-resources', '--api-group', 'metrics.k8s.io', '--no-headers']);
    assert.match(out, /^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics/m);
    assert.match(out, /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/m);
    const raw = JSON.parse(s.k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1'])) as { resources: Array<{ name: string; verbs: string[] }> };
    assert.deepEqual(raw.resources.map((r) => `${r.name}:${r.verbs.join(',')}`), ['nodes:get,list', 'pods:get,list']);
  });

  test('kubectl top pod shows the annotated usage; --containers splits it; -l and --sort-by work', async () => {
    let out = '';
    await waitUntil('top pod lists 3 pods', () => {
      const r = s.kubectl(['top', 'pod']);
      out = r.stdout;
      return r.code === 0 && rows(out).length === 3;
    }, 60_000);
    const byName = new Map(rows(out).map((r) => [r[0], r.slice(1)]));
    assert.deepEqual(byName.get('small'), ['250m', '64Mi']);
    assert.deepEqual(byName.get('big'), ['1500m', '32Mi']);
    assert.deepEqual(byName.get('two'), ['400m', '20Mi']);
    assert.ok(!byName.has('quiet'), 'a sim pod without usage annotations has no metrics');

    const containers = rows(s.k(['top', 'pod', 'two', '--containers'])).map((r) => r.join(' '));
    assert.deepEqual(containers, ['two a 100m 10Mi', 'two b 300m 10Mi']);

    assert.deepEqual(rows(s.k(['top', 'pod', '-l', 'app=web', '--sort-by', 'cpu'])).map((r) => r[0]), ['big', 'small']);
    assert.deepEqual(rows(s.k(['top', 'pod', '-l', 'app=web,tier!=back', '--sort-by', 'memory'])).map((r) => r[0]), ['small']);
    assert.deepEqual(rows(s.k(['top', 'pod', '--sort-by', 'memory'])).map((r) => r[0]), ['small', 'big', 'two']);
    const all = rows(s.k(['top', 'pod', '-A']));
    assert.ok(all.some((r) => r[0] === 'default' && r[1] === 'small' && r[2] === '250m'), JSON.stringify(all));

    // Usage follows the annotation (read when asked, no scrape needed for simulated pods).
    s.k(['annotate', 'pod', 'small', 'sim.k8ts.io/cpu-usage=750m', '--overwrite']);
    await waitUntil('small at 750m', () => rows(s.kubectl(['top', 'pod', 'small']).stdout)[0]?.[1] === '750m', 30_000);
  });

  test('kubectl top node: simulated nodes sum their pods; the local node comes from its kubelet /metrics/resource', async () => {
    let out = '';
    await waitUntil('top node lists 3 nodes', () => {
      const r = s.kubectl(['top', 'node']);
      out = r.stdout;
      return r.code === 0 && rows(out).length === 3;
    }, 60_000);
    const byName = new Map(rows(out).map((r) => [r[0], r.slice(1)]));
    const sim1 = byName.get('sim-node-00001')!;
    assert.ok(['1750m', '2250m'].includes(sim1[0]!), `sim-node-00001 CPU ${sim1[0]} (250m or 750m + 1500m)`);
    assert.equal(sim1[2], '96Mi');
    assert.deepEqual(byName.get('sim-node-00002')?.slice(0, 1), ['0m']);
    // The local node reports the host: real, non-zero memory (MemTotal − MemAvailable).
    const local = byName.get(LOCAL)!;
    assert.match(local[2]!, /^[1-9]\d*Mi$/, `local node memory ${local[2]}`);
    const nm = JSON.parse(s.k(['get', '--raw', `/apis/metrics.k8s.io/v1beta1/nodes/${LOCAL}`])) as { kind: string; window: string; usage: { cpu: string; memory: string } };
    assert.equal(nm.kind, 'NodeMetrics');
    assert.match(nm.window, /^\d+(\.\d+)?m?s$/);
    assert.ok(rows(s.k(['top', 'node', '--sort-by', 'cpu']))[0]?.[0], 'sorts');
  });

  test('the local kubelet serves /metrics/resource: upstream metric names, sim pods as counters', async () => {
    const get = () => s.k(['get', '--raw', `/api/v1/nodes/${LOCAL}/proxy/metrics/resource`]);
    const counter = (text: string, c: string) => Number(new RegExp(`^container_cpu_usage_seconds_total\\{container="${c}",namespace="default",pod="two"\\} (\\S+) \\d+$`, 'm').exec(text)?.[1]);
    const first = get();
    for (const name of ['node_cpu_usage_seconds_total', 'node_memory_working_set_bytes', 'container_memory_working_set_bytes', 'pod_cpu_usage_seconds_total', 'container_start_time_seconds']) assert.match(first, new RegExp(`^${name}[ {]`, 'm'), name);
    assert.match(first, /^container_memory_working_set_bytes\{container="b",namespace="default",pod="two"\} 10485760 \d+$/m);
    assert.match(first, /^scrape_error 0$/m);
    const a0 = counter(first, 'a');
    assert.ok(a0 >= 0, `counter for two/a: ${a0}`);
    // The counter grows at the annotated 100m.
    let a1 = a0;
    await waitUntil('two/a counter grows', () => (a1 = counter(get(), 'a')) > a0, 30_000);
  });

  test('get --raw and errors: PodMetrics JSON, NotFound, a bad selector is a BadRequest', () => {
    const pm = JSON.parse(s.k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/big'])) as { kind: string; apiVersion: string; metadata: { name: string; labels: Record<string, string> }; window: string; containers: Array<{ name: string; usage: { cpu: string; memory: string } }> };
    assert.equal(pm.kind, 'PodMetrics');
    assert.equal(pm.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(pm.metadata.labels, { app: 'web', tier: 'back' });
    assert.deepEqual(pm.containers, [{ name: 'c', usage: { cpu: '1500m', memory: '32Mi' } }]);
    const list = JSON.parse(s.k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb'])) as { kind: string; items: Array<{ metadata: { name: string } }> };
    assert.equal(list.kind, 'PodMetricsList');
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['two']);
    const nf = s.kubectl(['top', 'pod', 'nope']);
    assert.notEqual(nf.code, 0);
    assert.match(nf.stderr, /NotFound.*podmetrics\.metrics\.k8s\.io "default\/nope" not found/);
    const bad = s.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /BadRequest|Bad Request/);
    // kubectl get prints metrics-server's table columns.
    assert.match(s.k(['get', 'podmetrics', 'big']), /^NAME\s+CPU\s+MEMORY\s+WINDOW\nbig\s+1500m\s+32Mi\s+1s/);
  });

  test('RBAC: a user without rights gets 403; the view role (aggregated metrics reader) lets them read', () => {
    const denied = s.kubectl(['top', 'pod', '--as', 'jane']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Forbidden.*User "jane" cannot list resource "pods" in API group "metrics\.k8s\.io" in the namespace "default"/);
    const deniedNodes = s.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes', '--as', 'jane']);
    assert.match(deniedNodes.stderr, /Forbidden/);
    s.k(['create', 'rolebinding', 'jane-view', '--clusterrole', 'view', '--user', 'jane']);
    // RBAC reads bindings from the watch cache: poll for the grant to take effect.
    let out = '';
    return waitUntil('jane can top pods', () => {
      const r = s.kubectl(['top', 'pod', '--as', 'jane']);
      out = r.stdout;
      return r.code === 0 && rows(out).length === 3;
    }, 30_000).then(() => {
      const role = JSON.parse(s.k(['get', 'clusterrole', 'system:aggregated-metrics-reader', '-o', 'json'])) as { metadata: { labels: Record<string, string> }; rules: unknown[] };
      for (const to of ['view', 'edit', 'admin']) assert.equal(role.metadata.labels[`rbac.authorization.k8s.io/aggregate-to-${to}`], 'true');
    });
  });
});

describe('--disable metrics-server', { timeout: 120_000 }, () => {
  let s: K8tsServer;
  before(async () => {
    s = await startServer(['--disable', 'metrics-server,dns,proxy,scheduler,controllers']);
  });
  after(async () => {
    await s?.stop();
  });

  test('kubectl top says the Metrics API is not available; discovery does not list the group', () => {
    const r = s.kubectl(['top', 'node']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Metrics API not available/);
    assert.doesNotMatch(s.k(['api-versions']), /metrics\.k8s\.io/);
  });
});
