/** core/v1 LimitRange and ResourceQuota: defaults, validation and tables as upstream. */
import { isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { canonicalQuantity, compareQuantities, quantityToMillis, type Quantity } from '../quantity.js';
import { isQualifiedName } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { qty, qtyString } from './core-more-util.js';

const STANDARD_CONTAINER = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_QUOTA = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas',
  'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);
const STANDARD = new Set([...STANDARD_QUOTA, 'storage']);
const INTEGER = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);
const LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);
const SCOPES = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity']);
const POD_COMPUTE = new Set(['pods', 'cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

const isHugePages = (n: string) => n.startsWith('hugepages-');
const isQuotaHugePages = (n: string) => isHugePages(n) || n.startsWith('requests.hugepages-') || n.startsWith('limits.hugepages-');
const isNative = (n: string) => !n.includes('/') || n.includes('kubernetes.io/');
const overcommitAllowed = (n: string) => isNative(n) && !isHugePages(n);

/** validateResourceName: qualified, and standard unless fully qualified. */
function resourceNameErrs(name: string, path: string, standard: (n: string) => boolean, msg: string): FieldErr[] {
  const errs = isQualifiedName(name).map((m) => fieldErr.invalid(path, name, m));
  if (errs.length === 0 && !name.includes('/') && !standard(name)) errs.push(fieldErr.invalid(path, name, msg));
  return errs;
}

function limitRangeResourceName(type: string, name: string, path: string): FieldErr[] {
  const errs = resourceNameErrs(name, path, (n) => STANDARD.has(n) || isQuotaHugePages(n), 'must be a standard resource type or fully qualified');
  if ((type === 'Pod' || type === 'Container') && !name.includes('/') && !STANDARD_CONTAINER.has(name) && !isHugePages(name)) {
    errs.push(fieldErr.invalid(path, name, 'must be a standard resource for containers'));
  }
  return errs;
}

/** SetDefaults_LimitRangeItem: container defaults come from max, requests from default then min. */
function defaultLimitItem(item: Record<string, unknown>): void {
  if (item.type !== 'Container') return;
  const def: Record<string, unknown> = { ...rec(item.default) };
  const req: Record<string, unknown> = { ...rec(item.defaultRequest) };
  for (const [k, v] of Object.entries(rec(item.max))) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
  for (const [k, v] of Object.entries(rec(item.min))) if (!(k in req)) req[k] = v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(req).length) item.defaultRequest = req;
}

function validateLimitItem(item: Record<string, unknown>, p: string, seen: Set<string>): FieldErr[] {
  const errs: FieldErr[] = [];
  const type = str(item.type);
  for (const m of isQualifiedName(type)) errs.push(fieldErr.invalid(`${p}.type`, type, m));
  if (errs.length === 0 && !type.includes('/') && !LIMIT_TYPES.has(type)) errs.push(fieldErr.invalid(`${p}.type`, type, 'must be a standard limit type or fully qualified'));
  if (seen.has(type)) errs.push(fieldErr.duplicate(`${p}.type`, type));
  seen.add(type);
  const maps: Record<string, Map<string, Quantity>> = {};
  const keys = new Set<string>();
  const collect = (field: string) => {
    const m = new Map<string, Quantity>();
    for (const [k, v] of Object.entries(rec(item[field]))) {
      errs.push(...limitRangeResourceName(type, k, `${p}.${field}[${k}]`));
      keys.add(k);
      const q = qty(v);
      if (q) m.set(k, q);
    }
    maps[field] = m;
  };
  collect('max');
  collect('min');
  if (type === 'Pod') {
    maps.default = new Map();
    maps.defaultRequest = new Map();
    if (Object.keys(rec(item.default)).length) errs.push(fieldErr.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
    if (Object.keys(rec(item.defaultRequest)).length) errs.push(fieldErr.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  } else {
    collect('default');
    collect('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && !('storage' in rec(item.min)) && !('storage' in rec(item.max))) {
    errs.push(fieldErr.required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  collect('maxLimitRequestRatio');
  const s = (q: Quantity) => canonicalQuantity(q);
  for (const k of keys) {
    const min = maps.min?.get(k);
    const max = maps.max?.get(k);
    const def = maps.default?.get(k);
    const req = maps.defaultRequest?.get(k);
    const ratio = maps.maxLimitRequestRatio?.get(k);
    if (min && max && compareQuantities(min, max) > 0) errs.push(fieldErr.invalid(`${p}.min[${k}]`, s(min), `min value ${s(min)} is greater than max value ${s(max)}`));
    if (req && min && compareQuantities(min, req) > 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(req), `min value ${s(min)} is greater than default request value ${s(req)}`));
    if (req && max && compareQuantities(req, max) > 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(req), `default request value ${s(req)} is greater than max value ${s(max)}`));
    if (req && def && compareQuantities(req, def) > 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(req), `default request value ${s(req)} is greater than default limit value ${s(def)}`));
    if (def && min && compareQuantities(min, def) > 0) errs.push(fieldErr.invalid(`${p}.default[${k}]`, s(min), `min value ${s(min)} is greater than default value ${s(def)}`));
    if (def && max && compareQuantities(def, max) > 0) errs.push(fieldErr.invalid(`${p}.default[${k}]`, s(max), `default value ${s(def)} is greater than max value ${s(max)}`));
    if (ratio && compareQuantities(ratio, '1') < 0) errs.push(fieldErr.invalid(`${p}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is less than 1`));
    if (ratio && min && max) {
      const limit = quantityToMillis(max) / quantityToMillis(min);
      if (quantityToMillis(ratio) / 1000 > limit) {
        errs.push(fieldErr.invalid(`${p}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`));
      }
    }
    if (!overcommitAllowed(k) && def && req && compareQuantities(def, req) !== 0) {
      errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(req), `default value ${s(def)} must equal to defaultRequest value ${s(req)} in ${k}`));
    }
  }
  return errs;
}

export const limitRangeDef = define({
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  resource: 'limitranges',
  namespaced: true,
  shortNames: ['limits'],
  defaults(lr) {
    for (const item of arr(rec(lr.spec).limits)) if (isRecord(item)) defaultLimitItem(item);
  },
  validate(lr) {
    const seen = new Set<string>();
    return arr(rec(lr.spec).limits).flatMap((item, i) => validateLimitItem(rec(item), `spec.limits[${i}]`, seen));
  },
});

/** ValidateResourceQuantityValue for a quota entry. */
function quotaEntryErrs(name: string, value: unknown, path: string): FieldErr[] {
  const errs = resourceNameErrs(name, path, (n) => STANDARD_QUOTA.has(n) || isQuotaHugePages(n), 'must be a standard resource for quota');
  const q = qty(value);
  if (!q) return errs;
  if (compareQuantities(q, '0') < 0) errs.push(fieldErr.invalid(path, canonicalQuantity(q), 'must be greater than or equal to 0'));
  if (INTEGER.has(name) && quantityToMillis(q) % 1000 !== 0) errs.push(fieldErr.invalid(path, canonicalQuantity(q), 'must be an integer'));
  return errs;
}

const goScopes = (s: unknown[]) => `[]core.ResourceQuotaScope{${s.map((x) => JSON.stringify(String(x))).join(', ')}}`;

function validateQuota(rq: KObject, old?: KObject): FieldErr[] {
  const spec = rec(rq.spec);
  const hard = rec(spec.hard);
  const errs = Object.entries(hard).flatMap(([k, v]) => quotaEntryErrs(k, v, `spec.hard[${k}]`));
  const scopes = arr(spec.scopes);
  const invalid = (detail: string): FieldErr => ({ type: 'FieldValueInvalid', field: 'spec.scopes', message: `Invalid value: ${goScopes(scopes)}: ${detail}` });
  for (const scope of scopes.map(String)) {
    if (!SCOPES.has(scope)) errs.push(invalid('unsupported scope'));
    for (const k of Object.keys(hard).sort()) {
      const valid = scope === 'BestEffort' ? k === 'pods' : SCOPES.has(scope) ? POD_COMPUTE.has(k) : true;
      if (STANDARD_QUOTA.has(k) && !valid) errs.push(invalid('unsupported scope applied to resource'));
    }
  }
  const set = new Set(scopes.map(String));
  if ((set.has('BestEffort') && set.has('NotBestEffort')) || (set.has('Terminating') && set.has('NotTerminating'))) errs.push(invalid('conflicting scopes'));
  for (const field of ['hard', 'used'] as const) {
    for (const [k, v] of Object.entries(rec(rec(rq.status)[field]))) errs.push(...quotaEntryErrs(k, v, `status.${field}[${k}]`));
  }
  if (old) {
    const before = new Set(arr(rec(old.spec).scopes).map(String));
    if (before.size !== set.size || [...set].some((s) => !before.has(s))) errs.push({ ...invalid('field is immutable') });
  }
  return errs;
}

/** printResourceQuota: `resource: used/hard` pairs, limits.* in the LIMIT column. */
function quotaCells(rq: KObject): [string, string] {
  const status = rec(rq.status);
  const used = rec(status.used);
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of Object.keys(rec(status.hard)).sort()) {
    const pieces = r.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(`${r}: ${qtyString(used[r])}/${qtyString(rec(status.hard)[r])}`);
  }
  return [request.join(', '), limit.join(', ')];
}

export const resourceQuotaDef = define({
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  resource: 'resourcequotas',
  namespaced: true,
  shortNames: ['quota'],
  statusSubresource: true,
  subresources: [{ name: 'status', group: '', version: 'v1', kind: 'ResourceQuota', verbs: ['get', 'patch', 'update'] }],
  validate: validateQuota,
  table: {
    columns: [
      NAME_COL,
      AGE_COL,
      col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    row: (rq, now) => [rq.metadata.name, age(rq.metadata.creationTimestamp, now), ...quotaCells(rq)],
  },
});
