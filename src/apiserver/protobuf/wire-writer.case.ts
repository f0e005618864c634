/**
 * Test helper: a protobuf writer for hand-built bodies, with field numbers
 * spelled out so tests check the tables instead of mirroring them.
 * @module
 */
import { Buffer } from 'node:buffer';

export type Bytes = Uint8Array;

export function concat(...parts: Bytes[]): Bytes {
  return Uint8Array.from(Buffer.concat(parts));
}

/** A varint; negative numbers take 10 bytes (two's complement), as Go writes int32/int64. */
export function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

const key = (num: number, wire: number) => varint(num * 8 + wire);

export const pb = {
  int: (num: number, value: number | bigint | boolean) => concat(key(num, 0), varint(typeof value === 'boolean' ? Number(value) : value)),
  str: (num: number, value: string) => pb.bytes(num, Buffer.from(value, 'utf8')),
  bytes: (num: number, value: Bytes) => concat(key(num, 2), varint(value.length), value),
  msg: (num: number, ...fields: Bytes[]) => pb.bytes(num, concat(...fields)),
  fixed64: (num: number, value: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    return concat(key(num, 1), b);
  },
  fixed32: (num: number, value: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    return concat(key(num, 5), b);
  },
  /** A map<string, V> entry whose value bytes are already encoded as field 2. */
  entry: (num: number, k: string, value: Bytes) => pb.msg(num, pb.str(1, k), value),
  /** A map<string, string> field with several entries. */
  labels: (num: number, map: Record<string, string>) => concat(...Object.entries(map).map(([k, v]) => pb.entry(num, k, pb.str(2, v)))),
};

/** `k8s\0` + runtime.Unknown{typeMeta, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Bytes, extra: Bytes[] = []): Bytes {
  return concat(Uint8Array.from([0x6b, 0x38, 0x73, 0x00]), pb.msg(1, pb.str(1, apiVersion), pb.str(2, kind)), pb.bytes(2, raw), ...extra);
}
