/** One profile's plugins per extension point, and how each point runs them (upstream frameworkruntime). */
import { CycleState, MAX_NODE_SCORE, type Handle, type NodeScore, type Plugin, type PostFilterResult, type PreFilterResult } from './interface.js';
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

export class Framework {
  readonly byPoint: Record<ExtensionPoint, Plugin[]>;

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
    for (const p of this.byPoint.filter) {
      if (state.skipFilter.has(p.name)) continue;
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
  runScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): [NodeScores[], MaybeStatus] {
    for (const p of this.byPoint.preScore) {
      const s = p.preScore!(state, pod, nodes);
      if (s?.code === Code.Skip) state.skipScore.add(p.name);
      else if (s && !s.isSuccess()) return [[], s.withPlugin(p.name)];
    }
    const out: NodeScores[] = nodes.map((n) => ({ name: n.name, total: 0, plugins: {} }));
    for (const p of this.byPoint.score) {
      if (state.skipScore.has(p.name)) continue;
      const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: p.score!(state, pod, n) }));
      p.normalizeScore?.(state, pod, scores);
      const w = this.config.weights[p.name] ?? 1;
      for (let i = 0; i < scores.length; i++) {
        const sc = Math.max(0, Math.min(MAX_NODE_SCORE, scores[i]!.score)) * w;
        out[i]!.plugins[p.name] = sc;
        out[i]!.total += sc;
      }
    }
    return [out, undefined];
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

  runPermit(state: CycleState, pod: Pod, node: string): Status | undefined {
    for (const p of this.byPoint.permit) {
      const [s] = p.permit!(state, pod, node);
      // Waiting pods are not supported by any built-in plugin; Wait is treated as a rejection.
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
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
