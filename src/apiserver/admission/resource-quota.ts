/**
 * LimitRanger (Container defaults and min/max from LimitRanges) and
 * ResourceQuota (object counts and compute requests/limits per namespace,
 * refused with upstream's "exceeded quota" / "failed quota" messages). Usage
 * is read from the quota's status.used (the watch cache's count until the
 * quota has one) and the new usage written back with optimistic concurrency
 * at admission, as upstream does, so a burst of creates cannot overshoot.
 * @module
 */
import { isRecord, quantity, type KObject } from '../../api/index.js';
import { errors, StatusError } from '../errors.js';
import type { ServerParts } from '../rest/context.js';
import type { ResourceStore, WriteContext } from '../registry/resource-store.js';

type R = Record<string, unknown>;
const rec = (v: unknown): R => (isRecord(v) ? v : {});
const list = (v: unknown): R[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const COMPUTE = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'];
const LEGACY_COUNTS: Record<string, string> = { pods: 'pods', services: 'services', secrets: 'secrets', configmaps: 'configmaps', persistentvolumeclaims: 'persistentvolumeclaims', replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas' };

function containers(pod: KObject): R[] {
  const spec = rec(pod.spec);
  return [...list(spec.containers), ...list(spec.initContainers)];
}

/** A pod's compute usage: containers summed, an init container counting if larger (upstream's PodRequests). */
function podUsage(pod: KObject): Map<string, quantity.Quantity> {
  const out = new Map<string, quantity.Quantity>();
  const spec = rec(pod.spec);
  for (const [kind, key] of [['requests', 'requests'], ['limits', 'limits']] as const) {
    for (const res of ['cpu', 'memory']) {
      let sum = quantity.parseQuantity('0');
      for (const c of list(spec.containers)) {
        const v = rec(rec(c.resources)[kind])[res];
        if (typeof v === 'string' || typeof v === 'number') sum = quantity.addQuantities(sum, quantity.quantityFromJSON(v));
      }
      for (const c of list(spec.initContainers)) {
        const v = rec(rec(c.resources)[kind])[res];
        if ((typeof v === 'string' || typeof v === 'number') && quantity.compareQuantities(quantity.quantityFromJSON(v), sum) > 0) sum = quantity.quantityFromJSON(v);
      }
      out.set(`${key}.${res}`, sum);
      if (kind === 'requests') out.set(res, sum);
    }
  }
  return out;
}

const terminal = (pod: KObject) => ['Succeeded', 'Failed'].includes(String(rec(pod.status).phase));

export function installLimitRanger(parts: ServerParts): void {
  const pods = parts.resources.get(parts.registry.resource('', 'v1', 'pods')!)!;
  pods.hooks.push({
    async beforeCreate(pod) {
      const ns = pod.metadata.namespace ?? '';
      for (const e of parts.cache.entries('/registry/limitranges/', `/registry/limitranges/${ns}/`)) {
        for (const item of list(rec(e.obj.spec).limits).filter((l) => l.type === 'Container')) {
          for (const c of containers(pod)) {
            const resources = (c.resources = rec(c.resources));
            const limits = (resources.limits = rec(resources.limits));
            const requests = (resources.requests = rec(resources.requests));
            for (const [k, v] of Object.entries(rec(item.default))) limits[k] ??= v;
            for (const [k, v] of Object.entries(rec(item.defaultRequest))) requests[k] ??= v;
            for (const [k, v] of Object.entries(rec(item.max))) {
              const lim = limits[k];
              if (lim === undefined) throw errors.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: maximum ${k} usage per Container is ${String(v)}.  No limit is specified`);
              if (quantity.compareQuantities(quantity.quantityFromJSON(lim as string), quantity.quantityFromJSON(v as string)) > 0) {
                throw errors.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: maximum ${k} usage per Container is ${String(v)}, but limit is ${String(lim)}`);
              }
            }
            for (const [k, v] of Object.entries(rec(item.min))) {
              const req = requests[k];
              if (req !== undefined && quantity.compareQuantities(quantity.quantityFromJSON(req as string), quantity.quantityFromJSON(v as string)) < 0) {
                throw errors.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: minimum ${k} usage per Container is ${String(v)}, but request is ${String(req)}`);
              }
            }
          }
        }
      }
    },
  });
}

/** A burst of creates contends for one quota: retry conflicts (the store's own loop gives up after 10) with jitter. */
async function chargeWithRetries(write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      return;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409) || attempt >= 50) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * (attempt + 1))));
    }
  }
}

export function installResourceQuota(parts: ServerParts): void {
  const fmt = (q: quantity.Quantity) => quantity.canonicalQuantity(q);
  const quotaDef = parts.registry.resource('', 'v1', 'resourcequotas');
  const quotaStore = quotaDef && parts.resources.get(quotaDef);
  const hook = (rs: ResourceStore) => ({
    async beforeCreate(obj: KObject, ctx: WriteContext) {
      const ns = obj.metadata.namespace ?? '';
      const quotas = [...parts.cache.entries('/registry/resourcequotas/', `/registry/resourcequotas/${ns}/`)];
      if (!quotas.length || !quotaStore) return;
      const { resource, group } = rs.def;
      const countKeys = new Set([`count/${resource}${group ? `.${group}` : ''}`, ...(group === '' && LEGACY_COUNTS[resource] ? [LEGACY_COUNTS[resource]] : [])]);
      const isPod = group === '' && resource === 'pods';
      const want = isPod ? podUsage(obj) : undefined;
      /** What this object adds to a quota key, or undefined if the key does not count it. */
      const requested = (k: string): quantity.Quantity | undefined => (countKeys.has(k) ? quantity.parseQuantity('1') : want && COMPUTE.includes(k) ? want.get(k) : undefined);
      /** Usage from the watch cache: used when the quota has no status.used for a key yet. */
      const cached = (k: string): quantity.Quantity => {
        let used = quantity.parseQuantity('0');
        for (const e of parts.cache.entries(rs.bucket, `${rs.bucket}${ns}/`)) {
          if (isPod && terminal(e.obj)) continue;
          used = quantity.addQuantities(used, countKeys.has(k) ? quantity.parseQuantity('1') : (podUsage(e.obj).get(k) ?? quantity.parseQuantity('0')));
        }
        return used;
      };
      for (const q of quotas) {
        const hard = rec(rec(q.obj.spec).hard);
        const name = q.obj.metadata.name ?? '';
        if (isPod) {
          const compute = Object.keys(hard).filter((k) => COMPUTE.includes(k));
          const missing = compute.filter((k) => {
            const [kind, res] = k.includes('.') ? (k.split('.') as [string, string]) : ['requests', k];
            return list(rec(obj.spec).containers).some((c) => rec(rec(c.resources)[kind])[res] === undefined);
          });
          if (missing.length) {
            const names = (k: string) => {
              const [kind, res] = k.includes('.') ? (k.split('.') as [string, string]) : ['requests', k];
              return list(rec(obj.spec).containers).filter((c) => rec(rec(c.resources)[kind])[res] === undefined).map((c) => String(c.name)).join(',');
            };
            throw errors.forbidden(`pods "${obj.metadata.name ?? ''}" is forbidden: failed quota: ${name}: must specify ${missing.sort().map((k) => `${k} for: ${names(k)}`).join('; ')}`);
          }
        }
      }
      // As upstream's quota admission: check against status.used and write the new usage with
      // optimistic concurrency (a conflict rereads and rechecks), so concurrent creates cannot
      // overshoot; the quota controller later recalculates usage from what exists.
      for (const q of quotas) {
        const name = q.obj.metadata.name ?? '';
        if (!Object.keys(rec(rec(q.obj.spec).hard)).some((k) => requested(k) !== undefined)) continue;
        const charge = (cur: KObject): KObject => {
          const hard = rec(rec(cur.spec).hard);
          const status = rec(cur.status);
          const used = { ...(rec(status.used) as Record<string, string>) };
          const exceeded: Array<[string, string, string, string]> = [];
          for (const k of Object.keys(hard)) {
            const req = requested(k);
            if (!req) continue;
            const now = used[k] !== undefined ? quantity.quantityFromJSON(used[k]) : cached(k);
            const next = quantity.addQuantities(now, req);
            if (quantity.compareQuantities(next, quantity.quantityFromJSON(hard[k] as string)) > 0) exceeded.push([k, fmt(req), fmt(now), String(hard[k])]);
            used[k] = fmt(next);
          }
          if (exceeded.length) {
            exceeded.sort((a, b) => a[0].localeCompare(b[0]));
            const part = (i: 1 | 2 | 3) => exceeded.map((x) => `${x[0]}=${x[i]}`).join(',');
            throw errors.forbidden(`${resource}${group ? `.${group}` : ''} "${obj.metadata.name ?? ''}" is forbidden: exceeded quota: ${name}, requested: ${part(1)}, used: ${part(2)}, limited: ${part(3)}`);
          }
          return { ...cur, status: { ...status, hard: status.hard ?? hard, used } };
        };
        if (ctx.dryRun) charge(structuredClone(q.obj));
        else await chargeWithRetries(() => quotaStore.update(ns, name, charge, { dryRun: false, subresource: 'status' }));
      }
    },
  });
  for (const [def, rs] of parts.resources) if (def.namespaced && !def.createOnly) rs.hooks.push(hook(rs));
}
