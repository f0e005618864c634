// `k8ts server` as a process: first start writes PKI and kubeconfig, restart reuses them and the data, bad flags fail cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ONLY, startServer } from '../support/k8ts-server.js';
import { watchLines } from '../support/https.js';

const root = new URL('../../', import.meta.url).pathname;
const k8ts = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { encoding: 'utf8', cwd: root, timeout: 30_000 });

test('first start writes kubeadm-named PKI and a 0600 kubeconfig; a restart reuses them and keeps the data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-life-'));
  try {
    const s1 = await startServer(API_ONLY, { dataDir: dir, keepDir: true });
    for (const f of ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key', 'sa.key', 'sa.pub', 'admin.crt', 'admin.key']) {
      statSync(join(dir, 'pki', f));
    }
    for (const f of ['ca.key', 'apiserver.key', 'sa.key', 'admin.key']) assert.equal(statSync(join(dir, 'pki', f)).mode & 0o777, 0o600, f);
    assert.equal(statSync(join(dir, 'kubeconfig.yaml')).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const sans = spawnSync('openssl', ['x509', '-in', join(dir, 'pki/apiserver.crt'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }).stdout;
    for (const n of ['DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:10.43.0.1']) {
      assert.ok(sans.includes(n), `SAN ${n} in ${sans}`);
    }
    s1.k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\ndata: {a: "1"}\n');
    const ca = readFileSync(join(dir, 'pki/ca.crt'), 'utf8');
    const t0 = Date.now();
    await s1.stop();
    assert.equal(s1.proc.exitCode, 0, 'SIGTERM shuts down cleanly');
    assert.ok(Date.now() - t0 < 5000);
    const s2 = await startServer(API_ONLY, { dataDir: dir, keepDir: true });
    try {
      assert.equal(readFileSync(join(dir, 'pki/ca.crt'), 'utf8'), ca);
      assert.equal(s2.k(['get', 'cm', 'keep', '-o', 'jsonpath={.data.a}']), '1');
      // The new watch cache starts at the restart's revision: older versions are 410 Expired.
      const old = watchLines(s2, '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1');
      await old.ended;
      const ev = JSON.parse(old.lines[0]!) as { type: string; object: { code: number; reason: string } };
      assert.equal(ev.type, 'ERROR');
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, 'Expired');
    } finally {
      await s2.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad flag exits non-zero with one readable line', () => {
  const r = k8ts(['server', '--no-such-flag']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^k8ts: .*no-such-flag/);
  const bad = k8ts(['server', '--https-listen-port', 'abc']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--https-listen-port abc/);
});

test('a corrupt SQLite datastore is named in the error and never re-created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-corrupt-'));
  try {
    mkdirSync(join(dir, 'db'), { recursive: true });
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(join(dir, 'db/state.db'), garbage);
    const r = k8ts(['server', '--data-dir', dir, '--https-listen-port', '0']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(join(dir, 'db/state.db').replaceAll('/', '\\/')));
    assert.deepEqual(readFileSync(join(dir, 'db/state.db')), garbage);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('k8ts version prints the version', () => {
  const r = k8ts(['version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /v1\.32\.\d+\+k8ts/);
});
