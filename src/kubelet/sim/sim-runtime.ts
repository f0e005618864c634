/** The `sim` runtime: no containers, just stage data played on a clock; one instance serves any number of nodes. */
import { realClock, type CancelTimer, type Clock } from '../../client/index.js';
import type { PodRef, Runtime, RuntimePodStatus } from '../runtime.js';
import type { ContainerStatus, Pod } from '../types.js';
import { advance, newSimContainers, toContainerStatus, type SimContainer } from './engine.js';
import { DEFAULT_STAGES, type Stage } from './stages.js';

interface SimPod {
  pod: Pod;
  containers: SimContainer[];
  timer?: CancelTimer;
  timerAt?: number;
}

export interface SimRuntimeOptions {
  clock?: Clock;
  stages?: readonly Stage[];
}

export class SimRuntime implements Runtime {
  readonly name = 'sim';
  readonly version = '0.1.0';
  private readonly pods = new Map<string, SimPod>();
  private readonly listeners: Array<(ref: PodRef) => void> = [];
  private readonly clock: Clock;
  private readonly stages: readonly Stage[];

  constructor(opts: SimRuntimeOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.stages = opts.stages ?? DEFAULT_STAGES;
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

  async killPod(uid: string, _gracePeriodMs: number): Promise<void> {
    const sp = this.pods.get(uid);
    sp?.timer?.();
    this.pods.delete(uid);
  }

  onChange(fn: (ref: PodRef) => void): void {
    this.listeners.push(fn);
  }

  close(): void {
    for (const sp of this.pods.values()) sp.timer?.();
    this.pods.clear();
  }

  get podCount(): number {
    return this.pods.size;
  }

  private step(uid: string, sp: SimPod): boolean {
    const { changed, nextAt } = advance(this.stages, sp.pod, sp.containers, this.clock.now());
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
