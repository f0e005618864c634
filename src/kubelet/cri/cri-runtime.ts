/**
 * The `cri` runtime: the agent's Runtime over a CRI v1 runtime (containerd).
 * Level-based like the kubelet's SyncPod: every sync reads the pod's sandboxes
 * and containers from CRI (labels carry the pod uid and container name; the
 * CRI attempt is the restart count), then does the next step — a sandbox,
 * init containers in order (sidecars with restartPolicy Always keep running),
 * app containers, restarts with CrashLoopBackOff. A PLEG-style relist (one
 * ListContainers + ListPodSandbox per second) notices exits without polling
 * each container.
 * @module
 */
import { chmodSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EventRecorder, type Client } from '../../client/index.js';
import { cleanupNetwork, ensureMasquerade, ensureNetworkSysctls, writeConflist, type CniNetwork } from '../cni/index.js';
import type { ContainerStatsSample, ExecOptions, PodRef, Runtime, RuntimePodStatus } from '../runtime.js';
import type { ContainerStatus, Node, Pod } from '../types.js';
import type { CriClient, CriContainer, CriContainerStatus, CriSandbox } from './cri-client.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, containerNamespaces, linuxResources, podLogDir, sandboxConfig, securityContext, type SandboxContext } from './cri-config.js';
import { ContainerConfigError, containerEnv, expand } from './env.js';
import { runHandler } from './hooks.js';
import { defaultPullPolicy, ensureImage, ImagePullError } from './images.js';
import { ensurePodCgroup, removePodCgroup } from './pod-cgroups.js';
import { specOf, type FullContainer, type FullPodSpec } from './pod-spec.js';
import { podTrace } from '../pod-trace.js';

/** What the cri runtime needs from A2's VolumeManager (structural, so either side can change independently). */
export interface VolumeHooks {
  setUp(pod: Pod): Promise<void>;
  mountsFor(pod: Pod, container: { name: string }): Array<{ hostPath: string; containerPath: string; readonly: boolean; propagation?: 'private' | 'hostToContainer' | 'bidirectional' }>;
  tearDown(podUid: string): Promise<void>;
  /** Stops refresh timers. */
  close?(): void;
}

/** What it needs from the ProbeManager. */
export interface ProbeHooks {
  ensure(pod: Pod, target: { podUid: string; podIP: string; containerName: string; containerId: string; startedAt: number }): void;
  ready(podUid: string, containerName: string): boolean;
  started(podUid: string, containerName: string): boolean;
  livenessFailed(podUid: string, containerName: string): boolean;
  /** Upstream's Killing message for the probe that failed (liveness or startup). */
  killMessage?(podUid: string, containerName: string): string | undefined;
  /** Forget a container that is no longer running (no probes against a dead container ID). */
  removeContainer?(podUid: string, containerName: string): void;
  removePod(podUid: string): void;
  close(): void;
}

export interface CriRuntimeOptions {
  cri: CriClient;
  client: Client;
  nodeName: string;
  nodeIP: string;
  /** `<data-dir>/agent`: pod logs under logs/pods, termination-message files under pods/<uid>. */
  agentDir: string;
  /** k8ts-managed CNI (own containerd); undefined with an external runtime endpoint. */
  network?: { bridge: string; clusterCIDR: string; confDir: string };
  clusterDNS: string;
  clusterDomain?: string;
  runtimeVersion: string;
  volumes?: VolumeHooks;
  relistIntervalMs?: number;
  log(msg: string): void;
}

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const TERMINATION_MESSAGE_MAX = 4096;
const GC_EVERY_RELISTS = 30;
const SLOW_SYNC_MS = 2_000;
const RESYNC_EVERY_RELISTS = 60;
const IMAGES_EVERY_RELISTS = 60;
/** Upstream's nodeStatusMaxImages. */
const MAX_NODE_IMAGES = 50;

interface PodState {
  pod: Pod;
  sandboxId?: string;
  sandboxConfig?: Record<string, unknown>;
  podIP?: string;
  /** Per container: why it is waiting (pull/config errors, back-off), set by the last sync. */
  waiting: Map<string, { reason: string; message: string }>;
  /** Image pull back-off per container: next attempt time and delay. */
  pullBackoff: Map<string, { until: number; delay: number; reason: string; message: string }>;
  timers: Map<string, NodeJS.Timeout>;
  /** Labels and annotations of the last successful volume set-up. */
  volumesKey?: string;
}

interface Observed {
  latest: CriContainer;
  status: CriContainerStatus | null;
  previous?: CriContainerStatus | null;
}

const nsToIso = (ns: string | number | undefined): string | undefined => {
  const n = Number(ns ?? 0);
  return n > 0 ? new Date(Math.floor(n / 1e6)).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
};
const nsToMs = (ns: string | number | undefined): number => Math.floor(Number(ns ?? 0) / 1e6);
const attemptOf = (c: CriContainer): number => c.metadata?.attempt ?? 0;

export class CriRuntime implements Runtime {
  readonly name = 'containerd';
  readonly version: string;
  private readonly pods = new Map<string, PodState>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly listeners: Array<(ref: PodRef) => void> = [];
  private readonly events: EventRecorder;
  private readonly ctx: SandboxContext;
  private probes: ProbeHooks | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private lastSeen = new Map<string, string>();
  private relists = 0;
  private lastImages = '';
  private networkReady: Promise<void> | undefined;
  private net: CniNetwork | undefined;
  private closed = false;
  private readonly closers: Array<() => void> = [];

  constructor(private readonly o: CriRuntimeOptions) {
    this.version = o.runtimeVersion;
    this.events = new EventRecorder(o.client, { component: 'kubelet', host: o.nodeName, onError: () => undefined });
    this.ctx = {
      logRoot: join(o.agentDir, 'logs', 'pods'),
      cgroupRoot: `/k8ts-${o.network?.bridge ?? 'cri'}`,
      clusterDNS: o.clusterDNS,
      clusterDomain: o.clusterDomain ?? 'cluster.local',
    };
    this.relistTimer = setInterval(() => void this.relist().catch(() => undefined), o.relistIntervalMs ?? 1000);
    this.relistTimer.unref();
  }

  /** The ProbeManager is built with this runtime's execSync, so it is attached after construction. */
  setProbes(p: ProbeHooks): void {
    this.probes = p;
  }

  onChange(fn: (ref: PodRef) => void): void {
    this.listeners.push(fn);
  }

  /** Tell the agent a pod's status may have changed (probe results, back-off ends). */
  notify(uid: string): void {
    const st = this.pods.get(uid);
    if (!st) return;
    const ref = { namespace: st.pod.metadata.namespace ?? '', name: st.pod.metadata.name ?? '', uid };
    for (const fn of this.listeners) fn(ref);
  }

  private locked<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uid) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(uid, next);
    void next.finally(() => {
      if (this.locks.get(uid) === next) this.locks.delete(uid);
    }).catch(() => undefined);
    return next;
  }

  // ---------------------------------------------------------------- network

  private ensureNetwork(): Promise<void> {
    const n = this.o.network;
    if (!n) return Promise.resolve();
    this.networkReady ??= (async () => {
      const node = await this.o.client.resource<Node>('nodes').get(this.o.nodeName);
      const cidr = node.spec?.podCIDR;
      if (!cidr) throw new Error(`node ${this.o.nodeName} has no podCIDR yet`);
      for (const e of ensureNetworkSysctls()) this.o.log(`cri: ${e}`);
      this.net = { name: `k8ts-${n.bridge}`, bridge: n.bridge, podCIDR: cidr, clusterCIDR: n.clusterCIDR, ipamDir: join(this.o.agentDir, 'cni', 'ipam') };
      writeConflist(n.confDir, this.net);
      const err = ensureMasquerade(this.net);
      if (err) this.o.log(`cri: pod masquerade rule: ${err}`);
      const end = Date.now() + 15_000;
      for (;;) {
        const r = await this.o.cri.ready(2_000).catch((e: Error) => ({ ok: false, detail: e.message }));
        if (r.ok) break;
        if (Date.now() > end) throw new Error(`CRI network not ready: ${r.detail}`);
        await new Promise((res) => setTimeout(res, 50));
      }
      this.o.log(`cri: pod network ${cidr} on bridge ${n.bridge}`);
    })().catch((e) => {
      this.networkReady = undefined;
      throw e;
    });
    return this.networkReady;
  }

  /** Removes the k8ts-owned bridge, masquerade chain and CNI caches (node removal, tests). */
  cleanupNetwork(): void {
    const n = this.o.network;
    if (n) cleanupNetwork({ name: `k8ts-${n.bridge}`, bridge: n.bridge });
  }

  /** Node removal (node-removal.ts): with no pod left, forget the pod network so the next pod uses the new Node's podCIDR. */
  resetNetwork(): void {
    this.networkReady = undefined;
    this.cleanupNetwork();
  }

  // ---------------------------------------------------------------- sync

  syncPod(pod: Pod): Promise<RuntimePodStatus> {
    const uid = pod.metadata.uid ?? '';
    return this.locked(uid, () => this.doSync(pod));
  }

  private stateOf(pod: Pod): PodState {
    const uid = pod.metadata.uid ?? '';
    let st = this.pods.get(uid);
    if (!st) {
      st = { pod, waiting: new Map(), pullBackoff: new Map(), timers: new Map() };
      this.pods.set(uid, st);
    }
    st.pod = pod;
    return st;
  }

  private async doSync(pod: Pod): Promise<RuntimePodStatus> {
    const st = this.stateOf(pod);
    const uid = pod.metadata.uid;
    const t0 = performance.now();
    await this.ensureNetwork();
    // Volumes and the sandbox do not depend on each other: both go at once (RunPodSandbox is the slowest step of a
    // pod's start). Volumes are set up before the first container and again when the pod's labels or annotations
    // change (downward API); ConfigMap/Secret/token contents are refreshed by the VolumeManager's own timers, so a
    // sync per container state change (or the periodic resync of every pod) costs no volume work.
    let volumesMs = 0;
    let sandboxMs = 0;
    const volumesKey = JSON.stringify([pod.metadata.labels ?? {}, pod.metadata.annotations ?? {}]);
    const volumes = (async () => {
      if (!this.o.volumes || st.volumesKey === volumesKey) return;
      const v0 = performance.now();
      await this.o.volumes.setUp(pod);
      st.volumesKey = volumesKey;
      volumesMs = performance.now() - v0;
      podTrace.mark(uid, 'volumes');
    })();
    const sandbox = (async () => {
      const s0 = performance.now();
      const created = await this.ensureSandbox(st);
      sandboxMs = performance.now() - s0;
      return created;
    })();
    const [v, sb] = await Promise.allSettled([volumes, sandbox]);
    if (v.status === 'rejected') throw v.reason;
    if (sb.status === 'rejected') throw sb.reason;
    const t1 = performance.now();
    st.waiting.clear();
    // A sandbox made just now has no containers yet: no need to ask.
    let obs = sb.value ? new Map<string, Observed>() : await this.observe(st);
    if (await this.step(st, obs)) {
      obs = await this.observe(st);
      podTrace.mark(uid, 'observed');
    }
    this.remember(st, obs);
    const t2 = performance.now();
    const total = t2 - t0;
    if (total > SLOW_SYNC_MS) this.o.log(`cri: slow sync of pod ${pod.metadata.namespace}/${pod.metadata.name}: ${Math.round(total)} ms (network ${Math.round(t1 - t0 - Math.max(volumesMs, sandboxMs))}, volumes ${Math.round(volumesMs)} while sandbox ${Math.round(sandboxMs)}, containers ${Math.round(t2 - t1)})`);
    return this.report(st, obs);
  }

  /**
   * What a sync saw running is not news for the PLEG: without this, every container the sync just started comes back
   * as a "change" at the next relist and costs a second sync. Only running containers and ready sandboxes: a
   * container that exited or failed to start must still wake the pod (its restart is the next sync's step).
   */
  private remember(st: PodState, obs: Map<string, Observed>): void {
    const uid = st.pod.metadata.uid ?? '';
    for (const o of obs.values()) if ((o.status?.state ?? o.latest.state) === 'CONTAINER_RUNNING') this.lastSeen.set(o.latest.id, `CONTAINER_RUNNING|${uid}`);
    if (st.sandboxId) this.lastSeen.set(st.sandboxId, `SANDBOX_READY|${uid}`);
  }

  private async sandboxes(uid: string): Promise<CriSandbox[]> {
    const list = await this.o.cri.listSandboxes({ label_selector: { [LABEL_POD_UID]: uid } });
    return list.sort((a, b) => (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) || Number(b.created_at) - Number(a.created_at));
  }

  /** The pod's ready sandbox (found, or created: then true). */
  private async ensureSandbox(st: PodState): Promise<boolean> {
    const pod = st.pod;
    const uid = pod.metadata.uid ?? '';
    const list = await this.sandboxes(uid);
    const ready = list.find((s) => s.state === 'SANDBOX_READY');
    if (ready) {
      if (st.sandboxId !== ready.id || !st.sandboxConfig) {
        st.sandboxId = ready.id;
        st.sandboxConfig = sandboxConfig(pod, ready.metadata?.attempt ?? 0, this.ctx);
        st.podIP = undefined;
      }
      if (st.podIP === undefined && !pod.spec.hostNetwork) st.podIP = (await this.o.cri.sandboxStatus(ready.id))?.network?.ip ?? '';
      return false;
    }
    const attempt = list.length ? (list[0]!.metadata?.attempt ?? 0) + 1 : 0;
    if (list.length) {
      this.o.log(`cri: pod ${pod.metadata.namespace}/${pod.metadata.name}: sandbox changed, it will be killed and re-created`);
      this.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      await this.removeSandboxes(uid, list, 0);
    }
    const cfg = sandboxConfig(pod, attempt, this.ctx);
    mkdirSync(cfg.log_directory as string, { recursive: true });
    // ── pod-level cgroup (QoS class, pod limits) before the sandbox goes into it: pod-cgroups.ts ──
    try {
      ensurePodCgroup(this.ctx.cgroupRoot, pod);
    } catch (e) {
      this.o.log(`cri: pod ${pod.metadata.namespace}/${pod.metadata.name}: pod cgroup: ${(e as Error).message}`);
    }
    podTrace.mark(uid, 'runSandbox');
    const r = await this.o.cri.rt<{ pod_sandbox_id: string }>('RunPodSandbox', { config: cfg, runtime_handler: '' });
    podTrace.mark(uid, 'sandbox');
    st.sandboxId = r.pod_sandbox_id;
    st.sandboxConfig = cfg;
    st.podIP = pod.spec.hostNetwork ? undefined : ((await this.o.cri.sandboxStatus(r.pod_sandbox_id))?.network?.ip ?? '');
    return true;
  }

  /** The pod's containers by name: the latest attempt (and its status), and the one before it. */
  private async observe(st: PodState): Promise<Map<string, Observed>> {
    const uid = st.pod.metadata.uid ?? '';
    const list = (await this.o.cri.listContainers({ label_selector: { [LABEL_POD_UID]: uid } })).filter((c) => c.pod_sandbox_id === st.sandboxId);
    const byName = new Map<string, CriContainer[]>();
    for (const c of list) {
      const name = c.labels[LABEL_CONTAINER_NAME] ?? c.metadata?.name ?? '';
      byName.set(name, [...(byName.get(name) ?? []), c]);
    }
    const out = new Map<string, Observed>();
    await Promise.all(
      [...byName].map(async ([name, cs]) => {
        cs.sort((a, b) => attemptOf(b) - attemptOf(a) || Number(b.created_at) - Number(a.created_at));
        const latest = cs[0]!;
        const status = await this.o.cri.containerStatus(latest.id).catch(() => null);
        const previous = cs[1] ? await this.o.cri.containerStatus(cs[1].id).catch(() => null) : undefined;
        out.set(name, { latest, status, previous });
      }),
    );
    return out;
  }

  /** One step of the pod lifecycle; true when something was started or stopped. */
  private async step(st: PodState, obs: Map<string, Observed>): Promise<boolean> {
    const spec = specOf(st.pod);
    const policy = spec.restartPolicy ?? 'Always';
    const uid = st.pod.metadata.uid ?? '';
    if (this.appsFinished(spec, obs)) return this.stopSidecars(st, obs);
    let acted = false;
    for (const ic of spec.initContainers ?? []) {
      const sidecar = ic.restartPolicy === 'Always';
      const cur = obs.get(ic.name);
      if (!cur) {
        acted = (await this.start(st, ic, 0)) || acted;
        if (!sidecar) return acted;
        continue;
      }
      const state = cur.status?.state ?? cur.latest.state;
      if (state === 'CONTAINER_RUNNING') {
        if (sidecar) {
          acted = (await this.checkLiveness(st, ic, cur)) || acted;
          continue;
        }
        return acted;
      }
      if (state === 'CONTAINER_EXITED' || state === 'CONTAINER_UNKNOWN') {
        const code = cur.status?.exit_code ?? -1;
        if (!sidecar && code === 0) continue;
        if (!sidecar && policy === 'Never') return acted;
        acted = (await this.restartWithBackoff(st, ic, cur)) || acted;
        if (!sidecar) return acted;
        continue;
      }
      // CREATED but never started (we died between create and start): start it over.
      acted = (await this.start(st, ic, attemptOf(cur.latest) + 1)) || acted;
      if (!sidecar) return acted;
    }
    for (const c of spec.containers) {
      const cur = obs.get(c.name);
      if (!cur) {
        acted = (await this.start(st, c, 0)) || acted;
        continue;
      }
      const state = cur.status?.state ?? cur.latest.state;
      if (state === 'CONTAINER_RUNNING') acted = (await this.checkLiveness(st, c, cur)) || acted;
      else if (state === 'CONTAINER_EXITED' || state === 'CONTAINER_UNKNOWN') {
        this.probes?.removeContainer?.(uid, c.name);
        const code = cur.status?.exit_code ?? -1;
        if (policy === 'Always' || (policy === 'OnFailure' && code !== 0)) acted = (await this.restartWithBackoff(st, c, cur)) || acted;
      } else acted = (await this.start(st, c, attemptOf(cur.latest) + 1)) || acted;
    }
    void uid;
    return acted;
  }

  /** Every regular container exited and none will restart (restartPolicy Never, or OnFailure after success). */
  private appsFinished(spec: FullPodSpec, obs: Map<string, Observed>): boolean {
    const policy = spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return false;
    return spec.containers.every((c) => {
      const cur = obs.get(c.name);
      const state = cur?.status?.state ?? cur?.latest.state;
      return (state === 'CONTAINER_EXITED' || state === 'CONTAINER_UNKNOWN') && (policy === 'Never' || cur?.status?.exit_code === 0);
    });
  }

  /**
   * Sidecar termination (KEP-753): once the app containers are done, the running sidecars (restartable init
   * containers) are stopped one at a time in reverse spec order, sharing the pod's grace period, and none is started
   * or restarted again; their terminated statuses let the pod reach its final phase.
   */
  private async stopSidecars(st: PodState, obs: Map<string, Observed>): Promise<boolean> {
    const spec = specOf(st.pod);
    const uid = st.pod.metadata.uid ?? '';
    const graceMs = (spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const deadline = Date.now() + graceMs;
    let acted = false;
    for (const ic of [...(spec.initContainers ?? [])].reverse()) {
      const cur = obs.get(ic.name);
      if (ic.restartPolicy !== 'Always' || !cur || (cur.status?.state ?? cur.latest.state) !== 'CONTAINER_RUNNING') continue;
      this.probes?.removeContainer?.(uid, ic.name);
      await this.stopContainer(st, ic, cur.latest.id, graceMs > 0 ? Math.max(1, deadline - Date.now()) : 0);
      acted = true;
    }
    return acted;
  }

  private async checkLiveness(st: PodState, c: FullContainer, cur: Observed): Promise<boolean> {
    const uid = st.pod.metadata.uid ?? '';
    if (!this.probes?.livenessFailed(uid, c.name)) return false;
    this.event(st.pod, 'Normal', 'Killing', this.probes.killMessage?.(uid, c.name) ?? `Container ${c.name} failed liveness probe, will be restarted`);
    await this.stopContainer(st, c, cur.latest.id, (specOf(st.pod).terminationGracePeriodSeconds ?? 30) * 1000);
    return true;
  }

  private backoffDelay(restartCount: number): number {
    if (restartCount <= 0) return 0;
    return Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.min(10, restartCount - 1));
  }

  private async restartWithBackoff(st: PodState, c: FullContainer, cur: Observed): Promise<boolean> {
    const attempt = attemptOf(cur.latest);
    const finished = nsToMs(cur.status?.finished_at) || Date.now();
    const started = nsToMs(cur.status?.started_at);
    // A container that ran for 10 minutes has its back-off reset (as upstream after 2× the maximum).
    const delay = started && finished - started > 2 * BACKOFF_MAX_MS ? 0 : this.backoffDelay(attempt);
    const due = finished + delay;
    const now = Date.now();
    if (now < due) {
      const uid = st.pod.metadata.uid ?? '';
      const msg = `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${st.pod.metadata.name}_${st.pod.metadata.namespace}(${uid})`;
      st.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: msg });
      this.event(st.pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      this.wakeAt(st, c.name, due);
      return false;
    }
    return this.start(st, c, attempt + 1);
  }

  private wakeAt(st: PodState, name: string, at: number): void {
    const uid = st.pod.metadata.uid ?? '';
    clearTimeout(st.timers.get(name));
    const t = setTimeout(() => {
      st.timers.delete(name);
      this.notify(uid);
    }, Math.max(0, at - Date.now()) + 50);
    t.unref();
    st.timers.set(name, t);
  }

  /** Pull, create and start one container (attempt = restart count); false when it had to wait. */
  private async start(st: PodState, c: FullContainer, attempt: number): Promise<boolean> {
    const pod = st.pod;
    const spec = specOf(pod);
    const uid = pod.metadata.uid ?? '';
    const ns = pod.metadata.namespace ?? 'default';
    const pb = st.pullBackoff.get(c.name);
    if (pb && Date.now() < pb.until) {
      // ErrImageNeverPull stays as it is (no pull is attempted); pull errors become ImagePullBackOff.
      st.waiting.set(c.name, pb.reason === 'ErrImageNeverPull' ? { reason: pb.reason, message: pb.message } : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` });
      return false;
    }
    let imageRef: string;
    try {
      const policy = c.imagePullPolicy ?? defaultPullPolicy(c.image ?? '');
      imageRef = await ensureImage(this.o.cri, c.image ?? '', policy, () => this.pullSecrets(pod), (ms) => this.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${ms}ms`));
      st.pullBackoff.delete(c.name);
      podTrace.mark(uid, 'image');
    } catch (e) {
      if (!(e instanceof ImagePullError)) throw e;
      const delay = Math.min(BACKOFF_MAX_MS, (pb?.delay ?? BACKOFF_START_MS / 2) * 2);
      st.pullBackoff.set(c.name, { until: Date.now() + delay, delay, reason: e.reason, message: e.message });
      st.waiting.set(c.name, { reason: e.reason, message: e.message });
      this.event(pod, 'Warning', 'Failed', e.message);
      this.wakeAt(st, c.name, Date.now() + delay);
      return false;
    }
    let envs: Array<{ key: string; value: string }>;
    try {
      envs = await containerEnv(pod, c, {
        configMap: (n, name) => this.getData('configmaps', n, name, false),
        secret: (n, name) => this.getData('secrets', n, name, true),
        hostIP: this.o.nodeIP,
        podIP: st.podIP || this.o.nodeIP,
      });
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      st.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: e.message });
      this.event(pod, 'Warning', 'Failed', `Error: ${e.message}`);
      this.wakeAt(st, c.name, Date.now() + BACKOFF_START_MS);
      return false;
    }
    const envMap = new Map(envs.map((e) => [e.key, e.value]));
    const mounts = (this.o.volumes?.mountsFor(pod, c) ?? []).map((m) => ({
      container_path: m.containerPath,
      host_path: m.hostPath,
      readonly: m.readonly,
      propagation: m.propagation === 'bidirectional' ? 'PROPAGATION_BIDIRECTIONAL' : m.propagation === 'hostToContainer' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE',
    }));
    const termPath = c.terminationMessagePath ?? '/dev/termination-log';
    if (termPath && !mounts.some((m) => m.container_path === termPath)) {
      const hostFile = this.terminationFile(uid, c.name, attempt);
      mounts.push({ container_path: termPath, host_path: hostFile, readonly: false, propagation: 'PROPAGATION_PRIVATE' });
    }
    const nsOpts = containerNamespaces(spec);
    const config = {
      metadata: { name: c.name, attempt },
      image: { image: imageRef },
      command: (c.command ?? []).map((s) => expand(s, envMap)),
      args: (c.args ?? []).map((s) => expand(s, envMap)),
      working_dir: c.workingDir ?? '',
      envs,
      mounts,
      labels: { [LABEL_POD_NAME]: pod.metadata.name ?? '', [LABEL_POD_NAMESPACE]: ns, [LABEL_POD_UID]: uid, [LABEL_CONTAINER_NAME]: c.name },
      annotations: { 'io.kubernetes.container.restartCount': String(attempt), 'io.kubernetes.container.terminationMessagePath': termPath },
      log_path: `${c.name}/${attempt}.log`,
      stdin: !!c.stdin,
      stdin_once: !!c.stdinOnce,
      tty: !!c.tty,
      linux: { resources: linuxResources(spec, c), security_context: securityContext(spec, c, nsOpts) },
    };
    let id: string;
    podTrace.mark(uid, 'env');
    try {
      id = (await this.o.cri.rt<{ container_id: string }>('CreateContainer', { pod_sandbox_id: st.sandboxId, config, sandbox_config: st.sandboxConfig })).container_id;
    } catch (e) {
      st.waiting.set(c.name, { reason: 'CreateContainerError', message: (e as Error).message });
      this.event(pod, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
      this.wakeAt(st, c.name, Date.now() + BACKOFF_START_MS);
      return false;
    }
    podTrace.mark(uid, 'created');
    this.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await this.o.cri.rt('StartContainer', { container_id: id });
      podTrace.mark(uid, 'started');
    } catch (e) {
      // The container stays EXITED with the runtime's reason; the restart policy and back-off take it from there.
      this.event(pod, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
      return true;
    }
    this.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
    if (attempt > 1) await this.pruneOld(uid, c.name, attempt);
    if (c.lifecycle?.postStart) {
      const err = await runHandler(this.o.cri, c.lifecycle.postStart, c, id, st.podIP ?? '', (spec.terminationGracePeriodSeconds ?? 30) * 1000);
      if (err) {
        this.event(pod, 'Warning', 'FailedPostStartHook', err);
        await this.o.cri.rt('StopContainer', { container_id: id, timeout: '0' }).catch(() => undefined);
        return true;
      }
    }
    this.probes?.ensure(pod, { podUid: uid, podIP: st.podIP || this.o.nodeIP, containerName: c.name, containerId: id, startedAt: Date.now() });
    return true;
  }

  /** Keep the current and the previous instance of a container (for `logs --previous`), remove older ones. */
  private async pruneOld(uid: string, name: string, attempt: number): Promise<void> {
    const list = await this.o.cri.listContainers({ label_selector: { [LABEL_POD_UID]: uid, [LABEL_CONTAINER_NAME]: name } });
    for (const c of list) if (attemptOf(c) < attempt - 1) await this.o.cri.rt('RemoveContainer', { container_id: c.id }).catch(() => undefined);
  }

  private terminationFile(uid: string, name: string, attempt: number): string {
    const dir = join(this.o.agentDir, 'pods', uid, 'containers', name);
    mkdirSync(dir, { recursive: true });
    const f = join(dir, `${attempt}-termination-log`);
    closeSync(openSync(f, 'a'));
    chmodSync(f, 0o666); // any runAsUser may write its message
    return f;
  }

  private terminationMessage(st: PodState, c: FullContainer | undefined, s: CriContainerStatus): string | undefined {
    const uid = st.pod.metadata.uid ?? '';
    const attempt = s.metadata?.attempt ?? 0;
    let msg = '';
    try {
      msg = readFileSync(join(this.o.agentDir, 'pods', uid, 'containers', s.metadata?.name ?? '', `${attempt}-termination-log`)).subarray(0, TERMINATION_MESSAGE_MAX).toString('utf8');
    } catch {
      /* none */
    }
    if (!msg && c?.terminationMessagePolicy === 'FallbackToLogsOnError' && s.exit_code !== 0) msg = tailLog(s.log_path, 80, 2048);
    return msg || s.message || undefined;
  }

  private report(st: PodState, obs: Map<string, Observed>): RuntimePodStatus {
    const spec = specOf(st.pod);
    const uid = st.pod.metadata.uid ?? '';
    const conv = (c: FullContainer): ContainerStatus | undefined => {
      const cur = obs.get(c.name);
      const waiting = st.waiting.get(c.name);
      const base = { name: c.name, image: c.image ?? '', imageID: '', restartCount: 0, ready: false, started: false, lastState: {} } as ContainerStatus;
      if (!cur?.status) return waiting ? { ...base, state: { waiting } } : undefined;
      const s = cur.status;
      base.restartCount = s.metadata?.attempt ?? attemptOf(cur.latest);
      base.imageID = s.image_ref;
      base.containerID = `containerd://${s.id}`;
      const term = (x: CriContainerStatus) => {
        const t: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string } = { exitCode: x.exit_code, reason: x.reason || (x.exit_code === 0 ? 'Completed' : 'Error'), startedAt: nsToIso(x.started_at), finishedAt: nsToIso(x.finished_at), containerID: `containerd://${x.id}` };
        const m = this.terminationMessage(st, c, x);
        if (m) t.message = m;
        return t;
      };
      if (cur.previous && cur.previous.state === 'CONTAINER_EXITED') base.lastState = { terminated: term(cur.previous) };
      if (s.state === 'CONTAINER_RUNNING') {
        const started = this.probes ? this.probes.started(uid, c.name) : true;
        base.state = { running: { startedAt: nsToIso(s.started_at) } };
        base.started = started;
        base.ready = started && (this.probes ? this.probes.ready(uid, c.name) : true);
      } else if (s.state === 'CONTAINER_EXITED' || s.state === 'CONTAINER_UNKNOWN') {
        if (waiting) {
          base.state = { waiting };
          base.lastState = { terminated: term(s) };
        } else base.state = { terminated: term(s) };
      } else base.state = { waiting: waiting ?? { reason: 'ContainerCreating' } };
      return base;
    };
    const initContainers = (spec.initContainers ?? []).flatMap((c) => conv(c) ?? []);
    const containers = spec.containers.flatMap((c) => conv(c) ?? []);
    // A running, started sidecar (restartable init container) is reported as running; pod-status.ts counts it as initialized.
    return { sandboxReady: !!st.sandboxId, initContainers, containers, podIP: st.pod.spec.hostNetwork ? undefined : (st.podIP ?? '') };
  }

  // ---------------------------------------------------------------- kill

  /**
   * A pod that still exists (it finished: Succeeded/Failed) keeps its stopped
   * sandbox, containers and logs for `kubectl logs`, as upstream; a deleted
   * pod loses everything. Stopped sandboxes of pods deleted later go in the
   * relist's garbage collection.
   */
  killPod(uid: string, gracePeriodMs: number): Promise<void> {
    return this.locked(uid, async () => {
      const list = await this.sandboxes(uid);
      const st = this.pods.get(uid);
      if (st && list.length && (await this.podStillExists(st.pod))) {
        await this.stopSandboxes(uid, list, gracePeriodMs);
        for (const t of st.timers.values()) clearTimeout(t);
        this.pods.delete(uid);
        this.probes?.removePod(uid);
        return;
      }
      await this.removePod(uid, list, gracePeriodMs, st?.pod);
    });
  }

  private async removePod(uid: string, list: CriSandbox[], gracePeriodMs: number, pod: Pod | undefined): Promise<void> {
    await this.removeSandboxes(uid, list, gracePeriodMs);
    const st = this.pods.get(uid);
    if (st) for (const t of st.timers.values()) clearTimeout(t);
    this.pods.delete(uid);
    this.probes?.removePod(uid);
    if (!list.length && !st) return;
    await this.o.volumes?.tearDown(uid).catch((e: Error) => this.o.log(`cri: pod ${uid}: volume tear-down: ${e.message}`));
    removePodCgroup(this.ctx.cgroupRoot, uid);
    rmSync(join(this.o.agentDir, 'pods', uid, 'containers'), { recursive: true, force: true });
    const md = pod?.metadata ?? list[0]?.metadata;
    if (md) rmSync(join(this.ctx.logRoot, `${md.namespace}_${md.name}_${uid}`), { recursive: true, force: true });
  }

  /** The API still has this pod (same uid) and it is not being deleted. */
  private async podStillExists(pod: Pod): Promise<boolean> {
    try {
      const cur = await this.o.client.resource<Pod>('pods', pod.metadata.namespace).get(pod.metadata.name ?? '');
      return cur.metadata.uid === pod.metadata.uid && !cur.metadata.deletionTimestamp;
    } catch (e) {
      if ((e as { code?: number }).code === 404 || /not found/i.test((e as Error).message)) return false;
      return true; // unsure: keep, the GC looks again later
    }
  }

  /** Stopped sandboxes whose pod is gone from the API (or was replaced) are removed with their logs. */
  private async collectGarbage(): Promise<void> {
    const stopped = (await this.o.cri.listSandboxes()).filter((s) => s.state !== 'SANDBOX_READY' && s.metadata && !this.pods.has(s.metadata.uid));
    for (const sb of stopped) {
      const md = sb.metadata!;
      const probe = { metadata: { name: md.name, namespace: md.namespace, uid: md.uid } } as Pod;
      if (await this.podStillExists(probe)) continue;
      await this.locked(md.uid, async () => this.removePod(md.uid, await this.sandboxes(md.uid), 0, undefined));
    }
  }

  private async stopSandboxes(uid: string, list: CriSandbox[], gracePeriodMs: number): Promise<void> {
    await this.stopRunning(uid, gracePeriodMs);
    for (const sb of list) await this.o.cri.rt('StopPodSandbox', { pod_sandbox_id: sb.id }).catch((e: Error) => this.o.log(`cri: StopPodSandbox ${sb.id}: ${e.message}`));
  }

  /** preStop hooks, StopContainer with the remaining grace (SIGTERM, then SIGKILL), StopPodSandbox, RemovePodSandbox. */
  private async removeSandboxes(uid: string, list: CriSandbox[], gracePeriodMs: number): Promise<void> {
    if (!list.length) return;
    await this.stopRunning(uid, gracePeriodMs);
    for (const sb of list) {
      await this.o.cri.rt('StopPodSandbox', { pod_sandbox_id: sb.id }).catch((e: Error) => this.o.log(`cri: StopPodSandbox ${sb.id}: ${e.message}`));
      await this.o.cri.rt('RemovePodSandbox', { pod_sandbox_id: sb.id }).catch((e: Error) => this.o.log(`cri: RemovePodSandbox ${sb.id}: ${e.message}`));
    }
    const st = this.pods.get(uid);
    if (st) {
      st.sandboxId = undefined;
      st.sandboxConfig = undefined;
      st.podIP = undefined;
    }
  }

  /**
   * Stops the pod's running containers within `gracePeriodMs`: the regular ones at once, then the sidecars
   * (restartable init containers) one at a time in reverse spec order, as upstream since KEP-753.
   */
  private async stopRunning(uid: string, gracePeriodMs: number): Promise<void> {
    const st = this.pods.get(uid);
    const running = (await this.o.cri.listContainers({ label_selector: { [LABEL_POD_UID]: uid } })).filter((c) => c.state === 'CONTAINER_RUNNING');
    const all = st ? [...(specOf(st.pod).initContainers ?? []), ...specOf(st.pod).containers] : [];
    const sidecars = all.filter((c) => c.restartPolicy === 'Always').map((c) => c.name).reverse();
    const deadline = Date.now() + gracePeriodMs;
    const stop = (c: CriContainer) => {
      const spec = all.find((x) => x.name === c.labels[LABEL_CONTAINER_NAME]);
      const left = gracePeriodMs > 0 ? Math.max(1, deadline - Date.now()) : 0;
      return st && spec ? this.stopContainer(st, spec, c.id, left) : this.o.cri.rt('StopContainer', { container_id: c.id, timeout: String(Math.ceil(left / 1000)) }).catch(() => undefined);
    };
    await Promise.all(running.filter((c) => !sidecars.includes(c.labels[LABEL_CONTAINER_NAME] ?? '')).map(stop));
    for (const name of sidecars) for (const c of running.filter((x) => x.labels[LABEL_CONTAINER_NAME] === name)) await stop(c);
  }

  private async stopContainer(st: PodState, c: FullContainer, id: string, graceMs: number): Promise<void> {
    const t0 = Date.now();
    if (graceMs > 0 && c.lifecycle?.preStop) {
      const err = await runHandler(this.o.cri, c.lifecycle.preStop, c, id, st.podIP ?? '', graceMs);
      if (err) this.event(st.pod, 'Warning', 'FailedPreStopHook', err);
    }
    const left = Math.max(0, graceMs - (Date.now() - t0));
    // Upstream gives at least 2 s when any grace was asked for.
    const timeout = graceMs > 0 ? Math.max(2, Math.ceil(left / 1000)) : 0;
    this.event(st.pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
    await this.o.cri.rt('StopContainer', { container_id: id, timeout: String(timeout) }, timeout * 1000 + 30_000).catch((e: Error) => this.o.log(`cri: StopContainer ${id}: ${e.message}`));
  }

  // ---------------------------------------------------------------- PLEG

  /** One ListContainers + ListPodSandbox: any state change, appearance or disappearance wakes the pod. */
  private async relist(): Promise<void> {
    if (this.closed) return;
    const [cs, sbs] = await Promise.all([this.o.cri.listContainers(), this.o.cri.listSandboxes()]);
    const seen = new Map<string, string>();
    const changed = new Set<string>();
    for (const c of cs) {
      seen.set(c.id, `${c.state}|${c.labels[LABEL_POD_UID] ?? ''}`);
      if (this.lastSeen.get(c.id) !== seen.get(c.id)) changed.add(c.labels[LABEL_POD_UID] ?? '');
    }
    for (const s of sbs) {
      seen.set(s.id, `${s.state}|${s.metadata?.uid ?? ''}`);
      if (this.lastSeen.get(s.id) !== seen.get(s.id)) changed.add(s.metadata?.uid ?? '');
    }
    for (const [id, v] of this.lastSeen) if (!seen.has(id)) changed.add(v.split('|')[1] ?? '');
    this.lastSeen = seen;
    for (const uid of changed) if (uid) this.notify(uid);
    if (++this.relists % GC_EVERY_RELISTS === 0) await this.collectGarbage();
    // Periodic resync (upstream syncFrequency, 1 min): refreshes volume contents, catches anything missed.
    if (this.relists % RESYNC_EVERY_RELISTS === 0) for (const uid of this.pods.keys()) this.notify(uid);
    if (this.relists % IMAGES_EVERY_RELISTS === 1) await this.reportImages().catch((e: Error) => this.o.log(`cri: node images: ${e.message}`));
  }

  // ---------------------------------------------------------------- misc

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const md = pod.metadata;
    this.events.event({ kind: 'Pod', apiVersion: 'v1', name: md.name ?? '', namespace: md.namespace, uid: md.uid }, type, reason, message);
  }

  recordEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.event(pod, type, reason, message);
  }

  private async getData(resource: 'configmaps' | 'secrets', ns: string, name: string, decode: boolean): Promise<Record<string, string> | undefined> {
    try {
      const o = (await this.o.client.resource<{ metadata: object; data?: Record<string, string> }>(resource, ns).get(name)) as { data?: Record<string, string> };
      const data = o.data ?? {};
      return decode ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : data;
    } catch (e) {
      if ((e as { code?: number }).code === 404 || /not found/i.test(String((e as Error).message))) return undefined;
      throw e;
    }
  }

  private async pullSecrets(pod: Pod): Promise<string[]> {
    const out: string[] = [];
    for (const ref of specOf(pod).imagePullSecrets ?? []) {
      const d = await this.getData('secrets', pod.metadata.namespace ?? 'default', ref.name, true);
      const v = d?.['.dockerconfigjson'] ?? d?.['.dockercfg'];
      if (v) out.push(v);
    }
    return out;
  }

  async execSync(containerId: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const r = await this.o.cri.rt<{ exit_code: number; stdout: Buffer; stderr: Buffer }>('ExecSync', { container_id: containerId, cmd, timeout: String(Math.max(1, Math.ceil(timeoutMs / 1000))) }, timeoutMs + 5_000);
    return { exitCode: r.exit_code, output: Buffer.concat([r.stdout, r.stderr]).toString('utf8') };
  }

  private async containerId(ref: PodRef, container: string, previous = false): Promise<CriContainer | undefined> {
    const list = await this.o.cri.listContainers({ label_selector: { [LABEL_POD_UID]: ref.uid, [LABEL_CONTAINER_NAME]: container } });
    list.sort((a, b) => attemptOf(b) - attemptOf(a) || Number(b.created_at) - Number(a.created_at));
    return list[previous ? 1 : 0];
  }

  async containerLogPath(ref: PodRef, container: string, previous: boolean): Promise<string | undefined> {
    const c = await this.containerId(ref, container, previous);
    if (!c) return undefined;
    const p = join(this.ctx.logRoot, `${ref.namespace}_${ref.name}_${ref.uid}`, container, `${attemptOf(c)}.log`);
    try {
      statSync(p);
      return p;
    } catch {
      return undefined;
    }
  }

  async execStream(ref: PodRef, container: string, cmd: string[], o: ExecOptions): Promise<string> {
    const c = await this.containerId(ref, container);
    if (!c || c.state !== 'CONTAINER_RUNNING') throw new Error(`container ${container} is not running`);
    return (await this.o.cri.rt<{ url: string }>('Exec', { container_id: c.id, cmd, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr && !o.tty })).url;
  }

  async attachStream(ref: PodRef, container: string, o: ExecOptions): Promise<string> {
    const c = await this.containerId(ref, container);
    if (!c || c.state !== 'CONTAINER_RUNNING') throw new Error(`container ${container} is not running`);
    return (await this.o.cri.rt<{ url: string }>('Attach', { container_id: c.id, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr && !o.tty })).url;
  }

  async portForwardStream(ref: PodRef, ports: number[]): Promise<string> {
    const sb = (await this.sandboxes(ref.uid)).find((s) => s.state === 'SANDBOX_READY');
    if (!sb) throw new Error(`pod ${ref.namespace}/${ref.name} has no running sandbox`);
    return (await this.o.cri.rt<{ url: string }>('PortForward', { pod_sandbox_id: sb.id, port: ports })).url;
  }

  async listPods(): Promise<Pod[]> {
    return [...this.pods.values()].map((s) => s.pod);
  }

  /** /metrics/resource: CRI ListContainerStats (containerd reads the containers' cgroups). */
  async containerStats(): Promise<ContainerStatsSample[]> {
    const out: ContainerStatsSample[] = [];
    for (const s of await this.o.cri.listContainerStats()) {
      const labels = s.attributes?.labels ?? {};
      const cpu = s.cpu?.usage_core_nano_seconds?.value;
      const mem = s.memory?.working_set_bytes?.value;
      if (!s.attributes || cpu === undefined || mem === undefined || !labels[LABEL_POD_NAME]) continue;
      const ts = Number(s.cpu?.timestamp ?? 0) / 1e6 || Date.now();
      out.push({ namespace: labels[LABEL_POD_NAMESPACE] ?? '', pod: labels[LABEL_POD_NAME] ?? '', container: labels[LABEL_CONTAINER_NAME] ?? s.attributes.metadata?.name ?? '', id: s.attributes.id, cpuSeconds: Number(cpu) / 1e9, memoryWorkingSetBytes: Number(mem), timestampMs: ts });
    }
    return out;
  }

  /** Images for node status (`status.images`), largest first as upstream. */
  async images(): Promise<Array<{ names: string[]; sizeBytes: number }>> {
    const list = (await this.o.cri.listImages()).map((i) => ({ names: [...i.repo_tags, ...i.repo_digests], sizeBytes: Number(i.size) })).filter((i) => i.names.length);
    return list.sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, MAX_NODE_IMAGES);
  }

  private async reportImages(): Promise<void> {
    const images = await this.images();
    const key = JSON.stringify(images);
    if (key === this.lastImages) return;
    await this.o.client.resource<Node>('nodes').patch(this.o.nodeName, { status: { images } }, { subresource: 'status' });
    this.lastImages = key;
  }

  /** Timers that live as long as the runtime (image GC, node-removal watch; see index.ts): stopped by close(). */
  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  close(): void {
    this.closed = true;
    for (const fn of this.closers.splice(0)) fn();
    clearInterval(this.relistTimer);
    for (const st of this.pods.values()) for (const t of st.timers.values()) clearTimeout(t);
    this.probes?.close();
    this.o.volumes?.close?.();
    this.o.cri.close();
  }
}

function tailLog(path: string, lines: number, bytes: number): string {
  try {
    const text = readFileSync(path, 'utf8');
    // CRI log lines: "<time> <stream> <F|P> <msg>"
    const msgs = text.split('\n').filter(Boolean).slice(-lines).map((l) => l.split(' ').slice(3).join(' '));
    const out = msgs.join('\n');
    return out.length > bytes ? out.slice(out.length - bytes) : out;
  } catch {
    return '';
  }
}
