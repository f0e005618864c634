/**
 * HTTP/2 transport: one TLS session (ALPN h2) multiplexes every request and
 * watch; a new session is opened after GOAWAY, close or error, and a ping that
 * goes unanswered tears a silent session down (client-go's ReadIdleTimeout 30 s
 * and PingTimeout 15 s). Sessions are unref'd while idle, so an idle client
 * never keeps a process alive.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { Transport, TransportRequest, TransportResponse, TransportTlsOptions } from './types.js';

export interface Http2TransportOptions extends TransportTlsOptions {
  /** Ping a session with open streams this often (default 30 s; 0 disables). */
  pingIntervalMs?: number;
  /** Destroy the session when a ping gets no answer in this time (default 15 s). */
  pingTimeoutMs?: number;
}

interface SessionState {
  session: ClientHttp2Session;
  active: number;
  ping?: NodeJS.Timeout;
}

/** Large windows: watches and big lists should not stall on flow control. */
const WINDOW = 16 * 1024 * 1024;

export class Http2Transport implements Transport {
  readonly protocol = 'h2';
  private current: SessionState | undefined;
  private readonly all = new Set<SessionState>();
  private readonly origin: string;

  constructor(private readonly opts: Http2TransportOptions) {
    const u = new URL(opts.server);
    if (u.protocol !== 'https:') throw new Error(`http2 transport: ${opts.server}: only https:// servers are supported`);
    this.origin = u.origin;
  }

  private connect(): SessionState {
    const o = this.opts;
    const session = http2.connect(this.origin, {
      ca: o.caPem,
      cert: o.certPem,
      key: o.keyPem,
      rejectUnauthorized: !o.insecureSkipTlsVerify,
      ...(o.tlsServerName ? { servername: o.tlsServerName } : {}),
      settings: { enablePush: false, initialWindowSize: WINDOW },
    });
    const st: SessionState = { session, active: 0 };
    const forget = () => {
      if (this.current === st) this.current = undefined;
    };
    session.on('connect', () => {
      try {
        session.setLocalWindowSize(WINDOW);
      } catch {
        // the session closed meanwhile
      }
    });
    // Errors reach the streams; the session only has to be replaced.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', () => {
      forget();
      if (st.ping) clearInterval(st.ping);
      this.all.delete(st);
    });
    const every = o.pingIntervalMs ?? 30_000;
    if (every > 0) {
      st.ping = setInterval(() => this.checkAlive(st, o.pingTimeoutMs ?? 15_000), every);
      st.ping.unref();
    }
    session.unref();
    this.all.add(st);
    return st;
  }

  private checkAlive(st: SessionState, timeoutMs: number): void {
    const s = st.session;
    if (st.active === 0 || s.closed || s.destroyed || s.connecting) return;
    const t = setTimeout(() => s.destroy(new Error('http2: ping timed out; the connection is dead')), timeoutMs);
    t.unref();
    try {
      s.ping(() => clearTimeout(t));
    } catch {
      clearTimeout(t);
    }
  }

  private sessionState(): SessionState {
    const c = this.current;
    if (c && !c.session.closed && !c.session.destroyed) return c;
    this.current = this.connect();
    return this.current;
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(req.signal.reason);
        return;
      }
      const st = this.sessionState();
      let stream: ClientHttp2Stream;
      try {
        stream = st.session.request(
          { ':method': req.method, ':path': req.path, ...req.headers },
          { endStream: req.body === undefined, ...(req.signal ? { signal: req.signal } : {}) },
        );
      } catch (e) {
        // The session refuses new streams (it is closing): next time, a new one.
        if (this.current === st) this.current = undefined;
        reject(e);
        return;
      }
      if (st.active++ === 0) st.session.ref();
      stream.once('close', () => {
        if (--st.active === 0 && !st.session.destroyed) st.session.unref();
      });
      let responded = false;
      stream.on('error', (e) => {
        if (!responded) reject(e);
      });
      stream.once('response', (headers) => {
        responded = true;
        resolve({
          status: Number(headers[':status']),
          headers,
          body: stream,
          cancel: () => {
            if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
          },
        });
      });
      if (req.body !== undefined) stream.end(req.body);
    });
  }

  async close(): Promise<void> {
    const sessions = [...this.all];
    this.current = undefined;
    await Promise.all(
      sessions.map(
        (st) =>
          new Promise<void>((resolve) => {
            if (st.session.destroyed) return resolve();
            st.session.once('close', () => resolve());
            st.session.destroy();
          }),
      ),
    );
  }
}
