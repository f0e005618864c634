// kubectl logs (-f, --previous, --tail, --timestamps, --limit-bytes) through the API server's pods/log proxy to
// the kubelet API, on sim pods; exec on a sim pod fails readably; the sim runtime's graceful stop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { issueCertificate, kubeconfigYaml } from '../../src/pki/index.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

describe('kubectl logs and exec via the API server and the kubelet (sim pods)', () => {
  let s: K8tsServer;
  let node = '';
  const pod = (name: string, annotations: Record<string, string>, restartPolicy: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations },
      spec: { nodeName: node, restartPolicy, containers: [{ name: 'main', image: 'busybox' }, { name: 'side', image: 'busybox' }], ...extra },
    });
  const phase = (name: string) => s.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']).stdout;

  before(async () => {
    s = await startServer(['--runtime', 'sim', '--disable', 'scheduler,proxy,dns']);
    await waitUntil('the local node', () => (node = s.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']).stdout) !== '', 60_000);
  });
  after(async () => {
    await s?.stop();
  });

  test('kubectl logs prints the container log; --tail, --timestamps and --limit-bytes apply', async () => {
    s.k(['apply', '-f', '-'], pod('always', {}, 'Always'));
    await waitUntil('pod always Running', () => phase('always') === 'Running', 60_000);
    const out = s.k(['logs', 'always', '-c', 'main']);
    assert.equal(out, 'sim: container main started (image busybox, restart 0)\nsim: pod default/always\nsim: ready\n');
    assert.equal(s.k(['logs', 'always', '-c', 'side', '--tail=1']), 'sim: ready\n');
    assert.match(s.k(['logs', 'always', '-c', 'main', '--tail=1', '--timestamps']), /^\d{4}-\d\d-\d\dT[\d:.]+Z sim: ready\n$/);
    assert.equal(s.k(['logs', 'always', '-c', 'main', '--limit-bytes=10']), 'sim: conta');
    assert.equal(s.k(['logs', 'always', '-c', 'main', '--since=1h']).split('\n').length, 4);
  });

  test('errors: no container named, an unknown container, no previous instance, an unknown pod', () => {
    const none = s.kubectl(['logs', 'always', '-c', 'nope']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /container nope is not valid for pod always/);
    const prev = s.kubectl(['logs', 'always', '-c', 'main', '--previous']);
    assert.notEqual(prev.code, 0);
    assert.match(prev.stderr, /previous terminated container "main" in pod "always" not found/);
    const missing = s.kubectl(['logs', 'ghost']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /pods "ghost" not found/);
    const r = s.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/always/log']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /a container name must be specified for pod always, choose one of: \[main side\]/);
  });

  test('kubectl logs -f streams until the container exits', async () => {
    s.k(['apply', '-f', '-'], pod('job', { 'sim.k8ts.io/run-seconds': '4' }, 'Never'));
    await waitUntil('pod job Running', () => phase('job') === 'Running', 60_000);
    const child = spawn('kubectl', ['logs', '-f', 'job', '-c', 'main'], { env: { ...process.env, KUBECONFIG: s.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      await waitUntil('the start lines while the container runs', () => out.includes('sim: ready\n'), 30_000);
      assert.ok(!out.includes('exiting'), 'the exit line must not be there before the container exits');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      assert.equal(code, 0, out);
      assert.match(out, /sim: ready\nsim: container main exiting with code 0\n$/);
    } finally {
      child.kill();
    }
  });

  test('kubectl logs --previous shows the crashed instance (stderr line included)', async () => {
    s.k(['apply', '-f', '-'], pod('crash', { 'sim.k8ts.io/run-seconds': '1', 'sim.k8ts.io/exit-code': '3' }, 'Always'));
    await waitUntil('a restart of crash', () => Number(s.kubectl(['get', 'pod', 'crash', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}']).stdout || '0') >= 1, 90_000);
    const prev = s.k(['logs', 'crash', '-c', 'main', '--previous']);
    assert.equal(prev, 'sim: container main started (image busybox, restart 0)\nsim: pod default/crash\nsim: ready\nsim: container main failed with exit code 3\n');
    assert.match(s.k(['logs', 'crash', '-c', 'main']), /^sim: container main started \(image busybox, restart 1\)/);
  });

  test('exec on a sim pod fails with one readable line', () => {
    const r = s.kubectl(['exec', 'always', '-c', 'main', '--', 'ls']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /exec is not supported by the sim runtime/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test('exec is authorised by method as upstream 1.32: WebSocket GET needs get, the SPDY POST create; pods/log needs get', async () => {
    const ca = { certPem: readFileSync(join(s.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: readFileSync(join(s.dataDir, 'pki/ca.key'), 'utf8') };
    const certs = new Map<string, { cert: string; key: string }>();
    const kubeconfig = async (user: string) => {
      const leaf = await issueCertificate(ca, { commonName: user, usages: 'client' });
      certs.set(user, { cert: leaf.certPem, key: leaf.keyPem });
      const kc = join(s.dataDir, `${user}.kubeconfig`);
      writeFileSync(kc, kubeconfigYaml({ server: s.url, caPem: ca.certPem, clientCertPem: leaf.certPem, clientKeyPem: leaf.keyPem }), { mode: 0o600 });
      return kc;
    };
    /** The reply to kubectl's first request: a WebSocket v5 upgrade (GET). */
    const wsExec = (user: string) =>
      new Promise<{ code: number; body: string }>((resolve, reject) => {
        const c = certs.get(user)!;
        const ws = new WebSocket(`wss://127.0.0.1:${s.port}/api/v1/namespaces/default/pods/always/exec?command=ls&container=main&stdout=true`, ['v5.channel.k8s.io'], { ca: ca.certPem, cert: c.cert, key: c.key });
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => reject(new Error('a sim pod must not accept exec')));
        ws.on('error', () => undefined);
      });
    const kexec = (kc: string) => spawnSync('kubectl', ['--kubeconfig', kc, 'exec', 'always', '-c', 'main', '--', 'ls'], { encoding: 'utf8', env: { ...process.env, HOME: s.dataDir }, timeout: 60_000 }).stderr ?? '';
    s.k(['create', 'role', 'pod-reader', '--verb=get', '--resource=pods']);
    s.k(['create', 'role', 'exec-get', '--verb=get', '--resource=pods/exec']);
    s.k(['create', 'role', 'exec-create', '--verb=create', '--resource=pods/exec']);
    const [carol, , erin] = await Promise.all(['carol', 'dave', 'erin'].map(kubeconfig));
    for (const u of ['carol', 'dave', 'erin']) s.k(['create', 'rolebinding', `${u}-reader`, '--role=pod-reader', `--user=${u}`]);
    s.k(['create', 'rolebinding', 'dave-exec', '--role=exec-get', '--user=dave']);
    s.k(['create', 'rolebinding', 'erin-exec', '--role=exec-create', '--user=erin']);
    // neither: the WebSocket GET is refused, kubectl falls back to SPDY (POST), refused too
    const c = await wsExec('carol');
    assert.equal(c.code, 403);
    assert.match(c.body, /User \\"carol\\" cannot get resource \\"pods\/exec\\"/);
    assert.match(kexec(carol!), /pods "always" is forbidden: User "carol" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
    // get only: the WebSocket GET reaches the kubelet (which refuses a sim pod)
    let d = { code: 0, body: '' };
    await waitUntil('dave reaches the kubelet', () => {
      void wsExec('dave').then((r) => (d = r));
      return d.code === 400;
    }, 30_000);
    assert.match(d.body, /exec is not supported by the sim runtime/);
    // create only: the GET is refused, kubectl's SPDY fallback reaches the kubelet
    assert.equal((await wsExec('erin')).code, 403);
    await waitUntil('erin reaches the kubelet', () => /exec is not supported by the sim runtime/.test(kexec(erin!)), 30_000);
    assert.match(s.kubectl(['--kubeconfig', carol!, 'logs', 'always', '-c', 'main']).stderr, /User "carol" cannot get resource "pods\/log"/);
  });

  test('a pod annotated sim.k8ts.io/stop-seconds stays Running while it stops, then is deleted', async () => {
    s.k(['apply', '-f', '-'], pod('slow', { 'sim.k8ts.io/stop-seconds': '3' }, 'Always', { terminationGracePeriodSeconds: 30 }));
    await waitUntil('pod slow Running', () => phase('slow') === 'Running', 60_000);
    const t0 = Date.now();
    s.k(['delete', 'pod', 'slow', '--wait=false']);
    const ts = s.k(['get', 'pod', 'slow', '-o', 'jsonpath={.metadata.deletionTimestamp} {.status.phase}']);
    assert.match(ts, /^\S+Z Running$/);
    await waitUntil('pod slow gone', () => s.kubectl(['get', 'pod', 'slow']).code !== 0, 60_000);
    assert.ok(Date.now() - t0 >= 2500, `deleted after ${Date.now() - t0} ms, before its 3 s stop time`);
    // grace 0 wins over the annotation
    s.k(['apply', '-f', '-'], pod('slow2', { 'sim.k8ts.io/stop-seconds': '30' }, 'Always', { terminationGracePeriodSeconds: 1 }));
    await waitUntil('pod slow2 Running', () => phase('slow2') === 'Running', 60_000);
    const t1 = Date.now();
    s.k(['delete', 'pod', 'slow2', '--wait=false']);
    await waitUntil('pod slow2 gone', () => s.kubectl(['get', 'pod', 'slow2']).code !== 0, 60_000);
    assert.ok(Date.now() - t1 < 20_000, 'the grace period caps the stop time');
  });
});
