/** The etcd backend's options and the configured etcd3 client (TLS, gRPC channel settings, fault handling). */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { circuitBreaker, ConsecutiveBreaker, handleWhen, noop } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import { classify } from './failures.js';

/** TLS client settings: files or PEM contents (contents win when both are given). */
export interface EtcdTlsOptions {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly ca?: string | Uint8Array;
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
}

export interface EtcdStoreOptions {
  /** Client URLs, `http://host:port` or `https://host:port` (all one scheme). */
  readonly endpoints: readonly string[];
  /** TLS client credentials; `https://` endpoints without this use the system CAs. */
  readonly tls?: EtcdTlsOptions;
  /** etcd user/password authentication. */
  readonly auth?: { readonly username: string; readonly password: string };
  /**
   * How often an idle watch asks etcd for a progress notification (WatchProgressRequest),
   * when that is safe on the server (see `progressRequests`). Default 5000.
   */
  readonly progressIntervalMs?: number;
  /**
   * `auto` (default): send progress requests only to etcd versions that order
   * their answer after pending events (3.4.25+, 3.5.8+, 3.6+); older servers
   * only send their own periodic notifications (`--experimental-watch-progress-notify-interval`).
   * `always` / `never` force it (`always` on an older etcd can report progress early).
   */
  readonly progressRequests?: 'auto' | 'always' | 'never';
  /** Deadline of each gRPC request. Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /** How long a call keeps retrying an unreachable etcd before rejecting with UnavailableError. Default 3000 ms. */
  readonly retryMs?: number;
  /** How long a disconnected watch keeps trying to resume before ending with UnavailableError. Default 30 000 ms. */
  readonly watchReconnectMs?: number;
  /** Key that records the last compaction revision (shared by every API server on this etcd). Default `/k8ts/compacted`. */
  readonly compactionKey?: string;
}

function pem(content: string | Uint8Array | undefined, file: string | undefined): Buffer | undefined {
  if (content !== undefined) return typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  return file ? readFileSync(file) : undefined;
}

/** etcd3's credentials from the TLS options (read once, at construction). */
export function credentialsFrom(tls: EtcdTlsOptions | undefined): IOptions['credentials'] {
  if (!tls) return undefined;
  const ca = pem(tls.ca, tls.caFile);
  const cert = pem(tls.cert, tls.certFile);
  const key = pem(tls.key, tls.keyFile);
  if ((cert === undefined) !== (key === undefined)) throw new Error('etcd TLS: a client certificate needs its key, and a key its certificate');
  return {
    rootCertificate: ca ?? Buffer.from(rootCertificates.join('\n')),
    ...(key ? { privateKey: key } : {}),
    ...(cert ? { certChain: cert } : {}),
  };
}

/**
 * The etcd3 client. etcd3's global retry is off (`withRetry` retries with
 * backoff and a deadline, and knows which calls are safe to repeat). Each
 * endpoint gets a circuit breaker that opens for 1 s after a connection
 * failure, so that with several endpoints calls move on to a live one (etcd3
 * only tries the next host when a host's breaker is open); etcd3's default
 * (3 failures of any kind, open 5 s) would keep failing calls after etcd is back.
 */
export function createClient(opts: EtcdStoreOptions): Etcd3 {
  if (opts.endpoints.length === 0) throw new Error('etcd store: no endpoints');
  return new Etcd3({
    hosts: [...opts.endpoints],
    ...(opts.tls ? { credentials: credentialsFrom(opts.tls) } : {}),
    ...(opts.auth ? { auth: { username: opts.auth.username, password: opts.auth.password } } : {}),
    grpcOptions: {
      // Lists can be large; etcd sends up to its own limit (math.MaxInt32).
      'grpc.max_receive_message_length': -1,
      // Reconnect quickly after etcd comes back (grpc-js defaults grow to 120 s).
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.use_local_subchannel_pool': 1,
      // Notice a dead connection under an idle watch (etcd allows pings every 5 s).
      'grpc.keepalive_time_ms': 15_000,
      'grpc.keepalive_timeout_ms': 5_000,
    },
    faultHandling: {
      host: () => circuitBreaker(handleWhen((err) => classify(err) === 'not-sent'), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(1) }),
      global: noop,
    },
  });
}

/**
 * Whether this etcd version answers a WatchProgressRequest only after every
 * pending event of the stream (etcd-io/etcd#15220, fixed in 3.4.25 and 3.5.8).
 * Before that, the answer carries the store's current revision and can
 * overtake events still queued for the watcher.
 */
export function orderedProgressRequests(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major !== 3) return major > 3;
  if (minor >= 6) return true;
  if (minor === 5) return patch >= 8;
  if (minor === 4) return patch >= 25;
  return false;
}
