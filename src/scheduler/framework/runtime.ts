/** One profile's plugins per extension point, and how each point runs them (upstream frameworkruntime). */
import { realClock, type Clock } from '../../client/index.js';
import { CycleState, MAX_NODE_SCORE, type ClusterEvent, type ClusterEventWithHint, type Handle, type WaitingPodHandle, type NodeScore, type Plugin, type PostFilterResult, type PreFilterResult } from './interface.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { Code, Status, unschedulable, type MaybeStatus } from './status.js';
import type { Pod } from './types.js';

export type ExtensionPoint = 'queueSort' | 'preEnqueue' | 'preFilter' | 'filter' | 'postFilter' | 'preScore' | 'score' | 'reserve' | 'permit' | 'preBind' | 'bind';

export interface ProfilePlugins {
  /** Plugin names per extension point, in order. */
  points: Record<ExtensionPoint, string[]>;
  /** Score weights by plugin name. */
  weights: Record<string, number>;
}

/** Per-plugin scores of one node: weighted normalised scores and the total. */
export interface NodeScores {
  name: string;
  total: number;
  plugins: Record<string, number>;
}

/**
 * The scores of a cycle as columns: one total per node and one list per
 * scoring plugin (no object per node; `entry(i)` builds one for the record).
 */
export class ScoreTable {
  constructor(
    readonly nodes: NodeInfo[],
    readonly totals: number[],
    /** Plugins that scored (not skipped), each with its weighted normalised score per node. */
    readonly plugins: { name: string; scores: number[] }[],
  ) {}
  get length(): number {
    return this.nodes.length;
  }
  entry(i: number): NodeScores {
    const plugins: Record<string, number> = {};
    for (const p of this.plugins) plugins[p.name] = p.scores[i]!;
    return { name: this.nodes[i]!.name, total: this.totals[i]!, plugins };
  }
}

/** Upstream's cap on a Permit plugin's wait. */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60_000;

/**
 * A pod held at Permit (upstream framework.WaitingPod): it goes on to bind once
 * every waiting plugin allows it; one rejection or a plugin's timeout rejects it.
 */
export class WaitingPod implements WaitingPodHandle {
  private readonly timers = new Map<string, () => void>();
  private settle!: (s: Status | undefined) => void;
  private settled = false;
  /** Resolves with undefined (allowed) or the rejection. */
  readonly result: Promise<Status | undefined>;

  constructor(
    readonly pod: Pod,
    readonly node: string,
    waits: Map<string, number>,
    clock: Clock,
  ) {
    this.result = new Promise((r) => (this.settle = r));
    for (const [plugin, ms] of waits) {
      this.timers.set(plugin, clock.setTimer(ms, () => this.reject(plugin, `rejected due to timeout after waiting ${goDuration(ms)} at plugin ${plugin}`)));
    }
  }

  /** Plugins that have not allowed the pod yet. */
  pendingPlugins(): string[] {
    return [...this.timers.keys()];
  }

  allow(plugin: string): void {
    const cancel = this.timers.get(plugin);
    if (!cancel || this.settled) return;
    cancel();
    this.timers.delete(plugin);
    if (this.timers.size === 0) this.finish(undefined);
  }

  reject(plugin: string, msg: string): void {
    if (this.settled) return;
    this.finish(new Status(Code.Unschedulable, msg).withPlugin(plugin));
  }

  private finish(s: Status | undefined): void {
    this.settled = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.settle(s);
  }
}

export class Framework {
  readonly byPoint: Record<ExtensionPoint, Plugin[]>;
  /** Each plugin's EnqueueExtensions (undefined: it did not say, so every event may help). */
  private readonly events = new Map<string, ClusterEventWithHint[] | undefined>();
  /** Pods waiting at Permit, by uid (or key when no uid). */
  readonly waitingPods = new Map<string, WaitingPod>();
  clock: Clock = realClock;

  constructor(
    readonly schedulerName: string,
    readonly plugins: Map<string, Plugin>,
    readonly config: ProfilePlugins,
    readonly handle: Handle,
    readonly percentageOfNodesToScore?: number,
  ) {
    const pick = (pt: ExtensionPoint): Plugin[] => config.points[pt].map((n) => plugins.get(n)).filter((p): p is Plugin => p !== undefined);
    this.byPoint = {
      queueSort: pick('queueSort'),
      preEnqueue: pick('preEnqueue'),
      preFilter: pick('preFilter'),
      filter: pick('filter'),
      postFilter: pick('postFilter'),
      preScore: pick('preScore'),
      score: pick('score'),
      reserve: pick('reserve'),
      permit: pick('permit'),
      preBind: pick('preBind'),
      bind: pick('bind'),
    };
    for (const [name, p] of plugins) this.events.set(name, p.eventsToRegister?.());
  }

  private readonly interestCache = new Map<string, Set<string>>();
  /** Plugins that registered this kind of event, or registered nothing (every event may help them). */
  interestedPlugins(ev: ClusterEvent): Set<string> {
    const k = `${ev.resource}/${ev.action}`;
    let set = this.interestCache.get(k);
    if (!set) {
      set = new Set();
      for (const [name, regs] of this.events) if (!regs || regs.some((r) => r.resource === ev.resource && r.actions.includes(ev.action))) set.add(name);
      this.interestCache.set(k, set);
    }
    return set;
  }

  /**
   * Queueing hints: could `ev` make `pod` pass one of the plugins that rejected
   * it? Yes if any registered hint of those plugins says Queue (or a plugin
   * registers no events at all, or a hint throws — as upstream).
   */
  isSchedulableAfter(pod: Pod, rejectedBy: ReadonlySet<string>, ev: ClusterEvent): boolean {
    for (const name of rejectedBy) {
      if (!this.events.has(name)) return true;
      const regs = this.events.get(name);
      if (!regs) return true;
      for (const r of regs) {
        if (r.resource !== ev.resource || !r.actions.includes(ev.action)) continue;
        try {
          if (!r.hint || r.hint(pod, ev) === 'Queue') return true;
        } catch {
          return true;
        }
      }
    }
    return false;
  }

  runPreEnqueue(pod: Pod): Status | undefined {
    for (const p of this.byPoint.preEnqueue) {
      const s = p.preEnqueue?.(pod);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /** Rejections come back with the plugin named; Skip marks the plugin's Filter as skipped. */
  runPreFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): [PreFilterResult, Status | undefined] {
    let nodeNames: Set<string> | undefined;
    const narrowing: string[] = [];
    for (const p of this.byPoint.preFilter) {
      const [res, s] = p.preFilter!(state, pod, nodes);
      if (s?.code === Code.Skip) {
        state.skipFilter.add(p.name);
        state.filters = undefined;
        continue;
      }
      if (s && !s.isSuccess()) return [{}, s.withPlugin(p.name)];
      if (res?.nodeNames) {
        narrowing.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => res.nodeNames!.has(n))) : res.nodeNames;
        if (nodeNames.size === 0) {
          return [{ nodeNames }, new Status(Code.UnschedulableAndUnresolvable, `node(s) didn't satisfy plugin(s) [${narrowing.join(' ')}] simultaneously`).withPlugin(p.name)];
        }
      }
    }
    return [{ nodeNames, plugins: narrowing }, undefined];
  }

  /** The first rejecting Filter's status (upstream stops at the first failure). */
  runFilters(state: CycleState, pod: Pod, node: NodeInfo): Status | undefined {
    // The Filter plugins not skipped this cycle, worked out once per cycle (Filter runs on thousands of nodes).
    let filters = state.filters;
    if (!filters || state.filtersOf !== this) {
      filters = state.filters = this.byPoint.filter.filter((p) => !state.skipFilter.has(p.name));
      state.filtersOf = this;
    }
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i]!;
      const s = p.filter!(state, pod, node);
      if (s && !s.isSuccess()) {
        if (s.code !== Code.Error && !s.isRejected()) continue;
        return s.withPlugin(p.name);
      }
    }
    return undefined;
  }

  runAddPod(state: CycleState, pod: Pod, added: PodInfo, node: NodeInfo): void {
    for (const p of this.byPoint.preFilter) if (!state.skipFilter.has(p.name)) p.addPod?.(state, pod, added, node);
  }
  runRemovePod(state: CycleState, pod: Pod, removed: PodInfo, node: NodeInfo): void {
    for (const p of this.byPoint.preFilter) if (!state.skipFilter.has(p.name)) p.removePod?.(state, pod, removed, node);
  }

  async runPostFilter(state: CycleState, pod: Pod, statuses: Map<string, Status>): Promise<[PostFilterResult | undefined, Status]> {
    const reasons: string[] = [];
    let result: PostFilterResult | undefined;
    for (const p of this.byPoint.postFilter) {
      const [r, s] = await p.postFilter!(state, pod, statuses);
      if (s.isSuccess()) return [r, s.withPlugin(p.name)];
      if (s.code !== Code.Unschedulable && s.code !== Code.UnschedulableAndUnresolvable) return [r, s.withPlugin(p.name)];
      if (r) result = r;
      reasons.push(...s.reasons);
    }
    return [result, unschedulable(...reasons)];
  }

  /** Scores of each node, weighted and summed, with each plugin's part (for `k8ts explain`). */
  runScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): [ScoreTable, MaybeStatus] {
    for (const p of this.byPoint.preScore) {
      const s = p.preScore!(state, pod, nodes);
      if (s?.code === Code.Skip) state.skipScore.add(p.name);
      else if (s && !s.isSuccess()) return [new ScoreTable([], [], []), s.withPlugin(p.name)];
    }
    const n = nodes.length;
    const totals = new Array<number>(n).fill(0);
    const columns: { name: string; scores: number[] }[] = [];
    // One NodeScore list, refilled for each plugin (normalizeScore rewrites it in place).
    const scores: NodeScore[] = nodes.map((ni) => ({ name: ni.name, score: 0 }));
    for (const p of this.byPoint.score) {
      if (state.skipScore.has(p.name)) continue;
      const score = p.score!;
      for (let i = 0; i < n; i++) scores[i]!.score = score.call(p, state, pod, nodes[i]!);
      p.normalizeScore?.(state, pod, scores);
      const w = this.config.weights[p.name] ?? 1;
      const col = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        const raw = scores[i]!.score;
        const sc = (raw < 0 ? 0 : raw > MAX_NODE_SCORE ? MAX_NODE_SCORE : raw) * w;
        col[i] = sc;
        totals[i] = totals[i]! + sc;
      }
      columns.push({ name: p.name, scores: col });
    }
    return [new ScoreTable(nodes, totals, columns), undefined];
  }

  async runReserve(state: CycleState, pod: Pod, node: string): Promise<Status | undefined> {
    for (const p of this.byPoint.reserve) {
      const s = await p.reserve?.(state, pod, node);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }
  runUnreserve(state: CycleState, pod: Pod, node: string): void {
    for (const p of [...this.byPoint.reserve].reverse()) p.unreserve?.(state, pod, node);
  }

  /**
   * Permit: a rejection or error comes back; plugins answering Wait put the
   * pod in `waitingPods` (see waitOnPermit) with their timeouts (capped at 15 min).
   */
  runPermit(state: CycleState, pod: Pod, node: string): Status | undefined {
    const waits = new Map<string, number>();
    for (const p of this.byPoint.permit) {
      const [s, timeoutMs] = p.permit!(state, pod, node);
      if (!s || s.isSuccess()) continue;
      if (s.code === Code.Wait) {
        waits.set(p.name, Math.max(0, Math.min(MAX_PERMIT_TIMEOUT_MS, timeoutMs)));
        continue;
      }
      return s.withPlugin(p.name);
    }
    if (waits.size) this.waitingPods.set(waitKey(pod), new WaitingPod(pod, node, waits, this.clock));
    return undefined;
  }

  /** The binding cycle's first step: wait until a waiting pod is allowed or rejected (at once if it never waited). */
  async waitOnPermit(pod: Pod): Promise<Status | undefined> {
    const w = this.waitingPods.get(waitKey(pod));
    if (!w) return undefined;
    try {
      return await w.result;
    } finally {
      this.waitingPods.delete(waitKey(pod));
    }
  }

  async runPreBind(state: CycleState, pod: Pod, node: string): Promise<Status | undefined> {
    for (const p of this.byPoint.preBind) {
      const s = await p.preBind!(state, pod, node);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /** The first binder that does not Skip binds. */
  async runBind(state: CycleState, pod: Pod, node: string): Promise<Status | undefined> {
    for (const p of this.byPoint.bind) {
      const s = await p.bind!(state, pod, node);
      if (s?.code === Code.Skip) continue;
      return s && !s.isSuccess() ? s.withPlugin(p.name) : undefined;
    }
    return new Status(Code.Error, 'no bind plugin bound the pod');
  }

  newCycleState(): CycleState {
    return new CycleState();
  }
}

export const waitKey = (pod: Pod): string => pod.metadata.uid || `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/** A duration as Go's time.Duration prints it (100ms, 1.5s, 2m0s). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  const m = Math.floor(ms / 60_000);
  const rest = ms - m * 60_000;
  if (m < 60) return `${m}m${+(rest / 1000).toFixed(3)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${+(rest / 1000).toFixed(3)}s`;
}
