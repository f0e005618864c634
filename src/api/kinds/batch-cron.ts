/**
 * The CronJob schedule check as upstream makes it: robfig/cron v3's
 * ParseStandard (five fields or a @descriptor) with its error texts, and the
 * time zone check of validateTimeZone (time.LoadLocation's answers).
 * @module
 */
import { goQuote } from '../field-path.js';

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

// Second, minute, hour, day of month, month, day of week (seconds are fixed to "0" in the standard parser).
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

const MAX_INT64 = (1n << 63n) - 1n;

/** strconv.Atoi, with Go's error text. */
function atoi(s: string): number | string {
  if (!/^[+-]?\d+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const n = BigInt(s);
  if (n > MAX_INT64 || n < -MAX_INT64 - 1n) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return Number(n);
}

class CronError extends Error {}

function parseInt0(expr: string): number {
  const n = atoi(expr);
  if (typeof n === 'string') throw new CronError(`failed to parse int from ${expr}: ${n}`);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? parseInt0(expr);
}

function checkRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
  } else {
    start = parseIntOrName(lowAndHigh[0] ?? '', r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt0(rangeAndStep[1] ?? '');
    if (lowAndHigh.length === 1) end = r.max;
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`);
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration's verdict: undefined when valid, else Go's error text. */
export function goDurationError(s: string): string | undefined {
  const bad = `time: invalid duration ${goQuote(s)}`;
  let rest = s.replace(/^[+-]/, '');
  if (rest === '0') return undefined;
  if (rest === '') return bad;
  while (rest !== '') {
    const m = /^(\d*)(\.(\d*))?/.exec(rest);
    const whole = m?.[1] ?? '';
    const frac = m?.[3] ?? '';
    if (!m || (whole === '' && frac === '')) return bad;
    rest = rest.slice(m[0].length);
    const u = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (u === '') return `time: missing unit in duration ${goQuote(s)}`;
    if (!(u in UNITS)) return `time: unknown unit ${goQuote(u)} in duration ${goQuote(s)}`;
    rest = rest.slice(u.length);
  }
  return undefined;
}

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** cron.ParseStandard: undefined for a good schedule, else the error text upstream puts in the field error. */
export function cronScheduleError(spec: string): string | undefined {
  if (spec.length === 0) return 'empty spec string';
  let rest = spec;
  if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
    const i = rest.indexOf(' ');
    const name = rest.slice(rest.indexOf('=') + 1, i < 0 ? undefined : i);
    const tzErr = timeZoneLoadError(name);
    if (tzErr) return `provided bad location ${name}: ${tzErr}`;
    rest = i < 0 ? '' : rest.slice(i).trim();
  }
  if (rest.startsWith('@')) {
    if (DESCRIPTORS.has(rest)) return undefined;
    if (rest.startsWith('@every ')) {
      const err = goDurationError(rest.slice('@every '.length));
      return err ? `failed to parse duration ${rest}: ${err}` : undefined;
    }
    return `unrecognized descriptor: ${rest}`;
  }
  const fields = rest.split(/[\s\u0085\u00a0]+/).filter((f) => f !== '');
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  try {
    ['0', ...fields].forEach((f, i) => {
      for (const expr of f.split(',').filter((e) => e !== '')) checkRange(expr, FIELDS[i] ?? FIELDS[0]!);
    });
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
  return undefined;
}

/**
 * time.LoadLocation's error for a zone name ("unknown time zone X"), using the
 * IANA database Node carries. Go reads zone files by exact, case-sensitive
 * name; ICU folds case, so a name must also be spelled as the database spells it.
 */
export function timeZoneLoadError(name: string): string | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return undefined;
  let known = false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    known = Intl.supportedValuesOf('timeZone').includes(name) || name.split('/').every((p) => /^[A-Z0-9]/.test(p));
  } catch {
    known = false;
  }
  return known ? undefined : `unknown time zone ${name}`;
}

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone: the detail for an invalid spec.timeZone, or undefined. */
export function timeZoneError(tz: string): string | undefined {
  if (tz.length === 0) return 'timeZone must be nil or non-empty string';
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return `unknown time zone ${tz}`;
  }
  if (tz.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  return timeZoneLoadError(tz);
}
