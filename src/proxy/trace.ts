/**
 * The packet tracer behind `k8ts trace`: walks the installed nat (and filter)
 * rules from the netfilter hook a packet enters by, as the kernel would for
 * the first packet of a connection: hook → KUBE-SERVICES → KUBE-SVC/EXT/SVL →
 * KUBE-SEP → DNAT, with each endpoint's chance. Pure over iptables-save text.
 * @module
 */
import { parseSave } from './restore.js';
import type { Chains } from './types.js';

export interface ParsedRule {
  line: string;
  chain: string;
  dst?: string;
  src?: string;
  notSrc?: string;
  proto?: string;
  dport?: number;
  target?: string;
  probability?: number;
  toDestination?: string;
  comment?: string;
  dstTypeLocal?: boolean;
  notDst?: string;
  recentRcheck?: boolean;
  markMatch?: boolean;
}

/** Split an iptables-save rule into arguments, keeping quoted comments whole. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1] : m[2]!);
  return out;
}

export function parseRule(line: string): ParsedRule {
  const a = splitArgs(line);
  const r: ParsedRule = { line, chain: a[1] ?? '' };
  for (let i = 2; i < a.length; i++) {
    const t = a[i]!;
    const neg = a[i - 1] === '!';
    const next = a[i + 1];
    if (t === '-d') (neg ? (r.notDst = next) : (r.dst = next)), i++;
    else if (t === '-s') (neg ? (r.notSrc = next) : (r.src = next)), i++;
    else if (t === '-p') (r.proto = next), i++;
    else if (t === '--dport') (r.dport = Number(next)), i++;
    else if (t === '-j') (r.target = next), i++;
    else if (t === '--probability') (r.probability = Number(next)), i++;
    else if (t === '--to-destination') (r.toDestination = next), i++;
    else if (t === '--comment') (r.comment = next), i++;
    else if (t === '--dst-type' && next === 'LOCAL') (r.dstTypeLocal = true), i++;
    else if (t === '--rcheck') r.recentRcheck = true;
    else if (t === '--mark') r.markMatch = true;
  }
  return r;
}

export interface Packet {
  /** Source address (a pod IP, or the node's). */
  src: string;
  dst: string;
  dport: number;
  proto: 'tcp' | 'udp';
  /** The destination is one of the node's own addresses (for the addrtype LOCAL match). */
  dstIsLocal: boolean;
  /** Where the packet enters: PREROUTING (from a pod or the wire) or OUTPUT (from the node). */
  hook: 'PREROUTING' | 'OUTPUT';
}

export interface TraceStep {
  depth: number;
  chain: string;
  rule: string;
  note?: string;
}

export interface Choice {
  sep: string;
  probability: number;
  destination?: string;
  comment?: string;
}

export interface TraceResult {
  steps: TraceStep[];
  /** The endpoints the load-balancing chain picks from, with each one's overall chance. */
  choices: Choice[];
  /** A filter-table verdict when the Service has no endpoints (REJECT/DROP). */
  verdict?: string;
}

const inCidr = (ip: string, cidr: string | undefined): boolean => {
  if (!cidr) return true;
  const [base, bitsS] = cidr.split('/');
  const bits = Number(bitsS ?? 32);
  const n = (s: string) => s.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base!) & mask) >>> 0);
};

function matches(r: ParsedRule, p: Packet): boolean {
  if (r.dst && !inCidr(p.dst, r.dst)) return false;
  if (r.notDst && inCidr(p.dst, r.notDst)) return false;
  if (r.src && !inCidr(p.src, r.src)) return false;
  if (r.notSrc && inCidr(p.src, r.notSrc)) return false;
  if (r.proto && r.proto !== p.proto) return false;
  if (r.dport !== undefined && r.dport !== p.dport) return false;
  if (r.dstTypeLocal && !p.dstIsLocal) return false;
  if (r.recentRcheck) return false; // a first packet has no affinity entry yet
  if (r.markMatch) return false;
  return true;
}

/** Trace one packet through the saved ruleset. */
export function tracePacket(saveText: string, p: Packet): TraceResult {
  const tables = parseSave(saveText);
  const nat: Chains = tables.get('nat') ?? new Map();
  const filter: Chains = tables.get('filter') ?? new Map();
  const steps: TraceStep[] = [];
  const choices: Choice[] = [];
  let verdict: string | undefined;

  // Filter table verdicts for Services without endpoints come from KUBE-SERVICES / KUBE-EXTERNAL-SERVICES.
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES']) {
    for (const line of filter.get(chain) ?? []) {
      const r = parseRule(line);
      if ((r.target === 'REJECT' || r.target === 'DROP') && matches(r, p)) {
        verdict = `${r.target} in filter ${chain}${r.comment ? ` (${r.comment})` : ''}`;
        steps.push({ depth: 0, chain: `filter/${chain}`, rule: line, note: r.target });
      }
    }
  }

  const walk = (chain: string, depth: number, chance: number, seen: Set<string>): boolean => {
    if (seen.has(chain) || depth > 8) return false;
    seen.add(chain);
    const rules = (nat.get(chain) ?? []).map(parseRule);
    // A load-balancing chain: list every endpoint with its overall probability.
    const lb = rules.filter((r) => r.target?.startsWith('KUBE-SEP-') && !r.recentRcheck);
    if (lb.length) {
      for (const r of rules.filter((x) => x.target === 'KUBE-MARK-MASQ' && matches(x, p))) steps.push({ depth, chain, rule: r.line, note: 'mark for masquerade' });
      let remaining = 1;
      for (const r of lb) {
        const pr = r.probability ?? 1;
        const sepRules = (nat.get(r.target!) ?? []).map(parseRule);
        const dnat = sepRules.find((x) => x.target === 'DNAT');
        choices.push({ sep: r.target!, probability: chance * remaining * pr, destination: dnat?.toDestination, comment: r.comment });
        steps.push({ depth, chain, rule: r.line, note: `${((chance * remaining * pr) * 100).toFixed(1)}% → ${dnat?.toDestination ?? '?'}` });
        for (const x of sepRules) steps.push({ depth: depth + 1, chain: r.target!, rule: x.line, note: x.target === 'DNAT' ? `DNAT to ${x.toDestination}` : x.target === 'KUBE-MARK-MASQ' ? 'hairpin: masquerade when the endpoint talks to itself' : undefined });
        remaining *= 1 - pr;
      }
      return true;
    }
    for (const r of rules) {
      if (!matches(r, p)) continue;
      const t = r.target ?? '';
      // The end of a load-balancer firewall chain (loadBalancerSourceRanges): a source no range allowed.
      const fwEnd = !t && chain.startsWith('KUBE-FW-');
      steps.push({ depth, chain, rule: r.line, note: fwEnd ? 'source not in loadBalancerSourceRanges: not DNATed' : chain.startsWith('KUBE-FW-') && t ? 'source allowed by loadBalancerSourceRanges' : undefined });
      if (t === 'RETURN') return false;
      if (t === 'DNAT') return true;
      if (t.startsWith('KUBE-') && nat.has(t)) {
        if (t === 'KUBE-MARK-MASQ') continue;
        if (walk(t, depth + 1, chance, seen)) return true;
      }
    }
    return false;
  };
  for (const line of nat.get(p.hook) ?? []) {
    const r = parseRule(line);
    if (r.target === 'KUBE-SERVICES' && matches(r, p)) {
      steps.push({ depth: 0, chain: p.hook, rule: line });
      walk('KUBE-SERVICES', 1, 1, new Set());
      break;
    }
  }
  // Not DNATed: the filter table's load-balancer firewall drops it when it is addressed to a
  // firewalled load-balancer IP (upstream's KUBE-PROXY-FIREWALL, after KUBE-FW-<hash> let it fall through).
  if (!choices.length && !verdict) {
    for (const line of filter.get('KUBE-PROXY-FIREWALL') ?? []) {
      const r = parseRule(line);
      if (r.target === 'DROP' && matches(r, p)) {
        verdict = `DROP in filter KUBE-PROXY-FIREWALL${r.comment ? ` (${r.comment})` : ''}`;
        steps.push({ depth: 0, chain: 'filter/KUBE-PROXY-FIREWALL', rule: line, note: 'DROP' });
        break;
      }
    }
  }
  return { steps, choices, verdict };
}

/** The trace as text, one rule per line, indented by depth. */
export function formatTrace(t: TraceResult): string {
  const lines = t.steps.map((s) => `${'  '.repeat(s.depth + 1)}${s.rule}${s.note ? `    # ${s.note}` : ''}`);
  return lines.join('\n');
}

/** `iptables-save -c` counters per rule line: `[pkts:bytes] -A ...` → line → packets. */
export function parseCounters(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let table = '';
  for (const l of text.split('\n')) {
    if (l.startsWith('*')) table = l.slice(1);
    const m = /^\[(\d+):(\d+)\] (-A .*)$/.exec(l);
    if (m) out.set(`${table} ${m[3]}`, Number(m[1]));
  }
  return out;
}

/** Rules whose packet counters moved between two `iptables-save -c` outputs. */
export function movedCounters(before: string, after: string): Array<{ rule: string; packets: number }> {
  const a = parseCounters(before);
  const out: Array<{ rule: string; packets: number }> = [];
  for (const [rule, n] of parseCounters(after)) {
    const d = n - (a.get(rule) ?? 0);
    if (d > 0 && / -A KUBE-|-j KUBE-/.test(rule)) out.push({ rule, packets: d });
  }
  return out;
}
