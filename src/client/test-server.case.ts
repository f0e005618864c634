/** Test support: a real in-process API server on 127.0.0.1 (memory store) and a client for it. */
import { mkdtempSync, rmSync } from 'node:fs';
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

export async function startTestServer(): Promise<TestServer> {
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
