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
 */
import type { PlacedPod } from './framework/interface.js';
import { NodeInfo } from './framework/node-info.js';
import { newPodInfo, type PodInfo } from './framework/pod-info.js';
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

export class SchedulerCache {
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
    this.labelsGen++;
  }

  addOrUpdateNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const cur = this.nodeMap.get(name);
    if (cur) {
      if (!sameLabels(cur.labels, node.metadata.labels ?? {})) this.labelsGen++;
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
  }

  private remove(key: string): void {
    const st = this.podStates.get(key);
    if (!st) return;
    this.podStates.delete(key);
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
