/**
 * The Prometheus text exposition format, as far as a kubelet's
 * `/metrics/resource` writes it: `# HELP`/`# TYPE` comments, then
 * `name{label="value",…} value [timestamp-ms]` lines.
 * @module
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs?: number;
}

export class PrometheusParseError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
/** A line whose label values hold no backslash: name, labels, value, timestamp. */
const FAST_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*",?)*)\})?[ \t]+(\S+)(?:[ \t]+(\S+))?$/;
const FAST_LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="([^"\\]*)"/g;

function parseNumber(s: string, line: number): number {
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new PrometheusParseError(`line ${line}: ${JSON.stringify(s)} is not a number`);
  return v;
}

/** Labels from just after `{` up to and including `}`; returns them and the rest of the line. */
function parseLabels(s: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  const fail = (why: string): never => {
    throw new PrometheusParseError(`line ${line}: ${why}`);
  };
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') return { labels, rest: s.slice(i + 1) };
    const m = LABEL_NAME.exec(s.slice(i));
    if (!m) fail('bad label name');
    const key = m![0];
    i += key.length;
    while (s[i] === ' ') i++;
    if (s[i] !== '=') fail(`label ${key}: expected =`);
    i++;
    while (s[i] === ' ') i++;
    if (s[i] !== '"') fail(`label ${key}: expected a quoted value`);
    i++;
    let v = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) fail(`label ${key}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = s[i + 1];
        v += n === 'n' ? '\n' : (n ?? '');
        i += 2;
        continue;
      }
      v += c;
      i++;
    }
    i++;
    labels[key] = v;
  }
}

/** Every sample of a text exposition; a malformed line is an error (a half-read scrape is worse than none). */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line || line.startsWith('#')) continue;
    const fast = FAST_LINE.exec(line);
    if (fast) {
      // The common shape (what kubelets write): plain quoted values without escapes.
      const labels: Record<string, string> = {};
      if (fast[2]) for (const lm of fast[2].matchAll(FAST_LABEL)) labels[lm[1]!] = lm[2]!;
      const sample: Sample = { name: fast[1]!, labels, value: parseNumber(fast[3]!, n + 1) };
      if (fast[4] !== undefined) sample.timestampMs = parseNumber(fast[4], n + 1);
      out.push(sample);
      continue;
    }
    const m = NAME.exec(line);
    if (!m) throw new PrometheusParseError(`line ${n + 1}: bad metric name`);
    const name = m[0];
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest.slice(1), n + 1));
    const fields = rest.trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new PrometheusParseError(`line ${n + 1}: expected a value and an optional timestamp`);
    const value = parseNumber(fields[0]!, n + 1);
    const sample: Sample = { name, labels, value };
    if (fields[1] !== undefined) sample.timestampMs = parseNumber(fields[1], n + 1);
    out.push(sample);
  }
  return out;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** One exposition line (used by tests and fakes; the kubelet writes its own). */
export function formatSample(s: Sample): string {
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${s.name}${labels.length ? `{${labels.join(',')}}` : ''} ${s.value}${s.timestampMs !== undefined ? ` ${s.timestampMs}` : ''}`;
}
