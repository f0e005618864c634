/**
 * LimitRanger (Container defaults and min/max from LimitRanges) and
 * ResourceQuota (object counts and compute requests/limits per namespace,
 * refused with upstream's "exceeded quota" / "failed quota" messages). Usage
 * is computed from the watch cache at admission time.
 * @module
 */
import { isRecord, quantity, type KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import type { ServerParts } from '../rest/context.js';
import type { ResourceStore } from '../registry/resource-store.js';

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

export function installResourceQuota(parts: ServerParts): void {
  const fmt = (q: quantity.Quantity) => quantity.canonicalQuantity(q);
  const hook = (rs: ResourceStore) => ({
    async beforeCreate(obj: KObject) {
      const ns = obj.metadata.namespace ?? '';
      const quotas = [...parts.cache.entries('/registry/resourcequotas/', `/registry/resourcequotas/${ns}/`)];
      if (!quotas.length) return;
      const { resource, group } = rs.def;
      const countKeys = new Set([`count/${resource}${group ? `.${group}` : ''}`, ...(group === '' && LEGACY_COUNTS[resource] ? [LEGACY_COUNTS[resource]] : [])]);
      const isPod = group === '' && resource === 'pods';
      for (const q of quotas) {
        const hard = rec(rec(q.obj.spec).hard);
        const name = q.obj.metadata.name ?? '';
        const exceeded: Array<[string, string, string, string]> = [];
        const counted = () => [...parts.cache.entries(rs.bucket, `${rs.bucket}${ns}/`)].filter((e) => !isPod || !terminal(e.obj)).length;
        for (const key of Object.keys(hard).filter((k) => countKeys.has(k))) {
          const used = counted();
          if (quantity.compareQuantities(quantity.parseQuantity(String(used + 1)), quantity.quantityFromJSON(hard[key] as string)) > 0) exceeded.push([key, '1', String(used), String(hard[key])]);
        }
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
          const want = podUsage(obj);
          for (const k of compute) {
            let used = quantity.parseQuantity('0');
            for (const e of parts.cache.entries(rs.bucket, `${rs.bucket}${ns}/`)) if (!terminal(e.obj)) used = quantity.addQuantities(used, podUsage(e.obj).get(k)!);
            const req = want.get(k)!;
            if (quantity.compareQuantities(quantity.addQuantities(used, req), quantity.quantityFromJSON(hard[k] as string)) > 0) exceeded.push([k, fmt(req), fmt(used), String(hard[k])]);
          }
        }
        if (exceeded.length) {
          exceeded.sort((a, b) => a[0].localeCompare(b[0]));
          const part = (i: 1 | 2 | 3) => exceeded.map((x) => `${x[0]}=${x[i]}`).join(',');
          throw errors.forbidden(`${resource}${group ? `.${group}` : ''} "${obj.metadata.name ?? ''}" is forbidden: exceeded quota: ${name}, requested: ${part(1)}, used: ${part(2)}, limited: ${part(3)}`);
        }
      }
    },
  });
  for (const [def, rs] of parts.resources) if (def.namespaced && !def.createOnly) rs.hooks.push(hook(rs));
}
