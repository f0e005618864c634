/**
 * Slowloris defences for the API port. Node's http2 server does not apply
 * `headersTimeout` to its HTTP/1.1 fallback, so k8ts keeps its own timers:
 * an HTTP/1.1 connection must deliver a request's headers within
 * `headersTimeoutMs` of connecting or of its previous response (Go's
 * ReadHeaderTimeout, 32 s in kube-apiserver); an HTTP/2 connection with no
 * open stream is closed after `idleTimeoutMs`; the TLS handshake gets
 * `headersTimeoutMs` too. Every non-long-running request must finish within
 * `requestTimeoutMs` (`--request-timeout`, 60 s) or is answered 504, as
 * upstream's WithTimeoutForNonLongRunningRequests. Oversized headers are
 * refused by the HTTP parsers (431 on HTTP/1.1; the h2 stream is reset).
 * @module
 */
import type { Http2SecureServer, Http2Session, ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';

export interface ConnectionLimits {
  /** Time to deliver request headers on HTTP/1.1, and for the TLS handshake (default 32 s). */
  headersTimeoutMs?: number;
  /** An HTTP/2 session without open streams is closed after this (default 90 s). */
  idleTimeoutMs?: number;
  /** `--request-timeout`: non-long-running requests end with 504 after this (default 60 s). */
  requestTimeoutMs?: number;
}

export const DEFAULT_LIMITS: Required<ConnectionLimits> = { headersTimeoutMs: 32_000, idleTimeoutMs: 90_000, requestTimeoutMs: 60_000 };

export const REQUEST_TIMEOUT_MESSAGE = 'request did not complete within requested timeout - context deadline exceeded';

/** A timer that destroys something when it fires, armed and disarmed as requests come and go. */
function watchdog(ms: number, fire: () => void): { arm(): void; disarm(): void } {
  let t: NodeJS.Timeout | undefined;
  return {
    arm() {
      clearTimeout(t);
      t = setTimeout(fire, ms);
      t.unref();
    },
    disarm() {
      clearTimeout(t);
      t = undefined;
    },
  };
}

export function installConnectionLimits(server: Http2SecureServer, limits: ConnectionLimits = {}): void {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const h1 = new WeakMap<object, { arm(): void; disarm(): void }>();
  server.on('secureConnection', (sock: TLSSocket) => {
    if (sock.alpnProtocol === 'h2') return;
    const w = watchdog(l.headersTimeoutMs, () => sock.destroy());
    h1.set(sock, w);
    w.arm();
    sock.once('close', () => w.disarm());
  });
  server.on('request', (req: { httpVersionMajor?: number; socket?: object }, res: { once(ev: 'finish', f: () => void): unknown }) => {
    if (req.httpVersionMajor === 2 || !req.socket) return;
    const w = h1.get(req.socket);
    if (!w) return;
    w.disarm();
    res.once('finish', () => w.arm());
  });
  // An upgraded connection (exec, attach, port-forward) is no longer HTTP: no header deadline on it (kubelet-api, helper B).
  server.on('upgrade', (req: { socket?: object }) => {
    if (req.socket) h1.get(req.socket)?.disarm();
  });
  server.on('session', (session: Http2Session) => {
    let open = 0;
    const w = watchdog(l.idleTimeoutMs, () => {
      if (!session.destroyed) session.close();
    });
    w.arm();
    session.on('stream', (stream: ServerHttp2Stream) => {
      open++;
      w.disarm();
      stream.once('close', () => {
        if (--open === 0) w.arm();
      });
    });
    session.once('close', () => w.disarm());
  });
}
