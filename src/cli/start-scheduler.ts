/** Starts the scheduler inside `k8ts server` in a worker thread, as the user system:kube-scheduler, leader-elected like a standalone one. */
import { Worker } from 'node:worker_threads';
import type { SchedulerWorkerData } from '../scheduler/index.js';
import { issueCertificate } from '../pki/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

/** kube-scheduler's secure port; K8TS_SCHEDULER_SECURE_PORT overrides it (0: not served). */
export const SCHEDULER_SECURE_PORT = Number(process.env.K8TS_SCHEDULER_SECURE_PORT ?? 10259);

export async function startScheduler(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  // Its rights beyond system:kube-scheduler (k8ts:kube-scheduler-extras) come from the bootstrap policy.
  const creds = await ctx.credentialsFor('system:kube-scheduler', []);
  // Under tsx (tests, `node --import tsx`) the worker registers tsx itself: loader hooks are per thread.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`../scheduler/worker-main.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const serving = await issueCertificate(ctx.pki.signer, { commonName: 'kube-scheduler', dnsNames: ['localhost', 'kube-scheduler'], ips: ['127.0.0.1'], usages: 'server' });
  const workerData: SchedulerWorkerData = { ...creds, config: {}, serving: SCHEDULER_SECURE_PORT === 0 ? undefined : { port: SCHEDULER_SECURE_PORT, certPem: serving.certPem, keyPem: serving.keyPem } };
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData })
    : new Worker(entry, { workerData });
  const done = new Promise<void>((resolve) => {
    worker.on('message', (m: { log?: string; done?: boolean }) => {
      if (m.log) ctx.log(m.log);
      if (m.done) resolve();
    });
    worker.on('error', (e) => ctx.log(`scheduler worker failed: ${e.message}`));
    worker.on('exit', () => resolve());
  });
  const onAbort = () => worker.postMessage('stop');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return {
    name: 'scheduler',
    async stop() {
      worker.postMessage('stop');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
      ctx.signal.removeEventListener('abort', onAbort);
      await worker.terminate();
    },
  };
}
