/**
 * The extension points (upstream framework/interface.go). A plugin is an
 * object with a `name` and the methods of the points it implements; the
 * framework calls them in the profile's order. Returning `undefined` means Success.
 */
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { MaybeStatus, Status } from './status.js';
import type { Node, Pod } from './types.js';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/** Per-cycle scratch space; plugins key their state by their own name ("PreFilter" + name). */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter/PreScore returned Skip: their Filter/Score do not run. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  write(key: string, v: unknown): void {
    this.data.set(key, v);
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v instanceof Object && 'clone' in v && typeof v.clone === 'function' ? (v.clone as () => unknown)() : v);
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    return c;
  }
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface PreFilterResult {
  /** Only these nodes can fit (undefined: all). */
  nodeNames?: Set<string>;
  /** Set by the framework: the plugins that narrowed `nodeNames`. */
  plugins?: string[];
}

export interface PostFilterResult {
  nominatedNodeName?: string;
}

/** What plugins may read and do besides their arguments (upstream framework.Handle). */
export interface Handle {
  /** Every node the scheduler knows, in a stable order. */
  nodes(): NodeInfo[];
  node(name: string): NodeInfo | undefined;
  namespaceLabels(ns: string): Record<string, string> | undefined;
  /** The pod's effective priority (spec.priority, else its PriorityClass's value). */
  priority(pod: Pod): number;
  /** Run every Filter plugin on one node (preemption's what-if). */
  runFilters(state: CycleState, pod: Pod, node: NodeInfo): Status | undefined;
  /** Run PreFilterExtensions AddPod/RemovePod so the cycle state follows a what-if change. */
  runAddPod(state: CycleState, pod: Pod, added: PodInfo, node: NodeInfo): void;
  runRemovePod(state: CycleState, pod: Pod, removed: PodInfo, node: NodeInfo): void;
  /** Side effects through the API server (preemption, binding). */
  api: SchedulerApi;
  pdbs(): PodDisruptionBudget[];
}

export interface PodDisruptionBudget {
  metadata: { name?: string; namespace?: string };
  spec?: { selector?: import('../../api/index.js').LabelSelectorObject | null };
  status?: { disruptionsAllowed?: number; disruptedPods?: Record<string, string> };
}

export interface SchedulerApi {
  bind(pod: Pod, node: string): Promise<void>;
  deletePod(pod: Pod, reason: string): Promise<void>;
  setNominatedNode(pod: Pod, node: string | undefined): Promise<void>;
}

export interface Plugin {
  readonly name: string;
  preEnqueue?(pod: Pod): MaybeStatus;
  /** QueueSort: does `a` go before `b`? Only one per profile. */
  less?(a: QueuedPod, b: QueuedPod): boolean;
  preFilter?(state: CycleState, pod: Pod, nodes: NodeInfo[]): [PreFilterResult | undefined, MaybeStatus];
  /** PreFilterExtensions: keep the PreFilter state right when a pod is added/removed (preemption). */
  addPod?(state: CycleState, pod: Pod, added: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: Pod, removed: PodInfo, node: NodeInfo): void;
  filter?(state: CycleState, pod: Pod, node: NodeInfo): MaybeStatus;
  postFilter?(state: CycleState, pod: Pod, statuses: Map<string, Status>): Promise<[PostFilterResult | undefined, Status]>;
  preScore?(state: CycleState, pod: Pod, nodes: NodeInfo[]): MaybeStatus;
  score?(state: CycleState, pod: Pod, node: NodeInfo): number;
  /** ScoreExtensions: scale this plugin's raw scores to 0..MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): void;
  reserve?(state: CycleState, pod: Pod, node: string): Promise<MaybeStatus>;
  unreserve?(state: CycleState, pod: Pod, node: string): void;
  /** Permit: Success, Unschedulable, or Wait (with a timeout). */
  permit?(state: CycleState, pod: Pod, node: string): [MaybeStatus, number];
  preBind?(state: CycleState, pod: Pod, node: string): Promise<MaybeStatus>;
  bind?(state: CycleState, pod: Pod, node: string): Promise<MaybeStatus>;
}

export interface QueuedPod {
  pod: Pod;
  priority: number;
  /** When the pod first entered the queue (ms). */
  timestamp: number;
  attempts: number;
}

export type PluginFactory = (args: Record<string, unknown>, handle: Handle) => Plugin;
export type { Node };
