/** Worker-thread entry: runs a NodeAgent for a simulated fleet off the API server's event loop (see sim-fleet.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { Client, type ClientOptions } from '../client/index.js';
import { NodeAgent } from './node-agent.js';
import type { NodeIdentity } from './node-status.js';
import { SimRuntime } from './sim/sim-runtime.js';

export interface SimFleetWorkerData {
  creds: ClientOptions & { server: string };
  nodes: NodeIdentity[];
  renewIntervalMs?: number;
}

const port = parentPort;
if (port) {
  const d = workerData as SimFleetWorkerData;
  const client = new Client({ ...d.creds, qps: -1, userAgent: 'kubelet-sim/v1.32.0 (k8ts)' });
  const agent = new NodeAgent({ client, nodes: d.nodes, runtime: new SimRuntime(), renewIntervalMs: d.renewIntervalMs, log: (msg) => port.postMessage({ log: msg }) });
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return;
    void agent
      .stop()
      .then(() => client.close())
      .finally(() => {
        port.postMessage({ stopped: true });
        port.close();
      });
  });
  agent.start().then(
    () => port.postMessage({ started: true }),
    (e: unknown) => port.postMessage({ error: String(e) }),
  );
}
