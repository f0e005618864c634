// The kubelet API (src/kubelet/server) of a live `k8ts server`'s own node: no anonymous access, no foreign CA,
// SubjectAccessReview on nodes/<subresource>, and its endpoints (/pods, /healthz, /metrics, /stats/summary, /containerLogs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/index.js';

interface Reply {
  code: number;
  body: string;
}
type Cert = { cert: string; key: string } | null;

describe('kubelet API: authentication, authorisation and endpoints', () => {
  let s: K8tsServer;
  let ca: { certPem: string; keyPem: string };
  let admin: { cert: string; key: string };
  let node = '';
  let host = '';
  let port = 0;

  function kubelet(path: string, o: { cert?: Cert; token?: string; method?: string } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const cert = o.cert === undefined ? admin : o.cert;
      const req = https.request(
        { host, port, path, method: o.method ?? 'GET', ca: ca.certPem, cert: cert?.cert, key: cert?.key, checkServerIdentity: () => undefined, agent: false, headers: o.token ? { authorization: `Bearer ${o.token}` } : {} },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
  const user = async (cn: string, groups: string[] = [], from = ca) => {
    const c = await issueCertificate(from, { commonName: cn, organizations: groups, usages: 'client' });
    return { cert: c.certPem, key: c.keyPem };
  };

  before(async () => {
    s = await startServer(['--runtime', 'sim', '--disable', 'scheduler,proxy,dns']);
    ca = { certPem: readFileSync(join(s.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: readFileSync(join(s.dataDir, 'pki/ca.key'), 'utf8') };
    admin = { cert: readFileSync(join(s.dataDir, 'pki/admin.crt'), 'utf8'), key: readFileSync(join(s.dataDir, 'pki/admin.key'), 'utf8') };
    let nodeJson: { metadata: { name: string }; status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } } | undefined;
    await waitUntil('the local node to register', () => {
      const r = s.kubectl(['get', 'nodes', '-o', 'json']);
      if (r.code !== 0) return false;
      nodeJson = (JSON.parse(r.stdout) as { items: NonNullable<typeof nodeJson>[] }).items[0];
      return !!nodeJson?.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    }, 60_000);
    node = nodeJson!.metadata.name;
    host = nodeJson!.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    port = nodeJson!.status!.daemonEndpoints!.kubeletEndpoint!.Port!;
    s.k(['run', 'web', '--image=busybox', `--overrides={"spec":{"nodeName":"${node}"}}`]);
    await waitUntil('pod web Running', () => s.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}']).stdout === 'Running', 60_000);
  });
  after(async () => {
    await s?.stop();
  });

  test('the Node reports the kubelet port and the kubelet answers there', async () => {
    assert.ok(port > 0);
    const r = await kubelet('/healthz');
    assert.equal(r.code, 200);
    assert.equal(r.body, 'ok');
  });

  test('anonymous requests are 401 on every path', async () => {
    for (const p of ['/pods', '/healthz', '/metrics', '/stats/summary', '/containerLogs/default/web/web']) {
      const r = await kubelet(p, { cert: null });
      assert.equal(r.code, 401, p);
      assert.equal(r.body, 'Unauthorized');
    }
  });

  test('a certificate from a foreign CA is refused (401), an invalid token too', async () => {
    const evil = await createCertificateAuthority({ commonName: 'evil-ca' });
    const r = await kubelet('/pods', { cert: await user('admin', ['system:masters'], evil) });
    assert.equal(r.code, 401);
    assert.equal((await kubelet('/pods', { cert: null, token: 'not.a.token' })).code, 401);
  });

  test('a user without nodes/proxy is 403 with upstream wording; bound to system:kubelet-api-admin, 200', async () => {
    const alice = await user('alice');
    const r = await kubelet('/pods', { cert: alice });
    assert.equal(r.code, 403);
    assert.equal(r.body, 'Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)');
    const m = await kubelet('/metrics', { cert: alice });
    assert.equal(m.body, 'Forbidden (user=alice, verb=get, resource=nodes, subresource=metrics)');
    s.k(['create', 'clusterrolebinding', 'alice-kubelet', '--clusterrole=system:kubelet-api-admin', '--user=alice']);
    let last: Reply = r;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (last = await kubelet('/pods', { cert: alice })).code !== 200) await new Promise((x) => setTimeout(x, 300));
    assert.equal(last.code, 200);
    const list = JSON.parse(last.body) as { kind: string; items: Array<{ metadata: { name: string } }> };
    assert.equal(list.kind, 'PodList');
    assert.ok(list.items.some((p) => p.metadata.name === 'web'));
  });

  test('a ServiceAccount token is reviewed (TokenReview) and authorised (SubjectAccessReview)', async () => {
    s.k(['create', 'serviceaccount', 'scraper']);
    const token = s.k(['create', 'token', 'scraper']).trim();
    const denied = await kubelet('/stats/summary', { cert: null, token });
    assert.equal(denied.code, 403);
    assert.equal(denied.body, 'Forbidden (user=system:serviceaccount:default:scraper, verb=get, resource=nodes, subresource=stats)');
    s.k(['create', 'clusterrole', 'node-stats', '--verb=get', '--resource=nodes/stats']);
    s.k(['create', 'clusterrolebinding', 'scraper-stats', '--clusterrole=node-stats', '--serviceaccount=default:scraper']);
    let last: Reply = denied;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (last = await kubelet('/stats/summary', { cert: null, token })).code !== 200) await new Promise((x) => setTimeout(x, 300));
    assert.equal(last.code, 200);
    const summary = JSON.parse(last.body) as { node: { nodeName: string }; pods: Array<{ podRef: { name: string } }> };
    assert.equal(summary.node.nodeName, node);
    assert.ok(summary.pods.some((p) => p.podRef.name === 'web'));
    // stats is not proxy: the same token still cannot list pods
    assert.equal((await kubelet('/pods', { cert: null, token })).code, 403);
  });

  test('/metrics is Prometheus text; /containerLogs serves the sim container log; bad paths are 404', async () => {
    const m = await kubelet('/metrics');
    assert.equal(m.code, 200);
    assert.match(m.body, /^kubelet_http_requests_total\{/m);
    const l = await kubelet('/containerLogs/default/web/web');
    assert.equal(l.code, 200);
    assert.match(l.body, /^sim: container web started \(image busybox, restart 0\)$/m);
    const t = await kubelet('/containerLogs/default/web/web?timestamps=true&tailLines=1');
    assert.match(t.body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z sim: ready\n$/);
    assert.equal((await kubelet('/containerLogs/default/web/nope')).code, 400);
    assert.equal((await kubelet('/containerLogs/default/nope/web')).code, 404);
    assert.equal((await kubelet('/nothing')).code, 404);
    const e = await kubelet('/exec/default/web/web?command=ls&stdout=true', { method: 'POST' });
    assert.equal(e.code, 400);
    assert.equal(e.body, 'Upgrade request required');
  });

  test('nodes/proxy reaches the kubelet through the API server (kubectl get --raw)', () => {
    assert.equal(s.k(['get', '--raw', `/api/v1/nodes/${node}/proxy/healthz`]), 'ok');
    const summary = JSON.parse(s.k(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`])) as { node: { nodeName: string } };
    assert.equal(summary.node.nodeName, node);
    const pods = JSON.parse(s.k(['get', '--raw', `/api/v1/nodes/${node}/proxy/pods`])) as { items: Array<{ metadata: { name: string } }> };
    assert.ok(pods.items.some((p) => p.metadata.name === 'web'));
    const missing = s.kubectl(['get', '--raw', '/api/v1/nodes/no-such-node/proxy/healthz']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nodes "no-such-node" not found/);
  });
});
