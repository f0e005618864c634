/**
 * The extension points (upstream framework/interface.go). A plugin is an
 * object with a `name` and the methods of the points it implements; the
 * framework calls them in the profile's order. Returning `undefined` means Success.
 */
import type { NodeInfo } from './node-info.js';
import type { AffinityTerm, PodInfo, WeightedAffinityTerm } from './pod-info.js';
import type { LabelSelector } from '../../api/index.js';
import type { MaybeStatus, Status } from './status.js';
import type { Node, Pod } from './types.js';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/** CycleState key: annotations a binder should put on the Binding (the scheduler's decision record). */
export const BINDING_ANNOTATIONS_KEY = 'k8ts/binding-annotations';

/** Per-cycle scratch space; plugins key their state by their own name ("PreFilter" + name). */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter/PreScore returned Skip: their Filter/Score do not run. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  /** The Filter plugins to run this cycle (the framework's cache; reset when skipFilter changes). */
  filters: Plugin[] | undefined;
  filtersOf: unknown;
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

/** A pod on a node (bound or assumed), as the cache's pod indexes hold it. */
export interface PlacedPod {
  readonly info: PodInfo;
  readonly nodeInfo: NodeInfo | undefined;
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

// --- S1 (issue 7): types of the cache's incremental counts (Handle.countsBySelector / termGroups) ---
/** Placed pods in `namespaces` whose labels match `selector`, on known nodes carrying every `requireKeys` label (default: topologyKey), counted by the node's `topologyKey` value. */
export interface SelectorCountQuery {
  namespaces: Iterable<string>;
  selector: LabelSelector;
  topologyKey: string;
  requireKeys?: string[];
  /** Leave out pods with a deletionTimestamp (PodTopologySpread). */
  skipTerminating?: boolean;
  /** Count by node name instead of topology value (topologyKey unused; requireKeys default none). */
  byNode?: boolean;
}
export type TermKind = 'requiredAffinity' | 'requiredAntiAffinity' | 'preferredAffinity' | 'preferredAntiAffinity';
export interface TermGroup {
  /** One of the identical terms (same selector, namespaces, namespaceSelector, topologyKey and weight). */
  readonly term: AffinityTerm | WeightedAffinityTerm;
  /** Per value of term.topologyKey: how many times the term occurs on placed pods on known nodes with that value (no zero entries). */
  readonly counts: ReadonlyMap<string, number>;
}
// --- end S1 ---

/** What plugins may read and do besides their arguments (upstream framework.Handle). */
export interface Handle {
  /** Every node the scheduler knows, in a stable order. */
  nodes(): NodeInfo[];
  node(name: string): NodeInfo | undefined;
  /** Nodes holding pods with required anti-affinity (a subset of nodes(); optional: plugins scan otherwise). */
  havePodsWithRequiredAntiAffinity?(): NodeInfo[];
  /** Nodes holding pods with any (anti-)affinity term (optional, as above). */
  havePodsWithAffinity?(): NodeInfo[];
  /**
   * Pod-level indexes of the same pods as nodes() holds (optional; plugins scan
   * nodes() otherwise). Entries whose node is not known have no `nodeInfo` and
   * must be skipped.
   */
  podsInNamespace?(ns: string): Iterable<PlacedPod>;
  /** Changes whenever a node comes or goes or its labels change (optional: without it nothing is cached across cycles). */
  nodeLabelsGeneration?(): number;
  podsWithRequiredAntiAffinity?(): Iterable<PlacedPod>;
  /** Pods with any (anti-)affinity term. */
  podsWithAffinity?(): Iterable<PlacedPod>;
  // --- incremental counts kept by the cache across cycles (S1, issue 7; optional: plugins count from the indexes above otherwise) ---
  /** Live counts by topology value of the placed pods a query selects; read-only, valid for the synchronous part of a cycle. */
  countsBySelector?(q: SelectorCountQuery): ReadonlyMap<string, number>;
  /** Placed pods' (anti-)affinity terms of one kind, grouped by identical term, with live counts by the term's topology value. */
  termGroups?(kind: TermKind): Iterable<TermGroup>;
  // --- end S1 ---
  namespaceLabels(ns: string): Record<string, string> | undefined;
  /** The pod's effective priority (spec.priority, else its PriorityClass's value). */
  priority(pod: Pod): number;
  /** Run every Filter plugin on one node (preemption's what-if). */
  runFilters(state: CycleState, pod: Pod, node: NodeInfo): Status | undefined;
  /** Run PreFilterExtensions AddPod/RemovePod so the cycle state follows a what-if change. */
  runAddPod(state: CycleState, pod: Pod, added: PodInfo, node: NodeInfo): void;
  runRemovePod(state: CycleState, pod: Pod, removed: PodInfo, node: NodeInfo): void;
  /** P (issue 7): pods nominated (by preemption) to each node, not yet bound (optional: preemption's what-ifs then ignore nominations). */
  nominatedPods?(): ReadonlyMap<string, readonly Pod[]>;
  /** Services, ReplicationControllers, ReplicaSets and StatefulSets of a namespace (default spread constraints' selectors). */
  workloads(ns: string): Workloads;
  /** Pods waiting at Permit (upstream IterateOverWaitingPods / GetWaitingPod). */
  waitingPods(): WaitingPodHandle[];
  getWaitingPod(uid: string): WaitingPodHandle | undefined;
  /** Side effects through the API server (preemption, binding). */
  api: SchedulerApi;
  pdbs(): PodDisruptionBudget[];
}

/** The objects upstream's DefaultSelector derives a pod's selector from. */
export interface Workloads {
  services: { spec?: { selector?: Record<string, string> | null } }[];
  replicationControllers: { spec?: { selector?: Record<string, string> | null } }[];
  replicaSets: { spec?: { selector?: import('../../api/index.js').LabelSelectorObject | null } }[];
  statefulSets: { spec?: { selector?: import('../../api/index.js').LabelSelectorObject | null } }[];
}

/** A pod held at Permit: plugins allow it (all must) or reject it (one is enough). */
export interface WaitingPodHandle {
  readonly pod: Pod;
  readonly node: string;
  pendingPlugins(): string[];
  allow(plugin: string): void;
  reject(plugin: string, msg: string): void;
}

export interface PodDisruptionBudget {
  metadata: { name?: string; namespace?: string };
  spec?: { selector?: import('../../api/index.js').LabelSelectorObject | null };
  status?: { disruptionsAllowed?: number; disruptedPods?: Record<string, string> };
}

export interface SchedulerApi {
  /** POST pods/<name>/binding; `annotations` ride on the Binding (the API server copies them onto the pod). */
  bind(pod: Pod, node: string, annotations?: Record<string, string>): Promise<void>;
  deletePod(pod: Pod, reason: string): Promise<void>;
  setNominatedNode(pod: Pod, node: string | undefined): Promise<void>;
}

/**
 * A change in the cluster that may make parked pods schedulable (upstream
 * framework.ClusterEvent). `AssignedPod` is a pod bound to a node (added,
 * updated, deleted or finished); `Wildcard` moves every parked pod.
 */
export interface ClusterEvent {
  resource: 'Node' | 'AssignedPod' | 'Namespace' | 'Wildcard';
  action: 'Add' | 'Update' | 'Delete';
  oldObj?: unknown;
  newObj?: unknown;
}

/** Queue: the event may make the pod pass this plugin; Skip: it cannot. */
export type QueueingHint = 'Queue' | 'Skip';

/** One event a plugin cares about, with its hint (none: always Queue). */
export interface ClusterEventWithHint {
  resource: ClusterEvent['resource'];
  actions: ClusterEvent['action'][];
  hint?: (pod: Pod, ev: ClusterEvent) => QueueingHint;
}

export interface Plugin {
  readonly name: string;
  /**
   * EnqueueExtensions: the events that could make a pod this plugin rejected
   * schedulable. A plugin without it is retried on every event (as upstream).
   */
  eventsToRegister?(): ClusterEventWithHint[];
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
