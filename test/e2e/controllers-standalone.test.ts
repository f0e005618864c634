// `k8ts controller-manager` as its own process against `k8ts server --disable controllers`: leader Lease, --controllers filtering.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { startControllerManager, type ControllerManagerProcess } from '../support/controller-manager.js';

let s: K8tsServer;
let cm: ControllerManagerProcess;
before(async () => {
  s = await startServer(['--disable', 'controllers,scheduler,agent']);
  cm = startControllerManager(s, ['--controllers', '*,-job', '--secure-port', '0', '--bind-address', '127.0.0.1']);
});
after(async () => {
  await cm.stop();
  await s.stop();
});

const until = (what: string, fn: () => boolean, ms = 30_000) => cm.until(what, fn, ms);

test('a standalone controller manager leads through its Lease and runs only the enabled controllers', async () => {
  await until('lease', () => s.kubectl(['get', 'lease', 'kube-controller-manager', '-n', 'kube-system']).code === 0);
  const lease = JSON.parse(s.k(['get', 'lease', 'kube-controller-manager', '-n', 'kube-system', '-o', 'json'])) as { spec: { holderIdentity: string } };
  assert.ok(lease.spec.holderIdentity);
  s.k(['create', 'deployment', 'x', '--image=nginx', '--replicas=2']);
  await until('2 pods', () => s.k(['get', 'pods', '-l', 'app=x', '-o', 'name']).trim().split('\n').filter(Boolean).length === 2);
  s.k(['create', 'job', 'j', '--image=busybox']);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(s.k(['get', 'pods', '-l', 'job-name=j', '-o', 'name']).trim(), '', 'the job controller is disabled');
});

/** GET on the controller manager's secure port (self-signed: not verified), with a client certificate or a token. */
function get(port: number, path: string, auth: { cert?: string; key?: string; token?: string } = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, cert: auth.cert, key: auth.key, headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the secure port serves /healthz, /livez, /readyz to anyone and workqueue /metrics to authorised callers only', async () => {
  const port = await cm.securePort();
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await get(port, p);
    assert.deepEqual([r.code, r.body], [200, 'ok'], p);
  }
  const verbose = await get(port, '/readyz?verbose');
  assert.match(verbose.body, /\[\+\]leaderElection ok/);
  assert.match(verbose.body, /\[\+\]controllers ok/);
  assert.equal((await get(port, '/metrics')).code, 401, 'anonymous');
  const pki = join(s.dataDir, 'pki');
  const admin = { cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8') };
  const m = await get(port, '/metrics', admin);
  assert.equal(m.code, 200);
  assert.match(m.body, /workqueue_adds_total\{name="deployment-controller"\} [1-9]/);
  assert.match(m.body, /workqueue_depth\{name="replicaset-controller"\} \d+/);
  assert.match(m.body, /workqueue_work_duration_seconds_count\{name="deployment-controller"\} [1-9]/);
  // A ServiceAccount token: refused until bound to system:monitoring (get /metrics), then allowed.
  s.k(['create', 'serviceaccount', 'prom']);
  const token = s.k(['create', 'token', 'prom']).trim();
  assert.equal((await get(port, '/metrics', { token })).code, 403);
  assert.equal((await get(port, '/metrics', { token: 'not-a-token' })).code, 401);
  s.k(['create', 'clusterrolebinding', 'prom-monitoring', '--clusterrole=system:monitoring', '--serviceaccount=default:prom']);
  await until('metrics allowed for the bound token', () => {
    void get(port, '/metrics', { token }).then((r) => (allowed = r.code === 200));
    return allowed;
  });
});
let allowed = false;
