/** What the scheduler knows about one node: the Node, its pods (bound and assumed) and their totals. */
import { addTo, parseResources, type Resources } from './resources.js';
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
  ) {
    this.setNode(node);
  }

  podsInNamespace(ns: string): number {
    return this.nsCounts.get(ns) ?? 0;
  }

  get labels(): Record<string, string> {
    return this.node.metadata.labels ?? {};
  }

  setNode(node: Node): void {
    if (this.node !== node || !this.imageSizes) {
      const m = new Map<string, number>();
      for (const i of node.status?.images ?? []) for (const n of i.names ?? []) m.set(normalizedImageName(n), i.sizeBytes ?? 0);
      this.imageSizes = m;
    }
    this.node = node;
    this.allocatable = parseResources(node.status?.allocatable);
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
    for (const hp of pi.hostPorts) {
      const i = this.usedPorts.findIndex((u) => u.ip === hp.ip && u.port === hp.port && u.protocol === hp.protocol);
      if (i >= 0) this.usedPorts.splice(i, 1);
    }
    if (pi.requiredAffinity.length || pi.requiredAntiAffinity.length || pi.preferredAffinity.length || pi.preferredAntiAffinity.length) this.podsWithAffinity--;
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity--;
    this.generation++;
    return pi;
  }

  /** A copy whose pod set can change without touching this one (preemption's what-if). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.node, this.name);
    for (const pi of this.pods.values()) c.addPod(pi);
    return c;
  }
}
