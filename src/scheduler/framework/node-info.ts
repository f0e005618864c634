/** What the scheduler knows about one node: the Node, its pods (bound and assumed) and their totals. */
import { addTo, parseResources, CPU, MEMORY, PODS, type Resources } from './resources.js';
import type { HostPort, PodInfo } from './pod-info.js';
import type { Node } from './types.js';

/** `nginx` → `docker.io/library/nginx:latest`, as container runtimes report image names. */
export function normalizedImageName(name: string): string {
  let n = name;
  if (!n.includes('@') && !/:[^/]+$/.test(n)) n += ':latest';
  const first = n.split('/')[0] ?? '';
  if (!n.includes('/')) n = 'docker.io/library/' + n;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') n = 'docker.io/' + n;
  return n;
}

export class NodeInfo {
  readonly pods = new Map<string, PodInfo>();
  requested: Resources = {};
  nonZeroRequested: Resources = {};
  allocatable: Resources = {};
  /**
   * cpu (millicores), memory and pods of the maps above as plain fields, kept
   * in step with them: Filter and Score read these on thousands of nodes per
   * cycle without keyed lookups.
   */
  allocCpu = 0;
  allocMemory = 0;
  allocPods = 0;
  reqCpu = 0;
  reqMemory = 0;
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  usedPorts: HostPort[] = [];
  /** Pods here with (anti-)affinity terms: InterPodAffinity only looks at these. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** The node's images by normalised name → size (ImageLocality). */
  imageSizes!: Map<string, number>;
  /** Pods here per namespace (PodTopologySpread skips nodes without any of the pod's namespace). */
  private readonly nsCounts = new Map<string, number>();
  /** Bumped on every change (snapshots copy only changed nodes). */
  generation = 0;

  constructor(
    public node: Node,
    readonly name = node.metadata.name ?? '',
    from?: NodeInfo,
  ) {
    if (from) this.copyFrom(from);
    else this.setNode(node);
  }

  /** P (issue 7): clone() copies the totals instead of re-parsing the Node and re-adding every pod (preemption clones ~100 nodes per preemptor). */
  private copyFrom(f: NodeInfo): void {
    this.imageSizes = f.imageSizes;
    this.labels = f.labels;
    this.unschedulable = f.unschedulable;
    this.taints = f.taints;
    this.allocatable = f.allocatable;
    this.allocCpu = f.allocCpu;
    this.allocMemory = f.allocMemory;
    this.allocPods = f.allocPods;
    for (const [k, pi] of f.pods) this.pods.set(k, pi);
    for (const [ns, n] of f.nsCounts) this.nsCounts.set(ns, n);
    this.requested = { ...f.requested };
    this.nonZeroRequested = { ...f.nonZeroRequested };
    this.reqCpu = f.reqCpu;
    this.reqMemory = f.reqMemory;
    this.nonZeroCpu = f.nonZeroCpu;
    this.nonZeroMemory = f.nonZeroMemory;
    this.usedPorts = f.usedPorts.slice();
    this.podsWithAffinity = f.podsWithAffinity;
    this.podsWithRequiredAntiAffinity = f.podsWithRequiredAntiAffinity;
    this.generation = f.generation;
  }

  podsInNamespace(ns: string): number {
    return this.nsCounts.get(ns) ?? 0;
  }

  /** The Node's labels (set with the Node: read on every node of every cycle). */
  labels: Record<string, string> = {};
  /** The Node's spec.unschedulable and taints, likewise. */
  unschedulable = false;
  taints: NonNullable<NonNullable<Node['spec']>['taints']> | undefined;

  setNode(node: Node): void {
    if (this.node !== node || !this.imageSizes) {
      const m = new Map<string, number>();
      for (const i of node.status?.images ?? []) for (const n of i.names ?? []) m.set(normalizedImageName(n), i.sizeBytes ?? 0);
      this.imageSizes = m;
    }
    this.node = node;
    this.labels = node.metadata.labels ?? {};
    this.unschedulable = node.spec?.unschedulable === true;
    this.taints = node.spec?.taints?.length ? node.spec.taints : undefined;
    this.allocatable = parseResources(node.status?.allocatable);
    this.allocCpu = this.allocatable[CPU] ?? 0;
    this.allocMemory = this.allocatable[MEMORY] ?? 0;
    this.allocPods = this.allocatable[PODS] ?? 0;
    // As upstream: a node that reports no `pods` allocatable takes no pods.
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    if (this.pods.has(pi.key)) this.removePod(pi.key);
    this.pods.set(pi.key, pi);
    const ns = pi.pod.metadata.namespace ?? '';
    this.nsCounts.set(ns, (this.nsCounts.get(ns) ?? 0) + 1);
    addTo(this.requested, pi.requests);
    addTo(this.nonZeroRequested, pi.nonZeroRequests);
    this.sumCommon();
    this.usedPorts.push(...pi.hostPorts);
    if (pi.requiredAffinity.length || pi.requiredAntiAffinity.length || pi.preferredAffinity.length || pi.preferredAntiAffinity.length) this.podsWithAffinity++;
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity++;
    this.generation++;
  }

  removePod(key: string): PodInfo | undefined {
    const pi = this.pods.get(key);
    if (!pi) return undefined;
    this.pods.delete(key);
    const ns = pi.pod.metadata.namespace ?? '';
    const left = (this.nsCounts.get(ns) ?? 1) - 1;
    if (left > 0) this.nsCounts.set(ns, left);
    else this.nsCounts.delete(ns);
    addTo(this.requested, pi.requests, -1);
    addTo(this.nonZeroRequested, pi.nonZeroRequests, -1);
    this.sumCommon();
    for (const hp of pi.hostPorts) {
      const i = this.usedPorts.findIndex((u) => u.ip === hp.ip && u.port === hp.port && u.protocol === hp.protocol);
      if (i >= 0) this.usedPorts.splice(i, 1);
    }
    if (pi.requiredAffinity.length || pi.requiredAntiAffinity.length || pi.preferredAffinity.length || pi.preferredAntiAffinity.length) this.podsWithAffinity--;
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity--;
    this.generation++;
    return pi;
  }

  private sumCommon(): void {
    this.reqCpu = this.requested[CPU] ?? 0;
    this.reqMemory = this.requested[MEMORY] ?? 0;
    this.nonZeroCpu = this.nonZeroRequested[CPU] ?? 0;
    this.nonZeroMemory = this.nonZeroRequested[MEMORY] ?? 0;
  }

  /** A copy whose pod set can change without touching this one (preemption's what-if). */
  clone(): NodeInfo {
    return new NodeInfo(this.node, this.name, this);
  }
}
