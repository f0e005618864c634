/**
 * The controller manager's secure port wired to a running manager: a metrics
 * registry for every work queue and the leading/started state /readyz reports.
 * `k8ts server` uses it for the in-process (or worker-thread) manager, as
 * `k8ts controller-manager` serves 10257 on its own.
 */
import type { Client } from '../client/index.js';
import type { ElectedOptions } from './elected.js';
import { startControllerManagerHealthServer, type ManagerHealth, type RunningHealthServer } from './health-server.js';
import { QueueMetricsRegistry } from './metrics.js';

/** Where and with what certificate the secure port is served (client certificates are checked against `clientCaPem`). */
export interface SecureServing {
  /** 0: a free port. */
  port: number;
  host?: string;
  certPem: string;
  keyPem: string;
  clientCaPem: string;
}

export interface ManagerServing {
  /** Spread into runControllerManager's options: the metrics registry and the health hooks. */
  hooks: Pick<ElectedOptions, 'metrics' | 'onLeadingChange' | 'onStarted'>;
  /** The bound port (undefined: not serving). */
  port?: number;
  close(): Promise<void>;
}

/**
 * Starts the secure port (when `serving` is given). A port that cannot be bound is logged and the
 * controllers run anyway, as `k8ts controller-manager` does.
 */
export async function serveControllerManager(client: Client, serving: SecureServing | undefined, log: (msg: string) => void): Promise<ManagerServing> {
  const metrics = new QueueMetricsRegistry();
  const health: ManagerHealth = { leading: false, controllersStarted: false };
  const hooks: ManagerServing['hooks'] = {
    metrics,
    onLeadingChange: (leading) => {
      health.leading = leading;
      if (!leading) health.controllersStarted = false;
    },
    onStarted: () => (health.controllersStarted = true),
  };
  let server: RunningHealthServer | undefined;
  if (serving) {
    server = await startControllerManagerHealthServer({ ...serving, client, metrics, health: () => health, log }).catch((e: unknown) => {
      log(`controller-manager: secure port ${serving.port}: ${e instanceof Error ? e.message : String(e)}; health and metrics not served`);
      return undefined;
    });
  }
  return { hooks, port: server?.port, close: async () => void (await server?.close()) };
}
