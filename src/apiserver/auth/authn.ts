/** Authentication: x509 client certificates verified by the TLS layer against the cluster CA. */
import type { TLSSocket } from 'node:tls';
import type { Req } from '../http/body.js';
import { ANONYMOUS, type UserInfo } from './user.js';

function tlsSocket(req: Req): TLSSocket | undefined {
  const s = (req as { socket?: unknown }).socket as TLSSocket | undefined;
  return s && typeof s.getPeerCertificate === 'function' ? s : undefined;
}

/** Certificate identities per TLS connection: the peer certificate cannot change within one. */
const byConnection = new WeakMap<object, UserInfo | null>();

/** The user of a request, or undefined when it presented credentials that are not valid (401). */
export function authenticate(req: Req): UserInfo | undefined {
  if (req.headers.authorization) return undefined; // bearer tokens come with the security issue
  const sock = tlsSocket(req);
  const key = (req as { stream?: { session?: object } }).stream?.session ?? sock;
  if (key) {
    const known = byConnection.get(key);
    if (known !== undefined) return known ?? undefined;
    const user = certificateUser(sock);
    byConnection.set(key, user ?? null);
    return user;
  }
  return certificateUser(sock);
}

function certificateUser(sock: TLSSocket | undefined): UserInfo | undefined {
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
  return ANONYMOUS;
}
