/** Conversion between core/v1 Events (the storage shape) and events.k8s.io/v1 Events. */
import type { KObject } from '../object.js';

/** Field renames: events.k8s.io/v1 name → core/v1 name. */
const RENAMES: Array<[string, string]> = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];

export function eventsV1ToCore(e: KObject): KObject {
  const out: KObject = { ...e, apiVersion: 'v1', kind: 'Event' };
  for (const [v1, core] of RENAMES) {
    if (v1 in out) {
      out[core] = out[v1];
      delete out[v1];
    }
  }
  return out;
}

export function coreToEventsV1(e: KObject): KObject {
  const out: KObject = { ...e, apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  for (const [v1, core] of RENAMES) {
    if (core in out) {
      out[v1] = out[core];
      delete out[core];
    }
  }
  return out;
}
