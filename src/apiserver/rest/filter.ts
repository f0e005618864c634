/** Turning `labelSelector` / `fieldSelector` query parameters into an object predicate. */
import {
  FieldSelectorError,
  LabelSelectorError,
  fieldsNotIn,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type KObject,
  type ResourceDef,
} from '../../api/index.js';
import { errors } from '../errors.js';

export type Predicate = (obj: KObject) => boolean;

/** The field values a kind supports in field selectors. */
export function fieldsOf(def: ResourceDef, obj: KObject): Record<string, string> {
  const out: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (def.namespaced) out['metadata.namespace'] = obj.metadata.namespace ?? '';
  for (const [k, f] of Object.entries(def.fieldSelectors ?? {})) out[k] = f(obj) ?? '';
  return out;
}

export function predicateFor(def: ResourceDef, query: URLSearchParams): { pred: Predicate | undefined; name?: string } {
  const preds: Predicate[] = [];
  let name: string | undefined;
  const ls = query.get('labelSelector');
  if (ls) {
    let sel;
    try {
      sel = parseLabelSelector(ls);
    } catch (e) {
      if (e instanceof LabelSelectorError) throw errors.badRequest(`unable to parse requirement: ${e.message}`.replace('unable to parse requirement: unable to parse requirement: ', 'unable to parse requirement: '));
      throw e;
    }
    if (sel.requirements.length) preds.push((o) => matchesLabels(sel, o.metadata.labels));
  }
  const fs = query.get('fieldSelector');
  if (fs) {
    let sel;
    try {
      sel = parseFieldSelector(fs);
    } catch (e) {
      if (e instanceof FieldSelectorError) throw errors.badRequest(e.message);
      throw e;
    }
    const allowed = new Set(['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...Object.keys(def.fieldSelectors ?? {})]);
    const bad = fieldsNotIn(sel, allowed);
    if (bad.length) throw errors.badRequest(`field label not supported: ${bad[0]!}`);
    for (const r of sel.requirements) if (r.field === 'metadata.name' && (r.operator === '=' || r.operator === '==')) name = r.value;
    if (sel.requirements.length) preds.push((o) => matchesFields(sel, fieldsOf(def, o)));
  }
  if (preds.length === 0) return { pred: undefined, name };
  if (preds.length === 1) return { pred: preds[0], name };
  return { pred: (o) => preds.every((p) => p(o)), name };
}
