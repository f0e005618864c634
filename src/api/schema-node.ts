/**
 * A node of an OpenAPI v3 structural schema, as kube-apiserver serves them
 * under /openapi/v3 and as k8ts keeps the schema of every kind.
 * @module
 */
export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  /** `#/components/schemas/<name>` (refName gives the name). */
  $ref?: string;
  /** kube-openapi wraps a `$ref` that carries siblings (default, extensions) in a one-element allOf. */
  allOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  nullable?: boolean;
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
  /** `merge`, `replace`, `retainKeys`, or `merge,retainKeys` (strategic merge patch). */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

/** The component name a `$ref` points at (`#/components/schemas/<name>`). */
export function refName(ref: string): string {
  const i = ref.lastIndexOf('/');
  return i >= 0 ? ref.slice(i + 1) : ref;
}
