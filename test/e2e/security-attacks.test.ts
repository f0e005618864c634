// The classic cluster attacks against a live `k8ts server`: each refused with the right code, the legitimate path next to it allowed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, type Reply } from '../support/https.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { createCertificateAuthority, issueCertificate, kubeconfigYaml } from '../../src/pki/index.js';

type Cert = { cert: string; key: string };
const msg = (r: Reply) => (JSON.parse(r.body) as { message?: string }).message ?? '';

describe('security: attacks are refused, legitimate paths work', () => {
  let s: K8tsServer;
  let ca: { certPem: string; keyPem: string };
  const certs = new Map<string, Cert>();
  async function as(user: string, groups: string[] = []): Promise<Cert> {
    const k = `${user}|${groups.join(',')}`;
    let c = certs.get(k);
    if (!c) {
      const leaf = await issueCertificate(ca, { commonName: user, organizations: groups, usages: 'client' });
      certs.set(k, (c = { cert: leaf.certPem, key: leaf.keyPem }));
    }
    return c;
  }
  async function kubeconfigFor(user: string, groups: string[] = []): Promise<string> {
    const c = await as(user, groups);
    const file = join(s.dataDir, `kc-${user.replace(/[^a-z0-9]/gi, '_')}.yaml`);
    writeFileSync(file, kubeconfigYaml({ server: s.url, caPem: ca.certPem, clientCertPem: c.cert, clientKeyPem: c.key }), { mode: 0o600 });
    return file;
  }
  const json = (o: object) => JSON.stringify(o);

  before(async () => {
    s = await startServer(['--disable', 'scheduler,controllers,agent,proxy,dns']);
    ca = { certPem: readFileSync(join(s.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: readFileSync(join(s.dataDir, 'pki/ca.key'), 'utf8') };
    s.k(['create', 'namespace', 'dev']);
    s.k(['create', 'secret', 'generic', 'db', '-n', 'dev', '--from-literal=password=hunter2']);
  });
  after(async () => {
    await s?.stop();
  });

  test('anonymous: secrets are 403, /version and health are public, discovery is not', async () => {
    const r = await call(s, 'GET', '/api/v1/namespaces/dev/secrets/db', { cert: null });
    assert.equal(r.code, 403);
    assert.equal(msg(r), 'secrets "db" is forbidden: User "system:anonymous" cannot get resource "secrets" in API group "" in the namespace "dev"');
    assert.doesNotMatch(r.body, /hunter2|aHVudGVyMg/);
    assert.equal((await call(s, 'GET', '/version', { cert: null })).code, 200);
    assert.equal((await call(s, 'GET', '/apis', { cert: null })).code, 403);
  });

  test('a foreign CA certificate is 401 with the bare upstream body; the cluster CA one works', async () => {
    const evil = await createCertificateAuthority({ commonName: 'evil-ca' });
    const leaf = await issueCertificate(evil, { commonName: 'admin', organizations: ['system:masters'], usages: 'client' });
    const r = await call(s, 'GET', '/api/v1/namespaces/dev/secrets', { cert: { cert: leaf.certPem, key: leaf.keyPem } });
    assert.equal(r.code, 401);
    assert.deepEqual(JSON.parse(r.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/dev/secrets')).code, 200);
  });

  test('ServiceAccount tokens: valid works, tampered and deleted-SA tokens are 401, TokenReview agrees', async () => {
    s.k(['create', 'serviceaccount', 'robot', '-n', 'dev']);
    const token = s.k(['create', 'token', 'robot', '-n', 'dev', '--duration', '1h']).trim();
    const bearer = (t: string) => ({ cert: null, headers: { Authorization: `Bearer ${t}` } });
    const who = await call(s, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { ...bearer(token), body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    assert.equal(who.code, 201, who.body);
    const info = (who.json() as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
    assert.equal(info.username, 'system:serviceaccount:dev:robot');
    assert.deepEqual(info.groups, ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated']);
    // Authenticated but unprivileged: discovery yes, secrets no.
    assert.equal((await call(s, 'GET', '/api', bearer(token))).code, 200);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/dev/secrets', bearer(token))).code, 403);
    const [h, p, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${sig}`;
    for (const bad of [forged, `${h}.${p}.${sig.slice(0, -4)}AAAA`, 'not-a-token']) {
      const r = await call(s, 'GET', '/api', bearer(bad));
      assert.equal(r.code, 401);
      assert.equal(msg(r), 'Unauthorized');
    }
    const review = await call(s, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
    assert.equal((review.json() as { status: { authenticated?: boolean } }).status.authenticated, true);
    s.k(['delete', 'serviceaccount', 'robot', '-n', 'dev']);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await call(s, 'GET', '/api', bearer(token))).code, 401);
    const after = await call(s, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
    assert.notEqual((after.json() as { status: { authenticated?: boolean } }).status.authenticated, true);
  });

  test('RBAC escalation: a namespace admin cannot bind cluster-admin, but can bind edit', async () => {
    s.k(['create', 'rolebinding', 'alice-admin', '-n', 'dev', '--clusterrole=admin', '--user=alice']);
    const kc = await kubeconfigFor('alice');
    const escalate = s.kubectl(['--kubeconfig', kc, 'create', 'rolebinding', 'pwn', '-n', 'dev', '--clusterrole=cluster-admin', '--user=alice']);
    assert.notEqual(escalate.code, 0);
    assert.match(escalate.stderr, /rolebindings.rbac.authorization.k8s.io "pwn" is forbidden: user "alice" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/);
    const role = s.kubectl(['--kubeconfig', kc, 'create', 'role', 'nodes-reader', '-n', 'dev', '--verb=get', '--resource=nodes']);
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /attempting to grant RBAC permissions not currently held/);
    assert.notEqual(s.kubectl(['--kubeconfig', kc, 'create', 'clusterrolebinding', 'pwn', '--clusterrole=cluster-admin', '--user=alice']).code, 0);
    s.k(['--kubeconfig', kc, 'create', 'rolebinding', 'bob-edit', '-n', 'dev', '--clusterrole=edit', '--user=bob']);
    assert.equal(s.kubectl(['--kubeconfig', kc, 'auth', 'can-i', 'get', 'secrets', '-n', 'dev']).stdout.trim(), 'yes');
    assert.equal(s.kubectl(['--kubeconfig', kc, 'auth', 'can-i', 'get', 'secrets', '-n', 'default']).stdout.trim(), 'no');
    const bob = await kubeconfigFor('bob');
    assert.equal(s.kubectl(['--kubeconfig', bob, 'get', 'secret', 'db', '-n', 'dev', '-o', 'name']).stdout.trim(), 'secret/db');
    // The escalate verb lifts the check, as upstream.
    s.k(['create', 'clusterrole', 'role-escalator', '--verb=escalate,create', '--resource=roles.rbac.authorization.k8s.io']);
    s.k(['create', 'rolebinding', 'alice-escalate', '-n', 'dev', '--clusterrole=role-escalator', '--user=alice']);
    s.k(['--kubeconfig', kc, 'create', 'role', 'nodes-reader', '-n', 'dev', '--verb=get', '--resource=nodes']);
  });

  test('auth can-i --list prints the user\'s real rules', async () => {
    const kc = await kubeconfigFor('carol');
    s.k(['create', 'role', 'pod-reader', '-n', 'dev', '--verb=get,list', '--resource=pods,pods/log']);
    s.k(['create', 'rolebinding', 'carol-pods', '-n', 'dev', '--role=pod-reader', '--user=carol']);
    const out = s.k(['--kubeconfig', kc, 'auth', 'can-i', '--list', '-n', 'dev']);
    assert.match(out, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/m);
    assert.match(out, /^pods\/log\s+\[\]\s+\[\]\s+\[get list\]/m);
    assert.match(out, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
    assert.match(out, /\[\/version\]\s+\[\]\s+\[get\]/);
    assert.equal(s.kubectl(['--kubeconfig', kc, 'auth', 'can-i', 'get', 'pods', '--subresource=log', '-n', 'dev']).stdout.trim(), 'yes');
    assert.equal(s.kubectl(['--kubeconfig', kc, 'auth', 'can-i', 'delete', 'pods', '-n', 'dev']).stdout.trim(), 'no');
  });

  test('impersonation needs the impersonate verb', async () => {
    const dave = await as('dave');
    const r = await call(s, 'GET', '/api/v1/namespaces/dev/secrets', { cert: dave, headers: { 'Impersonate-User': 'admin', 'Impersonate-Group': 'system:masters' } });
    assert.equal(r.code, 403);
    assert.equal(msg(r), 'users "admin" is forbidden: User "dave" cannot impersonate resource "users" in API group "" at the cluster scope');
    s.k(['create', 'clusterrole', 'impersonate-bob', '--verb=impersonate', '--resource=users', '--resource-name=bob']);
    s.k(['create', 'clusterrolebinding', 'dave-impersonates-bob', '--clusterrole=impersonate-bob', '--user=dave']);
    const ok = await call(s, 'GET', '/api/v1/namespaces/dev/secrets', { cert: dave, headers: { 'Impersonate-User': 'bob' } });
    assert.equal(ok.code, 200, ok.body);
    const grp = await call(s, 'GET', '/api/v1/namespaces/dev/secrets', { cert: dave, headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:masters' } });
    assert.equal(grp.code, 403);
    const kc = await kubeconfigFor('dave');
    assert.equal(s.kubectl(['--kubeconfig', kc, 'get', 'secrets', '-n', 'dev', '--as', 'admin']).code, 1);
  });

  test('a kubelet reads only the secrets of pods bound to its node, and writes only its own node', async () => {
    s.k(['create', 'secret', 'generic', 'a-secret', '-n', 'dev', '--from-literal=k=v']);
    s.k(['create', 'secret', 'generic', 'b-secret', '-n', 'dev', '--from-literal=k=v']);
    for (const n of ['node-a', 'node-b']) s.k(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } }));
    s.k(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pa', namespace: 'dev' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: 'a-secret' } }] }] } }));
    const nodeA = await as('system:node:node-a', ['system:nodes']);
    const nodeB = await as('system:node:node-b', ['system:nodes']);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/dev/secrets/a-secret', { cert: nodeA })).code, 200);
    const stolen = await call(s, 'GET', '/api/v1/namespaces/dev/secrets/a-secret', { cert: nodeB });
    assert.equal(stolen.code, 403);
    assert.equal(msg(stolen), `secrets "a-secret" is forbidden: User "system:node:node-b" cannot get resource "secrets" in API group "" in the namespace "dev": no relationship found between node 'node-b' and this object`);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/dev/secrets/b-secret', { cert: nodeA })).code, 403);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/dev/secrets', { cert: nodeA })).code, 403);
    assert.equal((await call(s, 'GET', '/api/v1/nodes/node-b', { cert: nodeA })).code, 200);
    const patch = { body: json({ metadata: { labels: { x: 'y' } } }), type: 'application/merge-patch+json' };
    assert.equal((await call(s, 'PATCH', '/api/v1/nodes/node-a', { cert: nodeA, ...patch })).code, 200);
    assert.equal((await call(s, 'PATCH', '/api/v1/nodes/node-b', { cert: nodeA, ...patch })).code, 403);
    const status = { body: json({ status: { phase: 'Running' } }), type: 'application/merge-patch+json' };
    assert.equal((await call(s, 'PATCH', '/api/v1/namespaces/dev/pods/pa/status', { cert: nodeB, ...status })).code, 403);
    assert.equal((await call(s, 'PATCH', '/api/v1/namespaces/dev/pods/pa/status', { cert: nodeA, ...status })).code, 200);
    assert.equal((await call(s, 'DELETE', '/api/v1/namespaces/dev/pods/pa', { cert: nodeB })).code, 403);
    s.k(['create', 'serviceaccount', 'default', '-n', 'dev']);
    const tr = (bound: boolean) => ({ body: json({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['k8ts'], ...(bound ? { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'pa' } } : {}) } }), type: 'application/json' });
    const tokenPath = '/api/v1/namespaces/dev/serviceaccounts/default/token';
    assert.equal((await call(s, 'POST', tokenPath, { cert: nodeA, ...tr(true) })).code, 201);
    assert.equal((await call(s, 'POST', tokenPath, { cert: nodeA, ...tr(false) })).code, 403);
    assert.equal((await call(s, 'POST', tokenPath, { cert: nodeB, ...tr(true) })).code, 403);
    const lease = (n: string) => json({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: n, namespace: 'kube-node-lease' }, spec: { holderIdentity: n } });
    assert.equal((await call(s, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { cert: nodeA, body: lease('node-b'), type: 'application/json' })).code, 403);
    assert.equal((await call(s, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { cert: nodeA, body: lease('node-a'), type: 'application/json' })).code, 201);
  });

  test('component identities hold only their upstream roles', async () => {
    const sched = await as('system:kube-scheduler');
    assert.equal((await call(s, 'GET', '/api/v1/nodes', { cert: sched })).code, 200);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/dev/secrets', { cert: sched })).code, 403);
    const kcm = await as('system:kube-controller-manager');
    assert.equal((await call(s, 'GET', '/api/v1/secrets', { cert: kcm })).code, 200);
    // The controller manager holds the union of the system:controller:* roles, not cluster-admin.
    const grab = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'kcm-grab' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-controller-manager' }] };
    assert.equal((await call(s, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { cert: kcm, body: JSON.stringify(grab), type: 'application/json' })).code, 403);
    const rs = await as('system:serviceaccount:kube-system:replicaset-controller', ['system:serviceaccounts', 'system:serviceaccounts:kube-system']);
    assert.equal((await call(s, 'GET', '/api/v1/pods', { cert: rs })).code, 200);
    assert.equal((await call(s, 'GET', '/api/v1/secrets', { cert: rs })).code, 403);
  });
});
