/**
 * Namespace controller (upstream `namespace/deletion`): a Terminating
 * namespace has every namespaced object of every served kind deleted; its
 * conditions report progress; once empty the `kubernetes` finalizer is removed
 * through `PUT /api/v1/namespaces/<n>/finalize`.
 */
import type { KObject, ResourceDef } from '../api/index.js';
import { isNotFound, unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';
import { collectableDefs } from './garbage-collector.js';
import { rec, rfc3339, type Condition } from './util.js';

const NAME = 'namespace-controller';

export function startNamespaceController(ctx: ControllerContext): StartedController {
  const namespaces = ctx.factory.informerFor('namespaces');
  const nsClient = ctx.client.resource('namespaces');
  const r = queueRunner(ctx, NAME, reconcile, ctx.workers ?? 2);
  const defs = collectableDefs(ctx.client.registry.defs).filter((d) => d.namespaced).concat(eventDefs(ctx.client.registry.defs));
  namespaces.addEventHandler({ onAdd: (n) => n.metadata.deletionTimestamp && r.enqueue(n.metadata.name), onUpdate: (_a, b) => b.metadata.deletionTimestamp && r.enqueue(b.metadata.name), onDelete: (t) => void unwrapTombstone(t) });

  async function reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = namespaces.get('', name);
    if (!ns?.metadata.deletionTimestamp) return;
    const finalizers = (rec(ns, 'spec').finalizers as string[] | undefined) ?? [];
    if (!finalizers.includes('kubernetes')) return;
    const failures: string[] = [];
    const remaining: string[] = [];
    const withFinalizers = new Map<string, number>();
    for (const def of defs) {
      const rc = ctx.client.resource({ group: def.group, version: def.version, resource: def.resource, namespaced: true }, name);
      try {
        if (def.verbs.includes('deletecollection')) await rc.deleteCollection();
        else for (const o of (await rc.list()).items) await rc.delete(o.metadata.name ?? '').catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
        const left = (await rc.list()).items;
        if (left.length) remaining.push(`${def.resource}${def.group ? `.${def.group}` : ''} has ${left.length} resource instances`);
        for (const o of left) for (const f of o.metadata.finalizers ?? []) withFinalizers.set(f, (withFinalizers.get(f) ?? 0) + 1);
      } catch (e) {
        if (!isNotFound(e)) failures.push(`${def.resource}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const now = rfc3339(ctx.clock.now());
    const conditions: Condition[] = [
      { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
      { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
      failures.length
        ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}` }
        : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
      remaining.length
        ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` }
        : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
      withFinalizers.size
        ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${[...withFinalizers].map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}` }
        : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
    ];
    const old = (rec(ns, 'status').conditions as Condition[] | undefined) ?? [];
    const merged = conditions.map((c) => {
      const p = old.find((x) => x.type === c.type);
      return { ...c, lastTransitionTime: p && p.status === c.status ? p.lastTransitionTime : now };
    });
    if (JSON.stringify(merged) !== JSON.stringify(old)) {
      await nsClient.updateStatus({ ...ns, status: { ...rec(ns, 'status'), conditions: merged } }).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    }
    if (failures.length) throw new Error(failures.join('; '));
    if (remaining.length) return { requeueAfter: withFinalizers.size ? 5000 : 1000 };
    const fresh: KObject = await nsClient.get(name);
    const spec = rec(fresh, 'spec');
    await nsClient.subresource(name, 'finalize', {
      method: 'PUT',
      body: { ...fresh, spec: { ...spec, finalizers: ((spec.finalizers as string[] | undefined) ?? []).filter((f) => f !== 'kubernetes') } },
    });
  }

  return { name: NAME, done: r.run() };
}

/** Events are deleted with the namespace too (the collector skips them). */
function eventDefs(defs: readonly ResourceDef[]): ResourceDef[] {
  return defs.filter((d) => d.resource === 'events' && d.group === '');
}
