/** Sorts etcd/gRPC failures into what the store does with them, and retries calls etcd could not take. */
import { isBrokenCircuitError } from 'cockatiel';
import {
  ClientClosedError,
  GRPCAbortedError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCUnavailableError,
  GRPCUnknownError,
} from 'etcd3';
import { StoreError, UnavailableError } from '../errors.js';

/**
 * - `not-sent`: the request never reached etcd (no connection): safe to retry, even a write
 * - `unavailable`: etcd or the connection failed with the outcome unknown: reads retry, writes do not
 * - `compacted` / `future`: a read at a revision etcd no longer has / does not have yet
 * - `too-large`: etcd refused the request's size
 * - `other`: anything else (permission denied, bad request, …), passed through
 */
export type Failure = 'not-sent' | 'unavailable' | 'compacted' | 'future' | 'too-large' | 'other';

const NOT_SENT = /No connection established|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|Channel closed before call started|Name resolution failed|Failed to connect/i;
const UNAVAILABLE_MSG = /etcdserver: (request timed out|leader changed|no leader|too many requests|server stopped|not capable|timed out waiting for read index)|ECONNRESET|EPIPE|Connection dropped|GOAWAY/i;

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function classify(err: unknown): Failure {
  const msg = messageOf(err);
  if (/request is too large|larger than max|message larger than/i.test(msg)) return 'too-large';
  if (msg.includes('required revision has been compacted')) return 'compacted';
  if (msg.includes('required revision is a future revision')) return 'future';
  if (isBrokenCircuitError(err) || err instanceof ClientClosedError || NOT_SENT.test(msg)) return 'not-sent';
  if (
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof GRPCCancelledError ||
    err instanceof GRPCInternalError ||
    err instanceof GRPCUnknownError ||
    err instanceof GRPCAbortedError ||
    UNAVAILABLE_MSG.test(msg)
  ) {
    return 'unavailable';
  }
  return 'other';
}

export interface RetryConfig {
  /** Deadline of each gRPC attempt. */
  readonly requestTimeoutMs: number;
  /** Keep retrying an unreachable etcd this long, then reject with `UnavailableError`. */
  readonly retryMs: number;
  readonly isClosed: () => boolean;
}

/** `read`: idempotent, retried whenever etcd is unavailable; `write`: retried only when it was never sent. */
export type CallKind = 'read' | 'write';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `fn` (one gRPC call, given its deadline) with exponential backoff
 * (50 ms doubling to 1 s) for at most `retryMs`. Connection failures become
 * `UnavailableError`; every other failure is rethrown as etcd3 raised it, for
 * the caller to map.
 */
export async function withRetry<T>(cfg: RetryConfig, kind: CallKind, fn: (deadline: Date) => Promise<T>): Promise<T> {
  const start = Date.now();
  let delay = 50;
  for (;;) {
    if (cfg.isClosed()) throw new UnavailableError('etcd store is closed');
    try {
      return await fn(new Date(Date.now() + cfg.requestTimeoutMs));
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const f = classify(err);
      if (f !== 'not-sent' && f !== 'unavailable') throw err;
      if (cfg.isClosed()) throw new UnavailableError('etcd store is closed', { cause: err });
      const retriable = f === 'not-sent' || kind === 'read';
      if (!retriable || Date.now() - start + delay > cfg.retryMs) {
        throw new UnavailableError(`etcd unavailable: ${messageOf(err)}`, { cause: err });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }
}
