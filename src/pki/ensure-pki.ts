// ensurePki: creates the cluster's CA, certificates and service-account keys once, then reuses them.
import { DIR_MODE, ensureDir, syncDir } from './files.js';
import { ensureCa } from './ensure-ca.js';
import { ensureLeaf } from './ensure-leaf.js';
import { ensureServiceAccountKey, type ServiceAccountKeyPair } from './ensure-service-account-key.js';
import { PkiDir, inFile } from './pki-dir.js';
import { apiserverSans, type ApiserverNameOptions, type SubjectAltNames } from './serving-names.js';
import type { CertificateAuthority, LoadedCa } from './sign.js';

/** Options of ensurePki: the apiserver certificate's names. */
export type EnsurePkiOptions = ApiserverNameOptions;

/** A certificate and its private key, as PEM. */
export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

/** The cluster's PKI, as ensurePki found or made it. */
export interface Pki {
  dir: string;
  ca: CertificateAuthority;
  /** The CA parsed and ready to sign: pass it to issueCertificate / signCsr to skip re-parsing. */
  signer: LoadedCa;
  apiserver: CertAndKey;
  apiserverKubeletClient: CertAndKey;
  admin: CertAndKey;
  /** Service-account token signing key pair (ES256 for keys this package makes). */
  serviceAccount: ServiceAccountKeyPair;
  /** The names the apiserver certificate carries. */
  apiserverSans: SubjectAltNames;
  /** File names this call created or replaced (empty when everything was reused). */
  written: string[];
}

/**
 * Group of the admin and apiserver-kubelet-client certificates. Since 1.29
 * kubeadm gives both `kubeadm:cluster-admins` (bound to cluster-admin by a
 * ClusterRoleBinding it creates; kubernetes/kubeadm#2960) and keeps
 * `system:masters` for super-admin.conf only. k8ts uses `system:masters`, as
 * k3s does and kubeadm did before: it needs no binding, but cannot be revoked.
 */
const MASTERS = 'system:masters';

/**
 * Makes sure `dir` (normally `<data-dir>/pki`, mode 0700) holds the cluster's
 * PKI under kubeadm's file names, creating what is missing: the CA (never
 * re-created while one of its files exists), the apiserver serving
 * certificate, the apiserver's kubelet client certificate, the admin client
 * certificate and the service-account key pair. Keys are 0600, certificates
 * 0644. Existing files are reused byte for byte; only the apiserver
 * certificate is re-issued (same key) when it lacks a name now needed, and
 * any leaf in its last 90 days. Unreadable, corrupt or mismatched files throw
 * a PkiFileError naming the file.
 */
export async function ensurePki(dir: string, opts: EnsurePkiOptions = {}): Promise<Pki> {
  await inFile(dir, () => ensureDir(dir, DIR_MODE));
  const d = new PkiDir(dir);
  const ca = await ensureCa(d);
  // The four are independent; running them together overlaps file I/O and WebCrypto jobs.
  const [apiserver, kubeletClient, admin, serviceAccount] = await Promise.all([
    ensureLeaf(d, ca.loaded, {
      base: 'apiserver',
      commonName: 'kube-apiserver',
      organizations: [],
      usages: 'server',
      sans: apiserverSans(opts),
    }),
    ensureLeaf(d, ca.loaded, {
      base: 'apiserver-kubelet-client',
      commonName: 'kube-apiserver-kubelet-client',
      organizations: [MASTERS],
      usages: 'client',
    }),
    ensureLeaf(d, ca.loaded, {
      base: 'admin',
      commonName: 'kubernetes-admin',
      organizations: [MASTERS],
      usages: 'client',
    }),
    ensureServiceAccountKey(d),
  ]);
  if (d.written.length > 0) await syncDir(dir);
  return {
    dir,
    ca: { certPem: ca.loaded.certPem, keyPem: ca.keyPem },
    signer: ca.loaded,
    apiserver: { certPem: apiserver.certPem, keyPem: apiserver.keyPem },
    apiserverKubeletClient: { certPem: kubeletClient.certPem, keyPem: kubeletClient.keyPem },
    admin: { certPem: admin.certPem, keyPem: admin.keyPem },
    serviceAccount,
    apiserverSans: apiserver.sans,
    written: [...d.written].sort(),
  };
}
