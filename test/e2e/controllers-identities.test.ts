// Per-controller identities (upstream --use-service-account-credentials): each controller writes as
// system:serviceaccount:kube-system:<controller>, seen in the audit log; RBAC refuses writes outside its role.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

let s: K8tsServer;
let auditDir: string;
let auditPath: string;

interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

before(async () => {
  auditDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-audit-'));
  auditPath = join(auditDir, 'audit.log');
  s = await startServer(['--runtime', 'sim', '--audit-log-path', auditPath]);
});
after(async () => {
  await s.stop();
  rmSync(auditDir, { recursive: true, force: true });
});

const audit = (): AuditEvent[] =>
  readFileSync(auditPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent);

const writer = (resource: string, ns: string) =>
  new Set(audit().filter((e) => e.verb === 'create' && e.objectRef?.resource === resource && e.objectRef.namespace === ns && e.responseStatus?.code === 201).map((e) => e.user.username));

test('each controller writes as its own ServiceAccount', async () => {
  s.k(['create', 'namespace', 'ids']);
  s.k(['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '-n', 'ids']);
  await waitUntil('2 pods', () => s.k(['get', 'pods', '-n', 'ids', '-o', 'name']).trim().split('\n').filter(Boolean).length === 2, 60_000);
  await waitUntil('audit entries of the creates', () => writer('pods', 'ids').size > 0 && writer('replicasets', 'ids').size > 0, 30_000);
  assert.deepEqual([...writer('replicasets', 'ids')], ['system:serviceaccount:kube-system:deployment-controller']);
  assert.deepEqual([...writer('pods', 'ids')], ['system:serviceaccount:kube-system:replicaset-controller']);
  // The namespace's default ServiceAccount and root CA come from their controllers too.
  await waitUntil('default SA audit entry', () => writer('serviceaccounts', 'ids').size > 0, 30_000);
  assert.deepEqual([...writer('serviceaccounts', 'ids')], ['system:serviceaccount:kube-system:service-account-controller']);
  assert.deepEqual([...writer('configmaps', 'ids')], ['system:serviceaccount:kube-system:root-ca-cert-publisher']);
  // The ServiceAccounts exist in kube-system, created by the manager.
  for (const sa of ['replicaset-controller', 'deployment-controller', 'node-controller']) s.k(['get', 'serviceaccount', sa, '-n', 'kube-system']);
});

test("RBAC refuses a controller's write outside its role, and the manager's own user writes nothing", () => {
  const token = s.k(['create', 'token', 'replicaset-controller', '-n', 'kube-system']).trim();
  const empty = join(s.dataDir, 'empty-kubeconfig');
  writeFileSync(empty, 'apiVersion: v1\nkind: Config\n');
  const asSa = (args: string[]) => s.kubectl(['--kubeconfig', empty, '--server', s.url, '--certificate-authority', join(s.dataDir, 'pki', 'ca.crt'), '--token', token, ...args]);
  const cm = asSa(['create', 'configmap', 'nope', '-n', 'default']);
  assert.notEqual(cm.code, 0);
  assert.match(cm.stderr, /User "system:serviceaccount:kube-system:replicaset-controller" cannot create resource "configmaps" in API group "" in the namespace "default"/);
  // Within its role: it may list pods.
  assert.equal(asSa(['get', 'pods', '-n', 'default']).code, 0);
  assert.equal(s.kubectl(['auth', 'can-i', 'create', 'pods', '--as', 'system:kube-controller-manager']).stdout.trim(), 'no');
  assert.equal(s.kubectl(['auth', 'can-i', 'watch', 'pods', '--as', 'system:kube-controller-manager']).stdout.trim(), 'yes');
  assert.notEqual(s.kubectl(['get', 'clusterrolebinding', 'k8ts:kube-controller-manager:replicaset-controller']).code, 0, 'the broad manager bindings are gone');
});
