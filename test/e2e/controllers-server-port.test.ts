// The controller manager inside `k8ts server` serves its secure port (--controller-manager-secure-port, upstream's
// 10257) like a standalone one: health for anyone, workqueue metrics for callers the API server authorises,
// with a serving certificate from the cluster CA.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
let s: K8tsServer;
before(async () => {
  s = await startServer(['--disable', 'scheduler,agent,proxy,dns', '--controller-manager-secure-port', String(PORT)]);
});
after(async () => {
  await s.stop();
});

/** GET on 127.0.0.1:PORT, verifying the server certificate against the cluster CA. */
function get(path: string, cert?: { cert: string; key: string }): Promise<{ code: number; body: string }> {
  const ca = readFileSync(join(s.dataDir, 'pki', 'ca.crt'));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, ca, servername: 'localhost', ...cert }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('k8ts server serves the controller manager’s /healthz, /readyz and /metrics on --controller-manager-secure-port', async () => {
  await waitUntil('the secure port served', () => s.log().includes(`controller-manager: serving securely on 127.0.0.1:${PORT}`), 60_000);
  assert.deepEqual(await get('/healthz'), { code: 200, body: 'ok' });
  let ready = '';
  await waitUntil('/readyz: controllers started', () => {
    void get('/readyz?verbose').then((r) => (ready = r.body));
    return /\[\+\]controllers ok/.test(ready) && /readyz check passed/.test(ready);
  }, 60_000);
  assert.match(ready, /\[\+\]leaderElection ok/);

  const anon = await get('/metrics');
  assert.equal(anon.code, 401, `anonymous callers get no metrics: ${anon.body}\n${s.log().split('\n').filter((l) => l.includes('controller-manager')).join('\n')}`);
  const pki = join(s.dataDir, 'pki');
  const admin = { cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8') };
  s.k(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
  let metrics = '';
  await waitUntil('deployment-controller work in the metrics', () => {
    void get('/metrics', admin).then((r) => (metrics = r.code === 200 ? r.body : ''));
    return /workqueue_adds_total\{name="deployment-controller"\} [1-9]/.test(metrics) && /workqueue_work_duration_seconds_count\{name="replicaset-controller"\} [1-9]/.test(metrics);
  }, 60_000);
  assert.match(metrics, /workqueue_depth\{name="garbage-collector-controller"\} \d+/);
});
