/** The metrics-server component: scrapes kubelets' `/metrics/resource` and serves metrics.k8s.io objects to the API server. */
export { MetricsServer, DEFAULT_RESOLUTION_MS, SIM_WINDOW_MS, isSimNode, type MetricsServerOptions, type ScrapeStats } from './metrics-server.js';
export type { KubeletCredentials } from './scraper.js';
export { parsePrometheusText, formatSample, PrometheusParseError, type Sample } from './prometheus.js';
export { decodeResourceMetrics, type NodeScrape, type Point, type ContainerPoint } from './decode.js';
export { MetricsStorage, usageOf, type Usage } from './storage.js';
