/**
 * Test support for controller unit tests: an in-memory API behind the client's
 * Transport interface, so a real controller (informers, queue, client) runs
 * against it with a fake clock. It serves what controllers use — list, watch,
 * get, create (generateName), update, status update, merge patch, delete — for
 * every resource of the built-in registry, with resourceVersions and uids, and
 * records every write. No validation, defaults, admission or selectors.
 */
import type { KObject } from '../api/index.js';
import { Client, realClock, type Clock, type Transport, type TransportRequest, type TransportResponse } from '../client/index.js';

export interface Write {
  verb: 'create' | 'update' | 'patch' | 'delete';
  /** `group/resource` (`/pods` for core), plus `/status` for the status subresource. */
  resource: string;
  namespace: string;
  name: string;
  object?: KObject;
}

type Stream = { push(line: string): void; end(): void; resource: string; namespace?: string };

/** Deep JSON merge patch (RFC 7386): null removes a member. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeApi implements Transport {
  readonly protocol = 'fake';
  /** Every write, in order. */
  readonly writes: Write[] = [];
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly streams = new Set<Stream>();
  private rv = 1;
  private uid = 0;

  constructor(private readonly clock: Clock = realClock) {}

  /** A client (no rate limit) that talks to this API. */
  client(): Client {
    return new Client({ server: 'https://fake.invalid', transport: this, qps: -1 });
  }

  /** Store an object as if someone else created it (informers see ADDED). */
  seed(resource: string, obj: KObject): KObject {
    return this.put(resource, { ...obj, metadata: { uid: `uid-${++this.uid}`, creationTimestamp: this.now(), ...obj.metadata } }, 'ADDED');
  }

  /** Replace an object's status as another component would (informers see MODIFIED). */
  setStatus(resource: string, namespace: string, name: string, status: unknown): KObject {
    const cur = this.get(resource, namespace, name);
    if (!cur) throw new Error(`fake api: no ${resource} ${namespace}/${name}`);
    return this.put(resource, { ...cur, status }, 'MODIFIED');
  }

  list(resource: string, namespace?: string): KObject[] {
    return [...(this.objects.get(resource)?.values() ?? [])].filter((o) => namespace === undefined || o.metadata.namespace === namespace);
  }

  get(resource: string, namespace: string, name: string): KObject | undefined {
    return this.objects.get(resource)?.get(`${namespace}/${name}`);
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private put(resource: string, obj: KObject, type: 'ADDED' | 'MODIFIED' | 'DELETED'): KObject {
    const stored: KObject = structuredClone({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } });
    let m = this.objects.get(resource);
    if (!m) this.objects.set(resource, (m = new Map()));
    const key = `${stored.metadata.namespace ?? ''}/${stored.metadata.name ?? ''}`;
    if (type === 'DELETED') m.delete(key);
    else m.set(key, stored);
    const line = `${JSON.stringify({ type, object: stored })}\n`;
    for (const s of this.streams) if (s.resource === resource && (s.namespace === undefined || s.namespace === stored.metadata.namespace)) s.push(line);
    return stored;
  }

  /** `/api/v1/namespaces/ns/pods/name/status` → parts. */
  private parse(path: string): { resource: string; namespace?: string; name?: string; sub?: string; query: URLSearchParams } {
    const url = new URL(path, 'https://x');
    const p = url.pathname.split('/').filter(Boolean);
    const group = p[0] === 'api' ? '' : (p[1] ?? '');
    let rest = p[0] === 'api' ? p.slice(2) : p.slice(3);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    return { resource: `${group}/${rest[0] ?? ''}`, namespace, name: rest[1], sub: rest[2], query: url.searchParams };
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const { resource, namespace, name, sub, query } = this.parse(req.path);
    const body = req.body === undefined ? undefined : (JSON.parse(typeof req.body === 'string' ? req.body : Buffer.from(req.body).toString('utf8')) as KObject);
    const reply = (status: number, obj: unknown): TransportResponse => {
      const bytes = new TextEncoder().encode(JSON.stringify(obj));
      return { status, headers: { 'content-type': 'application/json' }, body: (async function* () { yield bytes; })(), cancel: () => undefined };
    };
    const notFound = () => reply(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${resource} "${name ?? ''}" not found` });
    const key = `${namespace ?? ''}/${name ?? ''}`;
    const cur = name ? this.objects.get(resource)?.get(key) : undefined;
    if (req.method === 'GET' && query.get('watch') === 'true') return this.watch(resource, namespace, req.signal);
    if (req.method === 'GET' && !name) return reply(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: this.list(resource, namespace) });
    if (req.method === 'GET') return cur ? reply(200, cur) : notFound();
    const label = sub === 'status' ? `${resource}/status` : resource;
    if (req.method === 'POST' && !name && body) {
      const meta = { ...body.metadata, namespace: namespace ?? body.metadata.namespace };
      if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${(++this.uid).toString(36).padStart(5, '0')}`;
      const created = this.put(resource, { ...body, metadata: { ...meta, uid: `uid-${++this.uid}`, creationTimestamp: this.now(), generation: 1 } }, 'ADDED');
      this.writes.push({ verb: 'create', resource: label, namespace: namespace ?? '', name: meta.name ?? '', object: created });
      return reply(201, created);
    }
    if (req.method === 'POST' && name && sub) return reply(201, body ?? {}); // tokens, bindings, evictions: accepted
    if (!cur) return notFound();
    if (req.method === 'PUT' && body) {
      if (body.metadata.resourceVersion && body.metadata.resourceVersion !== cur.metadata.resourceVersion) {
        return reply(409, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: `Operation cannot be fulfilled on ${resource} "${name ?? ''}": the object has been modified; please apply your changes to the latest version and try again` });
      }
      const next = sub === 'status' ? { ...cur, status: body.status } : { ...body, status: cur.status, metadata: { ...body.metadata, uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp } };
      const updated = this.put(resource, next, 'MODIFIED');
      this.writes.push({ verb: 'update', resource: label, namespace: namespace ?? '', name: name ?? '', object: updated });
      return reply(200, updated);
    }
    if (req.method === 'PATCH') {
      const patched = this.put(resource, mergePatch(cur, body) as KObject, 'MODIFIED');
      this.writes.push({ verb: 'patch', resource: label, namespace: namespace ?? '', name: name ?? '', object: patched });
      return reply(200, patched);
    }
    if (req.method === 'DELETE') {
      this.put(resource, cur, 'DELETED');
      this.writes.push({ verb: 'delete', resource, namespace: namespace ?? '', name: name ?? '' });
      return reply(200, cur);
    }
    return reply(405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'MethodNotAllowed', code: 405, message: 'not supported by the fake API' });
  }

  /** A watch stream that stays open until the caller cancels or the API closes. */
  private watch(resource: string, namespace: string | undefined, signal?: AbortSignal): TransportResponse {
    const lines: string[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const stream: Stream = {
      resource,
      namespace,
      push: (l) => (lines.push(l), wake?.()),
      end: () => ((ended = true), wake?.()),
    };
    this.streams.add(stream);
    const done = () => (this.streams.delete(stream), stream.end());
    signal?.addEventListener('abort', done, { once: true });
    const enc = new TextEncoder();
    async function* body(): AsyncGenerator<Uint8Array> {
      for (;;) {
        const l = lines.shift();
        if (l !== undefined) yield enc.encode(l);
        else if (ended) return;
        else await new Promise<void>((r) => (wake = r));
      }
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: body(), cancel: done };
  }
}

/** Polls (real time: informers and the API are asynchronous) until `cond` holds. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets pending events and reconciles run (nothing is due on a fake clock meanwhile). */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));
