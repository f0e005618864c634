/** Starts the scheduler inside `k8ts server` in a worker thread, as the user system:kube-scheduler, leader-elected like a standalone one. */
import { Client, isAlreadyExists } from '../client/index.js';
import { Worker } from 'node:worker_threads';
import type { SchedulerWorkerData } from '../scheduler/index.js';
import { issueCertificate } from '../pki/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

/**
 * Rights k8ts's scheduler needs beyond upstream's system:kube-scheduler role:
 * PriorityClasses (k8ts has no Priority admission plugin yet, so the scheduler
 * resolves priorityClassName itself) and patching pods (the decision
 * annotation `k8ts explain` reads). Belongs in the bootstrap roles; made here
 * until it moves there.
 */
/** kube-scheduler's secure port; K8TS_SCHEDULER_SECURE_PORT overrides it (0: not served). */
export const SCHEDULER_SECURE_PORT = Number(process.env.K8TS_SCHEDULER_SECURE_PORT ?? 10259);

export const SCHEDULER_EXTRAS = 'k8ts:kube-scheduler-extras';

export async function ensureSchedulerExtras(admin: Client): Promise<void> {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: SCHEDULER_EXTRAS, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    rules: [
      { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['patch'] },
    ],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: SCHEDULER_EXTRAS, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SCHEDULER_EXTRAS },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-scheduler' }],
  };
  for (const [res, obj] of [['clusterroles.rbac.authorization.k8s.io', role], ['clusterrolebindings.rbac.authorization.k8s.io', binding]] as const) {
    await admin.resource(res).create(obj).catch((e: unknown) => {
      if (!isAlreadyExists(e)) throw e;
    });
  }
}

export async function startScheduler(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  const adminCreds = await ctx.credentialsFor('system:admin', ['system:masters']);
  const admin = new Client({ server: adminCreds.server, caPem: adminCreds.caPem, certPem: adminCreds.certPem, keyPem: adminCreds.keyPem });
  await ensureSchedulerExtras(admin).finally(() => admin.close());
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
