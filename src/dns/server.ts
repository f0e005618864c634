/**
 * The cluster DNS server: UDP and TCP on one port, answers for the cluster
 * zone from `ClusterZone` (informer caches), everything else forwarded to the
 * host's resolvers (`/etc/resolv.conf` nameservers), as CoreDNS's
 * `kubernetes` + `forward` plugins do.
 *
 * Hot path: an answer from the zone is encoded once and kept, keyed by the
 * raw question bytes (+ transport, size limit, EDNS and RD), until the next
 * Service/EndpointSlice change; a repeat query costs a header parse, one
 * map lookup, a buffer copy with the new ID and a few counter increments
 * (no dns-packet decode/encode). The UDP socket resolves IP-literal
 * destinations synchronously (Node's default `dns.lookup` defers every
 * send by a tick even for an IP).
 *
 * UDP answers larger than the client's limit (512 bytes, or its EDNS size,
 * at most 4096) are cut to fit and marked TC, so clients retry over TCP.
 * Forwarded answers are relayed byte for byte (with upstream's TC).
 * @module
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect, isIP, type AddressInfo, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import { readFileSync } from 'node:fs';
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type RecordType } from 'dns-packet';
import { DnsMetrics, type Tally } from './metrics.js';
import type { DnsSource } from './source.js';
import { ClusterZone, NOERROR, NOTIMP, REFUSED, SERVFAIL, type ZoneAnswer } from './zone.js';

const FORMERR = 1;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RA = 0x0080;

export interface DnsServerOptions {
  source: DnsSource;
  /** Cluster domain (default `cluster.local`). */
  domain?: string;
  ttl?: number;
  /** Listen address (default `0.0.0.0`). */
  host?: string;
  /** UDP and TCP port (default 53; 0 picks a free port, the same for both). */
  port?: number;
  /** Upstream resolvers (`ip` or `ip:port`); default: the nameservers of `resolvConf`. */
  upstreams?: string[];
  /** Default `/etc/resolv.conf`. */
  resolvConf?: string;
  /** Per-upstream timeout of a forwarded query (default 2 s). */
  forwardTimeoutMs?: number;
  /** Serve `/metrics`, `/health` and `/ready` over HTTP on this port (0: a free port; undefined: not served). */
  metricsPort?: number;
  /** Default: `host`. */
  metricsHost?: string;
  log?: (msg: string) => void;
}

export interface Upstream {
  host: string;
  port: number;
}

/** `ip`, `ip:port`, `[v6]:port` → host and port. */
export function parseUpstream(s: string): Upstream {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (m) return { host: m[1]!, port: Number(m[2] ?? 53) };
  const parts = s.split(':');
  if (parts.length === 2) return { host: parts[0]!, port: Number(parts[1]) };
  return { host: s, port: 53 };
}

/** The `nameserver` lines of a resolv.conf (missing file: none). */
export function resolvConfNameservers(path: string): Upstream[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push({ host: m[1]!.replace(/%.*$/, ''), port: 53 });
  }
  return out;
}

/** Offset just past the question section of a one-question query, or -1. */
function questionEnd(buf: Buffer): number {
  let o = 12;
  while (o < buf.length) {
    const len = buf[o]!;
    if (len === 0) return o + 5 <= buf.length ? o + 5 : -1;
    if (len & 0xc0) return -1;
    o += len + 1;
  }
  return -1;
}

/** An encoded answer and its metric cells (per client family), resolved once. */
interface CachedAnswer {
  buf: Buffer;
  qtype: string;
  proto: 'udp' | 'tcp';
  response: Tally;
  request: [Tally | undefined, Tally | undefined];
}

/** `dns.lookup` that answers IP literals synchronously (every UDP send goes through the socket's lookup). */
function literalLookup(host: string, opts: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  const fam = isIP(host);
  if (fam) cb(null, host, fam);
  else dnsLookup(host, opts as never, cb as never);
}

export class DnsServer {
  readonly zone: ClusterZone;
  readonly metrics = new DnsMetrics();
  private readonly opts: DnsServerOptions;
  private udp?: Socket;
  private tcp?: TcpServer;
  private http?: HttpServer;
  private readonly tcpConns = new Set<TcpSocket>();
  private readonly answerCache = new Map<string, CachedAnswer>();
  private cacheGen = -1;
  private upstreamList: Upstream[];
  private boundPort = 0;
  private boundMetricsPort = 0;

  constructor(opts: DnsServerOptions) {
    this.opts = opts;
    this.zone = new ClusterZone(opts.source, { domain: opts.domain, ttl: opts.ttl });
    this.upstreamList = opts.upstreams ? opts.upstreams.map(parseUpstream) : resolvConfNameservers(opts.resolvConf ?? '/etc/resolv.conf');
  }

  get host(): string {
    return this.opts.host ?? '0.0.0.0';
  }
  get port(): number {
    return this.boundPort;
  }
  get metricsPort(): number {
    return this.boundMetricsPort;
  }
  get upstreams(): Upstream[] {
    return this.upstreamList;
  }

  /** Bind UDP and TCP (same port) and the metrics endpoint. */
  async start(): Promise<void> {
    const host = this.opts.host ?? '0.0.0.0';
    const want = this.opts.port ?? 53;
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalLookup as never });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: host, port: want, exclusive: true }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const port = udp.address().port;
      const tcp = createTcpServer((s) => this.onTcp(s));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host, port, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        // Port 0: the free UDP port may be taken for TCP; try another.
        if (want === 0 && attempt < 20 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw e;
      }
      udp.on('message', (msg, rinfo) => {
        const started = performance.now();
        const hit = this.cached(msg, 'udp', rinfo.family === 'IPv6' ? 2 : 1);
        if (hit) {
          udp.send(hit, rinfo.port, rinfo.address);
          this.metrics.observeDuration(performance.now() - started);
          return;
        }
        void this.handle(msg, 'udp', rinfo.family === 'IPv6' ? 2 : 1).then(
          (out) => {
            if (out) udp.send(out, rinfo.port, rinfo.address);
            this.metrics.observeDuration(performance.now() - started);
          },
          (e: unknown) => this.opts.log?.(`dns: udp query failed: ${String(e)}`),
        );
      });
      udp.on('error', (e) => this.opts.log?.(`dns: udp socket error: ${e.message}`));
      this.udp = udp;
      this.tcp = tcp;
      this.boundPort = port;
      break;
    }
    if (this.opts.metricsPort !== undefined) {
      const http = createHttpServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/metrics') {
          void this.metrics.registry.metrics().then((text) => {
            res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
            res.end(text);
          });
        } else if (path === '/health' || path === '/ready' || path === '/healthz') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('OK');
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen({ host: this.opts.metricsHost ?? host, port: this.opts.metricsPort }, () => {
          http.off('error', reject);
          resolve();
        });
      });
      this.http = http;
      this.boundMetricsPort = (http.address() as AddressInfo).port;
    }
  }

  async close(): Promise<void> {
    this.udp?.close();
    for (const s of this.tcpConns) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
      new Promise<void>((r) => {
        if (!this.http) return r();
        this.http.closeAllConnections();
        this.http.close(() => r());
      }),
    ]);
  }

  private onTcp(sock: TcpSocket): void {
    this.tcpConns.add(sock);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('close', () => this.tcpConns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const started = performance.now();
        void this.handle(msg, 'tcp', sock.remoteFamily === 'IPv6' ? 2 : 1).then(
          (out) => {
            if (!out || sock.destroyed) return;
            const len2 = Buffer.alloc(2);
            len2.writeUInt16BE(out.length);
            sock.write(Buffer.concat([len2, out]));
            this.metrics.observeDuration(performance.now() - started);
          },
          (e: unknown) => this.opts.log?.(`dns: tcp query failed: ${String(e)}`),
        );
      }
    });
  }

  /**
   * One query in, one reply out (undefined: drop it). `family` is the
   * client's address family (1 IPv4, 2 IPv6), for the metrics.
   */
  async handle(msg: Buffer, proto: 'udp' | 'tcp', family: 1 | 2 = 1): Promise<Buffer | undefined> {
    if (msg.length < 12 || msg[2]! & 0x80) return undefined; // too short, or a response
    const hit = this.cached(msg, proto, family);
    if (hit) return hit;
    return this.answer(msg, proto, family, this.cacheKey(msg, proto));
  }

  /**
   * The cache key of a plain one-question query (+ optional OPT), or
   * undefined: one character for transport, size limit, EDNS and RD, then the
   * question's bytes.
   */
  private cacheKey(msg: Buffer, proto: 'udp' | 'tcp'): string | undefined {
    if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return undefined;
    const ar = msg[11]!;
    if (ar > 1) return undefined;
    const qEnd = questionEnd(msg);
    if (qEnd < 0) return undefined;
    let limit = 512;
    let edns = 0;
    if (ar === 1) {
      if (!(msg.length >= qEnd + 11 && msg[qEnd] === 0 && msg[qEnd + 1] === 0 && msg[qEnd + 2] === 41)) return undefined;
      edns = 1;
      limit = Math.min(4096, Math.max(512, (msg[qEnd + 3]! << 8) | msg[qEnd + 4]!));
    }
    // limit ≤ 4096: the variant fits one UTF-16 unit.
    const variant = ((proto === 'tcp' ? 0 : limit) << 3) | (proto === 'tcp' ? 4 : 0) | (edns << 1) | (msg[2]! & 1);
    return String.fromCharCode(variant) + msg.toString('latin1', 12, qEnd);
  }

  /** Synchronous fast path: a repeat query answered from the encoded-answer cache. */
  private cached(msg: Buffer, proto: 'udp' | 'tcp', family: 1 | 2): Buffer | undefined {
    if (this.cacheGen !== this.opts.source.generation) {
      this.answerCache.clear();
      this.cacheGen = this.opts.source.generation;
      return undefined;
    }
    if (this.answerCache.size === 0 || msg.length < 12 || msg[2]! & 0x80) return undefined;
    const key = this.cacheKey(msg, proto);
    const hit = key === undefined ? undefined : this.answerCache.get(key);
    if (!hit) return undefined;
    const out = Buffer.allocUnsafe(hit.buf.length);
    hit.buf.copy(out);
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    const request = hit.request[family - 1] ?? (hit.request[family - 1] = this.metrics.requestCell(proto, family, hit.qtype));
    this.metrics.countCached(request, hit.response);
    return out;
  }

  private async answer(msg: Buffer, proto: 'udp' | 'tcp', family: 1 | 2, key: string | undefined): Promise<Buffer | undefined> {
    let q: DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return this.errorReply(msg, FORMERR);
    }
    const question = q.questions?.[0];
    const opcode = (msg[2]! >> 3) & 0xf;
    if (opcode !== 0) return this.errorReply(msg, NOTIMP);
    if (!question || (q.questions?.length ?? 0) !== 1) return this.errorReply(msg, FORMERR);
    const opt = q.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const limit = proto === 'tcp' ? 65535 : opt ? Math.min(4096, Math.max(512, opt.udpPayloadSize ?? 512)) : 512;
    this.metrics.countRequest(proto, family, question.type);
    if (question.class && question.class !== 'IN') return this.reply(q, { rcode: REFUSED, authoritative: false, answers: [], authorities: [], additionals: [] }, limit, !!opt);
    const ans = this.zone.resolve(question.name, question.type);
    if (ans.forward) {
      const out = await this.forward(msg, proto);
      if (out) return out;
      return this.reply(q, { rcode: SERVFAIL, authoritative: false, answers: [], authorities: [], additionals: [] }, limit, !!opt);
    }
    if (ans.chase) {
      const up = await this.lookupUpstream(ans.chase.name, ans.chase.type);
      if (up) {
        ans.answers.push(...up.answers);
        ans.rcode = up.rcode;
        if (up.answers.length === 0) ans.authorities = up.authorities;
      }
      return this.reply(q, ans, limit, !!opt);
    }
    const out = this.reply(q, ans, limit, !!opt);
    if (key !== undefined && this.answerCache.size < 100_000 && this.cacheGen === this.opts.source.generation) {
      this.answerCache.set(key, { buf: Buffer.from(out), qtype: question.type, proto, response: this.metrics.responseCell(out[3]! & 0xf), request: [undefined, undefined] });
    }
    return out;
  }

  private errorReply(msg: Buffer, rcode: number): Buffer {
    const out = Buffer.alloc(12);
    msg.copy(out, 0, 0, 2);
    out.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & RD) | RA | rcode, 2);
    this.metrics.countResponse(rcode);
    return out;
  }

  private reply(q: DecodedPacket, ans: ZoneAnswer, limit: number, edns: boolean): Buffer {
    const flags = (ans.authoritative ? AA : 0) | ((q.flags ?? 0) & RD) | RA | (ans.rcode & 0xf);
    const additionals: Answer[] = [...ans.additionals];
    const opt = { name: '.', type: 'OPT', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as unknown as Answer;
    const packet: Packet = { type: 'response', id: q.id, flags, questions: q.questions, answers: ans.answers, authorities: ans.authorities, additionals: edns ? [...additionals, opt] : additionals };
    let out = dnsPacket.encode(packet);
    if (out.length > limit) {
      // Cut to fit: additionals first, then answers, and say so (TC): the client retries over TCP.
      packet.flags = flags | TC;
      packet.additionals = edns ? [opt] : [];
      packet.authorities = [];
      let answers = ans.answers;
      out = dnsPacket.encode({ ...packet, answers });
      while (out.length > limit && answers.length > 0) {
        answers = answers.slice(0, Math.max(0, Math.min(answers.length - 1, Math.floor((answers.length * limit) / out.length))));
        out = dnsPacket.encode({ ...packet, answers });
      }
    }
    this.metrics.countResponse(ans.rcode);
    return out;
  }

  /** Relay a query to the upstreams in turn; their reply, byte for byte. */
  private async forward(msg: Buffer, proto: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    for (const up of this.upstreamList) {
      this.metrics.countForward(`${up.host}:${up.port}`);
      try {
        const out = proto === 'tcp' ? await this.exchangeTcp(up, msg) : await this.exchangeUdp(up, msg);
        if (out) return out;
      } catch (e) {
        this.opts.log?.(`dns: upstream ${up.host}:${up.port} failed: ${(e as Error).message}`);
      }
    }
    return undefined;
  }

  /** Resolve a name upstream (ExternalName targets): its answers and rcode. */
  private async lookupUpstream(name: string, type: RecordType): Promise<{ rcode: number; answers: Answer[]; authorities: Answer[] } | undefined> {
    const query = dnsPacket.encode({ type: 'query', id: (Math.random() * 65536) | 0, flags: RD, questions: [{ name, type, class: 'IN' }] });
    let out = await this.forward(query, 'udp');
    if (out && out[2]! & (TC >> 8)) out = await this.forward(query, 'tcp');
    if (!out) return undefined;
    try {
      const p = dnsPacket.decode(out);
      return { rcode: (p.flags ?? 0) & 0xf, answers: p.answers ?? [], authorities: p.authorities ?? [] };
    } catch {
      return undefined;
    }
  }

  private exchangeUdp(up: Upstream, msg: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const s = createSocket(up.host.includes(':') ? 'udp6' : 'udp4');
      const id = msg.readUInt16BE(0);
      const done = (b?: Buffer) => {
        clearTimeout(t);
        s.close();
        resolve(b);
      };
      const t = setTimeout(() => done(undefined), this.opts.forwardTimeoutMs ?? 2000);
      s.on('error', () => done(undefined));
      s.on('message', (b) => {
        if (b.length >= 12 && b.readUInt16BE(0) === id) done(b);
      });
      s.send(msg, up.port, up.host);
    });
  }

  private exchangeTcp(up: Upstream, msg: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const s = connect({ host: up.host, port: up.port });
      let buf = Buffer.alloc(0);
      const done = (b?: Buffer) => {
        clearTimeout(t);
        s.destroy();
        resolve(b);
      };
      const t = setTimeout(() => done(undefined), this.opts.forwardTimeoutMs ?? 2000);
      s.on('error', () => done(undefined));
      s.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(msg.length);
        s.write(Buffer.concat([len, msg]));
      });
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
    });
  }
}

