/**
 * The API server: HTTPS (HTTP/2 and HTTP/1.1 on one port), authentication,
 * authorisation, then discovery, OpenAPI, health, or the REST handlers over
 * the watch cache and the store.
 * @module
 */
import http2, { type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { builtinRegistry, type Registry, type ResourceDef } from '../api/index.js';
import type { Store } from '../store/index.js';
import { authenticate, configureServiceAccountTokens } from './auth/authn.js';
import { impersonate } from './auth/impersonate.js';
import { handleTokenRequest } from './auth/token-request.js';
import { InflightLimiter, isLongRunning } from './auth/inflight.js';
import { H2_SERVER_LIMITS } from './http/h2-limits.js';
import { DEFAULT_LIMITS, installConnectionLimits, REQUEST_TIMEOUT_MESSAGE, type ConnectionLimits } from './auth/connection-limits.js';
import { AuditLog, captureBody } from './audit/audit-log.js';
import type { Policy as AuditPolicy } from './audit/policy.js';
import { authorize, forbiddenMessage, selectorName, type Attributes } from './auth/authorize.js';
import { installAdmission } from './admission/index.js';
import { AGGREGATED_CONTENT_TYPE, aggregatedDiscovery, legacyApiVersions, legacyGroup, legacyGroupList, resourceList, wantsAggregated } from './discovery.js';
import { errors, StatusError } from './errors.js';
import type { Req } from './http/body.js';
import { sendError, sendJson, sendRaw, type Res } from './http/respond.js';
import { OpenApi } from './openapi.js';
import { ResourceStore } from './registry/resource-store.js';
import { resourcePrefix } from './registry/keys.js';
import { requestInfo } from './request-info.js';
import type { ServerParts } from './rest/context.js';
import { dispatch } from './rest/dispatch.js';
import { VERSION_INFO } from './version.js';
import { ApiMetrics } from './metrics.js';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf/index.js';
import { WatchCache } from './watch-cache/watch-cache.js';
import { installKindHooks } from './registry/kind-hooks.js';
import { installConversions } from './registry/conversions.js';
import { readConfiguration } from './encryption/config.js';
import { EncryptedStore } from './encryption/encrypted-store.js';
import { SecretsEncryption } from './encryption/secrets-encryption.js';
import { configureKubeletClient, noteUpgrade, type KubeletClientCredentials } from './rest/streams.js';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { handleResourceMetrics, metricsDiscoveryAt, METRICS_GROUP, withMetricsDiscovery, type ResourceMetricsProvider } from './rest/resource-metrics.js';

/** The verb label kube-apiserver's metrics use. */
const REPORTED_VERB: Record<string, string> = { create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETECOLLECTION', get: 'GET', list: 'LIST', watch: 'WATCH' };

export interface ApiServerOptions {
  store: Store;
  registry?: Registry;
  tls: { certPem: string; keyPem: string; caPem: string };
  port?: number;
  host?: string;
  serviceCIDR?: string;
  /** Decoders for extra request media types (e.g. Kubernetes protobuf). */
  decoders?: Map<string, (body: Buffer) => unknown>;
  log?: (msg: string) => void;
  /** sa.key / sa.pub: signs and verifies ServiceAccount tokens. */
  serviceAccountKeys?: { keyPem: string; publicKeyPem: string };
  /** `--max-requests-inflight` / `--max-mutating-requests-inflight` (0: no limit). */
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
  /** `--audit-log-path` with its policy. */
  audit?: { path: string; policy: AuditPolicy };
  /** The certificate presented to kubelets (pods/log, exec, attach, portforward): pki `apiserver-kubelet-client`. */
  kubeletClient?: KubeletClientCredentials;
  /** `--disable-admission-plugins` (admission/index.ts OPTIONAL_ADMISSION_PLUGINS). */
  disabledAdmissionPlugins?: string[];
  /** Header, idle and request timeouts (auth/connection-limits.ts). */
  limits?: ConnectionLimits;
  /** Encryption at rest (`--secrets-encryption`): the EncryptionConfiguration file; encryptWrites false only decrypts. */
  encryption?: { configPath: string; encryptWrites: boolean };
}

export class ApiServer {
  readonly parts: ServerParts;
  private readonly server: Http2SecureServer;
  private readonly openapi: OpenApi;
  private ready = false;
  readonly metrics = new ApiMetrics();
  private address = '';
  private readonly limiter: InflightLimiter;
  private readonly audit: AuditLog | undefined;
  private readonly encryption: SecretsEncryption | undefined;
  /** metrics.k8s.io's source (rest/resource-metrics.ts); the group is served while one is set. */
  private resourceMetrics: ResourceMetricsProvider | undefined;

  constructor(private readonly opts: ApiServerOptions) {
    const registry = opts.registry ?? builtinRegistry();
    const buckets = [...new Set(registry.defs.map(resourcePrefix))];
    // Encryption at rest wraps the store: everything above it sees plaintext.
    let store: Store = opts.store;
    if (opts.encryption) {
      const es = new EncryptedStore(opts.store, readConfiguration(opts.encryption.configPath), opts.encryption.encryptWrites, (m) => opts.log?.(m));
      this.encryption = new SecretsEncryption(es, opts.encryption.configPath, (m) => opts.log?.(m));
      store = es;
    }
    const cache = new WatchCache(store, buckets);
    const resources = new Map<ResourceDef, ResourceStore>();
    for (const d of registry.defs) resources.set(d, new ResourceStore(d, store, cache));
    this.parts = { registry, store, cache, resources, decoders: new Map([[PROTOBUF_CONTENT_TYPE, (b: Buffer) => decodeKubernetesProtobuf(b).object], ...(opts.decoders ?? [])]) };
    installConversions(resources.values());
    installKindHooks(this.parts, { serviceCIDR: opts.serviceCIDR ?? '10.43.0.0/16' });
    installAdmission(this.parts, { disabled: opts.disabledAdmissionPlugins });
    if (opts.serviceAccountKeys) configureServiceAccountTokens(this.parts, opts.serviceAccountKeys);
    this.limiter = new InflightLimiter({ readOnly: opts.maxRequestsInflight ?? 400, mutating: opts.maxMutatingRequestsInflight ?? 200 });
    this.audit = opts.audit && new AuditLog(opts.audit.path, opts.audit.policy);
    this.openapi = new OpenApi(registry);
    this.server = http2.createSecureServer(
      {
        allowHTTP1: true,
        cert: opts.tls.certPem,
        key: opts.tls.keyPem,
        ca: opts.tls.caPem,
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        handshakeTimeout: opts.limits?.headersTimeoutMs ?? DEFAULT_LIMITS.headersTimeoutMs,
        ...H2_SERVER_LIMITS, // header-list size and session memory (http/h2-limits.ts)
      },
      (req, res) =>
        void this.handle(req, res).catch((e: unknown) => {
          // Last resort: a failure while answering must never take the server down.
          this.opts.log?.(`response failed: ${e instanceof Error ? e.message : String(e)}`);
          (res as { destroy?: () => void }).destroy?.();
        }),
    );
    installConnectionLimits(this.server, opts.limits);
    // --- upgrade requests (pods/exec, attach, portforward): the normal pipeline on an HTTP/1.1 response bound to the socket ---
    if (opts.kubeletClient) configureKubeletClient(this.parts, opts.kubeletClient);
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket);
      res.once('finish', () => socket.end());
      noteUpgrade(req, socket, head);
      void this.handle(req, res).catch(() => socket.destroy());
    });
    // --- end upgrade requests ---
    this.server.on('sessionError', () => {});
    this.server.on('tlsClientError', () => {});
  }

  /** Fill the watch cache, then listen. Resolves with the bound port. */
  async start(): Promise<number> {
    await this.parts.cache.start((err) => this.opts.log?.(`watch cache stopped: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 6443, this.opts.host ?? '0.0.0.0', () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.address = `${this.opts.host && this.opts.host !== '0.0.0.0' ? this.opts.host : '127.0.0.1'}:${port}`;
    this.ready = true;
    return port;
  }

  async close(): Promise<void> {
    this.ready = false;
    this.parts.cache.stop();
    this.audit?.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Long-running watches would keep the server open: end every session.
      setTimeout(resolve, 2000).unref();
    });
  }

  /** Serve metrics.k8s.io/v1beta1 from `p` (src/metrics-server), or stop serving it (undefined). */
  setResourceMetrics(p: ResourceMetricsProvider | undefined): void {
    this.resourceMetrics = p;
  }

  resource(group: string, version: string, resource: string): ResourceStore | undefined {
    const d = this.parts.registry.resource(group, version, resource);
    return d ? this.parts.resources.get(d) : undefined;
  }

  private async handle(req: Req, res: Res): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://k8ts');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const warnings: string[] = [];
    const t0 = performance.now();
    const labels = { verb: 'other', group: '', version: '', resource: '', subresource: '' };
    res.once('finish', () => this.metrics.observe(labels, res.statusCode, (performance.now() - t0) / 1000));
    try {
      // The audit log may want the body: copy it from the first chunk on (before any await).
      const body = this.audit && (method === 'POST' || method === 'PUT' || method === 'PATCH') ? captureBody(req) : undefined;
      const info = requestInfo(method, path, url.searchParams);
      if (!isLongRunning(info, url.searchParams)) this.deadline(req, res);
      const authed = await authenticate(req, this.parts);
      if (!authed) {
        this.audit?.failedAuthentication(req, info, path);
        throw errors.unauthorized();
      }
      // Upstream's filter order: authentication → audit → impersonation → in-flight limit → authorization.
      const audit = this.audit?.begin(req, res, authed, info, path, body);
      const user = impersonate(req, authed, this.parts);
      if (user !== authed) audit?.impersonated(user);
      this.limiter.enter(info, url.searchParams, user, (release) => res.once('close', release));
      if (info.isResourceRequest) Object.assign(labels, { verb: REPORTED_VERB[info.verb] ?? info.verb.toUpperCase(), group: info.group, version: info.version, resource: info.resource, subresource: info.subresource });
      else labels.verb = method;
      if (!info.isResourceRequest) {
        const attrs: Attributes = { user, verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase(), path };
        const d = authorize(attrs, this.parts);
        audit?.decide(d.allowed, d.reason);
        if (!d.allowed) throw errors.forbidden(forbiddenMessage(attrs, d.reason));
        if (path.startsWith('/k8ts/secrets-encrypt/')) return await this.secretsEncrypt(res, path, method);
        return this.nonResource(req, res, path, method);
      }
      // --- metrics.k8s.io: served by the in-process provider, not the registry (rest/resource-metrics.ts) ---
      if (info.group === METRICS_GROUP && this.resourceMetrics) {
        return handleResourceMetrics({ req, res, info, query: url.searchParams, user, parts: this.parts, decide: (a, r) => audit?.decide(a, r) }, this.resourceMetrics);
      }
      // --- end metrics.k8s.io ---
      const def = this.parts.registry.resource(info.group, info.version, info.resource);
      if (!def) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      const attrs: Attributes = {
        user,
        verb: info.verb,
        namespace: def.namespaced ? info.namespace : undefined,
        group: info.group,
        version: info.version,
        resource: info.resource,
        subresource: info.subresource || undefined,
        name: info.name || (['list', 'watch', 'deletecollection'].includes(info.verb) ? selectorName(url.searchParams) : undefined),
      };
      const decision = authorize(attrs, this.parts);
      audit?.decide(decision.allowed, decision.reason);
      if (!decision.allowed) {
        throw errors.forbidden(forbiddenMessage(attrs, decision.reason), { name: info.name || undefined, group: info.group || undefined, kind: info.resource });
      }
      if (def.namespaced && !info.namespace && !['list', 'watch', 'deletecollection'].includes(info.verb) && !def.createOnly) {
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      }
      if (!def.namespaced && info.namespace) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      const rs = this.parts.resources.get(def)!;
      const origWriteHead = res.writeHead.bind(res) as (...a: unknown[]) => unknown;
      if (warnings) {
        (res as { writeHead: (...a: unknown[]) => unknown }).writeHead = (...a: unknown[]) => {
          if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
          return origWriteHead(...a);
        };
      }
      const rctx = { req, res, info, query: url.searchParams, def, rs, parts: this.parts, user, warnings };
      await (def.resource === 'serviceaccounts' && info.subresource === 'token' ? handleTokenRequest(rctx) : dispatch(rctx));
    } catch (e) {
      if (!(e instanceof StatusError)) this.opts.log?.(`${method} ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) sendError(res, e);
      else if (!res.writableEnded) res.end();
    }
  }

  /** `--request-timeout`: a request still unanswered then gets 504 (its handler's later writes are dropped). */
  private deadline(req: Req, res: Res): void {
    const t = setTimeout(() => {
      // A body still trickling in is dropped once the answer is out.
      res.once('finish', () => (req as { destroy?: () => void }).destroy?.());
      if (!res.headersSent) sendError(res, errors.timeout(REQUEST_TIMEOUT_MESSAGE));
      else if (!res.writableEnded) res.end();
    }, this.opts.limits?.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs);
    t.unref();
    res.once('close', () => clearTimeout(t));
  }

  /** `k8ts secrets-encrypt`: GET …/status, POST …/rotate (authorized as non-resource URLs: cluster-admin). */
  private async secretsEncrypt(res: Res, path: string, method: string): Promise<void> {
    const op = path.slice('/k8ts/secrets-encrypt/'.length);
    if (op !== 'status' && op !== 'rotate') throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if ((op === 'status') !== (method === 'GET')) throw errors.methodNotAllowed();
    if (!this.encryption) {
      if (op === 'status') return sendJson(res, 200, { enabled: false });
      throw errors.badRequest('secrets encryption is not enabled: start the server with --secrets-encryption');
    }
    return sendJson(res, 200, op === 'status' ? await this.encryption.status() : await this.encryption.rotate());
  }

  private nonResource(req: Req, res: Res, path: string, method: string): void {
    if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed();
    const accept = req.headers.accept;
    const p = path.replace(/\/$/, '') || '/';
    const verbose = new URL(req.url ?? '/', 'https://k8ts').searchParams.has('verbose');
    switch (p) {
      case '/version':
        return sendJson(res, 200, VERSION_INFO);
      case '/healthz':
      case '/livez':
      case '/readyz': {
        const ok = p !== '/readyz' || (this.ready && !this.parts.cache.error);
        const checks = ['[+]ping ok', '[+]etcd ok', `[${ok ? '+' : '-'}]informer-sync ${ok ? 'ok' : 'failed'}`];
        const body = verbose ? `${checks.join('\n')}\n${p.slice(1)} check ${ok ? 'passed' : 'failed'}\n` : ok ? 'ok' : 'not ready';
        return sendRaw(res, ok ? 200 : 500, body, 'text/plain; charset=utf-8');
      }
      case '/api':
        if (wantsAggregated(accept)) return sendRaw(res, 200, JSON.stringify(aggregatedDiscovery(this.parts.registry, true)), AGGREGATED_CONTENT_TYPE);
        return sendJson(res, 200, legacyApiVersions(this.address));
      case '/apis':
        if (wantsAggregated(accept)) return sendRaw(res, 200, JSON.stringify(withMetricsDiscovery(p, true, aggregatedDiscovery(this.parts.registry, false), !!this.resourceMetrics)), AGGREGATED_CONTENT_TYPE);
        return sendJson(res, 200, withMetricsDiscovery(p, false, legacyGroupList(this.parts.registry), !!this.resourceMetrics));
      case '/openapi/v3':
        return sendJson(res, 200, this.openapi.root());
      case '/metrics':
        void this.metrics.registry.metrics().then((text) => sendRaw(res, 200, text, this.metrics.registry.contentType));
        return;
      case '/openapi/v2':
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (p.startsWith('/openapi/v3/')) {
      const doc = this.openapi.doc(p.slice('/openapi/v3/'.length));
      if (doc) return sendRaw(res, 200, doc.body, 'application/json', { ETag: `"${doc.etag}"` });
    }
    const metricsDiscovery = this.resourceMetrics && metricsDiscoveryAt(p); // metrics.k8s.io (rest/resource-metrics.ts)
    if (metricsDiscovery) return sendJson(res, 200, metricsDiscovery);
    const segs = p.split('/').filter(Boolean);
    if (segs[0] === 'api' && segs.length === 2) {
      const list = resourceList(this.parts.registry, '', segs[1]!);
      if (list) return sendJson(res, 200, list);
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = legacyGroup(this.parts.registry, segs[1]!);
      if (g) return sendJson(res, 200, g);
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const list = resourceList(this.parts.registry, segs[1]!, segs[2]!);
      if (list) return sendJson(res, 200, list);
    }
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
}
