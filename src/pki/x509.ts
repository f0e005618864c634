// Loads @peculiar/x509 on first use, after the Reflect polyfill its dependency injection (tsyringe) needs.
import type * as X509 from '@peculiar/x509';

/** The @peculiar/x509 module. */
export type X509Lib = typeof X509;

let loading: Promise<X509Lib> | undefined;

/**
 * Returns @peculiar/x509, importing it (and reflect-metadata before it) the
 * first time. Loading it costs ~100 ms of CPU, so only the paths that sign
 * (a new CA or certificate, a CSR) pay for it; parsing and verification use
 * Node's own OpenSSL-backed X509Certificate, so a restart that reuses the
 * PKI never loads it.
 */
export function loadX509(): Promise<X509Lib> {
  loading ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return loading;
}
