// ensureServiceAccountKey: the sa.key/sa.pub pair that signs and verifies service-account tokens.
import { PkiFileError, PUBLIC_MODE, SECRET_MODE, readIfExists, tightenMode } from './files.js';
import { generateKey, parsePrivateKey, parsePublicKey, publicKeyPem, spkiDer } from './keys.js';
import { PKI_FILES, inFile, type PkiDir } from './pki-dir.js';

/** The token signing key pair: PKCS#8 private key and SPKI public key, as PEM. */
export interface ServiceAccountKeyPair {
  keyPem: string;
  publicKeyPem: string;
}

/**
 * Returns the pair in `d`, generating an ECDSA P-256 pair (tokens are ES256)
 * when both files are absent and deriving sa.pub when only it is absent. A
 * missing sa.key next to an sa.pub is an error: a new key would invalidate
 * every token already issued. An existing RSA sa.key (kubeadm's) is kept.
 */
export async function ensureServiceAccountKey(d: PkiDir): Promise<ServiceAccountKeyPair> {
  const keyPath = d.path(PKI_FILES.serviceAccountKey);
  const pubPath = d.path(PKI_FILES.serviceAccountPub);
  const [keyPem, pubPem] = await Promise.all([readIfExists(keyPath), readIfExists(pubPath)]);
  if (keyPem === undefined && pubPem === undefined) {
    const generated = generateKey();
    await d.write(PKI_FILES.serviceAccountKey, generated.keyPem, SECRET_MODE);
    await d.write(PKI_FILES.serviceAccountPub, generated.publicKeyPem, PUBLIC_MODE);
    return { keyPem: generated.keyPem, publicKeyPem: generated.publicKeyPem };
  }
  if (keyPem === undefined) {
    throw d.refuse(PKI_FILES.serviceAccountKey, PKI_FILES.serviceAccountPub, 'service-account signing key');
  }
  const key = await inFile(keyPath, () => parsePrivateKey(keyPem));
  await tightenMode(keyPath, SECRET_MODE);
  if (pubPem === undefined) {
    const derived = publicKeyPem(key);
    await d.write(PKI_FILES.serviceAccountPub, derived, PUBLIC_MODE);
    return { keyPem, publicKeyPem: derived };
  }
  const pub = await inFile(pubPath, () => {
    if (!pubPem.includes('-----BEGIN PUBLIC KEY-----')) throw new Error('not a PEM public key');
    return parsePublicKey(pubPem);
  });
  if (!spkiDer(pub).equals(spkiDer(key))) throw new PkiFileError(pubPath, `does not match ${keyPath}`);
  return { keyPem, publicKeyPem: pubPem };
}
