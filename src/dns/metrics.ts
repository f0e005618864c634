/**
 * The DNS server's Prometheus metrics, named as CoreDNS names them so its
 * dashboards and alerts apply: requests by protocol/family/type, responses by
 * rcode, request duration, forwarded requests. Own registry (not the API
 * server's), served on the DNS metrics port (9153 like CoreDNS).
 *
 * Hot path: a query answered from the cache costs a few integer increments.
 * Counts accumulate in plain `Tally` slots and are folded into the
 * prom-client counters when the registry is scraped (their `collect` hook);
 * the duration histogram is a fixed array of buckets exported as a custom
 * metric. prom-client's own inc()/observe() re-validate and hash the label
 * set on every call, which cost more than answering the query.
 * @module
 */
import { Counter, Registry } from 'prom-client';

const TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 255: 'ANY' };
const KNOWN = new Set(Object.values(TYPES));
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const SERVER = 'dns://';
const ZONE = '.';
/** Upper bounds of the duration buckets, seconds (CoreDNS's). */
const BUCKETS = [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192];
const BUCKETS_MS = BUCKETS.map((b) => b * 1000);

/** A counter cell: the hot path increments `n`; scrapes move the difference into prom-client. */
export class Tally {
  n = 0;
  flushed = 0;
  constructor(readonly labels: Record<string, string>) {}
}

/** Fold tallies into a prom-client counter (called from its collect hook). */
function flush(counter: Counter<string>, cells: Iterable<Tally>): void {
  for (const c of cells) {
    const d = c.n - c.flushed;
    if (d > 0) {
      if (Object.keys(c.labels).length) counter.inc(c.labels, d);
      else counter.inc(d);
      c.flushed = c.n;
    }
  }
}

/** A fixed-bucket histogram (one label set), registered as a custom metric in prom-client's format. */
class DurationHistogram {
  readonly name = 'coredns_dns_request_duration_seconds';
  readonly help = 'Histogram of the time (in seconds) each request took.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts = new Float64Array(BUCKETS.length + 1);
  private sumMs = 0;

  observe(ms: number): void {
    let i = 0;
    while (i < BUCKETS_MS.length && ms > BUCKETS_MS[i]!) i++;
    this.counts[i]!++;
    this.sumMs += ms;
  }

  async get() {
    const base = { server: SERVER, zone: ZONE };
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    let acc = 0;
    for (let i = 0; i < BUCKETS.length; i++) {
      acc += this.counts[i]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { ...base, le: BUCKETS[i]! }, value: acc });
    }
    acc += this.counts[BUCKETS.length]!;
    values.push({ metricName: `${this.name}_bucket`, labels: { ...base, le: '+Inf' }, value: acc });
    values.push({ metricName: `${this.name}_sum`, labels: base, value: this.sumMs / 1000 });
    values.push({ metricName: `${this.name}_count`, labels: base, value: acc });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class DnsMetrics {
  readonly registry = new Registry();
  private readonly reqCells = new Map<string, Tally>();
  private readonly respCells: Tally[] = [];
  private readonly fwdCells = new Map<string, Tally>();
  private readonly hits = new Tally({});
  private readonly duration = new DurationHistogram();

  constructor() {
    const reqCells = this.reqCells;
    const respCells = this.respCells;
    const fwdCells = this.fwdCells;
    const hits = this.hits;
    const registers = [this.registry];
    new Counter({
      name: 'coredns_dns_requests_total',
      help: 'Counter of DNS requests made per zone, protocol and family.',
      labelNames: ['server', 'zone', 'proto', 'family', 'type'],
      registers,
      collect() {
        flush(this, reqCells.values());
      },
    });
    new Counter({
      name: 'coredns_dns_responses_total',
      help: 'Counter of response status codes.',
      labelNames: ['server', 'zone', 'rcode'],
      registers,
      collect() {
        flush(this, respCells.filter(Boolean));
      },
    });
    this.registry.registerMetric(this.duration as unknown as Counter<string>);
    new Counter({
      name: 'coredns_forward_requests_total',
      help: 'Counter of requests made per upstream.',
      labelNames: ['to'],
      registers,
      collect() {
        flush(this, fwdCells.values());
      },
    });
    new Counter({
      name: 'k8ts_dns_answer_cache_hits_total',
      help: 'Queries answered from the encoded-answer cache.',
      registers,
      collect() {
        flush(this, [hits]);
      },
    });
  }

  /** The request counter cell of a protocol, family and query type (resolve once, increment `n` per query). */
  requestCell(proto: 'udp' | 'tcp', family: 1 | 2, type: string | number): Tally {
    const t = typeof type === 'number' ? (TYPES[type] ?? 'other') : KNOWN.has(type) ? type : 'other';
    const k = `${proto}|${family}|${t}`;
    let c = this.reqCells.get(k);
    if (!c) this.reqCells.set(k, (c = new Tally({ server: SERVER, zone: ZONE, proto, family: String(family), type: t })));
    return c;
  }

  /** The response counter cell of an rcode. */
  responseCell(rcode: number): Tally {
    let c = this.respCells[rcode];
    if (!c) this.respCells[rcode] = c = new Tally({ server: SERVER, zone: ZONE, rcode: RCODES[rcode] ?? String(rcode) });
    return c;
  }

  countRequest(proto: 'udp' | 'tcp', family: 1 | 2, type: string | number): void {
    this.requestCell(proto, family, type).n++;
  }

  countResponse(rcode: number): void {
    this.responseCell(rcode).n++;
  }

  /** A query answered from the answer cache, with its cells resolved when the answer was cached. */
  countCached(request: Tally, response: Tally): void {
    request.n++;
    response.n++;
    this.hits.n++;
  }

  countForward(to: string): void {
    let c = this.fwdCells.get(to);
    if (!c) this.fwdCells.set(to, (c = new Tally({ to })));
    c.n++;
  }

  observeDuration(ms: number): void {
    this.duration.observe(ms);
  }
}
