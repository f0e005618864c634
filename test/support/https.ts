/** Raw HTTPS calls to a test server with the admin certificate (or another, or none). */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { K8tsServer } from './k8ts-server.js';

export interface Reply {
  code: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  json<T = Record<string, unknown>>(): T;
}

export interface CallOptions {
  body?: string | Buffer | object;
  type?: string;
  /** Client certificate; null for none (anonymous); default the admin's. */
  cert?: { cert: string; key: string } | null;
  headers?: Record<string, string>;
}

export function call(s: K8tsServer, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const pki = join(s.dataDir, 'pki');
  const cert = opts.cert === null ? undefined : (opts.cert ?? { cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8') });
  const body = opts.body === undefined || typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const type = opts.type ?? (opts.body !== undefined && typeof opts.body === 'object' && !Buffer.isBuffer(opts.body) ? 'application/json' : undefined);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: s.port, method, path, ca: readFileSync(join(pki, 'ca.crt')), ...(cert ?? {}), headers: { ...(type ? { 'Content-Type': type } : {}), ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...(opts.headers ?? {}) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text, headers: res.headers, json: <T>() => JSON.parse(text) as T }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Open a watch and collect its event lines until `stop()`. */
export function watchLines(s: K8tsServer, path: string): { lines: string[]; stop: () => void; ended: Promise<void> } {
  const pki = join(s.dataDir, 'pki');
  const lines: string[] = [];
  let buf = '';
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const req = request(
    { host: '127.0.0.1', port: s.port, method: 'GET', path, ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) },
    (res) => {
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', done);
      res.on('error', done);
    },
  );
  req.on('error', done);
  req.end();
  return { lines, stop: () => req.destroy(), ended };
}

export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
