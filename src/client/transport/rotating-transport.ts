/**
 * An HTTP/2 transport with swappable client credentials, for clients whose
 * certificate is rotated while they run (the agent's own client, and the
 * node's network components that follow it).
 * @module
 */
import { Http2Transport } from './http2-transport.js';
import type { Transport, TransportRequest, TransportResponse, TransportTlsOptions } from './types.js';

/**
 * After a swap, new requests open a session with the new certificate;
 * sessions opened with the old one (watches, requests in flight) are closed
 * after `drainMs`, and the informers' watches reconnect with the new
 * certificate (upstream's kubelet closes its connections on rotation for the
 * same reason).
 */
export class RotatingTransport implements Transport {
  readonly protocol = 'h2';
  private inner: Http2Transport;
  private readonly retiring = new Map<Http2Transport, NodeJS.Timeout>();

  constructor(
    private readonly tls: TransportTlsOptions,
    private readonly drainMs = 60_000,
  ) {
    this.inner = new Http2Transport(tls);
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return this.inner.request(req);
  }

  /** New requests use `creds` from now on; the old sessions close after the drain period. */
  swap(creds: { certPem: string; keyPem: string }): void {
    const old = this.inner;
    this.inner = new Http2Transport({ ...this.tls, certPem: creds.certPem, keyPem: creds.keyPem });
    const timer = setTimeout(() => {
      this.retiring.delete(old);
      void old.close();
    }, this.drainMs);
    timer.unref();
    this.retiring.set(old, timer);
  }

  async close(): Promise<void> {
    for (const t of this.retiring.values()) clearTimeout(t);
    const all = [this.inner, ...this.retiring.keys()];
    this.retiring.clear();
    await Promise.all(all.map((t) => t.close()));
  }
}
