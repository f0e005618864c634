// ensureCa: loads the cluster CA from ca.crt/ca.key, creating it only when both are absent.
import { PkiFileError, PUBLIC_MODE, SECRET_MODE, readIfExists, tightenMode } from './files.js';
import { parsePrivateKey } from './keys.js';
import { PKI_FILES, inFile, type PkiDir } from './pki-dir.js';
import { caFromParts, newCertificateAuthority, parseCertPem, type LoadedCa } from './sign.js';

/** The CA as loaded, with its key file's text exactly as stored. */
export interface EnsuredCa {
  loaded: LoadedCa;
  keyPem: string;
}

/**
 * Returns the CA in `d`. Creates a new one when neither file exists; when only
 * one exists, or either is corrupt, mismatched or expired, throws a
 * PkiFileError naming the file: a CA is never silently replaced.
 */
export async function ensureCa(d: PkiDir): Promise<EnsuredCa> {
  const certPath = d.path(PKI_FILES.caCert);
  const keyPath = d.path(PKI_FILES.caKey);
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem === undefined && keyPem === undefined) {
    const ca = await newCertificateAuthority();
    await d.write(PKI_FILES.caKey, ca.pem.keyPem, SECRET_MODE);
    await d.write(PKI_FILES.caCert, ca.pem.certPem, PUBLIC_MODE);
    return { loaded: ca.loaded, keyPem: ca.pem.keyPem };
  }
  if (keyPem === undefined) throw d.refuse(PKI_FILES.caKey, PKI_FILES.caCert, 'CA');
  if (certPem === undefined) throw d.refuse(PKI_FILES.caCert, PKI_FILES.caKey, 'CA');
  const key = await inFile(keyPath, () => parsePrivateKey(keyPem));
  const cert = await inFile(certPath, () => parseCertPem(certPem));
  if (!cert.checkPrivateKey(key)) throw new PkiFileError(keyPath, `is not the key of ${certPath}`);
  const loaded = await inFile(certPath, () => caFromParts(certPem, cert, key));
  if (loaded.notAfter.getTime() < Date.now()) {
    throw new PkiFileError(certPath, `the CA certificate expired on ${loaded.notAfter.toISOString()}`);
  }
  await tightenMode(keyPath, SECRET_MODE);
  return { loaded, keyPem };
}
