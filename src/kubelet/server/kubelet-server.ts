/**
 * The kubelet API (HTTPS, default port 10250): authenticated by client
 * certificate or TokenReview, authorised by SubjectAccessReview on
 * `nodes/<subresource>`; serves /healthz, /pods, /containerLogs, /exec,
 * /attach, /portForward, /metrics, /metrics/resource and /stats/summary.
 * @module
 */
import https, { type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setMaxListeners } from 'node:events';
import type { Client } from '../../client/index.js';
import type { PodRef, Runtime } from '../runtime.js';
import type { Pod } from '../types.js';
import { KubeletAuth, forbiddenText, subresourceFor, verbFor, type KubeletUser } from './auth.js';
import { LogOptionsError, parseLogOptions, streamLog } from './logs.js';
import { KubeletMetrics } from './metrics.js';
import { statsSummary } from './stats.js';
import { resourceMetricsText, SimCounters } from './resource-metrics.js';
import { handleStreamUpgrade, parseStreamPath, StreamRequestError } from './streams.js';

/** Where the kubelet finds this node's pods (the agent's pod informer). */
export interface PodSource {
  list(): Pod[];
  get(namespace: string, name: string): Pod | undefined;
}

export interface KubeletTls {
  certPem: string;
  keyPem: string;
  /** The CA client certificates must chain to (the cluster CA). */
  caPem: string;
}

/** What the kubelet serves from; may come after listen() (`k8ts agent` binds its port before it registers). */
export interface KubeletBackend {
  /** The node's API client (TokenReview and SubjectAccessReview). */
  client: Client;
  runtime: Runtime;
  pods?: PodSource;
}

export interface KubeletServerOptions extends Partial<KubeletBackend> {
  nodeName: string;
  /** Without it, handshakes fail until setTls() (a serving certificate still being requested). */
  tls?: KubeletTls;
  log(msg: string): void;
  /** Decision cache lifetimes (ms). */
  allowTtlMs?: number;
  denyTtlMs?: number;
}

/** A plain-text HTTP error, as the kubelet writes them. */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class KubeletServer {
  private readonly server: Server;
  private auth: KubeletAuth | undefined;
  private runtime: Runtime | undefined;
  private pods: PodSource = { list: () => [], get: () => undefined };
  readonly metrics = new KubeletMetrics();
  private readonly abort = new AbortController();
  private readonly sockets = new Set<Duplex>();
  private readonly started = Date.now();
  /** /metrics/resource counters of simulated usage (resource-metrics.ts). */
  private readonly simCounters = new SimCounters();

  constructor(private readonly o: KubeletServerOptions) {
    setMaxListeners(0, this.abort.signal);
    if (o.client && o.runtime) this.bind({ client: o.client, runtime: o.runtime, pods: o.pods });
    this.server = https.createServer(
      { ...(o.tls ? { cert: o.tls.certPem, key: o.tls.keyPem, ca: o.tls.caPem } : {}), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
      (req, res) => void this.handle(req, res).catch((e: unknown) => this.fail(res, e)),
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head));
    this.server.on('connection', (s: Duplex) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => {});
  }

  /** The agent's pods, once its informer exists. */
  setPodSource(src: PodSource): void {
    this.pods = src;
  }

  /** The client and runtime to serve from (requests before this get 503). */
  bind(b: KubeletBackend): void {
    this.auth = new KubeletAuth({ client: b.client, nodeName: this.o.nodeName, allowTtlMs: this.o.allowTtlMs, denyTtlMs: this.o.denyTtlMs });
    this.runtime = b.runtime;
    if (b.pods) this.pods = b.pods;
  }

  /** A (new) serving certificate: later handshakes use it. */
  setTls(t: KubeletTls): void {
    this.server.setSecureContext({ cert: t.certPem, key: t.keyPem, ca: t.caPem });
  }

  /** Listen on `port` (0: a free one); resolves with the bound port. */
  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async admit(req: IncomingMessage, path: string): Promise<KubeletUser> {
    const auth = this.auth;
    if (!auth) throw new HttpError(503, 'the kubelet is starting');
    const user = await auth.authenticate(req).catch(() => undefined);
    if (!user) throw new HttpError(401, 'Unauthorized');
    const verb = verbFor(req.method ?? 'GET');
    const sub = subresourceFor(path);
    const d = await auth.authorize(user, verb, sub);
    if (!d.allowed) throw new HttpError(403, forbiddenText(user, verb, sub));
    return user;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const path = url.pathname;
    res.once('finish', () => this.metrics.request(req.method ?? 'GET', path, res.statusCode));
    await this.admit(req, path);
    const method = req.method ?? 'GET';
    if (path === '/healthz' || path.startsWith('/healthz/')) return text(res, 200, 'ok');
    if (path === '/pods' || path === '/pods/') {
      if (method !== 'GET') throw new HttpError(405, 'Method Not Allowed');
      return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.pods.list() });
    }
    if (path === '/metrics') {
      this.metrics.runningPods(this.pods.list().length);
      const body = await this.metrics.registry.metrics();
      return text(res, 200, body, this.metrics.registry.contentType);
    }
    if (path === '/metrics/resource' || path === '/metrics/resource/') return text(res, 200, await resourceMetricsText(this.runtime, this.pods.list(), this.simCounters), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/stats/summary' || path === '/stats/summary/') return json(res, 200, statsSummary(this.o.nodeName, this.started, this.pods.list()));
    if (path.startsWith('/containerLogs/')) return this.containerLogs(res, url);
    if (/^\/(exec|attach|portForward|run)\//.test(path)) throw new HttpError(400, 'Upgrade request required');
    throw new HttpError(404, '404 page not found');
  }

  private pod(namespace: string, name: string, uid?: string): { pod: Pod; ref: PodRef } {
    const pod = this.pods.get(namespace, name);
    if (!pod || (uid && pod.metadata.uid !== uid)) throw new HttpError(404, `pod "${name}" not found`);
    return { pod, ref: { namespace, name, uid: pod.metadata.uid ?? '' } };
  }

  private async containerLogs(res: ServerResponse, url: URL): Promise<void> {
    const [, , ns = '', name = '', container = ''] = url.pathname.split('/').map(decodeURIComponent);
    if (!ns || !name || !container) throw new HttpError(400, 'namespace, pod name and container name are required');
    let opts;
    try {
      opts = parseLogOptions(url.searchParams);
    } catch (e) {
      if (e instanceof LogOptionsError) throw new HttpError(400, e.message);
      throw e;
    }
    const previous = url.searchParams.get('previous') === 'true';
    const { pod, ref } = this.pod(ns, name);
    const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...((pod.spec as { ephemeralContainers?: Array<{ name: string }> }).ephemeralContainers ?? [])];
    if (!spec.some((c) => c.name === container)) throw new HttpError(400, `container ${container} is not valid for pod ${name}`);
    const path = await this.runtime?.containerLogPath?.(ref, container, previous);
    if (!path) {
      if (previous) throw new HttpError(400, `previous terminated container "${container}" in pod "${name}" not found`);
      const st = containerStatus(pod, container);
      if (st?.state && !('waiting' in st.state)) throw new HttpError(400, `container "${container}" in pod "${name}" has no log (the ${this.runtime?.name ?? ''} runtime keeps none)`);
      const reason = (st?.state && 'waiting' in st.state ? st.state.waiting.reason : undefined) ?? 'ContainerCreating';
      throw new HttpError(400, `container "${container}" in pod "${name}" is waiting to start: ${reason}`);
    }
    const ac = new AbortController();
    const onClose = () => ac.abort();
    res.once('close', onClose);
    this.abort.signal.addEventListener('abort', onClose, { once: true });
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const active = async (): Promise<boolean> => {
      if (previous) return false;
      const now = this.pods.get(ns, name);
      if (!now || now.metadata.uid !== ref.uid) return false;
      if ((await this.runtime?.containerLogPath?.(ref, container, false)) !== path) return false;
      const st = containerStatus(now, container);
      return !(st?.state && 'terminated' in st.state);
    };
    try {
      await streamLog(path, opts, res, active, ac.signal);
    } finally {
      this.abort.signal.removeEventListener('abort', onClose);
      if (!res.writableEnded) res.end();
    }
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://kubelet');
    try {
      await this.admit(req, url.pathname);
      const sp = parseStreamPath(url);
      const { ref } = this.pod(sp.namespace, sp.name, sp.uid);
      const rt = this.runtime!;
      let target: string | undefined;
      if (sp.kind === 'portForward') {
        if (!rt.portForwardStream) throw new HttpError(400, `port forwarding is not supported by the ${rt.name} runtime`);
        target = await rt.portForwardStream(ref, sp.ports);
      } else if (sp.kind === 'attach') {
        if (!rt.attachStream) throw new HttpError(400, `attach is not supported by the ${rt.name} runtime (pod ${sp.name} has no real containers)`);
        target = await rt.attachStream(ref, sp.container, sp.options);
      } else {
        if (!rt.execStream) throw new HttpError(400, `exec is not supported by the ${rt.name} runtime (pod ${sp.name} has no real containers)`);
        target = await rt.execStream(ref, sp.container, sp.command, sp.options);
      }
      this.metrics.request(req.method ?? 'GET', url.pathname, 101);
      await handleStreamUpgrade(req, socket, head, target, sp.kind, this.o.log, sp.kind === 'portForward' ? undefined : sp.options);
    } catch (e) {
      const code = e instanceof HttpError || e instanceof StreamRequestError ? e.code : 500;
      const msg = e instanceof Error ? e.message : String(e);
      if (!(e instanceof HttpError || e instanceof StreamRequestError)) this.o.log(`kubelet: ${req.method} ${url.pathname}: ${msg}`);
      this.metrics.request(req.method ?? 'GET', url.pathname, code);
      writeRawError(socket, code, msg);
    }
  }

  private fail(res: ServerResponse, e: unknown): void {
    const code = e instanceof HttpError ? e.code : 500;
    if (!(e instanceof HttpError)) this.o.log(`kubelet: request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (!res.headersSent) text(res, code, e instanceof Error ? e.message : String(e));
    else if (!res.writableEnded) res.end();
  }
}

function containerStatus(pod: Pod, name: string) {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((c) => c.name === name);
}

function text(res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const s = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}

/** An error reply on a connection that asked to upgrade (then closed). */
export function writeRawError(socket: Duplex, code: number, message: string): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  const reason = code === 400 ? 'Bad Request' : code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code === 404 ? 'Not Found' : code === 503 ? 'Service Unavailable' : 'Internal Server Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
