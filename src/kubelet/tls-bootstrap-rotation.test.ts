// When the kubelet client certificate is rotated (the rotation itself runs against a live server in
// test/e2e/agent-cert-rotation.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificateAuthority, issueCertificate, parseCertificate } from '../pki/index.js';
import { jitteredFraction, rotationDeadline, RotatingTransport, runNodeClientRotation } from './tls-bootstrap-rotation.js';
import type { NodeCredentials } from './tls-bootstrap.js';

async function nodeCert(days: number): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const ca = await createCertificateAuthority();
  const leaf = await issueCertificate(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usages: 'client', days });
  return { caPem: ca.certPem, ...leaf };
}

test('the deadline is notBefore + fraction × lifetime', async () => {
  const { certPem } = await nodeCert(10);
  const c = parseCertificate(certPem);
  const life = c.notAfter.getTime() - c.notBefore.getTime();
  assert.equal(rotationDeadline(certPem, 0.8), c.notBefore.getTime() + 0.8 * life);
  assert.equal(rotationDeadline(certPem, 0), c.notBefore.getTime());
});

test('the jittered fraction stays within 70–90 % (upstream jitteryDuration)', () => {
  for (let i = 0; i < 1000; i++) {
    const f = jitteredFraction();
    assert.ok(f >= 0.7 && f <= 0.9, String(f));
  }
});

test('a year-long certificate is not renewed early (timers past 24.8 days would fire at once)', async () => {
  const { caPem, certPem, keyPem } = await nodeCert(365);
  // Nothing listens on port 1: a renewal attempt would fail at once and say so in the log.
  const server = 'https://127.0.0.1:1';
  const current: NodeCredentials = { server, caPem, certPem, keyPem, kubeconfigPath: '/nonexistent/kubelet.kubeconfig', source: 'reused' };
  const transport = new RotatingTransport({ server, caPem, certPem, keyPem });
  const logs: string[] = [];
  const stop = new AbortController();
  const done = runNodeClientRotation({ server, caPem, nodeName: 'n1', dir: '/nonexistent', log: (m) => logs.push(m), current, transport, signal: stop.signal, fraction: () => 0.8 });
  await new Promise((r) => setTimeout(r, 500));
  stop.abort();
  await done;
  await transport.close();
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /will be rotated at/);
});
