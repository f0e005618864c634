// ensureLeaf: reuses a CA-signed certificate/key pair from disk, issuing or re-issuing it when needed.
import type { KeyObject } from 'node:crypto';
import { PkiFileError, PUBLIC_MODE, SECRET_MODE, readIfExists, tightenMode } from './files.js';
import { generateKey, parsePrivateKey } from './keys.js';
import { describeCertificate, issuedBy, type ParsedCertificate } from './parse-certificate.js';
import { PKI_FILES, inFile, type PkiDir } from './pki-dir.js';
import { coversSans, normaliseSans, type SubjectAltNames } from './serving-names.js';
import { LEAF_DAYS, parseCertPem, signLeaf, type CertificateUsage, type LoadedCa } from './sign.js';

/** Which leaf, and what it certifies. */
export interface LeafProfile {
  /** File name without extension: `<base>.crt`, `<base>.key`. */
  base: string;
  commonName: string;
  organizations: readonly string[];
  usages: CertificateUsage;
  /** SANs the certificate must cover; a missing one triggers a re-issue. */
  sans?: SubjectAltNames;
}

/** A leaf as ensured: PEMs and the names its certificate carries. */
export interface EnsuredLeaf {
  certPem: string;
  keyPem: string;
  sans: SubjectAltNames;
}

/** Leaf certificates are re-issued (same key) when fewer days than this remain, as k3s does. */
const RENEW_BEFORE_MS = 90 * 86_400_000;

/** Why a valid existing leaf must be re-issued, or undefined to keep it as it is. */
function reissueReason(parsed: ParsedCertificate, ca: LoadedCa, profile: LeafProfile): string | undefined {
  if (profile.sans && !coversSans(parsed, profile.sans)) return 'missing subject alternative names';
  const left = parsed.notAfter.getTime() - Date.now();
  // Only when a new certificate would last longer: near the CA's end, leaves are clamped to it.
  if (left < RENEW_BEFORE_MS && ca.notAfter.getTime() > parsed.notAfter.getTime()) return 'expiring';
  return undefined;
}

/**
 * Returns the leaf `profile.base` in `d`. Both files present and valid: reused
 * unchanged, unless it lacks a required SAN or is in its last 90 days, when
 * the certificate alone is re-issued for the same key (SANs: old ∪ required,
 * so that names clients already use keep working). Key present, certificate
 * absent: a certificate is issued for that key. Key absent: a new pair.
 * Corrupt, mismatched or foreign-signed files throw a PkiFileError.
 */
export async function ensureLeaf(d: PkiDir, ca: LoadedCa, profile: LeafProfile): Promise<EnsuredLeaf> {
  const certName = `${profile.base}.crt`;
  const keyName = `${profile.base}.key`;
  const certPath = d.path(certName);
  const keyPath = d.path(keyName);
  const [certPem, storedKeyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  let sans = profile.sans ?? { dnsNames: [], ips: [] };
  let key: KeyObject;
  let keyPem: string;
  let keyIsNew = false;
  if (storedKeyPem !== undefined) {
    key = await inFile(keyPath, () => parsePrivateKey(storedKeyPem));
    keyPem = storedKeyPem;
  } else {
    const generated = generateKey();
    key = generated.privateKey;
    keyPem = generated.keyPem;
    keyIsNew = true;
  }
  if (certPem !== undefined && !keyIsNew) {
    const cert = await inFile(certPath, () => parseCertPem(certPem));
    if (!cert.checkPrivateKey(key)) throw new PkiFileError(certPath, `does not match ${keyPath}`);
    if (!issuedBy(cert, ca.cert)) {
      throw new PkiFileError(
        certPath,
        `was not signed by ${d.path(PKI_FILES.caCert)} (was the CA replaced?); remove it to have it re-issued`,
      );
    }
    const have = await inFile(certPath, () => describeCertificate(cert));
    if (reissueReason(have, ca, profile) === undefined) {
      await tightenMode(keyPath, SECRET_MODE);
      return { certPem, keyPem, sans: { dnsNames: have.dnsNames, ips: have.ips } };
    }
    if (profile.sans) {
      sans = normaliseSans([...have.dnsNames, ...profile.sans.dnsNames], [...have.ips, ...profile.sans.ips]);
    }
  }
  const newCertPem = await signLeaf(ca, {
    subject: { commonName: profile.commonName, organizations: profile.organizations },
    publicKey: key,
    usages: profile.usages,
    days: LEAF_DAYS,
    dnsNames: sans.dnsNames,
    ips: sans.ips,
  });
  if (keyIsNew) await d.write(keyName, keyPem, SECRET_MODE);
  else await tightenMode(keyPath, SECRET_MODE);
  await d.write(certName, newCertPem, PUBLIC_MODE);
  return { certPem: newCertPem, keyPem, sans };
}
