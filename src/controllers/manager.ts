/** The controller manager: builds the shared context, starts the enabled controllers, waits for them to stop. */
import { setMaxListeners } from 'node:events';
import { SharedInformerFactory, realClock, type Client, type Clock, type TransportTlsOptions } from '../client/index.js';
import type { ControllerContext, NodeControllerSettings, StartedController } from './context.js';
import { CONTROLLER_SERVICE_ACCOUNTS, ServiceAccountClients } from './identities.js';
import type { QueueMetricsRegistry } from './metrics.js';
import { CONTROLLERS, type ControllerName } from './registry.js';

export interface ManagerOptions {
  /** The manager's own client: informers (list/watch), leader election, ServiceAccount tokens. */
  client: Client;
  signal: AbortSignal;
  log(msg: string): void;
  /** Upstream `--controllers` syntax: `*`, `name`, `-name` (default `*`). */
  controllers?: string[];
  caPem?: string;
  signCsr?: ControllerContext['signCsr'];
  clock?: Clock;
  /**
   * `--use-service-account-credentials`: where the API server is, so each controller
   * writes as its own ServiceAccount (`identities.ts`). Absent: every controller uses `client`.
   */
  serviceAccountCredentials?: TransportTlsOptions;
  node?: NodeControllerSettings;
  hpa?: ControllerContext['hpa'];
  storageDir?: string;
  metrics?: QueueMetricsRegistry;
  /** Told once every enabled controller has started (health: /readyz). */
  onStarted?(names: string[]): void;
}

/** Which controllers `--controllers` enables (upstream: `*` = all on by default, `-x` disables, `x` enables). */
export function enabledControllers(spec: string[] = ['*']): ControllerName[] {
  const all = Object.keys(CONTROLLERS) as ControllerName[];
  const star = spec.includes('*');
  return all.filter((n) => {
    if (spec.includes(`-${n}`)) return false;
    if (spec.includes(n)) return true;
    return star;
  });
}

export interface RunningManager {
  /** The started controllers, once every identity was obtained. */
  started: Promise<StartedController[]>;
  /** Resolves when every controller has stopped (after the signal aborted). */
  done: Promise<void>;
}

export function startControllerManager(o: ManagerOptions): RunningManager {
  setMaxListeners(0, o.signal); // every controller, informer and queue listens for the stop
  const factory = new SharedInformerFactory(o.client, { resyncMs: 0 });
  const base: ControllerContext = { client: o.client, factory, clock: o.clock ?? realClock, signal: o.signal, log: o.log, caPem: o.caPem, signCsr: o.signCsr, node: o.node, hpa: o.hpa, storageDir: o.storageDir, metrics: o.metrics };
  const identities = o.serviceAccountCredentials ? new ServiceAccountClients({ manager: o.client, tls: o.serviceAccountCredentials, clock: o.clock, log: o.log }) : undefined;
  const started = (async () => {
    const names = enabledControllers(o.controllers);
    // One client per ServiceAccount, obtained in parallel; retried until the API server answers.
    const clientFor = async (sa: string): Promise<Client> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await identities!.clientFor(sa);
        } catch (e) {
          if (o.signal.aborted) throw e;
          if (attempt % 10 === 0) o.log(`controller-manager: credentials of service account kube-system/${sa}: ${e instanceof Error ? e.message : String(e)} (retrying)`);
          await base.clock.sleep(Math.min(5000, 200 * 2 ** attempt), o.signal).catch(() => undefined);
        }
      }
    };
    const sas = [...new Set(names.map((n) => CONTROLLER_SERVICE_ACCOUNTS[n]).filter((x): x is string => Boolean(identities && x)))];
    const clients = new Map(await Promise.all(sas.map(async (sa) => [sa, await clientFor(sa)] as const)));
    const contexts: Array<[ControllerName, ControllerContext]> = names.map((n) => {
      const c = clients.get(CONTROLLER_SERVICE_ACCOUNTS[n] ?? '');
      return [n, c ? { ...base, client: c } : base];
    });
    const controllers = contexts.map(([n, ctx]) => CONTROLLERS[n](ctx));
    factory.start(o.signal);
    o.onStarted?.(controllers.map((c) => c.name));
    return controllers;
  })();
  const done = started
    .then((controllers) => Promise.all([...controllers.map((c) => c.done), factory.shutdown()]))
    .catch((e: unknown) => {
      if (!o.signal.aborted) o.log(`controller-manager: ${e instanceof Error ? e.message : String(e)}`);
    })
    .then(() => identities?.close());
  return { started, done };
}
