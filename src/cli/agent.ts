/** `k8ts agent`: node agent(s) in their own process against a remote API server (the local node and/or simulated nodes). */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, type ClientOptions } from '../client/index.js';
import { NodeAgent, RotatingTransport, SimRuntime, ensureNodeClientCertificate, runNodeClientRotation, localNodeIdentity, resolveRuntime, simNodeIdentities, startCriRuntime, agentDirOf, type NodeIdentity, type Runtime, type StartedCri } from '../kubelet/index.js';
import { readKubeconfig } from '../pki/index.js';
import { parseDuration } from './duration.js';
import { AGENT_KUBELET_OPTIONS, AGENT_KUBELET_USAGE, startAgentKubelet } from './agent-kubelet.js';
import { defaultDataDir } from './data-dir.js';
import { IMAGE_GC_OPTIONS, IMAGE_GC_USAGE, parseImageGcFlags } from './image-gc-flags.js';
import { parseEnable, startAgentNetwork } from './agent-network.js';

export const AGENT_USAGE = `Usage: k8ts agent (--kubeconfig F | --server URL --token T --certificate-authority F) [flags]

  --server URL                 API server (https://host:6443)
  --token T                    bootstrap token from \`k8ts token create\`: each node gets its own
                               system:node:<name> certificate by TLS bootstrapping (a CSR)
  --certificate-authority F    CA bundle for --server/--token
  --data-dir D                 where the node certificates live: D/agent/kubelet.kubeconfig
                               (default /var/lib/k8ts as root, ~/.k8ts otherwise); reused on restart
  --kubeconfig F               credentials from a kubeconfig instead
  --runtime auto|cri|sim|none  this machine's node (default auto: cri when containerd is installed, else sim)
  --container-runtime-endpoint S  an external CRI socket instead of k8ts's own containerd (D/agent/containerd)
  --cluster-cidr C             the cluster's pod network, for the pod masquerade rule (default 10.42.0.0/16)
  --service-cidr C             the Service network; pods' DNS server is its 10th address (default 10.43.0.0/16)
  --node-name N                this machine's node name (default: the hostname)
  --sim-nodes N                simulated nodes to serve (default 0)
  --sim-node-prefix P          their names: P00001... (default sim-node-)
  --sim-node-first N           number of the first one (default 1; several agents can share a fleet)
  --lease-renew-interval D     Lease renewal period (default 10s)
${IMAGE_GC_USAGE}  --enable proxy,dns           also run, for this machine's node (--runtime cri), kube-proxy with NetworkPolicy
                               and host-gw routes (proxy) and the cluster DNS on the node's address (dns), in
                               this process's network namespace, with the agent's credentials. Off by default:
                               they rewrite the host's netfilter rules and routes (docs/networking.md)
`;

export async function runAgent(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'certificate-authority': { type: 'string' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      runtime: { type: 'string', default: 'auto' },
      'container-runtime-endpoint': { type: 'string' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      'node-name': { type: 'string' },
      'sim-nodes': { type: 'string', default: '0' },
      'sim-node-prefix': { type: 'string', default: 'sim-node-' },
      'sim-node-first': { type: 'string', default: '1' },
      'lease-renew-interval': { type: 'string', default: '10s' },
      ...IMAGE_GC_OPTIONS,
      enable: { type: 'string', default: '' },
      ...AGENT_KUBELET_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(AGENT_USAGE + AGENT_KUBELET_USAGE);
    return;
  }
  const runtimeFlag = values.runtime!;
  if (runtimeFlag !== 'auto' && runtimeFlag !== 'cri' && runtimeFlag !== 'sim' && runtimeFlag !== 'none') throw new Error(`--runtime ${runtimeFlag}: use auto, cri, sim or none`);
  const simNodes = Number(values['sim-nodes']);
  const first = Number(values['sim-node-first']);
  if (!Number.isInteger(simNodes) || simNodes < 0) throw new Error(`--sim-nodes ${values['sim-nodes']}: not a count`);
  if (!Number.isInteger(first) || first < 1) throw new Error(`--sim-node-first ${values['sim-node-first']}: not a positive number`);
  const imageGC = parseImageGcFlags(values);
  // ── node network components (--enable proxy,dns; src/cli/agent-network.ts) ──
  const enabled = parseEnable(values.enable!);
  // ── end ──
  const creds = await credentials(values);
  const runtime = resolveRuntime(runtimeFlag, log, { endpoint: values['container-runtime-endpoint'] });
  if (enabled.size && runtime !== 'cri') throw new Error(`--enable ${values.enable}: needs a node with real pods (--runtime cri; this one is ${runtime})`);
  const nodes: NodeIdentity[] = [];
  if (runtime !== 'none') nodes.push(localNodeIdentity(runtime, (values['node-name'] ?? hostname()).toLowerCase(), false));
  nodes.push(...simNodeIdentities(simNodes, values['sim-node-prefix'], first));
  if (!nodes.length) throw new Error('nothing to run: --runtime none and no --sim-nodes');
  // --- kubelet API of this machine's node (src/kubelet/server, agent-kubelet.ts): listens before the node registers ---
  const kubelet = runtime !== 'none' ? await startAgentKubelet(nodes[0]!, values, creds.caPem ?? '', log) : undefined;
  const renewIntervalMs = parseDuration(values['lease-renew-interval']!, '--lease-renew-interval');
  const stopping = new AbortController();
  // One agent per identity: with --kubeconfig all nodes share it; with --token each node is
  // system:node:<name> with its own bootstrapped certificate (NodeRestriction lets it touch only itself).
  const agents: Array<{ agent: NodeAgent; client: Client }> = [];
  let stopRequested = false;
  // --runtime cri: the machine's own node (nodes[0]) runs on containerd; simulated nodes stay on sim.
  const cris: StartedCri[] = [];
  const network: Array<{ stop(): Promise<void> }> = []; // --enable proxy,dns
  let localCreds: ClientOptions | undefined; // the local node's own credentials (bootstrapped with --token)
  const localCri = async (n: NodeIdentity, client: Client): Promise<Runtime> => {
    const dataDir = values['data-dir'] ?? defaultDataDir();
    const started = await startCriRuntime({ agentDir: agentDirOf(dataDir), endpoint: values['container-runtime-endpoint'], client, nodeName: n.name, nodeIP: n.address, clusterCIDR: values['cluster-cidr']!, serviceCIDR: values['service-cidr']!, imageGC, log });
    cris.push(started);
    n.runtime = started.runtimeVersion;
    return started.runtime;
  };
  const startAll = async () => {
    if (values.kubeconfig || !creds.token) {
      const client = new Client({ ...creds, qps: -1, userAgent: 'kubelet/v1.32.0 (k8ts agent)' });
      const criNodes = runtime === 'cri' ? nodes.slice(0, 1) : [];
      for (const n of criNodes) agents.push({ client, agent: new NodeAgent({ client, nodes: [n], runtime: await localCri(n, client), renewIntervalMs, log }) });
      if (nodes.length > criNodes.length) agents.push({ client, agent: new NodeAgent({ client, nodes: nodes.slice(criNodes.length), runtime: new SimRuntime(), renewIntervalMs, log }) });
    } else {
      const base = join(values['data-dir'] ?? defaultDataDir(), 'agent');
      const local = runtime !== 'none' ? nodes[0]?.name : undefined;
      const pending = [...nodes];
      const worker = async () => {
        for (let n = pending.shift(); n && !stopRequested; n = pending.shift()) {
          const dir = n.name === local ? base : join(base, 'nodes', n.name);
          const boot = { server: creds.server, caPem: creds.caPem!, token: creds.token, nodeName: n.name, dir, log, signal: stopping.signal };
          const c = await ensureNodeClientCertificate(boot);
          // ── client certificate rotation (tls-bootstrap-rotation.ts): the client follows each new certificate ──
          const transport = new RotatingTransport({ server: c.server, caPem: c.caPem, certPem: c.certPem, keyPem: c.keyPem });
          const client = new Client({ server: c.server, caPem: c.caPem, transport, qps: -1, userAgent: 'kubelet/v1.32.0 (k8ts agent)' });
          void runNodeClientRotation({ ...boot, current: c, transport, signal: stopping.signal });
          // ── end rotation ──
          if (n.name === local) localCreds = { server: c.server, caPem: c.caPem, certPem: c.certPem, keyPem: c.keyPem };
          const rt = runtime === 'cri' && n.name === local ? await localCri(n, client) : new SimRuntime();
          agents.push({ client, agent: new NodeAgent({ client, nodes: [n], runtime: rt, renewIntervalMs, log }) });
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, nodes.length) }, worker));
    }
    if (stopRequested) return;
    kubelet?.bind(agents);
    await Promise.all(agents.map((a) => a.agent.start()));
    void kubelet?.certify(values['data-dir'] ?? defaultDataDir());
    // ── node network components (agent-network.ts) ──
    // (the components follow the certificate in the kubeconfig the agent rewrites on rotation, or in --kubeconfig)
    const networkKubeconfig = localCreds ? join(agentDirOf(values['data-dir'] ?? defaultDataDir()), 'kubelet.kubeconfig') : values.kubeconfig;
    if (enabled.size && !stopRequested) network.push(...(await startAgentNetwork(enabled, { credentials: localCreds ?? creds, kubeconfigPath: networkKubeconfig, node: nodes[0]!, clusterCIDR: values['cluster-cidr']!, serviceCIDR: values['service-cidr']!, signal: stopping.signal, log })));
    // ── end ──
  };
  // Signal handlers go in before start-up resolves: a SIGTERM during start-up must still exit cleanly.
  const starting = startAll();
  const stop = async (sig: string) => {
    if (stopRequested) return;
    stopRequested = true;
    stopping.abort();
    log(`${sig}: shutting down`);
    await starting.catch(() => undefined);
    await Promise.allSettled(network.map((c) => c.stop()));
    await kubelet?.close();
    await Promise.allSettled(agents.map(async (a) => {
      await a.agent.stop();
      await a.client.close();
    }));
    await Promise.allSettled(cris.map((c) => c.stop()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await starting;
}

async function credentials(v: { server?: string; token?: string; 'certificate-authority'?: string; kubeconfig?: string }): Promise<ClientOptions & { server: string }> {
  if (v.kubeconfig) {
    const k = await readKubeconfig(v.kubeconfig);
    return { server: v.server ?? k.server, caPem: k.caPem, clientCertPem: k.clientCertPem, clientKeyPem: k.clientKeyPem, token: v.token ?? k.token };
  }
  if (!v.server || !v.token) throw new Error('give --kubeconfig, or --server with --token (and --certificate-authority)');
  if (!v['certificate-authority']) throw new Error('--token needs --certificate-authority (the cluster CA, <data-dir>/pki/ca.crt on the server)');
  return { server: v.server, token: v.token, caPem: readFileSync(v['certificate-authority'], 'utf8') };
}

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
}
