/**
 * Starts the cluster DNS inside `k8ts server` (k3s runs CoreDNS as a pod;
 * k8ts answers in a worker thread of the server process, on the host network,
 * from informer caches).
 *
 * It listens on the node's address, port 53, UDP and TCP, and publishes that
 * address as the endpoint of the `kube-system/kube-dns` Service (ClusterIP =
 * service CIDR + 10, created here), so kube-proxy DNATs pods' queries for
 * 10.43.0.10:53 to it. Environment overrides (tests use a free loopback port):
 *
 * | variable | default |
 * |---|---|
 * | `K8TS_DNS_ADDRESS` | `<node IP>:53` (`127.0.0.1:0` = a free loopback port) |
 * | `K8TS_DNS_METRICS_PORT` | `9153` (`0` = a free port, `off` = none) |
 * | `K8TS_DNS_UPSTREAMS` | the nameservers of `K8TS_DNS_RESOLV_CONF` (default `/etc/resolv.conf`) |
 * | `K8TS_CLUSTER_DOMAIN` | `cluster.local` |
 *
 * A port already in use (another server on this host) is logged and DNS is
 * skipped: it never stops the server.
 */
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Client, type ClientOptions } from '../client/index.js';
import { dnsServiceIP, ensureKubeDnsObjects, parseUpstream, type DnsWorkerData } from '../dns/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

function nodeIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function startDns(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  return startNodeDns({ credentials: (u, g) => ctx.credentialsFor(u, g), serviceCIDR: ctx.flags.serviceCIDR, signal: ctx.signal, log: ctx.log });
}

export interface NodeDnsOptions {
  /** Credentials per identity (the server issues its own; `k8ts agent` hands over the agent's). */
  credentials(user: string, groups: string[]): Promise<ClientOptions>;
  serviceCIDR: string;
  /** Where to listen (default: the first non-loopback IPv4 address here); K8TS_DNS_ADDRESS overrides. */
  nodeIP?: string;
  /** Names this server's kube-dns EndpointSlice (`kube-dns-<node>`; default the host name). */
  nodeName?: string;
  signal: AbortSignal;
  log(msg: string): void;
}

/** The cluster DNS in a worker thread of this process, published as an endpoint of the kube-dns Service. */
export async function startNodeDns(o: NodeDnsOptions): Promise<RunningComponent | undefined> {
  const ctx = { log: o.log, signal: o.signal };
  const addr = process.env.K8TS_DNS_ADDRESS ? parseUpstream(process.env.K8TS_DNS_ADDRESS) : { host: o.nodeIP ?? nodeIp(), port: 53 };
  const metricsEnv = process.env.K8TS_DNS_METRICS_PORT ?? '9153';
  const domain = process.env.K8TS_CLUSTER_DOMAIN ?? 'cluster.local';
  // Another server on this host usually holds the port already: find out before starting a worker.
  const busy = addr.port === 0 ? undefined : await portTaken(addr.host, addr.port);
  if (busy) {
    ctx.log(`dns: cannot listen on ${addr.host}:${addr.port} (${busy}); cluster DNS is off on this server`);
    return undefined;
  }
  const c = await o.credentials('system:serviceaccount:kube-system:kube-dns', ['system:serviceaccounts', 'system:serviceaccounts:kube-system']);
  const creds = { server: c.server, caPem: c.caPem, certPem: c.certPem ?? c.clientCertPem, keyPem: c.keyPem ?? c.clientKeyPem, token: c.token };
  const workerData: DnsWorkerData = {
    ...creds,
    options: {
      domain,
      host: addr.host,
      port: addr.port,
      upstreams: process.env.K8TS_DNS_UPSTREAMS ? process.env.K8TS_DNS_UPSTREAMS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      resolvConf: process.env.K8TS_DNS_RESOLV_CONF,
      metricsPort: metricsEnv === 'off' ? undefined : Number(metricsEnv),
    },
  };
  // A worker thread keeps query work off the API server's event loop. Under tsx
  // (tests, `node --import tsx`) the worker registers tsx itself: loader hooks are per thread.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`../dns/worker-main.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData })
    : new Worker(entry, { workerData });
  let onReady: (r: Ready | undefined) => void = () => {};
  const ready = new Promise<Ready | undefined>((resolve) => (onReady = resolve));
  const done = new Promise<void>((resolve) => {
    worker.on('message', (m: { log?: string; ready?: Ready; failed?: { code?: string; message: string }; done?: boolean }) => {
      if (m.log) ctx.log(m.log);
      if (m.ready) onReady(m.ready);
      if (m.failed) {
        ctx.log(`dns: cannot listen on ${addr.host}:${addr.port} (${m.failed.code ?? m.failed.message}); cluster DNS is off on this server`);
        onReady(undefined);
      }
      if (m.done) resolve();
    });
    worker.on('error', (e) => {
      ctx.log(`dns worker failed: ${e.message}`);
      onReady(undefined);
    });
    worker.on('exit', () => {
      onReady(undefined);
      resolve();
    });
  });
  const r = await ready;
  if (!r) {
    await worker.terminate();
    return undefined;
  }
  // As its own ServiceAccount: k8ts:kube-dns-publisher (bootstrap policy) lets it write these in kube-system only.
  const publisher = new Client({ ...creds, qps: -1, userAgent: 'k8ts-dns/v1.32.0 (k8ts)' });
  try {
    await ensureKubeDnsObjects(publisher, { clusterIP: dnsServiceIP(o.serviceCIDR), endpointIP: r.host === '0.0.0.0' ? (o.nodeIP ?? nodeIp()) : r.host, port: r.port, metricsPort: r.metricsPort || undefined, nodeName: o.nodeName });
  } catch (e) {
    ctx.log(`dns: could not create the kube-dns Service: ${(e as Error).message}`);
  } finally {
    await publisher.close();
  }
  ctx.log(`dns: serving ${domain} on ${r.host}:${r.port} (udp+tcp)${r.metricsPort ? `, metrics on http://${r.host}:${r.metricsPort}/metrics` : ''}; upstreams ${r.upstreams.join(',') || 'none'}`);
  const onAbort = () => worker.postMessage('stop');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return {
    name: 'dns',
    async stop() {
      worker.postMessage('stop');
      await Promise.race([done, new Promise((res) => setTimeout(res, 5000).unref())]);
      ctx.signal.removeEventListener('abort', onAbort);
      await worker.terminate();
    },
  };
}

/** The error code binding UDP host:port gives now (EADDRINUSE, EACCES…), or undefined when it is free. */
function portTaken(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', (e: NodeJS.ErrnoException) => {
      s.close();
      resolve(e.code ?? e.message);
    });
    s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

interface Ready {
  host: string;
  port: number;
  metricsPort: number;
  upstreams: string[];
}
