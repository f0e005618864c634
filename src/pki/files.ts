// PKI file I/O: atomic writes with exact modes, reads that name the file when they fail.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Mode of private key and kubeconfig files. */
export const SECRET_MODE = 0o600;
/** Mode of certificate and public key files. */
export const PUBLIC_MODE = 0o644;
/** Mode of the pki directory. */
export const DIR_MODE = 0o700;

/** A PKI file that exists but cannot be read or used; the message names the file. */
export class PkiFileError extends Error {
  override readonly name = 'PkiFileError';
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Creates `dir` (and parents) if needed and makes sure it has exactly `mode`. */
export async function ensureDir(dir: string, mode: number = DIR_MODE): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  const st = await stat(dir);
  if (!st.isDirectory()) throw new PkiFileError(dir, 'exists but is not a directory');
  if ((st.mode & 0o777) !== mode) await chmod(dir, mode);
}

/** Reads a text file; `undefined` when it does not exist, PkiFileError for any other failure. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new PkiFileError(path, `cannot read: ${reasonOf(err)}`, { cause: err });
  }
}

/** Tightens an existing secret file to `mode` if it is looser (never loosens). */
export async function tightenMode(path: string, mode: number): Promise<void> {
  const st = await stat(path);
  if ((st.mode & 0o777 & ~mode) !== 0) await chmod(path, mode);
}

/**
 * Writes `data` to `path` atomically: a temporary file in the same directory,
 * created with `mode`, fsynced, chmod-ed (umask cannot change the mode), then
 * renamed over `path`. A crash leaves either the old file or the new one.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw new PkiFileError(path, `cannot write: ${reasonOf(err)}`, { cause: err });
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new PkiFileError(path, `cannot write: ${reasonOf(err)}`, { cause: err });
  }
}

/** Flushes a directory's entries (new names from renames) to disk. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates the parent directory of `path` (mode 0700 for directories it creates). */
export async function ensureParentDir(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
}
