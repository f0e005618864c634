/**
 * Test helper: fills every field of a message from the tables, to make bodies
 * that kubectl v1.32 decodes with its compiled-in Go types. Comparing kubectl's
 * JSON for such a body with ours checks every field number, type and
 * omitempty flag reachable from the kind (variant `values`: distinct non-zero
 * values; `zeros`: every scalar at its zero value).
 * @module
 */
import { Buffer } from 'node:buffer';
import { registry } from './registry.js';
import type { FieldDef, SpecialType } from './schema.js';
import { concat, pb, type Bytes } from './wire-writer.case.js';

export type Variant = 'values' | 'zeros';

const T0 = 1_700_000_000;

export function fillMessage(type: string, variant: Variant, depth = 0): Bytes {
  const m = registry.messages.get(type);
  if (!m) throw new Error(`no message ${type}`);
  if (depth > 40) throw new Error(`fill: ${type} nested too deep`);
  const parts: Bytes[] = [];
  for (const f of m.fields.values()) {
    const count = f.repeated && f.kind === 'scalar' ? 2 : 1; // one element per message list keeps bodies small
    for (let i = 0; i < count; i++) {
      const value = fieldValue(f, variant, depth, i);
      if (f.map) parts.push(pb.msg(f.num, pb.str(1, variant === 'zeros' ? '' : `key-${f.name}`), withNumber(2, value)));
      else parts.push(withNumber(f.num, value));
    }
  }
  return concat(...parts);
}

type Value = { wire: 'varint'; v: number | bigint } | { wire: 'len'; v: Bytes } | { wire: 'f64' | 'f32'; v: number };

function withNumber(num: number, value: Value): Bytes {
  switch (value.wire) {
    case 'varint':
      return pb.int(num, value.v);
    case 'len':
      return pb.bytes(num, value.v);
    case 'f64':
      return pb.fixed64(num, value.v);
    case 'f32':
      return pb.fixed32(num, value.v);
  }
}

function fieldValue(f: FieldDef, variant: Variant, depth: number, index: number): Value {
  const zero = variant === 'zeros';
  if (f.kind === 'message') return { wire: 'len', v: fillMessage(f.type, variant, depth + 1) };
  if (f.kind === 'special') return { wire: 'len', v: special(f.type, zero, f.num + index) };
  const n = f.num * 10 + index + 1;
  switch (f.type) {
    case 'string':
      return { wire: 'len', v: Buffer.from(zero ? '' : `${f.name}-${index}`) };
    case 'bytes':
      return { wire: 'len', v: zero ? new Uint8Array(0) : Uint8Array.from([0xff, 0x00, ...Buffer.from(f.name)]) };
    case 'bool':
      return { wire: 'varint', v: zero ? 0 : 1 };
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      return { wire: 'varint', v: zero ? 0 : n };
    case 'double':
    case 'fixed64':
      return { wire: 'f64', v: zero ? 0 : n };
    case 'float':
    case 'fixed32':
      return { wire: 'f32', v: zero ? 0 : n };
  }
}

function special(type: SpecialType, zero: boolean, n: number): Bytes {
  switch (type) {
    case 'Time':
      return zero ? new Uint8Array(0) : pb.int(1, T0 + n);
    case 'MicroTime':
      return zero ? new Uint8Array(0) : concat(pb.int(1, T0 + n), pb.int(2, 123_456_789));
    case 'Duration':
      return pb.int(1, zero ? 0 : 90_500_000_000 + n);
    case 'Quantity':
      return pb.str(1, zero ? '0' : `${n}500m`);
    case 'IntOrString':
      if (zero) return concat(pb.int(1, 0), pb.int(2, 0), pb.str(3, ''));
      return n % 2 ? concat(pb.int(1, 0), pb.int(2, n)) : concat(pb.int(1, 1), pb.str(3, `${n}%`));
    case 'RawExtension':
      return zero ? new Uint8Array(0) : pb.str(1, `{"raw":${n}}`);
    case 'FieldsV1':
      return zero ? new Uint8Array(0) : pb.str(1, '{"f:metadata":{"f:name":{}}}');
    case 'ExtraValue':
      return zero ? new Uint8Array(0) : concat(pb.str(1, 'x'), pb.str(1, `y${n}`));
  }
}
