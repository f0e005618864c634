// kubectl e2e of StatefulSets (ordered creation, PVCs, scale-down) and DaemonSets (Node objects created by hand, taints, rolling update).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../support/https.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

let s: K8tsServer;
before(async () => {
  // No scheduler and no node agent: these tests drive pod status themselves.
  // Hand-made nodes never heartbeat: a long grace period keeps the node lifecycle controller from tainting them mid-test.
  s = await startServer(['--disable', 'scheduler,agent', '--node-monitor-grace-period', '10m']);
});
after(async () => {
  await s.stop();
});

const until = waitUntil;
const names = (args: string[]) => s.k(['get', ...args, '-o', 'name']).split('\n').filter(Boolean).sort();
async function markReady(ns: string, name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const r = await call(s, 'PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, { body: JSON.stringify({ status: { phase: 'Running', podIP: '10.42.1.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }), type: 'application/merge-patch+json' });
  assert.equal(r.code, 200, r.body);
}

test('a StatefulSet creates db-0 before db-1, with PVCs from volumeClaimTemplates, and scales down from the top', async () => {
  s.k(['create', 'namespace', 'sts']);
  s.k(['apply', '-n', 'sts', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
    spec: {
      replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  }));
  await until('db-0', () => names(['pods', '-n', 'sts']).join() === 'pod/db-0');
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual(names(['pods', '-n', 'sts']), ['pod/db-0'], 'db-1 waits for db-0 to be Ready');
  const pod = JSON.parse(s.k(['get', 'pod', 'db-0', '-n', 'sts', '-o', 'json'])) as { metadata: { labels: Record<string, string> }; spec: { hostname: string; subdomain: string; volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }> } };
  assert.equal(pod.spec.hostname, 'db-0');
  assert.equal(pod.spec.subdomain, 'db');
  assert.equal(pod.metadata.labels['statefulset.kubernetes.io/pod-name'], 'db-0');
  assert.ok(pod.metadata.labels['controller-revision-hash']?.startsWith('db-'));
  assert.equal(pod.spec.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-db-0');
  assert.deepEqual(names(['pvc', '-n', 'sts']), ['persistentvolumeclaim/data-db-0']);
  await markReady('sts', 'db-0');
  await until('db-1', () => names(['pods', '-n', 'sts']).join() === 'pod/db-0,pod/db-1');
  await markReady('sts', 'db-1');
  await until('ready status', () => JSON.parse(s.k(['get', 'sts', 'db', '-n', 'sts', '-o', 'json'])).status.readyReplicas === 2);
  assert.equal(names(['controllerrevisions', '-n', 'sts']).length, 1);
  s.k(['scale', 'sts', 'db', '-n', 'sts', '--replicas=1']);
  await until('db-1 gone', () => names(['pods', '-n', 'sts']).join() === 'pod/db-0');
  assert.equal(names(['pvc', '-n', 'sts']).length, 2, 'PVCs are retained by default');
});

test('a DaemonSet covers every eligible node, skips untolerated taints, and rolls to a new revision', async () => {
  const node = (name: string, taints?: unknown[], unschedulable?: boolean) => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { taints, unschedulable } });
  s.k(['apply', '-f', '-'], node('w1'));
  s.k(['apply', '-f', '-'], node('cp', [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]));
  s.k(['apply', '-f', '-'], node('cordoned', [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], true));
  s.k(['create', 'namespace', 'ds']);
  const ds = (tolerate: boolean, image: string) => JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { tolerations: tolerate ? [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] : [], containers: [{ name: 'c', image }] } } },
  });
  type P = { metadata: { name: string; labels: Record<string, string> }; spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchFields: Array<{ values: string[] }> }> } } } } };
  const placed = () => (JSON.parse(s.k(['get', 'pods', '-n', 'ds', '-o', 'json'])) as { items: P[] }).items.map((p) => p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchFields[0]?.values[0]).sort();
  s.k(['apply', '-n', 'ds', '-f', '-'], ds(false, 'a:1'));
  await until('pods on w1 and cordoned', () => placed().join() === 'cordoned,w1');
  s.k(['apply', '-n', 'ds', '-f', '-'], ds(true, 'a:1'));
  await until('pods on all 3 nodes', () => placed().join() === 'cordoned,cp,w1');
  const st = JSON.parse(s.k(['get', 'ds', 'agent', '-n', 'ds', '-o', 'json'])) as { status: { desiredNumberScheduled: number } };
  assert.equal(st.status.desiredNumberScheduled, 3);
  const revs = () => new Set((JSON.parse(s.k(['get', 'pods', '-n', 'ds', '-o', 'json'])) as { items: P[] }).items.map((p) => p.metadata.labels['controller-revision-hash']));
  const before = [...revs()];
  s.k(['apply', '-n', 'ds', '-f', '-'], ds(true, 'a:2'));
  // No pod is available without a kubelet, so every old pod is replaced at once.
  await until('new revision everywhere', () => placed().length === 3 && revs().size === 1 && !revs().has(before[0]));
  s.k(['delete', 'node', 'cp']);
  await until('pod on cp removed', () => placed().join() === 'cordoned,w1');
});
