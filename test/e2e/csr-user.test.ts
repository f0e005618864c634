// Adding a user the Kubernetes way: a CSR approved with `kubectl certificate approve`, signed by the
// controller manager with the cluster CA, then RBAC grants the new user what it may do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { skipUnlessBinary } from '../support/require.js';
import { call, until } from '../support/https.js';

describe('a new user through a CertificateSigningRequest', { skip: skipUnlessBinary('openssl', 'openssl') }, () => {
  let s: K8tsServer;
  let dir: string;
  before(async () => {
    s = await startServer(['--runtime', 'none', '--disable', 'scheduler,agent']);
    dir = mkdtempSync(join(tmpdir(), 'k8ts-csr-'));
  });
  after(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl certificate approve gets a signed client certificate; RBAC then decides', async () => {
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'jane.key'), '-out', join(dir, 'jane.csr'), '-subj', '/CN=jane/O=dev'], { stdio: 'ignore' });
    const request = readFileSync(join(dir, 'jane.csr')).toString('base64');
    s.k(['apply', '-f', '-'], `apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {name: jane}\nspec:\n  request: ${request}\n  signerName: kubernetes.io/kube-apiserver-client\n  expirationSeconds: 3600\n  usages: [client auth]\n`);
    assert.equal(s.k(['get', 'csr', 'jane', '-o', 'jsonpath={.spec.username}']), 'kubernetes-admin', 'the requester is recorded');
    assert.match(s.k(['certificate', 'approve', 'jane']), /approved/);
    let cert = '';
    await until(() => {
      cert = s.kubectl(['get', 'csr', 'jane', '-o', 'jsonpath={.status.certificate}']).stdout;
      return cert !== '';
    }, 20_000);
    const pem = Buffer.from(cert, 'base64').toString();
    // spec.expirationSeconds is honoured (upstream: min of it and --cluster-signing-duration).
    const notAfter = Date.parse(execFileSync('openssl', ['x509', '-noout', '-enddate'], { input: pem }).toString().replace('notAfter=', '').trim());
    assert.ok(Math.abs(notAfter - (Date.now() + 3600_000)) < 120_000, `notAfter ${new Date(notAfter).toISOString()} is about an hour away`);
    const key = readFileSync(join(dir, 'jane.key'), 'utf8');
    const who = await call(s, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, cert: { cert: pem, key } });
    assert.equal(who.code, 201);
    assert.equal(who.json<{ status: { userInfo: { username: string; groups: string[] } } }>().status.userInfo.username, 'jane');
    const denied = await call(s, 'GET', '/api/v1/namespaces/default/pods', { cert: { cert: pem, key } });
    assert.equal(denied.code, 403);
    s.k(['create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane', '-n', 'default']);
    await until(() => true);
    let ok = 0;
    const deadline = Date.now() + 5000;
    while (ok !== 200 && Date.now() < deadline) {
      ok = (await call(s, 'GET', '/api/v1/namespaces/default/pods', { cert: { cert: pem, key } })).code;
      if (ok !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ok, 200, 'view allows listing pods');
    const write = await call(s, 'POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: 'x' } }, cert: { cert: pem, key } });
    assert.equal(write.code, 403, 'view does not allow writes');
  });
});
