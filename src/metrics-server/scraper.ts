/**
 * One scrape of a kubelet's `/metrics/resource` over HTTPS, presenting the
 * client certificate the API server uses for logs and exec and verifying the
 * kubelet's serving certificate against the cluster CA (node names are not in
 * every serving certificate, so the host name is not checked, as the API
 * server does not check it either).
 * @module
 */
import https from 'node:https';
import { isRecord, type KObject } from '../api/index.js';
import { decodeResourceMetrics, type NodeScrape } from './decode.js';
import { parsePrometheusText } from './prometheus.js';

export interface KubeletCredentials {
  certPem: string;
  keyPem: string;
  caPem: string;
}

/** Where a node's kubelet listens (InternalIP, else ExternalIP, else Hostname; daemonEndpoints port, else 10250). */
export function kubeletAddress(node: KObject): { host: string; port: number } | undefined {
  const status = isRecord(node.status) ? node.status : {};
  const addrs = Array.isArray(status.addresses) ? status.addresses.filter(isRecord) : [];
  const pick = (t: string) => addrs.find((a) => a.type === t && typeof a.address === 'string')?.address as string | undefined;
  const host = pick('InternalIP') ?? pick('ExternalIP') ?? pick('Hostname');
  const ep = isRecord(status.daemonEndpoints) && isRecord(status.daemonEndpoints.kubeletEndpoint) ? status.daemonEndpoints.kubeletEndpoint.Port : undefined;
  return host ? { host, port: typeof ep === 'number' && ep > 0 ? ep : 10250 } : undefined;
}

const MAX_BODY = 64 * 1024 * 1024;

/** GET https://host:port/metrics/resource; rejects on a non-200 reply, a timeout or a malformed body. */
export function fetchResourceMetrics(addr: { host: string; port: number }, creds: KubeletCredentials, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: addr.host, port: addr.port, path: '/metrics/resource', method: 'GET', cert: creds.certPem, key: creds.keyPem, ca: creds.caPem, checkServerIdentity: () => undefined, agent: false, timeout: timeoutMs, headers: { Accept: 'text/plain' } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error('reply too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}`));
          else resolve(body);
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end();
  });
}

/** Scrape and decode one node's kubelet. */
export async function scrapeNode(node: KObject, creds: KubeletCredentials, timeoutMs: number, now: () => number = Date.now): Promise<NodeScrape> {
  const addr = kubeletAddress(node);
  if (!addr) throw new Error('the node has no address');
  const text = await fetchResourceMetrics(addr, creds, timeoutMs);
  return decodeResourceMetrics(parsePrometheusText(text), now());
}
