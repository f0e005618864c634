// The scheduler in `k8ts server`: pods land (or stay Pending, with upstream's messages) as kube-scheduler would place them.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { addNode, apply, nodeOf, pendingMessage, pod, reset, waitFor } from './scheduler-support.js';

function get(path: string, withCert: boolean): Promise<{ code: number; body: string }> {
  const pki = join(s.dataDir, 'pki');
  const cert = withCert ? { cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) } : {};
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: SECURE_PORT, path, ca: readFileSync(join(pki, 'ca.crt')), ...cert }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let s: K8tsServer;
// The in-server scheduler's secure port, on a port of its own so parallel test servers do not collide.
const SECURE_PORT = 20000 + Math.floor(Math.random() * 20000);
before(async () => {
  process.env.K8TS_SCHEDULER_SECURE_PORT = String(SECURE_PORT);
  s = await startServer(['--disable', 'agent,controllers']);
  delete process.env.K8TS_SCHEDULER_SECURE_PORT;
});
after(async () => {
  await s?.stop();
});
beforeEach(async () => {
  await reset(s);
});

test('taints with all three effects, tolerations, and the exact FailedScheduling message', async () => {
  await addNode(s, 'infra', { labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] });
  await addNode(s, 'w1');
  await addNode(s, 'w2');
  apply(s, pod('picky', { spec: { nodeSelector: { disk: 'ssd' } } }));
  const msg = await pendingMessage(s, 'picky');
  assert.equal(msg, "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
  const events = await waitFor(() => {
    const out = s.k(['get', 'events', '--field-selector', 'involvedObject.name=picky,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
    return out.includes('0/3') ? out : undefined;
  });
  assert.ok(events.includes('1 node(s) had untolerated taint {dedicated: infra}'));
  s.k(['delete', 'pod', 'picky', '--force', '--grace-period=0']);
  apply(s, pod('tolerant', { spec: { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] } }));
  assert.equal(await nodeOf(s, 'tolerant'), 'infra');
  // NoExecute filters too; tolerationSeconds still lets the pod schedule. PreferNoSchedule only scores.
  s.k(['taint', 'nodes', 'w1', 'gone=yes:NoExecute']);
  s.k(['taint', 'nodes', 'w2', 'soft=yes:PreferNoSchedule']);
  s.k(['taint', 'nodes', 'infra', 'dedicated-']);
  s.k(['taint', 'nodes', 'infra', 'soft=yes:PreferNoSchedule']);
  for (let i = 0; i < 3; i++) apply(s, pod(`plain-${i}`));
  for (let i = 0; i < 3; i++) assert.notEqual(await nodeOf(s, `plain-${i}`), 'w1');
  apply(s, pod('exec-tolerant', { spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' }, tolerations: [{ key: 'gone', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] } }));
  assert.equal(await nodeOf(s, 'exec-tolerant'), 'w1');
  // Prefer the node without the PreferNoSchedule taint.
  s.k(['taint', 'nodes', 'w1', 'gone-']);
  apply(s, pod('prefers-untainted'));
  assert.equal(await nodeOf(s, 'prefers-untainted'), 'w1');
});

test('a Scheduled event names the node; cordoned nodes take no new pods', async () => {
  await addNode(s, 'a');
  await addNode(s, 'b');
  s.k(['cordon', 'a']);
  apply(s, pod('p1'), pod('p2'));
  assert.equal(await nodeOf(s, 'p1'), 'b');
  assert.equal(await nodeOf(s, 'p2'), 'b');
  const ev = await waitFor(() => s.k(['get', 'events', '--field-selector', 'involvedObject.name=p1,reason=Scheduled', '-o', 'jsonpath={.items[0].message}']).trim() || undefined);
  assert.equal(ev, 'Successfully assigned default/p1 to b');
  s.k(['cordon', 'b']);
  apply(s, pod('p3'));
  assert.match(await pendingMessage(s, 'p3'), /^0\/2 nodes are available: 2 node\(s\) were unschedulable\. preemption: /);
  s.k(['uncordon', 'a']);
  assert.equal(await nodeOf(s, 'p3'), 'a');
});

test('required and preferred node affinity', async () => {
  await addNode(s, 'za', { labels: { 'topology.kubernetes.io/zone': 'a', gen: '3' } });
  await addNode(s, 'zb', { labels: { 'topology.kubernetes.io/zone': 'b', gen: '5' } });
  const req = (op: string, values: string[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gen', operator: op, values }] }] } } } });
  apply(s, pod('gt', { spec: req('Gt', ['4']) }), pod('lt', { spec: req('Lt', ['4']) }), pod('in', { spec: req('In', ['3']) }));
  assert.equal(await nodeOf(s, 'gt'), 'zb');
  assert.equal(await nodeOf(s, 'lt'), 'za');
  assert.equal(await nodeOf(s, 'in'), 'za');
  apply(s, pod('pref', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['b'] }] } }] } } } }));
  assert.equal(await nodeOf(s, 'pref'), 'zb');
  apply(s, pod('none', { spec: req('In', ['9']) }));
  assert.equal(await pendingMessage(s, 'none'), "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
});

test('pod anti-affinity by hostname and pod affinity by zone', async () => {
  for (const [n, z] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b']]) await addNode(s, n!, { labels: { 'topology.kubernetes.io/zone': z! } });
  const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } } };
  for (let i = 0; i < 3; i++) apply(s, pod(`web-${i}`, { labels: { app: 'web' }, spec: anti }));
  const placed = new Set<string>();
  for (let i = 0; i < 3; i++) placed.add(await nodeOf(s, `web-${i}`));
  assert.equal(placed.size, 3);
  apply(s, pod('web-3', { labels: { app: 'web' }, spec: anti }));
  assert.equal(await pendingMessage(s, 'web-3'), "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
  const web0 = await nodeOf(s, 'web-0');
  s.k(['label', 'pod', 'web-0', 'role=db']);
  const aff = { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { role: 'db' } }, topologyKey: 'topology.kubernetes.io/zone' }] } } };
  apply(s, pod('near-db', { spec: aff }));
  const zoneOf = (n: string) => s.k(['get', 'node', n, '-o', 'jsonpath={.metadata.labels.topology\\.kubernetes\\.io/zone}']);
  assert.equal(zoneOf(await nodeOf(s, 'near-db')), zoneOf(web0));
});

test('topology spread constraints balance zones', async () => {
  for (const [n, z] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b']]) await addNode(s, n!, { labels: { 'topology.kubernetes.io/zone': z! } });
  const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] };
  const zones: Record<string, number> = {};
  for (let i = 0; i < 6; i++) {
    apply(s, pod(`sp-${i}`, { labels: { app: 'spread' }, spec: spread }));
    const n = await nodeOf(s, `sp-${i}`);
    const z = n.startsWith('a') ? 'a' : 'b';
    zones[z] = (zones[z] ?? 0) + 1;
    assert.ok(Math.abs((zones.a ?? 0) - (zones.b ?? 0)) <= 1, JSON.stringify(zones));
  }
  assert.deepEqual(zones, { a: 3, b: 3 });
});

test('insufficient resources and host ports', async () => {
  await addNode(s, 'small', { cpu: '1' });
  apply(s, pod('fits', { cpu: '600m', hostPort: 8080 }));
  assert.equal(await nodeOf(s, 'fits'), 'small');
  apply(s, pod('too-big', { cpu: '600m' }));
  assert.equal(await pendingMessage(s, 'too-big'), '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  apply(s, pod('port', { hostPort: 8080 }));
  assert.equal(await pendingMessage(s, 'port'), "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
  // Freeing the node re-queues both pending pods (pod deleted is a cluster event).
  s.k(['delete', 'pod', 'fits', '--force', '--grace-period=0']);
  assert.equal(await nodeOf(s, 'port'), 'small');
  assert.equal(await nodeOf(s, 'too-big'), 'small');
});

test('the secure port serves health to anyone and metrics to cluster-CA clients', async () => {
  await waitFor(() => (s.log().includes(`health and metrics on`) ? true : undefined), 10_000, 'secure port');
  assert.deepEqual(await get('/healthz', false), { code: 200, body: 'ok' });
  assert.equal((await get('/metrics', false)).code, 401);
  await addNode(s, 'm1');
  apply(s, pod('counted'));
  await nodeOf(s, 'counted');
  const m = await get('/metrics', true);
  assert.equal(m.code, 200);
  assert.match(m.body, /scheduler_schedule_attempts_total\{result="scheduled"\} [1-9]/);
  assert.match(m.body, /scheduler_is_leader 1/);
});
