/**
 * Garbage collector (upstream `garbagecollector`): an ownerReferences graph
 * over every served kind's informer. Dependents whose owners are all gone are
 * deleted; `orphan` owners release their dependents; `foregroundDeletion`
 * owners delete dependents first and go once no blocking dependent remains.
 */
import type { KObject, OwnerReference, ResourceDef } from '../api/index.js';
import { byOwnerUid, isNotFound, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound, orNull } from './pod-control.js';

const NAME = 'garbage-collector-controller';
type Res = { def: ResourceDef; inf: SharedInformer; id: string };

/** Kinds the collector watches: listable, watchable, deletable, one version per resource, no event copies. */
export function collectableDefs(defs: readonly ResourceDef[]): ResourceDef[] {
  const seen = new Set<string>();
  return defs.filter((d) => {
    const id = `${d.group}/${d.resource}`;
    if (seen.has(id) || d.sameStorageAs || d.resource === 'events' || !['list', 'watch', 'delete'].every((v) => d.verbs.includes(v as never))) return false;
    seen.add(id);
    return true;
  });
}

/** What the collector's decision depends on changed between two versions of an object. */
export function graphChanged(a: KObject, b: KObject): boolean {
  if (Boolean(a.metadata.deletionTimestamp) !== Boolean(b.metadata.deletionTimestamp)) return true;
  const fa = a.metadata.finalizers ?? [];
  const fb = b.metadata.finalizers ?? [];
  if (fa.length !== fb.length || fa.some((f, i) => f !== fb[i])) return true;
  const ra = a.metadata.ownerReferences ?? [];
  const rb = b.metadata.ownerReferences ?? [];
  return ra.length !== rb.length || ra.some((x, i) => x.uid !== rb[i]?.uid || x.blockOwnerDeletion !== rb[i]?.blockOwnerDeletion);
}

export function startGarbageCollector(ctx: ControllerContext): StartedController {
  const resources = new Map<string, Res>();
  const uidIndex = new Map<string, string>();
  const r = queueRunner(ctx, NAME, reconcile, ctx.workers ?? 4);
  const keyFor = (res: Res, o: KObject) => `${res.id}|${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''}`;
  const dependents = (uid: string): Array<[Res, KObject]> => [...resources.values()].flatMap((res) => res.inf.indexer.byIndex('byOwnerUid', uid).map((o): [Res, KObject] => [res, o]));
  const enqueueOwners = (o: KObject) => {
    for (const ref of o.metadata.ownerReferences ?? []) r.enqueue(uidIndex.get(ref.uid));
  };
  const needsWork = (o: KObject) => Boolean(o.metadata.ownerReferences?.length) || (Boolean(o.metadata.deletionTimestamp) && (o.metadata.finalizers ?? []).some((f) => f === 'orphan' || f === 'foregroundDeletion'));

  for (const def of collectableDefs(ctx.client.registry.defs)) {
    const inf = ctx.factory.informerFor({ group: def.group, version: def.version, resource: def.resource, namespaced: def.namespaced, kind: def.kind }, { indexers: { byOwnerUid } });
    const res: Res = { def, inf, id: `${def.group}/${def.resource}` };
    resources.set(res.id, res);
    inf.addEventHandler({
      onAdd: (o) => {
        if (o.metadata.uid) uidIndex.set(o.metadata.uid, keyFor(res, o));
        if (needsWork(o)) r.enqueue(keyFor(res, o));
      },
      onUpdate: (a, b) => {
        // As upstream's graph builder: only a change of owners, deletion or finalizers is news to the
        // collector (a pod's status writes are not), so 5,000 pods starting cost no reconciles here.
        if (needsWork(b) && graphChanged(a, b)) r.enqueue(keyFor(res, b));
        if (!a.metadata.deletionTimestamp && b.metadata.deletionTimestamp) for (const [dr, d] of dependents(b.metadata.uid ?? '')) r.enqueue(keyFor(dr, d));
        if (b.metadata.deletionTimestamp || a.metadata.ownerReferences?.length !== b.metadata.ownerReferences?.length) enqueueOwners(a);
      },
      onDelete: (t) => {
        const o = unwrapTombstone(t);
        if (o.metadata.uid) uidIndex.delete(o.metadata.uid);
        for (const [dr, d] of dependents(o.metadata.uid ?? '')) r.enqueue(keyFor(dr, d));
        enqueueOwners(o);
      },
    });
  }

  /** present, absent, or deleting with foregroundDeletion (waiting for its dependents). */
  async function ownerState(ref: OwnerReference, namespace: string | undefined): Promise<'present' | 'absent' | 'waiting'> {
    const cachedKey = uidIndex.get(ref.uid);
    let owner: KObject | undefined;
    if (cachedKey) {
      const [id = '', k = ''] = cachedKey.split('|');
      owner = resources.get(id)?.inf.indexer.get(k);
    }
    if (!owner) {
      const [group, version] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/') : ['', ref.apiVersion];
      const def = ctx.client.registry.kind(group ?? '', version ?? '', ref.kind);
      if (!def) return 'present';
      try {
        owner = await ctx.client.resource({ group: def.group, version: def.version, resource: def.resource, namespaced: def.namespaced }, def.namespaced ? namespace : undefined).get(ref.name);
      } catch (e) {
        if (isNotFound(e)) return 'absent';
        throw e;
      }
    }
    if (owner.metadata.uid !== ref.uid) return 'absent';
    if (owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes('foregroundDeletion')) return 'waiting';
    return 'present';
  }

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const bar = key.indexOf('|');
    const res = resources.get(key.slice(0, bar));
    const obj = res?.inf.indexer.get(key.slice(bar + 1));
    if (!res || !obj) return;
    const ns = obj.metadata.namespace;
    const rc = ctx.client.resource({ group: res.def.group, version: res.def.version, resource: res.def.resource, namespaced: res.def.namespaced }, ns);
    const name = obj.metadata.name ?? '';
    const uid = obj.metadata.uid ?? '';
    if (obj.metadata.deletionTimestamp) {
      const fins = obj.metadata.finalizers ?? [];
      if (fins.includes('orphan')) {
        for (const [dr, d] of dependents(uid)) {
          const drc = ctx.client.resource({ group: dr.def.group, version: dr.def.version, resource: dr.def.resource, namespaced: dr.def.namespaced }, d.metadata.namespace);
          await drc.patch(d.metadata.name ?? '', { metadata: { uid: d.metadata.uid, ownerReferences: orNull((d.metadata.ownerReferences ?? []).filter((x) => x.uid !== uid)) } }).catch(ignoreNotFound);
        }
        await rc.patch(name, { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: fins.filter((f) => f !== 'orphan') } }).catch(ignoreNotFound);
        return;
      }
      if (fins.includes('foregroundDeletion')) {
        const deps = dependents(uid);
        for (const [dr, d] of deps) {
          if (d.metadata.deletionTimestamp) continue;
          const drc = ctx.client.resource({ group: dr.def.group, version: dr.def.version, resource: dr.def.resource, namespaced: dr.def.namespaced }, d.metadata.namespace);
          await drc.delete(d.metadata.name ?? '', { propagationPolicy: 'Foreground', preconditions: { uid: d.metadata.uid } }).catch(ignoreNotFound);
        }
        const blocking = deps.filter(([, d]) => (d.metadata.ownerReferences ?? []).some((x) => x.uid === uid && x.blockOwnerDeletion));
        if (blocking.length) return { requeueAfter: 5000 };
        await rc.patch(name, { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: fins.filter((f) => f !== 'foregroundDeletion') } }).catch(ignoreNotFound);
      }
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (!refs.length) return;
    const states = await Promise.all(refs.map((ref) => ownerState(ref, ns)));
    const absent = refs.filter((_x, i) => states[i] === 'absent');
    if (absent.length === refs.length) {
      await rc.delete(name, { propagationPolicy: 'Background', preconditions: { uid } }).catch(ignoreNotFound);
    } else if (states.every((s) => s !== 'present')) {
      await rc.delete(name, { propagationPolicy: 'Foreground', preconditions: { uid } }).catch(ignoreNotFound);
    } else if (absent.length) {
      const dangling = new Set(absent.map((x) => x.uid));
      await rc.patch(name, { metadata: { uid, ownerReferences: orNull(refs.filter((x) => !dangling.has(x.uid))) } }).catch(ignoreNotFound);
    }
  }

  return { name: NAME, done: r.run() };
}
