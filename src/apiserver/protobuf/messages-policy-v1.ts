/**
 * Protobuf message table: policy/v1.
 * Field numbers are those of upstream `k8s.io/api/policy/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const policyV1: GroupTables = {
  apiVersion: 'policy/v1',
  kinds: { PodDisruptionBudget: 'policy.PodDisruptionBudget', Eviction: 'policy.Eviction' },
  messages: {
    'policy.Eviction': ['1 metadata meta.ObjectMeta', '2 deleteOptions meta.DeleteOptions'],
    'policy.PodDisruptionBudget': [
      '1 metadata meta.ObjectMeta', '2 spec policy.PodDisruptionBudgetSpec',
      '3 status policy.PodDisruptionBudgetStatus',
    ],
    'policy.PodDisruptionBudgetSpec': [
      '1 minAvailable IntOrString', '2 selector meta.LabelSelector', '3 maxUnavailable IntOrString',
      '4 unhealthyPodEvictionPolicy string',
    ],
    'policy.PodDisruptionBudgetStatus': [
      '1 observedGeneration int64 o', '2 disruptedPods {}Time', '3 disruptionsAllowed int32',
      '4 currentHealthy int32', '5 desiredHealthy int32', '6 expectedPods int32',
      '7 conditions []meta.Condition',
    ],
  },
};
