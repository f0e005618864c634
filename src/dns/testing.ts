/**
 * Test helpers: a fake upstream resolver on loopback (UDP + TCP) with fixed
 * records, and `dig` as a child process. Not part of the public surface.
 * @module
 */
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { execFile } from 'node:child_process';
import dnsPacket, { type Answer } from 'dns-packet';

export interface FakeUpstream {
  port: number;
  /** Names asked, lowercase, in order. */
  asked: string[];
  close(): Promise<void>;
}

/** Answers `records[name]` (A/AAAA/TXT as given), NXDOMAIN for other names. Over UDP, answers over 512 bytes are sent empty with TC. */
export async function startFakeUpstream(records: Record<string, Answer[]>): Promise<FakeUpstream> {
  const asked: string[] = [];
  const answer = (msg: Buffer, tcp: boolean): Buffer => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    const name = question.name.toLowerCase();
    asked.push(name);
    const rrs = (records[name] ?? []).filter((r) => r.type === question.type);
    const flags = 0x0100 | 0x0080 | (records[name] ? 0 : 3);
    let out = dnsPacket.encode({ type: 'response', id: q.id, flags, questions: q.questions, answers: rrs });
    if (!tcp && out.length > 512) out = dnsPacket.encode({ type: 'response', id: q.id, flags: flags | 0x0200, questions: q.questions, answers: [] });
    return out;
  };
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  udp.on('message', (m, rinfo) => udp.send(answer(m, false), rinfo.port, rinfo.address));
  const conns = new Set<Socket>();
  const tcp = createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    let buf: Buffer = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)), true);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        s.write(Buffer.concat([len, out]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (tcp.address() as AddressInfo).port,
    asked,
    async close() {
      udp.close();
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}

export interface DigResult {
  status: string;
  flags: string[];
  answers: string[];
  authority: string[];
  additional: string[];
  raw: string;
}

/** Run (asynchronously: the server may share this process) `dig @127.0.0.1 -p PORT args…` and parse its sections (records as `name ttl class type data` with tabs collapsed). */
export async function dig(port: number, args: string[], server = '127.0.0.1', env?: NodeJS.ProcessEnv): Promise<DigResult> {
  const r = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    execFile('dig', [`@${server}`, '-p', String(port), '+tries=1', '+time=5', ...args], { encoding: 'utf8', timeout: 30_000, env }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
  });
  const raw = `${r.stdout}${r.stderr}`;
  const status = /status: (\w+)/.exec(raw)?.[1] ?? `no reply (${r.code}): ${raw}`;
  const flags = (/;; flags: ([^;]*);/.exec(raw)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const section = (title: string): string[] => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(raw);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.replace(/\s+/g, ' ').trim()) : [];
  };
  return { status, flags, answers: section('ANSWER'), authority: section('AUTHORITY'), additional: section('ADDITIONAL'), raw };
}
