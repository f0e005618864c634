// The signing core: X.509 v3 certificates encoded with @peculiar/asn1-x509 and signed with Node's crypto.
import type * as X509 from '@peculiar/asn1-x509';
import { X509Certificate, createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { canonicalIp } from './ip.js';
import { generateKey, isRsaKey, parsePrivateKey, spkiDer } from './keys.js';
import { loadAsn1, type Asn1 } from './x509.js';

/** What a leaf certificate may be used for: TLS client, TLS server, or both. */
export type CertificateUsage = 'client' | 'server' | 'both';

/** A certificate authority as PEM text: how callers hold and pass one. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

/** A CA parsed and checked, ready to sign (its schema form is worked out on first use). */
export interface LoadedCa {
  readonly certPem: string;
  readonly cert: X509Certificate;
  readonly key: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Subject of a new certificate: a user (CN) and groups (O), or a name copied from a CSR. */
export type SubjectSpec = { commonName: string; organizations?: readonly string[] } | X509.Name;

/** What to put in a leaf certificate. */
export interface LeafSpec {
  subject: SubjectSpec;
  publicKey: KeyObject;
  usages: CertificateUsage;
  days: number;
  dnsNames?: readonly string[];
  ips?: readonly string[];
  /** A ready-made SAN extension (copied from a CSR); replaces dnsNames/ips. */
  sanExtension?: X509.Extension;
}

const DAY_MS = 86_400_000;
/** Certificates start 5 minutes in the past, so that small clock skew between machines does not reject them. */
const BACKDATE_MS = 5 * 60_000;
/** Default lifetime of a CA (10 years, as kubeadm and k3s) and of a leaf (1 year, likewise). */
export const CA_DAYS = 3650;
export const LEAF_DAYS = 365;

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
/** Signature algorithm per signing key: ECDSA by curve (RFC 5758), RSA PKCS#1 v1.5 with SHA-256. */
const EC_SIGNATURE: Record<string, { oid: string; hash: string }> = {
  prime256v1: { oid: '1.2.840.10045.4.3.2', hash: 'sha256' },
  secp384r1: { oid: '1.2.840.10045.4.3.3', hash: 'sha384' },
  secp521r1: { oid: '1.2.840.10045.4.3.4', hash: 'sha512' },
};
const RSA_SHA256 = '1.2.840.113549.1.1.11';
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;

/** Parses one PEM certificate with Node's OpenSSL-backed parser; throws a plain error when it is not one. */
export function parseCertPem(pem: string): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not a PEM certificate');
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new Error(`not a valid certificate (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

/** Turns parsed CA parts into a LoadedCa; throws if the cert is not a CA or the key is not its key. */
export function caFromParts(certPem: string, cert: X509Certificate, key: KeyObject): LoadedCa {
  if (!cert.ca) throw new Error('the certificate is not a CA (basicConstraints CA:TRUE missing)');
  if (!cert.checkPrivateKey(key)) throw new Error('the CA key does not match the CA certificate');
  return { certPem, cert, key, notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** Parses and checks a CA given as PEM text (a LoadedCa is returned as it is). */
export function loadCa(ca: CertificateAuthority | LoadedCa): LoadedCa {
  if ('cert' in ca) return ca;
  return caFromParts(ca.certPem, parseCertPem(ca.certPem), parsePrivateKey(ca.keyPem));
}

/** The signature algorithm identifier and digest for a signing key. */
function signatureAlgorithm(asn: Asn1, key: KeyObject): { id: X509.AlgorithmIdentifier; hash: string } {
  if (key.asymmetricKeyType === 'rsa') {
    return { id: new asn.x509.AlgorithmIdentifier({ algorithm: RSA_SHA256, parameters: DER_NULL }), hash: 'sha256' };
  }
  const ec = key.asymmetricKeyType === 'ec' ? EC_SIGNATURE[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!ec) throw new Error(`unsupported signing key: ${key.asymmetricKeyType ?? '?'}`);
  return { id: new asn.x509.AlgorithmIdentifier({ algorithm: ec.oid }), hash: ec.hash };
}

/** A subject name as UTF8Strings, O attributes (one RDN each) before CN, the order Go's crypto/x509 writes. */
function buildName(asn: Asn1, subject: SubjectSpec): X509.Name {
  if (!('commonName' in subject)) return subject;
  const { x509 } = asn;
  const rdn = (type: string, value: string) =>
    new x509.RelativeDistinguishedName([
      new x509.AttributeTypeAndValue({ type, value: new x509.AttributeValue({ utf8String: value }) }),
    ]);
  return new x509.Name([...(subject.organizations ?? []).map((o) => rdn(OID_O, o)), rdn(OID_CN, subject.commonName)]);
}

function extension(asn: Asn1, extnID: string, critical: boolean, value: object): X509.Extension {
  const extnValue = new asn.schema.OctetString(asn.schema.AsnConvert.serialize(value));
  return new asn.x509.Extension({ extnID, critical, extnValue });
}

/** RFC 5280 key identifier, method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: X509.SubjectPublicKeyInfo): ArrayBuffer {
  const digest = createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
  return new Uint8Array(digest).buffer;
}

/** 128 random bits as a positive DER INTEGER (a leading zero byte when the top bit is set). */
function randomSerial(): ArrayBuffer {
  const bytes = randomBytes(16);
  if (bytes[0] === 0) bytes[0] = 1; // DER allows no leading zero byte; keep all 16
  const der = (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return new Uint8Array(der).buffer;
}

interface CertificateFields {
  issuer: X509.Name;
  subject: X509.Name;
  notBefore: Date;
  notAfter: Date;
  spki: X509.SubjectPublicKeyInfo;
  extensions: X509.Extension[];
  signingKey: KeyObject;
}

/** Encodes the TBSCertificate, signs it and returns the certificate as PEM (checked by Node's parser). */
function encodeCertificate(asn: Asn1, f: CertificateFields): string {
  const { x509, schema } = asn;
  const alg = signatureAlgorithm(asn, f.signingKey);
  const tbsCertificate = new x509.TBSCertificate({
    version: x509.Version.v3,
    serialNumber: randomSerial(),
    signature: alg.id,
    issuer: f.issuer,
    validity: new x509.Validity({ notBefore: f.notBefore, notAfter: f.notAfter }),
    subject: f.subject,
    subjectPublicKeyInfo: f.spki,
    extensions: new x509.Extensions(f.extensions),
  });
  const tbs = Buffer.from(schema.AsnConvert.serialize(tbsCertificate));
  const signature = sign(alg.hash, tbs, f.signingKey); // ECDSA: DER Ecdsa-Sig-Value, as X.509 wants
  const cert = new x509.Certificate({
    tbsCertificate,
    signatureAlgorithm: alg.id,
    signatureValue: new Uint8Array(signature).buffer,
  });
  return new X509Certificate(Buffer.from(schema.AsnConvert.serialize(cert))).toString();
}

interface Signer {
  asn: Asn1;
  issuer: X509.Name;
  keyId: ArrayBuffer | undefined;
}

const signers = new WeakMap<LoadedCa, Signer>();

/** The CA's name and key identifier in schema form, worked out once per LoadedCa. */
function signerOf(ca: LoadedCa): Signer {
  let s = signers.get(ca);
  if (!s) {
    const asn = loadAsn1();
    const parsed = asn.schema.AsnConvert.parse(ca.cert.raw, asn.x509.Certificate);
    const ski = parsed.tbsCertificate.extensions?.find((e) => e.extnID === asn.x509.id_ce_subjectKeyIdentifier);
    const keyId = ski ? asn.schema.AsnConvert.parse(ski.extnValue.buffer, asn.x509.SubjectKeyIdentifier).buffer : undefined;
    s = { asn, issuer: parsed.tbsCertificate.subject, keyId };
    signers.set(ca, s);
  }
  return s;
}

function extendedUsages(x509: Asn1['x509'], usages: CertificateUsage): string[] {
  if (usages === 'server') return [x509.id_kp_serverAuth];
  if (usages === 'client') return [x509.id_kp_clientAuth];
  return [x509.id_kp_serverAuth, x509.id_kp_clientAuth];
}

/**
 * Signs a leaf certificate. Validity runs from 5 minutes ago for `days` days,
 * clamped to the CA's own validity (as the Kubernetes CSR signer does).
 */
export async function signLeaf(ca: LoadedCa, spec: LeafSpec): Promise<string> {
  if (!Number.isFinite(spec.days) || spec.days <= 0) throw new Error(`invalid days: ${spec.days}`);
  const { asn, issuer, keyId } = signerOf(ca);
  const { x509, schema } = asn;
  const now = Date.now();
  // keyEncipherment only means something for RSA keys (RSA key exchange).
  const ku = x509.KeyUsageFlags;
  const usage = isRsaKey(spec.publicKey) ? ku.digitalSignature | ku.keyEncipherment : ku.digitalSignature;
  const extensions = [
    extension(asn, x509.id_ce_keyUsage, true, new x509.KeyUsage(usage)),
    extension(asn, x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage(extendedUsages(x509, spec.usages))),
    extension(asn, x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: false })),
  ];
  if (keyId) {
    const aki = new x509.AuthorityKeyIdentifier({ keyIdentifier: new x509.KeyIdentifier(keyId) });
    extensions.push(extension(asn, x509.id_ce_authorityKeyIdentifier, false, aki));
  }
  const dnsNames = spec.dnsNames ?? [];
  const ips = spec.ips ?? [];
  if (spec.sanExtension) extensions.push(spec.sanExtension);
  else if (dnsNames.length > 0 || ips.length > 0) {
    const names = [
      ...dnsNames.map((dNSName) => new x509.GeneralName({ dNSName })),
      ...ips.map((ip) => new x509.GeneralName({ iPAddress: canonicalIp(ip) })),
    ];
    extensions.push(extension(asn, x509.id_ce_subjectAltName, false, new x509.SubjectAlternativeName(names)));
  }
  return encodeCertificate(asn, {
    issuer,
    subject: buildName(asn, spec.subject),
    notBefore: new Date(Math.max(now - BACKDATE_MS, ca.notBefore.getTime())),
    notAfter: new Date(Math.min(now + spec.days * DAY_MS, ca.notAfter.getTime())),
    spki: schema.AsnConvert.parse(spkiDer(spec.publicKey), x509.SubjectPublicKeyInfo),
    extensions,
    signingKey: ca.key,
  });
}

/** Creates a self-signed CA with a new ECDSA P-256 key; returns it as PEM and loaded. */
export async function newCertificateAuthority(
  opts: { commonName?: string; days?: number } = {},
): Promise<{ pem: CertificateAuthority; loaded: LoadedCa }> {
  const asn = loadAsn1();
  const { x509, schema } = asn;
  const key = generateKey();
  const spki = schema.AsnConvert.parse(spkiDer(key.publicKey), x509.SubjectPublicKeyInfo);
  const name = buildName(asn, { commonName: opts.commonName ?? `k8ts-ca@${Math.floor(Date.now() / 1000)}` });
  const keyId = keyIdentifier(spki);
  const ku = x509.KeyUsageFlags;
  const now = Date.now();
  const certPem = encodeCertificate(asn, {
    issuer: name,
    subject: name,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (opts.days ?? CA_DAYS) * DAY_MS),
    spki,
    extensions: [
      extension(asn, x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: true })),
      extension(asn, x509.id_ce_keyUsage, true, new x509.KeyUsage(ku.keyCertSign | ku.cRLSign | ku.digitalSignature)),
      extension(asn, x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(keyId)),
    ],
    signingKey: key.privateKey,
  });
  const loaded = caFromParts(certPem, new X509Certificate(certPem), key.privateKey);
  signers.set(loaded, { asn, issuer: name, keyId });
  return { pem: { certPem, keyPem: key.keyPem }, loaded };
}

/** Creates a self-signed CA (CN `k8ts-ca@<unix time>`, 10 years) with a new ECDSA P-256 key. */
export async function createCertificateAuthority(
  opts: { commonName?: string; days?: number } = {},
): Promise<CertificateAuthority> {
  return (await newCertificateAuthority(opts)).pem;
}
