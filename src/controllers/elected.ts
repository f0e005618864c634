/** The controller manager behind leader election on the kube-system/kube-controller-manager Lease (one active manager per cluster). */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { runLeaderElection } from '../client/index.js';
import { startControllerManager, type ManagerOptions } from './manager.js';

export interface ElectedOptions extends ManagerOptions {
  /** Campaign for the Lease (default true); false runs at once. */
  leaderElect?: boolean;
  /** Told when this process starts or stops leading (health: /readyz). */
  onLeadingChange?(leading: boolean): void;
}

/** Runs until `signal` aborts; controllers run only while this process leads. */
export async function runControllerManager(o: ElectedOptions): Promise<void> {
  if (o.leaderElect === false) {
    o.onLeadingChange?.(true);
    return startControllerManager(o).done;
  }
  const identity = `${hostname()}_${randomBytes(8).toString('hex')}`;
  await runLeaderElection({
    client: o.client,
    namespace: 'kube-system',
    name: 'kube-controller-manager',
    identity,
    releaseOnCancel: true,
    signal: o.signal,
    clock: o.clock,
    onStartedLeading: async (signal) => {
      o.log(`controller-manager: leading as ${identity}`);
      o.onLeadingChange?.(true);
      await startControllerManager({ ...o, signal }).done;
    },
    onStoppedLeading: () => {
      o.onLeadingChange?.(false);
      o.log('controller-manager: stopped leading');
    },
    onError: (e) => o.log(`controller-manager: leader election: ${e instanceof Error ? e.message : String(e)}`),
  });
}
