/**
 * Rates from counters (metrics-server's storage): each node and container
 * keeps its last two points; CPU usage is the counter's increase over the
 * time between them, memory the newest working set, and the window the time
 * between the two points. With one point only, a known start time (counter 0
 * at start) stands in for the older point; otherwise no usage yet. A counter
 * that went down (a restarted container) drops the older point.
 * @module
 */
import type { ContainerPoint, NodeScrape, Point } from './decode.js';

/** Usage over a window ending at `timestampMs`. */
export interface Usage {
  timestampMs: number;
  windowMs: number;
  nanoCores: number;
  memoryBytes: number;
}

interface Series {
  prev?: Point;
  last: Point;
}

/** Minimum window a rate is computed over (two reads closer than this say little). */
const MIN_WINDOW_MS = 10;

function advance(old: Series | undefined, p: Point): Series {
  if (!old) return { last: p };
  if (p.timestampMs <= old.last.timestampMs) return old; // the same (or an older) reading again
  if (p.cpuSeconds < old.last.cpuSeconds || (p.startMs !== undefined && old.last.startMs !== undefined && p.startMs !== old.last.startMs)) return { last: p };
  return { prev: old.last, last: p };
}

/** Usage of a series, or undefined while it has no window yet. */
export function usageOf(s: Series): Usage | undefined {
  const { last } = s;
  let prev = s.prev;
  if (!prev && last.startMs !== undefined && last.startMs < last.timestampMs) prev = { timestampMs: last.startMs, cpuSeconds: 0, memoryBytes: 0 };
  if (!prev) return undefined;
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs < MIN_WINDOW_MS) return undefined;
  const nanoCores = Math.max(0, Math.round(((last.cpuSeconds - prev.cpuSeconds) * 1e9 * 1000) / windowMs));
  return { timestampMs: last.timestampMs, windowMs, nanoCores, memoryBytes: Math.round(last.memoryBytes) };
}

export interface PodUsage {
  namespace: string;
  name: string;
  containers: Array<{ name: string; usage: Usage }>;
}

export class MetricsStorage {
  private nodes = new Map<string, Series>();
  /** namespace/pod → container → series. */
  private pods = new Map<string, Map<string, Series>>();

  /**
   * One scrape round: `scrapes` per node name. Nodes and pods not in the round
   * are forgotten, except nodes whose scrape failed (`failed`), which keep
   * what they had until the next success.
   */
  store(scrapes: Map<string, NodeScrape>, failed: ReadonlySet<string> = new Set()): void {
    const nodes = new Map<string, Series>();
    const pods = new Map<string, Map<string, Series>>();
    const podNodes = new Map<string, string>();
    for (const [name, s] of scrapes) {
      if (s.node) nodes.set(name, advance(this.nodes.get(name), s.node));
      for (const c of s.containers) {
        this.putContainer(pods, c);
        podNodes.set(`${c.namespace}/${c.pod}`, name);
      }
    }
    // A node whose scrape failed keeps what it had (one missed scrape must not blank `kubectl top`).
    for (const name of failed) {
      const old = this.nodes.get(name);
      if (old && !nodes.has(name)) nodes.set(name, old);
    }
    for (const [key, node] of this.podNodes) {
      const cs = this.pods.get(key);
      if (cs && failed.has(node) && !pods.has(key)) pods.set(key, cs), podNodes.set(key, node);
    }
    this.nodes = nodes;
    this.pods = pods;
    this.podNodes = podNodes;
  }

  /** namespace/pod → the node it was scraped from. */
  private podNodes = new Map<string, string>();

  private putContainer(pods: Map<string, Map<string, Series>>, c: ContainerPoint): void {
    const key = `${c.namespace}/${c.pod}`;
    let cs = pods.get(key);
    if (!cs) pods.set(key, (cs = new Map()));
    cs.set(c.container, advance(this.pods.get(key)?.get(c.container), c));
  }

  nodeUsage(name: string): Usage | undefined {
    const s = this.nodes.get(name);
    return s && usageOf(s);
  }

  /** A pod's usage, only when every container it reported has a window (as upstream: all or nothing). */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const cs = this.pods.get(`${namespace}/${name}`);
    if (!cs) return undefined;
    const containers: PodUsage['containers'] = [];
    for (const [cname, s] of cs) {
      const u = usageOf(s);
      if (!u) return undefined;
      containers.push({ name: cname, usage: u });
    }
    return containers.length ? { namespace, name, containers } : undefined;
  }

  podKeys(): string[] {
    return [...this.pods.keys()];
  }
}
