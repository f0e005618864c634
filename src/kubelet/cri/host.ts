/** Host helpers for the cri runtime: finding binaries, running commands, sysctls, cgroups. */
import { accessSync, constants, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** PATH plus the system directories, for children (containerd must find runc and its shim even from a narrow PATH). */
export function pathWithSystemDirs(): string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...dirs, ...SYSTEM_DIRS.filter((d) => !dirs.includes(d))].join(delimiter);
}

export function findExecutable(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_DIRS]) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Runs a command; returns its status and output (never throws). */
export function run(cmd: string, args: string[], input?: string): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Sets a sysctl if it differs; returns an error line if it cannot. */
export function ensureSysctl(name: string, value: string): string | undefined {
  if (readSysctl(name) === value) return undefined;
  try {
    writeFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, value);
  } catch (e) {
    return `cannot set ${name}=${value}: ${(e as Error).message}`;
  }
  return readSysctl(name) === value ? undefined : `${name} is not ${value} after writing it`;
}

/** rmdir a cgroup path (relative to each hierarchy) in every mounted v1 hierarchy and the unified one, deepest first. */
export function removeCgroup(rel: string): void {
  const roots: string[] = [];
  try {
    for (const d of readdirSync('/sys/fs/cgroup')) roots.push(join('/sys/fs/cgroup', d));
  } catch {
    return;
  }
  roots.push('/sys/fs/cgroup');
  for (const root of roots) rmTree(join(root, rel));
}

function rmTree(dir: string): void {
  let subs: string[] = [];
  try {
    subs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return;
  }
  for (const s of subs) rmTree(join(dir, s));
  try {
    rmdirSync(dir);
  } catch {
    /* busy or gone */
  }
}
