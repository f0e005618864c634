/**
 * Starts k8ts's metrics-server inside `k8ts server` (k3s deploys
 * metrics-server as a pod behind an APIService; here the API server asks it
 * in-process): an API client as `system:metrics-server` for nodes and pods,
 * scraping kubelets with the API server's kubelet client certificate, and
 * registered as the API server's metrics.k8s.io provider.
 * `--disable metrics-server` leaves the group unserved (the HPA then reads
 * sim annotations, kubectl top says the Metrics API is not available).
 */
import type { ApiServer } from '../apiserver/index.js';
import { Client } from '../client/index.js';
import { MetricsServer } from '../metrics-server/index.js';
import type { ComponentContext, RunningComponent } from './component-context.js';

export const METRICS_SERVER_USER = 'system:metrics-server';

export async function startMetricsServer(ctx: ComponentContext, server: ApiServer, resolutionMs: number): Promise<RunningComponent> {
  const client = new Client({ ...(await ctx.credentialsFor(METRICS_SERVER_USER, [])), qps: -1, userAgent: 'metrics-server/v0.7.2 (k8ts)' });
  const ms = new MetricsServer({
    client,
    kubeletCredentials: { certPem: ctx.pki.apiserverKubeletClient.certPem, keyPem: ctx.pki.apiserverKubeletClient.keyPem, caPem: ctx.pki.ca.certPem },
    resolutionMs,
    log: ctx.log,
  });
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  server.setResourceMetrics(ms);
  void ms.start(abort.signal).catch((e: unknown) => ctx.log(`metrics-server: ${e instanceof Error ? e.message : String(e)}`));
  ctx.log(`metrics-server: serving metrics.k8s.io/v1beta1, scraping kubelets every ${resolutionMs / 1000}s`);
  return {
    name: 'metrics-server',
    async stop() {
      server.setResourceMetrics(undefined);
      ctx.signal.removeEventListener('abort', onAbort);
      abort.abort();
      ms.stop();
      await client.close();
    },
  };
}
