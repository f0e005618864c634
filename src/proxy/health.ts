/**
 * The proxy's HTTP endpoints: /healthz and /livez (upstream's healthz server
 * on 10256) and /metrics; and one server per healthCheckNodePort for Services
 * with externalTrafficPolicy Local, answering 200 only while this node has
 * local endpoints (what cloud load balancers probe).
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthState {
  /** Time of the last successful sync (ms since epoch), 0 before the first. */
  lastUpdated(): number;
  /** Time the oldest unsynced change arrived, 0 when none pending. */
  oldestPending(): number;
  /** How stale a pending change may get before unhealthy. */
  healthTimeoutMs: number;
}

export async function startHealthServer(host: string, port: number, state: HealthState, metrics: Registry): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      const now = Date.now();
      const last = state.lastUpdated();
      const pending = state.oldestPending();
      const healthy = last > 0 && (pending === 0 || now - pending < state.healthTimeoutMs);
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
      res.end(JSON.stringify({ lastUpdated: last ? new Date(last).toISOString() : '', currentTime: new Date(now).toISOString(), nodeEligible: true }));
      return;
    }
    if (path === '/metrics') {
      metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        },
      );
      return;
    }
    res.writeHead(404);
    res.end('404 page not found\n');
  });
  const bound = await listen(server, host, port);
  return { port: bound, close: () => closeServer(server) };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export interface HealthCheckService {
  namespace: string;
  name: string;
  port: number;
  localEndpoints: number;
}

/** The healthCheckNodePort servers, reconciled to the Services that need them. */
export class ServiceHealthServers {
  private readonly servers = new Map<number, { server: Server; svc: HealthCheckService }>();

  constructor(
    private readonly host: string,
    private readonly log: (m: string) => void,
  ) {}

  async sync(wanted: HealthCheckService[]): Promise<void> {
    const byPort = new Map(wanted.map((w) => [w.port, w]));
    for (const [port, s] of this.servers) {
      if (!byPort.has(port)) {
        this.servers.delete(port);
        await closeServer(s.server);
      }
    }
    for (const w of wanted) {
      const cur = this.servers.get(w.port);
      if (cur) {
        cur.svc = w;
        continue;
      }
      const entry = { server: undefined as unknown as Server, svc: w };
      entry.server = createServer((_req, res) => {
        const s = entry.svc;
        res.writeHead(s.localEndpoints > 0 ? 200 : 503, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
        res.end(JSON.stringify({ service: { namespace: s.namespace, name: s.name }, localEndpoints: s.localEndpoints, serviceProxyHealthy: true }));
      });
      try {
        await listen(entry.server, this.host, w.port);
        this.servers.set(w.port, entry);
      } catch (e) {
        this.log(`proxy: health check node port ${w.port} for ${w.namespace}/${w.name}: ${(e as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((s) => closeServer(s.server)));
  }
}
