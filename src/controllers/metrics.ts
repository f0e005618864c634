/**
 * client-go's workqueue metrics for every controller queue (depth, adds,
 * retries, work duration, unfinished work), in the Prometheus text format
 * the controller manager serves on /metrics.
 */
import type { RateLimitingQueue } from '../client/index.js';

const BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10];

interface QueueStats {
  queue: RateLimitingQueue<string>;
  adds: number;
  retries: number;
  workCount: number;
  workSum: number;
  workBuckets: number[];
  /** key → start of its reconcile (ms). */
  running: Map<string, number>;
}

/** Queues by controller name; `wrap` counts what passes through a queue. */
export class QueueMetricsRegistry {
  private readonly queues = new Map<string, QueueStats>();

  /** Instruments `queue` under `name` (upstream's workqueue `name` label) and returns it. */
  wrap(name: string, queue: RateLimitingQueue<string>): RateLimitingQueue<string> {
    const st: QueueStats = { queue, adds: 0, retries: 0, workCount: 0, workSum: 0, workBuckets: BUCKETS.map(() => 0), running: new Map() };
    this.queues.set(name, st);
    const add = queue.add.bind(queue);
    const addRateLimited = queue.addRateLimited.bind(queue);
    const get = queue.get.bind(queue);
    const done = queue.done.bind(queue);
    queue.add = (k: string) => {
      st.adds++;
      add(k);
    };
    queue.addRateLimited = (k: string) => {
      st.retries++;
      addRateLimited(k);
    };
    queue.get = async () => {
      const k = await get();
      if (k !== undefined) st.running.set(k, performance.now());
      return k;
    };
    queue.done = (k: string) => {
      const t0 = st.running.get(k);
      if (t0 !== undefined) {
        st.running.delete(k);
        const s = (performance.now() - t0) / 1000;
        st.workCount++;
        st.workSum += s;
        BUCKETS.forEach((b, i) => {
          if (s <= b) st.workBuckets[i]!++;
        });
      }
      done(k);
    };
    return queue;
  }

  /** Prometheus text exposition of every queue. */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, lines: (l: string, s: QueueStats) => string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [n, s] of [...this.queues].sort(([a], [b]) => a.localeCompare(b))) out.push(...lines(`name="${n}"`, s));
    };
    const now = performance.now();
    family('workqueue_depth', 'gauge', 'Current depth of workqueue', (l, s) => [`workqueue_depth{${l}} ${s.queue.len()}`]);
    family('workqueue_adds_total', 'counter', 'Total number of adds handled by workqueue', (l, s) => [`workqueue_adds_total{${l}} ${s.adds}`]);
    family('workqueue_retries_total', 'counter', 'Total number of retries handled by workqueue', (l, s) => [`workqueue_retries_total{${l}} ${s.retries}`]);
    family('workqueue_work_duration_seconds', 'histogram', 'How long in seconds processing an item from workqueue takes.', (l, s) => [
      ...BUCKETS.map((b, i) => `workqueue_work_duration_seconds_bucket{${l},le="${b}"} ${s.workBuckets[i]}`),
      `workqueue_work_duration_seconds_bucket{${l},le="+Inf"} ${s.workCount}`,
      `workqueue_work_duration_seconds_sum{${l}} ${s.workSum}`,
      `workqueue_work_duration_seconds_count{${l}} ${s.workCount}`,
    ]);
    family('workqueue_unfinished_work_seconds', 'gauge', 'How many seconds of work has been done that is in progress.', (l, s) => {
      let sum = 0;
      for (const t of s.running.values()) sum += (now - t) / 1000;
      return [`workqueue_unfinished_work_seconds{${l}} ${sum}`];
    });
    family('workqueue_longest_running_processor_seconds', 'gauge', 'How many seconds has the longest running processor for workqueue been running.', (l, s) => {
      let max = 0;
      for (const t of s.running.values()) max = Math.max(max, (now - t) / 1000);
      return [`workqueue_longest_running_processor_seconds{${l}} ${max}`];
    });
    return `${out.join('\n')}\n`;
  }
}
