/** downwardAPI volume files (and projections): field values and container resources from src/kubelet/fieldpath.ts. */
import { containerResourceValue, podFieldValue, resourceContainer } from '../fieldpath.js';
import type { Pod } from '../types.js';
import type { DownwardAPIVolumeFile, PodVolumeSpec } from './types.js';

export { formatMap } from '../fieldpath.js';

/** The value of a fieldRef from the pod object (volumes are written after the pod's IPs are in its status). */
export const fieldValue = (pod: Pod, fieldPath: string): string => podFieldValue(pod, fieldPath);

/** Build the files of a downwardAPI volume or projection. */
export function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, nodeAllocatable: Record<string, string>): Map<string, { data: Buffer; mode: number }> {
  const spec = pod.spec as PodVolumeSpec;
  const out = new Map<string, { data: Buffer; mode: number }>();
  for (const it of items) {
    let value: string;
    if (it.fieldRef) value = podFieldValue(pod, it.fieldRef.fieldPath);
    else if (it.resourceFieldRef) value = containerResourceValue(resourceContainer(spec, it.resourceFieldRef, spec.containers?.[0]), it.resourceFieldRef, nodeAllocatable);
    else throw new Error(`downwardAPI item ${it.path}: one of fieldRef and resourceFieldRef is required`);
    out.set(it.path, { data: Buffer.from(value), mode: it.mode ?? defaultMode });
  }
  return out;
}
