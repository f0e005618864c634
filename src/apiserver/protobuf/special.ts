/**
 * Messages whose JSON form is not an object of their fields: times, durations,
 * quantities, int-or-string, embedded JSON (RawExtension, FieldsV1) and the
 * list-valued ExtraValue. Each reads the embedded message's bytes and returns
 * the value Go's JSON encoder would print for the decoded Go type.
 * @module
 */
import { Buffer } from 'node:buffer';
import { ProtobufDecodeError } from './decode-error.js';
import type { SpecialType } from './schema.js';
import { WireType, type WireReader } from './wire.js';

/** Deepest JSON nesting accepted inside RawExtension / FieldsV1 (the body limit of http/body.ts). */
export const MAX_JSON_DEPTH = 1000;

const MIN_SECONDS = -62167219200; // 0000-01-01T00:00:00Z
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

export function decodeSpecial(type: SpecialType, r: WireReader): unknown {
  switch (type) {
    case 'Time':
      return r.done() ? null : formatTime(timestamp(r), -1);
    case 'MicroTime':
      return r.done() ? null : formatTime(timestamp(r), 6);
    case 'Duration': {
      let ns = 0n;
      eachField(r, (num, wire) => num === 1 && expect(wire, WireType.VARINT, 'duration') && ((ns = r.int64Big()), true));
      return formatDuration(ns);
    }
    case 'Quantity': {
      let s = '0'; // a zero Quantity prints as "0"
      eachField(r, (num, wire) => num === 1 && expect(wire, WireType.LEN, 'string') && ((s = str(r.bytes())), true));
      if (!QUANTITY.test(s)) throw new ProtobufDecodeError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got ${JSON.stringify(s)})`);
      return s;
    }
    case 'IntOrString': {
      let kind = 0;
      let intVal = 0;
      let strVal = '';
      eachField(r, (num, wire) => {
        if (num === 1 && expect(wire, WireType.VARINT, 'type')) kind = r.int64();
        else if (num === 2 && expect(wire, WireType.VARINT, 'intVal')) intVal = r.int32();
        else if (num === 3 && expect(wire, WireType.LEN, 'strVal')) strVal = str(r.bytes());
        else return false;
        return true;
      });
      if (kind === 0) return intVal;
      if (kind === 1) return strVal;
      throw new ProtobufDecodeError(`impossible IntOrString.Type ${kind}`);
    }
    case 'RawExtension':
    case 'FieldsV1': {
      let raw: Uint8Array | undefined;
      eachField(r, (num, wire) => num === 1 && expect(wire, WireType.LEN, 'raw') && ((raw = r.bytes()), true));
      return raw && raw.length > 0 ? parseJson(raw) : null; // Go prints a nil Raw as null
    }
    case 'ExtraValue': {
      const items: string[] = [];
      eachField(r, (num, wire) => num === 1 && expect(wire, WireType.LEN, 'items') && (items.push(str(r.bytes())), true));
      return items; // only ever a map value, which Go decodes as a non-nil slice
    }
  }
}

/** UTF-8 text; invalid sequences become U+FFFD, as Go's JSON encoder prints them. */
export function str(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Calls `visit` per field; unknown fields (visit returns false) are skipped. */
function eachField(r: WireReader, visit: (num: number, wire: number) => boolean): void {
  while (!r.done()) {
    const [num, wire] = r.tag();
    if (!visit(num, wire)) r.skip(wire);
  }
}

/** Checks a field's wire type (throws on a mismatch); returns true to read on in an `&&` chain. */
function expect(wire: number, want: number, field: string): true {
  if (wire !== want) throw new ProtobufDecodeError(`${field}: wire type ${wire}, expected ${want}`);
  return true;
}

function timestamp(r: WireReader): { seconds: number; nanos: number } {
  let seconds = 0;
  let nanos = 0;
  eachField(r, (num, wire) => {
    if (num === 1 && expect(wire, WireType.VARINT, 'seconds')) seconds = r.int64();
    else if (num === 2 && expect(wire, WireType.VARINT, 'nanos')) nanos = r.int32();
    else return false;
    return true;
  });
  return { seconds, nanos };
}

/** RFC 3339 in UTC; `fraction` 6 gives MicroTime's microseconds, -1 whole seconds (Time drops nanos). */
function formatTime(t: { seconds: number; nanos: number }, fraction: number): string {
  let { seconds, nanos } = t;
  if (fraction < 0) nanos = 0;
  const carry = Math.floor(nanos / 1e9); // Go's time.Unix normalises nanos outside [0, 1e9)
  seconds += carry;
  nanos -= carry * 1e9;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) throw new ProtobufDecodeError(`time ${seconds}s is outside years 0000-9999`);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (fraction < 0) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** Go's time.Duration.String(): "1h2m3.5s", "1.5ms", "0s". */
export function formatDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    const [unit, prec] = u < 1000n ? ['ns', 0] : u < 1_000_000n ? ['µs', 3] : ['ms', 6];
    out = fraction(u, prec) + unit;
  } else {
    const secs = fraction(u % 60_000_000_000n, 9);
    u /= 60_000_000_000n; // minutes
    out = `${secs}s`;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** v / 10^prec with trailing zeros (and a bare point) dropped. */
function fraction(v: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec);
  const frac = (v % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  return `${v / scale}${frac ? `.${frac}` : ''}`;
}

function parseJson(raw: Uint8Array): unknown {
  const text = str(raw);
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new ProtobufDecodeError(`embedded JSON is nested more than ${MAX_JSON_DEPTH} levels deep`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ProtobufDecodeError(`embedded JSON is invalid: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Nesting depth of a JSON text without parsing it (stops counting past `limit`). */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
