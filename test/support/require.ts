/** Tests that need a real binary skip with a reason when it is missing, except in CI (`CI=true`), where they fail. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of an executable named `name` on PATH (or in the usual system dirs), or undefined. */
export function findBinary(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function inCI(): boolean {
  return process.env.CI === 'true';
}

/** The message used when `name` is missing. */
export function missingMessage(name: string, debianPackage: string): string {
  return `${name} not installed (apt-get install ${debianPackage})`;
}

/**
 * For node:test options: `describe('x', { skip: skipUnlessBinary('etcd', 'etcd-server') }, ...)`.
 * A skip reason when the binary is missing outside CI; undefined when it is
 * present, and in CI (where the test then runs and fails on the missing binary).
 */
export function skipUnlessBinary(name: string, debianPackage: string): string | undefined {
  if (findBinary(name) || inCI()) return undefined;
  return missingMessage(name, debianPackage);
}

/**
 * Inside a test: returns the binary's path, or skips the test (outside CI) and
 * returns undefined, or throws (in CI) with a message naming the Debian package.
 */
export function requireBinary(t: TestContext, name: string, debianPackage: string): string | undefined {
  const path = findBinary(name);
  if (path) return path;
  const msg = missingMessage(name, debianPackage);
  if (inCI()) throw new Error(`${msg}; CI must install the Debian package ${debianPackage}`);
  t.skip(msg);
  return undefined;
}

/** Throws the CI-style error if the binary is missing; returns its path. For harnesses (outside a test context). */
export function binaryOrThrow(name: string, debianPackage: string): string {
  const path = findBinary(name);
  if (!path) throw new Error(`${missingMessage(name, debianPackage)}; the Debian package ${debianPackage} provides it`);
  return path;
}
