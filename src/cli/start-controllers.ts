/**
 * Starts the controller manager inside `k8ts server` as `system:kube-controller-manager`,
 * leader-elected like a standalone one. From the built JS it runs in a worker thread
 * (off the API server's event loop; K8TS_CONTROLLERS_INPROCESS=1 keeps it on the main
 * thread); from TypeScript sources (tsx) on the main thread, as workers lack the loader.
 * Its own user only reads (informers), holds the leader Lease and mints tokens: each
 * controller writes as its own ServiceAccount, as upstream's --use-service-account-credentials
 * (src/controllers/identities.ts). The node controllers (nodeipam, nodelifecycle,
 * taint-eviction-controller) run here too, with the server's --cluster-cidr and
 * --node-monitor-grace-period. Health and metrics are served on
 * --controller-manager-secure-port (10257 on 127.0.0.1, as k3s binds it; 0: not served),
 * with a serving certificate from the cluster CA.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from '../client/index.js';
import { runControllerManager, serveControllerManager, type ControllersWorkerData, type NodeControllerSettings, type SecureServing } from '../controllers/index.js';
import { issueCertificate, signCsr } from '../pki/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

export async function startControllers(ctx: ComponentContext): Promise<RunningComponent | undefined> {
  const creds = await ctx.credentialsFor('system:kube-controller-manager', []);
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const serving = await secureServing(ctx);
  if (ext === 'ts' || process.env.K8TS_CONTROLLERS_INPROCESS === '1') return inProcess(ctx, creds, serving);
  const workerData: ControllersWorkerData = { ...creds, caPem: ctx.pki.ca.certPem, signer: ctx.pki.ca, node: nodeSettings(ctx), storageDir: join(ctx.dataDir, 'storage'), serving };
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

/** The secure port's settings: a serving certificate for localhost from the cluster CA, client certificates checked against it. */
async function secureServing(ctx: ComponentContext): Promise<SecureServing | undefined> {
  const port = ctx.flags.controllerManagerSecurePort;
  if (!port) return undefined;
  const cert = await issueCertificate(ctx.pki.signer, { commonName: 'kube-controller-manager', dnsNames: ['localhost', 'kube-controller-manager'], ips: ['127.0.0.1'], usages: 'server' });
  return { port, host: '127.0.0.1', certPem: cert.certPem, keyPem: cert.keyPem, clientCaPem: ctx.pki.ca.certPem };
}

async function inProcess(ctx: ComponentContext, creds: Awaited<ReturnType<ComponentContext['credentialsFor']>>, secure: SecureServing | undefined): Promise<RunningComponent> {
  const client = new Client({ ...creds, qps: -1, userAgent: 'kube-controller-manager/v1.32.0 (k8ts)' });
  const serving = await serveControllerManager(client, secure, (msg) => ctx.log(msg));
  const abort = new AbortController();
  ctx.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const done = runControllerManager({
    client,
    signal: abort.signal,
    log: (msg) => ctx.log(msg),
    caPem: ctx.pki.ca.certPem,
    signCsr: (pem, usages, days) => signCsr(ctx.pki.signer, pem, { usages, days }),
    serviceAccountCredentials: { server: creds.server, caPem: creds.caPem },
    node: nodeSettings(ctx),
    storageDir: join(ctx.dataDir, 'storage'),
    ...serving.hooks,
  });
  return {
    name: 'controllers',
    async stop() {
      abort.abort();
      await done;
      await serving.close();
      await client.close();
    },
  };
}
