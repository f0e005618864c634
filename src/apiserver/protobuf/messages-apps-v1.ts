/**
 * Protobuf message table: apps/v1.
 * Field numbers are those of upstream `k8s.io/api/apps/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const appsV1: GroupTables = {
  apiVersion: 'apps/v1',
  kinds: {
    Deployment: 'apps.Deployment', StatefulSet: 'apps.StatefulSet', DaemonSet: 'apps.DaemonSet',
    ReplicaSet: 'apps.ReplicaSet',
  },
  messages: {
    'apps.DaemonSet': [
      '1 metadata meta.ObjectMeta', '2 spec apps.DaemonSetSpec', '3 status apps.DaemonSetStatus',
    ],
    'apps.DaemonSetCondition': [
      '1 type string', '2 status string', '3 lastTransitionTime Time', '4 reason string o',
      '5 message string o',
    ],
    'apps.DaemonSetSpec': [
      '1 selector meta.LabelSelector', '2 template core.PodTemplateSpec',
      '3 updateStrategy apps.DaemonSetUpdateStrategy', '4 minReadySeconds int32 o',
      '6 revisionHistoryLimit int32',
    ],
    'apps.DaemonSetStatus': [
      '1 currentNumberScheduled int32', '2 numberMisscheduled int32',
      '3 desiredNumberScheduled int32', '4 numberReady int32', '5 observedGeneration int64 o',
      '6 updatedNumberScheduled int32 o', '7 numberAvailable int32 o', '8 numberUnavailable int32 o',
      '9 collisionCount int32', '10 conditions []apps.DaemonSetCondition',
    ],
    'apps.DaemonSetUpdateStrategy': [
      '1 type string o', '2 rollingUpdate apps.RollingUpdateDaemonSet',
    ],
    'apps.Deployment': [
      '1 metadata meta.ObjectMeta', '2 spec apps.DeploymentSpec', '3 status apps.DeploymentStatus',
    ],
    'apps.DeploymentCondition': [
      '1 type string', '2 status string', '4 reason string o', '5 message string o',
      '6 lastUpdateTime Time', '7 lastTransitionTime Time',
    ],
    'apps.DeploymentSpec': [
      '1 replicas int32', '2 selector meta.LabelSelector', '3 template core.PodTemplateSpec',
      '4 strategy apps.DeploymentStrategy', '5 minReadySeconds int32 o',
      '6 revisionHistoryLimit int32', '7 paused bool o', '9 progressDeadlineSeconds int32',
    ],
    'apps.DeploymentStatus': [
      '1 observedGeneration int64 o', '2 replicas int32 o', '3 updatedReplicas int32 o',
      '4 availableReplicas int32 o', '5 unavailableReplicas int32 o',
      '6 conditions []apps.DeploymentCondition', '7 readyReplicas int32 o', '8 collisionCount int32',
    ],
    'apps.DeploymentStrategy': ['1 type string o', '2 rollingUpdate apps.RollingUpdateDeployment'],
    'apps.ReplicaSet': [
      '1 metadata meta.ObjectMeta', '2 spec apps.ReplicaSetSpec', '3 status apps.ReplicaSetStatus',
    ],
    'apps.ReplicaSetCondition': [
      '1 type string', '2 status string', '3 lastTransitionTime Time', '4 reason string o',
      '5 message string o',
    ],
    'apps.ReplicaSetSpec': [
      '1 replicas int32', '2 selector meta.LabelSelector', '3 template core.PodTemplateSpec',
      '4 minReadySeconds int32 o',
    ],
    'apps.ReplicaSetStatus': [
      '1 replicas int32', '2 fullyLabeledReplicas int32 o', '3 observedGeneration int64 o',
      '4 readyReplicas int32 o', '5 availableReplicas int32 o',
      '6 conditions []apps.ReplicaSetCondition',
    ],
    'apps.RollingUpdateDaemonSet': ['1 maxUnavailable IntOrString', '2 maxSurge IntOrString'],
    'apps.RollingUpdateDeployment': ['1 maxUnavailable IntOrString', '2 maxSurge IntOrString'],
    'apps.RollingUpdateStatefulSetStrategy': ['1 partition int32', '2 maxUnavailable IntOrString'],
    'apps.StatefulSet': [
      '1 metadata meta.ObjectMeta', '2 spec apps.StatefulSetSpec', '3 status apps.StatefulSetStatus',
    ],
    'apps.StatefulSetCondition': [
      '1 type string', '2 status string', '3 lastTransitionTime Time', '4 reason string o',
      '5 message string o',
    ],
    'apps.StatefulSetOrdinals': ['1 start int32'],
    'apps.StatefulSetPersistentVolumeClaimRetentionPolicy': [
      '1 whenDeleted string o', '2 whenScaled string o',
    ],
    'apps.StatefulSetSpec': [
      '1 replicas int32', '2 selector meta.LabelSelector', '3 template core.PodTemplateSpec',
      '4 volumeClaimTemplates []core.PersistentVolumeClaim', '5 serviceName string',
      '6 podManagementPolicy string o', '7 updateStrategy apps.StatefulSetUpdateStrategy',
      '8 revisionHistoryLimit int32', '9 minReadySeconds int32 o',
      '10 persistentVolumeClaimRetentionPolicy apps.StatefulSetPersistentVolumeClaimRetentionPolicy',
      '11 ordinals apps.StatefulSetOrdinals',
    ],
    'apps.StatefulSetStatus': [
      '1 observedGeneration int64 o', '2 replicas int32', '3 readyReplicas int32 o',
      '4 currentReplicas int32 o', '5 updatedReplicas int32 o', '6 currentRevision string o',
      '7 updateRevision string o', '9 collisionCount int32',
      '10 conditions []apps.StatefulSetCondition', '11 availableReplicas int32',
    ],
    'apps.StatefulSetUpdateStrategy': [
      '1 type string o', '2 rollingUpdate apps.RollingUpdateStatefulSetStrategy',
    ],
  },
};
