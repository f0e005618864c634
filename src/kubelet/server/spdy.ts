/**
 * The client half of SPDY/3.1 that the streaming protocols need (Kubernetes
 * remotecommand and portforward over an upgraded connection): SYN_STREAM with
 * headers, DATA with FIN, RST_STREAM, PING echo, GOAWAY. Header blocks are
 * written as zlib *stored* blocks (valid zlib, so any SPDY peer decodes them
 * without needing our compressor to share its dictionary state); the peer's
 * header blocks (SYN_REPLY) are not decoded, since nothing here needs them.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;

export const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** A parsed frame: control frames carry their type, data frames their stream id. */
export type Frame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/** Incremental frame parser (bytes in, frames out). */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4]!;
      const body = this.buf.subarray(8, 8 + len);
      if (this.buf[0]! & 0x80) out.push({ control: true, type: this.buf.readUInt16BE(2), flags, payload: body });
      else out.push({ control: false, streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt8(flags, 4);
  h.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([h, payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt8(flags, 4);
  h.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([h, data]);
}

/** The uncompressed SPDY/3 name/value block (32-bit counts and lengths; names lower-case). */
export function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  const entries = Object.entries(headers);
  n.writeUInt32BE(entries.length);
  parts.push(n);
  for (const [k, v] of entries) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s, 'utf8');
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      parts.push(l, b);
    }
  }
  return Buffer.concat(parts);
}

/**
 * Wraps bytes as the next part of one zlib stream made only of stored
 * (uncompressed) deflate blocks; `first` adds the 2-byte zlib header. Each part
 * ends with an empty stored block, exactly as a zlib sync flush does.
 */
export function storedZlib(data: Buffer, first: boolean): Buffer {
  const parts: Buffer[] = first ? [Buffer.from([0x78, 0x01])] : [];
  for (let off = 0; off < data.length || (off === 0 && data.length === 0); off += 0xffff) {
    const chunk = data.subarray(off, off + 0xffff);
    const h = Buffer.alloc(5);
    h[0] = 0x00; // BFINAL=0, BTYPE=00 (stored)
    h.writeUInt16LE(chunk.length, 1);
    h.writeUInt16LE(~chunk.length & 0xffff, 3);
    parts.push(h, chunk);
    if (data.length === 0) break;
  }
  // The sync-flush marker (an empty stored block): inflaters hand out a stored block's bytes only
  // once they have read the next block header, so without it the peer waits for the next frame.
  parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
  return Buffer.concat(parts);
}

/** One client-initiated stream. Emits 'data' (Buffer), 'end' (peer FIN), 'reset', 'reply'. */
export class SpdyStream extends EventEmitter {
  replied = false;
  remoteClosed = false;
  localClosed = false;

  constructor(
    private readonly conn: SpdyClient,
    readonly id: number,
  ) {
    super();
  }

  write(data: Buffer): void {
    if (this.localClosed || this.conn.closed) return;
    for (let off = 0; off < data.length; off += 0x10000) this.conn.send(dataFrame(this.id, 0, data.subarray(off, off + 0x10000)));
  }

  /** Half-close: an empty DATA frame with FIN. */
  end(): void {
    if (this.localClosed) return;
    this.localClosed = true;
    if (!this.conn.closed) this.conn.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
  }

  reset(status = 5 /* CANCEL */): void {
    const p = Buffer.alloc(8);
    p.writeUInt32BE(this.id, 0);
    p.writeUInt32BE(status, 4);
    this.localClosed = this.remoteClosed = true;
    if (!this.conn.closed) this.conn.send(controlFrame(FrameType.RstStream, 0, p));
  }
}

/** A SPDY/3.1 client session over an already-upgraded socket. Emits 'close'. */
export class SpdyClient extends EventEmitter {
  private nextId = 1;
  private headerStarted = false;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly parser = new FrameParser();
  closed = false;

  constructor(private readonly socket: Duplex) {
    super();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.shutdown());
    socket.on('error', () => this.shutdown());
  }

  /** Bytes that arrived after the HTTP 101 reply. */
  feed(rest: Buffer): void {
    if (rest.length) this.onData(rest);
  }

  send(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  /** SYN_STREAM with these headers. */
  open(headers: Record<string, string>, fin = false): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    const s = new SpdyStream(this, id);
    this.streams.set(id, s);
    const p = Buffer.alloc(10);
    p.writeUInt32BE(id, 0);
    p.writeUInt32BE(0, 4);
    p.writeUInt16BE(0, 8); // priority 0, slot 0
    const block = storedZlib(headerBlock(headers), !this.headerStarted);
    this.headerStarted = true;
    this.send(controlFrame(FrameType.SynStream, fin ? FLAG_FIN : 0, Buffer.concat([p, block])));
    if (fin) s.localClosed = true;
    return s;
  }

  close(): void {
    if (this.closed) return;
    const p = Buffer.alloc(8); // last good stream 0, status OK
    this.send(controlFrame(FrameType.GoAway, 0, p));
    this.socket.end();
    this.shutdown();
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) {
      if (!s.remoteClosed) {
        s.remoteClosed = true;
        s.emit('end');
      }
    }
    this.streams.clear();
    this.socket.destroy();
    this.emit('close');
  }

  private onData(d: Buffer): void {
    for (const f of this.parser.push(d)) {
      if (!f.control) {
        const s = this.streams.get(f.streamId);
        if (!s) continue;
        if (f.data.length) s.emit('data', f.data);
        if (f.flags & FLAG_FIN && !s.remoteClosed) {
          s.remoteClosed = true;
          s.emit('end');
        }
        continue;
      }
      switch (f.type) {
        case FrameType.SynReply: {
          const s = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff);
          if (s) {
            s.replied = true;
            s.emit('reply');
            if (f.flags & FLAG_FIN && !s.remoteClosed) {
              s.remoteClosed = true;
              s.emit('end');
            }
          }
          break;
        }
        case FrameType.RstStream: {
          const s = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff);
          if (s) {
            s.remoteClosed = s.localClosed = true;
            s.emit('reset', f.payload.readUInt32BE(4));
            s.emit('end');
          }
          break;
        }
        case FrameType.Ping:
          // Peer-initiated pings have even ids; echo them.
          if ((f.payload.readUInt32BE(0) & 1) === 0) this.send(controlFrame(FrameType.Ping, 0, f.payload));
          break;
        case FrameType.SynStream: {
          // The streaming protocols never let the server open streams: refuse (REFUSED_STREAM).
          const p = Buffer.alloc(8);
          p.writeUInt32BE(f.payload.readUInt32BE(0) & 0x7fffffff, 0);
          p.writeUInt32BE(3, 4);
          this.send(controlFrame(FrameType.RstStream, 0, p));
          break;
        }
        case FrameType.GoAway:
          this.shutdown();
          break;
        default:
          break; // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do
      }
    }
  }
}
