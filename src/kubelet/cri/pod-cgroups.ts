/**
 * Pod-level cgroups as the kubelet lays them out with the cgroupfs driver:
 * `<root>/kubepods` for Guaranteed pods, `<root>/kubepods/burstable` and
 * `<root>/kubepods/besteffort` for the other QoS classes, one `pod<uid>` per
 * pod below its class (the sandbox's cgroup_parent; containerd puts the
 * sandbox and every container under it). The pod cgroup carries the pod's
 * cpu shares (sum of requests), and its CFS quota and memory limit when every
 * container declares that limit (upstream ResourceConfigForPod). cgroup v1
 * (per-controller hierarchies) and v2 (unified) are both written.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantity } from '../../api/index.js';
import type { Pod } from '../types.js';
import { podCgroupPath, qosCgroup, qosClass, type QosClass } from './cri-config.js';
import { removeCgroup } from './host.js';
import type { FullContainer, FullPodSpec } from './pod-spec.js';

/** Upstream's MinShares, MaxShares, default CFS period and MinQuotaPeriod. */
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
export const CPU_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1_000;

/** Every place a pod's cgroup may be (its class is unknown once the pod is gone; `<root>/pod<uid>` is the older layout). */
export function podCgroupCandidates(root: string, uid: string): string[] {
  return [...(['Guaranteed', 'Burstable', 'BestEffort'] as const).map((q) => `${qosCgroup(root, q)}/pod${uid}`), `${root}/pod${uid}`];
}

export const milliCpuToShares = (m: number): number => (m <= 0 ? MIN_SHARES : Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((m * 1024) / 1000))));
export const milliCpuToQuota = (m: number, period = CPU_PERIOD_US): number => (m <= 0 ? 0 : Math.max(MIN_QUOTA_US, Math.floor((m * period) / 1000)));
/** cgroup v2 cpu.weight from v1 shares (runc's ConvertCPUSharesToCgroupV2Value). */
export const sharesToWeight = (shares: number): number => (shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262_142));

export interface PodCgroupConfig {
  qos: QosClass;
  cpuShares: number;
  /** CFS quota in µs per CPU_PERIOD_US; unset: no pod-level cpu limit. */
  cpuQuota?: number;
  /** Bytes; unset: no pod-level memory limit. */
  memoryLimit?: number;
}

type Amounts = { cpu: number; memory: number };
const amounts = (c: FullContainer, kind: 'requests' | 'limits'): Amounts => {
  const r = c.resources?.[kind] ?? {};
  const req = kind === 'requests' ? (c.resources?.limits ?? {}) : {};
  const cpu = r.cpu ?? req.cpu;
  const mem = r.memory ?? req.memory;
  return { cpu: cpu ? quantity.quantityToMillis(cpu) : 0, memory: mem ? quantity.quantityToNumber(mem) : 0 };
};

/**
 * Upstream PodRequests/PodLimits: app containers and sidecars (restartable init
 * containers) add up; a regular init container counts with the sidecars started
 * before it, and the pod needs the larger of the two.
 */
function podAmounts(spec: FullPodSpec, kind: 'requests' | 'limits'): Amounts {
  const sum: Amounts = { cpu: 0, memory: 0 };
  for (const c of spec.containers) {
    const a = amounts(c, kind);
    sum.cpu += a.cpu;
    sum.memory += a.memory;
  }
  const sidecars: Amounts = { cpu: 0, memory: 0 };
  const init: Amounts = { cpu: 0, memory: 0 };
  for (const c of spec.initContainers ?? []) {
    const a = amounts(c, kind);
    if (c.restartPolicy === 'Always') {
      sidecars.cpu += a.cpu;
      sidecars.memory += a.memory;
      continue;
    }
    init.cpu = Math.max(init.cpu, a.cpu + sidecars.cpu);
    init.memory = Math.max(init.memory, a.memory + sidecars.memory);
  }
  return { cpu: Math.max(sum.cpu + sidecars.cpu, init.cpu), memory: Math.max(sum.memory + sidecars.memory, init.memory) };
}

/** What the pod cgroup gets (upstream ResourceConfigForPod, without pod overhead). */
export function podCgroupConfig(spec: FullPodSpec): PodCgroupConfig {
  const qos = qosClass(spec);
  if (qos === 'BestEffort') return { qos, cpuShares: MIN_SHARES };
  const all = [...spec.containers, ...(spec.initContainers ?? [])];
  const cpuLimited = all.every((c) => c.resources?.limits?.cpu && quantity.quantityToMillis(c.resources.limits.cpu) > 0);
  const memLimited = all.every((c) => c.resources?.limits?.memory && quantity.quantityToNumber(c.resources.limits.memory) > 0);
  const req = podAmounts(spec, 'requests');
  const lim = podAmounts(spec, 'limits');
  const out: PodCgroupConfig = { qos, cpuShares: milliCpuToShares(req.cpu) };
  if (qos === 'Guaranteed' || cpuLimited) out.cpuQuota = milliCpuToQuota(lim.cpu);
  if (qos === 'Guaranteed' || memLimited) out.memoryLimit = lim.memory;
  return out;
}

// ---------------------------------------------------------------- cgroupfs

interface Hierarchies {
  /** v1 mount point per controller (cpu, memory). */
  v1: Map<string, string>;
  /** The cgroup2 mount when it holds the controllers (pure v2). */
  v2?: string;
}

let cached: Hierarchies | undefined;

function hierarchies(): Hierarchies {
  if (cached) return cached;
  const h: Hierarchies = { v1: new Map() };
  let mounts = '';
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return (cached = h);
  }
  let unified: string | undefined;
  for (const line of mounts.split('\n')) {
    const [, point, type, opts] = line.split(' ');
    if (!point) continue;
    if (type === 'cgroup') for (const o of (opts ?? '').split(',')) if (o === 'cpu' || o === 'memory') h.v1.set(o, point);
    if (type === 'cgroup2') unified = point;
  }
  if (unified && !h.v1.size) {
    try {
      const ctrls = readFileSync(join(unified, 'cgroup.controllers'), 'utf8');
      if (/\bmemory\b/.test(ctrls) || /\bcpu\b/.test(ctrls)) h.v2 = unified;
    } catch {
      /* no controllers */
    }
  }
  return (cached = h);
}

/** True when a v2 unified hierarchy carries the controllers (otherwise v1 files are read and written). */
export function cgroupV2(): boolean {
  return !!hierarchies().v2;
}

/** The host directory of cgroup `rel` for `controller` (v1 hierarchy or the unified one). */
export function cgroupDir(controller: 'cpu' | 'memory', rel: string): string | undefined {
  const h = hierarchies();
  const base = h.v2 ?? h.v1.get(controller);
  return base ? join(base, rel) : undefined;
}

function write(dir: string, file: string, value: string | number): void {
  writeFileSync(join(dir, file), String(value));
}

/** mkdir -p for `rel` in the unified hierarchy, enabling cpu and memory for the children of each level. */
function mkdirV2(base: string, rel: string): string {
  let cur = base;
  for (const part of rel.split('/').filter(Boolean)) {
    try {
      write(cur, 'cgroup.subtree_control', '+cpu +memory');
    } catch {
      /* already on, or not delegable: runc reports what it needs */
    }
    cur = join(cur, part);
    if (!existsSync(cur)) mkdirSync(cur);
  }
  return cur;
}

function apply(rel: string, cfg: { cpuShares?: number; cpuQuota?: number; memoryLimit?: number }): void {
  const h = hierarchies();
  if (h.v2) {
    const dir = mkdirV2(h.v2, rel);
    if (cfg.cpuShares !== undefined) write(dir, 'cpu.weight', sharesToWeight(cfg.cpuShares));
    if (cfg.cpuQuota !== undefined) write(dir, 'cpu.max', `${cfg.cpuQuota > 0 ? cfg.cpuQuota : 'max'} ${CPU_PERIOD_US}`);
    if (cfg.memoryLimit !== undefined) write(dir, 'memory.max', cfg.memoryLimit > 0 ? cfg.memoryLimit : 'max');
    return;
  }
  const cpu = h.v1.get('cpu');
  if (cpu) {
    const dir = join(cpu, rel);
    mkdirSync(dir, { recursive: true });
    if (cfg.cpuShares !== undefined) write(dir, 'cpu.shares', cfg.cpuShares);
    if (cfg.cpuQuota !== undefined) {
      write(dir, 'cpu.cfs_period_us', CPU_PERIOD_US);
      write(dir, 'cpu.cfs_quota_us', cfg.cpuQuota > 0 ? cfg.cpuQuota : -1);
    }
  }
  const mem = h.v1.get('memory');
  if (mem) {
    const dir = join(mem, rel);
    mkdirSync(dir, { recursive: true });
    if (cfg.memoryLimit !== undefined) write(dir, 'memory.limit_in_bytes', cfg.memoryLimit > 0 ? cfg.memoryLimit : -1);
  }
}

/** The QoS class cgroups under `root` (BestEffort gets the minimum cpu shares, as upstream). */
export function ensureQosCgroups(root: string): void {
  const be = cgroupDir('cpu', qosCgroup(root, 'BestEffort'));
  if (be && existsSync(be)) return;
  apply(qosCgroup(root, 'Guaranteed'), {});
  apply(qosCgroup(root, 'Burstable'), {});
  apply(qosCgroup(root, 'BestEffort'), { cpuShares: MIN_SHARES });
}

/** Creates the pod's cgroup with its pod-level limits before its sandbox starts; returns the path (cgroup_parent). */
export function ensurePodCgroup(root: string, pod: Pod): string {
  const rel = podCgroupPath(root, pod);
  ensureQosCgroups(root);
  const cfg = podCgroupConfig(pod.spec as unknown as FullPodSpec);
  apply(rel, cfg);
  if (cfg.qos === 'Burstable') updateBurstableShares(root);
  return rel;
}

/** Removes the pod's cgroup (whatever its class) once its containers are gone. */
export function removePodCgroup(root: string, uid: string): void {
  const burstable = cgroupDir('cpu', `${qosCgroup(root, 'Burstable')}/pod${uid}`);
  const wasBurstable = !!burstable && existsSync(burstable);
  for (const rel of podCgroupCandidates(root, uid)) {
    // Only where it is: each removeCgroup walks every hierarchy (about 1.5 ms of CPU for all four candidates).
    const known = (['cpu', 'memory'] as const).map((ctl) => cgroupDir(ctl, rel)).filter((d): d is string => !!d);
    if (!known.length || known.some((d) => existsSync(d))) removeCgroup(rel);
  }
  if (wasBurstable) updateBurstableShares(root);
}

/**
 * The Burstable class gets the cpu shares of its pods' requests together (upstream's QoS container manager), so
 * under contention the class weighs what its pods asked for. Summed from the pod cgroups themselves, so it stays
 * right across agent restarts.
 */
export function updateBurstableShares(root: string): void {
  const rel = qosCgroup(root, 'Burstable');
  const dir = cgroupDir('cpu', rel);
  if (!dir) return;
  const v2 = cgroupV2();
  let sum = 0;
  try {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (!d.isDirectory() || !d.name.startsWith('pod')) continue;
      try {
        const v = Number(readFileSync(join(dir, d.name, v2 ? 'cpu.weight' : 'cpu.shares'), 'utf8').trim());
        // v2 keeps weights: back to shares (the inverse of sharesToWeight).
        sum += v2 ? 2 + Math.round(((v - 1) * 262_142) / 9999) : v;
      } catch {
        /* going away */
      }
    }
    const shares = Math.min(MAX_SHARES, Math.max(MIN_SHARES, sum));
    write(dir, v2 ? 'cpu.weight' : 'cpu.shares', v2 ? sharesToWeight(shares) : shares);
  } catch {
    /* the class cgroup is gone (node clean-up) */
  }
}
