/**
 * Protobuf message table: autoscaling/v1.
 * Field numbers are those of upstream `k8s.io/api/autoscaling/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const autoscalingV1: GroupTables = {
  apiVersion: 'autoscaling/v1',
  kinds: { Scale: 'autoscaling.Scale', HorizontalPodAutoscaler: 'autoscaling.HorizontalPodAutoscaler' },
  messages: {
    'autoscaling.Scale': [
      '1 metadata meta.ObjectMeta', '2 spec autoscaling.ScaleSpec',
      '3 status autoscaling.ScaleStatus',
    ],
    'autoscaling.ScaleSpec': ['1 replicas int32 o'],
    'autoscaling.ScaleStatus': ['1 replicas int32', '2 selector string o'],
    // `kubectl autoscale` sends an autoscaling/v1 HorizontalPodAutoscaler as protobuf.
    'autoscaling.HorizontalPodAutoscaler': ['1 metadata meta.ObjectMeta', '2 spec autoscaling.HorizontalPodAutoscalerSpec', '3 status autoscaling.HorizontalPodAutoscalerStatus'],
    'autoscaling.HorizontalPodAutoscalerSpec': ['1 scaleTargetRef autoscaling.CrossVersionObjectReference', '2 minReplicas int32', '3 maxReplicas int32', '4 targetCPUUtilizationPercentage int32'],
    'autoscaling.CrossVersionObjectReference': ['1 kind string', '2 name string', '3 apiVersion string o'],
    'autoscaling.HorizontalPodAutoscalerStatus': ['1 observedGeneration int64', '2 lastScaleTime Time', '3 currentReplicas int32', '4 desiredReplicas int32', '5 currentCPUUtilizationPercentage int32'],
  },
};
