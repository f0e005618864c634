/** Helpers shared by the kind definitions: standard columns, ages, metadata validation. */
import type { ColumnDef, ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { humanDuration } from '../human-duration.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../names.js';

export const col = (name: string, description: string, priority = 0, type: ColumnDef['type'] = 'string', format = ''): ColumnDef => ({
  name,
  type,
  format,
  description,
  priority,
});

export const NAME_COL = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
export const AGE_COL = col('Age', 'Time since the object was created.', 0, 'string');

/** The AGE cell: `<unknown>` when there is no creation time, as upstream prints. */
export function age(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export type NameRule = 'subdomain' | 'label' | 'label1035';

/** ObjectMeta validation as upstream's ValidateObjectMeta. */
export function validateMeta(obj: KObject, namespaced: boolean, nameRule: NameRule = 'subdomain'): FieldErr[] {
  const errs: FieldErr[] = [];
  const m = obj.metadata;
  const check = nameRule === 'label' ? isDNS1123Label : nameRule === 'label1035' ? isDNS1035Label : isDNS1123Subdomain;
  if (!m.name) {
    if (!m.generateName) errs.push(fieldErr.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of check(m.name)) errs.push(fieldErr.invalid('metadata.name', m.name, msg));
  }
  if (namespaced) {
    if (!m.namespace) errs.push(fieldErr.required('metadata.namespace'));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(fieldErr.invalid('metadata.namespace', m.namespace, msg));
  } else if (m.namespace) {
    errs.push(fieldErr.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(fieldErr.invalid('metadata.labels', k, msg));
    for (const msg of isValidLabelValue(String(v))) errs.push(fieldErr.invalid(`metadata.labels`, v, msg));
  }
  for (const k of Object.keys(m.annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid('metadata.annotations', k, msg));
  }
  const annSize = Object.entries(m.annotations ?? {}).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  if (annSize > 256 * 1024) errs.push(fieldErr.tooLong('metadata.annotations', 256 * 1024));
  return errs;
}

type Base = Pick<ResourceDef, 'group' | 'version' | 'kind' | 'resource' | 'namespaced'> & Partial<ResourceDef>;

/** A ResourceDef with the usual derived names filled in. */
export function define(d: Base, nameRule: NameRule = 'subdomain'): ResourceDef {
  const schemaGroup =
    d.group === '' ? 'core' : d.group.endsWith('.k8s.io') ? d.group.slice(0, -'.k8s.io'.length) : d.group;
  return {
    listKind: `${d.kind}List`,
    singular: d.kind.toLowerCase(),
    verbs: [...ALL_VERBS],
    schema: `io.k8s.api.${schemaGroup.replace('rbac.authorization', 'rbac')}.${d.version}.${d.kind}`,
    ...d,
    validate: (obj, old) => [...validateMeta(obj, d.namespaced, nameRule), ...(d.validate?.(obj, old) ?? [])],
  };
}
