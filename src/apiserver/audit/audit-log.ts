/**
 * The audit log (`--audit-log-path`, `--audit-policy-file`): one
 * audit.k8s.io/v1 Event per line per stage, as kube-apiserver writes them.
 * As upstream's filter order (authentication → audit → impersonation), the
 * event's `user` is who authenticated and `impersonatedUser` whom they act
 * as; the policy is evaluated for the authenticated user. Request level adds
 * `requestObject`, RequestResponse also `responseObject`. Failed
 * authentication is one ResponseStarted event with code 401. Secrets, tokens
 * and token reviews are never logged beyond Metadata, so their contents never
 * reach the log.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { UserInfo } from '../auth/user.js';
import type { Req } from '../http/body.js';
import type { Res } from '../http/respond.js';
import type { RequestInfo } from '../request-info.js';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from '../protobuf/index.js';
import { levelFor, type Level, type Policy } from './policy.js';

const SENSITIVE = new Set(['secrets', 'tokenreviews', 'serviceaccounts/token', 'tokenrequests']);

export interface AuditRecord {
  decide(allowed: boolean, reason: string): void;
  /** The request acts as this user (impersonation). */
  impersonated(user: UserInfo): void;
}

/** Request bodies kept for `requestObject` up to this size (the API's own limit is 3 MiB). */
const MAX_AUDITED_BODY = 3 * 1024 * 1024;

const userJson = (u: UserInfo) => ({ username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) });

/**
 * Keeps a copy of the request body as the HTTP parser pushes it, without
 * consuming the stream. Must be installed synchronously when the request
 * arrives, before any body chunk is pushed.
 */
export function captureBody(req: Req): () => Buffer | undefined {
  const chunks: Buffer[] = [];
  let size = 0;
  const r = req as unknown as { push: (chunk: unknown, enc?: BufferEncoding) => boolean };
  const push = r.push.bind(req);
  r.push = (chunk: unknown, enc?: BufferEncoding) => {
    if (chunk !== null && chunk !== undefined && size <= MAX_AUDITED_BODY) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, enc);
      size += b.length;
      chunks.push(b);
    }
    return push(chunk, enc);
  };
  return () => (size > 0 && size <= MAX_AUDITED_BODY ? Buffer.concat(chunks) : undefined);
}

/** The request body as an object: JSON, or Kubernetes protobuf (kubectl's create) decoded as upstream logs it. */
function requestObjectOf(b: Buffer | undefined, contentType: string): unknown {
  if (b === undefined) return undefined;
  if (contentType.startsWith(PROTOBUF_CONTENT_TYPE)) {
    try {
      return decodeKubernetesProtobuf(b).object;
    } catch {
      return undefined;
    }
  }
  return jsonOf(b);
}

const jsonOf = (b: Buffer | string | undefined): unknown => {
  if (b === undefined) return undefined;
  const text = b.toString();
  if (!text.trimStart().startsWith('{')) return undefined; // protobuf, YAML apply patches, text
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

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
  begin(req: Req, res: Res, user: UserInfo, info: RequestInfo, path: string, requestBody?: () => Buffer | undefined): AuditRecord | undefined {
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
    let actingAs: UserInfo | undefined;
    const sock = (req as { socket?: { remoteAddress?: string } }).socket;
    const sourceIP = sock?.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const base = (stage: string, code?: number) => ({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: level as Level,
      auditID,
      stage,
      requestURI: req.url ?? path,
      verb: info.isResourceRequest ? info.verb : (req.method ?? 'GET').toLowerCase(),
      user: userJson(user),
      ...(actingAs ? { impersonatedUser: userJson(actingAs) } : {}),
      sourceIPs: [sourceIP],
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
    // Creates name their object only in the body: upstream fills objectRef from the decoded object at every level.
    const withBody = level === 'Request' || level === 'RequestResponse';

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
      const requestObject = requestObjectOf(requestBody?.(), String(req.headers['content-type'] ?? ''));
      const ref = ev.objectRef as Record<string, unknown> | undefined;
      const meta = (requestObject as { metadata?: { name?: unknown } } | undefined)?.metadata;
      if (ref && !ref.name && typeof meta?.name === 'string' && info.verb === 'create') ref.name = meta.name;
      if (requestObject !== undefined && withBody) ev.requestObject = requestObject;
      const responseObject = jsonOf(body);
      if (responseObject !== undefined) ev.responseObject = responseObject;
      this.write(ev);
    });
    return {
      decide(allowed, reason) {
        annotations['authorization.k8s.io/decision'] = allowed ? 'allow' : 'forbid';
        annotations['authorization.k8s.io/reason'] = reason;
      },
      impersonated(u) {
        actingAs = u;
      },
    };
  }

  /**
   * A request whose credentials did not authenticate (401), as upstream's
   * WithFailedAuthenticationAudit: one ResponseStarted event, no user, the
   * methods tried in the status message.
   */
  failedAuthentication(req: Req, info: RequestInfo, path: string): void {
    const verb = info.isResourceRequest ? info.verb : (req.method ?? 'GET').toLowerCase();
    const { level, omitStages } = levelFor(this.policy, { user: '', groups: [], verb, group: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name, path, isResource: info.isResourceRequest });
    if (level === 'None' || omitStages.includes('ResponseStarted')) return;
    const sock = (req as { socket?: { remoteAddress?: string; getPeerCertificate?: () => object } }).socket;
    const methods: string[] = [];
    const peer = sock?.getPeerCertificate?.();
    if (peer && Object.keys(peer).length) methods.push('x509');
    if (req.headers.authorization !== undefined) methods.push(/^basic /i.test(String(req.headers.authorization)) ? 'basic' : 'token');
    const now = ts(new Date());
    this.write({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID: randomUUID(),
      stage: 'ResponseStarted',
      requestURI: req.url ?? path,
      verb,
      user: {},
      sourceIPs: [sock?.remoteAddress?.replace(/^::ffff:/, '') ?? ''],
      ...(req.headers['user-agent'] ? { userAgent: String(req.headers['user-agent']) } : {}),
      ...(info.isResourceRequest
        ? { objectRef: { resource: info.resource, ...(info.namespace ? { namespace: info.namespace } : {}), ...(info.name ? { name: info.name } : {}), apiGroup: info.group || undefined, apiVersion: info.version, ...(info.subresource ? { subresource: info.subresource } : {}) } }
        : {}),
      responseStatus: { metadata: {}, status: 'Failure', message: `Authentication failed, attempted: ${methods.join(', ')}`, reason: 'Unauthorized', code: 401 },
      requestReceivedTimestamp: now,
      stageTimestamp: now,
    });
  }

  private write(ev: object): void {
    this.out.write(`${JSON.stringify(ev)}\n`);
  }
}
