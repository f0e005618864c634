/** The kubelet API's own Prometheus metrics (`/metrics`), one registry per server. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class KubeletMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'kubelet_http_requests_total',
    help: 'Number of HTTP requests received by the kubelet API, by method, path and code.',
    labelNames: ['method', 'path', 'code'] as const,
    registers: [this.registry],
  });
  private readonly pods = new Gauge({ name: 'kubelet_running_pods', help: 'Number of pods bound to this node that the kubelet knows.', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Paths are cut to their first segment (`/containerLogs`), as upstream's `path` label. */
  request(method: string, path: string, code: number): void {
    this.requests.inc({ method, path: `/${path.split('/')[1] ?? ''}`, code: String(code) });
  }

  runningPods(n: number): void {
    this.pods.set(n);
  }
}
