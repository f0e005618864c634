/**
 * `k8ts agent --enable proxy,dns`: the node's network components in the
 * agent's process (and so in its network namespace), as `k8ts server` runs
 * them for its own node: kube-proxy with NetworkPolicy enforcement and the
 * host-gw routes, and the cluster DNS listening on the node's address and
 * published as an endpoint (`kube-dns-<node>`) of the kube-dns Service.
 * They use the agent's credentials (an admin kubeconfig, or the node's own
 * certificate, whose rights may not cover them: the failures are logged),
 * following the certificate in `kubeconfigPath` when the agent rotates it
 * (src/cli/reloading-credentials.ts): each component's client re-reads it
 * periodically and after a 401, and re-dials with the new certificate (the
 * DNS worker thread is handed each new certificate by startNodeDns).
 * @module
 */
import type { ClientOptions } from '../client/index.js';
import { followingCredentials, kubeconfigCertificate } from './reloading-credentials.js';
import type { NodeIdentity } from '../kubelet/index.js';

export type NetworkComponent = 'proxy' | 'dns';

/** `proxy,dns` → the set; anything else is an error naming the allowed values. */
export function parseEnable(flag: string): Set<NetworkComponent> {
  const out = new Set<NetworkComponent>();
  for (const s of flag.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (s !== 'proxy' && s !== 'dns') throw new Error(`--enable ${s}: unknown component (proxy, dns)`);
    out.add(s);
  }
  return out;
}

export interface AgentNetworkOptions {
  credentials: ClientOptions;
  /** Where the agent keeps `credentials` (its kubelet.kubeconfig, rewritten on rotation, or --kubeconfig): followed when given. */
  kubeconfigPath?: string;
  node: NodeIdentity;
  clusterCIDR: string;
  serviceCIDR: string;
  signal: AbortSignal;
  log(msg: string): void;
}

/** Start what `enabled` names; a component that cannot run here is logged and left out. */
export async function startAgentNetwork(enabled: Set<NetworkComponent>, o: AgentNetworkOptions): Promise<Array<{ stop(): Promise<void> }>> {
  const current = o.kubeconfigPath ? followingCredentials(o.credentials, o.kubeconfigPath, { log: o.log }) : () => o.credentials;
  const credentials = async () => current();
  const out: Array<{ stop(): Promise<void> }> = [];
  // Imported only when enabled: an agent without them stays smaller.
  if (enabled.has('proxy')) {
    const { startNodeProxy } = await import('./start-proxy.js');
    const p = await startNodeProxy({ credentials, nodeName: o.node.name, nodeIP: o.node.address, clusterCIDR: o.clusterCIDR, serviceCIDR: o.serviceCIDR, signal: o.signal, log: o.log }).catch((e: unknown) => {
      o.log(`proxy: not started: ${(e as Error).message}`);
      return undefined;
    });
    if (p) out.push(p);
  }
  if (enabled.has('dns')) {
    const { startNodeDns } = await import('./start-dns.js');
    // The DNS worker builds its own client from PEMs: it is handed each new certificate in the kubeconfig.
    const kubeconfigPath = o.kubeconfigPath;
    const followCertificate = kubeconfigPath ? () => kubeconfigCertificate(kubeconfigPath) : undefined;
    const d = await startNodeDns({ credentials, serviceCIDR: o.serviceCIDR, nodeIP: o.node.address, nodeName: o.node.name, followCertificate, signal: o.signal, log: o.log }).catch((e: unknown) => {
      o.log(`dns: not started: ${(e as Error).message}`);
      return undefined;
    });
    if (d) out.push(d);
  }
  return out;
}
