/**
 * The scheduler cache: nodes with their pods, bound and assumed. A pod is
 * assumed on a node as soon as the scheduling cycle picks it, so the next
 * cycle sees its resources taken; the informer's confirmation (pod bound)
 * replaces the assumption, and a failed bind forgets it.
 *
 * Besides the per-node view it keeps pod-level indexes, updated as pods come
 * and go, so plugins whose PreFilter/PreScore look at "every pod that could
 * matter" visit only those: placed pods by namespace, pods with required
 * anti-affinity and pods with any (anti-)affinity term (upstream's
 * HavePodsWithRequiredAntiAffinityList / HavePodsWithAffinityList, by pod).
 *
 * It also keeps counts across cycles, so those PreFilters/PreScores cost
 * O(topology domains) instead of O(pods): per selector query (PodTopologySpread's
 * constraints, InterPodAffinity's own terms) the matching pods by topology value,
 * and the placed pods' affinity terms grouped by identical term with their
 * counts by topology value (InterPodAffinity's existing-pod side). Both are
 * built on first use, then follow every pod placed or removed; a node added,
 * removed or relabelled drops them (rebuilt on next use).
 */
import { matchesLabels } from '../api/index.js';
import type { PlacedPod, SelectorCountQuery, TermGroup, TermKind } from './framework/interface.js';
import { NodeInfo } from './framework/node-info.js';
import { newPodInfo, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from './framework/pod-info.js';
import { keyOf, type Node, type Pod } from './framework/types.js';

interface PodState extends PlacedPod {
  info: PodInfo;
  node: string;
  /** The node's NodeInfo, undefined while the node is unknown (pods may arrive before their node). */
  nodeInfo: NodeInfo | undefined;
  assumed: boolean;
}

const hasTerms = (pi: PodInfo) => pi.requiredAffinity.length + pi.requiredAntiAffinity.length + pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0;
const EMPTY: ReadonlySet<PlacedPod> = new Set();

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

interface CountIndex {
  namespaces: Set<string>;
  q: SelectorCountQuery;
  requireKeys: string[];
  counts: Map<string, number>;
  used: number;
}

interface Group {
  term: AffinityTerm | WeightedAffinityTerm;
  counts: Map<string, number>;
  /** Term occurrences in the group, on known nodes or not (the group goes at 0). */
  n: number;
}

const MAX_COUNT_INDEXES = 64;
const TERM_KINDS: TermKind[] = ['requiredAffinity', 'requiredAntiAffinity', 'preferredAffinity', 'preferredAntiAffinity'];
const termSigs = new WeakMap<AffinityTerm, string>();
/** Identity of a term: terms with equal signatures select the same pods with the same weight. */
function termSig(t: AffinityTerm | WeightedAffinityTerm): string {
  let sig = termSigs.get(t);
  if (sig === undefined) {
    sig = JSON.stringify([t.topologyKey, t.selector.requirements, [...t.namespaces].sort(), t.namespaceSelector?.requirements ?? null, 'weight' in t ? t.weight : null]);
    termSigs.set(t, sig);
  }
  return sig;
}

function bumpCount(m: Map<string, number>, v: string, d: number): void {
  const c = (m.get(v) ?? 0) + d;
  if (c === 0) m.delete(v);
  else m.set(v, c);
}

export class SchedulerCache {
  /** Selector count indexes by query key, and term groups per kind (undefined until first asked). */
  private readonly countIndexes = new Map<string, CountIndex>();
  private useTick = 0;
  private readonly groups = new Map<TermKind, Map<string, Group>>();

  private readonly nodeMap = new Map<string, NodeInfo>();
  /** Invariant: every entry's pod is in `nodeMap.get(node).pods` when that node exists, and `nodeInfo` is that node. */
  private readonly podStates = new Map<string, PodState>();
  private readonly byNamespace = new Map<string, Set<PodState>>();
  private readonly withRequiredAnti = new Set<PodState>();
  private readonly withTerms = new Set<PodState>();
  private order: NodeInfo[] | undefined;
  /** Bumped when a node is added or removed or its labels change (plugins cache per-topology facts on it). */
  private labelsGen = 0;
  /** Nodes holding pods with required anti-affinity / any term, rebuilt (from the pod indexes) after a change. */
  private antiNodes: NodeInfo[] | undefined;
  private affinityNodes: NodeInfo[] | undefined;

  /** Nodes holding pods with any (anti-)affinity term (upstream HavePodsWithAffinityList). */
  havePodsWithAffinity(): NodeInfo[] {
    this.affinityNodes ??= this.nodesOf(this.withTerms);
    return this.affinityNodes;
  }

  havePodsWithRequiredAntiAffinity(): NodeInfo[] {
    this.antiNodes ??= this.nodesOf(this.withRequiredAnti);
    return this.antiNodes;
  }

  /** The distinct known nodes of some pods (order does not matter to the counting plugins). */
  private nodesOf(pods: Set<PodState>): NodeInfo[] {
    const set = new Set<NodeInfo>();
    for (const st of pods) if (st.nodeInfo) set.add(st.nodeInfo);
    return [...set];
  }

  /** Placed pods (bound or assumed) of a namespace; entries whose node is unknown have no `nodeInfo`. */
  podsInNamespace(ns: string): ReadonlySet<PlacedPod> {
    return this.byNamespace.get(ns) ?? EMPTY;
  }
  /** Placed pods with required anti-affinity terms. */
  podsWithRequiredAntiAffinity(): ReadonlySet<PlacedPod> {
    return this.withRequiredAnti;
  }
  /** Placed pods with any (anti-)affinity term. */
  podsWithAffinity(): ReadonlySet<PlacedPod> {
    return this.withTerms;
  }
  /** Every placed pod. */
  allPods(): Iterable<PlacedPod> {
    return this.podStates.values();
  }

  nodeLabelsGeneration(): number {
    return this.labelsGen;
  }

  nodes(): NodeInfo[] {
    this.order ??= [...this.nodeMap.values()];
    return this.order;
  }
  node(name: string): NodeInfo | undefined {
    return this.nodeMap.get(name);
  }
  get nodeCount(): number {
    return this.nodeMap.size;
  }

  private nodesChanged(): void {
    this.order = this.antiNodes = this.affinityNodes = undefined;
    this.labelsChanged();
  }

  /** Topology values of placed pods may have moved: the counts are rebuilt on next use. */
  private labelsChanged(): void {
    this.labelsGen++;
    this.countIndexes.clear();
    this.groups.clear();
  }

  /** Live counts by topology value of the placed pods `q` selects (Handle.countsBySelector). */
  countsBySelector(q: SelectorCountQuery): ReadonlyMap<string, number> {
    const namespaces = new Set(q.namespaces);
    const requireKeys = q.requireKeys ?? (q.byNode ? [] : [q.topologyKey]);
    const key = JSON.stringify([[...namespaces].sort(), q.selector.requirements, q.byNode ? null : q.topologyKey, [...requireKeys].sort(), !!q.skipTerminating]);
    let ix = this.countIndexes.get(key);
    if (!ix) {
      if (this.countIndexes.size >= MAX_COUNT_INDEXES) {
        let oldest: string | undefined;
        let min = Infinity;
        for (const [k, x] of this.countIndexes) if (x.used < min) (min = x.used), (oldest = k);
        this.countIndexes.delete(oldest!);
      }
      ix = { namespaces, q, requireKeys, counts: new Map(), used: 0 };
      for (const ns of namespaces) for (const st of this.byNamespace.get(ns) ?? []) this.countInto(ix, st, 1);
      this.countIndexes.set(key, ix);
    }
    ix.used = ++this.useTick;
    return ix.counts;
  }

  private countInto(ix: CountIndex, st: PodState, d: number): void {
    const n = st.nodeInfo;
    if (!n) return;
    const meta = st.info.pod.metadata;
    if (!ix.namespaces.has(meta.namespace ?? '') || (ix.q.skipTerminating && meta.deletionTimestamp)) return;
    const labels = n.labels;
    for (const k of ix.requireKeys) if (labels[k] === undefined) return;
    const v = ix.q.byNode ? n.name : labels[ix.q.topologyKey];
    if (v === undefined || !matchesLabels(ix.q.selector, meta.labels ?? {})) return;
    bumpCount(ix.counts, v, d);
  }

  /** Placed pods' terms of one kind grouped by identical term (Handle.termGroups). */
  termGroups(kind: TermKind): Iterable<TermGroup> {
    let g = this.groups.get(kind);
    if (!g) {
      g = new Map();
      this.groups.set(kind, g);
      for (const st of this.withTerms) this.groupInto(g, kind, st, 1);
    }
    return g.values();
  }

  private groupInto(g: Map<string, Group>, kind: TermKind, st: PodState, d: number): void {
    for (const t of st.info[kind]) {
      const sig = termSig(t);
      let e = g.get(sig);
      if (!e) g.set(sig, (e = { term: t, counts: new Map(), n: 0 }));
      e.n += d;
      const v = st.nodeInfo?.labels[t.topologyKey];
      if (v !== undefined) bumpCount(e.counts, v, d);
      if (e.n === 0) g.delete(sig);
    }
  }

  /** Keep the counts in step with one pod placed (d=1) or removed (d=-1). */
  private follow(st: PodState, d: number): void {
    for (const ix of this.countIndexes.values()) this.countInto(ix, st, d);
    if (this.groups.size && hasTerms(st.info)) for (const kind of TERM_KINDS) {
      const g = this.groups.get(kind);
      if (g) this.groupInto(g, kind, st, d);
    }
  }

  addOrUpdateNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const cur = this.nodeMap.get(name);
    if (cur) {
      if (!sameLabels(cur.labels, node.metadata.labels ?? {})) this.labelsChanged();
      cur.setNode(node);
      return;
    }
    const ni = new NodeInfo(node);
    for (const st of this.podStates.values()) {
      if (st.node !== name) continue;
      ni.addPod(st.info);
      st.nodeInfo = ni;
    }
    this.nodeMap.set(name, ni);
    this.nodesChanged();
  }

  removeNode(name: string): void {
    const ni = this.nodeMap.get(name);
    if (!ni) return;
    this.nodeMap.delete(name);
    for (const st of this.podStates.values()) if (st.nodeInfo === ni) st.nodeInfo = undefined;
    this.nodesChanged();
  }

  hasPod(pod: Pod): boolean {
    return this.podStates.has(keyOf(pod));
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(keyOf(pod))?.assumed ?? false;
  }

  private place(key: string, info: PodInfo, node: string, assumed: boolean): void {
    this.remove(key);
    const nodeInfo = this.nodeMap.get(node);
    const st: PodState = { info, node, nodeInfo, assumed };
    this.podStates.set(key, st);
    nodeInfo?.addPod(info);
    const ns = info.pod.metadata.namespace ?? '';
    let set = this.byNamespace.get(ns);
    if (!set) this.byNamespace.set(ns, (set = new Set()));
    set.add(st);
    if (hasTerms(info)) {
      this.withTerms.add(st);
      if (info.requiredAntiAffinity.length) this.withRequiredAnti.add(st);
      this.antiNodes = this.affinityNodes = undefined;
    }
    this.follow(st, 1);
  }

  private remove(key: string): void {
    const st = this.podStates.get(key);
    if (!st) return;
    this.podStates.delete(key);
    this.follow(st, -1);
    st.nodeInfo?.removePod(key);
    const ns = st.info.pod.metadata.namespace ?? '';
    const set = this.byNamespace.get(ns);
    set?.delete(st);
    if (set?.size === 0) this.byNamespace.delete(ns);
    if (hasTerms(st.info)) {
      this.withTerms.delete(st);
      this.withRequiredAnti.delete(st);
      this.antiNodes = this.affinityNodes = undefined;
    }
  }

  /** The scheduling cycle chose `node` for `pod`. */
  assumePod(pod: Pod, node: string): void {
    this.place(keyOf(pod), newPodInfo({ ...pod, spec: { ...pod.spec, nodeName: node } }), node, true);
  }

  /** Binding failed: undo the assumption (a confirmed pod stays). */
  forgetPod(pod: Pod): void {
    const key = keyOf(pod);
    if (this.podStates.get(key)?.assumed) this.remove(key);
  }

  /** A bound, non-terminal pod seen by the informer (add or update). */
  addOrUpdatePod(pod: Pod): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    this.place(keyOf(pod), newPodInfo(pod), node, false);
  }

  removePod(pod: Pod): void {
    this.remove(keyOf(pod));
  }

  podCount(): number {
    return this.podStates.size;
  }
}
