/** Standard five-field cron schedules and macros (robfig/cron as CronJob uses it), evaluated in an IANA time zone. */

const MACROS: Record<string, string> = { '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *' };
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const BOUNDS: Array<[number, number, string[] | undefined, number]> = [
  [0, 59, undefined, 0],
  [0, 23, undefined, 0],
  [1, 31, undefined, 1],
  [1, 12, MONTHS, 1],
  [0, 6, DAYS, 0],
];

export interface Schedule {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** Day-of-month or day-of-week was `*` (cron ORs the two only when both are restricted). */
  domStar: boolean;
  dowStar: boolean;
  timeZone?: string;
}

function field(text: string, i: number): Set<number> {
  const [lo, hi, names, base] = BOUNDS[i] ?? [0, 0, undefined, 0];
  const out = new Set<number>();
  const val = (s: string) => {
    const n = names?.indexOf(s.toLowerCase());
    const v = n !== undefined && n >= 0 ? n + base : /^\d+$/.test(s) ? Number(s) : NaN;
    if (Number.isNaN(v) || v < lo || v > hi + (i === 4 ? 1 : 0)) throw new Error(`invalid value "${s}"`);
    return i === 4 && v === 7 ? 0 : v;
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new Error(`invalid step "${part}"`);
    let a: number;
    let b: number;
    if (range === '*' || range === '?') [a, b] = [lo, hi];
    else if (range.includes('-')) [a, b] = range.split('-').map(val) as [number, number];
    else [a, b] = [val(range), stepText === undefined ? val(range) : hi];
    if (a > b) throw new Error(`invalid range "${range}"`);
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

/** Parses `*\/5 * * * *`, `@hourly`, `CRON_TZ=Zone …` (rejected by the API, accepted here). */
export function parseSchedule(text: string, timeZone?: string): Schedule {
  const t = text.trim();
  const spec = MACROS[t.toLowerCase()] ?? t;
  const parts = spec.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: ${text}`);
  const [mi = '', h = '', dom = '', mo = '', dow = ''] = parts;
  return { minute: field(mi, 0), hour: field(h, 1), dom: field(dom, 2), month: field(mo, 3), dow: field(dow, 4), domStar: dom === '*' || dom === '?', dowStar: dow === '*' || dow === '?', timeZone };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Wall-clock fields of `ms` in a time zone. */
function wall(ms: number, tz: string | undefined): { y: number; mo: number; d: number; h: number; mi: number; dow: number } {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') {
    const x = new Date(ms);
    return { y: x.getUTCFullYear(), mo: x.getUTCMonth() + 1, d: x.getUTCDate(), h: x.getUTCHours(), mi: x.getUTCMinutes(), dow: x.getUTCDay() };
  }
  let f = formatters.get(tz);
  if (!f) formatters.set(tz, (f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' })));
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(ms)) p[x.type] = x.value;
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour), mi: Number(p.minute), dow: DAYS.indexOf((p.weekday ?? '').toLowerCase()) };
}

/** The first schedule time strictly after `ms` (whole minutes), within five years; undefined if none. */
export function nextAfter(s: Schedule, ms: number): number | undefined {
  let t = Math.floor(ms / 60_000) * 60_000 + 60_000;
  const end = ms + 5 * 366 * 86_400_000;
  while (t < end) {
    const w = wall(t, s.timeZone);
    if (!s.month.has(w.mo)) {
      t += (60 - w.mi) * 60_000 + (23 - w.h) * 3_600_000;
      continue;
    }
    const domOk = s.dom.has(w.d);
    const dowOk = s.dow.has(w.dow);
    const dayOk = s.domStar || s.dowStar ? domOk && dowOk : domOk || dowOk;
    if (!dayOk) {
      t += (60 - w.mi) * 60_000 + (23 - w.h) * 3_600_000;
      continue;
    }
    if (!s.hour.has(w.h)) {
      t += (60 - w.mi) * 60_000;
      continue;
    }
    if (!s.minute.has(w.mi)) {
      t += 60_000;
      continue;
    }
    return t;
  }
  return undefined;
}

/** The most recent schedule time in (earliest, now] and how many were missed (upstream mostRecentScheduleTime). */
export function mostRecent(s: Schedule, earliest: number, now: number): { time?: number; missed: number; next?: number } {
  let missed = 0;
  let last: number | undefined;
  for (let t = nextAfter(s, earliest); t !== undefined && t <= now; t = nextAfter(s, t)) {
    last = t;
    if (++missed > 100) {
      // Too many to walk: jump near `now` as upstream estimates.
      const near = nextAfter(s, now - 3_600_000 * 24);
      let x = near;
      while (x !== undefined && x <= now) (last = x), (x = nextAfter(s, x));
      return { time: last, missed, next: nextAfter(s, now) };
    }
  }
  return { time: last, missed, next: nextAfter(s, now) };
}
