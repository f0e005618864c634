/**
 * The kubelet's streaming endpoints (/exec, /attach, /portForward): the runtime
 * returns the URL of its streaming server (containerd's speaks SPDY/3.1 and
 * the pre-v5 WebSocket protocols); the kubelet bridges the client to it:
 *
 * - WebSocket `v5.channel.k8s.io` (kubectl 1.30+ exec/attach) is terminated
 *   here and translated to SPDY `v4.channel.k8s.io` streams, so stdin close
 *   (`[255, 0]`) reaches the process as a FIN on its stdin stream;
 * - WebSocket `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+ port-forward) is
 *   unwrapped: the messages' bytes are already SPDY, relayed to a SPDY upgrade;
 * - anything else (kubectl's SPDY fallback, older WebSocket protocols) is
 *   passed through unchanged as a raw upgraded connection.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExecOptions } from '../runtime.js';
import { SpdyClient } from './spdy.js';
import { dialUpgrade, flatHeaders, splice } from './upstream-dial.js';

export const V5_PROTOCOL = 'v5.channel.k8s.io';
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export class StreamRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export type StreamPath =
  | { kind: 'exec' | 'attach'; namespace: string; name: string; uid?: string; container: string; command: string[]; options: ExecOptions }
  | { kind: 'portForward'; namespace: string; name: string; uid?: string; ports: number[] };

const truthy = (q: URLSearchParams, k: string) => q.get(k) === 'true' || q.get(k) === '1';

/** `/exec|attach/{ns}/{pod}[/{uid}]/{container}?command=…&stdin=…` and `/portForward/{ns}/{pod}[/{uid}]`. */
export function parseStreamPath(url: URL): StreamPath {
  const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [kind, namespace = '', name = ''] = segs;
  const q = url.searchParams;
  if (kind === 'portForward') {
    if (!namespace || !name || segs.length > 4) throw new StreamRequestError(404, '404 page not found');
    const ports = q.getAll('port').flatMap((p) => p.split(',')).filter(Boolean).map(Number);
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new StreamRequestError(400, `invalid port: ${q.getAll('port').join(',')}`);
    return { kind, namespace, name, uid: segs[3], ports };
  }
  if (kind !== 'exec' && kind !== 'attach' && kind !== 'run') throw new StreamRequestError(404, '404 page not found');
  if (segs.length !== 4 && segs.length !== 5) throw new StreamRequestError(404, '404 page not found');
  const uid = segs.length === 5 ? segs[3] : undefined;
  const container = segs[segs.length - 1]!;
  const options: ExecOptions = { stdin: truthy(q, 'stdin') || truthy(q, 'input'), stdout: truthy(q, 'stdout') || truthy(q, 'output'), stderr: truthy(q, 'stderr') || truthy(q, 'error'), tty: truthy(q, 'tty') };
  if (options.tty) options.stderr = false;
  const command = q.getAll('command');
  if (kind !== 'attach' && !command.length) throw new StreamRequestError(400, 'you must specify at least one command for the container');
  if (!options.stdin && !options.stdout && !options.stderr) throw new StreamRequestError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  return { kind: kind === 'run' ? 'exec' : kind, namespace, name, uid, container, command, options };
}

/** One WebSocket server per subprotocol we terminate: the reply echoes exactly that one. */
const servers = new Map<string, WebSocketServer>();

function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  let wss = servers.get(protocol);
  if (!wss) servers.set(protocol, (wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, handleProtocols: (p) => (p.has(protocol) ? protocol : false) })));
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

function offered(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  return (Array.isArray(h) ? h.join(',') : (h ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
}

/** Bridge one upgrade request to the runtime's streaming server at `target`. */
export async function handleStreamUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: string, kind: StreamPath['kind'], log: (msg: string) => void, exec?: ExecOptions): Promise<void> {
  const url = new URL(target);
  const isWs = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
  const protocols = offered(req);
  if (isWs && kind !== 'portForward' && protocols.includes(V5_PROTOCOL)) return execOverV5(req, socket, head, url, exec ?? optionsFrom(req), log);
  if (isWs && kind === 'portForward' && protocols.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) return portForwardTunnel(req, socket, head, url);
  return passThrough(req, socket, head, url);
}

function optionsFrom(req: IncomingMessage): ExecOptions {
  const q = new URL(req.url ?? '/', 'https://x').searchParams;
  const tty = truthy(q, 'tty');
  return { stdin: truthy(q, 'stdin'), stdout: truthy(q, 'stdout'), stderr: truthy(q, 'stderr') && !tty, tty };
}

/** The client's own upgrade request, replayed against the runtime; both directions then flow untouched. */
async function passThrough(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
  const headers = flatHeaders(req.rawHeaders);
  for (const k of Object.keys(headers)) if (/^(host|authorization|content-length)$/i.test(k)) delete headers[k];
  const up = await dialUpgrade(url, req.method ?? 'GET', headers);
  socket.write(Buffer.concat([up.head, up.rest]));
  if (head.length) up.socket.write(head);
  splice(socket, up.socket);
}

async function spdyUpgrade(url: URL, protocol: string) {
  const up = await dialUpgrade(url, 'POST', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocol, 'Content-Length': '0' });
  if (up.status !== 101) {
    up.socket.destroy();
    throw new StreamRequestError(up.status >= 400 && up.status < 600 ? up.status : 500, `the runtime's streaming server refused the upgrade: ${up.rest.toString('utf8').trim() || `HTTP ${up.status}`}`);
  }
  return up;
}

/** kubectl port-forward over WebSocket: the messages carry SPDY frames; relay them to a SPDY upgrade. */
async function portForwardTunnel(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
  const up = await spdyUpgrade(url, 'portforward.k8s.io');
  const ws = await acceptWebSocket(req, socket, head, PORT_FORWARD_TUNNEL_PROTOCOL);
  const s = up.socket;
  if (up.rest.length) ws.send(up.rest, { binary: true });
  ws.on('message', (d: Buffer | ArrayBuffer | Buffer[]) => s.write(Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d)));
  s.on('data', (d: Buffer) => ws.send(d, { binary: true }));
  s.resume();
  const closeBoth = () => {
    s.destroy();
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  ws.on('close', closeBoth);
  ws.on('error', closeBoth);
  s.on('close', closeBoth);
  s.on('error', closeBoth);
}

const SUCCESS = Buffer.from('{"metadata":{},"status":"Success"}');

/** kubectl exec/attach over WebSocket v5, translated to SPDY v4.channel.k8s.io towards the runtime. */
async function execOverV5(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, o: ExecOptions, log: (msg: string) => void): Promise<void> {
  const up = await spdyUpgrade(url, 'v4.channel.k8s.io');
  const ws = await acceptWebSocket(req, socket, head, V5_PROTOCOL);
  const spdy = new SpdyClient(up.socket);
  const errStream = spdy.open({ streamtype: 'error' });
  const stdin = o.stdin ? spdy.open({ streamtype: 'stdin' }) : undefined;
  const stdout = o.stdout ? spdy.open({ streamtype: 'stdout' }) : undefined;
  const stderr = o.stderr && !o.tty ? spdy.open({ streamtype: 'stderr' }) : undefined;
  const resize = o.tty ? spdy.open({ streamtype: 'resize' }) : undefined;
  up.socket.resume();
  spdy.feed(up.rest);
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  stdout?.on('data', (d: Buffer) => send(1, d));
  stderr?.on('data', (d: Buffer) => send(2, d));
  const status: Buffer[] = [];
  errStream.on('data', (d: Buffer) => status.push(d));
  let pending = [errStream, stdout, stderr].filter((s) => s !== undefined).length;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    const st = Buffer.concat(status);
    send(3, st.length ? st : SUCCESS);
    if (ws.readyState === ws.OPEN) ws.close(1000);
    spdy.close();
  };
  let grace: NodeJS.Timeout | undefined;
  for (const s of [errStream, stdout, stderr]) {
    s?.once('end', () => {
      pending--;
      if (pending <= 0) finish();
      else if (s === errStream) grace ??= setTimeout(finish, 1000); // output streams normally end with the status
    });
  }
  spdy.once('close', () => {
    clearTimeout(grace);
    finish();
  });
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const d = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!d.length) return;
    const ch = d[0]!;
    const body = d.subarray(1);
    if (ch === 0) stdin?.write(body);
    else if (ch === 4) resize?.write(body);
    else if (ch === 255) {
      if (body[0] === 0) stdin?.end();
    }
  });
  const abort = () => {
    clearTimeout(grace);
    if (!finished) {
      finished = true;
      spdy.close();
    }
  };
  ws.on('close', abort);
  ws.on('error', (e) => {
    log(`kubelet: exec stream: ${e.message}`);
    abort();
  });
}
