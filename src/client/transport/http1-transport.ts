/**
 * HTTP/1.1 transport over a keep-alive agent: the fallback for servers or
 * proxies without h2. Each in-flight request (and each watch) holds a socket.
 */
import https from 'node:https';
import type { Transport, TransportRequest, TransportResponse, TransportTlsOptions } from './types.js';

export class Http1Transport implements Transport {
  readonly protocol = 'http/1.1';
  private readonly agent: https.Agent;
  private readonly url: URL;

  constructor(opts: TransportTlsOptions & { maxSockets?: number }) {
    this.url = new URL(opts.server);
    if (this.url.protocol !== 'https:') throw new Error(`http1 transport: ${opts.server}: only https:// servers are supported`);
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets ?? Infinity,
      ca: opts.caPem,
      cert: opts.certPem,
      key: opts.keyPem,
      rejectUnauthorized: !opts.insecureSkipTlsVerify,
      ...(opts.tlsServerName ? { servername: opts.tlsServerName } : {}),
    });
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const r = https.request(
        {
          host: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || 443,
          method: req.method,
          path: req.path,
          headers: req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
          agent: this.agent,
          ...(req.signal ? { signal: req.signal } : {}),
        },
        (res) => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, cancel: () => res.destroy() });
        },
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
