/** `k8ts server`: PKI, datastore, API server and bootstrap objects in one process. */
import { mkdirSync, chmodSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { defaultDataDir } from './data-dir.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiServer, bootstrap } from '../apiserver/index.js';
import { ensurePki, issueCertificate, kubeconfigYaml, writeKubeconfig } from '../pki/index.js';
import { describeEndpoint, openStore, startCompactor } from '../store/index.js';
import { parseDuration } from './duration.js';
import { securityOptions } from './security-flags.js';
import type { ComponentContext, RunningComponent } from './component-context.js';
import { startAgent } from './start-agent.js';
import { IMAGE_GC_OPTIONS, IMAGE_GC_USAGE, parseImageGcFlags } from './image-gc-flags.js';
import { startScheduler } from './start-scheduler.js';
import { startControllers } from './start-controllers.js';
import { startProxy } from './start-proxy.js';
import { startDns } from './start-dns.js';
import { startMetricsServer } from './start-metrics-server.js';

export const SERVER_USAGE = `Usage: k8ts server [flags]

  --data-dir D                 state, PKI and kubeconfig (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --https-listen-port N        API port (default 6443; 0 picks a free port, written into the kubeconfig)
  --bind-address A             address to listen on (default 0.0.0.0)
  --datastore-endpoint URL     empty: SQLite in the data dir; sqlite:///path; http(s)://host:2379[,host:2379] for etcd
  --cluster-cidr C             pod network (default 10.42.0.0/16)
  --service-cidr C             Service ClusterIPs (default 10.43.0.0/16)
  --disable LIST               components not to run: scheduler,controllers,agent,proxy,dns,metrics-server
  --metric-resolution D        how often metrics-server scrapes kubelets (default 15s)
  --runtime auto|cri|sim|none  the local node's runtime (default auto: cri when containerd is installed)
  --container-runtime-endpoint S  an external CRI socket (unix:///run/containerd/containerd.sock) instead of k8ts's own containerd
${IMAGE_GC_USAGE}  --sim-nodes N                simulated nodes to add
  --node-monitor-grace-period D  time without heartbeats before a node is Unknown (default 40s)
  --controller-manager-secure-port N  the controller manager's /healthz, /readyz, /metrics on 127.0.0.1:N (default 10257; 0: off)
  --max-requests-inflight N    read-only requests served at once before 429 (default 400, 0 = no limit)
  --max-mutating-requests-inflight N  writes served at once before 429 (default 200)
  --audit-log-path F           write audit.k8s.io/v1 Events, one JSON per line
  --audit-policy-file F        audit Policy (default: everything at Metadata)
  --disable-admission-plugins LIST  e.g. TaintNodesByCondition (off by default with --disable controllers)
  --secrets-encryption         encrypt Secrets at rest (<data-dir>/cred/encryption-config.json)
  --secrets-encryption-provider aescbc|aesgcm|secretbox  the provider of a new configuration (default aescbc)
  --request-timeout D          longest non-watch request (default 60s)
`;

export { defaultDataDir } from './data-dir.js';

function firstHostIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function runServer(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'https-listen-port': { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '0.0.0.0' },
      'datastore-endpoint': { type: 'string', default: '' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      disable: { type: 'string', default: '' },
      runtime: { type: 'string', default: 'auto' },
      'container-runtime-endpoint': { type: 'string' },
      ...IMAGE_GC_OPTIONS,
      'sim-nodes': { type: 'string', default: '0' },
      'node-monitor-grace-period': { type: 'string', default: '40s' },
      'controller-manager-secure-port': { type: 'string', default: '10257' },
      'max-requests-inflight': { type: 'string', default: '400' },
      'max-mutating-requests-inflight': { type: 'string', default: '200' },
      'audit-log-path': { type: 'string' },
      'audit-policy-file': { type: 'string' },
      'disable-admission-plugins': { type: 'string' },
      'secrets-encryption': { type: 'boolean' },
      'secrets-encryption-provider': { type: 'string', default: 'aescbc' },
      'request-timeout': { type: 'string' },
      'metric-resolution': { type: 'string', default: '15s' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SERVER_USAGE);
    return;
  }
  const started = performance.now();
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const port = Number(values['https-listen-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--https-listen-port ${values['https-listen-port']}: not a port number`);
  if (!['auto', 'cri', 'sim', 'none'].includes(values.runtime!)) throw new Error(`--runtime ${values.runtime}: use auto, cri, sim or none`);
  const imageGC = parseImageGcFlags(values);
  const simNodes = Number(values['sim-nodes']);
  if (!Number.isInteger(simNodes) || simNodes < 0) throw new Error(`--sim-nodes ${values['sim-nodes']}: not a count`);
  const nodeMonitorGracePeriodMs = parseDuration(values['node-monitor-grace-period']!, '--node-monitor-grace-period');
  const cmPort = Number(values['controller-manager-secure-port']);
  if (!Number.isInteger(cmPort) || cmPort < 0 || cmPort > 65535) throw new Error(`--controller-manager-secure-port ${values['controller-manager-secure-port']}: not a port number`);
  const disabled = new Set(values.disable!.split(',').map((s) => s.trim()).filter(Boolean));
  for (const d of disabled) {
    if (!['scheduler', 'controllers', 'agent', 'proxy', 'dns', 'metrics-server'].includes(d)) throw new Error(`--disable ${d}: unknown component (scheduler, controllers, agent, proxy, dns, metrics-server)`);
  }
  const metricResolutionMs = parseDuration(values['metric-resolution']!, '--metric-resolution');
  if (!(metricResolutionMs >= 1000)) throw new Error(`--metric-resolution ${values['metric-resolution']}: must be at least 1s`);
  const serviceCIDR = values['service-cidr']!;
  const serviceIP = serviceCIDR.replace(/\.\d+\/\d+$/, '.1');

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const bind = values['bind-address']!;
  const pki = await ensurePki(join(dataDir, 'pki'), { serviceIP, extraIps: bind !== '0.0.0.0' && bind !== '::' ? [bind] : [] });
  const endpoint = values['datastore-endpoint']!;
  const store = await openStore(endpoint, { dataDir });
  const stopCompactor = startCompactor(store, { onError: (e) => log(`compaction failed: ${String(e)}`) });
  const server = new ApiServer({
    store,
    tls: { certPem: pki.apiserver.certPem, keyPem: pki.apiserver.keyPem, caPem: pki.ca.certPem },
    port,
    host: bind,
    serviceCIDR,
    log,
    serviceAccountKeys: pki.serviceAccount,
    kubeletClient: { ...pki.apiserverKubeletClient, caPem: pki.ca.certPem },
    ...securityOptions(values, { dataDir, controllersDisabled: disabled.has('controllers') }),
  });
  const boundPort = await server.start();
  // Endpoints may not point at loopback: advertise the host's address, as k3s does.
  const advertise = bind === '0.0.0.0' || bind === '::' || bind.startsWith('127.') ? firstHostIp() : bind;
  await bootstrap(server, { serviceCIDR, advertiseAddress: advertise, port: boundPort });
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  await writeKubeconfig(
    kubeconfig,
    kubeconfigYaml({ server: `https://${host}:${boundPort}`, caPem: pki.ca.certPem, clientCertPem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem }),
  );
  log(`k8ts API server ready on https://${host}:${boundPort} in ${Math.round(performance.now() - started)} ms (datastore ${describeEndpoint(endpoint, dataDir)})`);
  log(`kubeconfig: ${kubeconfig}  (export KUBECONFIG=${kubeconfig})`);
  const abort = new AbortController();
  const ctx: ComponentContext = {
    server: `https://${host}:${boundPort}`,
    dataDir,
    pki,
    async credentialsFor(user, groups) {
      const c = await issueCertificate(pki.signer, { commonName: user, organizations: groups, usages: 'client' });
      return { server: `https://${host}:${boundPort}`, caPem: pki.ca.certPem, certPem: c.certPem, keyPem: c.keyPem };
    },
    flags: {
      runtime: values.runtime as ComponentContext['flags']['runtime'],
      containerRuntimeEndpoint: values['container-runtime-endpoint'],
      imageGC,
      simNodes,
      clusterCIDR: values['cluster-cidr']!,
      serviceCIDR,
      nodeMonitorGracePeriodMs,
      disabled,
      controllerManagerSecurePort: cmPort,
    },
    signal: abort.signal,
    log,
  };
  const components: RunningComponent[] = [];
  // One bad request must never stop the cluster: log stray failures and keep serving.
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: shutting down`);
    stopCompactor();
    abort.abort();
    await Promise.allSettled(components.map((c) => c.stop()));
    await server.close();
    await store.close();
    process.exit(0);
  };
  // The handlers go in before the components start (the API is already serving): a signal during
  // start-up aborts what is starting and stops the server once every started component can be stopped.
  let starting = true;
  let pending: string | undefined;
  const onSignal = (sig: string) => {
    if (!starting) return void stop(sig);
    pending ??= sig;
    abort.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  for (const [name, start] of [
    // First: the HPA controller finds metrics.k8s.io served from its first sync on.
    ['metrics-server', (c: ComponentContext) => startMetricsServer(c, server, metricResolutionMs)],
    ['controllers', startControllers],
    ['scheduler', startScheduler],
    ['agent', startAgent],
    ['proxy', startProxy],
    ['dns', startDns],
  ] as const) {
    if (disabled.has(name) || pending) continue;
    const c = await start(ctx);
    if (c) components.push(c);
  }
  starting = false;
  if (pending) await stop(pending);
}

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
}
