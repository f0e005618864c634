/** Downward API values for volume files: pod metadata fields and container resources. */
import { quantity } from '../../api/index.js';
import type { Pod } from '../types.js';
import type { ContainerSpec, DownwardAPIVolumeFile, PodVolumeSpec, ResourceFieldSelector } from './types.js';

/** Go's `%q` for the characters labels and annotations hold (JSON escaping matches it for printable ASCII). */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** Upstream fieldpath.FormatMap: `key="value"` lines in key order, no trailing newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${quote(m![k]!)}`)
    .join('\n');
}

/** The value of a fieldRef (volume subset plus the env-only fields, which do no harm here). */
export function fieldValue(pod: Pod, fieldPath: string): string {
  const md = pod.metadata;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (sub) return (sub[1] === 'labels' ? md.labels : md.annotations)?.[sub[2]!] ?? '';
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
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return (pod.spec as PodVolumeSpec).serviceAccountName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default:
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

const toQ = (v: string | number): quantity.Quantity => quantity.parseQuantity(String(v));

/**
 * A resourceFieldRef value as upstream ExtractContainerResourceValue: cpu is
 * ceil(value / divisor), memory and ephemeral-storage likewise in bytes.
 * A missing limit falls back to the node's allocatable (as upstream), passed in.
 */
export function resourceValue(container: ContainerSpec | undefined, ref: ResourceFieldSelector, nodeAllocatable: Record<string, string>): string {
  if (!container) throw new Error(`container ${ref.containerName ?? ''} not found`);
  const [kind, res] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !res) throw new Error(`unsupported container resource : ${ref.resource}`);
  const set = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  let raw = set?.[res];
  if (raw === undefined) raw = kind === 'limits' ? nodeAllocatable[res] : res === 'cpu' ? (container.resources?.limits?.cpu ?? '0') : (container.resources?.limits?.[res] ?? '0');
  if (raw === undefined) raw = '0';
  const divisor = toQ(ref.divisor ?? '1');
  const value = toQ(raw);
  if (res === 'cpu') {
    // millis / divisor-millis, rounded up.
    const v = Number(quantity.quantityScaledValue(value, -3));
    const d = Number(quantity.quantityScaledValue(divisor, -3)) || 1;
    return String(Math.ceil(v / d));
  }
  const v = quantity.quantityToNumber(value);
  const d = quantity.quantityToNumber(divisor) || 1;
  return String(Math.ceil(v / d));
}

/** Build the files of a downwardAPI volume or projection. */
export function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, nodeAllocatable: Record<string, string>): Map<string, { data: Buffer; mode: number }> {
  const spec = pod.spec as PodVolumeSpec;
  const out = new Map<string, { data: Buffer; mode: number }>();
  for (const it of items) {
    let value: string;
    if (it.fieldRef) value = fieldValue(pod, it.fieldRef.fieldPath);
    else if (it.resourceFieldRef) {
      const name = it.resourceFieldRef.containerName;
      const c = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((x) => x.name === name) ?? (name ? undefined : spec.containers?.[0]);
      value = resourceValue(c, it.resourceFieldRef, nodeAllocatable);
    } else throw new Error(`downwardAPI item ${it.path}: one of fieldRef and resourceFieldRef is required`);
    out.set(it.path, { data: Buffer.from(value), mode: it.mode ?? defaultMode });
  }
  return out;
}
