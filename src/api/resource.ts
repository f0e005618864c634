/**
 * One definition per kind (DESIGN.md "Layout"): everything k8ts knows about a
 * served resource — names for discovery, its schema, defaults, validation,
 * table columns and field selectors — in one `ResourceDef`.
 * @module
 */
import type { FieldErr } from './validation.js';
import type { KObject } from './object.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface ColumnDef {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableDef {
  columns: ColumnDef[];
  /** Cells for one object, in column order; `now` is for ages. */
  row(obj: KObject, now: number): unknown[];
}

export interface SubresourceDef {
  name: string;
  /** The kind the subresource speaks (Scale, Binding, Eviction, or the parent kind for status). */
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

export interface ScaleDef {
  /** Path of the replicas field (`spec.replicas`). */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** Path of the label selector (`spec.selector`, an object or a map). */
  selectorPath: string;
}

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower-case resource name used in URLs (`pods`). */
  resource: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  verbs: Verb[];
  /** Component name of the kind's schema (`io.k8s.api.core.v1.Pod`). */
  schema: string;
  subresources?: SubresourceDef[];
  scale?: ScaleDef;
  /** The object has a status that only the status subresource changes. */
  statusSubresource?: boolean;
  /** Writes to spec bump metadata.generation (kinds with spec + status). */
  generation?: boolean;
  /** Kind-specific field selector fields besides metadata.name/namespace. */
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
  /** Fill upstream defaults in place. */
  defaults?(obj: KObject): void;
  /** Kind-specific validation; `old` is set on update. */
  validate?(obj: KObject, old?: KObject): FieldErr[];
  table?: TableDef;
  /** Storage key segment when it differs from `resource` (e.g. services → services/specs). */
  storageResource?: string;
  /** Served for reads and writes but stored under another resource (events.k8s.io Events share core Events). */
  sameStorageAs?: { group: string; resource: string };
  /** Neither created nor updated by clients (e.g. review kinds are create-only, componentstatuses read-only). */
  createOnly?: boolean;
}

export function gvk(def: ResourceDef): { group: string; version: string; kind: string } {
  return { group: def.group, version: def.version, kind: def.kind };
}
