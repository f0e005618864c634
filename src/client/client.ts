/**
 * The API client: one transport (HTTP/2 by default), a client-side token
 * bucket (client-go's QPS/Burst), Status errors, and typed per-resource
 * clients whose URLs come from the api Registry.
 */
import { builtinRegistry, type KObject, type Registry } from '../api/index.js';
import { realClock, type Clock } from './clock.js';
import { ApiError, errorFromResponse } from './errors.js';
import { ResourceClient, resolveResource, type ResourceRef } from './resource-client.js';
import { TokenBucket } from './token-bucket.js';
import { Http1Transport } from './transport/http1-transport.js';
import { Http2Transport } from './transport/http2-transport.js';
import { readText, type Transport, type TransportResponse, type TransportTlsOptions } from './transport/types.js';

export interface ClientOptions extends TransportTlsOptions {
  /** Client certificate and key under the names `readKubeconfig` returns (aliases of certPem/keyPem). */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Bearer token (service accounts, bootstrap tokens). */
  token?: string;
  /** Sustained requests per second (default and 0: 5, as client-go); negative disables throttling. */
  qps?: number;
  /** Requests allowed in a burst above qps (default 10). */
  burst?: number;
  /** `h2` (default), `http/1.1`, or a ready transport (e.g. in-process). */
  transport?: 'h2' | 'http/1.1' | Transport;
  /** Kinds and URLs (default: the built-in registry). */
  registry?: Registry;
  userAgent?: string;
  /** Default deadline of non-watch requests in ms (0: none, the server's own timeout applies). */
  timeoutMs?: number;
  /** Retries of a 429 or 5xx reply that carries Retry-After (default 3). */
  maxRetries?: number;
  clock?: Clock;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  /** A JSON value, or a pre-encoded body. */
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Overrides the client's default deadline (0: none). */
  timeoutMs?: number;
}

export function buildQuery(query: RequestOptions['query']): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class Client {
  readonly registry: Registry;
  readonly transport: Transport;
  private readonly limiter: TokenBucket | undefined;
  private readonly headers: Record<string, string>;
  private readonly clock: Clock;

  constructor(private readonly opts: ClientOptions) {
    this.registry = opts.registry ?? builtinRegistry();
    this.clock = opts.clock ?? realClock;
    const tls: TransportTlsOptions = { ...opts, certPem: opts.certPem ?? opts.clientCertPem, keyPem: opts.keyPem ?? opts.clientKeyPem };
    const t = opts.transport ?? 'h2';
    this.transport = t === 'h2' ? new Http2Transport(tls) : t === 'http/1.1' ? new Http1Transport(tls) : t;
    const qps = opts.qps ?? 5;
    this.limiter = qps < 0 ? undefined : new TokenBucket(qps || 5, opts.burst ?? 10, this.clock);
    this.headers = { accept: 'application/json', 'user-agent': opts.userAgent ?? 'k8ts-client/v1.32.0' };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
  }

  /** A typed client for one resource: `'pods'`, `'deployments.apps'`, a ResourceDef, or `{group, version, resource}`. */
  resource<T extends KObject = KObject>(ref: string | ResourceRef, namespace?: string): ResourceClient<T> {
    return new ResourceClient<T>(this, resolveResource(this.registry, ref), namespace);
  }

  /** Send a request and return the raw response once its headers arrive (throttled; errors are not decoded). */
  async send(method: string, path: string, o: RequestOptions = {}): Promise<TransportResponse> {
    const headers = { ...this.headers };
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const fullPath = path + buildQuery(o.query);
    await this.limiter?.wait(o.signal);
    return this.transport.request({ method, path: fullPath, headers, body, signal: o.signal });
  }

  /** A request whose reply is decoded: the JSON body, or an ApiError for a status >= 300. */
  async request<R = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<R> {
    const timeout = o.timeoutMs ?? this.opts.timeoutMs ?? 0;
    const signal = timeout > 0 ? (o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(timeout)]) : AbortSignal.timeout(timeout)) : o.signal;
    const maxRetries = this.opts.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(method, path, { ...o, signal });
      const text = await readText(res.body);
      if (res.status < 300) return (text ? JSON.parse(text) : undefined) as R;
      const err = errorFromResponse(res.status, text);
      const wait = retryAfter(res, err);
      if (wait === undefined || attempt >= maxRetries) throw err;
      await this.clock.sleep(wait, signal);
    }
  }

  /** Close connections (watches end, requests in flight fail). */
  close(): Promise<void> {
    return this.transport.close();
  }
}

/** client-go retries 429 and 5xx replies that name a Retry-After (seconds, at most 10 s here). */
function retryAfter(res: TransportResponse, err: ApiError): number | undefined {
  if (res.status !== 429 && res.status < 500) return undefined;
  const h = res.headers['retry-after'];
  const v = Array.isArray(h) ? h[0] : h;
  const secs = v === undefined || v === '' ? (err.details?.retryAfterSeconds ?? NaN) : Number(v);
  return Number.isFinite(secs) && secs >= 0 ? Math.min(secs, 10) * 1000 : undefined;
}
