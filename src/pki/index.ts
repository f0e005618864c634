// Public surface of the PKI component: CA, certificates, kubeconfigs, service-account keys.
export { ensurePki, type CertAndKey, type EnsurePkiOptions, type Pki } from './ensure-pki.js';
export { PKI_FILES } from './pki-dir.js';
export { PkiFileError } from './files.js';
export {
  createCertificateAuthority,
  loadCa,
  type CertificateAuthority,
  type CertificateUsage,
  type LoadedCa,
} from './sign.js';
export { issueCertificate, type IssueCertificateOptions, type IssuedCertificate } from './issue-certificate.js';
export { signCsr, type SignCsrOptions } from './sign-csr.js';
export {
  issuedBy,
  parseCertificate,
  verifySignedBy,
  type CertificateName,
  type ParsedCertificate,
} from './parse-certificate.js';
export {
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_SERVICE_IP,
  apiserverSans,
  hostAddresses,
  type ApiserverNameOptions,
  type SubjectAltNames,
} from './serving-names.js';
export type { ServiceAccountKeyPair } from './ensure-service-account-key.js';
export { generateKey, type GeneratedKey } from './keys.js';
export { canonicalIp } from './ip.js';
export {
  kubeconfigYaml,
  readKubeconfig,
  writeKubeconfig,
  type KubeconfigCredentials,
  type KubeconfigOptions,
} from './kubeconfig.js';
