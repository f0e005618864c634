/** `k8ts agent`: node agent(s) in their own process against a remote API server (the local node and/or simulated nodes). */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Client, type ClientOptions } from '../client/index.js';
import { NodeAgent, SimRuntime, localNodeIdentity, resolveRuntime, simNodeIdentities, type NodeIdentity } from '../kubelet/index.js';
import { readKubeconfig } from '../pki/index.js';
import { parseDuration } from './duration.js';

export const AGENT_USAGE = `Usage: k8ts agent (--kubeconfig F | --server URL --token T --certificate-authority F) [flags]

  --server URL                 API server (https://host:6443)
  --token T                    bearer token (bootstrap tokens arrive with the security issue)
  --certificate-authority F    CA bundle for --server/--token
  --kubeconfig F               credentials from a kubeconfig instead
  --runtime auto|cri|sim|none  this machine's node (default auto; CRI falls back to sim for now)
  --node-name N                this machine's node name (default: the hostname)
  --sim-nodes N                simulated nodes to serve (default 0)
  --sim-node-prefix P          their names: P00001... (default sim-node-)
  --sim-node-first N           number of the first one (default 1; several agents can share a fleet)
  --lease-renew-interval D     Lease renewal period (default 10s)
`;

export async function runAgent(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'certificate-authority': { type: 'string' },
      kubeconfig: { type: 'string' },
      runtime: { type: 'string', default: 'auto' },
      'node-name': { type: 'string' },
      'sim-nodes': { type: 'string', default: '0' },
      'sim-node-prefix': { type: 'string', default: 'sim-node-' },
      'sim-node-first': { type: 'string', default: '1' },
      'lease-renew-interval': { type: 'string', default: '10s' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(AGENT_USAGE);
    return;
  }
  const runtimeFlag = values.runtime!;
  if (runtimeFlag !== 'auto' && runtimeFlag !== 'cri' && runtimeFlag !== 'sim' && runtimeFlag !== 'none') throw new Error(`--runtime ${runtimeFlag}: use auto, cri, sim or none`);
  const simNodes = Number(values['sim-nodes']);
  const first = Number(values['sim-node-first']);
  if (!Number.isInteger(simNodes) || simNodes < 0) throw new Error(`--sim-nodes ${values['sim-nodes']}: not a count`);
  if (!Number.isInteger(first) || first < 1) throw new Error(`--sim-node-first ${values['sim-node-first']}: not a positive number`);
  const creds = await credentials(values);
  const runtime = resolveRuntime(runtimeFlag, log);
  const nodes: NodeIdentity[] = [];
  if (runtime !== 'none') nodes.push(localNodeIdentity(runtime, (values['node-name'] ?? hostname()).toLowerCase(), false));
  nodes.push(...simNodeIdentities(simNodes, values['sim-node-prefix'], first));
  if (!nodes.length) throw new Error('nothing to run: --runtime none and no --sim-nodes');
  const client = new Client({ ...creds, qps: -1, userAgent: 'kubelet/v1.32.0 (k8ts agent)' });
  const agent = new NodeAgent({ client, nodes, runtime: new SimRuntime(), renewIntervalMs: parseDuration(values['lease-renew-interval']!), log });
  // Signal handlers go in before start() resolves: a SIGTERM during start-up must still exit cleanly.
  const starting = agent.start();
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: shutting down`);
    await starting.catch(() => undefined);
    await agent.stop();
    await client.close();
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
  if (!v['certificate-authority']) throw new Error('--token needs --certificate-authority until bootstrap tokens carry the CA hash');
  return { server: v.server, token: v.token, caPem: readFileSync(v['certificate-authority'], 'utf8') };
}

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
}
