/**
 * The message-table format and the registry built from it.
 *
 * A table maps a message name (`core.PodSpec`, `meta.ObjectMeta`) to its fields,
 * one string each: `"<number> <jsonName> <type> [flags]"`.
 * - type: a scalar (`string bytes bool int32 int64 uint32 uint64 double float fixed32 fixed64`),
 *   a special type with its own JSON form (see special.ts: `Time MicroTime Duration Quantity
 *   IntOrString RawExtension FieldsV1 ExtraValue`), or another message's name;
 *   `[]T` is a repeated field, `{}T` a `map<string, T>` (entries {1 key, 2 value}).
 * - flag `o`: a non-pointer Go field tagged `omitempty`; its zero value (`""`, 0, false),
 *   which gogo-protobuf always writes, is dropped as Go's JSON encoder would.
 *   Fields without it keep whatever is on the wire (pointers, or fields without omitempty).
 * - flag `i`: an embedded struct tagged `json:",inline"`; its fields merge into this object.
 * @module
 */

export type MessageTable = Readonly<Record<string, readonly string[]>>;

/** One group version's messages and the kinds it can decode (kind → root message). */
export interface GroupTables {
  readonly apiVersion?: string;
  readonly kinds?: Readonly<Record<string, string>>;
  readonly messages: MessageTable;
}

export const SCALAR_TYPES = ['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'fixed32', 'fixed64'] as const;
export const SPECIAL_TYPES = ['Time', 'MicroTime', 'Duration', 'Quantity', 'IntOrString', 'RawExtension', 'FieldsV1', 'ExtraValue'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];
export type SpecialType = (typeof SPECIAL_TYPES)[number];

export type FieldDef = {
  readonly num: number;
  readonly name: string;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly omitZero: boolean;
  readonly inline: boolean;
} & ({ readonly kind: 'scalar'; readonly type: ScalarType } | { readonly kind: 'special'; readonly type: SpecialType } | { readonly kind: 'message'; readonly type: string });

export interface MessageDef {
  readonly name: string;
  readonly fields: ReadonlyMap<number, FieldDef>;
  /** Fields whose zero value is dropped after decoding (flag `o`). */
  readonly omitZero: readonly FieldDef[];
}

export interface Registry {
  readonly messages: ReadonlyMap<string, MessageDef>;
  /** `"<apiVersion> <kind>"` → root message name. */
  readonly kinds: ReadonlyMap<string, string>;
}

const scalars = new Set<string>(SCALAR_TYPES);
const specials = new Set<string>(SPECIAL_TYPES);

export function parseField(spec: string): FieldDef {
  const parts = spec.split(' ');
  const [numText, name, typeText, flags = ''] = parts;
  const num = Number(numText);
  if (parts.length > 4 || !name || !typeText || !Number.isInteger(num) || num < 1 || /[^oi]/.test(flags)) {
    throw new Error(`bad protobuf field spec ${JSON.stringify(spec)}`);
  }
  const repeated = typeText.startsWith('[]');
  const map = typeText.startsWith('{}');
  const type = repeated || map ? typeText.slice(2) : typeText;
  const base = { num, name, repeated, map, omitZero: flags.includes('o'), inline: flags.includes('i') };
  if (scalars.has(type)) return { ...base, kind: 'scalar', type: type as ScalarType };
  if (specials.has(type)) return { ...base, kind: 'special', type: type as SpecialType };
  return { ...base, kind: 'message', type };
}

/** Parses and cross-checks tables; a dangling message reference is a programming error. */
export function buildRegistry(groups: readonly GroupTables[]): Registry {
  const messages = new Map<string, MessageDef>();
  const kinds = new Map<string, string>();
  for (const g of groups) {
    for (const [name, specs] of Object.entries(g.messages)) {
      if (messages.has(name)) throw new Error(`protobuf message ${name} defined twice`);
      const fields = new Map<number, FieldDef>();
      for (const spec of specs) {
        const f = parseField(spec);
        if (fields.has(f.num)) throw new Error(`protobuf message ${name}: field ${f.num} defined twice`);
        if (f.omitZero && (f.kind !== 'scalar' || f.repeated || f.map)) throw new Error(`protobuf message ${name}: flag o on ${f.name}`);
        if (f.inline && (f.kind !== 'message' || f.repeated || f.map)) throw new Error(`protobuf message ${name}: flag i on ${f.name}`);
        fields.set(f.num, f);
      }
      messages.set(name, { name, fields, omitZero: [...fields.values()].filter((f) => f.omitZero) });
    }
    for (const [kind, root] of Object.entries(g.kinds ?? {})) {
      if (!g.apiVersion) throw new Error(`protobuf kind ${kind} has no apiVersion`);
      kinds.set(`${g.apiVersion} ${kind}`, root);
    }
  }
  for (const m of messages.values()) {
    for (const f of m.fields.values()) {
      if (f.kind === 'message' && !messages.has(f.type)) throw new Error(`protobuf message ${m.name}.${f.name}: unknown type ${f.type}`);
    }
  }
  for (const [kind, root] of kinds) if (!messages.has(root)) throw new Error(`protobuf kind ${kind}: unknown message ${root}`);
  return { messages, kinds };
}
