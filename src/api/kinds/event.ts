/** core/v1 Event and events.k8s.io/v1 Event: one storage, two shapes. */
import { AGE_COL, NAME_COL, age, col, define, rec, str } from './common.js';
import type { KObject } from '../object.js';
import { fieldErr } from '../validation.js';
import { eventsV1ToCore } from './event-convert.js';

function lastSeen(e: KObject): string | undefined {
  const series = rec(e.series);
  return str(series.lastObservedTime) || str(e.lastTimestamp) || str(e.eventTime) || e.metadata.creationTimestamp;
}

export const eventDef = define({
  group: '',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  namespaced: true,
  shortNames: ['ev'],
  fieldSelectors: {
    'involvedObject.kind': (o) => str(rec(o.involvedObject).kind),
    'involvedObject.namespace': (o) => str(rec(o.involvedObject).namespace),
    'involvedObject.name': (o) => str(rec(o.involvedObject).name),
    'involvedObject.uid': (o) => str(rec(o.involvedObject).uid),
    'involvedObject.apiVersion': (o) => str(rec(o.involvedObject).apiVersion),
    'involvedObject.resourceVersion': (o) => str(rec(o.involvedObject).resourceVersion),
    'involvedObject.fieldPath': (o) => str(rec(o.involvedObject).fieldPath),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(rec(o.source).component),
    type: (o) => str(o.type),
  },
  validate(e) {
    const errs = [];
    const inv = rec(e.involvedObject);
    if (inv.namespace && e.metadata.namespace && inv.namespace !== e.metadata.namespace) {
      errs.push(fieldErr.invalid('involvedObject.namespace', inv.namespace, 'does not match event.namespace'));
    }
    return errs;
  },
  table: {
    columns: [
      col('Last Seen', 'Time when last event occurred'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'Reason is why the action was taken. It is human-readable.'),
      col('Object', 'Object this event is about.'),
      col('Subobject', 'Subobject of the object this event is about.', 1),
      col('Source', 'Component from which the event is generated.', 1),
      col('Message', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'Time when first event occurred.', 1),
      col('Count', 'The number of times this event has occurred.', 1, 'integer'),
      { ...NAME_COL, priority: 1 },
    ],
    row(e, now) {
      const inv = rec(e.involvedObject);
      const src = rec(e.source);
      const first = str(e.firstTimestamp) || str(e.eventTime) || e.metadata.creationTimestamp;
      const count = typeof rec(e.series).count === 'number' ? rec(e.series).count : typeof e.count === 'number' ? e.count : 1;
      return [
        age(lastSeen(e), now),
        str(e.type),
        str(e.reason),
        `${str(inv.kind).toLowerCase()}/${str(inv.name)}`,
        str(inv.fieldPath),
        [str(src.component) || str(e.reportingComponent), str(src.host)].filter(Boolean).join(', '),
        str(e.message).trim(),
        age(first, now),
        count,
        e.metadata.name,
      ];
    },
  },
});

/** events.k8s.io/v1 Event, stored with the core Events (field names differ; see convertEvent). */
export const eventsV1Def = define({
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  namespaced: true,
  shortNames: ['ev'],
  sameStorageAs: { group: '', resource: 'events' },
  fieldSelectors: {
    'regarding.kind': (o) => str(rec(o.regarding).kind),
    'regarding.name': (o) => str(rec(o.regarding).name),
    'regarding.namespace': (o) => str(rec(o.regarding).namespace),
    'regarding.uid': (o) => str(rec(o.regarding).uid),
    reason: (o) => str(o.reason),
    reportingController: (o) => str(o.reportingController),
    type: (o) => str(o.type),
  },
  // The same columns as core Events, read from the core shape.
  table: { columns: eventDef.table!.columns, row: (e, now) => eventDef.table!.row(eventsV1ToCore(e), now) },
});
