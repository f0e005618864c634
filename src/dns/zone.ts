/**
 * The cluster zone: names → records, read from a `DnsSource` (informer
 * caches), following the Kubernetes DNS specification as CoreDNS's
 * `kubernetes` plugin implements it (with its default `pods insecure`):
 *
 * | name | answer |
 * |---|---|
 * | `<svc>.<ns>.svc.<zone>` | A/AAAA of the ClusterIP(s); of every ready endpoint for a headless Service; CNAME for ExternalName |
 * | `_<port>._<proto>.<svc>.<ns>.svc.<zone>` | SRV per named port (per endpoint for headless), targets' A in additional |
 * | `<host>.<svc>.<ns>.svc.<zone>` | A of the endpoint whose hostname (or dashed IP) is `<host>` (headless only; StatefulSet `db-0.db.ns…`) |
 * | `<a-b-c-d>.<ns>.pod.<zone>` | A a.b.c.d (the name itself is the address) |
 * | `d.c.b.a.in-addr.arpa` | PTR of a Service IP or an endpoint IP; unknown addresses go upstream |
 *
 * Any other name in the zone is NXDOMAIN with the SOA in authority; a name
 * that exists without records of the asked type is NOERROR/NODATA with the
 * SOA. Names outside the zone are for the forwarder.
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer, RecordType } from 'dns-packet';
import type { DnsSource, EndpointSlice, Service, SliceEndpoint } from './source.js';

export const NOERROR = 0;
export const SERVFAIL = 2;
export const NXDOMAIN = 3;
export const NOTIMP = 4;
export const REFUSED = 5;

export interface ZoneAnswer {
  rcode: number;
  /** Authoritative (a name of the cluster zone, or a known PTR). */
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Not ours: send the whole query upstream. */
  forward?: boolean;
  /** An ExternalName pointing outside the zone: resolve this upstream and append its answers. */
  chase?: { name: string; type: RecordType };
}

export interface ZoneOptions {
  /** Cluster domain (default `cluster.local`). */
  domain?: string;
  /** TTL of every record, seconds (CoreDNS's default: 5). */
  ttl?: number;
}

/** `10.42.0.5` → `10-42-0-5`, `fd00::5` → `fd00--5` (CoreDNS's endpoint hostname for unnamed endpoints). */
export function dashed(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

/** An IPv6 address as 32 lowercase hex nibbles (the PTR key). */
export function expandIPv6(ip: string): string {
  let [head = '', tail] = ip.toLowerCase().split('::') as [string, string | undefined];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(tail ?? head);
  const fix = (s: string) => {
    if (!v4 || !s.endsWith(v4[1]!)) return s;
    const p = v4[1]!.split('.').map(Number);
    return s.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  };
  if (tail !== undefined) tail = fix(tail);
  else head = fix(head);
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

function reverseKey(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) return expandIPv6(ip);
  return undefined;
}

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`; a full ip6.arpa name → 32 nibbles; partial names → undefined. */
export function parseReverse(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reverse().map(Number).join('.');
  }
  if (name.endsWith('.ip6.arpa')) {
    const parts = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (parts.length !== 32 || parts.some((p) => !/^[0-9a-f]$/.test(p))) return undefined;
    return parts.reverse().join('');
  }
  return undefined;
}

function isReady(ep: SliceEndpoint): boolean {
  return ep.conditions?.ready !== false;
}

export class ClusterZone {
  readonly domain: string;
  readonly ttl: number;
  private readonly serial = Math.floor(Date.now() / 1000) >>> 0;
  private reverse = new Map<string, string[]>();
  private reverseGen = -1;

  constructor(
    private readonly source: DnsSource,
    opts: ZoneOptions = {},
  ) {
    this.domain = (opts.domain ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
    this.ttl = opts.ttl ?? 5;
  }

  soa(): Answer {
    return {
      name: this.domain,
      type: 'SOA',
      ttl: this.ttl,
      class: 'IN',
      data: { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  /** True when the name (lowercase, no trailing dot) is in the cluster zone. */
  inZone(name: string): boolean {
    return name === this.domain || name.endsWith(`.${this.domain}`);
  }

  /** Answer one question. `qname` may carry any case and a trailing dot; answers echo it. */
  resolve(qname: string, qtype: RecordType): ZoneAnswer {
    const owner = qname.replace(/\.$/, '');
    const name = owner.toLowerCase();
    if (this.inZone(name)) return this.zoneAnswer(owner, name, qtype);
    if (qtype === 'PTR' || name.endsWith('.arpa')) {
      const ip = parseReverse(name);
      const names = ip === undefined ? undefined : this.reverseNames(ip);
      if (names && names.length > 0) {
        if (qtype !== 'PTR') return this.result(NOERROR, [], true);
        return this.result(NOERROR, names.map((n) => ({ name: owner, type: 'PTR', ttl: this.ttl, class: 'IN', data: n }) as Answer), true, false);
      }
    }
    return { rcode: NOERROR, authoritative: false, answers: [], authorities: [], additionals: [], forward: true };
  }

  private result(rcode: number, answers: Answer[], authoritative = true, withSoa = answers.length === 0, additionals: Answer[] = []): ZoneAnswer {
    return { rcode, authoritative, answers, authorities: withSoa ? [this.soa()] : [], additionals };
  }
  private nxdomain(): ZoneAnswer {
    return this.result(NXDOMAIN, []);
  }
  private nodata(): ZoneAnswer {
    return this.result(NOERROR, []);
  }

  private addressRecords(owner: string, ips: string[], qtype: RecordType): Answer[] {
    const out: Answer[] = [];
    for (const ip of ips) {
      if (qtype === 'A' && isIPv4(ip)) out.push({ name: owner, type: 'A', ttl: this.ttl, class: 'IN', data: ip });
      else if (qtype === 'AAAA' && isIPv6(ip)) out.push({ name: owner, type: 'AAAA', ttl: this.ttl, class: 'IN', data: ip });
    }
    return out;
  }

  private zoneAnswer(owner: string, name: string, qtype: RecordType): ZoneAnswer {
    const labels = name === this.domain ? [] : name.slice(0, -(this.domain.length + 1)).split('.');
    if (labels.length === 0) {
      if (qtype === 'SOA') return this.result(NOERROR, [{ ...this.soa(), name: owner }], true, false);
      if (qtype === 'NS') return this.result(NOERROR, [{ name: owner, type: 'NS', ttl: this.ttl, class: 'IN', data: `ns.dns.${this.domain}` }], true, false);
      return this.nodata();
    }
    const kind = labels[labels.length - 1];
    if (kind === 'svc') return this.svcAnswer(owner, labels.slice(0, -1), qtype);
    if (kind === 'pod') return this.podAnswer(owner, labels.slice(0, -1), qtype);
    if (kind === 'dns' && labels.length === 2 && labels[0] === 'ns') return this.nodata();
    return this.nxdomain();
  }

  private podAnswer(owner: string, labels: string[], qtype: RecordType): ZoneAnswer {
    if (labels.length <= 1) return this.nodata();
    if (labels.length !== 2) return this.nxdomain();
    const [host = ''] = labels;
    const v4 = host.replace(/-/g, '.');
    const ip = isIPv4(v4) ? v4 : isIPv6(host.replace(/-/g, ':')) ? host.replace(/-/g, ':') : undefined;
    if (!ip) return this.nxdomain();
    const answers = this.addressRecords(owner, [ip], qtype);
    return answers.length ? this.result(NOERROR, answers, true, false) : this.nodata();
  }

  private svcAnswer(owner: string, labels: string[], qtype: RecordType): ZoneAnswer {
    if (labels.length === 0) return this.nodata();
    const ns = labels[labels.length - 1]!;
    if (labels.length === 1) return this.source.hasServices(ns) ? this.nodata() : this.nxdomain();
    const svcName = labels[labels.length - 2]!;
    const svc = this.source.service(ns, svcName);
    if (!svc) return this.nxdomain();
    const svcFqdn = `${svcName}.${ns}.svc.${this.domain}`;
    if (labels.length === 2) return this.serviceRecords(owner, svcFqdn, svc, qtype);
    if (labels.length === 3) return this.endpointRecords(owner, svc, labels[0]!, qtype);
    if (labels.length === 4 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) {
      if (qtype !== 'SRV') {
        // The name exists when the port does: NODATA for other types.
        return this.srvRecords(owner, svcFqdn, svc, labels[0]!.slice(1), labels[1]!.slice(1)).answers.length ? this.nodata() : this.nxdomain();
      }
      return this.srvRecords(owner, svcFqdn, svc, labels[0]!.slice(1), labels[1]!.slice(1));
    }
    return this.nxdomain();
  }

  private readyEndpoints(svc: Service): Array<{ ep: SliceEndpoint; slice: EndpointSlice }> {
    const out: Array<{ ep: SliceEndpoint; slice: EndpointSlice }> = [];
    for (const slice of this.source.slices(svc.metadata.namespace ?? '', svc.metadata.name ?? '')) {
      for (const ep of slice.endpoints ?? []) if (isReady(ep)) out.push({ ep, slice });
    }
    return out;
  }

  private serviceRecords(owner: string, svcFqdn: string, svc: Service, qtype: RecordType): ZoneAnswer {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      const target = (spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
      if (!target) return this.nodata();
      const cname: Answer = { name: owner, type: 'CNAME', ttl: this.ttl, class: 'IN', data: target };
      if (qtype === 'CNAME') return this.result(NOERROR, [cname], true, false);
      if (this.inZone(target)) {
        const inner = this.resolve(target, qtype);
        return { ...inner, rcode: inner.rcode, answers: [cname, ...inner.answers] };
      }
      return { ...this.result(NOERROR, [cname], true, false), chase: { name: target, type: qtype } };
    }
    const headless = spec.clusterIP === 'None';
    if (qtype === 'SRV') {
      const answers: Answer[] = [];
      const additionals: Answer[] = [];
      for (const p of spec.ports ?? []) {
        if (!p.name) continue;
        const r = this.srvRecords(owner, svcFqdn, svc, p.name, (p.protocol ?? 'TCP').toLowerCase());
        answers.push(...r.answers);
        additionals.push(...r.additionals);
      }
      return answers.length ? this.result(NOERROR, answers, true, false, dedupe(additionals)) : this.nodata();
    }
    const ips = headless ? this.readyEndpoints(svc).flatMap(({ ep }) => ep.addresses) : (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []);
    const answers = this.addressRecords(owner, [...new Set(ips)], qtype);
    return answers.length ? this.result(NOERROR, answers, true, false) : this.nodata();
  }

  private endpointRecords(owner: string, svc: Service, host: string, qtype: RecordType): ZoneAnswer {
    if (svc.spec?.clusterIP !== 'None') return this.nxdomain();
    const ips: string[] = [];
    for (const { ep } of this.readyEndpoints(svc)) {
      for (const ip of ep.addresses) if ((ep.hostname ?? dashed(ip)).toLowerCase() === host) ips.push(ip);
    }
    if (ips.length === 0) return this.nxdomain();
    const answers = this.addressRecords(owner, ips, qtype);
    return answers.length ? this.result(NOERROR, answers, true, false) : this.nodata();
  }

  private srvRecords(owner: string, svcFqdn: string, svc: Service, portName: string, proto: string): ZoneAnswer {
    const spec = svc.spec ?? {};
    const port = (spec.ports ?? []).find((p) => (p.name ?? '').toLowerCase() === portName && (p.protocol ?? 'TCP').toLowerCase() === proto);
    if (!port) return this.nxdomain();
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    if (spec.clusterIP !== 'None') {
      answers.push({ name: owner, type: 'SRV', ttl: this.ttl, class: 'IN', data: { priority: 0, weight: 100, port: port.port, target: svcFqdn } });
      const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      additionals.push(...this.addressRecords(svcFqdn, ips, 'A'), ...this.addressRecords(svcFqdn, ips, 'AAAA'));
    } else {
      const targets: Array<{ target: string; port: number; ip: string }> = [];
      for (const { ep, slice } of this.readyEndpoints(svc)) {
        const sp = (slice.ports ?? []).find((p) => (p.name ?? '').toLowerCase() === portName && (p.protocol ?? 'TCP').toLowerCase() === proto);
        if (!sp?.port) continue;
        for (const ip of ep.addresses) targets.push({ target: `${(ep.hostname ?? dashed(ip)).toLowerCase()}.${svcFqdn}`, port: sp.port, ip });
      }
      const weight = targets.length ? Math.max(1, Math.floor(100 / targets.length)) : 0;
      for (const t of targets) {
        answers.push({ name: owner, type: 'SRV', ttl: this.ttl, class: 'IN', data: { priority: 0, weight, port: t.port, target: t.target } });
        additionals.push(...this.addressRecords(t.target, [t.ip], isIPv4(t.ip) ? 'A' : 'AAAA'));
      }
    }
    return answers.length ? this.result(NOERROR, answers, true, false, additionals) : this.nodata();
  }

  /** PTR targets for an address (expanded IPv6 or dotted IPv4), from a map rebuilt after each change. */
  reverseNames(ip: string): string[] {
    if (this.reverseGen !== this.source.generation) {
      const m = new Map<string, string[]>();
      const add = (addr: string, name: string) => {
        const k = reverseKey(addr);
        if (!k) return;
        const l = m.get(k);
        if (!l) m.set(k, [name]);
        else if (!l.includes(name)) l.push(name);
      };
      for (const svc of this.source.services()) {
        const spec = svc.spec ?? {};
        if (spec.type === 'ExternalName' || spec.clusterIP === 'None') continue;
        const fqdn = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${this.domain}`;
        for (const ip of spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []) add(ip, fqdn);
      }
      for (const slice of this.source.allSlices()) {
        const svcName = slice.metadata.labels?.['kubernetes.io/service-name'];
        if (!svcName) continue;
        for (const ep of slice.endpoints ?? []) {
          for (const ip of ep.addresses) add(ip, `${(ep.hostname ?? dashed(ip)).toLowerCase()}.${svcName}.${slice.metadata.namespace}.svc.${this.domain}`);
        }
      }
      this.reverse = m;
      this.reverseGen = this.source.generation;
    }
    return this.reverse.get(ip) ?? [];
  }
}

function dedupe(rrs: Answer[]): Answer[] {
  const seen = new Set<string>();
  return rrs.filter((r) => {
    const k = `${r.name}|${r.type}|${JSON.stringify((r as { data?: unknown }).data)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
