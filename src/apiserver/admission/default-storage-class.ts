/**
 * DefaultStorageClass admission (upstream plugin/pkg/admission/storage/storageclass/setdefault,
 * on by default): a PersistentVolumeClaim created without spec.storageClassName gets the name
 * of the default StorageClass (annotation `storageclass.kubernetes.io/is-default-class: "true"`,
 * or its beta twin). With several defaults the newest wins, ties going to the name first in
 * order (GetDefaultClass since 1.28). An explicit `""` means "no class" and is kept, and so
 * is a claim that names its class with the beta annotation `volume.beta.kubernetes.io/storage-class`.
 * @module
 */
import { isDefaultStorageClass, isRecord, type KObject } from '../../api/index.js';
import type { ServerParts } from '../rest/context.js';

export const DEFAULT_STORAGE_CLASS = 'DefaultStorageClass';
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** GetDefaultClass: the newest default class (creationTimestamp, then name ascending), or undefined. */
export function pickDefaultClass(classes: Iterable<KObject>): KObject | undefined {
  let best: KObject | undefined;
  let bestTime = 0;
  for (const c of classes) {
    if (!isDefaultStorageClass(c)) continue;
    const t = Date.parse(c.metadata.creationTimestamp ?? '') || 0;
    const name = c.metadata.name ?? '';
    if (!best || t > bestTime || (t === bestTime && name < (best.metadata.name ?? ''))) {
      best = c;
      bestTime = t;
    }
  }
  return best;
}

export function installDefaultStorageClass(parts: ServerParts): void {
  const pvcDef = parts.registry.resource('', 'v1', 'persistentvolumeclaims');
  const scDef = parts.registry.resource('storage.k8s.io', 'v1', 'storageclasses');
  const pvcs = pvcDef && parts.resources.get(pvcDef);
  const classes = scDef && parts.resources.get(scDef);
  if (!pvcs || !classes) return;
  pvcs.hooks.push({
    async beforeCreate(pvc) {
      const spec = isRecord(pvc.spec) ? pvc.spec : (pvc.spec = {});
      if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
      if (pvc.metadata.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return;
      const def = pickDefaultClass([...parts.cache.entries(classes.bucket)].map((e) => e.obj));
      if (def?.metadata.name) spec.storageClassName = def.metadata.name;
    },
  });
}
