/**
 * The API server's way to a pod's kubelet: the node's InternalIP and
 * `daemonEndpoints.kubeletEndpoint.Port`, over TLS with the
 * `apiserver-kubelet-client` certificate, verifying the kubelet's serving
 * certificate against the cluster CA.
 * @module
 */
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { isRecord, type KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import type { ServerParts } from './context.js';

export interface KubeletClientCredentials {
  certPem: string;
  keyPem: string;
  caPem: string;
}

const DIAL_TIMEOUT_MS = 10_000;

const credentials = new WeakMap<object, KubeletClientCredentials>();

/** Give the server the certificate it presents to kubelets (pki `apiserver-kubelet-client`). */
export function configureKubeletClient(parts: ServerParts, c: KubeletClientCredentials): void {
  credentials.set(parts.cache, c);
}

export interface KubeletLocation {
  host: string;
  port: number;
  creds: KubeletClientCredentials;
}

/** Where the pod's node's kubelet listens; errors as upstream words them. */
export async function kubeletFor(parts: ServerParts, nodeName: string): Promise<KubeletLocation> {
  const creds = credentials.get(parts.cache);
  if (!creds) throw errors.unavailable('the API server has no kubelet client credentials configured');
  const def = parts.registry.resource('', 'v1', 'nodes');
  const rs = def && parts.resources.get(def);
  const node = rs ? ((await rs.getFresh('', nodeName))?.obj as KObject | undefined) : undefined;
  if (!node) throw errors.notFound('', 'nodes', nodeName);
  const status = isRecord(node.status) ? node.status : {};
  const addrs = Array.isArray(status.addresses) ? status.addresses.filter(isRecord) : [];
  const pick = (t: string) => addrs.find((a) => a.type === t && typeof a.address === 'string')?.address as string | undefined;
  const host = pick('InternalIP') ?? pick('ExternalIP') ?? pick('Hostname');
  const ep = isRecord(status.daemonEndpoints) && isRecord(status.daemonEndpoints.kubeletEndpoint) ? status.daemonEndpoints.kubeletEndpoint.Port : undefined;
  const port = typeof ep === 'number' && ep > 0 ? ep : 10250;
  if (!host) throw errors.badRequest(`node "${nodeName}" has no address the API server can reach its kubelet at`);
  return { host, port, creds };
}

/** A plain request to the kubelet (logs); resolves once the reply's head arrives. */
export function kubeletGet(k: KubeletLocation, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: k.host, port: k.port, path, method: 'GET', cert: k.creds.certPem, key: k.creds.keyPem, ca: k.creds.caPem, checkServerIdentity: () => undefined, signal, agent: false }, (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    // A node whose kubelet cannot be reached (a simulated node's address) must fail fast, not at the TCP timeout.
    const timer = setTimeout(() => req.destroy(new Error(`dial tcp ${k.host}:${k.port}: i/o timeout`)), DIAL_TIMEOUT_MS);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(errors.internal(`error dialing backend: ${e.message}`));
    });
    req.end();
  });
}

/** A TLS connection to the kubelet, for upgraded streams. */
export function kubeletDial(k: KubeletLocation): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: k.host, port: k.port, cert: k.creds.certPem, key: k.creds.keyPem, ca: k.creds.caPem, checkServerIdentity: () => undefined, ALPNProtocols: ['http/1.1'] }, () => {
      s.off('error', fail);
      resolve(s);
    });
    const fail = (e: Error) => reject(errors.internal(`error dialing backend: ${e.message}`));
    s.once('error', fail);
    s.setTimeout(DIAL_TIMEOUT_MS, () => s.destroy(new Error(`dial tcp ${k.host}:${k.port}: i/o timeout`)));
    s.once('secureConnect', () => s.setTimeout(0));
  });
}
