/** The four probe handlers: exec (through the runtime), httpGet, tcpSocket, grpc — with upstream's output texts. */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { grpcProbe } from './grpc-health.js';
import type { ProbeOutcome, ProbeSpec, ProbedContainer } from './types.js';

export type ExecSync = (containerId: string, cmd: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;

export interface ProbeContext {
  podIP: string;
  containerId: string;
  container: ProbedContainer;
  execSync: ExecSync;
}

const USER_AGENT = 'kube-probe/1.32';
/** Upstream reads at most 10 KiB of a probe's HTTP body. */
const MAX_BODY = 10 * 1024;

/** A named port → its number (upstream findPortByName). */
function resolvePort(port: number | string, c: ProbedContainer): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = c.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port: ${port} in ${c.name}`);
  return p.containerPort;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's net error text for a Node socket error. */
function dialError(e: NodeJS.ErrnoException, addr: string, timedOut: boolean): string {
  if (timedOut) return `dial tcp ${addr}: i/o timeout`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    default:
      return `dial tcp ${addr}: ${e.message}`;
  }
}

export async function runProbe(p: ProbeSpec, ctx: ProbeContext, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    if (p.exec) return await execProbe(p.exec.command ?? [], ctx, timeoutMs);
    if (p.httpGet) return await httpProbe(p.httpGet, ctx, timeoutMs);
    if (p.tcpSocket) return await tcpProbe(p.tcpSocket.host || ctx.podIP, resolvePort(p.tcpSocket.port, ctx.container), timeoutMs);
    if (p.grpc) {
      const r = await grpcProbe(ctx.podIP, p.grpc.port, p.grpc.service ?? '', timeoutMs);
      return { result: r.ok ? 'success' : 'failure', output: r.output };
    }
    return { result: 'error', output: 'missing probe handler' };
  } catch (e) {
    return { result: 'error', output: e instanceof Error ? e.message : String(e) };
  }
}

async function execProbe(cmd: string[], ctx: ProbeContext, timeoutMs: number): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs + 1000);
  });
  try {
    const r = await Promise.race([ctx.execSync(ctx.containerId, cmd, timeoutMs), timeout]);
    if (r === 'timeout') return { result: 'failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
    return { result: r.exitCode === 0 ? 'success' : 'failure', output: r.output };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // The runtime reports an exec deadline as an error; upstream counts it as a failure.
    if (/deadline|timed? ?out/i.test(msg)) return { result: 'failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
    return { result: 'error', output: msg };
  } finally {
    clearTimeout(timer);
  }
}

function httpProbe(g: NonNullable<ProbeSpec['httpGet']>, ctx: ProbeContext, timeoutMs: number): Promise<ProbeOutcome> {
  const scheme = (g.scheme ?? 'HTTP').toLowerCase() === 'https' ? 'https' : 'http';
  const host = g.host || ctx.podIP;
  const port = resolvePort(g.port, ctx.container);
  let path = g.path ?? '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${scheme}://${hostPort(host, port)}${path}`;
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  const mod = scheme === 'https' ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(o);
    };
    const req = mod.request(url, { method: 'GET', headers, rejectUnauthorized: false, agent: false, setHost: !headers.host }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size));
        size += c.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString();
        if (code >= 200 && code < 400) finish({ result: 'success', output: body });
        else finish({ result: 'failure', output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (e) => finish({ result: 'failure', output: `Get "${url}": ${e.message}` }));
    });
    const timer = setTimeout(() => finish({ result: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ result: 'failure', output: `Get "${url}": ${dialError(e, hostPort(host, port), false)}` }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = hostPort(host, port);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const finish = (o: ProbeOutcome) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ result: 'failure', output: dialError(new Error('timeout'), addr, true) }), timeoutMs);
    sock.on('connect', () => finish({ result: 'success', output: '' }));
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ result: 'failure', output: dialError(e, addr, false) }));
  });
}
