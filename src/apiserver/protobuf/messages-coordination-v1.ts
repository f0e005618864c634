/**
 * Protobuf message table: coordination/v1.
 * Field numbers are those of upstream `k8s.io/api/coordination/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const coordinationV1: GroupTables = {
  apiVersion: 'coordination.k8s.io/v1',
  kinds: { Lease: 'coordination.Lease' },
  messages: {
    'coordination.Lease': ['1 metadata meta.ObjectMeta', '2 spec coordination.LeaseSpec'],
    'coordination.LeaseSpec': [
      '1 holderIdentity string', '2 leaseDurationSeconds int32', '3 acquireTime MicroTime',
      '4 renewTime MicroTime', '5 leaseTransitions int32', '6 strategy string',
      '7 preferredHolder string',
    ],
  },
};
