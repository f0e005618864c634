/**
 * The scheduler cache: nodes with their pods, bound and assumed. A pod is
 * assumed on a node as soon as the scheduling cycle picks it, so the next
 * cycle sees its resources taken; the informer's confirmation (pod bound)
 * replaces the assumption, and a failed bind forgets it.
 */
import { NodeInfo } from './framework/node-info.js';
import { newPodInfo, type PodInfo } from './framework/pod-info.js';
import { keyOf, type Node, type Pod } from './framework/types.js';

interface PodState {
  info: PodInfo;
  node: string;
  assumed: boolean;
}

const hasTerms = (pi: PodInfo) => pi.requiredAffinity.length + pi.requiredAntiAffinity.length + pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0;

export class SchedulerCache {
  private readonly nodeMap = new Map<string, NodeInfo>();
  /** Invariant: every entry's pod is in `nodeMap.get(node).pods` when that node exists (pods may arrive before their node). */
  private readonly podStates = new Map<string, PodState>();
  private order: NodeInfo[] | undefined;
  /** Nodes holding pods with required anti-affinity (upstream HavePodsWithRequiredAntiAffinityList), rebuilt on change. */
  private antiNodes: NodeInfo[] | undefined;

  private affinityNodes: NodeInfo[] | undefined;
  /** Nodes holding pods with any (anti-)affinity term (upstream HavePodsWithAffinityList). */
  havePodsWithAffinity(): NodeInfo[] {
    this.affinityNodes ??= this.nodes().filter((n) => n.podsWithAffinity > 0);
    return this.affinityNodes;
  }

  havePodsWithRequiredAntiAffinity(): NodeInfo[] {
    this.antiNodes ??= this.nodes().filter((n) => n.podsWithRequiredAntiAffinity > 0);
    return this.antiNodes;
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

  addOrUpdateNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const cur = this.nodeMap.get(name);
    if (cur) {
      cur.setNode(node);
      return;
    }
    const ni = new NodeInfo(node);
    for (const st of this.podStates.values()) if (st.node === name) ni.addPod(st.info);
    this.nodeMap.set(name, ni);
    this.order = undefined;
    this.antiNodes = this.affinityNodes = undefined;
  }

  removeNode(name: string): void {
    if (this.nodeMap.delete(name)) this.order = this.antiNodes = this.affinityNodes = undefined;
  }

  hasPod(pod: Pod): boolean {
    return this.podStates.has(keyOf(pod));
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(keyOf(pod))?.assumed ?? false;
  }

  private place(key: string, info: PodInfo, node: string, assumed: boolean): void {
    this.remove(key);
    this.podStates.set(key, { info, node, assumed });
    this.nodeMap.get(node)?.addPod(info);
    if (hasTerms(info)) this.antiNodes = this.affinityNodes = undefined;
  }

  private remove(key: string): void {
    const st = this.podStates.get(key);
    if (!st) return;
    this.podStates.delete(key);
    this.nodeMap.get(st.node)?.removePod(key);
    if (hasTerms(st.info)) this.antiNodes = this.affinityNodes = undefined;
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
