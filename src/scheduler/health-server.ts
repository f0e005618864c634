/**
 * kube-scheduler's secure port (10259): /healthz, /livez, /readyz for anyone
 * (as upstream's always-allowed paths), /metrics (Prometheus text) only for
 * clients presenting a certificate signed by the cluster CA.
 */
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Scheduler } from './scheduler.js';

export interface HealthServerOptions {
  port: number;
  host?: string;
  certPem: string;
  keyPem: string;
  /** Client certificates for /metrics are verified against this CA. */
  caPem: string;
  /** The scheduler of the current leadership term (undefined while not leading). */
  current: () => Scheduler | undefined;
  log?: (m: string) => void;
}

export function metricsText(s: Scheduler | undefined): string {
  const q = s?.queue.stats() ?? { active: 0, backoff: 0, unschedulable: 0 };
  return [
    '# HELP scheduler_schedule_attempts_total Number of attempts to schedule pods, by the result.',
    '# TYPE scheduler_schedule_attempts_total counter',
    `scheduler_schedule_attempts_total{result="scheduled"} ${s?.scheduled ?? 0}`,
    `scheduler_schedule_attempts_total{result="unschedulable"} ${s?.failed ?? 0}`,
    '# HELP scheduler_pending_pods Number of pending pods, by the queue type.',
    '# TYPE scheduler_pending_pods gauge',
    `scheduler_pending_pods{queue="active"} ${q.active}`,
    `scheduler_pending_pods{queue="backoff"} ${q.backoff}`,
    `scheduler_pending_pods{queue="unschedulable"} ${q.unschedulable}`,
    '# HELP scheduler_cache_size Number of nodes and pods in the scheduler cache.',
    '# TYPE scheduler_cache_size gauge',
    `scheduler_cache_size{type="nodes"} ${s?.cache.nodeCount ?? 0}`,
    `scheduler_cache_size{type="pods"} ${s?.cache.podCount() ?? 0}`,
    `scheduler_is_leader ${s ? 1 : 0}`,
    '',
  ].join('\n');
}

/** Resolves to the listening server, or undefined (logged) when the port is taken. */
export function startHealthServer(o: HealthServerOptions): Promise<Server | undefined> {
  const server = createServer({ cert: o.certPem, key: o.keyPem, ca: o.caPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (path === '/metrics') {
      if (!(req.socket as TLSSocket).authorized) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText(o.current()));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  });
  return new Promise((resolve) => {
    server.once('error', (e) => {
      o.log?.(`scheduler: secure port ${o.port}: ${e.message}; health and metrics not served`);
      resolve(undefined);
    });
    server.listen(o.port, o.host ?? '0.0.0.0', () => {
      o.log?.(`scheduler: health and metrics on https://${o.host ?? '0.0.0.0'}:${o.port}`);
      resolve(server);
    });
  });
}
