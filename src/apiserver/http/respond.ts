/** Writing responses: JSON bodies, Status errors, and content negotiation for Tables. */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { StatusError, errors } from '../errors.js';

export type Res = ServerResponse | Http2ServerResponse;

export function sendJson(res: Res, code: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, code, typeof body === 'string' ? body : JSON.stringify(body), 'application/json', headers);
}

export function sendRaw(res: Res, code: number, text: string, contentType: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const buf = Buffer.from(text, 'utf8');
  (res as ServerResponse).writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': String(buf.length),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(buf);
}

export function sendError(res: Res, err: unknown): void {
  const e = err instanceof StatusError ? err : errors.internal(err instanceof Error ? err.message : String(err), err);
  const headers: Record<string, string> = {};
  if (e.details?.retryAfterSeconds) headers['Retry-After'] = String(e.details.retryAfterSeconds);
  sendJson(res, e.code, e.toStatus(), headers);
}

/** What the client asked for in Accept: a Table, object metadata only, or plain objects. */
export type Want = 'table' | 'metadata' | 'object';

export function negotiate(accept: string | undefined): Want {
  if (!accept) return 'object';
  for (const part of accept.split(',')) {
    const params = new Map<string, string>();
    const [type, ...rest] = part.split(';');
    for (const p of rest) {
      const [k, v] = p.split('=');
      if (k && v) params.set(k.trim(), v.trim());
    }
    const t = type!.trim();
    if (t !== 'application/json' && t !== '*/*') continue;
    const as = params.get('as');
    if (!as) return 'object';
    if (params.get('g') !== 'meta.k8s.io' || (params.get('v') !== 'v1' && params.get('v') !== 'v1beta1')) continue;
    if (as === 'Table') return 'table';
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return 'metadata';
  }
  if (/application\/(json|\*)|\*\/\*|application\/vnd\.kubernetes\.protobuf/.test(accept)) return 'object';
  throw errors.notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}
