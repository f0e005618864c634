// Slowloris and oversized-request defences on a live `k8ts server`: slow headers and idle HTTP/2 sessions are
// cut off while kubectl keeps being served; oversized headers get 431 (HTTP/1.1) or are refused on HTTP/2 without
// harm to other sessions; requests past --request-timeout get 504; watches are not subject to it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import tls from 'node:tls';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { call } from '../support/https.js';
import { waitUntil } from '../support/wait.js';

let s: K8tsServer;

before(async () => {
  process.env.K8TS_HEADERS_TIMEOUT = '2s';
  process.env.K8TS_IDLE_TIMEOUT = '3s';
  try {
    s = await startServer([...API_ONLY, '--request-timeout', '3s']);
  } finally {
    delete process.env.K8TS_HEADERS_TIMEOUT;
    delete process.env.K8TS_IDLE_TIMEOUT;
  }
});
after(async () => {
  await s?.stop();
});

const admin = () => ({ cert: readFileSync(join(s.dataDir, 'pki/admin.crt'), 'utf8'), key: readFileSync(join(s.dataDir, 'pki/admin.key'), 'utf8') });

/** A raw TLS connection; resolves when it is open. */
function rawTls(alpn: string, withCert = false): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const c = tls.connect({ host: '127.0.0.1', port: s.port, ca: readFileSync(join(s.dataDir, 'pki/ca.crt')), servername: 'localhost', ALPNProtocols: [alpn], ...(withCert ? admin() : {}) }, () => resolve(c));
    c.on('error', reject);
  });
}

const closed = (c: tls.TLSSocket) => new Promise<number>((resolve) => {
  const t0 = Date.now();
  if (c.destroyed) resolve(0);
  c.once('close', () => resolve(Date.now() - t0));
});

describe('slow or oversized requests', () => {
  test('20 connections trickling headers are cut off after the header timeout while kubectl is served', async () => {
    // Lifetimes count from before each connection was started: the server's timer cannot start earlier
    // (counting from after all 20 handshakes made the check flaky on a loaded machine).
    const started = Date.now();
    const socks = await Promise.all(Array.from({ length: 20 }, () => rawTls('http/1.1')));
    const lifetimes = socks.map((c) => new Promise<number>((resolve) => (c.destroyed ? resolve(0) : c.once('close', () => resolve(Date.now() - started)))));
    let replies = '';
    const timers = socks.map((c) => {
      c.on('data', (d: Buffer) => (replies += d.toString()));
      c.on('error', () => {});
      c.write('GET /version HTTP/1.1\r\nHost: k8ts\r\n');
      return setInterval(() => !c.destroyed && c.write(`X-Slow-${Date.now()}: a\r\n`), 300);
    });
    const t0 = Date.now();
    try {
      // Others are served while the slow clients hold their connections.
      const r = s.kubectl(['get', 'namespaces', '-o', 'name']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /namespace\/default/);
      const lived = await Promise.all(lifetimes);
      const took = Date.now() - t0;
      assert.ok(took < 20_000, `cut off after ${took} ms`);
      assert.ok(Math.min(...lived) >= 1900, `not before the timeout (${lived.join(',')} ms)`);
      assert.equal(replies, '', 'no request was ever answered');
    } finally {
      timers.forEach(clearInterval);
      socks.forEach((c) => c.destroy());
    }
  });

  test('a connection that finished a request and then idles on half a header is closed too', async () => {
    const c = await rawTls('http/1.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.write('GET /version HTTP/1.1\r\nHost: k8ts\r\n\r\n');
    const end = Date.now() + 10_000;
    while (!got.includes('gitVersion') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.match(got, /HTTP\/1\.1 403|HTTP\/1\.1 200/);
    c.write('GET /version HTTP/1.1\r\n');
    const waited = await Promise.race([closed(c), new Promise<number>((r) => setTimeout(() => r(-1), 20_000))]);
    c.destroy();
    assert.ok(waited >= 0, 'closed');
  });

  test('an HTTP/2 session with no stream is closed after the idle timeout; one with a watch is not', async () => {
    const ca = readFileSync(join(s.dataDir, 'pki/ca.crt'));
    const idle = http2.connect(s.url, { ca, ...admin() });
    idle.on('error', () => {});
    const busy = http2.connect(s.url, { ca, ...admin() });
    busy.on('error', () => {});
    const watch = busy.request({ ':path': '/api/v1/namespaces?watch=true&timeoutSeconds=8' });
    watch.on('data', () => {});
    const status = new Promise<number>((resolve) => watch.once('response', (h) => resolve(Number(h[':status']))));
    const t0 = Date.now();
    const idleClosed = await new Promise<number>((resolve) => {
      idle.once('close', () => resolve(Date.now() - t0));
      idle.once('goaway', () => resolve(Date.now() - t0));
      setTimeout(() => resolve(-1), 20_000);
    });
    assert.ok(idleClosed >= 2000, `idle session closed after ${idleClosed} ms`);
    assert.equal(busy.closed || busy.destroyed, false, 'the session with a watch stays open');
    assert.equal(await status, 200);
    watch.close();
    busy.close();
    idle.destroy();
  });

  test('headers over the limit are refused with 431', async () => {
    const c = await rawTls('http/1.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.on('error', () => {});
    c.write(`GET /version HTTP/1.1\r\nHost: k8ts\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    await Promise.race([closed(c), new Promise((r) => setTimeout(r, 10_000))]);
    c.destroy();
    assert.match(got, /^HTTP\/1\.1 431/);
  });

  test('a request body that never arrives is answered 504 Timeout after --request-timeout', async () => {
    const c = await rawTls('http/1.1', true);
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.on('error', () => {});
    const t0 = Date.now();
    c.write('POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: k8ts\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":');
    const end = Date.now() + 20_000;
    while (!got.includes('"code":504') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    c.destroy();
    assert.match(got, /^HTTP\/1\.1 504/);
    assert.match(got, /"reason":"Timeout"/);
    assert.match(got, /request did not complete within requested timeout/);
    assert.ok(Date.now() - t0 >= 2500, 'not before the timeout');
  });

  test('a watch outlives --request-timeout; a body over 3 MiB is still 413', async () => {
    const t0 = Date.now();
    const r = await call(s, 'GET', '/api/v1/namespaces?watch=true&timeoutSeconds=5');
    assert.equal(r.code, 200);
    assert.ok(Date.now() - t0 >= 4500, `watch ended after ${Date.now() - t0} ms`);
    const big = await call(s, 'POST', '/api/v1/namespaces/default/configmaps', { body: 'x'.repeat(3 * 1024 * 1024 + 10), type: 'application/json' });
    assert.equal(big.code, 413);
  });

  test('HTTP/2: over 1 MiB of request headers is refused, the server and other sessions go on; 130 KiB resets only its stream', async () => {
    const ca = readFileSync(join(s.dataDir, 'pki/ca.crt'));
    /** A session that has the server's SETTINGS (and so has acknowledged them before its first request). */
    const connect = async () => {
      const c = http2.connect(s.url, { ca, ...admin(), maxSendHeaderBlockLength: 4 << 20 });
      c.on('error', () => {});
      const settings = await new Promise<http2.Settings>((resolve) => c.once('remoteSettings', resolve));
      return Object.assign(c, { settings });
    };
    /** One request on a session: its status, or how it failed. */
    const get = (c: http2.ClientHttp2Session, path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status?: number; error?: string; rst?: number }>((resolve) => {
        const r = c.request({ ':path': path, ...headers });
        let status: number | undefined;
        r.on('response', (h) => (status = Number(h[':status'])));
        r.on('data', () => {});
        r.on('error', (e: Error & { code?: string }) => resolve({ error: e.code ?? e.message, rst: r.rstCode }));
        r.on('close', () => resolve(status === undefined ? { rst: r.rstCode } : { status }));
        r.end();
      });
    const many = (total: number) => Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-big-${i}`, 'a'.repeat(Math.ceil(total / 100))]));

    // A watch on its own session, which must not notice.
    const bystander = await connect();
    const watch = bystander.request({ ':path': '/api/v1/namespaces?watch=true&timeoutSeconds=60' });
    let watchEvents = '';
    watch.on('data', (d: Buffer) => (watchEvents += d.toString()));
    watch.on('error', () => {});
    try {
      const big = await connect();
      assert.equal(big.settings.maxHeaderListSize, 128 * 1024, 'the server advertises its header-list limit');
      const huge = await get(big, '/version', many(1200 * 1024));
      assert.equal(huge.status, undefined, `a 1.2 MiB header list was answered: ${JSON.stringify(huge)}`);
      big.destroy();

      // Just over the advertised limit, within what one header block carries: only that stream is reset.
      const mid = await connect();
      const over = await get(mid, '/version', many(130 * 1024));
      assert.equal(over.status, undefined, `a 130 KiB header list was answered: ${JSON.stringify(over)}`);
      assert.equal(over.rst, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, JSON.stringify(over));
      assert.equal((await get(mid, '/version')).status, 200, 'the same session goes on serving');
      // Under the limit: served.
      assert.equal((await get(mid, '/version', many(60 * 1024))).status, 200);
      mid.destroy();

      // The server is up, a new session is served, kubectl works, and the bystander's watch still delivers.
      assert.equal(s.proc.exitCode, null, 'the server process is alive');
      const fresh = await connect();
      assert.equal((await get(fresh, '/api/v1/namespaces/default')).status, 200);
      fresh.destroy();
      const ns = `h2-big-${process.pid}`;
      s.k(['create', 'namespace', ns]);
      await waitUntil('the watch on the other session to see the new namespace', () => watchEvents.includes(`"name":"${ns}"`));
      assert.equal(bystander.closed || bystander.destroyed, false);
      s.k(['delete', 'namespace', ns, '--wait=false']);
    } finally {
      watch.close();
      bystander.destroy();
    }
  });
});
