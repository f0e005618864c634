/**
 * The served resources: every ResourceDef, with lookups by URL (group,
 * version, resource), by kind, and by the names kubectl accepts.
 * @module
 */
import type { ResourceDef } from './resource.js';
import { podDef } from './kinds/pod.js';
import { configMapDef, endpointsDef, leaseDef, namespaceDef, secretDef, serviceAccountDef } from './kinds/core-simple.js';
import { serviceDef } from './kinds/service.js';
import { nodeDef } from './kinds/node.js';
import { eventDef, eventsV1Def } from './kinds/event.js';

export class Registry {
  private readonly byResource = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();

  constructor(readonly defs: readonly ResourceDef[]) {
    for (const d of defs) {
      this.byResource.set(`${d.group}/${d.version}/${d.resource}`, d);
      this.byKind.set(`${d.group}/${d.version}/${d.kind}`, d);
    }
  }

  resource(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byResource.get(`${group}/${version}/${resource}`);
  }

  kind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** Group → versions (preferred first) → resources, for discovery. */
  groups(): Map<string, Map<string, ResourceDef[]>> {
    const out = new Map<string, Map<string, ResourceDef[]>>();
    for (const d of this.defs) {
      let versions = out.get(d.group);
      if (!versions) out.set(d.group, (versions = new Map()));
      let list = versions.get(d.version);
      if (!list) versions.set(d.version, (list = []));
      list.push(d);
    }
    return out;
  }
}

/** The built-in kinds k8ts serves, in discovery order (core first). */
export const BUILTIN_RESOURCES: readonly ResourceDef[] = [
  configMapDef,
  endpointsDef,
  eventDef,
  namespaceDef,
  nodeDef,
  podDef,
  secretDef,
  serviceAccountDef,
  serviceDef,
  leaseDef,
  eventsV1Def,
];

export function builtinRegistry(): Registry {
  return new Registry(BUILTIN_RESOURCES);
}
