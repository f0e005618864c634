/** TTL-after-finished controller: deletes finished Jobs `ttlSecondsAfterFinished` after they completed or failed. */
import { unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { getCondition, rec } from './util.js';

const NAME = 'ttl-after-finished-controller';

export function startTtlAfterFinishedController(ctx: ControllerContext): StartedController {
  const jobs = ctx.factory.informerFor('jobs.batch');
  const client = ctx.client.resource('jobs.batch');
  const r = queueRunner(ctx, NAME, reconcile);
  jobs.addEventHandler({ onAdd: (j) => r.enqueue(keyOf(j)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (t) => void unwrapTombstone(t) });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const job = jobs.get(ns, name);
    const ttl = rec(job, 'spec').ttlSecondsAfterFinished;
    if (!job || typeof ttl !== 'number' || job.metadata.deletionTimestamp) return;
    const done = ['Complete', 'Failed'].map((t) => getCondition(job.status, t)).find((c) => c?.status === 'True');
    if (!done) return;
    const finishedAt = Date.parse(String(rec(job, 'status').completionTime ?? done.lastTransitionTime ?? '')) || ctx.clock.now();
    const left = finishedAt + ttl * 1000 - ctx.clock.now();
    if (left > 0) return { requeueAfter: left };
    await client.inNamespace(ns).delete(name, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } }).catch(ignoreNotFound);
  }
  return { name: NAME, done: r.run() };
}
