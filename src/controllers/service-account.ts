/** ServiceAccount controller: a `default` ServiceAccount in every active namespace (recreated when deleted). */
import { isAlreadyExists, unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';
import { rec } from './util.js';

const NAME = 'serviceaccount-controller';

export function startServiceAccountController(ctx: ControllerContext): StartedController {
  const namespaces = ctx.factory.informerFor('namespaces');
  const sas = ctx.factory.informerFor('serviceaccounts');
  const client = ctx.client.resource('serviceaccounts');
  const r = queueRunner(ctx, NAME, reconcile);
  namespaces.addEventHandler({ onAdd: (n) => r.enqueue(n.metadata.name), onUpdate: (_a, b) => r.enqueue(b.metadata.name) });
  sas.addEventHandler({ onDelete: (t) => unwrapTombstone(t).metadata.name === 'default' && r.enqueue(unwrapTombstone(t).metadata.namespace) });

  async function reconcile(ns: string): Promise<ReconcileResult | void> {
    const n = namespaces.get('', ns);
    if (!n || n.metadata.deletionTimestamp || rec(n, 'status').phase === 'Terminating' || sas.get(ns, 'default')) return;
    await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }).catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
  }
  return { name: NAME, done: r.run() };
}
