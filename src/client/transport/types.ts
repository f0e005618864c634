/**
 * The transport contract under the client: one request in, status + headers
 * + a streamed body out. HTTP/2, HTTP/1.1 and (later) an in-process
 * MessagePort transport implement it with the same semantics.
 */
import { Readable } from 'node:stream';

export interface TransportRequest {
  method: string;
  /** Path with query string: `/api/v1/namespaces/default/pods?limit=500`. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborting cancels the request or, after the response began, its body stream. */
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as it arrives (a watch body never ends until the server or `cancel` ends it). */
  body: AsyncIterable<Uint8Array>;
  /** Stop reading and release the stream. */
  cancel(): void;
}

export interface Transport {
  /** `h2` or `http/1.1`. */
  readonly protocol: string;
  request(req: TransportRequest): Promise<TransportResponse>;
  /** Close connections; requests in flight fail. */
  close(): Promise<void>;
}

/** Where the server is and the TLS material to reach it (the caller reads the kubeconfig). */
export interface TransportTlsOptions {
  /** `https://host:port` (a path prefix is not supported). */
  server: string;
  /** CA bundle that signed the server certificate; absent: the system roots. */
  caPem?: string;
  /** Client certificate and key (x509 authentication). */
  certPem?: string;
  keyPem?: string;
  /** Skip server certificate verification (never for production). */
  insecureSkipTlsVerify?: boolean;
  /** TLS server name to verify, when it differs from the URL's host. */
  tlsServerName?: string;
}

/**
 * Read a whole body as text. Node streams (what the h2 and http/1.1
 * transports return) are read through their events: one promise per body
 * instead of one per chunk (every reply of every request comes through here).
 */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  if (body instanceof Readable) {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let done = false;
      // Plain listeners rather than stream.finished(): this runs for every reply.
      body.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
      body.once('end', () => {
        done = true;
        resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      });
      body.on('error', (err) => {
        if (done) return;
        done = true;
        reject(err);
      });
      body.once('close', () => {
        if (done) return;
        done = true;
        reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      });
      if (body.readableEnded) {
        done = true;
        resolve('');
      }
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  return Buffer.concat(chunks).toString('utf8');
}
