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
import { REVIEW_RESOURCES } from './kinds/reviews.js';
import { APPS_RESOURCES } from './kinds/apps.js';
import { BATCH_RESOURCES } from './kinds/batch.js';
import { AUTOSCALING_RESOURCES } from './kinds/autoscaling.js';
import { POLICY_RESOURCES } from './kinds/policy.js';
import { RBAC_RESOURCES } from './kinds/rbac.js';
import { NETWORKING_RESOURCES } from './kinds/networking.js';
import { STORAGE_RESOURCES } from './kinds/storage.js';
import { SCHEDULING_RESOURCES } from './kinds/scheduling.js';
import { CERTIFICATES_RESOURCES } from './kinds/certificates.js';
import { DISCOVERY_RESOURCES } from './kinds/discovery.js';
import { NODE_RESOURCES } from './kinds/node-k8s-io.js';
import { CORE_MORE_RESOURCES } from './kinds/core-more.js';

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
  ...CORE_MORE_RESOURCES,
  ...APPS_RESOURCES,
  ...BATCH_RESOURCES,
  ...AUTOSCALING_RESOURCES,
  ...POLICY_RESOURCES,
  ...RBAC_RESOURCES,
  ...NETWORKING_RESOURCES,
  ...STORAGE_RESOURCES,
  ...SCHEDULING_RESOURCES,
  ...CERTIFICATES_RESOURCES,
  ...DISCOVERY_RESOURCES,
  ...NODE_RESOURCES,
  leaseDef,
  eventsV1Def,
  ...REVIEW_RESOURCES,
];

export function builtinRegistry(): Registry {
  return new Registry(BUILTIN_RESOURCES);
}
