/**
 * Protobuf message table: autoscaling/v1.
 * Field numbers are those of upstream `k8s.io/api/autoscaling/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const autoscalingV1: GroupTables = {
  apiVersion: 'autoscaling/v1',
  kinds: { Scale: 'autoscaling.Scale' },
  messages: {
    'autoscaling.Scale': [
      '1 metadata meta.ObjectMeta', '2 spec autoscaling.ScaleSpec',
      '3 status autoscaling.ScaleStatus',
    ],
    'autoscaling.ScaleSpec': ['1 replicas int32 o'],
    'autoscaling.ScaleStatus': ['1 replicas int32', '2 selector string o'],
  },
};
