/**
 * kube-proxy (iptables mode) inside `k8ts server`, and the `k8ts proxy`
 * command. In the server it runs when the local node runs real containers
 * (the runtime resolves to `cri`, so pods have network namespaces to reach)
 * and iptables is there; with simulated pods there is nothing to forward to,
 * so it stays off (`--disable proxy` turns it off anyway; `K8TS_PROXY=1` forces it on).
 * @module
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Client, type ClientOptions } from '../client/index.js';
import { resolveRuntime } from '../kubelet/index.js';
import { readKubeconfig } from '../pki/index.js';
import { cleanupRules, ensureSafetyRoutes, execRunner, isIPv4, startInformerProxy, startNetworkAgents } from '../proxy/index.js';
import { followingCredentials } from './reloading-credentials.js';
import { parseDuration } from './duration.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

/** kube-proxy's identity: bound to system:node-proxier by the bootstrap policy. */
export const KUBE_PROXY_USER = 'system:kube-proxy';

function iptablesMissing(): string | undefined {
  return process.getuid?.() !== 0 ? 'needs root' : undefined;
}

export async function startProxy(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  let runtime: string;
  try {
    runtime = resolveRuntime(ctx.flags.runtime, () => {});
  } catch {
    return undefined;
  }
  if (runtime !== 'cri' && process.env.K8TS_PROXY !== '1') return undefined;
  // No local node (agent disabled): no pods here to forward to.
  if (ctx.flags.disabled.has('agent') && process.env.K8TS_PROXY !== '1') return undefined;
  return startNodeProxy({ credentials: (u, g) => ctx.credentialsFor(u, g), nodeName: hostname().toLowerCase(), clusterCIDR: ctx.flags.clusterCIDR, serviceCIDR: ctx.flags.serviceCIDR, signal: ctx.signal, log: ctx.log });
}

export interface NodeProxyOptions {
  /** Credentials per identity (the server issues one per component; `k8ts agent` hands over its own). */
  credentials(user: string, groups: string[]): Promise<ClientOptions>;
  nodeName: string;
  /** The node's IPv4 address (loadBalancerSourceRanges holding it let the node reach its local LB IPs); default: the Node's InternalIP. */
  nodeIP?: string;
  clusterCIDR: string;
  serviceCIDR: string;
  signal: AbortSignal;
  log(msg: string): void;
}

/** The Node's first IPv4 InternalIP (upstream kube-proxy's node IP detection), if the Node is registered. */
export async function nodeIPFromApi(client: Client, nodeName: string): Promise<string | undefined> {
  try {
    const n = await client.resource('nodes').get(nodeName);
    const addrs = ((n.status as { addresses?: Array<{ type?: string; address?: string }> } | undefined)?.addresses ?? []);
    return addrs.find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address;
  } catch {
    return undefined;
  }
}

/**
 * kube-proxy, NetworkPolicy enforcement and the host-gw routes for one node, in
 * this process's network namespace: what `k8ts server` runs for its own node
 * and `k8ts agent --enable proxy` for its node. Undefined when it cannot run here.
 */
export async function startNodeProxy(o: NodeProxyOptions): Promise<RunningComponent | undefined> {
  const why = iptablesMissing();
  if (why) {
    o.log(`proxy: not started (${why})`);
    return undefined;
  }
  const runner = execRunner();
  if ((await runner.run('iptables-restore', ['--version'])).code !== 0) {
    o.log('proxy: not started (iptables-restore not found: apt-get install iptables)');
    return undefined;
  }
  const client = new Client({ ...(await o.credentials(KUBE_PROXY_USER, [])), qps: -1, userAgent: 'kube-proxy/v1.32.0 (k8ts)' });
  const nodeName = o.nodeName;
  const nodeIP = o.nodeIP && isIPv4(o.nodeIP) ? o.nodeIP : await nodeIPFromApi(client, nodeName);
  const node = { nodeName, clusterCIDR: o.clusterCIDR, nodeIP };
  await ensureSafetyRoutes(runner, { serviceCIDR: o.serviceCIDR, clusterCIDR: o.clusterCIDR }).catch((e: unknown) => o.log(`proxy: safety routes: ${(e as Error).message}`));
  const running = await startInformerProxy({ client, signal: o.signal, runner, node, healthPort: 10256, log: o.log }).catch(async (e: unknown) => {
    // The health port may be taken by another kube-proxy; run without it rather than not at all.
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    o.log('proxy: port 10256 in use; running without the health server');
    return startInformerProxy({ client, signal: o.signal, runner, node, healthPort: -1, log: o.log });
  });
  o.log(`proxy: iptables mode on node ${nodeName} (health on :${running.proxier.healthPort ?? '-'})`);
  // ── NetworkPolicy enforcement + host-gw pod routes (src/proxy/netpol*.ts, routes*.ts) ──
  const network = await startNetworkAgents({ credentials: o.credentials, runner, nodeName, log: o.log }).catch((e: unknown) => {
    o.log(`network policy/routes: not started: ${(e as Error).message}`);
    return undefined;
  });
  return {
    name: 'proxy',
    async stop() {
      await network?.stop();
      await running.stop();
      await client.close();
    },
  };
}

export const PROXY_USAGE = `Usage: k8ts proxy [flags]

kube-proxy in iptables mode for this node.

  --kubeconfig F            credentials (default $KUBECONFIG)
  --hostname-override N     this node's name (default: the host name)
  --cluster-cidr C          pod network; traffic from outside it to a ClusterIP is masqueraded (default 10.42.0.0/16)
  --service-cidr C          routed locally so unmatched Service traffic never leaves the host (default 10.43.0.0/16)
  --healthz-port N          /healthz, /livez, /metrics (default 10256; 0 = a free port; -1 = none)
  --iptables-min-sync-period D  (default 1s)
  --iptables-sync-period D  periodic sync period (default 30s; full resync hourly or when a jump rule is missing)
  --netns NAME              program the rules inside network namespace NAME (ip netns)
  --cleanup                 remove every chain and rule the proxy made, then exit
`;

export async function runProxyCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'hostname-override': { type: 'string' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      'healthz-port': { type: 'string', default: '10256' },
      'iptables-min-sync-period': { type: 'string', default: '1s' },
      'iptables-sync-period': { type: 'string', default: '30s' },
      netns: { type: 'string' },
      cleanup: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(PROXY_USAGE);
    return;
  }
  const runner = execRunner({ netns: values.netns });
  if (values.cleanup) {
    const n = await cleanupRules(runner);
    process.stdout.write(`removed ${n} chains\n`);
    return;
  }
  const healthPort = Number(values['healthz-port']);
  if (!Number.isInteger(healthPort) || healthPort < -1 || healthPort > 65535) throw new Error(`--healthz-port ${values['healthz-port']}: not a port number`);
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
  const abort = new AbortController();
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  if (!kubeconfig) throw new Error('proxy: give --kubeconfig (or set KUBECONFIG)');
  // The client certificate is re-read from the kubeconfig (every 30 s and after a 401): a rotated one is followed.
  const creds = followingCredentials(await readKubeconfig(kubeconfig), kubeconfig, { log })();
  const client = new Client({ ...creds, qps: -1, userAgent: 'kube-proxy/v1.32.0 (k8ts)' });
  const nodeName = values['hostname-override'] ?? hostname().toLowerCase();
  await ensureSafetyRoutes(runner, { serviceCIDR: values['service-cidr']!, clusterCIDR: values['cluster-cidr']! });
  const running = await startInformerProxy({
    client,
    signal: abort.signal,
    runner,
    node: { nodeName, clusterCIDR: values['cluster-cidr'], nodeIP: await nodeIPFromApi(client, nodeName) },
    healthPort,
    minSyncPeriodMs: parseDuration(values['iptables-min-sync-period']!, '--iptables-min-sync-period'),
    syncPeriodMs: parseDuration(values['iptables-sync-period']!, '--iptables-sync-period'),
    log,
  });
  log(`proxy: iptables mode running (health on :${running.proxier.healthPort ?? '-'})`);
  const stop = async () => {
    abort.abort();
    await running.stop();
    await client.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
