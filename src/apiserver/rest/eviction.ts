/** POST pods/<name>/eviction (policy/v1 Eviction): deletes a pod unless a PodDisruptionBudget forbids it, as upstream. */
import { isRecord, matchesLabels, selectorFromLabelSelector, type KObject, type LabelSelectorObject } from '../../api/index.js';
import { errors, StatusError } from '../errors.js';
import { sendJson } from '../http/respond.js';
import type { DeleteOptions, ResourceStore } from '../registry/resource-store.js';
import type { RestContext } from './context.js';
import { listPrefix } from '../registry/keys.js';
import { decodeBody } from './write.js';

/** Upstream refuses evictions once this many approved ones await the PDB controller. */
const MAX_DISRUPTED_POD_SIZE = 2000;
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(cause: string): StatusError {
  return new StatusError(429, 'TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const int = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Terminal, pending and already-terminating pods disrupt nothing: no budget applies. */
function canIgnorePDB(pod: KObject): boolean {
  const phase = rec(pod.status).phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

function isReady(pod: KObject): boolean {
  const conds = rec(pod.status).conditions;
  return Array.isArray(conds) && conds.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True');
}

function pdbStore(ctx: RestContext): ResourceStore {
  for (const [d, rs] of ctx.parts.resources) if (d.group === 'policy' && d.resource === 'poddisruptionbudgets') return rs;
  throw errors.internal('poddisruptionbudgets are not served');
}

/** PDBs in the pod's namespace whose (non-empty) selector matches the pod's labels. */
function matchingPDBs(ctx: RestContext, rs: ResourceStore, pod: KObject): KObject[] {
  const ns = pod.metadata.namespace ?? '';
  const out: KObject[] = [];
  for (const e of ctx.parts.cache.entries(rs.bucket, listPrefix(rs.def, ns))) {
    const pdb = rs.fromStorage(e.obj);
    if (pdb.metadata.namespace !== ns) continue;
    const sel = rec(pdb.spec).selector;
    if (!isRecord(sel)) continue;
    let parsed;
    try {
      parsed = selectorFromLabelSelector(sel as LabelSelectorObject);
    } catch {
      continue;
    }
    if (parsed.requirements.length === 0) continue; // an empty selector matches nothing here
    if (matchesLabels(parsed, pod.metadata.labels)) out.push({ ...pdb, metadata: { ...pdb.metadata, resourceVersion: String(e.rev) } });
  }
  return out;
}

/** Verify the budget allows one more disruption and record it (status.disruptedPods). */
async function checkAndDecrement(rs: ResourceStore, pdb: KObject, podName: string, dryRun: boolean): Promise<void> {
  const name = pdb.metadata.name ?? '';
  await rs.update(
    pdb.metadata.namespace ?? '',
    name,
    (cur) => {
      const status = rec(cur.status);
      if (int(status.observedGeneration) < (cur.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
      const allowed = int(status.disruptionsAllowed);
      if (allowed < 0) throw errors.forbidden(`poddisruptionbudget.policy "${name}" is forbidden: pdb disruptions allowed is negative`, { name, group: 'policy', kind: 'poddisruptionbudget' });
      if (Object.keys(rec(status.disruptedPods)).length > MAX_DISRUPTED_POD_SIZE) {
        throw errors.forbidden(`poddisruptionbudget.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`, { name, group: 'policy', kind: 'poddisruptionbudget' });
      }
      if (allowed === 0) {
        throw tooManyRequests(`The disruption budget ${name} needs ${int(status.desiredHealthy)} healthy pods and has ${int(status.currentHealthy)} currently`);
      }
      status.disruptionsAllowed = allowed - 1;
      status.disruptedPods = { ...rec(status.disruptedPods), [podName]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
      cur.status = status;
      delete cur.metadata.resourceVersion;
      return cur;
    },
    { dryRun, subresource: 'status' },
  );
}

/** Mark the pod with the DisruptionTarget condition, then delete it. */
async function addConditionAndDelete(ctx: RestContext, opts: DeleteOptions): Promise<void> {
  const { rs, info } = ctx;
  if (!opts.dryRun) {
    await rs.update(
      info.namespace,
      info.name,
      (cur) => {
        if (opts.preconditions?.resourceVersion) cur.metadata.resourceVersion = opts.preconditions.resourceVersion;
        else delete cur.metadata.resourceVersion;
        const status = rec(cur.status);
        const conds = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => !(isRecord(c) && c.type === 'DisruptionTarget'));
        conds.push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
        status.conditions = conds;
        cur.status = status;
        return cur;
      },
      { dryRun: false, subresource: 'status' },
    );
    // The condition write moved the resourceVersion on; a caller's precondition was checked above.
    if (opts.preconditions?.resourceVersion) opts = { ...opts, preconditions: { ...opts.preconditions, resourceVersion: undefined } };
  }
  await rs.delete(info.namespace, info.name, opts);
}

function deleteOptionsOf(ctx: RestContext, eviction: Record<string, unknown>): DeleteOptions {
  const d = rec(eviction.deleteOptions);
  const opts: DeleteOptions = {};
  if (typeof d.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = d.gracePeriodSeconds;
  if (typeof d.propagationPolicy === 'string') opts.propagationPolicy = d.propagationPolicy;
  if (typeof d.orphanDependents === 'boolean') opts.orphanDependents = d.orphanDependents;
  const pre = rec(d.preconditions);
  if (typeof pre.uid === 'string' || typeof pre.resourceVersion === 'string') {
    opts.preconditions = { uid: typeof pre.uid === 'string' ? pre.uid : undefined, resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined };
  }
  const q = ctx.query.getAll('dryRun');
  for (const v of q) if (v !== 'All') throw errors.badRequest(`Invalid dry run value: ${v}`);
  opts.dryRun = q.includes('All') || (Array.isArray(d.dryRun) && d.dryRun.includes('All'));
  return opts;
}

const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

export async function handleEviction(ctx: RestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw errors.methodNotAllowed();
  const { value } = await decodeBody(ctx);
  if (!isRecord(value)) throw errors.badRequest('the request body must be an Eviction object');
  const meta = rec(value.metadata);
  if (meta.name !== undefined && meta.name !== ctx.info.name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const opts = deleteOptionsOf(ctx, value);
  const cur = await ctx.rs.getFresh(ctx.info.namespace, ctx.info.name);
  if (!cur) throw errors.notFound('', 'pods', ctx.info.name);
  const pod = cur.obj;
  const rvUnset = !opts.preconditions?.resourceVersion;
  if (canIgnorePDB(pod)) {
    const withRv = rvUnset && !pod.metadata.deletionTimestamp ? { ...opts, preconditions: { ...opts.preconditions, resourceVersion: String(cur.rev) } } : opts;
    await addConditionAndDelete(ctx, withRv);
    return sendJson(ctx.res, 201, SUCCESS);
  }
  const rs = pdbStore(ctx);
  const pdbs = matchingPDBs(ctx, rs, pod);
  if (pdbs.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  let pinRv = false;
  if (pdbs.length === 1) {
    const pdb = pdbs[0]!;
    const spec = rec(pdb.spec);
    const status = rec(pdb.status);
    let unhealthyOk = false;
    if (!isReady(pod)) {
      if (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') unhealthyOk = true;
      else if (int(status.currentHealthy) >= int(status.desiredHealthy) && int(status.desiredHealthy) > 0) unhealthyOk = true;
    }
    if (unhealthyOk) pinRv = true;
    else await checkAndDecrement(rs, pdb, pod.metadata.name ?? '', opts.dryRun ?? false);
  }
  const finalOpts = pinRv && rvUnset ? { ...opts, preconditions: { ...opts.preconditions, resourceVersion: String(cur.rev) } } : opts;
  try {
    await addConditionAndDelete(ctx, finalOpts);
  } catch (e) {
    if (e instanceof StatusError && e.code === 409 && pinRv && rvUnset) throw tooManyRequests(`The disruption budget ${pdbs[0]?.metadata.name ?? ''} is still being processed by the server.`);
    throw e;
  }
  sendJson(ctx.res, 201, SUCCESS);
}
