/** Starts a throw-away single-node etcd on free loopback ports for tests, and stops it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryOrThrow } from './require.js';
import { makeTestCerts } from './test-certs.js';

export interface EtcdOptions {
  /** etcd's server-side watch progress interval (`--experimental-watch-progress-notify-interval`); default `100ms`. */
  progressNotifyInterval?: string;
  /** Extra command-line flags. */
  extraArgs?: string[];
  /** How long to wait for `/health`; default 15 s. */
  startTimeoutMs?: number;
  /** Serve clients over TLS with client-certificate auth (certificates made with openssl in the temp dir). */
  tls?: boolean;
}

/** Client-side TLS files (for `tls: true`). */
export interface EtcdClientTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface EtcdInstance {
  /** The client URL, `http://127.0.0.1:<port>` (`https://` with `tls: true`). */
  readonly endpoint: string;
  /** What a client needs to connect, with `tls: true`. */
  readonly tls?: EtcdClientTls;
  readonly dataDir: string;
  /** Directory holding the data dir and the logs (`etcd.log`, `etcd.stdout`). */
  readonly dir: string;
  readonly pid: () => number | undefined;
  /** SIGKILL etcd now (the data dir stays; `restart()` can bring it back). */
  kill(): void;
  /** Start etcd again on the same ports and data dir (after `kill`), and wait until healthy. */
  restart(): Promise<void>;
  /** Kill etcd, wait for it to exit, and remove its directory. */
  stop(): Promise<void>;
  /** The tail of etcd's log, for failure messages. */
  logTail(lines?: number): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A port that was free a moment ago on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

async function healthy(url: string, tls: EtcdClientTls | undefined): Promise<boolean> {
  if (tls) return healthyTls(url, tls);
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
    const body = (await res.json()) as { health?: unknown };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

function healthyTls(url: string, tls: EtcdClientTls): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(
      `${url}/health`,
      { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), timeout: 500 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdInstance> {
  const bin = binaryOrThrow('etcd', 'etcd-server');
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin, opts);
    } catch (err) {
      lastErr = err; // most likely a port taken between probing and binding: try new ports
    }
  }
  throw lastErr;
}

async function startOnce(bin: string, opts: EtcdOptions): Promise<EtcdInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-etcd-'));
  const dataDir = join(dir, 'data');
  const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
  let certs: ReturnType<typeof makeTestCerts> | undefined;
  try {
    certs = opts.tls ? makeTestCerts(dir) : undefined;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const tls = certs && { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile };
  const endpoint = `${certs ? 'https' : 'http'}://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const args = [
    '--name', 'k8ts-test', '--data-dir', dataDir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `k8ts-test=${peerUrl}`, '--initial-cluster-state', 'new',
    '--listen-metrics-urls', `http://127.0.0.1:${metrics}`,
    '--heartbeat-interval', '10', '--election-timeout', '100',
    '--experimental-watch-progress-notify-interval', opts.progressNotifyInterval ?? '100ms',
    '--logger', 'zap', '--log-outputs', join(dir, 'etcd.log'),
    ...(certs
      ? ['--cert-file', certs.serverCertFile, '--key-file', certs.serverKeyFile, '--trusted-ca-file', certs.caFile, '--client-cert-auth']
      : []),
    ...(opts.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  installExitHook();

  const launch = async (): Promise<void> => {
    const out = openSync(join(dir, 'etcd.stdout'), 'a');
    const c = spawn(bin, args, { stdio: ['ignore', out, out] });
    closeSync(out);
    live.add(c);
    child = c;
    let gone = false;
    exited = new Promise<void>((resolve) => {
      c.once('exit', () => {
        gone = true;
        live.delete(c);
        resolve();
      });
      c.once('error', () => {
        gone = true;
        live.delete(c);
        resolve();
      });
    });
    const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
    while (!(await healthy(endpoint, tls))) {
      if (gone) throw new Error(`etcd exited before becoming healthy:\n${tail(dir, 30)}`);
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`etcd not healthy after ${opts.startTimeoutMs ?? 15_000} ms:\n${tail(dir, 30)}`);
      }
      await sleep(20);
    }
  };

  const kill = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await launch();
  } catch (err) {
    kill();
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint,
    ...(tls ? { tls } : {}),
    dataDir,
    dir,
    pid: () => child?.pid,
    kill,
    async restart() {
      kill();
      await exited;
      await launch();
    },
    async stop() {
      kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
    logTail: (lines = 30) => tail(dir, lines),
  };
}

function tail(dir: string, lines: number): string {
  const parts: string[] = [];
  for (const f of ['etcd.stdout', 'etcd.log']) {
    const p = join(dir, f);
    if (existsSync(p)) parts.push(readFileSync(p, 'utf8').split('\n').slice(-lines).join('\n'));
  }
  return parts.join('\n');
}
