/**
 * Starts the controller manager inside `k8ts server` as `system:kube-controller-manager`,
 * leader-elected like a standalone one. From the built JS it runs in a worker thread
 * (off the API server's event loop; K8TS_CONTROLLERS_INPROCESS=1 keeps it on the main
 * thread); from TypeScript sources (tsx) on the main thread, as workers lack the loader.
 * Its own user only reads (informers), holds the leader Lease and mints tokens: each
 * controller writes as its own ServiceAccount, as upstream's --use-service-account-credentials
 * (src/controllers/identities.ts). The node controllers (nodeipam, nodelifecycle,
 * taint-eviction-controller) run here too, with the server's --cluster-cidr and
 * --node-monitor-grace-period.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from '../client/index.js';
import { runControllerManager, type ControllersWorkerData, type NodeControllerSettings } from '../controllers/index.js';
import { signCsr } from '../pki/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

export async function startControllers(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  const creds = await ctx.credentialsFor('system:kube-controller-manager', []);
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  if (ext === 'ts' || process.env.K8TS_CONTROLLERS_INPROCESS === '1') return inProcess(ctx, creds);
  const workerData: ControllersWorkerData = { ...creds, caPem: ctx.pki.ca.certPem, signer: ctx.pki.ca, node: nodeSettings(ctx), storageDir: join(ctx.dataDir, 'storage') };
  const worker = new Worker(new URL(`../controllers/worker-main.${ext}`, import.meta.url), { workerData });
  const done = new Promise<void>((resolve) => {
    worker.on('message', (m: { log?: string; done?: boolean }) => {
      if (m.log) ctx.log(m.log);
      if (m.done) resolve();
    });
    worker.on('error', (e) => ctx.log(`controllers worker failed: ${e.message}`));
    worker.on('exit', () => resolve());
  });
  const onAbort = () => worker.postMessage('stop');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return {
    name: 'controllers',
    async stop() {
      worker.postMessage('stop');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
      ctx.signal.removeEventListener('abort', onAbort);
      await worker.terminate();
    },
  };
}

/** The node controllers' settings from `k8ts server`'s flags. */
export function nodeSettings(ctx: ComponentContext): NodeControllerSettings {
  return { clusterCIDR: ctx.flags.clusterCIDR, gracePeriodMs: ctx.flags.nodeMonitorGracePeriodMs };
}

async function inProcess(ctx: ComponentContext, creds: Awaited<ReturnType<ComponentContext['credentialsFor']>>): Promise<RunningComponent> {
  const client = new Client({ ...creds, qps: -1, userAgent: 'kube-controller-manager/v1.32.0 (k8ts)' });
  const abort = new AbortController();
  ctx.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const done = runControllerManager({
    client,
    signal: abort.signal,
    log: (msg) => ctx.log(msg),
    caPem: ctx.pki.ca.certPem,
    signCsr: (pem, usages) => signCsr(ctx.pki.signer, pem, { usages }),
    serviceAccountCredentials: { server: creds.server, caPem: creds.caPem },
    node: nodeSettings(ctx),
    storageDir: join(ctx.dataDir, 'storage'),
  });
  return {
    name: 'controllers',
    async stop() {
      abort.abort();
      await done;
      await client.close();
    },
  };
}
