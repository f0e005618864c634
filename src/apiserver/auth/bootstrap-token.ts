/** Bootstrap tokens (`<id>.<secret>`): a `bootstrap.kubernetes.io/token` Secret in kube-system, authenticating as `system:bootstrap:<id>`. */
import { timingSafeEqual } from 'node:crypto';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import type { UserInfo } from './user.js';

export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const SECRETS = '/registry/secrets/';

const decode = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '');

export function authenticateBootstrapToken(token: string, cache: WatchCache, now = Date.now()): UserInfo | undefined {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) return undefined;
  const [, id, secret] = m as unknown as [string, string, string];
  const obj = cache.get(SECRETS, `${SECRETS}kube-system/bootstrap-token-${id}`)?.obj;
  if (!obj || obj.type !== 'bootstrap.kubernetes.io/token' || obj.metadata.deletionTimestamp) return undefined;
  const data = (obj.data ?? {}) as Record<string, unknown>;
  const want = Buffer.from(decode(data['token-secret']));
  const got = Buffer.from(secret);
  if (decode(data['token-id']) !== id || want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  if (decode(data['usage-bootstrap-authentication']) !== 'true') return undefined;
  const exp = decode(data.expiration);
  if (exp && !(Date.parse(exp) > now)) return undefined;
  const extra = decode(data['auth-extra-groups']).split(',').map((g) => g.trim()).filter((g) => g.startsWith('system:bootstrappers:'));
  return { username: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}
