/**
 * How the proxy runs iptables-restore, iptables-save, conntrack, ip and
 * sysctl: injectable, so tests run everything inside a network namespace they
 * made (`ip netns exec NS ...`) and golden tests run nothing at all.
 * @module
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(cmd: string, args: string[], input?: string): Promise<RunResult>;
}

/** Runs commands on the host, or inside `netns` with `ip netns exec`. */
export function execRunner(opts: { netns?: string } = {}): CommandRunner {
  return {
    run(cmd, args, input) {
      const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
      return new Promise((resolve) => {
        const p = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        p.stdout.on('data', (d: Buffer) => out.push(d));
        p.stderr.on('data', (d: Buffer) => err.push(d));
        p.on('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
        p.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
        p.stdin.on('error', () => {});
        p.stdin.end(input ?? '');
      });
    },
  };
}

/** Run and throw with the command's own message on a non-zero exit. */
export async function mustRun(r: CommandRunner, cmd: string, args: string[], input?: string): Promise<string> {
  const res = await r.run(cmd, args, input);
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${res.code}: ${res.stderr.trim().split('\n').filter((l) => !l.includes('legacy tables present')).join('; ')}`);
  return res.stdout;
}
