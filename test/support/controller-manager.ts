/**
 * A standalone `k8ts controller-manager` for e2e tests, run from the sources against a
 * test server's admin kubeconfig: its stderr is kept, `until` polls a condition and
 * fails with what was awaited plus the manager's log, `stop` ends it (SIGTERM, then SIGKILL).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { K8tsServer } from './k8ts-server.js';

const root = new URL('../../', import.meta.url).pathname;

export interface ControllerManagerProcess {
  proc: ChildProcess;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Polls `fn` until it holds; fails after `ms` (or once the manager exited) with `what`, `detail()` and the log. */
  until(what: string, fn: () => boolean, ms?: number, detail?: () => string): Promise<void>;
  /** The secure port it serves on (it must run with `--secure-port 0` or a port). */
  securePort(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `k8ts controller-manager --kubeconfig <the server's> ...args`. */
export function startControllerManager(s: K8tsServer, args: string[]): ControllerManagerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller-manager', '--kubeconfig', s.kubeconfig, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const until: ControllerManagerProcess['until'] = async (what, fn, ms = 60_000, detail) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (fn()) return;
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`timed out waiting for ${what}${proc.exitCode !== null ? ` (the controller manager exited with ${proc.exitCode})` : ''}\n${detail ? `${detail()}\n` : ''}controller-manager:\n${output}`);
  };
  return {
    proc,
    log: () => output,
    until,
    async securePort() {
      const re = /serving securely on [^\s:]+:(\d+)/;
      await until('the controller manager serving securely', () => re.test(output), 30_000);
      return Number(re.exec(output)![1]);
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
