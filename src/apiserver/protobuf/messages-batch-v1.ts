/**
 * Protobuf message table: batch/v1.
 * Field numbers are those of upstream `k8s.io/api/batch/v1/generated.proto`; the format is described in schema.ts.
 * @module
 */
import type { GroupTables } from './schema.js';

export const batchV1: GroupTables = {
  apiVersion: 'batch/v1',
  kinds: { Job: 'batch.Job', CronJob: 'batch.CronJob' },
  messages: {
    'batch.CronJob': [
      '1 metadata meta.ObjectMeta', '2 spec batch.CronJobSpec', '3 status batch.CronJobStatus',
    ],
    'batch.CronJobSpec': [
      '1 schedule string', '2 startingDeadlineSeconds int64', '3 concurrencyPolicy string o',
      '4 suspend bool', '5 jobTemplate batch.JobTemplateSpec', '6 successfulJobsHistoryLimit int32',
      '7 failedJobsHistoryLimit int32', '8 timeZone string',
    ],
    'batch.CronJobStatus': [
      '1 active []core.ObjectReference', '4 lastScheduleTime Time', '5 lastSuccessfulTime Time',
    ],
    'batch.Job': ['1 metadata meta.ObjectMeta', '2 spec batch.JobSpec', '3 status batch.JobStatus'],
    'batch.JobCondition': [
      '1 type string', '2 status string', '3 lastProbeTime Time', '4 lastTransitionTime Time',
      '5 reason string o', '6 message string o',
    ],
    'batch.JobSpec': [
      '1 parallelism int32', '2 completions int32', '3 activeDeadlineSeconds int64',
      '4 selector meta.LabelSelector', '5 manualSelector bool', '6 template core.PodTemplateSpec',
      '7 backoffLimit int32', '8 ttlSecondsAfterFinished int32', '9 completionMode string',
      '10 suspend bool', '11 podFailurePolicy batch.PodFailurePolicy',
      '12 backoffLimitPerIndex int32', '13 maxFailedIndexes int32', '14 podReplacementPolicy string',
      '15 managedBy string', '16 successPolicy batch.SuccessPolicy',
    ],
    'batch.JobStatus': [
      '1 conditions []batch.JobCondition', '2 startTime Time', '3 completionTime Time',
      '4 active int32 o', '5 succeeded int32 o', '6 failed int32 o', '7 completedIndexes string o',
      '8 uncountedTerminatedPods batch.UncountedTerminatedPods', '9 ready int32',
      '10 failedIndexes string', '11 terminating int32',
    ],
    'batch.JobTemplateSpec': ['1 metadata meta.ObjectMeta', '2 spec batch.JobSpec'],
    'batch.PodFailurePolicy': ['1 rules []batch.PodFailurePolicyRule'],
    'batch.PodFailurePolicyOnExitCodesRequirement': [
      '1 containerName string', '2 operator string', '3 values []int32',
    ],
    'batch.PodFailurePolicyOnPodConditionsPattern': ['1 type string', '2 status string'],
    'batch.PodFailurePolicyRule': [
      '1 action string', '2 onExitCodes batch.PodFailurePolicyOnExitCodesRequirement',
      '3 onPodConditions []batch.PodFailurePolicyOnPodConditionsPattern',
    ],
    'batch.SuccessPolicy': ['1 rules []batch.SuccessPolicyRule'],
    'batch.SuccessPolicyRule': ['1 succeededIndexes string', '2 succeededCount int32'],
    'batch.UncountedTerminatedPods': ['1 succeeded []string', '2 failed []string'],
  },
};
