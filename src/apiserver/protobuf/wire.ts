/**
 * Protobuf wire format reader: varints (up to 10 bytes, as 32-bit halves so
 * int64 needs no BigInt), fixed32/64 and length-delimited ranges, each check
 * bounded by the range end so truncated input fails with a clear error.
 * @module
 */
import { ProtobufDecodeError } from './decode-error.js';

export const WireType = { VARINT: 0, FIXED64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

const TWO_32 = 4294967296;

export class WireReader {
  /** High 32 bits of the last varint read (the low ones are returned). */
  private hi = 0;
  private view: DataView | undefined;

  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}


  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint; returns its low 32 bits (as int32) and keeps the high 32 bits. */
  private varint(): number {
    const buf = this.buf;
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError(`truncated varint at byte ${start}`);
      const b = buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.hi = hi;
        return lo;
      }
    }
    throw new ProtobufDecodeError(`varint longer than 10 bytes at byte ${start}`);
  }

  /** A field key: [field number, wire type]. */
  tag(): [number, number] {
    const at = this.pos;
    const lo = this.varint() >>> 0;
    if (this.hi !== 0 || lo >>> 3 === 0) throw new ProtobufDecodeError(`invalid field key at byte ${at}`);
    return [lo >>> 3, lo & 7];
  }

  int32(): number {
    return this.varint() | 0;
  }

  uint32(): number {
    return this.varint() >>> 0;
  }

  /** int64 as a JS number (exact up to 2^53). */
  int64(): number {
    const lo = this.varint() >>> 0;
    return (this.hi | 0) * TWO_32 + lo;
  }

  /** int64 exactly, for values that may pass 2^53 (durations in nanoseconds). */
  int64Big(): bigint {
    const lo = this.varint() >>> 0;
    return (BigInt(this.hi | 0) << 32n) | BigInt(lo);
  }

  uint64(): number {
    const lo = this.varint() >>> 0;
    return (this.hi >>> 0) * TWO_32 + lo;
  }

  bool(): boolean {
    const lo = this.varint();
    return lo !== 0 || this.hi !== 0;
  }

  /** Reads a length prefix, checks it against the bytes left and skips them. */
  private length(): number {
    const at = this.pos;
    const lo = this.varint() >>> 0;
    const left = this.end - this.pos;
    if (this.hi !== 0 || lo > left) {
      throw new ProtobufDecodeError(`length ${this.hi !== 0 ? '>= 2^32' : lo} at byte ${at} exceeds the ${left} bytes left`);
    }
    this.pos += lo;
    return lo;
  }

  /** The bytes of a length-delimited value (a view, not a copy). */
  bytes(): Uint8Array {
    const len = this.length();
    return this.buf.subarray(this.pos - len, this.pos);
  }

  /** A reader over the bytes of a length-delimited value. */
  embedded(): WireReader {
    const len = this.length();
    return new WireReader(this.buf, this.pos - len, this.pos);
  }

  /** Claims n bytes; returns their offset. */
  private need(n: number): number {
    const at = this.pos;
    if (this.end - at < n) throw new ProtobufDecodeError(`truncated ${n * 8}-bit value at byte ${at}`);
    this.pos += n;
    return at;
  }

  private dv(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  double(): number {
    const at = this.need(8);
    return this.dv().getFloat64(at, true);
  }

  float(): number {
    const at = this.need(4);
    return this.dv().getFloat32(at, true);
  }

  fixed64(): number {
    const at = this.need(8);
    return this.dv().getUint32(at + 4, true) * TWO_32 + this.dv().getUint32(at, true);
  }

  fixed32(): number {
    const at = this.need(4);
    return this.dv().getUint32(at, true);
  }

  /** Skips a field of an unknown number. */
  skip(wire: number): void {
    switch (wire) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.FIXED64:
        this.need(8);
        return;
      case WireType.LEN:
        this.length();
        return;
      case WireType.FIXED32:
        this.need(4);
        return;
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }
}
