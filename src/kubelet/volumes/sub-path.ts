/** subPath / subPathExpr: a path inside a volume, checked not to escape it (symlinks included). */
import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import type { Pod } from '../types.js';
import { fieldValue } from './downward.js';
import type { ContainerSpec, VolumeMountSpec } from './types.js';

/** `$(VAR)` from the container's env (literal values and fieldRefs); `$$(VAR)` stays literal as upstream. */
export function expandSubPathExpr(expr: string, pod: Pod, c: ContainerSpec): string {
  const env = new Map<string, string>();
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env.set(e.name, e.value);
    else if (e.valueFrom?.fieldRef) env.set(e.name, fieldValue(pod, e.valueFrom.fieldRef.fieldPath));
  }
  return expr.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return env.has(name!) ? env.get(name!)! : m;
  });
}

function within(base: string, p: string): boolean {
  return p === base || p.startsWith(base.endsWith(sep) ? base : base + sep);
}

/** The host path for `mount` inside the volume at `volumePath`; missing directories are created with the volume's mode. */
export function resolveSubPath(pod: Pod, c: ContainerSpec, volumePath: string, mount: VolumeMountSpec): string {
  const sub = mount.subPathExpr ? expandSubPathExpr(mount.subPathExpr, pod, c) : (mount.subPath ?? '');
  if (posix.isAbsolute(sub)) throw new Error(`error: subPath "${sub}" must be a relative path`);
  if (sub.split('/').includes('..')) throw new Error(`error: subPath "${sub}" must not contain '..'`);
  const base = realpathSync(volumePath);
  const target = join(volumePath, sub);
  let exists = true;
  try {
    lstatSync(target);
  } catch {
    exists = false;
  }
  if (!exists) {
    // Create each missing component inside the volume, checking no symlink leads out on the way.
    let cur = base;
    for (const part of sub.split('/').filter(Boolean)) {
      const next = join(cur, part);
      try {
        lstatSync(next);
      } catch {
        mkdirSync(next, { mode: statSync(base).mode & 0o7777 });
      }
      cur = realpathSync(next);
      if (!within(base, cur)) throw new Error(`subpath "${sub}" not within volume path "${volumePath}"`);
    }
  }
  const real = realpathSync(target);
  if (!within(base, real)) throw new Error(`subpath "${real}" not within volume path "${base}"`);
  return real;
}
