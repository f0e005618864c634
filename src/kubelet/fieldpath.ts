/**
 * The downward API's field resolution, one place for container env
 * (`valueFrom.fieldRef` / `resourceFieldRef`), downwardAPI volume files and
 * subPathExpr: upstream's fieldpath.ExtractFieldPathAsString plus the kubelet's
 * podFieldSelectorRuntimeValue (spec.nodeName, spec.serviceAccountName,
 * status.hostIP(s), status.podIP(s)) and resource.ExtractContainerResourceValue.
 * API validation decides which paths each consumer may use; this module answers
 * every path any of them allows.
 * @module
 */
import { quantity } from '../api/index.js';
import type { Pod } from './types.js';

/** A fieldPath or resource this module cannot resolve (upstream's error text). */
export class FieldPathError extends Error {}

/** Runtime values the kubelet knows better than the pod object (env is built before status is written). */
export interface FieldContext {
  /** The node's addresses (status.hostIP is the first); default: the pod's status.hostIP(s). */
  hostIPs?: string[];
  /** The sandbox's addresses (status.podIP is the first); default: the pod's status.podIP(s). */
  podIPs?: string[];
}

/** Go's `%q` for the characters labels and annotations hold (JSON escaping matches it for printable ASCII). */
const quote = (s: string): string => JSON.stringify(s);

/** Upstream fieldpath.FormatMap: `key="value"` lines in key order, no trailing newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${quote(m![k]!)}`)
    .join('\n');
}

/** Upstream SplitMaybeSubscriptedPath: `metadata.labels['k']` → [`metadata.labels`, `k`]. */
function splitSubscript(path: string): [string, string] | undefined {
  if (!path.endsWith("']")) return undefined;
  const i = path.indexOf("['");
  if (i <= 0) return undefined;
  return [path.slice(0, i), path.slice(i + 2, -2)];
}

function ipsOf(list: Array<{ ip: string }> | undefined, single: string | undefined): string[] {
  const ips = (list ?? []).map((x) => x.ip).filter(Boolean);
  return ips.length ? ips : single ? [single] : [];
}

/** The value of a `fieldRef.fieldPath` for `pod`. */
export function podFieldValue(pod: Pod, fieldPath: string, ctx: FieldContext = {}): string {
  const md = pod.metadata;
  const spec = pod.spec as { nodeName?: string; serviceAccountName?: string };
  const sub = splitSubscript(fieldPath);
  if (sub) {
    const [base, key] = sub;
    if (base === 'metadata.labels') return md.labels?.[key] ?? '';
    if (base === 'metadata.annotations') return md.annotations?.[key] ?? '';
    throw new FieldPathError(`fieldPath ${JSON.stringify(fieldPath)} does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'metadata.labels':
      return formatMap(md.labels);
    case 'metadata.annotations':
      return formatMap(md.annotations);
    case 'spec.nodeName':
      return spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs': {
      const ips = ctx.hostIPs ?? ipsOf(pod.status?.hostIPs, pod.status?.hostIP);
      return fieldPath === 'status.hostIP' ? (ips[0] ?? '') : ips.join(',');
    }
    case 'status.podIP':
    case 'status.podIPs': {
      const ips = ctx.podIPs ?? ipsOf(pod.status?.podIPs, pod.status?.podIP);
      return fieldPath === 'status.podIP' ? (ips[0] ?? '') : ips.join(',');
    }
  }
  throw new FieldPathError(`unsupported fieldPath: ${fieldPath}`);
}

export interface ResourceRef {
  containerName?: string;
  resource: string;
  divisor?: string | number;
}

/** The container shape resource values are read from. */
export interface ResourceContainer {
  name: string;
  resources?: { limits?: Record<string, string | number | undefined>; requests?: Record<string, string | number | undefined> };
}

/**
 * A resourceFieldRef's value as upstream ExtractContainerResourceValue:
 * ceil(value / divisor) (cpu in millis, memory and ephemeral-storage in bytes).
 * A missing limit is the node's allocatable (kubelet defaultPodLimitsForDownwardAPI);
 * a missing request is the limit (as API defaulting sets it), else 0.
 */
export function containerResourceValue(container: ResourceContainer | undefined, ref: ResourceRef, nodeAllocatable: Record<string, string | undefined>): string {
  if (!container) throw new FieldPathError(`container ${ref.containerName ?? ''} not found`);
  const [kind, res] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !res || !['cpu', 'memory', 'ephemeral-storage'].includes(res)) throw new FieldPathError(`unsupported container resource : ${ref.resource}`);
  const lim = container.resources?.limits?.[res] ?? nodeAllocatable[res];
  const raw = kind === 'limits' ? lim : (container.resources?.requests?.[res] ?? container.resources?.limits?.[res] ?? '0');
  const value = quantity.parseQuantity(String(raw ?? '0'));
  const divisor = quantity.parseQuantity(String(ref.divisor ?? '1'));
  if (res === 'cpu') {
    const d = Number(quantity.quantityScaledValue(divisor, -3)) || 1;
    return String(Math.ceil(Number(quantity.quantityScaledValue(value, -3)) / d));
  }
  const d = quantity.quantityToNumber(divisor) || 1;
  return String(Math.ceil(quantity.quantityToNumber(value) / d));
}

/** The container a resourceFieldRef names (app or init), or `self` when it names none. */
export function resourceContainer<C extends ResourceContainer>(spec: { containers?: C[]; initContainers?: C[] }, ref: ResourceRef, self: C | undefined): C | undefined {
  if (!ref.containerName) return self;
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c) => c.name === ref.containerName);
}
