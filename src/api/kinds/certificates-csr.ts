/**
 * PKCS#10 certificate requests, as upstream's certificates.ParseCSR and
 * x509.CertificateRequest.CheckSignature see them: one PEM block of type
 * CERTIFICATE REQUEST whose DER parses and whose self-signature verifies.
 * A small DER walker is enough; the signature check is node:crypto's.
 * @module
 */
import { createPublicKey, verify } from 'node:crypto';

interface Tlv {
  tag: number;
  /** The whole element (tag, length and content). */
  raw: Buffer;
  content: Buffer;
}

/** One DER element at `pos`; throws on truncation. */
function readTlv(buf: Buffer, pos: number): Tlv {
  if (pos + 2 > buf.length) throw new Error('x509: malformed certificate request');
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let off = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + n > buf.length) throw new Error('x509: malformed certificate request');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + i]!;
    off += n;
  }
  if (off + len > buf.length) throw new Error('x509: malformed certificate request');
  return { tag, raw: buf.subarray(pos, off + len), content: buf.subarray(off, off + len) };
}

function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = 0; pos < t.content.length; ) {
    const c = readTlv(t.content, pos);
    out.push(c);
    pos += c.raw.length;
  }
  return out;
}

function oid(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** Signature algorithm OID → node digest (null for Ed25519) and Go's failure message. */
const ALGORITHMS: Record<string, [string | null, string]> = {
  '1.2.840.113549.1.1.5': ['sha1', 'crypto/rsa: verification error'],
  '1.2.840.113549.1.1.11': ['sha256', 'crypto/rsa: verification error'],
  '1.2.840.113549.1.1.12': ['sha384', 'crypto/rsa: verification error'],
  '1.2.840.113549.1.1.13': ['sha512', 'crypto/rsa: verification error'],
  '1.2.840.10045.4.3.2': ['sha256', 'x509: ECDSA verification failure'],
  '1.2.840.10045.4.3.3': ['sha384', 'x509: ECDSA verification failure'],
  '1.2.840.10045.4.3.4': ['sha512', 'x509: ECDSA verification failure'],
  '1.3.101.112': [null, 'x509: Ed25519 verification failure'],
};

export interface ParsedCSR {
  /** DER of the subject Name. */
  subject: Buffer;
  /** DER of the SubjectPublicKeyInfo. */
  publicKey: Buffer;
  signatureAlgorithm: string;
}

/** The DER inside the first PEM block, when that block is a CERTIFICATE REQUEST. */
function pemBlock(pem: string): Buffer | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || m[1] !== 'CERTIFICATE REQUEST') return undefined;
  const body = (m[2] ?? '').split(/\r?\n/).filter((l) => !l.includes(':')).join('');
  return Buffer.from(body, 'base64');
}

/** certificates.ParseCSR + CheckSignature: the request, or an Error with Go's message. */
export function parseAndCheckCSR(pem: string): ParsedCSR {
  const der = pemBlock(pem);
  if (!der || der.length === 0) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const outer = readTlv(der, 0);
  const parts = outer.tag === 0x30 ? children(outer) : [];
  const [info, alg, sig] = parts;
  if (!info || !alg || !sig || info.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) throw new Error('x509: malformed certificate request');
  const fields = children(info);
  const subject = fields[1];
  const spki = fields[2];
  const algOid = children(alg)[0];
  if (!subject || !spki || !algOid || algOid.tag !== 0x06) throw new Error('x509: malformed certificate request');
  const algorithm = oid(algOid.content);
  const known = ALGORITHMS[algorithm];
  if (!known) throw new Error('x509: cannot verify signature: algorithm unimplemented');
  let ok = false;
  try {
    const key = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
    ok = verify(known[0], info.raw, key, sig.content.subarray(1));
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(known[1]);
  return { subject: subject.raw, publicKey: spki.raw, signatureAlgorithm: algorithm };
}
