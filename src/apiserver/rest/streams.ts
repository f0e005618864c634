/**
 * pods/log, pods/exec, pods/attach, pods/portforward: checked here (pod,
 * container, node) and proxied to the pod's kubelet. Logs are a plain GET
 * piped back; exec/attach/portforward are HTTP/1.1 upgrades (WebSocket or
 * SPDY) relayed byte for byte, the kubelet speaking whichever protocol the
 * client chose (docs/kubelet-api.md has the protocol story).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isRecord, type KObject } from '../../api/index.js';
import { authorize, forbiddenMessage, type Attributes } from '../auth/authorize.js';
import { errors, StatusError } from '../errors.js';
import type { RestContext } from './context.js';
import { kubeletDial, kubeletFor, kubeletGet } from './streams-kubelet.js';

export { configureKubeletClient, type KubeletClientCredentials } from './streams-kubelet.js';

/** kube-apiserver 1.35's AuthorizePodWebsocketUpgradeCreatePermission (off: k8ts serves 1.32's behaviour). */
const REQUIRE_CREATE_FOR_WEBSOCKET = false;

export const POD_STREAM_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward']);

interface Upgrade {
  socket: Duplex;
  head: Buffer;
}
const upgrades = new WeakMap<object, Upgrade>();

/** server.ts hands upgrade requests to the normal pipeline; this remembers their raw socket. */
export function noteUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  upgrades.set(req, { socket, head });
}

const LOG_PARAMS = ['follow', 'previous', 'tailLines', 'limitBytes', 'sinceSeconds', 'sinceTime', 'timestamps'];

type Spec = { name: string };
const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter(isRecord).map((c) => String((c as Spec).name)) : []);

/** The container a request means (upstream's defaulting and messages). */
function containerOf(pod: KObject, asked: string): string {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const app = names(spec.containers);
  const init = names(spec.initContainers);
  const eph = names(spec.ephemeralContainers);
  const podName = pod.metadata.name ?? '';
  if (!asked) {
    if (app.length === 1) return app[0]!;
    const initPart = init.length ? ` or one of the init containers: [${init.join(' ')}]` : '';
    const ephPart = eph.length ? ` or one of the ephemeral containers: [${eph.join(' ')}]` : '';
    throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${app.join(' ')}]${initPart}${ephPart}`);
  }
  if (![...app, ...init, ...eph].includes(asked)) throw errors.badRequest(`container ${asked} is not valid for pod ${podName}`);
  return asked;
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 500: 'InternalError', 503: 'ServiceUnavailable' };

/** A kubelet's error reply as the Status the client gets (its text becomes the message). */
function kubeletError(code: number, body: string): StatusError {
  const text = body.trim() || `the kubelet answered HTTP ${code}`;
  const c = code >= 400 && code < 600 ? code : 500;
  return new StatusError(c, REASONS[c] ?? 'InternalError', text);
}

export async function handlePodStream(ctx: RestContext): Promise<void> {
  const { info, query } = ctx;
  const sub = info.subresource;
  const up = upgrades.get(ctx.req);
  if (sub !== 'log') {
    if (!up) throw errors.badRequest('Upgrade request required');
    // As kube-apiserver 1.32: the verb is the method's (a WebSocket GET is `get`, a SPDY POST `create`).
    // 1.35 adds a `create` check on the GET (AuthorizePodWebsocketUpgradeCreatePermission); see docs/kubelet-api.md.
    if (REQUIRE_CREATE_FOR_WEBSOCKET && info.verb !== 'create') {
      const attrs: Attributes = { user: ctx.user, verb: 'create', namespace: info.namespace, group: '', version: info.version, resource: 'pods', subresource: sub, name: info.name };
      const d = authorize(attrs, ctx.parts);
      if (!d.allowed) throw errors.forbidden(forbiddenMessage(attrs, d.reason), { name: info.name, kind: 'pods' });
    }
  } else if (info.verb !== 'get') throw errors.methodNotAllowed();
  const cur = await ctx.rs.getFresh(info.namespace, info.name);
  if (!cur) throw errors.notFound('', 'pods', info.name);
  const pod = cur.obj;
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  const q = new URLSearchParams();
  let path: string;
  const ns = encodeURIComponent(info.namespace);
  const pn = encodeURIComponent(info.name);
  if (sub === 'portforward') {
    for (const p of query.getAll('ports')) q.append('port', p);
    path = `/portForward/${ns}/${pn}`;
  } else {
    const container = containerOf(pod, query.get('container') ?? '');
    if (sub === 'log') {
      for (const k of LOG_PARAMS) {
        const v = query.get(k);
        if (v !== null && v !== '') q.set(k, v);
      }
      path = `/containerLogs/${ns}/${pn}/${encodeURIComponent(container)}`;
    } else {
      for (const k of ['stdin', 'stdout', 'stderr', 'tty']) if (query.get(k)) q.set(k, query.get(k)!);
      for (const c of query.getAll('command')) q.append('command', c);
      path = `/${sub}/${ns}/${pn}/${encodeURIComponent(container)}`;
    }
  }
  if (!nodeName) throw errors.badRequest(`pod ${info.name} does not have a host assigned`);
  const kubelet = await kubeletFor(ctx.parts, nodeName);
  const full = q.size ? `${path}?${q}` : path;
  if (sub === 'log') return proxyLog(ctx, kubelet, full);
  return proxyUpgrade(ctx, up!, kubelet, full);
}

async function proxyLog(ctx: RestContext, kubelet: Awaited<ReturnType<typeof kubeletFor>>, path: string): Promise<void> {
  const ac = new AbortController();
  const onClose = () => ac.abort();
  ctx.res.once('close', onClose);
  const reply = await kubeletGet(kubelet, path, ac.signal);
  if (reply.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of reply) chunks.push(c as Buffer);
    throw kubeletError(reply.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'));
  }
  const res = ctx.res as ServerResponse;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  (res as { flushHeaders?: () => void }).flushHeaders?.();
  await new Promise<void>((resolve) => {
    reply.on('data', (d: Buffer) => res.write(d));
    reply.on('end', () => resolve());
    reply.on('error', () => resolve());
    reply.on('close', () => resolve());
  });
  ctx.res.off('close', onClose);
  if (!res.writableEnded) res.end();
}

/** Headers the kubelet must not see (our credentials are the connection's; the user's stay here). */
const DROP = /^(host|authorization|impersonate-.*|content-length|proxy-.*)$/i;

async function proxyUpgrade(ctx: RestContext, up: Upgrade, kubelet: Awaited<ReturnType<typeof kubeletFor>>, path: string): Promise<void> {
  const req = ctx.req as IncomingMessage;
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${kubelet.host}:${kubelet.port}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if (!DROP.test(raw[i]!)) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  const k = await kubeletDial(kubelet);
  k.write(`${lines.join('\r\n')}\r\n\r\n`);
  const head = await readHead(k).catch((e: unknown) => {
    k.destroy();
    throw errors.internal(e instanceof Error ? e.message : String(e));
  });
  if (head.status !== 101) {
    const body = await readBody(k, head.rest, head.headers['content-length']);
    k.destroy();
    throw kubeletError(head.status, body);
  }
  // From here the socket is ours, not the HTTP layer's.
  const res = ctx.res as ServerResponse;
  res.detachSocket?.(up.socket as never);
  up.socket.once('close', () => res.emit('close'));
  up.socket.write(Buffer.concat([head.raw, head.rest]));
  if (up.head.length) k.write(up.head);
  const a = up.socket;
  a.on('error', () => k.destroy());
  k.on('error', () => a.destroy());
  a.on('close', () => k.destroy());
  k.on('close', () => a.destroy());
  a.pipe(k);
  k.pipe(a);
  a.resume();
  k.resume();
}

function readHead(s: Duplex): Promise<{ status: number; headers: Record<string, string>; raw: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('the kubelet did not answer in 30s')), 30_000);
    const done = (err?: Error, v?: { status: number; headers: Record<string, string>; raw: Buffer; rest: Buffer }) => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onClose);
      if (err) reject(err);
      else resolve(v!);
    };
    const onClose = () => done(new Error('the kubelet closed the connection'));
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.pause();
      const raw = buf.subarray(0, end + 4);
      const lines = raw.toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      done(undefined, { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 500), headers, raw, rest: buf.subarray(end + 4) });
    };
    s.on('data', onData);
    s.once('close', onClose);
  });
}

function readBody(s: Duplex, first: Buffer, length: string | undefined): Promise<string> {
  const want = length ? Number(length) : Infinity;
  return new Promise((resolve) => {
    let buf = first;
    if (buf.length >= want) return resolve(buf.subarray(0, want).toString('utf8'));
    const t = setTimeout(() => resolve(buf.toString('utf8')), 5000);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= want) {
        clearTimeout(t);
        resolve(buf.subarray(0, want).toString('utf8'));
      }
    });
    s.on('end', () => {
      clearTimeout(t);
      resolve(buf.toString('utf8'));
    });
    s.resume();
  });
}
