// kubectl e2e: PodDisruptionBudget status, ResourceQuota usage, CSR signing, ClusterRole aggregation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../support/https.js';
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
/** Approve through the approval subresource (JSON: kubectl's protobuf body for CSRs is not decoded by the API server yet). */
async function approve(name: string): Promise<void> {
  const csr = JSON.parse(s.k(['get', 'csr', name, '-o', 'json'])) as { status?: { conditions?: unknown[] } };
  csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'approved' }] };
  const r = await call(s, 'PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`, { body: csr });
  assert.equal(r.code, 200, r.body);
}
const json = <T>(args: string[]) => JSON.parse(s.k([...args, '-o', 'json'])) as T;

test('a PodDisruptionBudget counts healthy pods and allows disruptions above minAvailable', async () => {
  s.k(['create', 'namespace', 'pdb']);
  s.k(['create', 'deployment', 'web', '-n', 'pdb', '--image=nginx', '--replicas=3']);
  s.k(['create', 'pdb', 'web', '-n', 'pdb', '--selector=app=web', '--min-available=1']);
  await until('3 pods', () => json<{ items: unknown[] }>(['get', 'pods', '-n', 'pdb']).items.length === 3);
  const pods = json<{ items: Array<{ metadata: { name: string } }> }>(['get', 'pods', '-n', 'pdb']).items;
  for (const p of pods) {
    const r = await call(s, 'PATCH', `/api/v1/namespaces/pdb/pods/${p.metadata.name}/status`, { body: JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }), type: 'application/merge-patch+json' });
    assert.equal(r.code, 200);
  }
  await until('status', () => json<{ status: { disruptionsAllowed?: number } }>(['get', 'pdb', 'web', '-n', 'pdb']).status.disruptionsAllowed === 2);
  const st = json<{ status: { currentHealthy: number; desiredHealthy: number; expectedPods: number; conditions: Array<{ reason: string }> } }>(['get', 'pdb', 'web', '-n', 'pdb']).status;
  assert.deepEqual([st.currentHealthy, st.desiredHealthy, st.expectedPods, st.conditions[0]?.reason], [3, 1, 3, 'SufficientPods']);
  s.k(['create', 'pdb', 'strict', '-n', 'pdb', '--selector=app=web', '--max-unavailable=0']);
  await until('strict status', () => json<{ status: { expectedPods?: number } }>(['get', 'pdb', 'strict', '-n', 'pdb']).status.expectedPods === 3);
  assert.equal(json<{ status: { disruptionsAllowed: number } }>(['get', 'pdb', 'strict', '-n', 'pdb']).status.disruptionsAllowed, 0);
});

test('a ResourceQuota reports usage', async () => {
  s.k(['create', 'namespace', 'rq']);
  s.k(['create', 'quota', 'q', '-n', 'rq', '--hard=pods=10,configmaps=5,requests.cpu=4,count/deployments.apps=2']);
  s.k(['run', 'p', '-n', 'rq', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"p","image":"nginx","resources":{"requests":{"cpu":"250m"}}}]}}']);
  await until('usage', () => {
    const u = json<{ status: { used?: Record<string, string> } }>(['get', 'quota', 'q', '-n', 'rq']).status.used ?? {};
    return u.pods === '1' && u['requests.cpu'] === '250m' && u.configmaps === '1';
  });
});

test('an approved CSR for a built-in signer gets a certificate signed by the cluster CA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'csr-'));
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'r.pem'), '-subj', '/CN=alice/O=devs'], { stdio: 'ignore' });
  const request = readFileSync(join(dir, 'r.pem')).toString('base64');
  s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'alice' }, spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } }));
  await approve('alice');
  await until('certificate', () => Boolean(json<{ status: { certificate?: string } }>(['get', 'csr', 'alice']).status.certificate));
  const pem = Buffer.from(json<{ status: { certificate: string } }>(['get', 'csr', 'alice']).status.certificate, 'base64').toString();
  const text = execFileSync('openssl', ['x509', '-noout', '-subject', '-issuer'], { input: pem }).toString();
  assert.match(text, /CN\s*=\s*alice/);
  s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'bad' }, spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['server auth'] } }));
  await approve('bad');
  await until('failed condition', () => /SignerValidationFailure/.test(s.k(['get', 'csr', 'bad', '-o', 'json'])));
});

test('an aggregated ClusterRole collects the rules of the roles its selector matches', async () => {
  s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/agg': 'true' } }] }, rules: [] }));
  s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'part', labels: { 'example.com/agg': 'true' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }));
  await until('aggregated', () => (json<{ rules?: unknown[] }>(['get', 'clusterrole', 'agg']).rules ?? []).length === 1);
});
