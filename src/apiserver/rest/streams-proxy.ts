/**
 * The `proxy` subresources: nodes/<name>/proxy/<path> to the node's kubelet
 * (with the apiserver-kubelet-client certificate), pods/<[scheme:]name[:port]>/proxy/<path>
 * to the pod's IP, services/<[scheme:]name[:port]>/proxy/<path> to one ready
 * endpoint of the Service. Plain HTTP requests (no upgrades), streamed both ways.
 * @module
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isRecord, type KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import type { RestContext } from './context.js';
import { kubeletFor } from './streams-kubelet.js';

/** Hop-by-hop headers (RFC 7230 6.1) and our own credentials never cross the proxy. */
const DROP_REQUEST = /^(host|authorization|connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade|impersonate-.*|:.*)$/i;
const DROP_REPLY = /^(connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade)$/i;

interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  tls?: { certPem: string; keyPem: string; caPem: string };
}

/** `[scheme:]name[:port]` as upstream's SplitSchemeNamePort reads it. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } {
  const parts = id.split(':');
  if (parts.length === 1) return { scheme: '', name: parts[0]!, port: '' };
  if (parts.length === 2) return { scheme: '', name: parts[0]!, port: parts[1]! };
  if (parts.length === 3) return { scheme: parts[0]!, name: parts[1]!, port: parts[2]! };
  throw errors.badRequest(`invalid proxy name: ${JSON.stringify(id)}`);
}

async function getObject(ctx: RestContext, resource: string, namespace: string, name: string): Promise<KObject> {
  const def = ctx.parts.registry.resource('', 'v1', resource);
  const rs = def && ctx.parts.resources.get(def);
  const cur = rs ? await rs.getFresh(namespace, name) : undefined;
  if (!cur) throw errors.notFound('', resource, name);
  return cur.obj;
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? v.filter(isRecord) : []);

async function targetOf(ctx: RestContext): Promise<Target> {
  const { info } = ctx;
  const { scheme, name, port } = splitSchemeNamePort(info.name);
  if (scheme && scheme !== 'http' && scheme !== 'https') throw errors.badRequest(`unsupported scheme ${JSON.stringify(scheme)}`);
  if (info.resource === 'nodes') {
    const k = await kubeletFor(ctx.parts, name);
    return { scheme: 'https', host: k.host, port: port ? Number(port) : k.port, tls: k.creds };
  }
  if (info.resource === 'pods') {
    const pod = await getObject(ctx, 'pods', info.namespace, name);
    const ip = rec(pod.status).podIP;
    if (typeof ip !== 'string' || !ip) throw errors.unavailable(`pod ${name} has no IP yet`);
    const s = (scheme || 'http') as Target['scheme'];
    return { scheme: s, host: ip, port: port ? Number(port) : s === 'https' ? 443 : 80 };
  }
  // services: the Service port (by name or number, default its only/first one), then a ready endpoint.
  const svc = await getObject(ctx, 'services', info.namespace, name);
  const ports = list(rec(svc.spec).ports);
  const sp = port ? ports.find((p) => p.name === port || String(p.port) === port) : ports[0];
  if (!sp) throw errors.unavailable(`no service port ${JSON.stringify(port)} found for service "${name}"`);
  const ep = await getObject(ctx, 'endpoints', info.namespace, name).catch(() => undefined);
  for (const subset of list(ep?.subsets)) {
    const epPort = list(subset.ports).find((p) => (p.name ?? '') === (sp.name ?? '')) ?? (list(subset.ports).length === 1 ? list(subset.ports)[0] : undefined);
    const addr = list(subset.addresses)[0];
    if (epPort && typeof addr?.ip === 'string') return { scheme: (scheme || 'http') as Target['scheme'], host: addr.ip, port: Number(epPort.port) };
  }
  throw errors.unavailable(`no endpoints available for service "${name}"`);
}

export async function handleProxy(ctx: RestContext): Promise<void> {
  const t = await targetOf(ctx);
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw errors.badRequest(`invalid port in ${JSON.stringify(ctx.info.name)}`);
  const path = `/${ctx.info.parts.map(encodeURIComponent).join('/')}${ctx.query.size ? `?${ctx.query}` : ''}`;
  const req = ctx.req as IncomingMessage;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers as IncomingHttpHeaders)) if (v !== undefined && !DROP_REQUEST.test(k)) headers[k] = v;
  const ac = new AbortController();
  ctx.res.once('close', () => ac.abort());
  const reply = await new Promise<IncomingMessage>((resolve, reject) => {
    const o = { host: t.host, port: t.port, path, method: req.method, headers, signal: ac.signal, agent: false as const };
    const up =
      t.scheme === 'https'
        ? https.request({ ...o, cert: t.tls?.certPem, key: t.tls?.keyPem, ca: t.tls?.caPem, rejectUnauthorized: !!t.tls, checkServerIdentity: () => undefined }, resolve)
        : http.request(o, resolve);
    const timer = setTimeout(() => up.destroy(new Error(`dial tcp ${t.host}:${t.port}: i/o timeout`)), 10_000);
    up.once('response', () => clearTimeout(timer));
    up.on('error', (e) => {
      clearTimeout(timer);
      reject(errors.unavailable(`error trying to reach service: ${e.message}`));
    });
    req.pipe(up);
  });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(reply.headers)) if (v !== undefined && !DROP_REPLY.test(k)) out[k] = v;
  const res = ctx.res as http.ServerResponse;
  res.writeHead(reply.statusCode ?? 502, out);
  await new Promise<void>((resolve) => {
    reply.on('data', (d: Buffer) => res.write(d));
    reply.once('end', resolve);
    reply.once('error', () => resolve());
    reply.once('close', () => resolve());
  });
  if (!res.writableEnded) res.end();
}
