/**
 * Logs of simulated containers, as data: a few deterministic lines written in
 * CRI format (`<RFC3339Nano> stdout|stderr F msg`) when a container instance
 * starts, exits or is stopped, one file per instance
 * (`<dir>/<uid>/<container>/<restart>.log`), so the kubelet API serves them
 * exactly as it serves a real runtime's files.
 * @module
 */
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../types.js';
import type { SimContainer } from './engine.js';

export interface SimLogLine {
  stream: 'stdout' | 'stderr';
  /** `{container}`, `{image}`, `{pod}`, `{namespace}`, `{restart}`, `{exitCode}`, `{signal}` are filled in. */
  text: string;
}

/** What each event writes. */
export interface SimLogScript {
  start: SimLogLine[];
  exit: SimLogLine[];
  /** Exit with a non-zero code (on stderr). */
  fail: SimLogLine[];
  /** Graceful stop (pod deletion): written when the stop begins. */
  stop: SimLogLine[];
}

export const DEFAULT_LOG_SCRIPT: SimLogScript = {
  start: [
    { stream: 'stdout', text: 'sim: container {container} started (image {image}, restart {restart})' },
    { stream: 'stdout', text: 'sim: pod {namespace}/{pod}' },
    { stream: 'stdout', text: 'sim: ready' },
  ],
  exit: [{ stream: 'stdout', text: 'sim: container {container} exiting with code {exitCode}' }],
  fail: [{ stream: 'stderr', text: 'sim: container {container} failed with exit code {exitCode}' }],
  stop: [{ stream: 'stdout', text: 'sim: received {signal}, stopping' }],
};

/** RFC3339 with nanoseconds, as containerd writes (`2026-01-01T00:00:00.123000000Z`). */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

const fill = (text: string, vars: Record<string, string>): string => text.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);

export class SimLogs {
  /** uids in the order they first logged, to bound the disk used (oldest pods' logs go first). */
  private readonly order: string[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly script: SimLogScript = DEFAULT_LOG_SCRIPT,
    private readonly keepPods = 500,
  ) {}

  path(uid: string, container: string, restart: number): string {
    return join(this.dir, uid, container, `${restart}.log`);
  }

  /** The instance's file when it exists. */
  existing(uid: string, container: string, restart: number): string | undefined {
    if (restart < 0) return undefined;
    const p = this.path(uid, container, restart);
    return existsSync(p) ? p : undefined;
  }

  write(event: keyof SimLogScript, pod: Pod, c: SimContainer, at: number, extra: Record<string, string> = {}): void {
    const uid = pod.metadata.uid ?? '';
    if (!uid) return;
    this.track(uid);
    const vars = { container: c.name, image: c.image, pod: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', restart: String(c.restartCount), exitCode: String(c.exitCode ?? 0), signal: 'SIGTERM', ...extra };
    const file = this.path(uid, c.name, c.restartCount);
    mkdirSync(join(this.dir, uid, c.name), { recursive: true, mode: 0o700 });
    const ts = rfc3339Nano(at);
    appendFileSync(file, this.script[event].map((l) => `${ts} ${l.stream} F ${fill(l.text, vars)}\n`).join(''), { mode: 0o600 });
  }

  remove(uid: string): void {
    rmSync(join(this.dir, uid), { recursive: true, force: true });
    this.seen.delete(uid);
  }

  private track(uid: string): void {
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    this.order.push(uid);
    while (this.order.length > this.keepPods) {
      const old = this.order.shift()!;
      if (this.seen.has(old)) this.remove(old);
    }
  }
}
