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
 *
 * `k8ts agent --enable dns` runs the same through startNodeDns with the
 * agent's own credentials (a token-joined agent is `system:node:<name>`): it
 * publishes only its slice `kube-dns-<node>` (NodeRestriction lets a node
 * write nothing else) and never the Service. Every instance deletes its slice
 * when it stops cleanly; the kube-dns-endpoints controller keeps the legacy
 * Endpoints and the endpoints' readiness (docs/networking.md).
 *
 * The worker builds its own client from the certificate PEMs it is given; when
 * the agent rotates its certificate, `followCertificate` (the agent: its
 * kubeconfig) is looked at every `followIntervalMs` and a changed certificate
 * is posted to the worker, whose client re-dials with it.
 */
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Client, type ClientOptions } from '../client/index.js';
import { dnsServiceIP, ensureKubeDnsObjects, parseUpstream, withdrawKubeDns, type DnsWorkerData } from '../dns/index.js';
import { localNodeIdentity } from '../kubelet/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

function nodeIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function startDns(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  // With its own node (the embedded agent), the endpoint names it: its readiness then follows that Node (kube-dns-endpoints controller).
  const ownNode = !ctx.flags.disabled.has('agent') && ctx.flags.runtime !== 'none' ? localNodeIdentity('sim').name : undefined;
  return startNodeDns({ credentials: (u, g) => ctx.credentialsFor(u, g), serviceCIDR: ctx.flags.serviceCIDR, signal: ctx.signal, log: ctx.log, service: true, nodeName: ownNode });
}

export interface NodeDnsOptions {
  /** Credentials per identity (the server issues its own; `k8ts agent` hands over the agent's). */
  credentials(user: string, groups: string[]): Promise<ClientOptions>;
  serviceCIDR: string;
  /** Where to listen (default: the first non-loopback IPv4 address here); K8TS_DNS_ADDRESS overrides. */
  nodeIP?: string;
  /** Names this server's kube-dns EndpointSlice (`kube-dns-<node>`; default the host name). */
  nodeName?: string;
  /** Create the kube-dns Service too (only the server's instance: nodes may not write Services). Default false. */
  service?: boolean;
  /**
   * Where the client certificate comes from when it may be rotated (the agent's kubeconfig): read every
   * `followIntervalMs`, and a changed certificate is handed to the DNS worker's client. undefined: keep the current one.
   */
  followCertificate?: () => Promise<{ certPem: string; keyPem: string } | undefined>;
  /** How often `followCertificate` is read (default 30 s, as client-go's certificate reloader). */
  followIntervalMs?: number;
  /** How long the worker's sessions on a replaced certificate stay open (default 5 s). */
  drainMs?: number;
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
    drainMs: o.drainMs,
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
    if (typeof c.transport === 'object') await c.transport.close();
    return undefined;
  }
  // The server's instance writes as its own ServiceAccount (k8ts:kube-dns-publisher, kube-system only); an agent's
  // as its node (the node authorizer and NodeRestriction let it write only its own slice, with its own addresses).
  // A ready transport in the credentials (the agent's, following its kubeconfig) is the publisher's own.
  const publisher = new Client(typeof c.transport === 'object' ? { ...c, qps: -1, userAgent: 'k8ts-dns/v1.32.0 (k8ts)' } : { ...creds, qps: -1, userAgent: 'k8ts-dns/v1.32.0 (k8ts)' });
  // Follow a rotated certificate: the worker's client gets each new one.
  let certPem = creds.certPem;
  const follow = async () => {
    let next: { certPem: string; keyPem: string } | undefined;
    try {
      next = await o.followCertificate?.();
    } catch (e) {
      ctx.log(`dns: cannot re-read the client certificate: ${(e as Error).message}`);
      return;
    }
    if (!next?.certPem || !next.keyPem || next.certPem === certPem || stopping) return;
    certPem = next.certPem;
    worker.postMessage({ credentials: { certPem: next.certPem, keyPem: next.keyPem } });
  };
  let following: Promise<void> | undefined;
  const followTimer = o.followCertificate && creds.certPem ? setInterval(() => void (following ??= follow().finally(() => (following = undefined))), o.followIntervalMs ?? 30_000) : undefined;
  followTimer?.unref();
  const publish = () =>
    ensureKubeDnsObjects(publisher, {
      clusterIP: dnsServiceIP(o.serviceCIDR),
      endpointIP: r.host === '0.0.0.0' ? (o.nodeIP ?? nodeIp()) : r.host,
      port: r.port,
      metricsPort: r.metricsPort || undefined,
      nodeName: o.nodeName,
      service: o.service === true,
    });
  let stopping = false;
  const attempt = () =>
    publish().then(
      () => true,
      (e: unknown) => {
        ctx.log(`dns: could not publish the kube-dns endpoint: ${(e as Error).message}`);
        return false;
      },
    );
  // Published before this returns; on failure (the Node not registered yet, the API server busy) retried in the
  // background, doubling the wait up to 30 s: DNS answers meanwhile.
  const published = await attempt();
  const publishing = (async () => {
    for (let delay = 1000, ok = published; !ok && !ctx.signal.aborted && !stopping; delay = Math.min(delay * 2, 30_000)) {
      await new Promise((res) => setTimeout(res, delay).unref());
      if (!ctx.signal.aborted && !stopping) ok = await attempt();
    }
  })();
  ctx.log(`dns: serving ${domain} on ${r.host}:${r.port} (udp+tcp)${r.metricsPort ? `, metrics on http://${r.host}:${r.metricsPort}/metrics` : ''}; upstreams ${r.upstreams.join(',') || 'none'}`);
  const onAbort = () => void (stopped ??= stop());
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    stopping = true;
    clearInterval(followTimer);
    await Promise.race([publishing, new Promise((res) => setTimeout(res, 5000).unref())]);
    // Withdraw first, so kube-proxy stops sending queries here while this instance still answers.
    const withdraw = withdrawKubeDns(publisher, o.nodeName).then(
      () => ctx.log(`dns: withdrew ${o.nodeName ?? 'this host'}'s kube-dns endpoint`),
      (e: unknown) => ctx.log(`dns: could not withdraw the kube-dns endpoint: ${(e as Error).message}`),
    );
    await Promise.race([withdraw, new Promise((res) => setTimeout(res, 5000).unref())]);
    await publisher.close();
    worker.postMessage('stop');
    await Promise.race([done, new Promise((res) => setTimeout(res, 5000).unref())]);
    ctx.signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  };
  return {
    name: 'dns',
    stop: () => (stopped ??= stop()),
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
