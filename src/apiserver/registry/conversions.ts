/**
 * Kinds served under several versions but stored once: the storage shape is
 * one version, and the others convert on the way in and out.
 * @module
 */
import { coreToEventsV1, eventsV1ToCore, hpaV1ToV2, hpaV2ToV1, type KObject } from '../../api/index.js';
import type { ResourceStore } from './resource-store.js';

interface Conversion {
  toStorage(o: KObject): KObject;
  fromStorage(o: KObject): KObject;
}

const CONVERSIONS: Record<string, Conversion> = {
  'events.k8s.io/v1/Event': { toStorage: eventsV1ToCore, fromStorage: coreToEventsV1 },
  // HorizontalPodAutoscalers are stored as autoscaling/v2.
  'autoscaling/v1/HorizontalPodAutoscaler': { toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 },
};

export function registerConversion(gvk: string, c: Conversion): void {
  CONVERSIONS[gvk] = c;
}

export function installConversions(stores: Iterable<ResourceStore>): void {
  for (const rs of stores) {
    const c = CONVERSIONS[`${rs.def.group}/${rs.def.version}/${rs.def.kind}`];
    if (!c) continue;
    rs.toStorage = c.toStorage;
    rs.fromStorage = c.fromStorage;
  }
}
