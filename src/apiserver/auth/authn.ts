/**
 * Authentication in kube-apiserver's order: x509 client certificates signed
 * by the cluster CA, then bearer tokens (bootstrap tokens, ServiceAccount
 * JWTs), else anonymous. Invalid credentials → undefined (401).
 * @module
 */
import { generateKeyPairSync } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Req } from '../http/body.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import { authenticateBootstrapToken, BOOTSTRAP_TOKEN_RE } from './bootstrap-token.js';
import { ServiceAccountTokens } from './service-account-token.js';
import { ANONYMOUS, type UserInfo } from './user.js';

function tlsSocket(req: Req): TLSSocket | undefined {
  const s = (req as { socket?: unknown }).socket as TLSSocket | undefined;
  return s && typeof s.getPeerCertificate === 'function' ? s : undefined;
}

/** Certificate identities per TLS connection: the peer certificate cannot change within one. */
const byConnection = new WeakMap<object, UserInfo | null>();
const tokenIssuers = new WeakMap<WatchCache, ServiceAccountTokens>();

/** Install the sa.key pair of a server; without one, an ephemeral key signs (tests). */
export function configureServiceAccountTokens(parts: { cache: WatchCache }, keys: { keyPem: string; publicKeyPem: string }): void {
  tokenIssuers.set(parts.cache, new ServiceAccountTokens(keys, parts.cache));
}

export function serviceAccountTokens(parts: { cache: WatchCache }): ServiceAccountTokens {
  let t = tokenIssuers.get(parts.cache);
  if (!t) {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    tokenIssuers.set(parts.cache, (t = new ServiceAccountTokens({ keyPem: k.privateKey, publicKeyPem: k.publicKey }, parts.cache)));
  }
  return t;
}

/** The user of a bearer token, or undefined. */
export async function authenticateToken(token: string, parts: { cache: WatchCache }, audiences?: string[]): Promise<{ user: UserInfo; audiences: string[] } | undefined> {
  if (BOOTSTRAP_TOKEN_RE.test(token)) {
    const user = authenticateBootstrapToken(token, parts.cache);
    return user ? { user, audiences: audiences ?? [] } : undefined;
  }
  return serviceAccountTokens(parts).authenticate(token, audiences);
}

function connectionUser(req: Req): UserInfo | undefined {
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

/** The user of a request, or undefined when it presented credentials that are not valid (401). */
export async function authenticate(req: Req, parts?: { cache: WatchCache }): Promise<UserInfo | undefined> {
  const certUser = connectionUser(req);
  if (certUser && certUser !== ANONYMOUS) return certUser;
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(String(header));
    if (!m || !parts) return undefined;
    return (await authenticateToken(m[1]!, parts))?.user;
  }
  return certUser;
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
