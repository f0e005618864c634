/**
 * NetworkPolicy as iptables filter rules: a pure function from cluster state
 * (pods with their IPs, labels and named ports; namespaces' labels; the
 * NetworkPolicies) to iptables-restore text, and an enforcer that feeds it
 * from informers and applies it with `iptables-restore --noflush`.
 *
 * Chains (filter table; names of our own, in upstream's style):
 *
 * ```
 * FORWARD ─(first rule)─▶ K8TS-NWPLCY
 *     -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN   replies and ongoing flows skip policy
 *     -s <podIP> -j K8TS-NWPLCY-E-<hash>                     egress of each policed local pod
 *     -d <podIP> -j K8TS-NWPLCY-I-<hash>                     ingress of each policed local pod
 * K8TS-NWPLCY-I-<hash> (one per pod selected by an Ingress policy)
 *     <peer> [<port>] -j RETURN                              one line per allowed peer × port, from every policy
 *     -j DROP                                                default deny
 * K8TS-NWPLCY-X-<hash>: an ipBlock with `except` (RETURN for the
 *     excepted ranges, else set mark 0x20000, which the caller turns into RETURN)
 * ```
 *
 * Allowed traffic RETURNs rather than ACCEPTs, so a pod-to-pod packet must
 * pass the sender's egress chain and then the receiver's ingress chain, and
 * everything after (kube-proxy's KUBE-FORWARD, the default policy) still
 * applies. Traffic from or to the node itself does not cross FORWARD and is
 * never filtered, so kubelet probes keep working (upstream's rule). Bridged
 * pod-to-pod traffic on one node reaches FORWARD through br_netfilter
 * (`net.bridge.bridge-nf-call-iptables=1`).
 * @module
 */
import { createHash } from 'node:crypto';
import { selectorFromLabelSelector, matchesLabels, type KObject, type LabelSelectorObject } from '../api/index.js';
import { mustRun, type CommandRunner } from './runner.js';

export const NETPOL_CHAIN = 'K8TS-NWPLCY';
export const NETPOL_PREFIX = 'K8TS-NWPLCY-';
const EXCEPT_MARK = '0x20000/0x20000';
const JUMP_COMMENT = 'k8ts network policies';

export interface NetpolPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ips: string[];
  /** Container ports by name (for named ports). */
  ports: Array<{ name?: string; containerPort: number; protocol?: string }>;
  nodeName?: string;
  hostNetwork?: boolean;
}

export interface NetpolPeer {
  podSelector?: LabelSelectorObject | null;
  namespaceSelector?: LabelSelectorObject | null;
  ipBlock?: { cidr: string; except?: string[] | null } | null;
}
export interface NetpolPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
export interface NetpolRule {
  from?: NetpolPeer[] | null;
  to?: NetpolPeer[] | null;
  ports?: NetpolPort[] | null;
}
export interface NetworkPolicy extends KObject {
  spec?: {
    podSelector?: LabelSelectorObject | null;
    policyTypes?: string[] | null;
    ingress?: NetpolRule[] | null;
    egress?: NetpolRule[] | null;
  };
}

export interface NetpolState {
  pods: NetpolPod[];
  namespaces: Array<{ name: string; labels: Record<string, string> }>;
  policies: NetworkPolicy[];
}

export interface NetpolOptions {
  /** Only pods on this node get chains (all pods are peers). Undefined: every pod. */
  nodeName?: string;
}

export interface NetpolRuleset {
  /** iptables-restore input for the filter table (to apply with --noflush). */
  text: string;
  /** Every chain it declares. */
  chains: string[];
}

function hash(s: string): string {
  // base32 of sha256, 14 characters: K8TS-NWPLCY-I- + 14 = 28, iptables' limit.
  const b = createHash('sha256').update(s).digest();
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let v = 0;
  for (const byte of b) {
    v = (v << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 14) {
      out += abc[(v >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 14) break;
  }
  return out;
}

const selectorCache = new WeakMap<object, ReturnType<typeof selectorFromLabelSelector>>();
function matches(sel: LabelSelectorObject | null | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  let s = selectorCache.get(sel);
  if (!s) selectorCache.set(sel, (s = selectorFromLabelSelector(sel)));
  return matchesLabels(s, labels);
}

function isV4(ip: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip);
}

function q(s: string): string {
  return `"${s.replace(/"/g, "'")}"`;
}

/** Port match fragments for one NetworkPolicyPort against a destination pod (undefined when a named port does not resolve). */
function portMatches(p: NetpolPort, dest: NetpolPod | undefined): string[] | undefined {
  const proto = (p.protocol ?? 'TCP').toLowerCase();
  if (p.port === undefined || p.port === null) return [`-p ${proto}`];
  if (typeof p.port === 'number' || /^\d+$/.test(String(p.port))) {
    const n = Number(p.port);
    return [`-p ${proto} -m ${proto} --dport ${p.endPort ? `${n}:${p.endPort}` : n}`];
  }
  // A named port: the destination pod's container port with that name and protocol.
  if (!dest) return undefined;
  const cp = dest.ports.find((c) => c.name === p.port && (c.protocol ?? 'TCP').toLowerCase() === proto);
  return cp ? [`-p ${proto} -m ${proto} --dport ${cp.containerPort}`] : undefined;
}

interface PeerMatch {
  /** `-s X` / `-d X` address (CIDR or /32). */
  addr: string;
  except?: string[];
  /** The peer pod (egress named ports resolve on it). */
  pod?: NetpolPod;
}

export function buildNetpolRules(state: NetpolState, opts: NetpolOptions = {}): NetpolRuleset {
  const nsLabels = new Map(state.namespaces.map((n) => [n.name, n.labels]));
  const cluster = state.pods.filter((p) => !p.hostNetwork && p.ips.some(isV4));
  const peersOf = (peer: NetpolPeer, policyNs: string): PeerMatch[] => {
    if (peer.ipBlock) {
      if (!isV4(peer.ipBlock.cidr.split('/')[0]!)) return [];
      return [{ addr: peer.ipBlock.cidr, except: (peer.ipBlock.except ?? []).filter((c) => isV4(c.split('/')[0]!)) }];
    }
    const out: PeerMatch[] = [];
    for (const pod of cluster) {
      if (peer.namespaceSelector) {
        if (!matches(peer.namespaceSelector, nsLabels.get(pod.namespace) ?? { 'kubernetes.io/metadata.name': pod.namespace })) continue;
      } else if (pod.namespace !== policyNs) continue;
      if (peer.podSelector && !matches(peer.podSelector, pod.labels)) continue;
      for (const ip of pod.ips) if (isV4(ip)) out.push({ addr: `${ip}/32`, pod });
    }
    return out;
  };

  const chains: string[] = [NETPOL_CHAIN];
  const lines: string[] = [];
  const top: string[] = [`-A ${NETPOL_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment ${q('replies of allowed connections')} -j RETURN`];
  const policies = [...state.policies].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  const local = cluster
    .filter((p) => opts.nodeName === undefined || p.nodeName === opts.nodeName)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const egressTop: string[] = [];
  const ingressTop: string[] = [];

  for (const pod of local) {
    const key = `${pod.namespace}/${pod.name}`;
    for (const dir of ['Egress', 'Ingress'] as const) {
      const selecting = policies.filter((pol) => {
        if (pol.metadata.namespace !== pod.namespace) return false;
        const types = pol.spec?.policyTypes?.length ? pol.spec.policyTypes : pol.spec?.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
        return types.includes(dir) && matches(pol.spec?.podSelector ?? {}, pod.labels);
      });
      if (selecting.length === 0) continue;
      const chain = `${NETPOL_PREFIX}${dir === 'Ingress' ? 'I' : 'E'}-${hash(`${dir}/${key}`)}`;
      chains.push(chain);
      const body: string[] = [];
      const flag = dir === 'Ingress' ? '-s' : '-d';
      for (const pol of selecting) {
        const rules = (dir === 'Ingress' ? pol.spec?.ingress : pol.spec?.egress) ?? [];
        rules.forEach((rule, ri) => {
          const comment = `-m comment --comment ${q(`${pol.metadata.namespace}/${pol.metadata.name} ${dir.toLowerCase()}[${ri}]`)}`;
          const peerList = dir === 'Ingress' ? rule.from : rule.to;
          const peers: Array<PeerMatch | undefined> = peerList?.length ? peerList.flatMap((p) => peersOf(p, pol.metadata.namespace ?? '')) : [undefined];
          const portSpecs = rule.ports?.length ? rule.ports : [undefined];
          for (const peer of peers) {
            for (const ps of portSpecs) {
              let frags: string[] | undefined = [''];
              if (ps) {
                frags = portMatches(ps, dir === 'Ingress' ? pod : peer?.pod);
                if (!frags) continue;
              }
              for (const f of frags) {
                const addr = peer ? `${flag} ${peer.addr} ` : '';
                const match = `${addr}${f ? `${f} ` : ''}${comment}`;
                if (peer?.except?.length) {
                  const x = `${NETPOL_PREFIX}X-${hash(`${chain}/${peer.addr}/${peer.except.join(',')}`)}`;
                  if (!chains.includes(x)) {
                    chains.push(x);
                    for (const e of peer.except) lines.push(`-A ${x} ${flag} ${e} -j RETURN`);
                    lines.push(`-A ${x} -j MARK --set-xmark ${EXCEPT_MARK}`);
                  }
                  body.push(`-A ${chain} ${match} -j ${x}`);
                  body.push(`-A ${chain} -m mark --mark ${EXCEPT_MARK} -j RETURN`);
                } else {
                  body.push(`-A ${chain} ${match} -j RETURN`);
                }
              }
            }
          }
        });
      }
      if (body.some((l) => l.includes(EXCEPT_MARK))) body.unshift(`-A ${chain} -j MARK --set-xmark 0x0/${EXCEPT_MARK.split('/')[1]}`);
      body.push(`-A ${chain} -m comment --comment ${q(`${key}: no ${dir.toLowerCase()} policy allows this`)} -j DROP`);
      lines.push(...body);
      for (const ip of pod.ips.filter(isV4)) {
        (dir === 'Egress' ? egressTop : ingressTop).push(`-A ${NETPOL_CHAIN} ${dir === 'Egress' ? '-s' : '-d'} ${ip}/32 -m comment --comment ${q(`${key} ${dir.toLowerCase()}`)} -j ${chain}`);
      }
    }
  }
  const text = ['*filter', ...chains.map((c) => `:${c} - [0:0]`), ...top, ...egressTop, ...ingressTop, ...lines, 'COMMIT', ''].join('\n');
  return { text, chains };
}

/** The cluster state the rules need, from Pod, Namespace and NetworkPolicy objects. */
export function netpolStateFrom(pods: KObject[], namespaces: KObject[], policies: KObject[]): NetpolState {
  return {
    pods: pods
      .filter((p) => {
        const phase = (p.status as { phase?: string } | undefined)?.phase;
        return phase !== 'Succeeded' && phase !== 'Failed';
      })
      .map((p) => {
        const spec = (p.spec ?? {}) as { nodeName?: string; hostNetwork?: boolean; containers?: Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }> };
        const status = (p.status ?? {}) as { podIP?: string; podIPs?: Array<{ ip: string }> };
        const ips = status.podIPs?.length ? status.podIPs.map((x) => x.ip) : status.podIP ? [status.podIP] : [];
        return {
          namespace: p.metadata.namespace ?? '',
          name: p.metadata.name ?? '',
          labels: p.metadata.labels ?? {},
          ips,
          ports: (spec.containers ?? []).flatMap((c) => c.ports ?? []),
          nodeName: spec.nodeName,
          hostNetwork: spec.hostNetwork,
        };
      }),
    namespaces: namespaces.map((n) => ({ name: n.metadata.name ?? '', labels: { 'kubernetes.io/metadata.name': n.metadata.name ?? '', ...(n.metadata.labels ?? {}) } })),
    policies: policies as NetworkPolicy[],
  };
}

/** Our chains present in the filter table now, and whether FORWARD jumps to the top chain. */
async function installed(runner: CommandRunner): Promise<{ chains: Set<string>; jump: boolean; first: boolean }> {
  const save = await mustRun(runner, 'iptables-save', ['-t', 'filter']);
  const chains = new Set<string>();
  let jump = false;
  let first = false;
  let seenForward = false;
  for (const line of save.split('\n')) {
    const m = /^:(K8TS-NWPLCY\S*)/.exec(line);
    if (m) chains.add(m[1]!);
    if (!line.startsWith('-A FORWARD ')) continue;
    const ours = / -j K8TS-NWPLCY$/.test(line);
    if (ours) jump = true;
    if (!seenForward) first = ours;
    seenForward = true;
  }
  return { chains, jump, first };
}

/** Apply a ruleset atomically: declare (flush) our chains, drop stale ones, make sure FORWARD jumps first to ours. */
export async function applyNetpolRules(runner: CommandRunner, rs: NetpolRuleset): Promise<void> {
  const have = await installed(runner);
  const stale = [...have.chains].filter((c) => !rs.chains.includes(c));
  const body = rs.text.replace(/\nCOMMIT\n$/, '\n');
  const extra = [...stale.map((c) => `:${c} - [0:0]`), ...stale.map((c) => `-X ${c}`)];
  // Our jump must stay FORWARD's first rule: kube-proxy's KUBE-FORWARD ACCEPTs marked traffic, which would skip policy.
  const jumpRule = `-m comment --comment ${q(JUMP_COMMENT)} -j ${NETPOL_CHAIN}`;
  const jump = have.first ? [] : [...(have.jump ? [`-D FORWARD ${jumpRule}`] : []), `-I FORWARD 1 ${jumpRule}`];
  // Stale chains are declared (flushed) first, so nothing references them when they are deleted.
  const lines = body.split('\n');
  const input = [lines[0], ...extra.filter((l) => l.startsWith(':')), ...lines.slice(1), ...extra.filter((l) => l.startsWith('-X')), ...jump, 'COMMIT', ''].join('\n');
  await mustRun(runner, 'iptables-restore', ['-w', '5', '--noflush'], input);
}

/** Remove the jump and every chain of ours. */
export async function cleanupNetpolRules(runner: CommandRunner): Promise<number> {
  const have = await installed(runner);
  if (have.chains.size === 0 && !have.jump) return 0;
  const input = ['*filter', ...(have.jump ? [`-D FORWARD -m comment --comment ${q(JUMP_COMMENT)} -j ${NETPOL_CHAIN}`] : []), ...[...have.chains].map((c) => `:${c} - [0:0]`), ...[...have.chains].map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
  await mustRun(runner, 'iptables-restore', ['-w', '5', '--noflush'], input);
  return have.chains.size;
}
