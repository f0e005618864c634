/** ClusterRole aggregation: a ClusterRole with `aggregationRule` gets the rules of every ClusterRole its selectors match. */
import type { KObject } from '../api/index.js';
import { unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { jsonEqual, rec, selectorMatcher } from './util.js';

const NAME = 'clusterrole-aggregation-controller';

export function startClusterRoleAggregation(ctx: ControllerContext): StartedController {
  const roles = ctx.factory.informerFor('clusterroles.rbac.authorization.k8s.io');
  const client = ctx.client.resource('clusterroles.rbac.authorization.k8s.io');
  const r = queueRunner(ctx, NAME, reconcile);
  const enqueueAggregated = () => roles.list().filter((x) => x.aggregationRule).forEach((x) => r.enqueue(x.metadata.name));
  roles.addEventHandler({ onAdd: enqueueAggregated, onUpdate: enqueueAggregated, onDelete: (t) => (void unwrapTombstone(t), enqueueAggregated()) });

  async function reconcile(name: string): Promise<ReconcileResult | void> {
    const role = roles.get('', name);
    const selectors = (rec(role, 'aggregationRule').clusterRoleSelectors as unknown[] | undefined) ?? [];
    if (!role || !selectors.length) return;
    const matchers = selectors.map(selectorMatcher);
    const sources = roles.list().filter((x) => x.metadata.name !== name && matchers.some((m) => m(x.metadata.labels))).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    const rules: unknown[] = [];
    for (const s of sources) for (const rule of (s.rules as unknown[] | undefined) ?? []) if (!rules.some((x) => jsonEqual(x, rule))) rules.push(rule);
    if (jsonEqual(role.rules ?? [], rules)) return;
    const next: KObject = { ...role, rules };
    await client.update(next).catch(ignoreNotFound);
  }
  return { name: NAME, done: r.run() };
}
