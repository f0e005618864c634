/** Opens an HTTP/1.1 upgrade to a streaming server (the runtime's, or a kubelet's) and returns the socket after its 101. */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

export interface DialOptions {
  /** TLS client credentials when the URL is https (kubelet). */
  tls?: { caPem?: string; certPem?: string; keyPem?: string; rejectUnauthorized?: boolean; servername?: string };
  timeoutMs?: number;
}

export interface UpgradeReply {
  status: number;
  headers: Record<string, string>;
  /** The raw reply head (status line and headers, with the blank line). */
  head: Buffer;
  /** Bytes after the head (the first protocol bytes, or the error body). */
  rest: Buffer;
  socket: Duplex;
}

/** Connects to `url` (http or https). */
export function connect(url: URL, o: DialOptions = {}): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`dial ${url.host}: timed out`));
    }, o.timeoutMs ?? 10_000);
    const done = () => {
      clearTimeout(timer);
      s.off('error', fail);
      resolve(s);
    };
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(new Error(`dial ${url.host}: ${e.message}`));
    };
    const s: Duplex =
      url.protocol === 'https:'
        ? tls.connect({ host, port, ca: o.tls?.caPem, cert: o.tls?.certPem, key: o.tls?.keyPem, rejectUnauthorized: o.tls?.rejectUnauthorized ?? true, servername: o.tls?.servername ?? (net.isIP(host) ? undefined : host), ALPNProtocols: ['http/1.1'] }, done)
        : net.connect({ host, port }, done);
    s.once('error', fail);
  });
}

/** Reads an HTTP reply head from `socket`; resolves with it and whatever followed. */
export function readReplyHead(socket: Duplex, timeoutMs = 30_000): Promise<Omit<UpgradeReply, 'socket'>> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('no reply from the streaming server')), timeoutMs);
    const finish = (err?: Error, v?: Omit<UpgradeReply, 'socket'>) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onErr);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(v!);
    };
    const onErr = (e: Error) => finish(e);
    const onClose = () => finish(new Error('the streaming server closed the connection'));
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 64 * 1024) finish(new Error('reply head too large'));
        return;
      }
      socket.pause();
      const head = buf.subarray(0, end + 4);
      const lines = head.toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      finish(undefined, { status, headers, head, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', onErr);
    socket.once('close', onClose);
  });
}

/** Writes an upgrade request (method, path+query of `url`, headers) and waits for the reply head. */
export async function dialUpgrade(url: URL, method: string, headers: Record<string, string>, o: DialOptions = {}): Promise<UpgradeReply> {
  const socket = await connect(url, o);
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'host') lines.push(`${k}: ${v}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  try {
    const reply = await readReplyHead(socket, o.timeoutMs ?? 30_000);
    return { ...reply, socket };
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

/** Pipes two sockets both ways; each end's close closes the other. */
export function splice(a: Duplex, b: Duplex): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
  a.resume();
  b.resume();
}

/** The request's headers as a flat record (repeated headers joined with ", "). */
export function flatHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!;
    const key = Object.keys(out).find((x) => x.toLowerCase() === k.toLowerCase()) ?? k;
    out[key] = out[key] !== undefined ? `${out[key]}, ${raw[i + 1]!}` : raw[i + 1]!;
  }
  return out;
}
