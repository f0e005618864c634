/** tmpfs mounts for Memory-backed volumes, and finding what is mounted under a pod's directory. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points from /proc/self/mountinfo (octal escapes such as `\040` decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

/** Mount a tmpfs at `path` (already a directory) unless one is there; `sizeBytes` 0 means the kernel default. */
export async function mountTmpfs(path: string, sizeBytes: number): Promise<void> {
  if (await isMountPoint(path)) return;
  const opts = ['mode=0777'];
  if (sizeBytes > 0) opts.push(`size=${sizeBytes}`);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', path]);
  } catch (e) {
    throw new Error(`mount failed: ${errText(e)}\nMounting command: mount\nMounting arguments: -t tmpfs -o ${opts.join(',')} tmpfs ${path}`);
  }
}

/** Unmount everything at or under `prefix`, deepest first. Throws if something stays mounted. */
export async function unmountUnder(prefix: string): Promise<void> {
  const under = (await mountPoints()).filter((m) => m === prefix || m.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
  under.sort((a, b) => b.length - a.length);
  for (const m of under) {
    try {
      await run('umount', [m]);
    } catch (e) {
      // Busy (a container still holds it): detach lazily so the directory can go.
      await run('umount', ['-l', m]).catch(() => {
        throw new Error(`unmount ${m} failed: ${errText(e)}`);
      });
    }
  }
}

function errText(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr || err.message || String(e)).trim();
}
