/** The `sim` runtime: no containers, just stage data played on a clock; one instance serves any number of nodes. */
import { realClock, type CancelTimer, type Clock } from '../../client/index.js';
import type { PodRef, Runtime, RuntimePodStatus } from '../runtime.js';
import { SimLogs, type SimLogScript } from './sim-logs.js';
import type { ContainerStatus, Pod } from '../types.js';
import { advance, newSimContainers, toContainerStatus, type SimContainer } from './engine.js';
import { DEFAULT_STAGES, STOP_SECONDS_ANNOTATION, type Stage } from './stages.js';

interface SimPod {
  pod: Pod;
  containers: SimContainer[];
  timer?: CancelTimer;
  timerAt?: number;
  /** A graceful stop is under way (the pod keeps its status until it ends). */
  stopping?: Promise<void>;
}

export interface SimRuntimeOptions {
  clock?: Clock;
  stages?: readonly Stage[];
  /** Where simulated containers' CRI-format logs go (none: no logs). */
  logDir?: string;
  logScript?: SimLogScript;
}

export class SimRuntime implements Runtime {
  readonly name = 'sim';
  readonly version = '0.1.0';
  private readonly pods = new Map<string, SimPod>();
  private readonly listeners: Array<(ref: PodRef) => void> = [];
  private readonly clock: Clock;
  private readonly stages: readonly Stage[];
  private readonly logs: SimLogs | undefined;
  /** uid → container → latest instance number; outlives the pod in the runtime so finished pods keep their logs. */
  private readonly instances = new Map<string, Map<string, number>>();
  private readonly abort = new AbortController();

  constructor(opts: SimRuntimeOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.stages = opts.stages ?? DEFAULT_STAGES;
    this.logs = opts.logDir ? new SimLogs(opts.logDir, opts.logScript) : undefined;
  }

  async containerLogPath(ref: PodRef, container: string, previous: boolean): Promise<string | undefined> {
    const n = this.instances.get(ref.uid)?.get(container);
    if (n === undefined || !this.logs) return undefined;
    return this.logs.existing(ref.uid, container, previous ? n - 1 : n);
  }

  async syncPod(pod: Pod): Promise<RuntimePodStatus> {
    const uid = pod.metadata.uid ?? '';
    let sp = this.pods.get(uid);
    if (!sp) {
      sp = { pod, containers: newSimContainers(pod, this.clock.now()) };
      this.pods.set(uid, sp);
    }
    sp.pod = pod;
    this.step(uid, sp);
    return this.statusOf(sp);
  }

  /**
   * With a grace period, a pod annotated `sim.k8ts.io/stop-seconds` takes that
   * long (at most the grace period) to stop, still Running; otherwise at once.
   */
  async killPod(uid: string, gracePeriodMs: number): Promise<void> {
    const sp = this.pods.get(uid);
    if (!sp) return;
    const stopMs = Math.min(stopSeconds(sp.pod) * 1000, Math.max(0, gracePeriodMs));
    if (stopMs > 0 || sp.stopping) {
      sp.stopping ??= this.gracefulStop(sp, stopMs);
      await sp.stopping;
    }
    if (this.pods.get(uid) !== sp) return;
    sp.timer?.();
    this.pods.delete(uid);
  }

  private async gracefulStop(sp: SimPod, stopMs: number): Promise<void> {
    const now = this.clock.now();
    const running = sp.containers.filter((c) => c.phase === 'running');
    for (const c of running) this.logs?.write('stop', sp.pod, c, now);
    await this.clock.sleep(stopMs, this.abort.signal).catch(() => undefined);
    for (const c of running) this.logs?.write('exit', sp.pod, { ...c, exitCode: 0 }, now + stopMs);
  }

  onChange(fn: (ref: PodRef) => void): void {
    this.listeners.push(fn);
  }

  close(): void {
    this.abort.abort();
    for (const sp of this.pods.values()) sp.timer?.();
    this.pods.clear();
  }

  get podCount(): number {
    return this.pods.size;
  }

  private step(uid: string, sp: SimPod): boolean {
    const { changed, nextAt } = advance(this.stages, sp.pod, sp.containers, this.clock.now(), (c, stage, at) => this.logged(sp.pod, c, stage, at));
    if (nextAt !== sp.timerAt) {
      sp.timer?.();
      sp.timer = undefined;
      sp.timerAt = nextAt;
      if (nextAt !== undefined) {
        sp.timer = this.clock.setTimer(Math.max(0, nextAt - this.clock.now()), () => {
          sp.timer = undefined;
          sp.timerAt = undefined;
          if (this.pods.get(uid) !== sp) return;
          if (this.step(uid, sp)) this.notify(sp.pod);
        });
      }
    }
    return changed;
  }

  /** Container instances and their log lines follow the stages as they are played. */
  private logged(pod: Pod, c: SimContainer, stage: Stage, at: number): void {
    if (stage.next.phase === 'running') {
      const uid = pod.metadata.uid ?? '';
      let m = this.instances.get(uid);
      if (!m) {
        m = new Map();
        this.instances.set(uid, m);
        if (this.instances.size > 2000) this.instances.delete(this.instances.keys().next().value!);
      }
      m.set(c.name, c.restartCount);
      this.logs?.write('start', pod, c, at);
    } else if (stage.next.phase === 'exited') {
      this.logs?.write(c.exitCode ? 'fail' : 'exit', pod, c, at);
    }
  }

  private notify(pod: Pod): void {
    const ref = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
    for (const fn of this.listeners) fn(ref);
  }

  private statusOf(sp: SimPod): RuntimePodStatus {
    const conv = (kind: 'init' | 'app'): ContainerStatus[] =>
      sp.containers.filter((c) => c.kind === kind).flatMap((c) => toContainerStatus(c, sp.pod) ?? []);
    return { sandboxReady: true, initContainers: conv('init'), containers: conv('app') };
  }
}

/** The pod's simulated stop time in seconds (annotation; 0 when absent or invalid). */
function stopSeconds(pod: Pod): number {
  const v = Number(pod.metadata.annotations?.[STOP_SECONDS_ANNOTATION]);
  return Number.isFinite(v) && v > 0 ? v : 0;
}
