/** PodGC: terminated pods beyond the threshold, pods bound to nodes gone for 40 s, unscheduled terminating pods (upstream `podgc`). */
import type { KObject } from '../api/index.js';
import { unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { podPhase, rec, rfc3339, str } from './util.js';

const NAME = 'pod-garbage-collector';
export const GC_PERIOD_MS = 20_000;
export const QUARANTINE_MS = 40_000;

export function startPodGc(ctx: ControllerContext, terminatedThreshold = 12_500): StartedController {
  const pods = ctx.factory.informerFor('pods');
  const nodes = ctx.factory.informerFor('nodes');
  const client = ctx.client.resource('pods');
  const missingSince = new Map<string, number>();
  const r = queueRunner(ctx, NAME, reconcile, 1);
  r.enqueue('gc');
  nodes.addEventHandler({ onDelete: (t) => (void unwrapTombstone(t), r.queue.addAfter('gc', QUARANTINE_MS + 100)) });

  async function reconcile(): Promise<ReconcileResult | void> {
    const now = ctx.clock.now();
    const all = pods.list();
    const del = (p: KObject) => client.inNamespace(p.metadata.namespace ?? '').delete(p.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(ignoreNotFound);
    const terminated = all.filter((p) => ['Succeeded', 'Failed'].includes(podPhase(p))).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
    if (terminatedThreshold > 0) for (const p of terminated.slice(0, Math.max(0, terminated.length - terminatedThreshold))) await del(p);
    const seen = new Set<string>();
    for (const p of all) {
      const node = str(rec(p, 'spec').nodeName);
      if (!node) {
        if (p.metadata.deletionTimestamp) await del(p);
        continue;
      }
      if (nodes.get('', node)) continue;
      seen.add(node);
      const since = missingSince.get(node) ?? now;
      missingSince.set(node, since);
      if (now - since < QUARANTINE_MS) continue;
      if (!['Succeeded', 'Failed'].includes(podPhase(p))) {
        const cond = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: rfc3339(now) };
        const conds = ((rec(p, 'status').conditions as Array<{ type: string }> | undefined) ?? []).filter((c) => c.type !== 'DisruptionTarget');
        await client.inNamespace(p.metadata.namespace ?? '').patch(p.metadata.name ?? '', { status: { phase: 'Failed', conditions: [...conds, cond] } }, { subresource: 'status' }).catch(ignoreNotFound);
      }
      await del(p);
    }
    for (const n of missingSince.keys()) if (!seen.has(n)) missingSince.delete(n);
    return { requeueAfter: missingSince.size ? Math.min(GC_PERIOD_MS, QUARANTINE_MS) : GC_PERIOD_MS };
  }
  return { name: NAME, done: r.run() };
}
