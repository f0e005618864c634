/**
 * The DNS server's Prometheus metrics, named as CoreDNS names them so its
 * dashboards and alerts apply: requests by protocol/family/type, responses by
 * rcode, request duration, forwarded requests. Own registry (not the API
 * server's), served on the DNS metrics port (9153 like CoreDNS).
 * @module
 */
import { Counter, Histogram, Registry } from 'prom-client';

const TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 255: 'ANY' };
const KNOWN = new Set(Object.values(TYPES));
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export class DnsMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone, protocol and family.', labelNames: ['server', 'zone', 'proto', 'family', 'type'], registers: [this.registry] });
  private readonly responses = new Counter({ name: 'coredns_dns_responses_total', help: 'Counter of response status codes.', labelNames: ['server', 'zone', 'rcode'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'coredns_dns_request_duration_seconds',
    help: 'Histogram of the time (in seconds) each request took.',
    labelNames: ['server', 'zone'],
    buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192],
    registers: [this.registry],
  });
  private readonly forwards = new Counter({ name: 'coredns_forward_requests_total', help: 'Counter of requests made per upstream.', labelNames: ['to'], registers: [this.registry] });
  private readonly cacheHits = new Counter({ name: 'k8ts_dns_answer_cache_hits_total', help: 'Queries answered from the encoded-answer cache.', registers: [this.registry] });
  // Bound children: label hashing once per label set, not per query.
  private readonly reqChildren = new Map<string, { inc(): void }>();
  private readonly respChildren = new Map<number, { inc(): void }>();
  private readonly durChild = this.duration.labels('dns://', '.');

  countRequest(proto: 'udp' | 'tcp', family: 1 | 2, type: string | number): void {
    const t = typeof type === 'number' ? (TYPES[type] ?? 'other') : KNOWN.has(type) ? type : 'other';
    const k = `${proto}|${family}|${t}`;
    let c = this.reqChildren.get(k);
    if (!c) this.reqChildren.set(k, (c = this.requests.labels('dns://', '.', proto, String(family), t)));
    c.inc();
  }

  countResponse(rcode: number): void {
    let c = this.respChildren.get(rcode);
    if (!c) this.respChildren.set(rcode, (c = this.responses.labels('dns://', '.', RCODES[rcode] ?? String(rcode))));
    c.inc();
  }

  countCached(proto: 'udp' | 'tcp', family: 1 | 2, qtype: string | number, rcode: number): void {
    this.countRequest(proto, family, qtype);
    this.countResponse(rcode);
    this.cacheHits.inc();
  }

  countForward(to: string): void {
    this.forwards.labels(to).inc();
  }

  observeDuration(ms: number): void {
    this.durChild.observe(ms / 1000);
  }
}
