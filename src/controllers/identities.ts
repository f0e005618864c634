/**
 * Per-controller identities, as kube-controller-manager's
 * `--use-service-account-credentials`: the manager's own user only reads
 * (informers) and holds the leader Lease; each controller writes as the
 * ServiceAccount `kube-system/<sa>`, bound by the bootstrap policy to its
 * `system:controller:<sa>` role. The manager ensures the ServiceAccount
 * exists and mints a short-lived token for it (TokenRequest), refreshed at
 * 80% of its life; every controller's requests share one token-only HTTP/2
 * connection (no client certificate, or x509 would win over the token).
 */
import { Client, Http2Transport, isAlreadyExists, isNotFound, realClock, type Clock, type Transport, type TransportRequest, type TransportResponse, type TransportTlsOptions } from '../client/index.js';

/** Each controller's ServiceAccount (upstream names, cmd/kube-controller-manager). */
export const CONTROLLER_SERVICE_ACCOUNTS: Record<string, string> = {
  replicaset: 'replicaset-controller',
  replicationcontroller: 'replication-controller',
  deployment: 'deployment-controller',
  garbagecollector: 'generic-garbage-collector',
  namespace: 'namespace-controller',
  serviceaccount: 'service-account-controller',
  'root-ca-certificate-publisher': 'root-ca-cert-publisher',
  endpointslice: 'endpointslice-controller',
  endpointslicemirroring: 'endpointslicemirroring-controller',
  endpoint: 'endpoint-controller',
  job: 'job-controller',
  'ttl-after-finished': 'ttl-after-finished-controller',
  cronjob: 'cronjob-controller',
  statefulset: 'statefulset-controller',
  daemonset: 'daemon-set-controller',
  podgc: 'pod-garbage-collector',
  'certificatesigningrequest-signing': 'certificate-controller',
  'certificatesigningrequest-approving': 'certificate-controller',
  'clusterrole-aggregation': 'clusterrole-aggregation-controller',
  disruption: 'disruption-controller',
  resourcequota: 'resourcequota-controller',
  horizontalpodautoscaling: 'horizontal-pod-autoscaler',
  // upstream: IPAM, lifecycle and the taint eviction controller all write as node-controller.
  nodeipam: 'node-controller',
  nodelifecycle: 'node-controller',
  'taint-eviction-controller': 'node-controller',
  'service-lb-controller': 'service-controller',
  'local-path-provisioner': 'local-path-provisioner',
  // k8ts's own: writes as the DNS's ServiceAccount (k8ts:kube-dns-publisher in kube-system).
  'kube-dns-endpoints': 'kube-dns',
};

export const SA_NAMESPACE = 'kube-system';
const TOKEN_SECONDS = 3600;

/** Adds a ServiceAccount's bearer token to every request over a shared transport, renewing it before it expires. */
class TokenTransport implements Transport {
  readonly protocol: string;
  private token = '';
  private refreshAt = 0;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly base: Transport,
    private readonly mint: () => Promise<{ token: string; expiresAtMs: number }>,
    private readonly clock: Clock,
  ) {
    this.protocol = base.protocol;
  }

  async ensureToken(): Promise<void> {
    if (this.token && this.clock.now() < this.refreshAt) return;
    this.pending ??= (async () => {
      try {
        const now = this.clock.now();
        const t = await this.mint();
        this.token = t.token;
        this.refreshAt = now + (t.expiresAtMs - now) * 0.8;
      } finally {
        this.pending = undefined;
      }
    })();
    await this.pending;
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    await this.ensureToken();
    return this.base.request({ ...req, headers: { ...req.headers, authorization: `Bearer ${this.token}` } });
  }

  async close(): Promise<void> {
    // The shared base transport is closed by its owner.
  }
}

export interface ServiceAccountClientsOptions {
  /** The manager's own client: ensures ServiceAccounts and requests their tokens. */
  manager: Client;
  /** Where the API server is (its CA); no client certificate is used for the tokens' connection. */
  tls: TransportTlsOptions;
  userAgent?: string;
  clock?: Clock;
  log(msg: string): void;
}

/** Builds (once per ServiceAccount) a client that writes as `system:serviceaccount:kube-system:<sa>`. */
export class ServiceAccountClients {
  private base: Transport | undefined;
  private readonly clients = new Map<string, Promise<Client>>();
  private readonly clock: Clock;

  constructor(private readonly o: ServiceAccountClientsOptions) {
    this.clock = o.clock ?? realClock;
  }

  clientFor(sa: string): Promise<Client> {
    let c = this.clients.get(sa);
    if (!c) {
      c = this.build(sa);
      this.clients.set(sa, c);
      c.catch(() => this.clients.delete(sa));
    }
    return c;
  }

  private async build(sa: string): Promise<Client> {
    await this.ensureServiceAccount(sa);
    this.base ??= new Http2Transport({ server: this.o.tls.server, caPem: this.o.tls.caPem, insecureSkipTlsVerify: this.o.tls.insecureSkipTlsVerify, tlsServerName: this.o.tls.tlsServerName });
    const transport = new TokenTransport(this.base, () => this.mint(sa), this.clock);
    await transport.ensureToken();
    const ua = `${this.o.userAgent ?? 'kube-controller-manager/v1.32.0 (k8ts)'}/system:serviceaccount:${SA_NAMESPACE}:${sa}`;
    return new Client({ server: this.o.tls.server, transport, qps: -1, userAgent: ua });
  }

  private async ensureServiceAccount(sa: string): Promise<void> {
    const api = this.o.manager.resource('serviceaccounts', SA_NAMESPACE);
    try {
      await api.get(sa);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: SA_NAMESPACE } }).catch((err: unknown) => (isAlreadyExists(err) ? undefined : Promise.reject(err)));
    }
  }

  private async mint(sa: string): Promise<{ token: string; expiresAtMs: number }> {
    const r = await this.o.manager.resource('serviceaccounts', SA_NAMESPACE).subresource<{ status?: { token?: string; expirationTimestamp?: string } }>(sa, 'token', {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: TOKEN_SECONDS } },
    });
    const token = r.status?.token;
    if (!token) throw new Error(`controller-manager: no token for service account ${SA_NAMESPACE}/${sa}`);
    const exp = r.status?.expirationTimestamp ? Date.parse(r.status.expirationTimestamp) : this.clock.now() + TOKEN_SECONDS * 1000;
    return { token, expiresAtMs: exp };
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.clients.values());
    for (const c of all) if (c.status === 'fulfilled') await c.value.close().catch(() => undefined);
    await this.base?.close();
  }
}
