/**
 * A k8ts server whose own node runs real pods: `--runtime cri` with its own
 * containerd, a per-test bridge and cluster CIDR (no collisions with other
 * tests), the busybox test image imported; `stop()` removes pods, containerd,
 * mounts, the bridge, iptables chains, cgroups and the data dir.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient, cleanupOwnContainerd, containerdPaths } from '../../src/kubelet/cri/index.js';
import { findBinary, inCI } from './require.js';
import { importTestImages } from './images.js';
import { startServer, type K8tsServer } from './k8ts-server.js';
import { waitUntil } from './wait.js';

/** For describe(): a skip reason when containerd, runc, CNI plugins, iptables or root are missing (outside CI). */
export function skipUnlessCri(): string | undefined {
  const missing: string[] = [];
  for (const [bin, pkg] of [['containerd', 'containerd'], ['ctr', 'containerd'], ['runc', 'runc'], ['iptables', 'iptables']] as const) if (!findBinary(bin)) missing.push(pkg);
  if (!existsSync('/usr/lib/cni/bridge')) missing.push('containernetworking-plugins');
  if (!findBinary('busybox')) missing.push('busybox-static');
  const reason = missing.length ? `not installed: apt-get install ${[...new Set(missing)].join(' ')}` : process.getuid?.() !== 0 ? 'real containers need root' : undefined;
  if (!reason || inCI()) return undefined;
  return reason;
}

export interface CriCluster {
  s: K8tsServer;
  bridge: string;
  clusterCIDR: string;
  /** The node's podCIDR once assigned, e.g. 10.163.0.0/24. */
  podCIDR: string;
  node: string;
  socket: string;
  cri: CriClient;
  /** With `separateAgent`: the `k8ts agent` process that runs the node (its pid for RSS/CPU figures). */
  agent?: ChildProcess;
  /** The node agent's output (the server's, or the separate agent's). */
  agentLog(): string;
  stop(): Promise<void>;
}

export interface CriClusterOptions {
  /** Extra environment for the process running the node agent (e.g. K8TS_TRACE_PODS=1). */
  env?: NodeJS.ProcessEnv;
  /**
   * Run the node as its own `k8ts agent --runtime cri` process (admin kubeconfig, same data dir) against a
   * `k8ts server --disable agent`, so its memory and CPU can be measured alone.
   */
  separateAgent?: boolean;
  /** With separateAgent: the agent's entry point (default src/cli/main.ts under tsx; e.g. dist/cli/main.js). */
  agentMain?: string;
  /** With separateAgent: node flags for the agent process (e.g. --cpu-prof). */
  agentNodeArgs?: string[];
}

const root = new URL('../../', import.meta.url).pathname;

function startAgentProcess(dataDir: string, clusterCIDR: string, bridge: string, o: CriClusterOptions): { proc: ChildProcess; log: () => string } {
  const main = o.agentMain ?? join(root, 'src/cli/main.ts');
  const loader = main.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const args = [...(o.agentNodeArgs ?? []), ...loader, main, 'agent', '--kubeconfig', join(dataDir, 'kubeconfig.yaml'), '--data-dir', dataDir, '--runtime', 'cri', '--cluster-cidr', clusterCIDR, '--kubelet-port', '0', '--node-name', hostname().toLowerCase()];
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env, K8TS_CNI_BRIDGE: bridge } });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, log: () => out };
}

async function stopProcess(proc: ChildProcess, killAfterMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve();
    }, killAfterMs);
    proc.on('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function freeClusterCIDR(): string {
  const routes = spawnSync('ip', ['-4', 'route'], { encoding: 'utf8' }).stdout ?? '';
  for (;;) {
    const b = 150 + Math.floor(Math.random() * 100);
    if (!routes.includes(`10.${b}.`)) return `10.${b}.0.0/16`;
  }
}

export async function startCriCluster(extraArgs: string[] = [], o: CriClusterOptions = {}): Promise<CriCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-cri-'));
  const bridge = `k8t${randomBytes(4).toString('hex')}`;
  const clusterCIDR = freeClusterCIDR();
  const agentDir = join(dataDir, 'agent');
  const socket = containerdPaths(agentDir).socket;
  const prev = process.env.K8TS_CNI_BRIDGE;
  process.env.K8TS_CNI_BRIDGE = bridge;
  let s: K8tsServer;
  const serverArgs = o.separateAgent ? ['--runtime', 'none', '--disable', 'agent,proxy,dns'] : ['--runtime', 'cri', '--disable', 'proxy,dns'];
  try {
    s = await startServer([...serverArgs, '--cluster-cidr', clusterCIDR, ...extraArgs], { dataDir, keepDir: true, env: o.separateAgent ? undefined : o.env });
  } catch (e) {
    await cleanupOwnContainerd(agentDir, bridge);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  } finally {
    if (prev === undefined) delete process.env.K8TS_CNI_BRIDGE;
    else process.env.K8TS_CNI_BRIDGE = prev;
  }
  const agent = o.separateAgent ? startAgentProcess(dataDir, clusterCIDR, bridge, o) : undefined;
  const agentLog = agent ? agent.log : () => s.log();
  const cri = new CriClient(socket);
  const stop = async () => {
    cri.close();
    if (agent) await stopProcess(agent.proc, 10_000);
    await s.stop();
    await cleanupOwnContainerd(agentDir, bridge);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil('containerd answering', () => {
      if (agent && agent.proc.exitCode !== null) throw new Error(`k8ts agent exited with ${agent.proc.exitCode}:\n${agent.log()}`);
      return /cri: containerd .* ready/.test(agentLog());
    }, 60_000);
    importTestImages(socket);
    let node = '';
    let podCIDR = '';
    await waitUntil('the node Ready with a podCIDR', () => {
      const r = s.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const line = r.stdout.split('\n').find((l) => / True$/.test(l) && l.split(' ')[1]);
      if (line) [node = '', podCIDR = ''] = line.split(' ');
      return !!line;
    }, 60_000);
    // The not-ready taint goes with the first Ready status; pods created before would wait a scheduling round.
    await waitUntil('no not-ready taint', () => !/not-ready/.test(s.kubectl(['get', 'node', node, '-o', 'jsonpath={.spec.taints}']).stdout), 30_000);
    return { s, bridge, clusterCIDR, podCIDR, node, socket, cri, agent: agent?.proc, agentLog, stop };
  } catch (e) {
    const log = agentLog().split('\n').slice(-40).join('\n');
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- the node agent's last log lines:\n${log}`, { cause: e });
  }
}

/** True when `ip` is inside `cidr` (IPv4). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base) & mask) >>> 0);
}
