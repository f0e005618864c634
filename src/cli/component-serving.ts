/**
 * What `k8ts scheduler` and `k8ts controller-manager` share when they run alone against a remote
 * API server: their common flags, the kubeconfig → client → signals → log start-up, and the secure
 * port's serving certificate and client CA (kube-scheduler's and kube-controller-manager's
 * --tls-cert-file, --tls-private-key-file, --client-ca-file).
 */
import { readFile } from 'node:fs/promises';
import { Client } from '../client/index.js';
import { createCertificateAuthority, issueCertificate, readKubeconfig, type KubeconfigCredentials } from '../pki/index.js';

/** parseArgs options both components take (each adds its own and its --secure-port default). */
export const COMPONENT_OPTIONS = {
  kubeconfig: { type: 'string' },
  'leader-elect': { type: 'string', default: 'true' },
  'tls-cert-file': { type: 'string' },
  'tls-private-key-file': { type: 'string' },
  'client-ca-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The values of COMPONENT_OPTIONS' serving flags, as parseArgs returns them. */
export interface ServingFlags {
  'tls-cert-file'?: string;
  'tls-private-key-file'?: string;
  'client-ca-file'?: string;
}

export interface ServingCertificate {
  /** The certificate, followed by its chain when self-signed. */
  certPem: string;
  keyPem: string;
}

export interface Component {
  kc: KubeconfigCredentials;
  client: Client;
  /** Aborted on SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** One timestamped line on stderr. */
  log: (m: string) => void;
}

/** Fails with `<name>: --kubeconfig is required` when the flag is missing, else reads the kubeconfig. */
export async function readComponentKubeconfig(name: string, path: string | undefined): Promise<KubeconfigCredentials> {
  if (!path) throw new Error(`${name}: --kubeconfig is required`);
  return readKubeconfig(path);
}

/**
 * A client with the kubeconfig's credentials (no client-side rate limit: these are the control
 * plane), an AbortSignal fired by SIGINT/SIGTERM, and a logger; logs `<name>: starting against <server>`.
 */
export function startComponent(name: string, kc: KubeconfigCredentials, userAgent: string): Component {
  const client = new Client({ server: kc.server, caPem: kc.caPem, clientCertPem: kc.clientCertPem, clientKeyPem: kc.clientKeyPem, token: kc.token, qps: -1, userAgent });
  const ac = new AbortController();
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
  log(`${name}: starting against ${kc.server}`);
  return { kc, client, signal: ac.signal, log };
}

/**
 * The secure port's certificate: from --tls-cert-file/--tls-private-key-file when both are given;
 * otherwise, with `selfSignedName`, a certificate for localhost/127.0.0.1 from a throwaway CA made in
 * memory (upstream's behaviour without those flags; the chain is sent); otherwise undefined.
 */
export function servingCertificate(flags: ServingFlags, selfSignedName: string): Promise<ServingCertificate>;
export function servingCertificate(flags: ServingFlags): Promise<ServingCertificate | undefined>;
export async function servingCertificate(flags: ServingFlags, selfSignedName?: string): Promise<ServingCertificate | undefined> {
  const certFile = flags['tls-cert-file'];
  const keyFile = flags['tls-private-key-file'];
  if (certFile && keyFile) return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  if (!selfSignedName) return undefined;
  const ca = await createCertificateAuthority({ commonName: `${selfSignedName}-ca` });
  const leaf = await issueCertificate(ca, { commonName: selfSignedName, dnsNames: ['localhost'], ips: ['127.0.0.1'], usages: 'server' });
  return { certPem: `${leaf.certPem}${ca.certPem}`, keyPem: leaf.keyPem };
}

/** The CA that client certificates on the secure port must chain to: --client-ca-file, else the kubeconfig's CA. */
export async function clientCaPem(flags: ServingFlags, kc: KubeconfigCredentials): Promise<string> {
  return flags['client-ca-file'] ? readFile(flags['client-ca-file'], 'utf8') : kc.caPem;
}
