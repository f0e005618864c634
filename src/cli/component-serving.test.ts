// The start-up pieces `k8ts scheduler` and `k8ts controller-manager` share (src/cli/component-serving.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, parseCertificate, verifySignedBy, type KubeconfigCredentials } from '../pki/index.js';
import { clientCaPem, readComponentKubeconfig, servingCertificate } from './component-serving.js';
import { runSchedulerCommand } from './scheduler.js';
import { runControllerManagerCommand } from './controller-manager.js';

const kc = { server: 'https://127.0.0.1:6443', caPem: 'KUBECONFIG-CA' } as KubeconfigCredentials;

test('without --kubeconfig each command names itself in one line', async () => {
  await assert.rejects(readComponentKubeconfig('scheduler', undefined), { message: 'scheduler: --kubeconfig is required' });
  await assert.rejects(runSchedulerCommand([]), { message: 'scheduler: --kubeconfig is required' });
  await assert.rejects(runControllerManagerCommand([]), { message: 'controller-manager: --kubeconfig is required' });
});

test('the serving certificate: the files when both are given, else self-signed on request, else none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-serving-'));
  try {
    const ca = await createCertificateAuthority();
    const leaf = await issueCertificate(ca, { commonName: 'kube-scheduler', dnsNames: ['localhost'], usages: 'server' });
    writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
    writeFileSync(join(dir, 'tls.key'), leaf.keyPem);
    writeFileSync(join(dir, 'client-ca.crt'), ca.certPem);
    const files = { 'tls-cert-file': join(dir, 'tls.crt'), 'tls-private-key-file': join(dir, 'tls.key') };
    assert.deepEqual(await servingCertificate(files), { certPem: leaf.certPem, keyPem: leaf.keyPem });
    assert.deepEqual(await servingCertificate(files, 'kube-controller-manager'), { certPem: leaf.certPem, keyPem: leaf.keyPem });
    assert.equal(await servingCertificate({ 'tls-cert-file': files['tls-cert-file'] }), undefined, 'a certificate without its key is not used');
    const self = await servingCertificate({}, 'kube-controller-manager');
    const [cert, chainCa] = self.certPem.split(/(?<=-----END CERTIFICATE-----\n)/);
    assert.equal(parseCertificate(cert!).subject.commonName, 'kube-controller-manager');
    assert.ok(verifySignedBy(cert!, chainCa!), 'the chain holds the CA that signed it');
    assert.equal(await clientCaPem({ 'client-ca-file': join(dir, 'client-ca.crt') }, kc), ca.certPem);
    assert.equal(await clientCaPem({}, kc), 'KUBECONFIG-CA');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
