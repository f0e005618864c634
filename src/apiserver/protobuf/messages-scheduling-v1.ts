/**
 * Protobuf message table: scheduling/v1.
 * Field numbers are those of upstream `k8s.io/api/scheduling/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const schedulingV1: GroupTables = {
  apiVersion: 'scheduling.k8s.io/v1',
  kinds: { PriorityClass: 'scheduling.PriorityClass' },
  messages: {
    'scheduling.PriorityClass': [
      '1 metadata meta.ObjectMeta', '2 value int32', '3 globalDefault bool o',
      '4 description string o', '5 preemptionPolicy string',
    ],
  },
};
