/**
 * kube-controller-manager's secure port (10257): /healthz, /livez and /readyz
 * for anyone (upstream's always-allowed paths, `?verbose` lists the checks),
 * /metrics (workqueue metrics, Prometheus text) only for a caller the API
 * server authenticates (client certificate of the cluster CA, or a bearer
 * token via TokenReview) and authorises (SubjectAccessReview: get /metrics),
 * as upstream's delegated authentication and authorisation.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Client } from '../client/index.js';
import type { QueueMetricsRegistry } from './metrics.js';

export interface ManagerHealth {
  /** Leading and every controller started, or standing by. */
  leading: boolean;
  controllersStarted: boolean;
  /** Set when the leader election loop ended in error. */
  electionError?: string;
}

export interface ControllerManagerHealthOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  certPem: string;
  keyPem: string;
  /** Client certificates are verified against this CA. */
  clientCaPem: string;
  /** The manager's client: TokenReview and SubjectAccessReview. */
  client: Client;
  metrics: QueueMetricsRegistry;
  health: () => ManagerHealth;
  log(msg: string): void;
}

export interface RunningHealthServer {
  port: number;
  close(): Promise<void>;
}

type Who = { user: string; groups: string[] } | undefined;

async function authenticate(o: ControllerManagerHealthOptions, socket: TLSSocket, authz: string | undefined): Promise<Who> {
  // A resumed TLS session can report `authorized` with no certificate to show (no subject): not a user.
  const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
  if (peer?.subject) {
    const subj = peer.subject as unknown as Record<string, string | string[] | undefined>;
    const cn = subj.CN;
    const org = subj.O;
    return { user: Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? ''), groups: org === undefined ? [] : Array.isArray(org) ? org : [org] };
  }
  const m = /^Bearer\s+(\S+)$/i.exec(authz ?? '');
  if (!m) return undefined;
  const tr = await o.client.resource('tokenreviews.authentication.k8s.io').create({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token: m[1] } } as never);
  const st = (tr as unknown as { status?: { authenticated?: boolean; user?: { username?: string; groups?: string[] } } }).status;
  return st?.authenticated ? { user: st.user?.username ?? '', groups: st.user?.groups ?? [] } : undefined;
}

async function authorize(o: ControllerManagerHealthOptions, who: NonNullable<Who>, path: string): Promise<boolean> {
  const sar = await o.client.resource('subjectaccessreviews.authorization.k8s.io').create({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: { user: who.user, groups: who.groups, nonResourceAttributes: { path, verb: 'get' } },
  } as never);
  return (sar as unknown as { status?: { allowed?: boolean } }).status?.allowed === true;
}

function checks(h: ManagerHealth, path: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [['ping', undefined]];
  if (path !== '/livez') out.push(['leaderElection', h.electionError]);
  if (path === '/readyz') out.push(['controllers', h.leading && !h.controllersStarted ? 'controllers not started yet' : undefined]);
  return out;
}

export function startControllerManagerHealthServer(o: ControllerManagerHealthOptions): Promise<RunningHealthServer> {
  const server: Server = createServer({ cert: o.certPem, key: o.keyPem, ca: o.clientCaPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const path = url.pathname;
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const cs = checks(o.health(), path);
      const failed = cs.filter(([, err]) => err);
      const verbose = url.searchParams.has('verbose') || failed.length > 0;
      const body = verbose ? `${cs.map(([n, err]) => (err ? `[-]${n} failed: ${err}` : `[+]${n} ok`)).join('\n')}\n${path.slice(1)} check ${failed.length ? 'failed' : 'passed'}\n` : 'ok';
      res.writeHead(failed.length ? 500 : 200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(body);
      return;
    }
    if (path === '/metrics') {
      void (async () => {
        const who = await authenticate(o, req.socket as TLSSocket, req.headers.authorization);
        if (!who) return res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
        if (!(await authorize(o, who, path))) return res.writeHead(403, { 'content-type': 'text/plain' }).end(`forbidden: User "${who.user}" cannot get path "/metrics"`);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(o.metrics.render());
      })().catch((e: unknown) => {
        o.log(`controller-manager: /metrics: ${e instanceof Error ? e.message : String(e)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => {
      const port = (server.address() as AddressInfo).port;
      o.log(`controller-manager: serving securely on ${o.host ?? '0.0.0.0'}:${port}`);
      resolve({ port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
