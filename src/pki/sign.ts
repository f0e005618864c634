// The signing core: X.509 v3 certificates built with @peculiar/x509 over Node's WebCrypto.
import type * as X509 from '@peculiar/x509';
import { X509Certificate, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { canonicalIp } from './ip.js';
import { generateKey, isRsaKey, parsePrivateKey, spkiDer, toSigningKey, type SigningKey } from './keys.js';
import { loadX509, type X509Lib } from './x509.js';

/** What a leaf certificate may be used for: TLS client, TLS server, or both. */
export type CertificateUsage = 'client' | 'server' | 'both';

/** A certificate authority as PEM text: how callers hold and pass one. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

/** A CA parsed and checked, ready to sign (the signing machinery is set up on first use). */
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

/** A random positive serial number of 128 bits (the library adds a leading zero byte when the top bit is set). */
function randomSerial(): string {
  return randomBytes(16).toString('hex');
}

/** Subject name as UTF8Strings, O attributes (one RDN each) before CN, the order Go's crypto/x509 writes. */
function subjectName(lib: X509Lib, subject: SubjectSpec): X509.Name {
  if (subject instanceof lib.Name) return subject;
  if (!('commonName' in subject)) throw new Error('invalid subject');
  const rdn = (type: string, value: string) => ({ [type]: [{ utf8String: value }] });
  return new lib.Name([...(subject.organizations ?? []).map((o) => rdn('O', o)), rdn('CN', subject.commonName)]);
}

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

interface Signer {
  lib: X509Lib;
  caCert: X509.X509Certificate;
  signing: SigningKey;
  keyId: string | undefined;
}

const signers = new WeakMap<LoadedCa, Promise<Signer>>();

/** The CA's signing machinery, set up once per LoadedCa. */
function signerOf(ca: LoadedCa): Promise<Signer> {
  let s = signers.get(ca);
  if (!s) {
    s = (async () => {
      const lib = await loadX509();
      const caCert = new lib.X509Certificate(ca.certPem);
      const ski = caCert.getExtension(lib.SubjectKeyIdentifierExtension);
      return { lib, caCert, signing: await toSigningKey(ca.key), keyId: ski?.keyId };
    })();
    signers.set(ca, s);
  }
  return s;
}

function extendedUsages(lib: X509Lib, usages: CertificateUsage): string[] {
  const { serverAuth, clientAuth } = lib.ExtendedKeyUsage;
  if (usages === 'server') return [serverAuth];
  if (usages === 'client') return [clientAuth];
  return [serverAuth, clientAuth];
}

/**
 * Signs a leaf certificate. Validity runs from 5 minutes ago for `days` days,
 * clamped to the CA's own validity (as the Kubernetes CSR signer does).
 */
export async function signLeaf(ca: LoadedCa, spec: LeafSpec): Promise<string> {
  if (!Number.isFinite(spec.days) || spec.days <= 0) throw new Error(`invalid days: ${spec.days}`);
  const { lib, caCert, signing, keyId } = await signerOf(ca);
  const now = Date.now();
  const notBefore = new Date(Math.max(now - BACKDATE_MS, ca.notBefore.getTime()));
  const notAfter = new Date(Math.min(now + spec.days * DAY_MS, ca.notAfter.getTime()));
  // keyEncipherment only means something for RSA keys (RSA key exchange).
  const flags = lib.KeyUsageFlags;
  const keyUsage = isRsaKey(spec.publicKey) ? flags.digitalSignature | flags.keyEncipherment : flags.digitalSignature;
  const extensions: X509.Extension[] = [
    new lib.KeyUsagesExtension(keyUsage, true),
    new lib.ExtendedKeyUsageExtension(extendedUsages(lib, spec.usages)),
    new lib.BasicConstraintsExtension(false, undefined, true),
  ];
  if (keyId) extensions.push(new lib.AuthorityKeyIdentifierExtension(keyId));
  const dnsNames = spec.dnsNames ?? [];
  const ips = spec.ips ?? [];
  if (spec.sanExtension) extensions.push(spec.sanExtension);
  else if (dnsNames.length > 0 || ips.length > 0) {
    extensions.push(
      new lib.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value: canonicalIp(value) })),
      ]),
    );
  }
  const cert = await lib.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: subjectName(lib, spec.subject),
      issuer: caCert.subjectName,
      notBefore,
      notAfter,
      publicKey: spkiDer(spec.publicKey),
      signingKey: signing.cryptoKey,
      signingAlgorithm: signing.algorithm,
      extensions,
    },
    webcrypto,
  );
  return cert.toString('pem') + '\n';
}

/** Creates a self-signed CA with a new ECDSA P-256 key; returns it as PEM and loaded. */
export async function newCertificateAuthority(
  opts: { commonName?: string; days?: number } = {},
): Promise<{ pem: CertificateAuthority; loaded: LoadedCa }> {
  const lib = await loadX509();
  const key = generateKey();
  const signing = await toSigningKey(key.privateKey);
  const spki = spkiDer(key.publicKey);
  const name = subjectName(lib, { commonName: opts.commonName ?? `k8ts-ca@${Math.floor(Date.now() / 1000)}` });
  const now = Date.now();
  const ski = await lib.SubjectKeyIdentifierExtension.create(spki, false, webcrypto);
  const flags = lib.KeyUsageFlags;
  const caCert = await lib.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: name,
      issuer: name,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + (opts.days ?? CA_DAYS) * DAY_MS),
      publicKey: spki,
      signingKey: signing.cryptoKey,
      signingAlgorithm: signing.algorithm,
      extensions: [
        new lib.BasicConstraintsExtension(true, undefined, true),
        new lib.KeyUsagesExtension(flags.keyCertSign | flags.cRLSign | flags.digitalSignature, true),
        ski,
      ],
    },
    webcrypto,
  );
  const certPem = caCert.toString('pem') + '\n';
  const loaded = caFromParts(certPem, new X509Certificate(certPem), key.privateKey);
  signers.set(loaded, Promise.resolve({ lib, caCert, signing, keyId: ski.keyId }));
  return { pem: { certPem, keyPem: key.keyPem }, loaded };
}

/** Creates a self-signed CA (CN `k8ts-ca@<unix time>`, 10 years) with a new ECDSA P-256 key. */
export async function createCertificateAuthority(
  opts: { commonName?: string; days?: number } = {},
): Promise<CertificateAuthority> {
  return (await newCertificateAuthority(opts)).pem;
}
