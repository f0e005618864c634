// signCsr: signs a PKCS#10 request, keeping its subject and SANs (for certificates.k8s.io).
import { webcrypto } from 'node:crypto';
import { parsePublicKey } from './keys.js';
import { LEAF_DAYS, loadCa, signLeaf, type CertificateAuthority, type CertificateUsage, type LoadedCa } from './sign.js';
import { loadX509 } from './x509.js';

/** OID of the subjectAltName extension. */
const SAN_OID = '2.5.29.17';

/** How to sign a CSR: the usages come from the caller (the CSR object's spec), not from the request. */
export interface SignCsrOptions {
  usages: CertificateUsage;
  /** Lifetime in days (default 365), clamped to the CA's own expiry. */
  days?: number;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Signs a PKCS#10 CSR ("CERTIFICATE REQUEST" PEM) with the CA, after checking
 * the request's own signature. The certificate gets the CSR's subject and its
 * subjectAltName extension exactly as requested; other requested extensions
 * are ignored, as the Kubernetes signers ignore them.
 */
export async function signCsr(
  ca: CertificateAuthority | LoadedCa,
  csrPem: string,
  opts: SignCsrOptions,
): Promise<string> {
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csrPem)) {
    throw new Error('signCsr: not a PEM certificate request');
  }
  const loaded = loadCa(ca);
  const lib = await loadX509();
  let csr: InstanceType<typeof lib.Pkcs10CertificateRequest>;
  try {
    csr = new lib.Pkcs10CertificateRequest(csrPem.replace(/NEW CERTIFICATE REQUEST/g, 'CERTIFICATE REQUEST'));
  } catch (err) {
    throw new Error(`signCsr: invalid certificate request (${reasonOf(err)})`, { cause: err });
  }
  const valid = await csr.verify(webcrypto).catch(() => false);
  if (!valid) throw new Error('signCsr: the certificate request signature does not verify');
  const publicKey = parsePublicKey(csr.publicKey.toString('pem'));
  const san = csr.getExtension(SAN_OID);
  return signLeaf(loaded, {
    subject: csr.subjectName,
    publicKey,
    usages: opts.usages,
    days: opts.days ?? LEAF_DAYS,
    ...(san ? { sanExtension: san } : {}),
  });
}
