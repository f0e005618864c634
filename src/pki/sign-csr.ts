// signCsr: signs a PKCS#10 request, keeping its subject and SANs (for certificates.k8s.io).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { LEAF_DAYS, loadCa, signLeaf, type CertificateAuthority, type CertificateUsage, type LoadedCa } from './sign.js';
import { loadAsn1 } from './x509.js';

/** How to sign a CSR: the usages come from the caller (the CSR object's spec), not from the request. */
export interface SignCsrOptions {
  usages: CertificateUsage;
  /** Lifetime in days (default 365), clamped to the CA's own expiry. */
  days?: number;
}

/** PKCS#9 extensionRequest attribute, where a CSR carries its requested extensions. */
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
/** Digest for each CSR signature algorithm accepted (null: the algorithm has its own, as Ed25519). */
const CSR_SIGNATURES: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null, // Ed25519
};

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The DER inside a "CERTIFICATE REQUEST" (or "NEW CERTIFICATE REQUEST") PEM block. */
function csrDer(pem: string): Buffer {
  const m = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (NEW )?CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw new Error('signCsr: not a PEM certificate request');
  return Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64');
}

/**
 * Signs a PKCS#10 CSR with the CA, after checking the request's own
 * signature. The certificate gets the CSR's subject and its subjectAltName
 * extension exactly as requested; other requested extensions are ignored, as
 * the Kubernetes signers ignore them.
 */
export async function signCsr(
  ca: CertificateAuthority | LoadedCa,
  csrPem: string,
  opts: SignCsrOptions,
): Promise<string> {
  const der = csrDer(csrPem);
  const loaded = loadCa(ca);
  const { schema, x509, csr } = loadAsn1();
  let req: InstanceType<typeof csr.CertificationRequest>;
  try {
    req = schema.AsnConvert.parse(der, csr.CertificationRequest);
  } catch (err) {
    throw new Error(`signCsr: invalid certificate request (${reasonOf(err)})`, { cause: err });
  }
  const info = req.certificationRequestInfo;
  const hash = CSR_SIGNATURES[req.signatureAlgorithm.algorithm];
  if (hash === undefined) throw new Error(`signCsr: unsupported signature algorithm ${req.signatureAlgorithm.algorithm}`);
  let publicKey: KeyObject;
  let valid = false;
  try {
    const spki = Buffer.from(schema.AsnConvert.serialize(info.subjectPKInfo));
    publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const signed = req.certificationRequestInfoRaw ?? schema.AsnConvert.serialize(info);
    valid = verify(hash, new Uint8Array(signed), publicKey, new Uint8Array(req.signature));
  } catch (err) {
    throw new Error(`signCsr: invalid certificate request (${reasonOf(err)})`, { cause: err });
  }
  if (!valid) throw new Error('signCsr: the certificate request signature does not verify');
  const requested = info.attributes
    .filter((a) => a.type === EXTENSION_REQUEST)
    .flatMap((a) => a.values.flatMap((v) => [...schema.AsnConvert.parse(v, x509.Extensions)]));
  const san = requested.find((e) => e.extnID === x509.id_ce_subjectAltName);
  return signLeaf(loaded, {
    subject: info.subject,
    publicKey,
    usages: opts.usages,
    days: opts.days ?? LEAF_DAYS,
    ...(san ? { sanExtension: san } : {}),
  });
}
