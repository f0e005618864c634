// Bad input and unauthenticated access against a real `k8ts server`, over HTTPS with the written PKI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, type Reply } from '../support/https.js';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { issueCertificate, createCertificateAuthority } from '../../src/pki/index.js';

function status(r: Reply): { reason?: string; message?: string; code?: number; kind?: string } {
  return JSON.parse(r.body) as { reason?: string; message?: string; code?: number; kind?: string };
}

describe('API errors and access', () => {
  let s: K8tsServer;
  before(async () => {
    s = await startServer(API_ONLY);
  });
  after(async () => {
    await s?.stop();
  });

  const cm = '/api/v1/namespaces/default/configmaps';

  test('malformed JSON is a 400 BadRequest Status', async () => {
    const r = await call(s, 'POST', cm, { body: '{"metadata": ', type: 'application/json' });
    assert.equal(r.code, 400);
    assert.equal(status(r).reason, 'BadRequest');
    assert.equal(status(r).kind, 'Status');
  });

  test('malformed YAML is a 400', async () => {
    const r = await call(s, 'POST', cm, { body: 'metadata: [unclosed', type: 'application/yaml' });
    assert.equal(r.code, 400);
  });

  test('a body of the wrong kind for the URL is a 400', async () => {
    const r = await call(s, 'POST', cm, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), type: 'application/json' });
    assert.equal(r.code, 400);
    assert.match(status(r).message!, /does not match the expected kind \(ConfigMap\)/);
  });

  test('an unknown resource is a 404', async () => {
    const r = await call(s, 'GET', '/api/v1/namespaces/default/widgets');
    assert.equal(r.code, 404);
    assert.equal(status(r).reason, 'NotFound');
  });

  test('an unsupported media type is a 415', async () => {
    const r = await call(s, 'POST', cm, { body: 'x', type: 'text/csv' });
    assert.equal(r.code, 415);
    assert.equal(status(r).reason, 'UnsupportedMediaType');
  });

  test('a wrong method is a 405', async () => {
    const r = await call(s, 'POST', `${cm}/some-name`, { body: '{}', type: 'application/json' });
    assert.equal(r.code, 405);
    assert.equal(status(r).reason, 'MethodNotAllowed');
  });

  test('a body over 3 MiB is a 413', async () => {
    const r = await call(s, 'POST', cm, { body: Buffer.alloc(3 * 1024 * 1024 + 10, 0x20), type: 'application/json' });
    assert.equal(r.code, 413);
  });

  test('deeply nested JSON is a 400, and the server keeps serving', async () => {
    const deep = '{"metadata":{"name":"deep"},"data":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    const r = await call(s, 'POST', cm, { body: deep, type: 'application/json' });
    assert.equal(r.code, 400);
    const ok = await call(s, 'GET', '/readyz', { cert: null });
    assert.equal(ok.code, 200);
    assert.equal(ok.body, 'ok');
  });

  test('a value over the store limit is refused with 413, nothing is stored', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { k: 'x'.repeat(2 * 1024 * 1024) } });
    const r = await call(s, 'POST', cm, { body: big, type: 'application/json' });
    assert.equal(r.code, 413);
    assert.equal((await call(s, 'GET', `${cm}/huge`)).code, 404);
  });

  test('anonymous requests may read only /version and the health endpoints', async () => {
    for (const p of ['/version', '/healthz', '/livez', '/readyz']) assert.equal((await call(s, 'GET', p, { cert: null })).code, 200, p);
    const api = await call(s, 'GET', '/api/v1/namespaces/default/secrets', { cert: null });
    assert.equal(api.code, 403);
    assert.match(status(api).message!, /User "system:anonymous" cannot list resource "secrets" in API group "" in the namespace "default"/);
    assert.equal((await call(s, 'GET', '/api', { cert: null })).code, 403);
  });

  test('a client certificate from a foreign CA is 401', async () => {
    const foreign = await createCertificateAuthority({ commonName: 'evil-ca' });
    const leaf = await issueCertificate(foreign, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usages: 'client' });
    const r = await call(s, 'GET', '/api/v1/namespaces', { cert: { cert: leaf.certPem, key: leaf.keyPem } });
    assert.equal(r.code, 401);
    assert.equal(status(r).reason, 'Unauthorized');
  });

  test('a user outside system:masters is forbidden with the upstream message', async () => {
    const ca = { certPem: readFileSync(join(s.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: readFileSync(join(s.dataDir, 'pki/ca.key'), 'utf8') };
    const alice = await issueCertificate(ca, { commonName: 'alice', organizations: ['dev'], usages: 'client' });
    const r = await call(s, 'GET', '/api/v1/namespaces/default/pods', { cert: { cert: alice.certPem, key: alice.keyPem } });
    assert.equal(r.code, 403);
    assert.equal(status(r).message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  test('metrics count requests by verb, resource and code', async () => {
    const r = await call(s, 'GET', '/metrics');
    assert.equal(r.code, 200);
    assert.match(r.body, /apiserver_request_total\{verb="POST",group="",version="v1",resource="configmaps",subresource="",code="400"\} \d+/);
  });

  test('readyz?verbose lists checks; /openapi/v2 is 404', async () => {
    const r = await call(s, 'GET', '/readyz?verbose', { cert: null });
    assert.match(r.body, /readyz check passed/);
    assert.equal((await call(s, 'GET', '/openapi/v2')).code, 404);
  });
});
