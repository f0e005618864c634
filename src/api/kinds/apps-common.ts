/**
 * Shared pieces of the workload kinds (apps, batch, autoscaling, policy):
 * Go-style renderings of invalid values (upstream prints structs with %#v,
 * and users search for those messages), label-selector and pod-template
 * validation, table cells, and the update-time bookkeeping upstream's
 * strategies do in PrepareForUpdate.
 * @module
 */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { goQuote } from '../field-path.js';
import { isQualifiedName, isValidLabelValue, regexError } from '../names.js';
import { LabelSelectorError, labelSelectorToString, matchesLabels, selectorFromLabelSelector, type LabelSelector, type LabelSelectorObject } from '../labels.js';
import { defaultPodSpec, validatePodSpec } from './pod.js';
import { arr, rec, str } from './common.js';

export type Rec = Record<string, unknown>;

// ---- Go %#v renderings -----------------------------------------------------

/** `map[string]string{"a":"b"}`, keys sorted as fmt prints maps; `map[string]string(nil)` when absent. */
export function goStringMap(m: unknown): string {
  if (!isRecord(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

function goStrings(v: unknown): string {
  return Array.isArray(v) ? `[]string{${v.map((s) => goQuote(String(s))).join(', ')}}` : '[]string(nil)';
}

/** A *metav1.LabelSelector as field errors print it (dereferenced, %#v). */
export function goLabelSelector(sel: unknown): string {
  const s = rec(sel);
  const exprs = Array.isArray(s.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map(rec)
        .map((e) => `v1.LabelSelectorRequirement{Key:${goQuote(str(e.key))}, Operator:${goQuote(str(e.operator))}, Values:${goStrings(e.values)}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** An intstr.IntOrString value (%#v): Type 0 is Int, 1 is String. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

/** A pointer field inside a %#v struct: `(*T)(nil)` or an address (upstream prints a real one). */
export function goPtr(type: string, v: unknown, addr: number): string {
  return v === undefined || v === null ? `(*${type})(nil)` : `(*${type})(0xc000${(0x4a0000 + addr * 0x20).toString(16)})`;
}

/** field.Invalid with a value already rendered the Go way. */
export function invalidGo(field: string, rendered: string, detail: string): FieldErr {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${rendered}${detail ? `: ${detail}` : ''}` };
}

/** field.NotSupported with a value already rendered the Go way. */
export function notSupportedGo(field: string, rendered: string, supported: string[]): FieldErr {
  return { type: 'FieldValueNotSupported', field, message: `Unsupported value: ${rendered}: supported values: ${supported.map(goQuote).join(', ')}` };
}

// ---- small validators ------------------------------------------------------

/** ValidateNonnegativeField. */
export function nonNegative(field: string, v: unknown): FieldErr[] {
  return typeof v === 'number' && v < 0 ? [fieldErr.invalid(field, v, 'must be greater than or equal to 0')] : [];
}

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MSG = regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%');

/** ValidatePositiveIntOrPercent (apps validation): a non-negative int or a `N%` string. */
export function validateIntOrPercent(v: unknown, field: string): FieldErr[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return PERCENT_RE.test(v) ? [] : [invalidGo(field, goIntOrString(v), PERCENT_MSG)];
  return nonNegative(field, v);
}

/** getIntOrPercentValue: the number of a percent, or IntValue() (a bad string counts as its Atoi, else 0). */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  const s = PERCENT_RE.test(v) ? v.slice(0, -1) : v;
  return /^[+-]?\d+$/.test(s) ? Number(s) : 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, field: string): FieldErr[] {
  if (typeof v !== 'string' || !PERCENT_RE.test(v) || Number(v.slice(0, -1)) <= 100) return [];
  return [invalidGo(field, goIntOrString(v), 'must not be greater than 100%')];
}

/** IntOrString.String(): `2` or `50%`. */
export function intOrStringText(v: unknown): string {
  return typeof v === 'number' ? String(v) : str(v);
}

/** unversionedvalidation.ValidateLabels (keys and values). */
export function validateLabels(labels: unknown, field: string): FieldErr[] {
  const errs: FieldErr[] = [];
  for (const [k, v] of Object.entries(rec(labels))) {
    for (const msg of isQualifiedName(k)) errs.push(fieldErr.invalid(field, k, msg));
    for (const msg of isValidLabelValue(String(v))) errs.push(fieldErr.invalid(field, v, msg));
  }
  return errs;
}

/** unversionedvalidation.ValidateLabelSelector. */
export function validateLabelSelector(sel: unknown, field: string): FieldErr[] {
  if (!isRecord(sel)) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  arr(sel.matchExpressions).forEach((e, i) => {
    const r = rec(e);
    const p = `${field}.matchExpressions[${i}]`;
    const values = arr(r.values);
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldErr.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldErr.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErr.invalid(`${p}.operator`, r.operator ?? '', 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(str(r.key))) errs.push(fieldErr.invalid(`${p}.key`, str(r.key), msg));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(String(v))) errs.push(fieldErr.invalid(`${p}.values[${j}]`, v, msg));
    });
  });
  return errs;
}

/** metav1.LabelSelectorAsSelector: undefined for an absent selector (labels.Nothing), null when invalid. */
export function asSelector(sel: unknown): LabelSelector | undefined | null {
  if (!isRecord(sel)) return undefined;
  try {
    return selectorFromLabelSelector(sel as LabelSelectorObject);
  } catch (e) {
    if (e instanceof LabelSelectorError) return null;
    throw e;
  }
}

/** metav1.FormatLabelSelector: `<none>` for an empty or absent selector, `<error>` for a bad one. */
export function formatLabelSelector(sel: unknown): string {
  const s = asSelector(sel);
  if (s === null) return '<error>';
  const text = s ? labelSelectorToString(s) : '';
  return text || '<none>';
}

/** labels.FormatLabels: `k=v,...` sorted, `<none>` when empty. */
export function formatLabels(m: unknown): string {
  const entries = Object.entries(rec(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(',') : '<none>';
}

/**
 * The selector rules the workload controllers share: required, valid, not
 * empty (`empty selector is invalid for <kind>`), and matching the template.
 * An absent selector is labels.Nothing() upstream, so it also fails the
 * template match; an empty one matches everything. `invalidDetail: null`
 * skips the error for a selector that does not convert (DaemonSet).
 */
export function validateWorkloadSelector(spec: Rec, kind: string, opts: { required?: boolean; emptyInvalid?: boolean; invalidDetail?: string | null } = {}): FieldErr[] {
  const errs: FieldErr[] = [];
  const sel = spec.selector;
  if (!isRecord(sel)) {
    if (opts.required !== false) errs.push(fieldErr.required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (opts.emptyInvalid !== false && arr(sel.matchExpressions).length + Object.keys(rec(sel.matchLabels)).length === 0) {
      errs.push(invalidGo('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${kind}`));
    }
  }
  const selector = asSelector(sel);
  const labels = rec(rec(spec.template).metadata).labels;
  if (selector === null) {
    if (opts.invalidDetail !== null) errs.push(invalidGo('spec.selector', goLabelSelector(sel), opts.invalidDetail ?? 'invalid label selector'));
  } else if (selector === undefined || (selector.requirements.length > 0 && !matchesLabels(selector, rec(labels) as Record<string, string>))) {
    errs.push(invalidGo('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  return errs;
}

/** ValidatePodTemplateSpec: template labels (reported at `<path>.labels`, as upstream does) and the pod spec. */
export function validatePodTemplate(template: unknown, path: string): FieldErr[] {
  const t = rec(template);
  return [...validateLabels(rec(t.metadata).labels, `${path}.labels`), ...validatePodSpec(rec(t.spec), `${path}.spec`)];
}

/** The restartPolicy a workload's pods must have, and no activeDeadlineSeconds. */
export function validateTemplatePolicy(template: unknown, path: string, allowed: string[], kindForDeadline?: string): FieldErr[] {
  const spec = rec(rec(template).spec);
  const errs: FieldErr[] = [];
  if (!allowed.includes(str(spec.restartPolicy))) errs.push(fieldErr.notSupported(`${path}.spec.restartPolicy`, spec.restartPolicy ?? '', allowed));
  if (kindForDeadline && spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(fieldErr.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kindForDeadline} is not Supported`));
  }
  return errs;
}

/**
 * Pod template defaults: SetDefaults_PodSpec and friends, plus the
 * `creationTimestamp: null` that v1.32 servers print for every embedded ObjectMeta.
 */
export function defaultPodTemplate(template: Rec): void {
  const md = child(template, 'metadata');
  if (!('creationTimestamp' in md)) md.creationTimestamp = null;
  const spec = child(template, 'spec');
  // defaultPodSpec also does what upstream's SetDefaults_Pod does only for Pods
  // (enableServiceLinks; host ports on the host network): undo that for templates.
  const hadLinks = 'enableServiceLinks' in spec;
  const ports = arr(spec.containers).flatMap((c) => arr(rec(c).ports)).filter(isRecord);
  const hadHostPort = ports.map((p) => 'hostPort' in p);
  defaultPodSpec(spec);
  if (!hadLinks) delete spec.enableServiceLinks;
  ports.forEach((p, i) => {
    if (!hadHostPort[i]) delete p.hostPort;
  });
}

// ---- table cells -------------------------------------------------------------

/** layoutContainerCells: names and images joined by commas. */
export function containerCells(podSpec: unknown): [string, string] {
  const cs = arr(rec(podSpec).containers).map(rec);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

// ---- update bookkeeping ------------------------------------------------------

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(canonical) : undefined;
  if (isRecord(v)) {
    const out: Rec = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical(v[k]);
      if (c !== undefined && c !== null) out[k] = c;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

/** apiequality.Semantic.DeepEqual for JSON values: key order, nil and empty collections do not matter. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** ValidateImmutableField for a label selector (the well-known `field is immutable` message). */
export function immutableSelector(obj: KObject, old: KObject, field = 'spec.selector', path: (o: KObject) => unknown = (o) => rec(o.spec).selector): FieldErr[] {
  const now = path(obj);
  return semanticEqual(now, path(old)) ? [] : [invalidGo(field, goLabelSelector(now), 'field is immutable')];
}

/**
 * PrepareForUpdate's generation rule, judged after defaulting (the server's
 * own comparison runs before defaults): a spec change — or, for Deployments,
 * an annotation change — bumps metadata.generation once.
 */
export function settleGeneration(obj: KObject, old: KObject, alsoAnnotations = false): void {
  const before = old.metadata.generation ?? 1;
  const changed = !semanticEqual(obj.spec, old.spec) || (alsoAnnotations && !semanticEqual(obj.metadata.annotations, old.metadata.annotations));
  obj.metadata.generation = changed ? before + 1 : before;
}

/** Zero-valued status fields that upstream always prints (non-omitempty int32 fields). */
export function statusZeros(obj: KObject, fields: string[]): void {
  const status = child(obj, 'status');
  for (const f of fields) status[f] ??= 0;
}
