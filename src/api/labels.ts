// Label selectors: the `?labelSelector=` grammar and the metav1.LabelSelector object form (k8s.io/apimachinery/pkg/labels).
import { type FieldError, type FieldPath, GoStringSlice, aggregateErrorMessage, childPath, fieldInvalid, goQuote } from './field-path.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/** selection.Operator values. `!` is DoesNotExist, `gt`/`lt` come from `a>1`/`a<1`. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement { readonly key: string; readonly operator: LabelOperator; readonly values: readonly string[] }

/** ANDed requirements, sorted by key. No requirements: matches everything. */
export interface LabelSelector { readonly requirements: readonly LabelRequirement[] }

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirementObject { key: string; operator: string; values?: string[] | null }

/** metav1.LabelSelector. */
export interface LabelSelectorObject { matchLabels?: Record<string, string> | null; matchExpressions?: LabelSelectorRequirementObject[] | null }

/** A selector that failed to parse or validate; `message` is upstream's error text. */
export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
}

/** Go's sort.Strings order (UTF-8 bytes). */
function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function parseInt64(s: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
}

function keyError(key: string, path: FieldPath | null): FieldError | null {
  const errs = isQualifiedName(key);
  return errs.length === 0 ? null : fieldInvalid(path, key, errs.join('; '));
}

/**
 * selector.go NewRequirement. `reported` is the Go slice as upstream prints it in
 * errors (nil for an absent `values` in the object form).
 */
function newRequirement(key: string, op: LabelOperator, vals: readonly string[], reported: GoStringSlice): LabelRequirement {
  const errs: FieldError[] = [];
  const kErr = keyError(key, childPath(null, 'key'));
  if (kErr !== null) errs.push(kErr);
  const valuePath = childPath(null, 'values');
  switch (op) {
    case 'in': case 'notin':
      if (vals.length === 0) errs.push(fieldInvalid(valuePath, reported, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (vals.length !== 1) errs.push(fieldInvalid(valuePath, reported, 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (vals.length !== 0) errs.push(fieldInvalid(valuePath, reported, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (vals.length !== 1) errs.push(fieldInvalid(valuePath, reported, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === null) errs.push(fieldInvalid(valuePath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  vals.forEach((v, i) => {
    const vErrs = isValidLabelValue(v);
    if (vErrs.length > 0) errs.push(fieldInvalid(valuePath.index(i).key(key), v, vErrs.join('; ')));
  });
  if (errs.length > 0) throw new LabelSelectorError(aggregateErrorMessage(errs));
  return { key, operator: op, values: [...vals] };
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => byteCompare(a.key, b.key)); // Array.prototype.sort is stable
}

// ---- string grammar: selector.go Lexer and Parser ----

type Tok = 'eos' | 'ident' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';
type Item = { tok: Tok; lit: string };
const SPECIAL = '=!(),><';
const SYMBOLS: ReadonlySet<string> = new Set(['(', ')', ',', '!', '=', '==', '!=', '>', '<']);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const isWs = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  for (;;) {
    while (pos < s.length && isWs(s.charAt(pos))) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    const ch = s.charAt(pos);
    if (SPECIAL.includes(ch)) {
      // Longest run of special characters that is still a token (at most two here).
      const two = s.slice(pos, pos + 2);
      const lit = two.length === 2 && SYMBOLS.has(two) ? two : ch;
      pos += lit.length;
      items.push({ tok: lit as Tok, lit });
      continue;
    }
    const start = pos;
    while (pos < s.length && !SPECIAL.includes(s.charAt(pos)) && !isWs(s.charAt(pos))) pos++;
    const lit = s.slice(start, pos);
    items.push({ tok: lit === 'in' || lit === 'notin' ? lit : 'ident', lit });
  }
}

class Failure extends Error {}

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  // In the Values context the keywords `in` and `notin` are plain identifiers.
  private peek(values: boolean): Item {
    const it = this.items[Math.min(this.position, this.items.length - 1)] ?? { tok: 'eos', lit: '' };
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'ident', lit: it.lit } : it;
  }

  private next(values: boolean): Item {
    const it = this.peek(values);
    this.position++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'eos') return reqs;
      if (tok !== 'ident' && tok !== '!') throw new LabelSelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        if (e instanceof Failure || e instanceof LabelSelectorError) throw new LabelSelectorError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const t = this.next(true);
      if (t.tok === 'eos') return reqs;
      if (t.tok !== ',') throw new LabelSelectorError(`found '${t.lit}', expected: ',' or 'end of string'`);
      const t2 = this.peek(true);
      if (t2.tok !== 'ident' && t2.tok !== '!') throw new LabelSelectorError(`found '${t2.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let { tok, lit } = this.next(true);
    let unary: LabelOperator | undefined;
    if (tok === '!') {
      unary = '!';
      ({ tok, lit } = this.next(true));
    }
    if (tok !== 'ident') throw new Failure(`found '${lit}', expected: identifier`);
    const kErr = keyError(lit, null);
    if (kErr !== null) throw new Failure(kErr.error());
    const key = lit;
    const after = this.peek(true).tok;
    if (unary === undefined && (after === 'eos' || after === ',')) unary = 'exists';
    if (unary !== undefined) return newRequirement(key, unary, [], new GoStringSlice([]));
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    const sorted = [...new Set(values)].sort(byteCompare); // sets.String.List()
    return newRequirement(key, op, sorted, new GoStringSlice(sorted));
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.next(false);
    if (tok === 'in' || tok === 'notin' || tok === '=' || tok === '==' || tok === '!=') return tok;
    if (tok === '>' || tok === '<') return tok === '>' ? 'gt' : 'lt';
    throw new Failure(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
  }

  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new Failure(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek(true);
    if (tok === ')') {
      this.next(true);
      return [''];
    }
    if (tok !== 'ident' && tok !== ',') throw new Failure(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    this.next(true); // the ')' that identifierList stopped at
    return values;
  }

  // parseIdentifiersList: empty entries (`(,a)`, `(a,,b)`, `(a,)`) become "".
  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === 'ident') {
        values.push(lit);
        const n = this.peek(true);
        if (n.tok === ')') return values;
        if (n.tok !== ',') throw new Failure(`found '${n.lit}', expected: ',' or ')'`);
      } else if (tok === ',') {
        if (values.length === 0) values.push('');
        const n = this.peek(true).tok;
        if (n === ')') {
          values.push('');
          return values;
        }
        if (n === ',') {
          this.next(true);
          values.push('');
        }
      } else {
        throw new Failure(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const t = this.peek(true).tok;
    if (t === 'eos' || t === ',') return [''];
    const { tok, lit } = this.next(true);
    if (tok === 'ident') return [lit];
    throw new Failure(`found '${lit}', expected: identifier`);
  }
}

/** labels.Parse: the `?labelSelector=` string form. Throws LabelSelectorError with upstream's message. */
export function parseLabelSelector(text: string): LabelSelector {
  return { requirements: sortByKey(new Parser(lex(text)).parse()) };
}

const OBJECT_OPERATORS: Readonly<Record<string, LabelOperator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector (apis/meta/v1/helpers.go) for a non-nil selector; an empty one matches everything.
 * Upstream turns a nil *LabelSelector into labels.Nothing() (matches no object): callers
 * holding an absent selector (e.g. a Service without one) must decide that themselves.
 */
export function selectorFromLabelSelector(obj: LabelSelectorObject): LabelSelector {
  const reqs: LabelRequirement[] = [];
  const matchLabels = obj.matchLabels ?? {};
  for (const key of Object.keys(matchLabels).sort(byteCompare)) {
    const v = matchLabels[key] ?? '';
    reqs.push(newRequirement(key, '=', [v], new GoStringSlice([v])));
  }
  for (const expr of obj.matchExpressions ?? []) {
    const op = Object.hasOwn(OBJECT_OPERATORS, expr.operator) ? OBJECT_OPERATORS[expr.operator] : undefined;
    if (op === undefined) throw new LabelSelectorError(`${goQuote(expr.operator)} is not a valid label selector operator`);
    const vals = expr.values ?? [];
    reqs.push(newRequirement(expr.key, op, vals, new GoStringSlice(vals.length === 0 ? null : vals)));
  }
  return { requirements: sortByKey(reqs) };
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has && r.values.includes(value ?? '');
    case 'notin': case '!=':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      const lv = has ? parseInt64(value ?? '') : null;
      const rv = r.values.length === 1 ? parseInt64(r.values[0] ?? '') : null;
      if (lv === null || rv === null) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

/** Selector.Matches: every requirement holds. Absent labels are treated as no labels. */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return selector.requirements.every((r) => requirementMatches(r, l));
}

const OPERATOR_TEXT: Readonly<Record<LabelOperator, string>> = { in: ' in ', notin: ' notin ', '=': '=', '==': '==', '!=': '!=', gt: '>', lt: '<', exists: '', '!': '' };

/** Requirement.String(), e.g. `tier in (a,b)`, `!beta`, `app=web`. */
export function labelRequirementToString(r: LabelRequirement): string {
  const prefix = r.operator === '!' ? '!' : '';
  if (r.operator === 'exists' || r.operator === '!') return `${prefix}${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort(byteCompare).join(',');
  const set = r.operator === 'in' || r.operator === 'notin';
  return `${r.key}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
}

/** Selector.String(): requirements (already sorted by key) joined by ','; '' for everything. */
export function labelSelectorToString(selector: LabelSelector): string {
  return selector.requirements.map(labelRequirementToString).join(',');
}
