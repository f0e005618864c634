/**
 * ProbeManager: one worker per container probe (startup, readiness,
 * liveness), upstream's timing and threshold rules, results the runtime reads
 * (ready / started / livenessFailed) and `Unhealthy` events.
 *
 * Rules (pkg/kubelet/prober/worker.go): a worker probes at once and then every
 * periodSeconds; probes before initialDelaySeconds (from the container's start)
 * are skipped; readiness and liveness wait until the startup probe passed;
 * a result takes effect after successThreshold / failureThreshold consecutive
 * equal outcomes; readiness is false until its first success; a liveness or
 * startup failure puts the worker on hold until the runtime restarts the
 * container and calls `ensure` with the new container ID.
 */
import { realClock, type CancelTimer, type Clock } from '../../client/index.js';
import type { Pod } from '../types.js';
import { runProbe, type ExecSync } from './handlers.js';
import { KIND_TITLE, probeTimings, type ProbeKind, type ProbeSpec, type ProbedContainer } from './types.js';

export interface ProbeTarget {
  podUid: string;
  podIP: string;
  containerName: string;
  containerId: string;
  /** When the container started, ms since the epoch (initialDelaySeconds counts from here). */
  startedAt: number;
}

export interface ProbeManagerOptions {
  execSync: ExecSync;
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  onChange(podUid: string): void;
  log(msg: string): void;
  clock?: Clock;
}

interface ContainerState {
  pod: Pod;
  target: ProbeTarget;
  container: ProbedContainer;
  /** startup passed (true at once without a startup probe) */
  started: boolean;
  /** last effective readiness result (false until the first success) */
  readyResult: boolean;
  hasReadiness: boolean;
  /** set when liveness/startup failed: the runtime should restart the container */
  failedProbe?: 'liveness' | 'startup';
  workers: Worker[];
}

const KINDS: Array<[ProbeKind, 'startupProbe' | 'readinessProbe' | 'livenessProbe']> = [
  ['startup', 'startupProbe'],
  ['readiness', 'readinessProbe'],
  ['liveness', 'livenessProbe'],
];

class Worker {
  private cancel?: CancelTimer;
  private stopped = false;
  private onHold = false;
  private lastResult: 'success' | 'failure' | undefined;
  private resultRun = 0;
  private readonly t: ReturnType<typeof probeTimings>;

  constructor(
    private readonly mgr: ProbeManager,
    private readonly state: ContainerState,
    readonly kind: ProbeKind,
    private readonly spec: ProbeSpec,
  ) {
    this.t = probeTimings(spec);
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancel = this.mgr.clock.setTimer(ms, () => {
      const began = this.mgr.clock.now();
      void this.tick().finally(() => this.schedule(Math.max(0, began + this.t.periodMs - this.mgr.clock.now())));
    });
  }

  private async tick(): Promise<void> {
    const s = this.state;
    if (this.onHold) return;
    if (this.mgr.clock.now() - s.target.startedAt < this.t.initialDelayMs) return;
    if (this.kind === 'startup' ? s.started : !s.started) return;
    const outcome = await runProbe(this.spec, { podIP: s.target.podIP, containerId: s.target.containerId, container: s.container, execSync: this.mgr.execSync }, this.t.timeoutMs);
    if (this.stopped) return;
    const title = KIND_TITLE[this.kind];
    if (outcome.result === 'error') {
      // Upstream throws the result away when the prober itself errored.
      this.mgr.emit(s.pod, 'Warning', 'Unhealthy', `${title} probe errored: ${outcome.output}`);
      return;
    }
    if (outcome.result === 'failure') this.mgr.emit(s.pod, 'Warning', 'Unhealthy', `${title} probe failed: ${outcome.output}`);
    if (this.lastResult === outcome.result) this.resultRun++;
    else {
      this.lastResult = outcome.result;
      this.resultRun = 1;
    }
    if (outcome.result === 'failure' && this.resultRun < this.t.failureThreshold) return;
    if (outcome.result === 'success' && this.resultRun < this.t.successThreshold) return;
    this.mgr.setResult(s, this.kind, outcome.result === 'success');
    if (outcome.result === 'failure' && this.kind !== 'readiness') {
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}

export class ProbeManager {
  readonly clock: Clock;
  readonly execSync: ExecSync;
  private readonly containers = new Map<string, ContainerState>();

  constructor(readonly opts: ProbeManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.execSync = opts.execSync;
  }

  private key(podUid: string, name: string): string {
    return `${podUid}/${name}`;
  }

  /**
   * Start workers for the container's startup/readiness/liveness probes
   * (idempotent per containerId; a new ID replaces the old workers and resets
   * the results). Call for every running container; a container never ensured
   * counts as started and ready.
   */
  ensure(pod: Pod, target: ProbeTarget): void {
    const key = this.key(target.podUid, target.containerName);
    const old = this.containers.get(key);
    if (old && old.target.containerId === target.containerId) {
      old.pod = pod;
      if (target.podIP) old.target.podIP = target.podIP;
      return;
    }
    for (const w of old?.workers ?? []) w.stop();
    const spec = pod.spec as { containers?: ProbedContainer[]; initContainers?: ProbedContainer[] };
    const container = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c) => c.name === target.containerName) ?? { name: target.containerName };
    const state: ContainerState = {
      pod,
      target: { ...target },
      container,
      started: !container.startupProbe,
      readyResult: false,
      hasReadiness: Boolean(container.readinessProbe),
      workers: [],
    };
    for (const [kind, field] of KINDS) {
      const p = container[field];
      if (p) state.workers.push(new Worker(this, state, kind, p));
    }
    this.containers.set(key, state);
    for (const w of state.workers) w.start();
  }

  /** Readiness result: started and (no readinessProbe, or its last effective result was a success). */
  ready(podUid: string, containerName: string): boolean {
    const s = this.containers.get(this.key(podUid, containerName));
    if (!s) return true;
    return s.started && (!s.hasReadiness || s.readyResult) && !s.failedProbe;
  }

  /** The startup probe passed (true when there is none). */
  started(podUid: string, containerName: string): boolean {
    return this.containers.get(this.key(podUid, containerName))?.started ?? true;
  }

  /** The liveness (or startup) probe failed its threshold: the runtime should kill and restart the container, then `ensure` the new ID. */
  livenessFailed(podUid: string, containerName: string): boolean {
    return this.containers.get(this.key(podUid, containerName))?.failedProbe !== undefined;
  }

  /** Upstream's `Killing` event message for a failed probe ("Container x failed liveness probe, will be restarted"), if one failed. */
  killMessage(podUid: string, containerName: string): string | undefined {
    const s = this.containers.get(this.key(podUid, containerName));
    return s?.failedProbe && `Container ${containerName} failed ${s.failedProbe} probe, will be restarted`;
  }

  /** Stop probing a container that is no longer running (its results are forgotten). */
  removeContainer(podUid: string, containerName: string): void {
    const key = this.key(podUid, containerName);
    for (const w of this.containers.get(key)?.workers ?? []) w.stop();
    this.containers.delete(key);
  }

  removePod(podUid: string): void {
    for (const [k, s] of this.containers) {
      if (s.target.podUid !== podUid) continue;
      for (const w of s.workers) w.stop();
      this.containers.delete(k);
    }
  }

  close(): void {
    for (const s of this.containers.values()) for (const w of s.workers) w.stop();
    this.containers.clear();
  }

  /** @internal (workers) */
  setResult(s: ContainerState, kind: ProbeKind, ok: boolean): void {
    if (this.containers.get(this.key(s.target.podUid, s.target.containerName)) !== s) return;
    let changed = false;
    if (kind === 'startup') {
      if (ok && !s.started) changed = s.started = true;
      if (!ok && !s.failedProbe) {
        s.failedProbe = 'startup';
        changed = true;
      }
    } else if (kind === 'readiness') {
      if (s.readyResult !== ok) {
        s.readyResult = ok;
        changed = true;
      }
    } else if (!ok && !s.failedProbe) {
      s.failedProbe = 'liveness';
      changed = true;
    }
    if (changed) {
      this.opts.log(`probe ${kind} of ${s.target.podUid}/${s.target.containerName}: ${ok ? 'success' : 'failure'}`);
      this.opts.onChange(s.target.podUid);
    }
  }

  /** @internal (workers) */
  emit(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      this.opts.event(pod, type, reason, message);
    } catch (e) {
      this.opts.log(`probe event: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
