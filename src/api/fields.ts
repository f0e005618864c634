// Field selectors: the `?fieldSelector=` grammar with upstream's escaping (k8s.io/apimachinery/pkg/fields/selector.go).

export type FieldOperator = '=' | '==' | '!=';

/** One term; `value` is unescaped. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** ANDed terms, in upstream's order (sorted by raw term text). No terms: matches everything. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/** A selector that failed to parse; `message` is upstream's error text. */
export class FieldSelectorError extends Error {
  override name = 'FieldSelectorError';
}

// splitTerms: split on commas not preceded by a backslash escape; escapes stay in the terms.
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector.charAt(i);
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

// splitTerm: the first operator wins; `!=` and `==` are tried before `=` at each position. No escaping in the field.
function splitTerm(term: string): [string, FieldOperator, string] | null {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return null;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are the only escapes; bare `,` or `=` are errors. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Upstream formats the rune with %v, which prints its code point.
      throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** fields.ParseSelector. Throws FieldSelectorError with upstream's message. */
export function parseFieldSelector(text: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const part of splitTerms(text).sort(byteCompare)) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (split === null) throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
    const [field, operator, raw] = split;
    const value = unescapeFieldValue(raw);
    // Transform drops a term whose field and value are both empty ("=" selects everything).
    if (field.length === 0 && value.length === 0) continue;
    requirements.push({ field, operator, value });
  }
  return { requirements };
}

/** Selector.Matches. A field missing from `fields` compares as "" (upstream Fields.Get). */
export function matchesFields(selector: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  return selector.requirements.every((r) => {
    const v = Object.hasOwn(fields, r.field) ? (fields[r.field] ?? '') : '';
    return r.operator === '!=' ? v !== r.value : v === r.value;
  });
}

/** Selector.String(): `f=v` / `f!=v` terms (`==` prints as `=`), values re-escaped, joined by ','. */
export function fieldSelectorToString(selector: FieldSelector): string {
  return selector.requirements
    .map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`)
    .join(',');
}

/**
 * The fields a selector uses that the resource does not support, in selector order and
 * without repeats. The API server answers the first with 400 `field label not supported: <name>`.
 */
export function fieldsNotIn(selector: FieldSelector, allowed: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const r of selector.requirements) {
    if (!allowed.has(r.field) && !out.includes(r.field)) out.push(r.field);
  }
  return out;
}
