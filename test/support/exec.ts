/** Running a command synchronously in tests: `sh` reports, `must` throws on a non-zero exit. */
import { spawnSync } from 'node:child_process';

export interface Sh {
  code: number;
  out: string;
  err: string;
}

export interface ShOptions {
  /** Written to the command's stdin. */
  input?: string;
  /** Killed after this (default 60 s; code -1). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Run `args[0]` with the rest as its arguments; never throws. */
export function sh(args: string[], opts: ShOptions = {}): Sh {
  const r = spawnSync(args[0]!, args.slice(1), { input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr || (r.error?.message ?? '') };
}

/** Its stdout; throws with the command line, exit code and stderr when it fails. */
export function must(args: string[], opts: ShOptions = {}): string {
  const r = sh(args, opts);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}
