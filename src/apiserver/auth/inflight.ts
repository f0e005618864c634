/**
 * `--max-requests-inflight` / `--max-mutating-requests-inflight`: past the
 * limit a request is refused with 429 and `Retry-After: 1`, as upstream's
 * WithMaxInFlightLimit. Long-running requests (watch, exec, attach,
 * port-forward, proxy, log follow) and `system:masters` are not counted.
 * @module
 */
import { StatusError } from '../errors.js';
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from './user.js';

const LONG_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);
const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export function isLongRunning(info: RequestInfo, query: URLSearchParams): boolean {
  if (!info.isResourceRequest) return false;
  return info.verb === 'watch' || LONG_SUBRESOURCES.has(info.subresource) || (info.subresource === 'log' && query.get('follow') === 'true');
}

export class InflightLimiter {
  private readOnly = 0;
  private mutating = 0;

  constructor(private readonly limits: { readOnly: number; mutating: number }) {}

  /** Counts the request until `done` fires; throws 429 when over the limit. */
  enter(info: RequestInfo, query: URLSearchParams, user: UserInfo, done: (release: () => void) => void): void {
    if (user.groups.includes('system:masters') || isLongRunning(info, query)) return;
    const mut = info.isResourceRequest && MUTATING.has(info.verb);
    const limit = mut ? this.limits.mutating : this.limits.readOnly;
    if (limit <= 0) return;
    if ((mut ? this.mutating : this.readOnly) >= limit) {
      throw new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
    }
    if (mut) this.mutating++;
    else this.readOnly++;
    let released = false;
    done(() => {
      if (released) return;
      released = true;
      if (mut) this.mutating--;
      else this.readOnly--;
    });
  }
}
