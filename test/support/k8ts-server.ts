/**
 * Starts a real `k8ts server` as a child process on a free port with a temp
 * data dir, and runs the real /usr/bin/kubectl against it with a fresh
 * discovery cache (KUBECACHEDIR), as a user would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/** Flags for tests of the API alone: no local node, scheduler or controllers acting on the objects. */
export const API_ONLY = ['--runtime', 'none', '--disable', 'scheduler,controllers,agent'];

export interface K8tsServer {
  dataDir: string;
  kubeconfig: string;
  port: number;
  url: string;
  proc: ChildProcess;
  log: () => string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): KubectlResult;
  /** kubectl that must succeed: returns stdout. */
  k(args: string[], input?: string): string;
  stop(): Promise<void>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Starts `k8ts server` on a free port with its own data dir. Tests that do not
 * ask for a runtime get `--runtime sim`: the default `auto` would start a real
 * containerd (and program the host's iptables) whenever containerd is installed.
 */
export async function startServer(extraArgs: string[] = [], opts: { dataDir?: string; keepDir?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<K8tsServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'k8ts-kcache-'));
  const runtime = extraArgs.includes('--runtime') ? [] : ['--runtime', 'sim'];
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'server', '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', ...runtime, ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    // Generous: CI machines are busy, and a server that never gets ready is killed, not left behind.
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`k8ts server did not become ready in 120 s:\n${output}`));
    }, 120_000);
    const check = () => {
      const m = /ready on https:\/\/[^:]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    proc.stderr!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`k8ts server exited with ${code}:\n${output}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const kubectl = (args: string[], o: { input?: string; timeoutMs?: number } = {}): KubectlResult => {
    const r = spawnSync('kubectl', args, {
      env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir, HOME: cacheDir },
      input: o.input,
      encoding: 'utf8',
      timeout: o.timeoutMs ?? 30_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return {
    dataDir,
    kubeconfig,
    port,
    url: `https://127.0.0.1:${port}`,
    proc,
    log: () => output,
    kubectl,
    k(args, input) {
      const r = kubectl(args, { input });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            proc.kill('SIGKILL');
            resolve();
          }, 5000);
          proc.on('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      if (!opts.keepDir) rmSync(dataDir, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
