/**
 * Walking an object against its kind's OpenAPI schema: unknown fields (for
 * fieldValidation Strict/Warn, and dropped as upstream's decoder drops them)
 * and values of the wrong JSON type.
 * @module
 */
import { GENERATED_SCHEMAS, refName, type SchemaNode } from '../api/index.js';

const resolved = new WeakMap<SchemaNode, SchemaNode | null>();

/** The node a `$ref` / single `allOf` wrapper stands for (memoised: schemas never change at run time). */
export function resolveSchema(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node) return undefined;
  const hit = resolved.get(node);
  if (hit !== undefined) return hit ?? undefined;
  const r = resolveUncached(node);
  resolved.set(node, r ?? null);
  return r;
}

function resolveUncached(node: SchemaNode | undefined): SchemaNode | undefined {
  let n = node;
  for (let i = 0; n && i < 10; i++) {
    if (n.$ref) n = GENERATED_SCHEMAS[refName(n.$ref)];
    else if (n.allOf && n.allOf.length === 1 && !n.type && !n.properties) n = n.allOf[0];
    else return n;
  }
  return n;
}

export function schemaByName(name: string): SchemaNode | undefined {
  return GENERATED_SCHEMAS[name];
}

export interface CheckResult {
  unknown: string[];
  typeErrors: string[];
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Check (and with `drop`, remove) unknown fields; report JSON type mismatches. */
export function checkAgainstSchema(obj: unknown, schemaName: string, drop: boolean): CheckResult {
  const out: CheckResult = { unknown: [], typeErrors: [] };
  walk(obj, schemaByName(schemaName), '', out, drop, 0);
  return out;
}

function walk(v: unknown, node: SchemaNode | undefined, path: string, out: CheckResult, drop: boolean, depth: number): void {
  const s = resolveSchema(node);
  if (!s || depth > 200 || v === null || v === undefined) return;
  if (s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') return;
  const t = typeOf(v);
  switch (s.type) {
    case 'object': {
      if (t !== 'object') {
        out.typeErrors.push(`${path || '.'}: expected object, got ${t}`);
        return;
      }
      const rec = v as Record<string, unknown>;
      if (s.properties) {
        for (const [k, child] of Object.entries(rec)) {
          const p = path ? `${path}.${k}` : k;
          const ps = s.properties[k];
          if (!ps) {
            if (s.additionalProperties) walk(child, typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined, p, out, drop, depth + 1);
            else {
              out.unknown.push(p);
              if (drop) delete rec[k];
            }
            continue;
          }
          walk(child, ps, p, out, drop, depth + 1);
        }
      } else if (typeof s.additionalProperties === 'object') {
        for (const [k, child] of Object.entries(rec)) walk(child, s.additionalProperties, `${path}.${k}`, out, drop, depth + 1);
      }
      return;
    }
    case 'array':
      if (t !== 'array') {
        out.typeErrors.push(`${path}: expected array, got ${t}`);
        return;
      }
      (v as unknown[]).forEach((item, i) => walk(item, s.items, `${path}[${i}]`, out, drop, depth + 1));
      return;
    case 'string':
      if (t !== 'string') out.typeErrors.push(`${path}: expected string, got ${t}`);
      return;
    case 'integer':
      if (t !== 'number' || !Number.isInteger(v)) out.typeErrors.push(`${path}: expected integer, got ${t}`);
      return;
    case 'number':
      if (t !== 'number') out.typeErrors.push(`${path}: expected number, got ${t}`);
      return;
    case 'boolean':
      if (t !== 'boolean') out.typeErrors.push(`${path}: expected boolean, got ${t}`);
      return;
    default:
      if (s.properties && t === 'object') walk(v, { ...s, type: 'object' }, path, out, drop, depth);
  }
}
