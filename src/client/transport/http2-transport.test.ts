import assert from 'node:assert/strict';
import { AsyncResource } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensurePki } from '../../pki/index.js';
import { Http2Transport } from './http2-transport.js';
import { readText } from './types.js';

const nodeBind = AsyncResource.prototype.bind;
let dir: string;
let server: http2.Http2SecureServer;
let transport: Http2Transport;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-h2t-'));
  const pki = await ensurePki(join(dir, 'pki'), { hostIps: ['127.0.0.1'] });
  server = http2.createSecureServer({ cert: pki.apiserver.certPem, key: pki.apiserver.keyPem });
  server.on('stream', (st, h) => {
    st.on('error', () => undefined); // the reset stream errors on this side too
    const chunks: Buffer[] = [];
    st.on('data', (c: Buffer) => chunks.push(c));
    st.on('end', () => {
      const path = String(h[':path']);
      if (path === '/reset') return st.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      st.respond({ ':status': path === '/missing' ? 404 : 200, 'content-type': 'application/json' });
      if (path === '/big') {
        // Many DATA frames: the reader must join them.
        for (let i = 0; i < 64; i++) st.write('x'.repeat(1024));
        st.end();
        return;
      }
      st.end(JSON.stringify({ method: h[':method'], path, ua: h['user-agent'], body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  transport = new Http2Transport({ server: `https://127.0.0.1:${port}`, caPem: pki.ca.certPem });
});

after(async () => {
  await transport.close();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

test('h2 transport: requests sent while the session connects and after all get their own replies; headers and bodies arrive', async () => {
  // The first batch goes out while the TLS session is still connecting (queued until it connects).
  const replies = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const res = await transport.request({ method: i % 2 ? 'POST' : 'GET', path: `/p/${i}`, headers: { 'user-agent': `ua-${i}` }, body: i % 2 ? `body-${i}` : undefined });
      return { status: res.status, json: JSON.parse(await readText(res.body)) as Record<string, string> };
    }),
  );
  for (const [i, r] of replies.entries()) {
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { method: i % 2 ? 'POST' : 'GET', path: `/p/${i}`, ua: `ua-${i}`, body: i % 2 ? `body-${i}` : '' });
  }
  const missing = await transport.request({ method: 'GET', path: '/missing', headers: {} });
  assert.equal(missing.status, 404);
  await readText(missing.body);
  // Node's AsyncResource#bind is only swapped during the synchronous request() call.
  assert.equal(AsyncResource.prototype.bind, nodeBind);
});

test('h2 transport: readText joins many frames and rejects a reset stream; an aborted signal rejects', async () => {
  const big = await transport.request({ method: 'GET', path: '/big', headers: {} });
  assert.equal((await readText(big.body)).length, 64 * 1024);
  await assert.rejects(async () => {
    const r = await transport.request({ method: 'GET', path: '/reset', headers: {} });
    await readText(r.body);
  });
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(transport.request({ method: 'GET', path: '/p/x', headers: {}, signal: ac.signal }), /stop/);
  assert.equal(AsyncResource.prototype.bind, nodeBind);
});
