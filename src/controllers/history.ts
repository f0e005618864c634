/** ControllerRevisions for StatefulSets and DaemonSets (upstream `controller/history`): one per distinct pod template, numbered. */
import type { KObject } from '../api/index.js';
import { isAlreadyExists, type Client, type SharedInformer } from '../client/index.js';
import { templateHash } from './deployment/util.js';
import { controllerRef, jsonEqual, num, ownerRefFor, rec } from './util.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** The revision data upstream stores: a strategic-merge patch replacing the template. */
export const revisionData = (owner: KObject): Record<string, unknown> => ({ spec: { template: { ...rec(rec(owner, 'spec'), 'template'), $patch: 'replace' } } });

export function ownedRevisions(revs: SharedInformer, owner: KObject): KObject[] {
  return revs.list(owner.metadata.namespace ?? '').filter((r) => controllerRef(r)?.uid === owner.metadata.uid).sort((a, b) => num(a.revision) - num(b.revision));
}

/** Finds the revision equal to the owner's template or creates the next one; returns it and the current list. */
export async function ensureRevision(client: Client, revs: SharedInformer, owner: KObject, apiVersion: string, kind: string): Promise<{ update: KObject; all: KObject[] }> {
  const all = ownedRevisions(revs, owner);
  const data = revisionData(owner);
  const max = Math.max(0, ...all.map((r) => num(r.revision)));
  const match = all.find((r) => jsonEqual(r.data, data));
  const rc = client.resource('controllerrevisions.apps');
  if (match) {
    if (num(match.revision) < max) {
      const u = await rc.update({ ...match, revision: max + 1 });
      return { update: u, all: all.map((r) => (r === match ? u : r)) };
    }
    return { update: match, all };
  }
  const collision = num(rec(owner, 'status').collisionCount);
  const hash = templateHash(data, collision);
  const selLabels = rec(rec(rec(owner, 'spec'), 'selector'), 'matchLabels') as Record<string, string>;
  const body: KObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: `${owner.metadata.name ?? ''}-${hash}`, namespace: owner.metadata.namespace, labels: { ...selLabels, [REVISION_HASH_LABEL]: hash }, ownerReferences: [ownerRefFor(owner, apiVersion, kind)] },
    data,
    revision: max + 1,
  };
  try {
    const created = await rc.create(body);
    return { update: created, all: [...all, created] };
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const existing = await rc.inNamespace(owner.metadata.namespace ?? '').get(body.metadata.name ?? '');
    if (jsonEqual(existing.data, data)) return { update: existing, all: [...all, existing] };
    throw new Error(`controller revision hash collision for ${body.metadata.name ?? ''}`);
  }
}

/** Delete the oldest revisions no pod uses beyond revisionHistoryLimit. */
export async function truncateHistory(client: Client, all: KObject[], live: Set<string>, limit: number): Promise<void> {
  const unused = all.filter((r) => !live.has(r.metadata.name ?? ''));
  const rc = client.resource('controllerrevisions.apps');
  for (const r of unused.slice(0, Math.max(0, unused.length - limit))) await rc.inNamespace(r.metadata.namespace ?? '').delete(r.metadata.name ?? '').catch(() => undefined);
}

/** The pod template a revision recorded. */
export const revisionTemplate = (rev: KObject): Record<string, unknown> => {
  const t = { ...rec(rec(rev.data, 'spec'), 'template') };
  delete t.$patch;
  return t;
};

export const hashOf = (rev: KObject): string => rev.metadata.labels?.[REVISION_HASH_LABEL] ?? (rev.metadata.name ?? '').split('-').pop() ?? '';
