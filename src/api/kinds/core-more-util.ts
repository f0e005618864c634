/**
 * Helpers shared by the core/v1 remainder and the other built-in groups'
 * kind files: upstream's label/selector formatting, quantities, TooMany,
 * immutable-field errors, label-selector validation and custom name rules.
 * @module
 */
import type { ResourceDef } from '../resource.js';
import { isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { canonicalQuantity, parseQuantity, type Quantity } from '../quantity.js';
import { labelSelectorToString, selectorFromLabelSelector, type LabelSelectorObject } from '../labels.js';
import { define, rec, validateMeta } from './common.js';

/** labels.FormatLabels and metav1's ValidateLabels / ValidateLabelSelector: one copy, in apps-common.ts. */
export { formatLabels, validateLabels, validateLabelSelector } from './apps-common.js';

/** field.TooMany: `Too many: 1001: must have at most 1000 items`. */
export function tooMany(field: string, actual: number, max: number): FieldErr {
  return { type: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}` };
}

/** ValidateImmutableField's error. */
export function immutable(field: string, value: unknown): FieldErr {
  return fieldErr.invalid(field, value ?? null, 'field is immutable');
}

/** Deep equality of JSON values (apiequality.Semantic.DeepEqual for what we store). */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, canon(v[k])]));
  return v;
}

/** metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` for a bad one. */
export function formatSelector(sel: unknown): string {
  try {
    const s = labelSelectorToString(selectorFromLabelSelector(rec(sel) as LabelSelectorObject));
    return s || '<none>';
  } catch {
    return '<error>';
  }
}

/** Go's %#v of a map[string]string (`map[string]string{"a":"1", "b":"2"}`), as field errors print it. */
export function goStringMap(m: unknown): string {
  const entries = Object.entries(rec(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(String(v))}`).join(', ')}}`;
}

/** A quantity from JSON, or undefined when absent or unparseable. */
export function qty(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantity(String(v));
  } catch {
    return undefined;
  }
}

/** Quantity.String() of a possibly absent value (the zero Quantity prints `0`). */
export function qtyString(v: unknown): string {
  const q = qty(v);
  return q ? canonicalQuantity(q) : '0';
}

/** Names checked by a rule other than define()'s (RBAC path segments, CSRs' anything goes). */
export type NameCheck = (name: string) => string[];

/**
 * define() with metadata.name validated by `nameCheck` instead of the DNS
 * rules; every other ObjectMeta check stays as validateMeta does it.
 */
export function defineNamed(base: Parameters<typeof define>[0], nameCheck: NameCheck): ResourceDef {
  const def = define(base);
  return {
    ...def,
    validate: (obj: KObject, old?: KObject) => {
      const meta = validateMeta(obj, base.namespaced).filter((e) => !(e.field === 'metadata.name' && e.type === 'FieldValueInvalid'));
      const name = obj.metadata.name;
      const nameErrs = name ? nameCheck(name).map((msg) => fieldErr.invalid('metadata.name', name, msg)) : [];
      return [...nameErrs, ...meta, ...(base.validate?.(obj, old) ?? [])];
    },
  };
}

/** metav1.Time as the API server writes it: RFC 3339, whole seconds, UTC. */
export function nowTime(now = Date.now()): string {
  return new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
}
