/** The credentials-following transport without a server: what it reloads and when (the e2e is test/e2e/proxy-cert-rotation.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followingCredentials, ReloadingTransport } from './reloading-credentials.js';

const tls = { server: 'https://127.0.0.1:1', caPem: 'CA', certPem: 'CERT-A', keyPem: 'KEY-A' };

describe('ReloadingTransport', () => {
  it('swaps only when the source holds another certificate, and shares one look between concurrent callers', async () => {
    let source: { certPem: string; keyPem: string } | undefined = { certPem: 'CERT-A', keyPem: 'KEY-A' };
    let looks = 0;
    const t = new ReloadingTransport(tls, async () => (looks++, source), { checkIntervalMs: 3_600_000 });
    try {
      assert.equal(await t.reload(), false, 'same certificate');
      source = undefined;
      assert.equal(await t.reload(), false, 'nothing readable: keep the current one');
      source = { certPem: 'CERT-B', keyPem: 'KEY-B' };
      looks = 0;
      assert.deepEqual(await Promise.all([t.reload(), t.reload()]), [true, true]);
      assert.equal(looks, 1);
      assert.equal(t.reloads, 1);
      assert.equal(await t.reload(), false, 'B is current now');
    } finally {
      await t.close();
    }
  });

  it('a failing source is logged, not thrown', async () => {
    const logs: string[] = [];
    const t = new ReloadingTransport(tls, () => Promise.reject(new Error('gone')), { checkIntervalMs: 3_600_000, log: (m) => logs.push(m) });
    try {
      assert.equal(await t.reload(), false);
      assert.deepEqual(logs, ['credentials: cannot re-read the client certificate: gone']);
    } finally {
      await t.close();
    }
  });

  it('followingCredentials: a fresh transport per call for certificates; tokens and ready transports untouched', async () => {
    const f = followingCredentials({ server: tls.server, caPem: 'CA', clientCertPem: 'CERT-A', clientKeyPem: 'KEY-A' }, '/nonexistent/kubeconfig');
    const a = f();
    const b = f();
    assert.ok(a.transport instanceof ReloadingTransport);
    assert.notEqual(a.transport, b.transport);
    await (a.transport as ReloadingTransport).close();
    await (b.transport as ReloadingTransport).close();
    const token = { server: tls.server, caPem: 'CA', token: 'abc' };
    assert.equal(followingCredentials(token, '/x')(), token);
  });
});
