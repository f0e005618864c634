/** Server-side Tables (meta.k8s.io/v1) for `kubectl get`, from each kind's TableDef. */
import type { KObject, ResourceDef, ColumnDef } from '../../api/index.js';
import { NAME_ONLY } from './table-default.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function partialMetadata(obj: KObject): Record<string, unknown> {
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function tableColumns(def: ResourceDef): ColumnDef[] {
  return def.table?.columns ?? NAME_ONLY.columns;
}

export function tableRow(def: ResourceDef, obj: KObject, include: IncludeObject, now: number): Record<string, unknown> {
  const cells = (def.table ?? NAME_ONLY).row(obj, now);
  const row: Record<string, unknown> = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialMetadata(obj);
  return row;
}

export function table(
  def: ResourceDef,
  objs: KObject[],
  meta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  include: IncludeObject,
  withColumns = true,
): Record<string, unknown> {
  const now = Date.now();
  const metadata: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue) metadata.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: withColumns ? tableColumns(def) : null,
    rows: objs.map((o) => tableRow(def, o, include, now)),
  };
}
