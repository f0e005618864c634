/** batch/v1: Job and CronJob (definitions in batch-*.ts). */
import type { ResourceDef } from '../resource.js';
import { jobDef } from './batch-job.js';
import { cronJobDef } from './batch-cronjob.js';

export { jobDef, cronJobDef };

export const BATCH_RESOURCES: ResourceDef[] = [cronJobDef, jobDef];
