/**
 * Entry of the DNS worker thread in `k8ts server`: answering thousands of
 * queries a second is CPU work, so the DNS runs off the API server's event
 * loop and reads Services and EndpointSlices over HTTPS like a remote
 * CoreDNS (DESIGN.md "One machine, two cores").
 *
 * Messages to the parent: `{ log }`, then `{ ready: { host, port, metricsPort, upstreams } }`
 * or `{ failed: { code, message, dnsBound } }`; after 'stop': `{ done: true }`.
 * From the parent: 'stop', and `{ credentials: { certPem, keyPem } }` when the
 * client certificate was rotated: new connections use it, and the sessions on
 * the old one close after `drainMs` (default 5 s) so the open watches re-dial
 * with the new certificate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Client, RotatingTransport, SharedInformerFactory } from '../client/index.js';
import { DnsServer, type DnsServerOptions } from './server.js';
import { InformerSource } from './source.js';

export interface DnsWorkerData {
  server: string;
  caPem?: string;
  /** Client certificate and key, or a bearer token. */
  certPem?: string;
  keyPem?: string;
  token?: string;
  /** How long sessions on a replaced certificate stay open (default 5 s). */
  drainMs?: number;
  options: Omit<DnsServerOptions, 'source' | 'log'>;
}

const d = workerData as DnsWorkerData;
const log = (msg: string) => parentPort?.postMessage({ log: msg });
// With a client certificate, a transport whose certificate the parent can swap when the agent rotates it.
const rotating = d.certPem && d.keyPem ? new RotatingTransport({ server: d.server, caPem: d.caPem, certPem: d.certPem, keyPem: d.keyPem }, d.drainMs ?? 5_000) : undefined;
const client = new Client({ server: d.server, caPem: d.caPem, certPem: d.certPem, keyPem: d.keyPem, token: d.token, transport: rotating, qps: -1, userAgent: 'k8ts-dns/v1.32.0 (k8ts)' });
const factory = new SharedInformerFactory(client);
const abort = new AbortController();
const source = new InformerSource(factory);

async function main(): Promise<DnsServer | undefined> {
  let server = new DnsServer({ ...d.options, source, log });
  try {
    await server.start();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!server.port) {
      parentPort?.postMessage({ failed: { code: err.code, message: err.message } });
      return undefined;
    }
    // DNS is bound but the metrics port is taken (another server on this host): metrics on a free port.
    await server.close();
    server = new DnsServer({ ...d.options, metricsPort: 0, source, log });
    await server.start();
  }
  factory.start(abort.signal);
  await factory.waitForCacheSync(abort.signal);
  parentPort?.postMessage({ ready: { host: server.host, port: server.port, metricsPort: server.metricsPort, upstreams: server.upstreams.map((u) => `${u.host}:${u.port}`) } });
  return server;
}

const started = main();
let stopping = false;
parentPort?.on('message', (m: unknown) => {
  const creds = (m as { credentials?: { certPem?: string; keyPem?: string } } | null)?.credentials;
  if (creds?.certPem && creds.keyPem && rotating && !stopping) {
    rotating.swap({ certPem: creds.certPem, keyPem: creds.keyPem });
    log('dns: the client certificate changed; new connections use the new one');
    return;
  }
  // 'stop' comes from the server's abort signal and from stop(): act once (a second close throws "Not running").
  if (m !== 'stop' || stopping) return;
  stopping = true;
  abort.abort();
  void started
    .then((s) => s?.close())
    .then(() => factory.shutdown())
    .then(() => client.close())
    .finally(() => parentPort?.postMessage({ done: true }));
});
