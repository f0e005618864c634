/**
 * Kubelet TLS bootstrapping: with a bootstrap token, the agent asks for a
 * `system:node:<name>` client certificate through a CertificateSigningRequest
 * (signer kube-apiserver-client-kubelet), which the csrapproving controller
 * approves and the signer signs; the certificate, its key and a kubeconfig
 * land in the agent's directory and are reused on restart. Near expiry the
 * agent renews with its own certificate (a selfnodeclient request): at start
 * here, and while it runs through tls-bootstrap-rotation.ts. The serving
 * certificate (signer kubelet-serving) is requested the same way.
 * @module
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, isNotFound } from '../client/index.js';
import type { KObject } from '../api/index.js';
import { kubeconfigYaml, parseCertificate, readKubeconfig, verifySignedBy } from '../pki/index.js';
import { createCsr } from './tls-bootstrap-csr.js';

export const CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const KUBECONFIG_FILE = 'kubelet.kubeconfig';
const CSRS = 'certificatesigningrequests.certificates.k8s.io';

export interface TlsBootstrapOptions {
  server: string;
  caPem: string;
  /** Bootstrap token (`<id>.<secret>`): needed only when no valid certificate is on disk. */
  token?: string;
  nodeName: string;
  /** Where kubelet.kubeconfig, kubelet-client.crt/.key (and kubelet-server.crt/.key) live: `<data-dir>/agent`. */
  dir: string;
  log(msg: string): void;
  /** How long to wait for approval and signing (default 5 min). */
  timeoutMs?: number;
  /** Renew when less than this fraction of the lifetime is left (default 0.2). */
  renewBefore?: number;
  signal?: AbortSignal;
}

export interface NodeCredentials {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  kubeconfigPath: string;
  /** What happened: `reused` the certificate on disk, `bootstrapped` with the token, or `renewed` with the old certificate. */
  source: 'reused' | 'bootstrapped' | 'renewed';
}

const userOf = (node: string) => `system:node:${node}`;

/** True when the certificate is ours, signed by this CA, valid now, and not due for renewal. */
function certificateState(certPem: string, caPem: string, node: string, renewBefore: number): 'good' | 'renew' | 'bad' {
  try {
    const c = parseCertificate(certPem);
    if (c.subject.commonName !== userOf(node) || !c.subject.organizations.includes('system:nodes')) return 'bad';
    if (!verifySignedBy(certPem, caPem)) return 'bad';
    const now = Date.now();
    const life = c.notAfter.getTime() - c.notBefore.getTime();
    if (now >= c.notAfter.getTime()) return 'bad';
    return c.notAfter.getTime() - now < life * renewBefore ? 'renew' : 'good';
  } catch {
    return 'bad';
  }
}

async function writePrivate(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/** The node's client credentials: reused from disk, renewed, or bootstrapped with the token. */
export async function ensureNodeClientCertificate(o: TlsBootstrapOptions): Promise<NodeCredentials> {
  const kubeconfigPath = join(o.dir, KUBECONFIG_FILE);
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  let current: { certPem: string; keyPem: string } | undefined;
  const existing = await readKubeconfig(kubeconfigPath).catch(() => undefined);
  if (existing?.clientCertPem && existing.clientKeyPem) {
    const state = certificateState(existing.clientCertPem, o.caPem, o.nodeName, o.renewBefore ?? 0.2);
    if (state === 'good') return { server: o.server, caPem: o.caPem, certPem: existing.clientCertPem, keyPem: existing.clientKeyPem, kubeconfigPath, source: 'reused' };
    if (state === 'renew') current = { certPem: existing.clientCertPem, keyPem: existing.clientKeyPem };
    else o.log(`tls-bootstrap: ${kubeconfigPath} holds no valid certificate for ${userOf(o.nodeName)}; bootstrapping a new one`);
  }
  if (!current && !o.token) throw new Error(`no valid node certificate in ${kubeconfigPath} and no --token to bootstrap one`);
  return issueNodeClientCertificate(o, current);
}

/**
 * A new client certificate through a CSR: authenticated with `current` (a
 * selfnodeclient renewal) when given, else with the bootstrap token. The key
 * is made here; certificate, key and kubeconfig are written to `o.dir`.
 */
export async function issueNodeClientCertificate(o: TlsBootstrapOptions, current?: { certPem: string; keyPem: string }): Promise<NodeCredentials> {
  const kubeconfigPath = join(o.dir, KUBECONFIG_FILE);
  const client = new Client({ server: o.server, caPem: o.caPem, qps: -1, userAgent: 'kubelet/v1.32.0 (k8ts tls-bootstrap)', ...(current ? { certPem: current.certPem, keyPem: current.keyPem } : { token: o.token }) });
  try {
    const req = createCsr({ commonName: userOf(o.nodeName), organizations: ['system:nodes'] });
    const certPem = await requestCertificate(client, { ...o, namePrefix: 'node-csr-', signerName: CLIENT_KUBELET_SIGNER, usages: ['digital signature', 'client auth'], csrPem: req.csrPem });
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
    await writePrivate(join(o.dir, 'kubelet-client.key'), req.keyPem, 0o600);
    await writePrivate(join(o.dir, 'kubelet-client.crt'), certPem, 0o644);
    await writePrivate(kubeconfigPath, kubeconfigYaml({ server: o.server, caPem: o.caPem, clientCertPem: certPem, clientKeyPem: req.keyPem, userName: userOf(o.nodeName) }), 0o600);
    const source = current ? 'renewed' : 'bootstrapped';
    o.log(`tls-bootstrap: ${source} the client certificate of ${userOf(o.nodeName)} (${kubeconfigPath})`);
    return { server: o.server, caPem: o.caPem, certPem, keyPem: req.keyPem, kubeconfigPath, source };
  } finally {
    await client.close();
  }
}

export interface ServingCertificateOptions {
  /** A client authenticated as the node (system:node:<name>). */
  client: Client;
  nodeName: string;
  dnsNames: string[];
  ips: string[];
  dir: string;
  caPem: string;
  log(msg: string): void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The kubelet's serving certificate and key for :10250 (for the kubelet
 * server): reused from `<dir>/kubelet-server.crt/.key` while valid for the
 * same names, else requested with the kubelet-serving signer. The
 * csrapproving controller approves it only when every SAN is one of the
 * Node's addresses (docs/security-model.md).
 */
export async function ensureKubeletServingCertificate(o: ServingCertificateOptions): Promise<{ certPem: string; keyPem: string }> {
  const crt = join(o.dir, 'kubelet-server.crt');
  const key = join(o.dir, 'kubelet-server.key');
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const [oldCert, oldKey] = await Promise.all([readFile(crt, 'utf8').catch(() => ''), readFile(key, 'utf8').catch(() => '')]);
  if (oldCert && oldKey && certificateState(oldCert, o.caPem, o.nodeName, 0.2) === 'good') {
    const c = parseCertificate(oldCert);
    const same = (a: string[], b: string[]) => [...a].sort().join(',') === [...b].sort().join(',');
    if (same(c.dnsNames, o.dnsNames) && same(c.ips, o.ips)) return { certPem: oldCert, keyPem: oldKey };
  }
  const req = createCsr({ commonName: userOf(o.nodeName), organizations: ['system:nodes'], dnsNames: o.dnsNames, ips: o.ips });
  const certPem = await requestCertificate(o.client, { ...o, namePrefix: 'csr-', signerName: KUBELET_SERVING_SIGNER, usages: ['digital signature', 'server auth'], csrPem: req.csrPem });
  await writePrivate(key, req.keyPem, 0o600);
  await writePrivate(crt, certPem, 0o644);
  o.log(`tls-bootstrap: serving certificate for ${o.nodeName} issued (${[...o.dnsNames, ...o.ips].join(', ')})`);
  return { certPem, keyPem: req.keyPem };
}

interface CertificateRequest {
  namePrefix: string;
  signerName: string;
  usages: string[];
  csrPem: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  log(msg: string): void;
}

type Cond = { type?: string; reason?: string; message?: string };

/** Creates a CSR and waits until it carries a certificate; denial or failure throws with the reason. */
export async function requestCertificate(client: Client, r: CertificateRequest): Promise<string> {
  const csrs = client.resource(CSRS);
  const created = await csrs.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: r.namePrefix },
    spec: { request: Buffer.from(r.csrPem).toString('base64'), signerName: r.signerName, usages: r.usages },
  } as KObject);
  const name = created.metadata.name ?? '';
  r.log(`tls-bootstrap: waiting for CertificateSigningRequest ${name} (${r.signerName}) to be approved and signed`);
  const end = Date.now() + (r.timeoutMs ?? 300_000);
  let delay = 200;
  while (Date.now() < end) {
    if (r.signal?.aborted) throw new Error(`stopped while waiting for CertificateSigningRequest ${name}`);
    let csr: KObject | undefined;
    try {
      csr = await csrs.get(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      throw new Error(`CertificateSigningRequest ${name} was deleted before it was signed`);
    }
    const status = (csr.status ?? {}) as { certificate?: string; conditions?: Cond[] };
    const bad = (status.conditions ?? []).find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (bad) throw new Error(`CertificateSigningRequest ${name} was ${bad.type === 'Denied' ? 'denied' : 'not signed'}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim());
    if (status.certificate) return Buffer.from(status.certificate, 'base64').toString('utf8');
    await new Promise((res) => setTimeout(res, delay));
    delay = Math.min(2000, delay * 1.5);
  }
  throw new Error(`timed out waiting for CertificateSigningRequest ${name} to be approved and signed (is the csrapproving controller running, or approve it: kubectl certificate approve ${name})`);
}
