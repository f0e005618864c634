// Tests for kubeconfig output: kubectl reads what we write, and readKubeconfig reads it back.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ensurePki, kubeconfigYaml, readKubeconfig, writeKubeconfig, type Pki } from './index.js';

const CI = process.env['CI'] === 'true';
const KUBECTL = '/usr/bin/kubectl';
const HAVE_KUBECTL = spawnSync(KUBECTL, ['version', '--client']).status === 0;
/** Without kubectl the test skips, except in CI, where a missing real dependency fails. */
const needKubectl = { skip: !HAVE_KUBECTL && !CI ? 'kubectl not installed' : false };

function kubectl(...args: string[]): string {
  assert.ok(HAVE_KUBECTL, 'kubectl is required (CI=true)');
  const r = spawnSync(KUBECTL, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const root = mkdtempSync(join(tmpdir(), 'k8ts-kubeconfig-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('kubeconfig', () => {
  let pki: Pki;
  const server = 'https://127.0.0.1:6443';

  before(async () => {
    pki = await ensurePki(join(root, 'pki'), { hostIps: [] });
  });

  test('kubectl reads the server and credentials; the file is 0600 in a new directory', needKubectl, async () => {
    const path = join(root, 'new', 'dir', 'kubeconfig.yaml');
    const text = kubeconfigYaml({
      server,
      caPem: pki.ca.certPem,
      clientCertPem: pki.admin.certPem,
      clientKeyPem: pki.admin.keyPem,
    });
    await writeKubeconfig(path, text);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const view = (jsonpath: string) => kubectl('config', 'view', '--kubeconfig', path, '--raw', '-o', `jsonpath=${jsonpath}`);
    assert.equal(view('{.clusters[0].cluster.server}'), server);
    assert.equal(view('{.current-context}'), 'default');
    const b64 = (p: string) => Buffer.from(view(p), 'base64').toString('utf8');
    assert.equal(b64('{.clusters[0].cluster.certificate-authority-data}'), pki.ca.certPem);
    assert.equal(b64('{.users[0].user.client-certificate-data}'), pki.admin.certPem);
    assert.equal(b64('{.users[0].user.client-key-data}'), pki.admin.keyPem);
    assert.equal(kubectl('config', 'current-context', '--kubeconfig', path).trim(), 'default');
  });

  test('kubectl connects with it: Go verifies the serving cert by IP and presents the admin cert', needKubectl, async () => {
    assert.ok(HAVE_KUBECTL, 'kubectl is required (CI=true)');
    const srv = createServer(
      { key: pki.apiserver.keyPem, cert: pki.apiserver.certPem, ca: pki.ca.certPem, requestCert: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.end(`ok ${String(peer.subject?.CN)} ${String(peer.subject?.O)}`);
      },
    );
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = srv.address() as AddressInfo;
      const path = join(root, 'live.yaml');
      await writeKubeconfig(
        path,
        kubeconfigYaml({
          server: `https://127.0.0.1:${port}`,
          caPem: pki.ca.certPem,
          clientCertPem: pki.admin.certPem,
          clientKeyPem: pki.admin.keyPem,
        }),
      );
      // Asynchronous: the server answering lives in this process.
      const { stdout } = await promisify(execFile)(KUBECTL, ['--kubeconfig', path, 'get', '--raw', '/healthz']);
      assert.equal(stdout, 'ok kubernetes-admin system:masters');
    } finally {
      srv.close();
    }
  });

  test('readKubeconfig round-trips certificates and tokens, with custom names', async () => {
    const path = join(root, 'rt.yaml');
    await writeKubeconfig(
      path,
      kubeconfigYaml({
        server,
        caPem: pki.ca.certPem,
        clusterName: 'k8ts',
        userName: 'system:kube-scheduler',
        contextName: 'sched@k8ts',
        clientCertPem: pki.apiserverKubeletClient.certPem,
        clientKeyPem: pki.apiserverKubeletClient.keyPem,
      }),
    );
    assert.deepEqual(await readKubeconfig(path), {
      server,
      caPem: pki.ca.certPem,
      clientCertPem: pki.apiserverKubeletClient.certPem,
      clientKeyPem: pki.apiserverKubeletClient.keyPem,
      clusterName: 'k8ts',
      userName: 'system:kube-scheduler',
      contextName: 'sched@k8ts',
    });
    const tokenPath = join(root, 'token.yaml');
    await writeKubeconfig(tokenPath, kubeconfigYaml({ server, caPem: pki.ca.certPem, token: 'abcdef.0123456789abcdef' }));
    const creds = await readKubeconfig(tokenPath);
    assert.equal(creds.token, 'abcdef.0123456789abcdef');
    assert.equal(creds.clientCertPem, undefined);
  });

  test('readKubeconfig follows file references relative to the kubeconfig, and picks a context', async () => {
    const dir = join(root, 'refs');
    mkdirSync(join(dir, 'certs'), { recursive: true });
    writeFileSync(join(dir, 'certs', 'ca.crt'), pki.ca.certPem);
    writeFileSync(join(dir, 'certs', 'admin.crt'), pki.admin.certPem);
    writeFileSync(join(dir, 'certs', 'admin.key'), pki.admin.keyPem);
    writeFileSync(join(dir, 'token'), 'tok-from-file\n');
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c1',
      '  cluster: {server: "https://10.0.0.1:6443", certificate-authority: certs/ca.crt}',
      'users:',
      '- name: u1',
      '  user: {client-certificate: certs/admin.crt, client-key: certs/admin.key}',
      '- name: u2',
      '  user: {tokenFile: token}',
      'contexts:',
      '- {name: a, context: {cluster: c1, user: u1}}',
      '- {name: b, context: {cluster: c1, user: u2}}',
      'current-context: a',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'config'), yaml);
    const a = await readKubeconfig(join(dir, 'config'));
    assert.equal(a.server, 'https://10.0.0.1:6443');
    assert.equal(a.caPem, pki.ca.certPem);
    assert.equal(a.clientKeyPem, pki.admin.keyPem);
    const b = await readKubeconfig(join(dir, 'config'), { context: 'b' });
    assert.equal(b.token, 'tok-from-file');
    await assert.rejects(readKubeconfig(join(dir, 'config'), { context: 'zzz' }), /no context named "zzz"/);
  });

  test('readKubeconfig errors name the file', async () => {
    const path = join(root, 'bad.yaml');
    writeFileSync(path, 'apiVersion: v1\nkind: Config\nclusters: []\n');
    await assert.rejects(readKubeconfig(path), new RegExp(`${path}: no current-context`));
    await assert.rejects(readKubeconfig(join(root, 'absent.yaml')), /absent\.yaml: cannot read/);
    writeFileSync(path, 'a: [\n');
    await assert.rejects(readKubeconfig(path), /bad\.yaml: not valid YAML/);
  });

  test('kubeconfigYaml refuses half a client credential', () => {
    assert.throws(() => kubeconfigYaml({ server, caPem: 'x', clientCertPem: 'c' }), /go together/);
  });
});
