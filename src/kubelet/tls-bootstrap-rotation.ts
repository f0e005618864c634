/**
 * Client certificate rotation while the agent runs (upstream's kubelet
 * certificate manager, --rotate-certificates): at a jittered 70–90 % of the
 * certificate's life (about 80 %) a new key and a selfnodeclient CSR,
 * authenticated with the current certificate, bring a new certificate; the
 * agent's client switches to it without a restart. A failed renewal is
 * retried with backoff; once the old certificate has expired, the bootstrap
 * token (if the agent still has one) is used instead, as the kubelet falls
 * back to its bootstrap kubeconfig.
 * @module
 */
import { RotatingTransport } from '../client/index.js';
import { parseCertificate } from '../pki/index.js';
import { issueNodeClientCertificate, type NodeCredentials, type TlsBootstrapOptions } from './tls-bootstrap.js';

/** Moved to the client (src/client/transport/rotating-transport.ts); re-exported here for existing importers. */
export { RotatingTransport };

/** Upstream's jitteryDuration: 70–90 % of the certificate's life. */
export const jitteredFraction = (): number => 0.7 + 0.2 * Math.random();

/** When to renew: notBefore + fraction × (notAfter − notBefore), in ms since the epoch. */
export function rotationDeadline(certPem: string, fraction: number): number {
  const c = parseCertificate(certPem);
  const from = c.notBefore.getTime();
  return from + fraction * (c.notAfter.getTime() - from);
}

export interface ClientRotationOptions extends TlsBootstrapOptions {
  /** The credentials the agent runs with now. */
  current: NodeCredentials;
  /** The agent client's transport, switched to each new certificate. */
  transport: RotatingTransport;
  /** The share of a certificate's life after which it is renewed (default jitteredFraction). */
  fraction?: () => number;
  /** Called after each rotation, with the new credentials. */
  onRotated?(creds: NodeCredentials): void;
}

/** Longest single timer (setTimeout overflows past 2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 24 * 3_600_000;
const MAX_BACKOFF_MS = 5 * 60_000;

function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const wait = () => {
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) {
        signal.removeEventListener('abort', onAbort);
        return resolve();
      }
      timer = setTimeout(wait, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    };
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    let timer: NodeJS.Timeout | undefined;
    signal.addEventListener('abort', onAbort, { once: true });
    wait();
  });
}

/**
 * Keeps the node's client certificate fresh until `signal` aborts. Resolves
 * when stopped; never rejects (failures are logged and retried).
 */
export async function runNodeClientRotation(o: ClientRotationOptions & { signal: AbortSignal }): Promise<void> {
  const fraction = o.fraction ?? jitteredFraction;
  let current = o.current;
  let failures = 0;
  let deadline = rotationDeadline(current.certPem, fraction());
  o.log(`tls-bootstrap: the client certificate of system:node:${o.nodeName} will be rotated at ${new Date(deadline).toISOString()}`);
  while (!o.signal.aborted) {
    await sleepUntil(deadline, o.signal);
    if (o.signal.aborted) break;
    const expired = parseCertificate(current.certPem).notAfter.getTime() <= Date.now();
    try {
      const next = await issueNodeClientCertificate({ ...o, timeoutMs: o.timeoutMs ?? 5 * 60_000 }, expired && o.token ? undefined : current);
      current = next;
      o.transport.swap(next);
      o.onRotated?.(next);
      failures = 0;
      deadline = rotationDeadline(next.certPem, fraction());
      o.log(`tls-bootstrap: the client of system:node:${o.nodeName} now uses the new certificate; next rotation at ${new Date(deadline).toISOString()}`);
    } catch (e) {
      if (o.signal.aborted) break;
      failures++;
      const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 10));
      deadline = Date.now() + backoff;
      o.log(`tls-bootstrap: rotating the client certificate of system:node:${o.nodeName} failed (${e instanceof Error ? e.message : String(e)}); retrying in ${Math.round(backoff / 1000)} s`);
    }
  }
}
