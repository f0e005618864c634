// A running agent rotates its kubelet client certificate before it expires and keeps working without a restart.
// The test plays an external signer for kubernetes.io/kube-apiserver-client-kubelet (the built-in one issues
// year-long certificates): it approves each node CSR and signs it with the cluster CA for 12 seconds (openssl ca).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, isNotFound } from '../../src/client/index.js';
import type { KObject } from '../../src/api/index.js';
import { createCsr, RotatingTransport, runNodeClientRotation, CLIENT_KUBELET_SIGNER, type NodeCredentials } from '../../src/kubelet/index.js';
import { parseCertificate, readKubeconfig } from '../../src/pki/index.js';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { skipUnlessBinary } from '../support/require.js';

const TTL_SECONDS = 12;
const CSRS = 'certificatesigningrequests.certificates.k8s.io';

let s: K8tsServer;
let work: string;
let admin: Client;

before(async () => {
  s = await startServer(API_ONLY);
  work = mkdtempSync(join(tmpdir(), 'k8ts-rotation-'));
  const k = await readKubeconfig(s.kubeconfig);
  admin = new Client({ ...k, qps: -1 });
});
after(async () => {
  await admin?.close();
  await s?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');

/** Signs a CSR with the cluster CA, valid from 2 s ago for TTL_SECONDS (openssl ca sets exact dates). */
function sign(csrPem: string): string {
  const ca = join(work, 'ca');
  rmSync(ca, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', ca]);
  writeFileSync(join(ca, 'index.txt'), '');
  writeFileSync(join(ca, 'serial'), `${(Date.now() % 1_000_000).toString(16).padStart(6, '0')}\n`);
  writeFileSync(join(ca, 'req.csr'), csrPem);
  writeFileSync(
    join(ca, 'ca.cnf'),
    [
      '[ ca ]', 'default_ca = signer', '[ signer ]', `database = ${ca}/index.txt`, `new_certs_dir = ${ca}`, `serial = ${ca}/serial`, 'default_md = sha256',
      'policy = anything', 'unique_subject = no', 'x509_extensions = leaf', 'copy_extensions = none',
      '[ anything ]', 'organizationName = optional', 'commonName = supplied',
      '[ leaf ]', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = clientAuth', 'basicConstraints = critical, CA:FALSE', '',
    ].join('\n'),
  );
  const now = Date.now();
  execFileSync('openssl', ['ca', '-batch', '-config', join(ca, 'ca.cnf'), '-in', join(ca, 'req.csr'), '-cert', join(s.dataDir, 'pki/ca.crt'), '-keyfile', join(s.dataDir, 'pki/ca.key'),
    '-startdate', stamp(now - 2000), '-enddate', stamp(now + TTL_SECONDS * 1000), '-preserveDN', '-notext', '-out', join(ca, 'out.crt')], { stdio: 'ignore' });
  return readFileSync(join(ca, 'out.crt'), 'utf8');
}

/** Approves and signs every pending kubelet client CSR until stopped; returns the names it signed. */
function runSigner(signal: AbortSignal): { signed: string[]; done: Promise<void> } {
  const signed: string[] = [];
  const csrs = admin.resource(CSRS);
  const done = (async () => {
    while (!signal.aborted) {
      for (const csr of (await csrs.list()).items) {
        const spec = csr.spec as { signerName?: string; request?: string };
        const status = (csr.status ?? {}) as { certificate?: string; conditions?: unknown[] };
        if (spec.signerName !== CLIENT_KUBELET_SIGNER || status.certificate || signed.includes(csr.metadata.name!)) continue;
        const name = csr.metadata.name!;
        try {
          const approved = { ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'TestSigner', message: 'approved by the test' }] } } as KObject;
          const approvedCsr = await admin.request<KObject>('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`, { body: approved });
          const cert = sign(Buffer.from(spec.request ?? '', 'base64').toString('utf8'));
          await admin.request('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/status`, { body: { ...approvedCsr, status: { ...(approvedCsr.status as object), certificate: Buffer.from(cert).toString('base64') } } });
          signed.push(name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return { signed, done };
}

async function whoami(c: Client): Promise<string> {
  const r = await c.request<{ status?: { userInfo?: { username?: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return r.status?.userInfo?.username ?? '';
}

test('the agent client rotates its certificate at ~80% of its life and keeps being served past the first expiry', { skip: skipUnlessBinary('openssl', 'openssl') }, async () => {
  const node = `rot-${process.pid}`;
  const caPem = readFileSync(join(s.dataDir, 'pki/ca.crt'), 'utf8');
  const dir = join(work, 'agent');
  const first = createCsr({ commonName: `system:node:${node}`, organizations: ['system:nodes'] });
  const current: NodeCredentials = { server: s.url, caPem, certPem: sign(first.csrPem), keyPem: first.keyPem, kubeconfigPath: join(dir, 'kubelet.kubeconfig'), source: 'bootstrapped' };
  const firstExpiry = parseCertificate(current.certPem).notAfter.getTime();

  const stop = new AbortController();
  const signer = runSigner(stop.signal);
  const transport = new RotatingTransport({ server: s.url, caPem, certPem: current.certPem, keyPem: current.keyPem }, 3000);
  const client = new Client({ server: s.url, caPem, transport, qps: -1 });
  const rotated: NodeCredentials[] = [];
  const rotatedAt: number[] = [];
  const logs: string[] = [];
  const rotation = runNodeClientRotation({
    server: s.url, caPem, nodeName: node, dir, log: (m) => logs.push(m), current, transport, signal: stop.signal,
    fraction: () => 0.8, onRotated: (c) => { rotated.push(c); rotatedAt.push(Date.now()); },
  });
  const failures: string[] = [];
  let calls = 0;
  try {
    assert.equal(await whoami(client), `system:node:${node}`);
    // Keep using the one client, as the agent does, through two rotations and well past the first certificate's expiry.
    const deadline = Date.now() + 60_000;
    while (!(rotated.length >= 2 && Date.now() > firstExpiry + 3000)) {
      assert.ok(Date.now() < deadline, `timed out waiting for two rotations (${rotated.length} so far):\n${logs.join('\n')}`);
      calls++;
      await whoami(client).then((u) => u === `system:node:${node}` || failures.push(`whoami: ${u}`), (e: unknown) => failures.push(String(e)));
      await new Promise((r) => setTimeout(r, 300));
    }
    // A connection the same client opens now (the first certificate has expired) authenticates with the current one.
    await transport.close();
    assert.equal(await whoami(client), `system:node:${node}`);
  } finally {
    stop.abort();
    await rotation;
    await signer.done.catch(() => undefined);
    await client.close();
  }
  assert.deepEqual(failures, [], `requests after the rotations failed (${calls} made)`);

  // Each rotation was a CSR made by the node itself with its current certificate (a selfnodeclient renewal).
  const csrs = (await admin.resource(CSRS).list()).items.filter((c) => signer.signed.includes(c.metadata.name!));
  assert.ok(csrs.length >= 2);
  for (const c of csrs) assert.equal((c.spec as { username?: string }).username, `system:node:${node}`);
  // Each certificate was replaced before it expired, not before ~80% of its life (70% allowing for the signer's latency).
  [current, ...rotated].slice(0, rotatedAt.length).forEach((c, i) => {
    const { notBefore, notAfter } = parseCertificate(c.certPem);
    const at = rotatedAt[i]!;
    assert.ok(at < notAfter.getTime(), `rotation ${i + 1} after expiry`);
    assert.ok(at >= notBefore.getTime() + 0.7 * (notAfter.getTime() - notBefore.getTime()), `rotation ${i + 1} too early`);
  });
  const latest = rotated.at(-1)!;
  assert.ok(parseCertificate(latest.certPem).notAfter.getTime() > Date.now(), 'the certificate in use is valid');
  // The old certificate is refused now; the one on disk (kubelet.kubeconfig) is the latest and works on a new connection.
  const old = new Client({ server: s.url, caPem, certPem: current.certPem, keyPem: current.keyPem, qps: -1, maxRetries: 0 });
  await assert.rejects(whoami(old), (e: Error & { code?: number }) => e.code === 401);
  await old.close();
  const onDisk = await readKubeconfig(join(dir, 'kubelet.kubeconfig'));
  assert.equal(onDisk.clientCertPem, latest.certPem);
  const fresh = new Client({ ...onDisk, qps: -1 });
  assert.equal(await whoami(fresh), `system:node:${node}`);
  await fresh.close();
});
