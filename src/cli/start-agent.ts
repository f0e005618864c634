/** Starts the agent inside `k8ts server`: the server's own node (per --runtime) and --sim-nodes simulated nodes. */
import { setMaxListeners } from 'node:events';
import { Client, SharedInformerFactory } from '../client/index.js';
import { startNodeIpamController, startNodeLifecycleController, startTaintManager } from '../controllers/index.js';
import { NodeAgent, SimRuntime, localNodeIdentity, simNodeIdentities, resolveRuntime, startSimFleetWorker } from '../kubelet/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

/** The simulated fleet's identity (privileged, like KWOK's; a narrower role comes with RBAC). */
export const SIM_AGENT_USER = 'system:k8ts:sim-agent';
export const SIM_AGENT_GROUPS = ['system:masters'];

/** Lease renewals must come well inside the grace period (upstream: 10 s against 40 s). */
export const renewIntervalFor = (graceMs: number): number => Math.max(250, Math.min(10_000, Math.floor(graceMs / 4)));

export async function startAgent(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  const stops: Array<() => Promise<void>> = [];
  const nodeControllers = await startNodeControllersTemporarily(ctx);
  if (nodeControllers) stops.push(nodeControllers);
  const renewIntervalMs = renewIntervalFor(ctx.flags.nodeMonitorGracePeriodMs);
  const runtime = resolveRuntime(ctx.flags.runtime, ctx.log);
  if (runtime !== 'none') {
    const id = localNodeIdentity(runtime);
    const creds = await ctx.credentialsFor(`system:node:${id.name}`, ['system:nodes']);
    const client = new Client({ ...creds, qps: -1, userAgent: 'kubelet/v1.32.0 (k8ts)' });
    const agent = new NodeAgent({ client, nodes: [id], runtime: new SimRuntime(), renewIntervalMs, log: ctx.log });
    await agent.start();
    stops.push(async () => {
      await agent.stop();
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

/**
 * TEMPORARY: node IPAM, node lifecycle and the taint manager belong in the
 * controller manager (src/cli/start-controllers.ts); they run from here until
 * it starts them. Skipped when the controllers are disabled.
 */
export async function startNodeControllersTemporarily(ctx: ComponentContext): Promise<(() => Promise<void>) | undefined> {
  if (ctx.flags.disabled.has('controllers')) return undefined;
  // As kube-controller-manager with --use-service-account-credentials: informers read with the
  // manager's identity, writes go out as the node-controller service account (its RBAC role).
  const reader = new Client({ ...(await ctx.credentialsFor('system:kube-controller-manager', [])), qps: -1, userAgent: 'kube-controller-manager/v1.32.0 (k8ts; node controllers)' });
  const sa = await ctx.credentialsFor('system:serviceaccount:kube-system:node-controller', ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']);
  const client = new Client({ ...sa, qps: -1, userAgent: 'kube-controller-manager/v1.32.0 (k8ts; node-controller)' });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  ctx.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const factory = new SharedInformerFactory(reader);
  const common = { signal: abort.signal, log: ctx.log, factory };
  const started = [
    startNodeIpamController(client, { ...common, clusterCIDR: ctx.flags.clusterCIDR }),
    startNodeLifecycleController(client, { ...common, gracePeriodMs: ctx.flags.nodeMonitorGracePeriodMs }),
    startTaintManager(client, common),
  ];
  factory.start(abort.signal);
  return async () => {
    abort.abort();
    await Promise.allSettled(started.map((c) => c.done));
    await factory.shutdown();
    await Promise.allSettled([client.close(), reader.close()]);
  };
}
