// parseCertificate and verifySignedBy: a PEM certificate's names, dates and issuer, read by Node's OpenSSL.
import { X509Certificate } from 'node:crypto';
import { canonicalIp } from './ip.js';
import { parseCertPem } from './sign.js';

/** A distinguished name as Kubernetes reads it: user (CN) and groups (O). */
export interface CertificateName {
  commonName: string;
  organizations: string[];
}

/** What the cluster needs to know about a certificate. */
export interface ParsedCertificate {
  subject: CertificateName;
  issuer: CertificateName;
  /** Serial number in lower-case hex. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  /** IP SANs in canonical text (see canonicalIp). */
  ips: string[];
  isCA: boolean;
  /** Extended key usages by name: 'serverAuth', 'clientAuth', or the OID when unnamed. */
  extKeyUsages: string[];
  /** SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it (AB:CD:...). */
  fingerprint: string;
}

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
};

function values(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function nameOf(name: NodeJS.Dict<string | string[]> | undefined): CertificateName {
  return { commonName: values(name?.['CN'])[0] ?? '', organizations: values(name?.['O']) };
}

/**
 * Splits Node's subjectAltName text ("DNS:a, IP Address:1.2.3.4"), where a
 * value holding a comma, quote or other special character is a JSON string.
 */
function parseAltNames(text: string | undefined): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  if (!text) return out;
  const re = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    const raw = m[2] ?? '';
    out.push({ type: m[1] ?? '', value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return out;
}

/** Parses a PEM certificate (the first one, if several). Throws if it is not a valid certificate. */
export function parseCertificate(pem: string): ParsedCertificate {
  return describeCertificate(parseCertPem(pem));
}

/** parseCertificate for a certificate Node has already parsed. */
export function describeCertificate(cert: X509Certificate): ParsedCertificate {
  const legacy = cert.toLegacyObject();
  const dnsNames: string[] = [];
  const ips: string[] = [];
  for (const { type, value } of parseAltNames(cert.subjectAltName)) {
    if (type === 'DNS') dnsNames.push(value);
    else if (type === 'IP Address') ips.push(canonicalIp(value));
  }
  return {
    subject: nameOf(legacy.subject),
    issuer: nameOf(legacy.issuer),
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    dnsNames,
    ips,
    isCA: cert.ca,
    extKeyUsages: (cert.keyUsage ?? []).map((oid) => EKU_NAMES[oid] ?? oid),
    fingerprint: cert.fingerprint256,
  };
}

/**
 * True if `certPem` was issued by the CA in `caPem`: the names and key
 * identifiers match, the CA may sign certificates, and the signature verifies
 * with the CA's key. Validity dates are not checked. Malformed input gives false.
 */
export function issuedBy(certPem: string | X509Certificate, caPem: string | X509Certificate): boolean {
  try {
    const cert = typeof certPem === 'string' ? new X509Certificate(certPem) : certPem;
    const ca = typeof caPem === 'string' ? new X509Certificate(caPem) : caPem;
    return ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

function within(cert: X509Certificate, at: number): boolean {
  return Date.parse(cert.validFrom) <= at && at <= Date.parse(cert.validTo);
}

/**
 * True if `certPem` was signed by the CA in `caPem` (see issuedBy) and both
 * certificates are within their validity period at `at` (default now).
 * Malformed input gives false. Node's X509Certificate does the work, so the
 * answer is OpenSSL's.
 */
export function verifySignedBy(certPem: string, caPem: string, at: Date = new Date()): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    const t = at.getTime();
    return issuedBy(cert, ca) && within(cert, t) && within(ca, t);
  } catch {
    return false;
  }
}
