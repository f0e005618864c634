/**
 * HTTP/2 transport: one TLS session (ALPN h2) multiplexes every request and
 * watch; a new session is opened after GOAWAY, close or error, and a ping that
 * goes unanswered tears a silent session down (client-go's ReadIdleTimeout 30 s
 * and PingTimeout 15 s). Sessions are unref'd while idle, so an idle client
 * never keeps a process alive.
 */
import { AsyncResource } from 'node:async_hooks';
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

/**
 * Node's `ClientHttp2Session.request` wraps each request's start in
 * `AsyncResource#bind`, which (Node 20) defines a deprecated `asyncResource`
 * accessor pair — two `deprecate()` wrappers and a defineProperties — on every
 * call: ~8 % of a small request's client CPU. While our own `request()` call
 * runs (synchronously, nothing else can observe it) `bind` is this plain
 * version: same async context, same `this` and arguments, without the
 * deprecated property.
 */
type Bind = (this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown) => (...args: unknown[]) => unknown;
const proto = AsyncResource.prototype as unknown as { bind: Bind };
const nodeBind = proto.bind;
const plainBind: Bind = function (fn, thisArg) {
  const resource = this;
  return function (this: unknown, ...args: unknown[]) {
    return resource.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args);
  };
};

/** Per-request options without a signal (Node copies them; one shared object each way). */
const END_STREAM = Object.freeze({ endStream: true });
const KEEP_OPEN = Object.freeze({ endStream: false });

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
      const signal = req.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const st = this.sessionState();
      const headers: Record<string, string> = { ':method': req.method, ':path': req.path };
      for (const k in req.headers) headers[k] = req.headers[k]!;
      const endStream = req.body === undefined;
      let stream: ClientHttp2Stream;
      proto.bind = plainBind;
      try {
        stream = st.session.request(headers, signal ? { endStream, signal } : endStream ? END_STREAM : KEEP_OPEN);
      } catch (e) {
        // The session refuses new streams (it is closing): next time, a new one.
        if (this.current === st) this.current = undefined;
        reject(e);
        return;
      } finally {
        proto.bind = nodeBind;
      }
      if (st.active++ === 0) st.session.ref();
      let responded = false;
      // Callbacks inline (not named consts): under tsx every named closure costs a defineProperty per request.
      stream.once('close', () => {
        if (--st.active === 0 && !st.session.destroyed) st.session.unref();
      });
      stream.on('error', (e) => {
        if (!responded) reject(e);
      });
      stream.once('response', (h) => {
        responded = true;
        resolve({
          status: Number(h[':status']),
          headers: h,
          body: stream,
          cancel: () => {
            if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
          },
        });
      });
      if (!endStream) stream.end(req.body);
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
