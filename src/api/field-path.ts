// Field paths and field errors rendered exactly as k8s.io/apimachinery/pkg/util/validation/field (v1.32).

/** A path to a field, e.g. `spec.containers[0].image` or `metadata.labels[app]` (map keys are not quoted). */
export class FieldPath {
  private constructor(
    private readonly name: string,
    private readonly subscript: string,
    private readonly parent: FieldPath | null,
  ) {}

  /** Upstream NewPath: a root path of one or more names. */
  static of(name: string, ...more: string[]): FieldPath {
    let p = new FieldPath(name, '', null);
    for (const n of more) p = new FieldPath(n, '', p);
    return p;
  }

  child(name: string, ...more: string[]): FieldPath {
    let p: FieldPath = this;
    for (const n of [name, ...more]) p = new FieldPath(n, '', p);
    return p;
  }

  index(i: number): FieldPath {
    return new FieldPath('', String(i), this);
  }

  key(k: string): FieldPath {
    return new FieldPath('', k, this);
  }

  /** path.go String(): names joined by '.', subscripts as `[x]`. */
  toString(): string {
    const elems: FieldPath[] = [];
    for (let p: FieldPath | null = this; p !== null; p = p.parent) elems.unshift(p);
    let out = '';
    for (const e of elems) {
      if (e.parent !== null && e.name.length > 0) out += '.';
      out += e.name.length > 0 ? e.name : `[${e.subscript}]`;
    }
    return out;
  }
}

/** Upstream NewPath. */
export function newPath(name: string, ...more: string[]): FieldPath {
  return FieldPath.of(name, ...more);
}

/** Upstream (*Path).Child, which also works on a nil parent. */
export function childPath(parent: FieldPath | null, name: string, ...more: string[]): FieldPath {
  return parent === null ? FieldPath.of(name, ...more) : parent.child(name, ...more);
}

/** path.go String() on a nil *Path is `<nil>` (seen in label selector errors). */
export function pathString(p: FieldPath | null): string {
  return p === null ? '<nil>' : p.toString();
}

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

// errors.go ErrorType.String()
const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Marker for "no value to print" (upstream omitValue, used by TooMany with a negative actual). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

/** A Go []string, printed with %#v as `[]string{"a", "b"}` or `[]string(nil)`. */
export class GoStringSlice {
  constructor(readonly values: readonly string[] | null) {}
  toGoString(): string {
    if (this.values === null) return '[]string(nil)';
    return `[]string{${this.values.map(goQuote).join(', ')}}`;
  }
}

/** One field error; `error()` is upstream's Error(), `errorBody()` its ErrorBody(). */
export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly badValue: unknown,
    readonly detail: string,
  ) {}

  error(): string {
    return `${this.field}: ${this.errorBody()}`;
  }

  // errors.go ErrorBody() (v1.32: simple types with %v, strings with %q, others with %#v).
  errorBody(): string {
    const t = TYPE_TEXT[this.type];
    let s: string;
    switch (this.type) {
      case 'FieldValueRequired':
      case 'FieldValueForbidden':
      case 'FieldValueTooLong':
      case 'InternalError':
        s = t;
        break;
      default:
        s = this.badValue === OMIT_VALUE ? t : `${t}: ${renderValue(this.badValue)}`;
    }
    return this.detail.length > 0 ? `${s}: ${this.detail}` : s;
  }

  /** A metav1.StatusCause as apierrors.NewInvalid builds it: message is ErrorBody(). */
  toStatusCause(): { reason: FieldErrorType; message: string; field: string } {
    return { reason: this.type, message: this.errorBody(), field: this.field };
  }
}

export type ErrorList = FieldError[];

function renderValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : goFloat(v);
  if (v instanceof GoStringSlice) return v.toGoString();
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Go's %v for a float64: strconv 'g' with shortest digits, exponent form when exp < -4 or exp >= 6. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant = '', expText = '0'] = Math.abs(f).toExponential().split('e');
  const exp = Number(expText);
  const digits = mant.replace('.', '');
  const sign = f < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}${frac.length > 0 ? `.${frac}` : ''}`;
}

const GRAPHIC = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go strconv.Quote (used by %q and by NotSupported's list of values). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (GRAPHIC.test(ch)) out += ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

// Constructors, one per upstream helper in errors.go.
export function fieldRequired(p: FieldPath | null, detail = ''): FieldError {
  return new FieldError('FieldValueRequired', pathString(p), '', detail);
}
export function fieldInvalid(p: FieldPath | null, value: unknown, detail: string): FieldError {
  return new FieldError('FieldValueInvalid', pathString(p), value, detail);
}
export function fieldTypeInvalid(p: FieldPath | null, value: unknown, detail: string): FieldError {
  return new FieldError('FieldValueTypeInvalid', pathString(p), value, detail);
}
export function fieldNotFound(p: FieldPath | null, value: unknown): FieldError {
  return new FieldError('FieldValueNotFound', pathString(p), value, '');
}
export function fieldDuplicate(p: FieldPath | null, value: unknown): FieldError {
  return new FieldError('FieldValueDuplicate', pathString(p), value, '');
}
export function fieldForbidden(p: FieldPath | null, detail: string): FieldError {
  return new FieldError('FieldValueForbidden', pathString(p), '', detail);
}
export function fieldNotSupported(p: FieldPath | null, value: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
  return new FieldError('FieldValueNotSupported', pathString(p), value, detail);
}
/** v1.32 TooLong (merged with TooLongMaxLength, kubernetes#128553): "may not be more than N bytes". */
export function fieldTooLong(p: FieldPath | null, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return new FieldError('FieldValueTooLong', pathString(p), '<value omitted>', detail);
}
export function fieldTooMany(p: FieldPath | null, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return new FieldError('FieldValueTooMany', pathString(p), actual >= 0 ? actual : OMIT_VALUE, detail);
}
export function fieldInternalError(p: FieldPath | null, err: Error): FieldError {
  return new FieldError('InternalError', pathString(p), null, err.message);
}

/**
 * ErrorList.ToAggregate().Error(): duplicates dropped, one error printed bare,
 * several as `[a, b]` (k8s.io/apimachinery/pkg/util/errors). Empty list gives ''.
 */
export function aggregateErrorMessage(list: readonly FieldError[]): string {
  const seen: string[] = [];
  for (const e of list) {
    const msg = e.error();
    if (!seen.includes(msg)) seen.push(msg);
  }
  if (seen.length <= 1) return seen[0] ?? '';
  return `[${seen.join(', ')}]`;
}
