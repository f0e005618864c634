/**
 * `/containerLogs`: reads a CRI-format log file (`<RFC3339Nano> stdout|stderr F|P msg`)
 * with the kubelet's options: tailLines, limitBytes, sinceSeconds/sinceTime,
 * timestamps, follow (keeps reading while the container runs).
 * @module
 */
import { open, stat } from 'node:fs/promises';

export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
}

export class LogOptionsError extends Error {}

function nonNegativeInt(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new LogOptionsError(`${name}: Invalid value: ${JSON.stringify(v)}: must be ${min === 0 ? 'greater than or equal to 0' : 'greater than 0'}`);
  return n;
}

/** The options of a `/containerLogs` (or `pods/log`) query; throws LogOptionsError on bad values. */
export function parseLogOptions(q: URLSearchParams, now = Date.now()): LogOptions {
  const bool = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const o: LogOptions = { follow: bool('follow'), timestamps: bool('timestamps') };
  o.tailLines = nonNegativeInt(q, 'tailLines', 0);
  o.limitBytes = nonNegativeInt(q, 'limitBytes', 1);
  const sinceSeconds = nonNegativeInt(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new LogOptionsError('at most one of sinceTime or sinceSeconds may be specified');
  if (sinceSeconds !== undefined) o.sinceMs = now - sinceSeconds * 1000;
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw new LogOptionsError(`sinceTime: Invalid value: ${JSON.stringify(sinceTime)}: not an RFC3339 time`);
    o.sinceMs = t;
  }
  return o;
}

/** One complete log line (partial `P` records joined). */
export interface LogLine {
  timestamp: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Splits CRI log records into lines; keeps partial state between chunks. */
export class CriLogParser {
  private pending = '';
  private partial: LogLine | undefined;

  /** Feed raw file text; returns the complete lines it finished. */
  push(chunk: string): LogLine[] {
    const out: LogLine[] = [];
    const text = this.pending + chunk;
    const parts = text.split('\n');
    this.pending = parts.pop() ?? '';
    for (const rec of parts) {
      const a = rec.indexOf(' ');
      const b = rec.indexOf(' ', a + 1);
      const c = rec.indexOf(' ', b + 1);
      if (a < 0 || b < 0) continue;
      const timestamp = rec.slice(0, a);
      const stream = rec.slice(a + 1, b) === 'stderr' ? 'stderr' : 'stdout';
      const tag = c < 0 ? rec.slice(b + 1) : rec.slice(b + 1, c);
      const msg = c < 0 ? '' : rec.slice(c + 1);
      if (this.partial) {
        this.partial.text += msg;
      } else this.partial = { timestamp, stream, text: msg };
      if (!tag.split(':').includes('P')) {
        out.push(this.partial);
        this.partial = undefined;
      }
    }
    return out;
  }
}

const formatLine = (l: LogLine, timestamps: boolean): string => (timestamps ? `${l.timestamp} ${l.text}\n` : `${l.text}\n`);

export interface LogSink {
  write(text: string): boolean | void;
}

/**
 * Writes the file's lines to `out` as the options say. With `follow`, keeps
 * polling for new records until `active()` turns false (then drains the file)
 * or `signal` aborts.
 */
export async function streamLog(path: string, o: LogOptions, out: LogSink, active: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  const parser = new CriLogParser();
  let offset = 0;
  let budget = o.limitBytes ?? Infinity;
  const emit = (lines: LogLine[]): boolean => {
    for (const l of lines) {
      if (o.sinceMs !== undefined && Date.parse(l.timestamp) < o.sinceMs) continue;
      let s = formatLine(l, o.timestamps);
      if (Buffer.byteLength(s) > budget) s = Buffer.from(s).subarray(0, budget).toString();
      budget -= Buffer.byteLength(s);
      out.write(s);
      if (budget <= 0) return false;
    }
    return true;
  };
  const readMore = async (): Promise<string> => {
    const fh = await open(path, 'r').catch(() => undefined);
    if (!fh) return '';
    try {
      const { size } = await fh.stat();
      if (size < offset) offset = 0; // rotated or truncated
      if (size === offset) return '';
      const buf = Buffer.alloc(size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      offset += bytesRead;
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  };
  let lines = parser.push(await readMore());
  if (o.tailLines !== undefined) lines = o.tailLines === 0 ? [] : lines.slice(-o.tailLines);
  if (!emit(lines) || !o.follow) return;
  while (!signal.aborted) {
    await new Promise((r) => setTimeout(r, 200));
    const more = parser.push(await readMore());
    if (!emit(more)) return;
    if (!more.length && !(await active())) {
      emit(parser.push(await readMore()));
      return;
    }
  }
}

/** True when the file exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
