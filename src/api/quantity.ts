// resource.Quantity: exact fixed-point parsing, arithmetic and canonical form (k8s.io/apimachinery/pkg/api/resource).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A quantity worth `unscaled × 10^exponent`. Never a float. */
export interface Quantity {
  readonly unscaled: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
  /** The input text, kept when upstream keeps it as the serialised form (it was already canonical). */
  readonly text?: string;
}

export type QuantityLike = Quantity | string;

// quantity.go ErrFormatWrong, ErrSuffix, ErrNumeric.
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';

export class QuantityParseError extends Error {
  override name = 'QuantityParseError';
}

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const MAX_INT64 = 2n ** 63n - 1n;
const NANO = -9;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Scanned { positive: boolean; value: string; num: string; denom: string; suffix: string }

// quantity.go parseQuantityString: sign, leading zeros, numerator, '.', denominator, suffix letters, signed digits.
function scan(str: string): Scanned {
  const end = str.length;
  let pos = 0;
  let positive = true;
  if (str[0] === '-' || str[0] === '+') {
    positive = str[0] === '+';
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (isDigit(str[pos])) pos++;
  let num = str.slice(numStart, pos);
  if (pos >= end) return { positive, value: str, num, denom: '', suffix: '' };
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    const start = ++pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
    if (pos >= end) return { positive, value: str, num, denom, suffix: '' };
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str.charAt(pos))) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

// suffix.go interpret: [base, exponent, format].
function interpretSuffix(s: string): [10 | 2, number, QuantityFormat] {
  if (Object.hasOwn(DECIMAL_SUFFIXES, s)) return [10, DECIMAL_SUFFIXES[s] ?? 0, 'DecimalSI'];
  if (Object.hasOwn(BINARY_SUFFIXES, s)) return [2, BINARY_SUFFIXES[s] ?? 0, 'BinarySI'];
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E') && /^[+-]?[0-9]+$/.test(s.slice(1))) {
    const e = BigInt(s.slice(1));
    if (e >= -(2n ** 63n) && e <= MAX_INT64) return [10, Number(BigInt.asIntN(32, e)), 'DecimalExponent']; // int32(parsed)
  }
  throw new QuantityParseError(QUANTITY_SUFFIX_ERROR);
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

// Divide by 10^digits, rounding away from zero (inf.RoundUp / negativeScaleInt64).
function divAway(v: bigint, digits: number): bigint {
  if (digits > 400) return v === 0n ? 0n : v < 0n ? -1n : 1n;
  const d = pow10(digits);
  const q = v / d;
  return v % d === 0n ? q : q + (v < 0n ? -1n : 1n);
}

/** resource.ParseQuantity. Throws QuantityParseError with upstream's message. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  if (str === '0') return { unscaled: 0n, exponent: 0, format: 'DecimalSI', text: '0' };
  const { positive, value, num, denom, suffix } = scan(str);
  const [base, exponent, parsedFormat] = interpretSuffix(suffix);
  let format = parsedFormat;

  // Fast path (int64Amount): small enough to be exact in an int64.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (base === 10) {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  } else if (denom.length === 0) {
    mantissa = 1n << BigInt(exponent);
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else {
    precision = -1;
  }
  if (precision >= 0 && scale - denom.length >= NANO) {
    scale -= denom.length;
    const shifted = num + denom;
    const magnitude = BigInt(shifted) * mantissa;
    if (magnitude <= MAX_INT64) {
      const unscaled = positive ? magnitude : -magnitude;
      const canonical =
        base === 2
          ? (BigInt(shifted) & 7n) !== 0n
          : scale % 3 === 0 && !shifted.endsWith('000') && !shifted.startsWith('0');
      return canonical ? { unscaled, exponent: scale, format, text: str } : { unscaled, exponent: scale, format };
    }
  }

  // Slow path (inf.Dec).
  if (!/[0-9]/.test(value)) throw new QuantityParseError(QUANTITY_NUMERIC_ERROR);
  let amount = BigInt(num + denom);
  let exp = -denom.length;
  if (base === 10) exp += exponent;
  else amount *= 1n << BigInt(exponent);
  if (amount !== 0n && exp < NANO) {
    amount = divAway(amount, NANO - exp); // non-zero values round up to at least 1n
    exp = NANO;
  }
  if (format === 'BinarySI' && compareParts(amount, exp, MAX_INT64, 0) > 0) [amount, exp] = [MAX_INT64, 0];
  if (format === 'BinarySI' && amount > 0n && compareParts(amount, exp, 1n, 0) < 0) format = 'DecimalSI';
  return { unscaled: positive ? amount : -amount, exponent: exp, format };
}

function digitCount(v: bigint): number {
  return abs(v).toString().length;
}

function compareParts(a: bigint, ea: number, b: bigint, eb: number): -1 | 0 | 1 {
  const sa = a === 0n ? 0 : a < 0n ? -1 : 1;
  const sb = b === 0n ? 0 : b < 0n ? -1 : 1;
  if (sa !== sb || sa === 0) return sa < sb ? -1 : sa > sb ? 1 : 0;
  const ma = digitCount(a) + ea;
  const mb = digitCount(b) + eb;
  if (ma !== mb) return (ma > mb ? sa : -sa) as -1 | 1;
  const e = Math.min(ea, eb);
  const x = a * pow10(ea - e);
  const y = b * pow10(eb - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

function toQuantity(q: QuantityLike): Quantity {
  return typeof q === 'string' ? parseQuantity(q) : q;
}

/** Quantity.Cmp: -1, 0 or 1. */
export function compareQuantities(a: QuantityLike, b: QuantityLike): -1 | 0 | 1 {
  const x = toQuantity(a);
  const y = toQuantity(b);
  return compareParts(x.unscaled, x.exponent, y.unscaled, y.exponent);
}

function combine(a: QuantityLike, b: QuantityLike, sign: 1n | -1n): Quantity {
  const x = toQuantity(a);
  const y = toQuantity(b);
  const e = Math.min(x.exponent, y.exponent);
  if (Math.max(x.exponent, y.exponent) - e > 100_000) throw new RangeError('quantity exponents too far apart to add exactly');
  const unscaled = x.unscaled * pow10(x.exponent - e) + sign * y.unscaled * pow10(y.exponent - e);
  // Quantity.Add/Sub: a zero receiver takes the other operand's format.
  return { unscaled, exponent: e, format: x.unscaled === 0n ? y.format : x.format };
}

/** Quantity.Add, exact. */
export function addQuantities(a: QuantityLike, b: QuantityLike): Quantity {
  return combine(a, b, 1n);
}

/** Quantity.Sub, exact. */
export function subtractQuantities(a: QuantityLike, b: QuantityLike): Quantity {
  return combine(a, b, -1n);
}

/** Quantity.ScaledValue: value / 10^scale rounded up away from zero, as a bigint. */
export function quantityScaledValue(q: QuantityLike, scale: number): bigint {
  const x = toQuantity(q);
  const diff = x.exponent - scale;
  if (diff > 100_000) throw new RangeError('quantity too large to scale exactly');
  if (diff >= 0) return x.unscaled * pow10(diff);
  return divAway(x.unscaled, -diff);
}

// Beyond ~10^308 a number is Infinity anyway; upstream's int64 would silently overflow there.
function scaledNumber(q: QuantityLike, scale: number): number {
  const x = toQuantity(q);
  if (x.unscaled !== 0n && x.exponent - scale > 400) return x.unscaled < 0n ? -Infinity : Infinity;
  return Number(quantityScaledValue(x, scale));
}

/** Quantity.MilliValue (ceil(q × 1000), away from zero). Precise up to 2^53. */
export function quantityToMillis(q: QuantityLike): number {
  return scaledNumber(q, -3);
}

/** Quantity.Value (ceil, away from zero). Precise up to 2^53. */
export function quantityToNumber(q: QuantityLike): number {
  return scaledNumber(q, 0);
}

/** resource.NewQuantity. */
export function newQuantity(value: number | bigint, format: QuantityFormat): Quantity {
  return { unscaled: BigInt(value), exponent: 0, format };
}

/** resource.NewMilliQuantity. */
export function newMilliQuantity(value: number | bigint, format: QuantityFormat): Quantity {
  return { unscaled: BigInt(value), exponent: -3, format };
}

/** Quantity.UnmarshalJSON: a JSON string (whitespace trimmed) or number. */
export function quantityFromJSON(value: string | number): Quantity {
  return parseQuantity(typeof value === 'number' ? String(value) : value.trim());
}

function removeFactors(v: bigint, base: bigint, max = Infinity): [bigint, number] {
  let m = v;
  let times = 0;
  while (times < max && abs(m) >= base && m % base === 0n) {
    m /= base;
    times++;
  }
  return [m, times];
}

const DECIMAL_SUFFIX_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_SUFFIX_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));

/**
 * Quantity.String(): the canonical form (largest suffix with no fraction, BinarySI kept
 * only for integers with |q| >= 1024). Text that upstream recognises as canonical when
 * parsing is returned unchanged, as upstream does (e.g. `100m`, `1e3`).
 */
export function canonicalQuantity(q: QuantityLike | number): string {
  const x = typeof q === 'number' ? quantityFromJSON(q) : toQuantity(q);
  if (x.text !== undefined) return x.text;
  if (x.unscaled === 0n) return '0';
  let format = x.format;
  if (format === 'BinarySI') {
    const small = compareParts(x.unscaled, x.exponent, -1024n, 0) > 0 && compareParts(x.unscaled, x.exponent, 1024n, 0) < 0;
    const integral = x.exponent >= 0 || x.unscaled % pow10(-x.exponent) === 0n;
    if (small || !integral) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    const integer = quantityScaledValue(x, 0);
    const [m, times] = removeFactors(integer, 1024n, 6);
    return `${m}${BINARY_SUFFIX_BY_EXPONENT.get(times * 10) ?? ''}`;
  }
  let [m, e] = removeFactors(x.unscaled, 10n);
  e += x.exponent;
  while (e % 3 !== 0) {
    m *= 10n;
    e--;
  }
  const si = format === 'DecimalSI' ? DECIMAL_SUFFIX_BY_EXPONENT.get(e) : undefined;
  // DecimalSI has no suffix past E (10^18): fall back to an exponent, as current upstream does.
  return `${m}${si ?? (e === 0 ? '' : `e${e}`)}`;
}
