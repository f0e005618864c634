/**
 * `k8ts agent`'s kubelet API for the machine's own node: it listens before the
 * node registers (so the Node reports its port), serves once the node's agent
 * exists, with a serving certificate from --tls-cert-file/--tls-private-key-file
 * or requested by CSR (signer kubernetes.io/kubelet-serving) after registration.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '../client/index.js';
import { ensureKubeletServingCertificate, startKubeletServer, type KubeletServer, type NodeAgent, type NodeIdentity } from '../kubelet/index.js';

export const AGENT_KUBELET_USAGE = `  --kubelet-port N             kubelet API port (default 10250, a free one when taken; 0 = a free one)
  --tls-cert-file F            kubelet serving certificate (default: requested by CSR, kubelet-serving signer)
  --tls-private-key-file F     its key
`;

export const AGENT_KUBELET_OPTIONS = {
  'kubelet-port': { type: 'string' },
  'tls-cert-file': { type: 'string' },
  'tls-private-key-file': { type: 'string' },
} as const;

export interface AgentKubeletFlags {
  'kubelet-port'?: string;
  'tls-cert-file'?: string;
  'tls-private-key-file'?: string;
}

export interface AgentKubelet {
  server: KubeletServer;
  /** Serve from the agent that runs `node` (call before the agents start). */
  bind(agents: Array<{ agent: NodeAgent; client: Client }>): void;
  /** After registration: the serving certificate (from files, or by CSR), in the background. */
  certify(dataDir: string): Promise<void>;
  close(): Promise<void>;
}

export async function startAgentKubelet(node: NodeIdentity, flags: AgentKubeletFlags, caPem: string, log: (msg: string) => void): Promise<AgentKubelet> {
  const portFlag = flags['kubelet-port'];
  const port = portFlag === undefined ? undefined : Number(portFlag);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--kubelet-port ${portFlag}: not a port number`);
  if (!!flags['tls-cert-file'] !== !!flags['tls-private-key-file']) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  const tls = flags['tls-cert-file'] ? { certPem: readFileSync(flags['tls-cert-file'], 'utf8'), keyPem: readFileSync(flags['tls-private-key-file']!, 'utf8'), caPem } : undefined;
  const { server, port: bound } = await startKubeletServer({ nodeName: node.name, tls, log, port });
  node.kubeletPort = bound;
  let client: Client | undefined;
  return {
    server,
    bind(agents) {
      const mine = agents.find((a) => a.agent.heartbeats.has(node.name));
      if (!mine) return;
      client = mine.client;
      server.bind({ client: mine.client, runtime: mine.agent.runtime, pods: mine.agent.pods.pods });
    },
    async certify(dataDir) {
      if (tls || !client) return;
      try {
        const c = await ensureKubeletServingCertificate({ client, nodeName: node.name, dnsNames: [node.name], ips: [node.address], dir: join(dataDir, 'agent'), caPem, log });
        server.setTls({ ...c, caPem });
      } catch (e) {
        log(`kubelet: no serving certificate for ${node.name} (${e instanceof Error ? e.message : String(e)}); the kubelet API stays closed — give --tls-cert-file/--tls-private-key-file`);
      }
    },
    close: () => server.close(),
  };
}
