/**
 * Table-driven message decoder: protobuf bytes → the JSON object Go's
 * encoding/json would print for the same decoded Go struct. Nesting is capped
 * (MAX_NESTING) so no input, even with a recursive table, can exhaust the stack.
 * @module
 */
import { ProtobufDecodeError } from './decode-error.js';
import type { FieldDef, MessageDef, Registry, ScalarType } from './schema.js';
import { base64, decodeSpecial, str } from './special.js';
import { WireType, WireReader } from './wire.js';

export type JsonObject = Record<string, unknown>;

/** Deepest message nesting accepted; real objects (CronJob → … → volume projections) stay under 20. */
export const MAX_NESTING = 100;

/** Decodes one message of type `type` (a registry name) from `bytes[start, end)`; errors give offsets in `bytes`. */
export function decodeMessage(registry: Registry, type: string, bytes: Uint8Array, start = 0, end = bytes.length): JsonObject {
  const out: JsonObject = {};
  decodeInto(registry, message(registry, type), new WireReader(bytes, start, end), out, 0);
  return out;
}

function message(registry: Registry, type: string): MessageDef {
  const m = registry.messages.get(type);
  if (!m) throw new ProtobufDecodeError(`no protobuf table for message ${type}`);
  return m;
}

/** Merges the fields in `r` into `out` (protobuf merge semantics: repeated fields append, messages merge). */
function decodeInto(registry: Registry, m: MessageDef, r: WireReader, out: JsonObject, depth: number): void {
  if (depth > MAX_NESTING) throw new ProtobufDecodeError(`messages nested more than ${MAX_NESTING} levels deep`);
  while (!r.done()) {
    const [num, wire] = r.tag();
    const f = m.fields.get(num);
    if (!f) {
      r.skip(wire); // unknown fields are dropped, as gogo-protobuf does
      continue;
    }
    try {
      decodeField(registry, f, wire, r, out, depth);
    } catch (e) {
      if (e instanceof ProtobufDecodeError && !f.inline) e.within(fieldPath(f, out));
      throw e;
    }
  }
  for (const f of m.omitZero) {
    const v = out[f.name];
    if (v === '' || v === 0 || v === false) delete out[f.name];
  }
}

/** The path segment of a field, with the index of the element being decoded for lists. */
function fieldPath(f: FieldDef, out: JsonObject): string {
  if (!f.repeated) return f.name;
  const list = out[f.name];
  return `${f.name}[${Array.isArray(list) ? list.length : 0}]`;
}

function decodeField(registry: Registry, f: FieldDef, wire: number, r: WireReader, out: JsonObject, depth: number): void {
  if (f.map) {
    expectWire(f, wire, WireType.LEN);
    const entries = (out[f.name] ??= {}) as JsonObject;
    const [key, value] = mapEntry(registry, f, r.embedded(), depth + 1);
    entries[key] = value;
    return;
  }
  if (f.kind === 'scalar') {
    const packable = f.repeated && f.type !== 'string' && f.type !== 'bytes';
    if (packable && wire === WireType.LEN) {
      const list = (out[f.name] ??= []) as unknown[];
      const packed = r.embedded();
      while (!packed.done()) list.push(scalar(f.type, packed));
      return;
    }
    expectWire(f, wire, scalarWire(f.type));
    const v = scalar(f.type, r);
    if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(v);
    else out[f.name] = v;
    return;
  }
  expectWire(f, wire, WireType.LEN);
  const sub = r.embedded();
  if (f.kind === 'special') {
    const v = decodeSpecial(f.type, sub);
    if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(v);
    else out[f.name] = v;
    return;
  }
  const m = message(registry, f.type);
  if (f.inline) return decodeInto(registry, m, sub, out, depth + 1);
  if (f.repeated) {
    const v: JsonObject = {};
    decodeInto(registry, m, sub, v, depth + 1);
    ((out[f.name] ??= []) as unknown[]).push(v);
    return;
  }
  const existing = out[f.name];
  const target = existing !== null && typeof existing === 'object' ? (existing as JsonObject) : {};
  out[f.name] = target;
  decodeInto(registry, m, sub, target, depth + 1);
}

/** A map entry {1 key, 2 value}; a missing value is the value type's zero. */
function mapEntry(registry: Registry, f: FieldDef, r: WireReader, depth: number): [string, unknown] {
  let key = '';
  let value: unknown;
  let valueBytes: WireReader | undefined;
  while (!r.done()) {
    const [num, wire] = r.tag();
    if (num === 1) {
      if (wire !== WireType.LEN) throw new ProtobufDecodeError(`map key: wire type ${wire}, expected 2`);
      key = str(r.bytes());
    } else if (num === 2) {
      if (f.kind === 'scalar') {
        expectWire(f, wire, scalarWire(f.type));
        value = scalar(f.type, r);
      } else {
        expectWire(f, wire, WireType.LEN);
        valueBytes = r.embedded();
      }
    } else r.skip(wire);
  }
  try {
    if (f.kind === 'scalar') return [key, value ?? scalar(f.type, new WireReader(new Uint8Array(0), 0, 0), true)];
    const v = valueBytes ?? new WireReader(new Uint8Array(0), 0, 0);
    if (f.kind === 'special') return [key, decodeSpecial(f.type, v)];
    const obj: JsonObject = {};
    decodeInto(registry, message(registry, f.type), v, obj, depth);
    return [key, obj];
  } catch (e) {
    if (e instanceof ProtobufDecodeError) e.within(`[${JSON.stringify(key)}]`);
    throw e;
  }
}

function expectWire(f: FieldDef, wire: number, want: number): void {
  if (wire !== want) throw new ProtobufDecodeError(`wire type ${wire}, expected ${want} for ${f.repeated ? 'repeated ' : ''}${f.type}`);
}

function scalarWire(type: ScalarType): number {
  switch (type) {
    case 'string':
    case 'bytes':
      return WireType.LEN;
    case 'double':
    case 'fixed64':
      return WireType.FIXED64;
    case 'float':
    case 'fixed32':
      return WireType.FIXED32;
    default:
      return WireType.VARINT;
  }
}

/** Reads one scalar; with `zero`, returns the type's zero value instead. */
function scalar(type: ScalarType, r: WireReader, zero = false): string | number | boolean {
  switch (type) {
    case 'string':
      return zero ? '' : str(r.bytes());
    case 'bytes':
      return zero ? '' : base64(r.bytes());
    case 'bool':
      return zero ? false : r.bool();
    case 'int32':
      return zero ? 0 : r.int32();
    case 'int64':
      return zero ? 0 : r.int64();
    case 'uint32':
      return zero ? 0 : r.uint32();
    case 'uint64':
      return zero ? 0 : r.uint64();
    case 'double':
      return zero ? 0 : r.double();
    case 'float':
      return zero ? 0 : r.float();
    case 'fixed32':
      return zero ? 0 : r.fixed32();
    case 'fixed64':
      return zero ? 0 : r.fixed64();
  }
}
