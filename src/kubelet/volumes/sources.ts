/** Payloads of configMap, secret and serviceAccountToken sources, fetched through the API client. */
import { isNotFound, type Client, type Clock } from '../../client/index.js';
import type { KObject } from '../../api/index.js';
import type { Pod } from '../types.js';
import type { FileProjection } from './atomic-writer.js';
import type { KeyToPath, PodVolumeSpec, ServiceAccountTokenProjection } from './types.js';

type Payload = Map<string, FileProjection>;

/** Keys → files: every key, or only `items` (each with its own path and mode). */
function project(kind: 'configmap' | 'secret', data: Map<string, Buffer>, items: KeyToPath[] | undefined, optional: boolean, mode: number): Payload {
  const out: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of data) out.set(k, { data: v, mode });
    return out;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(kind === 'configmap' ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}`);
    }
    out.set(it.path, { data: v, mode: it.mode ?? mode });
  }
  return out;
}

function entries(obj: KObject, field: string, base64: boolean): Array<[string, Buffer]> {
  const d = obj[field];
  if (!d || typeof d !== 'object') return [];
  return Object.entries(d as Record<string, string>).map(([k, v]) => [k, Buffer.from(String(v), base64 ? 'base64' : 'utf8')]);
}

/** A configMap's files; an absent optional configMap gives none. */
export async function configMapPayload(client: Client, ns: string, src: { name?: string; items?: KeyToPath[]; optional?: boolean }, mode: number): Promise<Payload> {
  const name = src.name ?? '';
  let cm: KObject;
  try {
    cm = await client.resource('configmaps', ns).get(name);
  } catch (e) {
    if (isNotFound(e)) {
      if (src.optional) return new Map();
      throw new Error(`configmap "${name}" not found`);
    }
    throw e;
  }
  const data = new Map([...entries(cm, 'data', false), ...entries(cm, 'binaryData', true)]);
  return project('configmap', data, src.items, src.optional === true, mode);
}

/** A secret's files; an absent optional secret gives none. */
export async function secretPayload(client: Client, ns: string, src: { name?: string; items?: KeyToPath[]; optional?: boolean }, mode: number): Promise<Payload> {
  const name = src.name ?? '';
  let s: KObject;
  try {
    s = await client.resource('secrets', ns).get(name);
  } catch (e) {
    if (isNotFound(e)) {
      if (src.optional) return new Map();
      throw new Error(`secret "${name}" not found`);
    }
    throw e;
  }
  return project('secret', new Map(entries(s, 'data', true)), src.items, src.optional === true, mode);
}

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * Bound ServiceAccount tokens per pod, audience and lifetime (upstream
 * token manager): reused until 80 % of the lifetime passed, then requested anew.
 */
export class TokenCache {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
  ) {}

  private key(pod: Pod, p: ServiceAccountTokenProjection): string {
    return `${pod.metadata.uid ?? ''}/${(pod.spec as PodVolumeSpec).serviceAccountName ?? 'default'}/${p.audience ?? ''}/${p.expirationSeconds ?? 3600}`;
  }

  /** When the cached token of this projection needs refreshing (ms since epoch), if there is one. */
  refreshAt(pod: Pod, p: ServiceAccountTokenProjection): number | undefined {
    const t = this.cache.get(this.key(pod, p));
    return t && t.issuedAt + 0.8 * (t.expiresAt - t.issuedAt);
  }

  async get(pod: Pod, p: ServiceAccountTokenProjection): Promise<string> {
    const key = this.key(pod, p);
    const now = this.clock.now();
    const cached = this.cache.get(key);
    if (cached && now < cached.issuedAt + 0.8 * (cached.expiresAt - cached.issuedAt)) return cached.token;
    const sa = (pod.spec as PodVolumeSpec).serviceAccountName || 'default';
    const ns = pod.metadata.namespace ?? 'default';
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: p.audience ? [p.audience] : [],
        expirationSeconds: p.expirationSeconds ?? 3600,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
      },
    };
    let res: { status?: { token?: string; expirationTimestamp?: string } };
    try {
      res = await this.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, { body });
    } catch (e) {
      // Keep serving a still-valid token when the API server is briefly away.
      if (cached && now < cached.expiresAt) return cached.token;
      throw new Error(`failed to fetch token: ${e instanceof Error ? e.message : String(e)}`);
    }
    const token = res.status?.token ?? '';
    const exp = Date.parse(res.status?.expirationTimestamp ?? '');
    const expiresAt = Number.isFinite(exp) && exp > now ? now + (exp - Date.now()) : now + (p.expirationSeconds ?? 3600) * 1000;
    this.cache.set(key, { token, issuedAt: now, expiresAt });
    return token;
  }

  forgetPod(uid: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${uid}/`)) this.cache.delete(k);
  }
}
