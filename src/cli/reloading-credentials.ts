/**
 * Client credentials that follow a rotated certificate, for the node's
 * network components (kube-proxy, NetworkPolicy/routes agent, DNS) when they
 * run on the agent's credentials. The agent rotates its client certificate
 * (src/kubelet/tls-bootstrap-rotation.ts) and rewrites its kubeconfig; an
 * admin may replace a `--kubeconfig` file the same way. As client-go's
 * certificate-file reloading does, the transport re-reads the credentials
 * every `checkIntervalMs` (on a timer, and before a request when that long
 * has passed) and at once when a request is refused with 401:
 * when the certificate changed, new requests open a session with the new
 * one, the old sessions close after `drainMs` (so open watches re-dial with
 * the new certificate), and the refused request is sent again.
 * @module
 */
import { RotatingTransport, type ClientOptions, type Transport, type TransportRequest, type TransportResponse, type TransportTlsOptions } from '../client/index.js';
import { readKubeconfig } from '../pki/index.js';

export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

export interface ReloadingTransportOptions {
  /** How often a request may trigger a look at the source (default 30 s). A 401 always does. */
  checkIntervalMs?: number;
  /** How long sessions on the old certificate stay open after a change (default 5 s). */
  drainMs?: number;
  log?(msg: string): void;
}

/** An HTTP/2 transport whose client certificate is re-read from `load` (undefined: keep the current one). */
export class ReloadingTransport implements Transport {
  readonly protocol = 'h2';
  private readonly inner: RotatingTransport;
  private certPem: string;
  private lastCheck = Date.now();
  private checking: Promise<boolean> | undefined;
  private readonly checkMs: number;
  /** Certificate changes picked up so far. */
  reloads = 0;

  constructor(
    tls: TransportTlsOptions & ClientCertificate,
    private readonly load: () => Promise<ClientCertificate | undefined>,
    private readonly opts: ReloadingTransportOptions = {},
  ) {
    this.inner = new RotatingTransport(tls, opts.drainMs ?? 5_000);
    this.certPem = tls.certPem;
    this.checkMs = opts.checkIntervalMs ?? 30_000;
    // Also without requests (informers idle on open watches), as client-go's certificate reloader runs on its own.
    this.timer = setInterval(() => void this.reload(), this.checkMs);
    this.timer.unref();
  }
  private readonly timer: NodeJS.Timeout;

  async request(req: TransportRequest): Promise<TransportResponse> {
    if (Date.now() - this.lastCheck >= this.checkMs) await this.reload();
    const res = await this.inner.request(req);
    if (res.status !== 401 || !(await this.reload())) return res;
    res.cancel();
    return this.inner.request(req);
  }

  /** Look at the source now; true when it held a new certificate (now in use). Concurrent callers share one look. */
  reload(): Promise<boolean> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async check(): Promise<boolean> {
    this.lastCheck = Date.now();
    let next: ClientCertificate | undefined;
    try {
      next = await this.load();
    } catch (e) {
      this.opts.log?.(`credentials: cannot re-read the client certificate: ${(e as Error).message}`);
      return false;
    }
    if (!next?.certPem || !next.keyPem || next.certPem === this.certPem) return false;
    this.certPem = next.certPem;
    this.inner.swap(next);
    this.reloads++;
    this.opts.log?.('credentials: the client certificate changed; new connections use the new one');
    return true;
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.inner.close();
  }
}

/** The client certificate of a kubeconfig's current context (embedded or a file it names), if it has one. */
export async function kubeconfigCertificate(path: string): Promise<ClientCertificate | undefined> {
  const k = await readKubeconfig(path);
  return k.clientCertPem && k.clientKeyPem ? { certPem: k.clientCertPem, keyPem: k.clientKeyPem } : undefined;
}

/**
 * Client options that follow the certificate in `kubeconfigPath`: a fresh
 * ReloadingTransport per call (each client closes its own). Options without a
 * client certificate (a token) are returned as they are.
 */
export function followingCredentials(base: ClientOptions, kubeconfigPath: string, opts: ReloadingTransportOptions = {}): () => ClientOptions {
  const certPem = base.certPem ?? base.clientCertPem;
  const keyPem = base.keyPem ?? base.clientKeyPem;
  if (!certPem || !keyPem || (base.transport !== undefined && base.transport !== 'h2')) return () => base;
  return () => {
    const tls: TransportTlsOptions & ClientCertificate = { server: base.server, caPem: base.caPem, certPem, keyPem, insecureSkipTlsVerify: base.insecureSkipTlsVerify, tlsServerName: base.tlsServerName };
    return { ...base, transport: new ReloadingTransport(tls, () => kubeconfigCertificate(kubeconfigPath), opts) };
  };
}
