/**
 * k8ts's metrics-server: every `resolution` (default 15 s, upstream's
 * `--metric-resolution`) it scrapes each node's kubelet `/metrics/resource`
 * and keeps two readings per node and container, from which the API's
 * NodeMetrics and PodMetrics take their CPU rate and working set.
 *
 * Simulated nodes have no real usage: nodes labelled `type=sim` (the
 * `--sim-nodes` fleet, which has no kubelet API) and nodes whose runtime is
 * `sim://` report the `sim.k8ts.io/*-usage` annotations of their pods, read
 * when the API is asked (annotations are already rates; nothing to scrape); a
 * `type=sim` node's usage is the sum of its pods'. The sim kubelet serves the
 * same annotations on its own `/metrics/resource` for other scrapers.
 *
 * It is an API client like every other component (nodes and pods through
 * informers); the API server asks it for objects in-process (see
 * src/apiserver/rest/resource-metrics.ts).
 * @module
 */
import { isRecord, type KObject } from '../api/index.js';
import { SharedInformerFactory, type Client, type SharedInformer } from '../client/index.js';
import type { NodeScrape } from './decode.js';
import { nodeMetrics, podMetrics, type UsageValues } from './objects.js';
import { scrapeNode, type KubeletCredentials } from './scraper.js';
import { simPodUsage } from './sim-usage.js';
import { MetricsStorage } from './storage.js';

export const DEFAULT_RESOLUTION_MS = 15_000;
/** The window reported for simulated usage (the HPA's sim source reports the same). */
export const SIM_WINDOW_MS = 1_000;

export interface MetricsServerOptions {
  client: Client;
  /** The client certificate presented to kubelets (the API server's `apiserver-kubelet-client`). */
  kubeletCredentials: KubeletCredentials;
  resolutionMs?: number;
  /** Per-kubelet timeout (default: the resolution, at most 10 s). */
  scrapeTimeoutMs?: number;
  /** Kubelets scraped at once. */
  concurrency?: number;
  log(msg: string): void;
  now?: () => number;
}

export interface ScrapeStats {
  nodes: number;
  failed: number;
  durationMs: number;
}

/** A node whose usage is simulated and read from its pods' annotations, not scraped. */
export function isSimNode(node: KObject): boolean {
  if (node.metadata.labels?.type === 'sim') return true;
  const info = isRecord(node.status) && isRecord(node.status.nodeInfo) ? node.status.nodeInfo : {};
  return typeof info.containerRuntimeVersion === 'string' && info.containerRuntimeVersion.startsWith('sim://');
}

/** Nodes labelled `type=sim` have no kubelet API at all. */
const hasKubelet = (node: KObject): boolean => node.metadata.labels?.type !== 'sim';

const isRunning = (p: KObject): boolean => isRecord(p.status) && p.status.phase === 'Running';
const nodeOf = (p: KObject): string => (isRecord(p.spec) && typeof p.spec.nodeName === 'string' ? p.spec.nodeName : '');

export class MetricsServer {
  private readonly storage = new MetricsStorage();
  private readonly factory: SharedInformerFactory;
  private readonly nodeInf: SharedInformer;
  private readonly podInf: SharedInformer;
  private readonly resolution: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly failing = new Set<string>();
  /** Figures of the last scrape round (for logs, tests and the benchmark). */
  lastScrape: ScrapeStats | undefined;
  rounds = 0;

  constructor(private readonly o: MetricsServerOptions) {
    this.factory = new SharedInformerFactory(o.client);
    this.nodeInf = this.factory.informerFor('nodes');
    this.podInf = this.factory.informerFor('pods');
    this.resolution = o.resolutionMs ?? DEFAULT_RESOLUTION_MS;
    this.now = o.now ?? Date.now;
  }

  /** Start the informers and the scrape loop (first round as soon as the caches are synced). */
  async start(signal: AbortSignal): Promise<void> {
    this.factory.start(signal);
    signal.addEventListener('abort', () => this.stop(), { once: true });
    if (!(await this.factory.waitForCacheSync(signal))) return;
    const loop = async () => {
      if (this.stopped) return;
      const t0 = this.now();
      await this.scrapeOnce().catch((e: unknown) => this.o.log(`metrics-server: scrape failed: ${e instanceof Error ? e.message : String(e)}`));
      if (this.stopped) return;
      this.timer = setTimeout(() => void loop(), Math.max(0, this.resolution - (this.now() - t0)));
      this.timer.unref?.();
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One round: every node with a kubelet, `concurrency` at a time; failures keep the node's older readings. */
  async scrapeOnce(): Promise<ScrapeStats> {
    const t0 = performance.now();
    const nodes = this.nodeInf.list().filter((n) => hasKubelet(n));
    const results = new Map<string, NodeScrape>();
    const failed = new Set<string>();
    const timeout = this.o.scrapeTimeoutMs ?? Math.min(this.resolution, 10_000);
    let next = 0;
    const worker = async () => {
      while (next < nodes.length) {
        const node = nodes[next++]!;
        const name = node.metadata.name ?? '';
        try {
          results.set(name, await scrapeNode(node, this.o.kubeletCredentials, timeout, this.now));
          if (this.failing.delete(name)) this.o.log(`metrics-server: scraping node ${name} works again`);
        } catch (e) {
          failed.add(name);
          // Logged once per failing stretch, not every round.
          if (!this.failing.has(name)) this.o.log(`metrics-server: failed to scrape node ${name}: ${e instanceof Error ? e.message : String(e)}`);
          this.failing.add(name);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 32, nodes.length) }, worker));
    this.storage.store(results, failed);
    this.rounds++;
    this.lastScrape = { nodes: nodes.length, failed: failed.size, durationMs: performance.now() - t0 };
    return this.lastScrape;
  }

  // ---- what the API server serves (ResourceMetricsProvider) ----

  nodes(): KObject[] {
    const now = this.now();
    const out: KObject[] = [];
    const simByNode = new Map<string, UsageValues>();
    for (const p of this.podInf.list()) {
      if (!isRunning(p)) continue;
      const u = simPodUsage(p);
      if (!u) continue;
      const n = nodeOf(p);
      const acc = simByNode.get(n) ?? { timestampMs: now, windowMs: SIM_WINDOW_MS, nanoCores: 0, memoryBytes: 0 };
      for (const c of u) (acc.nanoCores += c.nanoCores), (acc.memoryBytes += c.memoryBytes);
      simByNode.set(n, acc);
    }
    for (const node of this.nodeInf.list()) {
      const name = node.metadata.name ?? '';
      // A sim-runtime node with a kubelet reports the host it runs on; a fleet node its pods' sum.
      const usage = hasKubelet(node) ? this.storage.nodeUsage(name) : (simByNode.get(name) ?? { timestampMs: now, windowMs: SIM_WINDOW_MS, nanoCores: 0, memoryBytes: 0 });
      if (usage) out.push(nodeMetrics(node, usage, now));
    }
    return out;
  }

  pods(namespace?: string): KObject[] {
    const now = this.now();
    const out: KObject[] = [];
    for (const p of this.podInf.list(namespace)) {
      if (!isRunning(p)) continue;
      const node = this.nodeInf.get('', nodeOf(p));
      if (node && isSimNode(node)) {
        const u = simPodUsage(p);
        if (u) out.push(podMetrics(p, u.map((c) => ({ name: c.name, usage: { timestampMs: now, windowMs: SIM_WINDOW_MS, nanoCores: c.nanoCores, memoryBytes: c.memoryBytes } })), now));
        continue;
      }
      const u = this.storage.podUsage(p.metadata.namespace ?? '', p.metadata.name ?? '');
      if (u) out.push(podMetrics(p, u.containers, now));
    }
    return out;
  }
}
