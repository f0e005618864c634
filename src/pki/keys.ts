// Key pairs: ECDSA P-256 generation and PEM parsing into Node KeyObjects.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/** A freshly generated key pair, as PEM (PKCS#8 "PRIVATE KEY", SPKI "PUBLIC KEY") and KeyObjects. */
export interface GeneratedKey {
  keyPem: string;
  publicKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Generates an ECDSA P-256 key pair. P-256 is what k3s uses: generating one
 * takes well under a millisecond, where RSA-2048 takes tens of milliseconds.
 */
export function generateKey(): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Parses a private key PEM (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"); throws if invalid. */
export function parsePrivateKey(pem: string): KeyObject {
  if (!pem.includes('PRIVATE KEY-----')) throw new Error('not a PEM private key');
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`not a valid private key (${reasonOf(err)})`, { cause: err });
  }
}

/** Parses a public key PEM (SPKI "PUBLIC KEY", or a private key whose public half is wanted). */
export function parsePublicKey(input: string | KeyObject): KeyObject {
  if (typeof input !== 'string') return input.type === 'public' ? input : createPublicKey(input);
  try {
    return createPublicKey(input);
  } catch (err) {
    throw new Error(`not a valid public key (${reasonOf(err)})`, { cause: err });
  }
}

/** The DER SubjectPublicKeyInfo of a key (the public half of a private key). */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return pub.export({ format: 'der', type: 'spki' });
}

/** SPKI "PUBLIC KEY" PEM of a key (the public half of a private key). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}

/** True if the key is RSA (whose TLS certificates also need keyEncipherment). */
export function isRsaKey(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa';
}
