/**
 * The audit log (`--audit-log-path`, `--audit-policy-file`): one
 * audit.k8s.io/v1 Event per line per stage, as kube-apiserver writes them.
 * Secrets, tokens and token reviews are never logged beyond Metadata, so
 * their contents never reach the log.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { UserInfo } from '../auth/user.js';
import type { Req } from '../http/body.js';
import type { Res } from '../http/respond.js';
import type { RequestInfo } from '../request-info.js';
import { levelFor, type Level, type Policy } from './policy.js';

const SENSITIVE = new Set(['secrets', 'tokenreviews', 'serviceaccounts/token', 'tokenrequests']);

export interface AuditRecord {
  decide(allowed: boolean, reason: string): void;
}

const ts = (d: Date) => d.toISOString().replace(/(\.\d{6})\d*Z$/, '$1Z');

export class AuditLog {
  private readonly out: WriteStream;

  constructor(
    path: string,
    private readonly policy: Policy,
  ) {
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
  }

  close(): void {
    this.out.end();
  }

  /** Start the record of one request; the ResponseComplete event is written when the response ends. */
  begin(req: Req, res: Res, user: UserInfo, info: RequestInfo, path: string): AuditRecord | undefined {
    const combined = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    let { level, omitStages } = levelFor(this.policy, {
      user: user.username,
      groups: user.groups,
      verb: info.isResourceRequest ? info.verb : (req.method ?? 'GET').toLowerCase(),
      group: info.group,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      path,
      isResource: info.isResourceRequest,
    });
    if (level === 'None') return undefined;
    if (info.isResourceRequest && (SENSITIVE.has(info.resource) || SENSITIVE.has(combined))) level = 'Metadata';
    const received = new Date();
    const auditID = randomUUID();
    res.setHeader('Audit-Id', auditID);
    const annotations: Record<string, string> = {};
    const sock = (req as { socket?: { remoteAddress?: string } }).socket;
    const base = (stage: string, code?: number) => ({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: level as Level,
      auditID,
      stage,
      requestURI: req.url ?? path,
      verb: info.isResourceRequest ? info.verb : (req.method ?? 'GET').toLowerCase(),
      user: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) },
      sourceIPs: [sock?.remoteAddress?.replace(/^::ffff:/, '') ?? ''],
      ...(req.headers['user-agent'] ? { userAgent: String(req.headers['user-agent']) } : {}),
      ...(info.isResourceRequest
        ? { objectRef: { resource: info.resource, ...(info.namespace ? { namespace: info.namespace } : {}), ...(info.name ? { name: info.name } : {}), apiGroup: info.group || undefined, apiVersion: info.version, ...(info.subresource ? { subresource: info.subresource } : {}) } }
        : {}),
      ...(code !== undefined ? { responseStatus: { metadata: {}, code } } : {}),
      requestReceivedTimestamp: ts(received),
      stageTimestamp: ts(new Date()),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    });
    if (!omitStages.includes('RequestReceived')) this.write(base('RequestReceived'));
    let body: string | undefined;
    if (level === 'RequestResponse') {
      const end = res.end.bind(res) as (...a: unknown[]) => unknown;
      (res as { end: (...a: unknown[]) => unknown }).end = (...a: unknown[]) => {
        if (typeof a[0] === 'string' || Buffer.isBuffer(a[0])) body = String(a[0]);
        return end(...a);
      };
    }
    res.once('close', () => {
      if (omitStages.includes('ResponseComplete')) return;
      const ev: Record<string, unknown> = base('ResponseComplete', res.statusCode);
      if (body !== undefined && body.startsWith('{')) {
        try {
          ev.responseObject = JSON.parse(body) as unknown;
        } catch {
          // not JSON (protobuf, table text): metadata only
        }
      }
      this.write(ev);
    });
    return {
      decide(allowed, reason) {
        annotations['authorization.k8s.io/decision'] = allowed ? 'allow' : 'forbid';
        annotations['authorization.k8s.io/reason'] = reason;
      },
    };
  }

  private write(ev: object): void {
    this.out.write(`${JSON.stringify(ev)}\n`);
  }
}
