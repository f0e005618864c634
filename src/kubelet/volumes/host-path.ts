/** hostPath type checks with upstream's messages (pkg/volume/hostpath checkTypeInternal). */
import { lstat, mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { HostPathType } from './types.js';

async function statOf(path: string): Promise<Stats | undefined> {
  return stat(path).catch(() => undefined);
}

/** Create-or-check `path` as `type` says; throws upstream's error text on a mismatch. */
export async function checkHostPathType(path: string, type: HostPathType | undefined, dirMode = 0o755): Promise<void> {
  if (!type) return;
  const st = await statOf(path);
  if (type === 'DirectoryOrCreate' || type === 'Directory') {
    if (!st && type === 'DirectoryOrCreate') {
      await mkdir(path, { recursive: true, mode: dirMode });
      return;
    }
    if (!st?.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
    return;
  }
  if (type === 'FileOrCreate' || type === 'File') {
    if (!st && type === 'FileOrCreate') {
      // Only the file: upstream does not create missing parent directories here.
      const fh = await open(path, 'a', 0o644).catch((e: NodeJS.ErrnoException) => {
        throw new Error(`open ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
      });
      await fh.close();
      return;
    }
    if (!st?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
    return;
  }
  const checks: Partial<Record<HostPathType, [(s: Stats) => boolean, string]>> = {
    Socket: [(s) => s.isSocket(), 'is not a socket file'],
    CharDevice: [(s) => s.isCharacterDevice(), 'is not a character device'],
    BlockDevice: [(s) => s.isBlockDevice(), 'is not a block device'],
  };
  const check = checks[type];
  if (!check) throw new Error(`${String(type)} is an invalid volume type`);
  if (!st || !check[0](st)) throw new Error(`hostPath type check failed: ${path} ${check[1]}`);
}

/** A `local` PersistentVolume's path must exist (upstream fails the mount otherwise). */
export async function checkLocalPath(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) throw new Error(`path "${path}" does not exist`);
}
