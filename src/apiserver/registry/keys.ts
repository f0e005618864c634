/** Storage keys: `/registry/<resource>/<namespace>/<name>`, group-prefixed for non-core groups. */
import type { ResourceDef } from '../../api/index.js';

export function resourcePrefix(def: ResourceDef): string {
  const base = def.sameStorageAs ?? { group: def.group, resource: def.storageResource ?? def.resource };
  const res = def.sameStorageAs ? base.resource : (def.storageResource ?? def.resource);
  return base.group ? `/registry/${base.group}/${res}/` : `/registry/${res}/`;
}

export function objectKey(def: ResourceDef, namespace: string, name: string): string {
  return def.namespaced ? `${resourcePrefix(def)}${namespace}/${name}` : `${resourcePrefix(def)}${name}`;
}

/** The prefix for a list: one namespace, or all. */
export function listPrefix(def: ResourceDef, namespace: string): string {
  return def.namespaced && namespace ? `${resourcePrefix(def)}${namespace}/` : resourcePrefix(def);
}
