/**
 * Removes everything k8ts's own containerd left on the host for one agent dir:
 * pods (through CRI, so CNI DEL runs), containerd itself, stray runc
 * containers, mounts under the dir, the bridge, the masquerade chain and pod
 * cgroups (the whole k8ts cgroup root: kubepods and its QoS classes), and the
 * shims of that containerd. For `k8ts killall` and tests; a Node deleted while
 * its agent runs is handled by node-removal.ts.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanupNetwork } from '../cni/index.js';
import { CriClient } from './cri-client.js';
import { containerdPaths, waitForCri } from './containerd.js';
import { removeCgroup, run } from './host.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

function ourContainerdPid(pidFile: string, config: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(config)) return pid;
  } catch {
    /* not running */
  }
  return undefined;
}

export async function cleanupOwnContainerd(agentDir: string, bridge: string, log: (msg: string) => void = () => undefined): Promise<void> {
  agentDir = resolve(agentDir);
  const p = containerdPaths(agentDir);
  if (existsSync(p.config)) {
    let pid = ourContainerdPid(p.pidFile, p.config);
    if (!pid) {
      const fd = openSync(p.log, 'a');
      const child = spawn('containerd', ['--config', p.config], { stdio: ['ignore', fd, fd], detached: true });
      closeSync(fd);
      child.unref();
      pid = child.pid;
    }
    const cri = new CriClient(p.socket);
    try {
      await waitForCri(cri, 20_000);
      for (const sb of await cri.listSandboxes()) {
        await cri.rt('StopPodSandbox', { pod_sandbox_id: sb.id }, 60_000).catch((e: Error) => log(`cleanup: ${e.message}`));
        await cri.rt('RemovePodSandbox', { pod_sandbox_id: sb.id }, 60_000).catch((e: Error) => log(`cleanup: ${e.message}`));
      }
    } catch (e) {
      log(`cleanup: ${(e as Error).message}`);
    } finally {
      cri.close();
    }
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      if (!(await waitGone(pid, 10_000))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await waitGone(pid, 2_000);
      }
    }
  }
  // Anything runc still holds (a shim that outlived containerd).
  const runcRoot = join(p.dir, 'runc', 'k8s.io');
  if (existsSync(runcRoot)) {
    for (const id of run('runc', ['--root', runcRoot, 'list', '-q']).out.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l))) {
      run('runc', ['--root', runcRoot, 'kill', '-a', id, 'KILL']);
      run('runc', ['--root', runcRoot, 'delete', '-f', id]);
    }
  }
  // Shims of this containerd that outlived their containers (runc deleted them behind containerd's back).
  await killShims(p.socket);
  unmountUnder(agentDir);
  cleanupNetwork({ name: `k8ts-${bridge}`, bridge });
  removeCgroup(`/k8ts-${bridge}`);
}

/** Pids of containerd-shim processes serving the containerd at `socket` (their `-address` argument). */
export function shimPids(socket: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of entries) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!(argv[0] ?? '').includes('containerd-shim')) continue;
    const i = argv.indexOf('-address');
    if (i >= 0 && argv[i + 1] === socket) out.push(Number(d));
  }
  return out;
}

async function killShims(socket: string): Promise<void> {
  const pids = shimPids(socket);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const pid of pids) await waitGone(pid, 2_000);
}

/** Lazily unmounts every mount point under `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  dir = resolve(dir);
  let info = '';
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const points = info
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of points) run('umount', ['-l', m]);
}
