/**
 * Entry of the scheduler's worker thread in `k8ts server`: the scheduling
 * cycle is CPU-bound, so it runs off the API server's event loop and talks to
 * it over HTTPS like a remote scheduler (DESIGN.md "One machine, two cores").
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Client } from '../client/index.js';
import type { KubeSchedulerConfiguration } from './config.js';
import { runScheduler } from './run.js';

export interface SchedulerWorkerData {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  config: KubeSchedulerConfiguration;
  /** Serving certificate for the secure port; absent: not served. */
  serving?: { port: number; certPem: string; keyPem: string };
}

const d = workerData as SchedulerWorkerData;
const ac = new AbortController();
const client = new Client({ server: d.server, caPem: d.caPem, certPem: d.certPem, keyPem: d.keyPem, qps: -1, userAgent: 'k8ts-scheduler/v1.32.0' });
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') ac.abort();
});
const log = (msg: string) => parentPort?.postMessage({ log: msg });
runScheduler({ client, config: d.config, signal: ac.signal, log, secureServing: d.serving ? { ...d.serving, caPem: d.caPem } : undefined })
  .catch((e: unknown) => log(`scheduler stopped: ${e instanceof Error ? e.message : String(e)}`))
  .finally(() => {
    void client.close().then(() => parentPort?.postMessage({ done: true }));
  });
