/** ResourceQuota controller: status.used for object counts and compute requests/limits, status.hard copied from spec (upstream `resourcequota`). */
import { quantity, type KObject } from '../api/index.js';
import { unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { jsonEqual, podPhase, rec } from './util.js';

const NAME = 'resourcequota-controller';
const COUNTED: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** Sum of one compute resource over the containers of non-terminal pods (`requests.cpu`, `limits.memory`, bare `cpu` = requests). */
export function podUsage(pods: KObject[], key: string): string {
  const [kind, res] = key.includes('.') ? (key.split('.') as [string, string]) : ['requests', key];
  let total = quantity.parseQuantity('0');
  for (const p of pods) {
    for (const c of (rec(p, 'spec').containers as Array<{ resources?: Record<string, Record<string, string>> }> | undefined) ?? []) {
      const v = c.resources?.[kind]?.[res];
      if (v !== undefined) total = quantity.addQuantities(total, String(v));
    }
  }
  return quantity.canonicalQuantity(total);
}

export function startResourceQuotaController(ctx: ControllerContext): StartedController {
  const quotas = ctx.factory.informerFor('resourcequotas');
  const informers = Object.fromEntries(Object.entries(COUNTED).map(([k, res]) => [k, ctx.factory.informerFor(res)]));
  const client = ctx.client.resource('resourcequotas');
  const r = queueRunner(ctx, NAME, reconcile);
  const byNs = (o: KObject) => quotas.list(o.metadata.namespace ?? '').forEach((q) => r.enqueue(keyOf(q)));
  quotas.addEventHandler({ onAdd: (q) => r.enqueue(keyOf(q)), onUpdate: (_a, b) => r.enqueue(keyOf(b)) });
  for (const inf of Object.values(informers)) inf.addEventHandler({ onAdd: byNs, onUpdate: (_a, b) => byNs(b), onDelete: (t) => byNs(unwrapTombstone(t)) });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const q = quotas.get(ns, name);
    if (!q) return;
    const hard = (rec(q, 'spec').hard as Record<string, string> | undefined) ?? {};
    const pods = (informers.pods?.list(ns) ?? []).filter((p) => !['Succeeded', 'Failed'].includes(podPhase(p)));
    const used: Record<string, string> = {};
    for (const k of Object.keys(hard)) {
      const counted = COUNTED[k] ?? (k.startsWith('count/') ? COUNTED[k.slice(6).split('.')[0] ?? ''] : undefined);
      if (k === 'pods' || k === 'count/pods') used[k] = String(pods.length);
      else if (counted) used[k] = String(informers[counted]?.list(ns).length ?? 0);
      else if (/^(requests|limits)\.(cpu|memory|ephemeral-storage)$|^(cpu|memory)$/.test(k)) used[k] = podUsage(pods, k);
      else if (k === 'services.nodeports' || k === 'services.loadbalancers') {
        const type = k.endsWith('nodeports') ? 'NodePort' : 'LoadBalancer';
        used[k] = String((informers.services?.list(ns) ?? []).filter((s) => rec(s, 'spec').type === type).length);
      }
    }
    const status = { hard, used };
    if (!jsonEqual(status, q.status)) await client.updateStatus({ ...q, status }).catch(ignoreNotFound);
  }
  return { name: NAME, done: r.run() };
}
