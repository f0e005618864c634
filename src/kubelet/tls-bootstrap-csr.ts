/** PKCS#10 certificate requests for the kubelet's client and serving certificates (ECDSA P-256, as the kubelet makes them). */
import { createRequire } from 'node:module';
import { sign } from 'node:crypto';
import type * as Csr from '@peculiar/asn1-csr';
import type * as Schema from '@peculiar/asn1-schema';
import type * as X509 from '@peculiar/asn1-x509';
import { canonicalIp, generateKey } from '../pki/index.js';

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

export interface CsrSubject {
  commonName: string;
  organizations: string[];
  dnsNames?: string[];
  ips?: string[];
}

export interface NewCsr {
  csrPem: string;
  keyPem: string;
}

function asn1(): { schema: typeof Schema; x509: typeof X509; csr: typeof Csr } {
  const require = createRequire(import.meta.url);
  return { schema: require('@peculiar/asn1-schema') as typeof Schema, x509: require('@peculiar/asn1-x509') as typeof X509, csr: require('@peculiar/asn1-csr') as typeof Csr };
}

const pem = (label: string, der: ArrayBuffer | Buffer) =>
  `-----BEGIN ${label}-----\n${(Buffer.from(der as ArrayBuffer).toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;

/** A fresh key and a signed CSR for it (subject O… then CN, SANs in an extensionRequest). */
export function createCsr(subject: CsrSubject): NewCsr {
  const { schema, x509, csr } = asn1();
  const key = generateKey();
  const rdn = (type: string, value: string) => new x509.RelativeDistinguishedName([new x509.AttributeTypeAndValue({ type, value: new x509.AttributeValue({ utf8String: value }) })]);
  const name = new x509.Name([...subject.organizations.map((o) => rdn(OID_O, o)), rdn(OID_CN, subject.commonName)]);
  const spkiDer = key.publicKey.export({ format: 'der', type: 'spki' });
  const spki = schema.AsnConvert.parse(spkiDer, x509.SubjectPublicKeyInfo);
  const attributes = new csr.Attributes();
  const names = [...(subject.dnsNames ?? []).map((dNSName) => new x509.GeneralName({ dNSName })), ...(subject.ips ?? []).map((ip) => new x509.GeneralName({ iPAddress: canonicalIp(ip) }))];
  if (names.length) {
    const san = new x509.Extension({ extnID: x509.id_ce_subjectAltName, critical: false, extnValue: new schema.OctetString(schema.AsnConvert.serialize(new x509.SubjectAlternativeName(names))) });
    attributes.push(new x509.Attribute({ type: EXTENSION_REQUEST, values: [schema.AsnConvert.serialize(new x509.Extensions([san]))] }));
  }
  const info = new csr.CertificationRequestInfo({ subject: name, subjectPKInfo: spki, attributes });
  const infoDer = schema.AsnConvert.serialize(info);
  const signature = sign('sha256', new Uint8Array(infoDer), key.privateKey);
  const req = new csr.CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm: new x509.AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }), signature: new Uint8Array(signature).buffer });
  return { csrPem: pem('CERTIFICATE REQUEST', schema.AsnConvert.serialize(req)), keyPem: key.keyPem };
}
