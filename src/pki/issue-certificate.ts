// issueCertificate: a CA-signed leaf certificate for a name, with a new key unless one is given.
import type { KeyObject } from 'node:crypto';
import { generateKey, parsePublicKey } from './keys.js';
import {
  LEAF_DAYS,
  loadCa,
  signLeaf,
  type CertificateAuthority,
  type CertificateUsage,
  type LoadedCa,
} from './sign.js';

/** What to certify. */
export interface IssueCertificateOptions {
  commonName: string;
  organizations?: readonly string[];
  dnsNames?: readonly string[];
  ips?: readonly string[];
  usages: CertificateUsage;
  /** Lifetime in days (default 365), clamped to the CA's own expiry. */
  days?: number;
  /** The subject's public key (SPKI PEM, or a KeyObject); when absent a P-256 key is generated. */
  publicKey?: string | KeyObject;
}

/** A certificate and the private key generated for it (PEM). */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/** Signs a certificate for the given public key. */
export function issueCertificate(
  ca: CertificateAuthority | LoadedCa,
  opts: IssueCertificateOptions & { publicKey: string | KeyObject },
): Promise<{ certPem: string }>;
/** Generates a P-256 key and signs a certificate for it. */
export function issueCertificate(
  ca: CertificateAuthority | LoadedCa,
  opts: IssueCertificateOptions & { publicKey?: undefined },
): Promise<IssuedCertificate>;
export async function issueCertificate(
  ca: CertificateAuthority | LoadedCa,
  opts: IssueCertificateOptions,
): Promise<{ certPem: string; keyPem?: string }> {
  if (!opts.commonName) throw new Error('issueCertificate: commonName is required');
  const loaded = loadCa(ca);
  const generated = opts.publicKey === undefined ? generateKey() : undefined;
  const publicKey = generated ? generated.publicKey : parsePublicKey(opts.publicKey ?? '');
  const certPem = await signLeaf(loaded, {
    subject: { commonName: opts.commonName, organizations: opts.organizations ?? [] },
    publicKey,
    usages: opts.usages,
    days: opts.days ?? LEAF_DAYS,
    dnsNames: opts.dnsNames ?? [],
    ips: opts.ips ?? [],
  });
  return generated ? { certPem, keyPem: generated.keyPem } : { certPem };
}
