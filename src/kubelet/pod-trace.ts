/**
 * Pod start-up trace for benchmarks (`K8TS_TRACE_PODS=1`): the agent marks each
 * step of a pod's first start (seen by the informer, sync, volumes, sandbox,
 * image, create, start, status PATCH) with a wall-clock time, and logs one line
 * per pod once it first reports Running (or a terminal phase):
 *   `trace pod <ns>/<name> <step>=<epoch ms> ...`
 * `bench/pods.ts` reads these lines and breaks create → Running down by step.
 * Disabled (the default), every call is a no-op.
 * @module
 */

const MAX_MARKS = 40;

export class PodTrace {
  private readonly marks = new Map<string, Array<[string, number]>>();

  constructor(
    readonly enabled: boolean,
    private readonly write: (line: string) => void,
  ) {}

  /** Records `step` for the pod (only its first occurrence counts when read). */
  mark(uid: string | undefined, step: string): void {
    if (!this.enabled || !uid) return;
    let m = this.marks.get(uid);
    if (!m) {
      m = [];
      this.marks.set(uid, m);
    }
    if (m.length < MAX_MARKS) m.push([step, performance.timeOrigin + performance.now()]);
  }

  /** Logs the pod's marks (first occurrence of each step, in time order) and forgets them. */
  flush(uid: string | undefined, key: string): void {
    if (!this.enabled || !uid) return;
    const m = this.marks.get(uid);
    this.marks.delete(uid);
    if (!m) return;
    const first = new Map<string, number>();
    for (const [s, t] of m) if (!first.has(s)) first.set(s, t);
    this.write(`trace pod ${key} ${[...first].map(([s, t]) => `${s}=${t.toFixed(1)}`).join(' ')}`);
  }

  /** Drops a pod's marks without logging (it went away before running). */
  forget(uid: string | undefined): void {
    if (uid) this.marks.delete(uid);
  }
}

/** The process-wide trace (the pod syncer and the cri runtime mark the same pods). */
export const podTrace = new PodTrace(process.env.K8TS_TRACE_PODS === '1', (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));

/** Parses one `trace pod` line: the pod key and its steps in epoch ms; undefined for other lines. */
export function parseTraceLine(line: string): { key: string; steps: Map<string, number> } | undefined {
  const m = /trace pod (\S+) (.*)$/.exec(line);
  if (!m) return undefined;
  const steps = new Map<string, number>();
  for (const kv of (m[2] ?? '').split(' ')) {
    const [k, v] = kv.split('=');
    if (k && v) steps.set(k, Number(v));
  }
  return { key: m[1] ?? '', steps };
}
