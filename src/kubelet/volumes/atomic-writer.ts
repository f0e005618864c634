/**
 * The kubelet's AtomicWriter: a volume's files live in a timestamped directory
 * that `..data` points at; each top-level name is a symlink through `..data`.
 * An update writes a new timestamped directory and renames a fresh symlink over
 * `..data`, so a container sees either the old or the new set, never a mix.
 */
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

/** One file of a payload: its bytes and its mode (e.g. 0o644). */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

export const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

export interface WriteOptions {
  /** Group that owns the files (pod `securityContext.fsGroup`); files get g+r. */
  fsGroup?: number;
}

/** Rejects paths that could escape the volume (upstream validatePath). */
export function validatePayloadPath(p: string): void {
  if (p === '') throw new Error('invalid path: must not be empty');
  if (p.length > 4096) throw new Error(`invalid path: must be less than or equal to 4096 characters`);
  if (posix.isAbsolute(p)) throw new Error(`invalid path: must be relative path: ${p}`);
  const parts = p.split('/');
  if (parts.includes('..')) throw new Error(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith('..')) throw new Error(`invalid path: must not start with '..': ${p}`);
}

function stamp(now: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** True when the directory `dir` already holds exactly `payload` (bytes and modes). */
async function sameContent(dir: string, payload: Map<string, FileProjection>): Promise<boolean> {
  for (const [p, f] of payload) {
    try {
      const st = await stat(join(dir, p));
      if ((st.mode & 0o7777) !== f.mode) return false;
      const data = await readFile(join(dir, p));
      if (!data.equals(f.data)) return false;
    } catch {
      return false;
    }
  }
  // Files no longer in the payload also mean a rewrite.
  const listed = await listFiles(dir, '');
  return listed.length === payload.size;
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, r)));
    else out.push(r);
  }
  return out;
}

/**
 * Make `targetDir` hold exactly `payload`. Returns true when it wrote (the
 * content changed), false when it was already up to date.
 */
export async function writeAtomic(targetDir: string, payload: Map<string, FileProjection>, o: WriteOptions = {}, now = new Date()): Promise<boolean> {
  for (const p of payload.keys()) validatePayloadPath(p);
  await mkdir(targetDir, { recursive: true });
  const dataLink = join(targetDir, DATA_DIR);
  const oldTs = await readlink(dataLink).catch(() => undefined);
  if (oldTs && (await sameContent(join(targetDir, oldTs), payload))) {
    await createUserVisible(targetDir, payload);
    return false;
  }
  const tsDir = await mkdtemp(join(targetDir, stamp(now)));
  await chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const full = join(tsDir, p);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, f.data, { mode: f.mode });
    let mode = f.mode;
    if (o.fsGroup !== undefined) {
      await chown(full, -1, o.fsGroup);
      mode |= 0o040;
    }
    await chmod(full, mode);
  }
  const tsName = tsDir.slice(targetDir.length + 1);
  const tmpLink = join(targetDir, DATA_TMP);
  await rm(tmpLink, { force: true });
  await symlink(tsName, tmpLink);
  await rename(tmpLink, dataLink);
  // Top-level names of the old payload that are gone now.
  if (oldTs) {
    const oldTop = new Set((await listFiles(join(targetDir, oldTs), '').catch(() => [] as string[])).map((p) => p.split('/')[0]!));
    const newTop = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
    for (const t of oldTop) if (!newTop.has(t)) await unlink(join(targetDir, t)).catch(() => undefined);
  }
  await createUserVisible(targetDir, payload);
  if (oldTs && oldTs !== tsName) await rm(join(targetDir, oldTs), { recursive: true, force: true });
  return true;
}

async function createUserVisible(targetDir: string, payload: Map<string, FileProjection>): Promise<void> {
  const tops = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  for (const t of tops) {
    const link = join(targetDir, t);
    if (await exists(link)) continue;
    await symlink(posix.join(DATA_DIR, t), link);
  }
}
