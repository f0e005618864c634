/** The controller manager: builds the shared context, starts the enabled controllers, waits for them to stop. */
import { SharedInformerFactory, realClock, type Client, type Clock } from '../client/index.js';
import type { ControllerContext, StartedController } from './context.js';
import { CONTROLLERS, type ControllerName } from './registry.js';

export interface ManagerOptions {
  client: Client;
  signal: AbortSignal;
  log(msg: string): void;
  /** Upstream `--controllers` syntax: `*`, `name`, `-name` (default `*`). */
  controllers?: string[];
  caPem?: string;
  signCsr?: ControllerContext['signCsr'];
  clock?: Clock;
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
  controllers: StartedController[];
  /** Resolves when every controller has stopped (after the signal aborted). */
  done: Promise<void>;
}

export function startControllerManager(o: ManagerOptions): RunningManager {
  const factory = new SharedInformerFactory(o.client, { resyncMs: 0 });
  const ctx: ControllerContext = { client: o.client, factory, clock: o.clock ?? realClock, signal: o.signal, log: o.log, caPem: o.caPem, signCsr: o.signCsr };
  const controllers = enabledControllers(o.controllers).map((n) => CONTROLLERS[n](ctx));
  factory.start(o.signal);
  const done = Promise.all([...controllers.map((c) => c.done), factory.shutdown()]).then(() => undefined);
  return { controllers, done };
}
