/**
 * Runs the scheduler as a component: campaigns for the kube-system/kube-scheduler
 * Lease and schedules only while it leads (a fresh cache each term, as a
 * restarted kube-scheduler would have); campaigns again after losing it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { runLeaderElection, type Client } from '../client/index.js';
import type { KubeSchedulerConfiguration } from './config.js';
import { startHealthServer, type HealthServerOptions } from './health-server.js';
import { setupScheduler, type SchedulerSetup } from './setup.js';

export interface RunSchedulerOptions {
  client: Client;
  config: KubeSchedulerConfiguration;
  signal: AbortSignal;
  log: (msg: string) => void;
  /** Default: the config's leaderElection.leaderElect, else true. */
  leaderElect?: boolean;
  identity?: string;
  recordDecisions?: boolean;
  onSetup?: (s: SchedulerSetup) => void;
  /** Serve /healthz, /readyz, /livez and /metrics over HTTPS (kube-scheduler's 10259). */
  secureServing?: Omit<HealthServerOptions, 'current' | 'log'>;
}

export async function runScheduler(o: RunSchedulerOptions): Promise<void> {
  // Validate the configuration before campaigning, so a bad file fails at once.
  setupScheduler(o.client, o.config, { log: o.log });
  let current: SchedulerSetup | undefined;
  const health = o.secureServing ? await startHealthServer({ ...o.secureServing, current: () => current?.scheduler, log: o.log }) : undefined;
  o.signal.addEventListener('abort', () => health?.close(), { once: true });
  const term = async (signal: AbortSignal) => {
    const s = setupScheduler(o.client, o.config, { log: o.log, recordDecisions: o.recordDecisions });
    o.onSetup?.(s);
    current = s;
    try {
      await s.run(signal);
    } finally {
      current = undefined;
    }
  };
  const le = o.config.leaderElection;
  if (!(o.leaderElect ?? le?.leaderElect ?? true)) return term(o.signal);
  const identity = o.identity ?? `${hostname()}_${randomBytes(8).toString('hex')}`;
  while (!o.signal.aborted) {
    await runLeaderElection({
      client: o.client,
      namespace: le?.resourceNamespace ?? 'kube-system',
      name: le?.resourceName ?? 'kube-scheduler',
      identity,
      signal: o.signal,
      releaseOnCancel: true,
      onStartedLeading: (signal) => {
        o.log(`scheduler: ${identity} became leader`);
        return term(signal);
      },
      onStoppedLeading: () => o.log(`scheduler: ${identity} stopped leading`),
      onError: (e) => o.log(`scheduler: leader election: ${e instanceof Error ? e.message : String(e)}`),
    });
  }
}
