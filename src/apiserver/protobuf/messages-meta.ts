/**
 * Protobuf message table: meta/v1 (ObjectMeta, LabelSelector, DeleteOptions, ...).
 * Field numbers are those of upstream `k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const metaV1: GroupTables = {
  messages: {
    'meta.Condition': [
      '1 type string', '2 status string', '3 observedGeneration int64 o', '4 lastTransitionTime Time',
      '5 reason string', '6 message string',
    ],
    'meta.DeleteOptions': [
      '1 gracePeriodSeconds int64', '2 preconditions meta.Preconditions', '3 orphanDependents bool',
      '4 propagationPolicy string', '5 dryRun []string',
      '6 ignoreStoreReadErrorWithClusterBreakingPotential bool',
    ],
    'meta.FieldSelectorRequirement': ['1 key string', '2 operator string', '3 values []string'],
    'meta.LabelSelector': [
      '1 matchLabels {}string', '2 matchExpressions []meta.LabelSelectorRequirement',
    ],
    'meta.LabelSelectorRequirement': ['1 key string', '2 operator string', '3 values []string'],
    'meta.ManagedFieldsEntry': [
      '1 manager string o', '2 operation string o', '3 apiVersion string o', '4 time Time',
      '6 fieldsType string o', '7 fieldsV1 FieldsV1', '8 subresource string o',
    ],
    'meta.ObjectMeta': [
      '1 name string o', '2 generateName string o', '3 namespace string o', '4 selfLink string o',
      '5 uid string o', '6 resourceVersion string o', '7 generation int64 o',
      '8 creationTimestamp Time', '9 deletionTimestamp Time', '10 deletionGracePeriodSeconds int64',
      '11 labels {}string', '12 annotations {}string', '13 ownerReferences []meta.OwnerReference',
      '14 finalizers []string', '17 managedFields []meta.ManagedFieldsEntry',
    ],
    'meta.OwnerReference': [
      '1 kind string', '3 name string', '4 uid string', '5 apiVersion string', '6 controller bool',
      '7 blockOwnerDeletion bool',
    ],
    'meta.Preconditions': ['1 uid string', '2 resourceVersion string'],
  },
};
