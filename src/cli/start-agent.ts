/** Starts the agent inside `k8ts server`: the server's own node (per --runtime) and --sim-nodes simulated nodes. */
import { Client } from '../client/index.js';
import { NodeAgent, SimRuntime, localNodeIdentity, simNodeIdentities, resolveRuntime, startSimFleetWorker, startCriRuntime, agentDirOf, hostAddress, type StartedCri } from '../kubelet/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';
import { join } from 'node:path';
import { issueCertificate } from '../pki/index.js';
import { startKubeletServer, type KubeletServer, type NodeIdentity, type Runtime } from '../kubelet/index.js';

/**
 * The simulated fleet's identity: not a system:node:<name> (one identity serves every simulated node), and
 * not system:masters: the bootstrap policy's k8ts:sim-agent role (nodes, pods' status, events) and
 * k8ts:sim-agent-leases in kube-node-lease only.
 */
export const SIM_AGENT_USER = 'system:k8ts:sim-agent';
export const SIM_AGENT_GROUPS = ['system:nodes'];

/** Lease renewals must come well inside the grace period (upstream: 10 s against 40 s). */
export const renewIntervalFor = (graceMs: number): number => Math.max(250, Math.min(10_000, Math.floor(graceMs / 4)));

export async function startAgent(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  const stops: Array<() => Promise<void>> = [];
  const renewIntervalMs = renewIntervalFor(ctx.flags.nodeMonitorGracePeriodMs);
  const runtime = resolveRuntime(ctx.flags.runtime, ctx.log, { endpoint: ctx.flags.containerRuntimeEndpoint });
  if (runtime !== 'none') {
    // --- local node runtime (cri: containerd via CRI, see docs/runtime-cri.md; sim otherwise) ---
    const name = localNodeIdentity('sim').name;
    const creds = await ctx.credentialsFor(`system:node:${name}`, ['system:nodes']);
    const client = new Client({ ...creds, qps: -1, userAgent: 'kubelet/v1.32.0 (k8ts)' });
    const cri = runtime === 'cri' ? await startLocalCri(ctx, client, name) : undefined;
    const id = localNodeIdentity(cri?.runtimeVersion ?? 'sim', name);
    const nodeRuntime = cri?.runtime ?? new SimRuntime({ logDir: join(ctx.dataDir, 'agent', 'sim-logs') });
    // --- kubelet API (src/kubelet/server): before registration, so the Node reports its port ---
    const kubelet = await startLocalKubelet(ctx, client, id, nodeRuntime);
    const agent = new NodeAgent({ client, nodes: [id], runtime: nodeRuntime, renewIntervalMs, log: ctx.log });
    kubelet.setPodSource(agent.pods.pods);
    await agent.start();
    stops.push(async () => {
      await kubelet.close();
      await agent.stop();
      await cri?.stop();
      await client.close();
    });
  }
  if (ctx.flags.simNodes > 0) {
    // One identity and one connection for all simulated nodes, as KWOK does: NodeRestriction lets a
    // system:node:<name> touch only its own Node, and 5,000 certificates and TLS sessions cost too much.
    const creds = await ctx.credentialsFor(SIM_AGENT_USER, SIM_AGENT_GROUPS);
    const nodes = simNodeIdentities(ctx.flags.simNodes);
    if (process.env.K8TS_SIM_AGENT_INLINE === '1') {
      const client = new Client({ ...creds, qps: -1, userAgent: 'kubelet-sim/v1.32.0 (k8ts)' });
      const agent = new NodeAgent({ client, nodes, runtime: new SimRuntime(), renewIntervalMs, log: ctx.log });
      await agent.start();
      stops.push(async () => {
        await agent.stop();
        await client.close();
      });
    } else {
      // A worker thread keeps the fleet's JSON and TLS work off the API server's event loop (docs/kubelet-flow.md).
      const fleet = await startSimFleetWorker({ creds, nodes, renewIntervalMs }, ctx.log);
      stops.push(() => fleet.stop());
    }
  }
  if (!stops.length) return undefined;
  return {
    name: 'agent',
    async stop() {
      await Promise.allSettled(stops.reverse().map((s) => s()));
    },
  };
}

/** The server's own node on containerd: k8ts's own instance under <data-dir>/agent, or --container-runtime-endpoint. */
async function startLocalCri(ctx: ComponentContext, client: Client, nodeName: string): Promise<StartedCri> {
  const agentDir = agentDirOf(ctx.dataDir);
  return startCriRuntime({
    agentDir,
    endpoint: ctx.flags.containerRuntimeEndpoint,
    client,
    nodeName,
    nodeIP: hostAddress(),
    clusterCIDR: ctx.flags.clusterCIDR,
    serviceCIDR: ctx.flags.serviceCIDR,
    imageGC: ctx.flags.imageGC,
    log: ctx.log,
  });
}

/**
 * The local node's kubelet API, with a serving certificate from the cluster CA
 * (CN system:node:<name>, the node's names and addresses). Port 10250, or a
 * free one when taken; K8TS_KUBELET_PORT overrides (0: a free port).
 */
async function startLocalKubelet(ctx: ComponentContext, client: Client, id: NodeIdentity, runtime: Runtime): Promise<KubeletServer> {
  const cert = await issueCertificate(ctx.pki.signer, { commonName: `system:node:${id.name}`, organizations: ['system:nodes'], usages: 'server', dnsNames: [id.name, 'localhost'], ips: [...new Set([id.address, '127.0.0.1'])] });
  const env = process.env.K8TS_KUBELET_PORT;
  const { server, port } = await startKubeletServer({ nodeName: id.name, tls: { ...cert, caPem: ctx.pki.ca.certPem }, client, runtime, log: ctx.log, port: env ? Number(env) : undefined });
  id.kubeletPort = port;
  return server;
}
