/** Authentication: x509 client certificates verified by the TLS layer against the cluster CA. */
import type { TLSSocket } from 'node:tls';
import type { Req } from '../http/body.js';
import { ANONYMOUS, type UserInfo } from './user.js';

function tlsSocket(req: Req): TLSSocket | undefined {
  const s = (req as { socket?: unknown }).socket as TLSSocket | undefined;
  return s && typeof s.getPeerCertificate === 'function' ? s : undefined;
}

/** The user of a request, or undefined when it presented credentials that are not valid (401). */
export function authenticate(req: Req): UserInfo | undefined {
  const sock = tlsSocket(req);
  if (sock) {
    const cert = sock.getPeerCertificate();
    if (cert && Object.keys(cert).length > 0) {
      if (!sock.authorized) return undefined;
      const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
      const cn = subject.CN;
      const o = subject.O;
      const username = Array.isArray(cn) ? cn[0]! : (cn ?? '');
      if (!username) return undefined;
      const groups = Array.isArray(o) ? [...o] : o ? [o] : [];
      return { username, groups: [...groups, 'system:authenticated'] };
    }
  }
  if (req.headers.authorization) return undefined; // bearer tokens come with the security issue
  return ANONYMOUS;
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

/** Until RBAC lands: system:masters may do everything; anonymous may read the public paths only. */
export function authorizeNonResource(user: UserInfo, path: string, verb: string): boolean {
  if (user.groups.includes('system:masters')) return true;
  const base = path.replace(/\/$/, '') || '/';
  return verb === 'get' && (PUBLIC_PATHS.has(base) || [...PUBLIC_PATHS].some((p) => base.startsWith(`${p}/`)));
}

export function authorizeResource(user: UserInfo): boolean {
  return user.groups.includes('system:masters');
}
