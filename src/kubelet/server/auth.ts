/**
 * Who may use the kubelet API: x509 client certificates signed by the cluster
 * CA (CN user, O groups) or bearer tokens checked by TokenReview; no anonymous
 * access. Authorisation by SubjectAccessReview against `nodes/<subresource>`,
 * the mapping upstream's kubelet uses, with a short cache.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Client } from '../../client/index.js';

export interface KubeletUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The `nodes/<subresource>` a kubelet path is authorised as (upstream's kubelet auth mapping). */
export function subresourceFor(path: string): string {
  const first = path.split('/')[1] ?? '';
  switch (first) {
    case 'stats':
      return 'stats';
    case 'metrics':
      return 'metrics';
    case 'logs':
      return 'log';
    case 'spec':
      return 'spec';
    case 'checkpoint':
      return 'checkpoint';
    case 'configz':
      return 'configz';
    case 'healthz':
      return 'healthz';
    default:
      return 'proxy';
  }
}

/** The authorisation verb of an HTTP method (upstream: POST create, GET/HEAD get, PUT update, PATCH patch, DELETE delete). */
export function verbFor(method: string): string {
  switch (method.toUpperCase()) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'get';
  }
}

interface Cached<T> {
  value: T;
  until: number;
}

export interface KubeletAuthOptions {
  client: Client;
  nodeName: string;
  /** How long allowed / denied decisions and token reviews are kept (upstream: 5 min / 30 s; here shorter). */
  allowTtlMs?: number;
  denyTtlMs?: number;
}

export class KubeletAuth {
  private readonly tokens = new Map<string, Cached<KubeletUser | undefined>>();
  private readonly decisions = new Map<string, Cached<{ allowed: boolean; reason: string }>>();
  private readonly allowTtl: number;
  private readonly denyTtl: number;

  constructor(private readonly o: KubeletAuthOptions) {
    this.allowTtl = o.allowTtlMs ?? 10_000;
    this.denyTtl = o.denyTtlMs ?? 2_000;
  }

  /** The request's user, or undefined (→ 401): a CA-signed client certificate first, then a bearer token. */
  async authenticate(req: IncomingMessage): Promise<KubeletUser | undefined> {
    const sock = req.socket as TLSSocket;
    const cert = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : undefined;
    if (cert && Object.keys(cert).length > 0) {
      if (!sock.authorized) return undefined;
      const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
      const cn = Array.isArray(subject.CN) ? subject.CN[0] : subject.CN;
      if (!cn) return undefined;
      const o = subject.O;
      const groups = Array.isArray(o) ? [...o] : o ? [o] : [];
      return { username: cn, groups: [...groups, 'system:authenticated'] };
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    return this.reviewToken(m[1]!);
  }

  private async reviewToken(token: string): Promise<KubeletUser | undefined> {
    const now = Date.now();
    const hit = this.tokens.get(token);
    if (hit && hit.until > now) return hit.value;
    const review = await this.o.client.request<{ status?: { authenticated?: boolean; user?: KubeletUser } }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      timeoutMs: 10_000,
    });
    const u = review.status?.authenticated && review.status.user?.username ? { ...review.status.user, groups: review.status.user.groups ?? [] } : undefined;
    this.remember(this.tokens, token, u, u ? this.allowTtl : this.denyTtl);
    return u;
  }

  /** SubjectAccessReview for `verb nodes/<subresource>` on this node. */
  async authorize(user: KubeletUser, verb: string, subresource: string): Promise<{ allowed: boolean; reason: string }> {
    const key = JSON.stringify([user.username, user.uid, user.groups, user.extra, verb, subresource]);
    const now = Date.now();
    const hit = this.decisions.get(key);
    if (hit && hit.until > now) return hit.value;
    const sar = await this.o.client.request<{ status?: { allowed?: boolean; reason?: string } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          uid: user.uid,
          groups: user.groups,
          extra: user.extra,
          resourceAttributes: { verb, group: '', version: 'v1', resource: 'nodes', subresource, name: this.o.nodeName },
        },
      },
      timeoutMs: 10_000,
    });
    const d = { allowed: sar.status?.allowed === true, reason: sar.status?.reason ?? '' };
    this.remember(this.decisions, key, d, d.allowed ? this.allowTtl : this.denyTtl);
    return d;
  }

  private remember<T>(m: Map<string, Cached<T>>, key: string, value: T, ttl: number): void {
    if (m.size > 4096) m.clear();
    m.set(key, { value, until: Date.now() + ttl });
  }
}

/** Upstream's wording for a refused kubelet request. */
export function forbiddenText(user: KubeletUser, verb: string, subresource: string): string {
  return `Forbidden (user=${user.username}, verb=${verb}, resource=nodes, subresource=${subresource})`;
}
