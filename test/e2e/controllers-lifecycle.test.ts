// kubectl e2e of garbage collection, namespace deletion, default ServiceAccounts and the root CA ConfigMap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

let s: K8tsServer;
before(async () => {
  // No scheduler and no node agent: these tests drive pod status themselves.
  s = await startServer(['--disable', 'scheduler,agent']);
});
after(async () => {
  await s.stop();
});

const until = waitUntil;
const count = (out: string) => out.split('\n').filter((l) => l.trim()).length;
const names = (args: string[]) => count(s.k(['get', ...args, '-o', 'name']));

test('every namespace gets a default ServiceAccount and kube-root-ca.crt', async () => {
  s.k(['create', 'namespace', 'sa1']);
  await until('default SA', () => s.kubectl(['get', 'sa', 'default', '-n', 'sa1']).code === 0);
  await until('root CA', () => s.kubectl(['get', 'cm', 'kube-root-ca.crt', '-n', 'sa1']).code === 0);
  const cm = JSON.parse(s.k(['get', 'cm', 'kube-root-ca.crt', '-n', 'sa1', '-o', 'json'])) as { data: Record<string, string> };
  assert.match(cm.data['ca.crt'] ?? '', /BEGIN CERTIFICATE/);
  s.k(['delete', 'sa', 'default', '-n', 'sa1']);
  await until('default SA again', () => s.kubectl(['get', 'sa', 'default', '-n', 'sa1']).code === 0);
  assert.equal(s.kubectl(['get', 'sa', 'default', '-n', 'kube-system']).code, 0);
});

test('deleting a Deployment removes its ReplicaSets and pods; orphan keeps them; foreground waits', async () => {
  s.k(['create', 'namespace', 'gc1']);
  s.k(['create', 'deployment', 'a', '-n', 'gc1', '--image=nginx', '--replicas=2']);
  await until('2 pods', () => names(['pods', '-n', 'gc1', '-l', 'app=a']) === 2);
  s.k(['delete', 'deployment', 'a', '-n', 'gc1']);
  await until('rs and pods gone', () => names(['rs,pods', '-n', 'gc1', '-l', 'app=a']) === 0);

  s.k(['create', 'deployment', 'b', '-n', 'gc1', '--image=nginx', '--replicas=2']);
  await until('2 pods', () => names(['pods', '-n', 'gc1', '-l', 'app=b']) === 2);
  s.k(['delete', 'deployment', 'b', '-n', 'gc1', '--cascade=orphan']);
  await until('deployment gone', () => s.kubectl(['get', 'deploy', 'b', '-n', 'gc1']).code !== 0);
  const rs = JSON.parse(s.k(['get', 'rs', '-n', 'gc1', '-l', 'app=b', '-o', 'json'])) as { items: Array<{ metadata: { name: string; ownerReferences?: unknown[] } }> };
  assert.equal(rs.items.length, 1);
  assert.equal(rs.items[0]?.metadata.ownerReferences, undefined);
  assert.equal(names(['pods', '-n', 'gc1', '-l', 'app=b']), 2);

  s.k(['delete', 'rs', rs.items[0]?.metadata.name ?? '', '-n', 'gc1', '--cascade=foreground', '--timeout=20s']);
  assert.equal(names(['pods', '-n', 'gc1', '-l', 'app=b']), 0);
  // A dangling owner: a ConfigMap owned by a uid that does not exist is collected.
  s.k(['apply', '-n', 'gc1', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000001' }] } }));
  await until('dangling collected', () => s.kubectl(['get', 'cm', 'dangling', '-n', 'gc1']).code !== 0);
});

test('deleting a namespace removes it and its contents', async () => {
  s.k(['create', 'namespace', 'gone']);
  s.k(['create', 'deployment', 'w', '-n', 'gone', '--image=nginx', '--replicas=2']);
  s.k(['create', 'configmap', 'c', '-n', 'gone', '--from-literal=a=b']);
  s.k(['create', 'service', 'clusterip', 'svc', '-n', 'gone', '--tcp=80:80']);
  await until('pods', () => names(['pods', '-n', 'gone']) === 2);
  const r = s.kubectl(['delete', 'namespace', 'gone', '--timeout=30s'], { timeoutMs: 40_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(s.kubectl(['get', 'namespace', 'gone']).code, 0);
});
