// The OpenAPI v3 schema shape strategic merge patch reads, and lookups of patch metadata in it.
import type { SchemaNode } from '../../api/index.js';
import { unknownError } from './errors.js';

/** One node of an OpenAPI v3 schema: the api's own type (src/api/schema-node.ts), which every kind's schema has. */
export type { SchemaNode };

/** Resolves a `$ref` (as written in the schema) to its node. */
export type SchemaResolver = (ref: string) => SchemaNode | undefined;

/** A field's patch metadata, parsed as upstream's extractRetainKeysPatchStrategy does. */
export interface PatchMeta {
  /** '' (the default: maps merge, lists are replaced), 'merge' or 'replace'. */
  strategy: string;
  retainKeys: boolean;
  mergeKey: string;
}

const NO_META: PatchMeta = { strategy: '', retainKeys: false, mergeKey: '' };
const MAX_REF_HOPS = 64;

/** Reads the patch extensions on a field's own node (kube-openapi puts them beside the `$ref` wrapper). */
export function patchMetaOf(node: SchemaNode | undefined): PatchMeta {
  if (node === undefined) return NO_META;
  const raw = node['x-kubernetes-patch-strategy'];
  const mergeKey = node['x-kubernetes-patch-merge-key'] ?? '';
  if (raw === undefined || raw === '') return mergeKey === '' ? NO_META : { ...NO_META, mergeKey };
  const parts = raw.split(',');
  if (parts.length === 1) {
    return parts[0] === 'retainKeys'
      ? { strategy: '', retainKeys: true, mergeKey }
      : { strategy: parts[0] ?? '', retainKeys: false, mergeKey };
  }
  if (parts.length === 2 && (parts[0] === 'retainKeys' || parts[1] === 'retainKeys')) {
    const other = parts[0] === 'retainKeys' ? parts[1] : parts[0];
    return { strategy: other ?? '', retainKeys: true, mergeKey };
  }
  throw unknownError(`unexpected patch strategy: [${parts.join(' ')}]`);
}

/** Follows `$ref` and `allOf` wrappers to the node that describes the value's structure. */
export function structural(node: SchemaNode | undefined, resolve: SchemaResolver): SchemaNode | undefined {
  let current = node;
  for (let hops = 0; current !== undefined && hops < MAX_REF_HOPS; hops++) {
    if (current.$ref !== undefined) {
      current = resolve(current.$ref);
      continue;
    }
    const wrapped = current.allOf;
    const hasShape = current.properties !== undefined || current.items !== undefined ||
      current.additionalProperties !== undefined || current.type !== undefined;
    if (wrapped === undefined || wrapped.length === 0 || hasShape) return current;
    if (wrapped.length === 1) {
      current = wrapped[0];
      continue;
    }
    return combine(wrapped, resolve);
  }
  return current;
}

/** Several allOf members: their properties together (enough to find fields and their metadata). */
function combine(members: SchemaNode[], resolve: SchemaResolver): SchemaNode {
  const properties: Record<string, SchemaNode> = {};
  let type: SchemaNode['type'];
  for (const member of members) {
    const s = structural(member, resolve);
    if (s === undefined) continue;
    type ??= s.type;
    for (const [k, v] of Object.entries(s.properties ?? {})) Object.defineProperty(properties, k, { value: v, enumerable: true });
  }
  return type === undefined ? { properties } : { type, properties };
}

/** The node of member `key` of an object described by `node` (a named property, else additionalProperties). */
export function fieldSchema(node: SchemaNode | undefined, key: string, resolve: SchemaResolver): SchemaNode | undefined {
  const s = structural(node, resolve);
  if (s === undefined) return undefined;
  if (s.properties !== undefined && Object.hasOwn(s.properties, key)) return s.properties[key];
  return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

/** The node of the elements of a list described by `node`. */
export function itemSchema(node: SchemaNode | undefined, resolve: SchemaResolver): SchemaNode | undefined {
  return structural(node, resolve)?.items;
}

/** The JSON shape a schema demands ('object' or 'array'), when it demands one. */
export function expectedShape(node: SchemaNode | undefined, resolve: SchemaResolver): 'object' | 'array' | undefined {
  const type = structural(node, resolve)?.type;
  return type === 'object' || type === 'array' ? type : undefined;
}
