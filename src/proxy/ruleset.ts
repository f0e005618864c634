/**
 * The pure heart of the proxy: ProxyState in, the iptables ruleset out,
 * structured as upstream kube-proxy's iptables mode builds it
 * (pkg/proxy/iptables/proxier.go syncProxyRules).
 * @module
 */
import * as N from './chain-names.js';
import { endpointKey, ipv4InCIDR } from './service-info.js';
import type { Endpoint, NodeConfig, ProxyState, Ruleset, ServicePort } from './types.js';

/** The jumps from built-in chains into ours (upstream's iptablesJumpChains), in iptables-save's own form. */
export interface JumpRule {
  table: 'filter' | 'nat';
  chain: string;
  /** The rule's arguments after `-A CHAIN`. */
  args: string;
}

const NEW = '-m conntrack --ctstate NEW ';
export const JUMP_RULES: JumpRule[] = [
  { table: 'filter', chain: 'INPUT', args: `${NEW}-m comment --comment "kubernetes externally-visible service portals" -j ${N.KUBE_EXTERNAL_SERVICES}` },
  { table: 'filter', chain: 'FORWARD', args: `${NEW}-m comment --comment "kubernetes externally-visible service portals" -j ${N.KUBE_EXTERNAL_SERVICES}` },
  { table: 'filter', chain: 'INPUT', args: `-m comment --comment "kubernetes health check service ports" -j ${N.KUBE_NODEPORTS}` },
  { table: 'filter', chain: 'FORWARD', args: `${NEW}-m comment --comment "kubernetes service portals" -j ${N.KUBE_SERVICES}` },
  { table: 'filter', chain: 'OUTPUT', args: `${NEW}-m comment --comment "kubernetes service portals" -j ${N.KUBE_SERVICES}` },
  { table: 'filter', chain: 'FORWARD', args: `-m comment --comment "kubernetes forwarding rules" -j ${N.KUBE_FORWARD}` },
  { table: 'filter', chain: 'INPUT', args: `${NEW}-m comment --comment "kubernetes load balancer firewall" -j ${N.KUBE_PROXY_FIREWALL}` },
  { table: 'filter', chain: 'OUTPUT', args: `${NEW}-m comment --comment "kubernetes load balancer firewall" -j ${N.KUBE_PROXY_FIREWALL}` },
  { table: 'filter', chain: 'FORWARD', args: `${NEW}-m comment --comment "kubernetes load balancer firewall" -j ${N.KUBE_PROXY_FIREWALL}` },
  { table: 'filter', chain: 'INPUT', args: `-j ${N.KUBE_FIREWALL}` },
  { table: 'filter', chain: 'OUTPUT', args: `-j ${N.KUBE_FIREWALL}` },
  { table: 'nat', chain: 'OUTPUT', args: `-m comment --comment "kubernetes service portals" -j ${N.KUBE_SERVICES}` },
  { table: 'nat', chain: 'PREROUTING', args: `-m comment --comment "kubernetes service portals" -j ${N.KUBE_SERVICES}` },
  { table: 'nat', chain: 'POSTROUTING', args: `-m comment --comment "kubernetes postrouting rules" -j ${N.KUBE_POSTROUTING}` },
];

/** The probability of the i-th of n endpoints' rule: 1/(n-i), printed as upstream does (%0.10f). */
export function probability(remaining: number): string {
  let p = probabilities[remaining];
  if (p === undefined) {
    p = (1 / remaining).toFixed(10);
    if (remaining < 4096) probabilities[remaining] = p;
  }
  return p;
}
const probabilities: string[] = [];

/**
 * Upstream's "large cluster mode": with more than this many endpoints in
 * total, the per-endpoint rules (KUBE-SVC → KUBE-SEP jumps, the KUBE-SEP
 * masquerade and DNAT rules) carry no comment. It shrinks the restore input
 * by ~40% and the kernel's ruleset by one xt match per rule.
 */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** Endpoints of the served Service ports, as upstream counts them for large cluster mode. */
export function countEndpoints(state: ProxyState): number {
  let n = 0;
  for (const sp of state.services) n += state.endpoints.get(endpointKey(sp))?.length ?? 0;
  return n;
}

/** A comment argument: quoted as upstream quotes it (always, except bare service-port names). */
const q = (s: string): string => `"${s}"`;

export interface Categorized {
  cluster: Endpoint[];
  local: Endpoint[];
  all: Endpoint[];
  hasEndpoints: boolean;
}

/** The ready endpoints, else the serving-and-terminating ones (the list itself when all are ready: no copy). */
function pickUsable(list: Endpoint[]): Endpoint[] {
  let ready = 0;
  for (const e of list) if (e.ready) ready++;
  if (ready === list.length) return list;
  if (ready > 0) return list.filter((e) => e.ready);
  return list.filter((e) => e.serving && e.terminating);
}

/** Upstream's CategorizeEndpoints, without topology hints. */
export function categorizeEndpoints(eps: Endpoint[], sp: ServicePort): Categorized {
  const externallyAccessible = sp.nodePort > 0 || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
  const usesLocal = sp.internalPolicyLocal || sp.externalPolicyLocal;
  const usesCluster = !sp.internalPolicyLocal || (externallyAccessible && !sp.externalPolicyLocal);
  const cluster = usesCluster ? pickUsable(eps) : [];
  const local = usesLocal ? pickUsable(eps.filter((e) => e.isLocal)) : [];
  let all: Endpoint[];
  if (local.length === 0) all = cluster;
  else if (cluster.length === 0) all = local;
  else {
    const seen = new Set<Endpoint>(cluster);
    all = cluster.slice();
    for (const e of local) if (!seen.has(e)) (seen.add(e), all.push(e));
  }
  let hasEndpoints = false;
  for (const e of eps) {
    if (e.ready || (e.serving && e.terminating)) {
      hasEndpoints = true;
      break;
    }
  }
  return { cluster, local, all, hasEndpoints };
}

/**
 * What one Service port contributes: rules appended to the shared top-level
 * chains (in order) and its own chains (KUBE-SVC/SVL/EXT/SEP). Cached per
 * Service by the proxier, so a sync rebuilds only the Services that changed.
 */
export interface Fragment {
  filter: Array<[string, string]>;
  nat: Array<[string, string]>;
  chains: Map<string, string[]>;
}

/** The full desired ruleset for a state. Deterministic: same input, same text. */
export function buildRuleset(state: ProxyState, node: NodeConfig): Ruleset {
  const large = countEndpoints(state) > LARGE_CLUSTER_ENDPOINTS;
  return assembleRuleset(state.services.map((sp) => buildServiceFragment(sp, state.endpoints.get(endpointKey(sp)) ?? [], node, large)), node, large);
}

/** The fragments a nat Chains map was assembled from (planRestore splits large inputs along them). */
const fragmentsByChains = new WeakMap<Map<string, string[]>, Fragment[]>();
export function serviceFragmentsOf(chains: Map<string, string[]>): Fragment[] | undefined {
  return fragmentsByChains.get(chains);
}

/**
 * What changed between two Rulesets, when the builder knows: `chains` are the
 * per-Service chains (old and new names) of every Service rebuilt, added or
 * removed since `base`. planRestore(next, { previous: base }) then compares
 * only those and the top-level chains instead of every chain.
 */
export interface ChangeHint {
  base: Ruleset;
  chains: Set<string>;
}
const changeHints = new WeakMap<Ruleset, ChangeHint>();
export function setChangeHint(rs: Ruleset, hint: ChangeHint): void {
  changeHints.set(rs, hint);
}
export function changeHintOf(rs: Ruleset): ChangeHint | undefined {
  return changeHints.get(rs);
}

/**
 * Top-level chains around the Services' fragments, in upstream's order.
 * `largeCluster` is accepted for symmetry with the fragments (which it
 * shapes); the top-level chains do not depend on it.
 */
export function assembleRuleset(fragments: Fragment[], node: NodeConfig, largeCluster = false): Ruleset {
  void largeCluster;
  const filter = new Map<string, string[]>();
  const nat = new Map<string, string[]>();
  const add = (t: Map<string, string[]>, chain: string, rule: string) => {
    let r = t.get(chain);
    if (!r) t.set(chain, (r = []));
    r.push(`-A ${chain} ${rule}`);
  };
  for (const c of [N.KUBE_SERVICES, N.KUBE_EXTERNAL_SERVICES, N.KUBE_FORWARD, N.KUBE_NODEPORTS, N.KUBE_PROXY_FIREWALL]) filter.set(c, []);
  for (const c of [N.KUBE_SERVICES, N.KUBE_NODEPORTS, N.KUBE_POSTROUTING, N.KUBE_MARK_MASQ]) nat.set(c, []);
  const mark = node.masqueradeMark;
  add(nat, N.KUBE_POSTROUTING, `-m mark ! --mark ${mark}/${mark} -j RETURN`);
  add(nat, N.KUBE_POSTROUTING, `-j MARK --xor-mark ${mark}`);
  add(nat, N.KUBE_POSTROUTING, `-m comment --comment ${q('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`);
  add(nat, N.KUBE_MARK_MASQ, `-j MARK --or-mark ${mark}`);
  if (node.localhostNodePorts) {
    filter.set(N.KUBE_FIREWALL, []);
    add(filter, N.KUBE_FIREWALL, `-m comment --comment ${q('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }
  for (const f of fragments) {
    for (const [c, r] of f.filter) filter.get(c)!.push(r);
    for (const [c, r] of f.nat) nat.get(c)!.push(r);
  }
  // The nodeports jump must be the last rule of KUBE-SERVICES.
  const nodeportsDest = node.localhostNodePorts ? '-m addrtype --dst-type LOCAL' : '-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8';
  add(nat, N.KUBE_SERVICES, `-m comment --comment ${q('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} ${nodeportsDest} -j ${N.KUBE_NODEPORTS}`);
  add(filter, N.KUBE_FORWARD, `-m conntrack --ctstate INVALID -j DROP`);
  add(filter, N.KUBE_FORWARD, `-m comment --comment ${q('kubernetes forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT`);
  add(filter, N.KUBE_FORWARD, `-m comment --comment ${q('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  for (const f of fragments) for (const [c, r] of f.chains) nat.set(c, r);
  fragmentsByChains.set(nat, fragments);
  return { filter, nat };
}

/**
 * The rules of one Service port (upstream's loop body in syncProxyRules).
 * `largeCluster`: leave the comments off the per-endpoint rules (upstream's
 * large cluster mode, see LARGE_CLUSTER_ENDPOINTS).
 */
export function buildServiceFragment(sp: ServicePort, eps: Endpoint[], node: NodeConfig, largeCluster = false): Fragment {
  const frag: Fragment = { filter: [], nat: [], chains: new Map() };
  const add = (t: 'filter' | 'nat', chain: string, rule: string) => frag[t].push([chain, '-A ' + chain + ' ' + rule]);
  const chains = frag.chains;
  const addSvc = (chain: string, rule: string) => {
    const r = chains.get(chain);
    if (r) r.push('-A ' + chain + ' ' + rule);
    else chains.set(chain, ['-A ' + chain + ' ' + rule]);
  };
  const declare = (chain: string) => {
    if (!chains.has(chain)) chains.set(chain, []);
  };
  const filter = 'filter' as const;
  const nat = 'nat' as const;
  {
    const proto = lowerProtocol(sp.protocol);
    const name = sp.nameString;
    const { cluster, local, all, hasEndpoints } = categorizeEndpoints(eps, sp);
    const clusterChain = N.svcChain(name, proto);
    const localChain = N.svlChain(name, proto);
    const externalChain = N.extChain(name, proto);
    const externallyAccessible = sp.nodePort > 0 || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
    const usesCluster = !sp.internalPolicyLocal || (externallyAccessible && !sp.externalPolicyLocal);
    const usesLocal = sp.internalPolicyLocal || sp.externalPolicyLocal;
    const usesClusterChain = cluster.length > 0 && usesCluster;
    const usesLocalChain = local.length > 0 && usesLocal;
    const internalChain = sp.internalPolicyLocal ? localChain : clusterChain;
    const hasInternal = hasEndpoints && (!sp.internalPolicyLocal || local.length > 0);
    const externalPolicyChain = sp.externalPolicyLocal ? localChain : clusterChain;
    const hasExternal = hasEndpoints && (!sp.externalPolicyLocal || local.length > 0);
    const usesExternalChain = hasEndpoints && externallyAccessible;
    let internalTarget = '';
    let internalComment = '';
    let externalTarget = '';
    let externalComment = '';
    if (!hasEndpoints) {
      internalTarget = externalTarget = 'REJECT';
      internalComment = externalComment = q(`${name} has no endpoints`);
    } else {
      if (!hasInternal) {
        internalTarget = 'DROP';
        internalComment = q(`${name} has no local endpoints`);
      }
      if (!hasExternal) {
        externalTarget = 'DROP';
        externalComment = q(`${name} has no local endpoints`);
      }
    }
    const match = `-m ${proto} -p ${proto}`;
    const dst = (ip: string, port: number) => `${match} -d ${ip}/32 --dport ${port}`;
    const clusterDst = dst(sp.clusterIP, sp.port);
    const clusterComment = `-m comment --comment ${q(`${name} cluster IP`)} `;

    if (hasInternal) add(nat, N.KUBE_SERVICES, `${clusterComment}${clusterDst} -j ${internalChain}`);
    else add(filter, N.KUBE_SERVICES, `-m comment --comment ${internalComment} ${clusterDst} -j ${internalTarget}`);

    for (const ip of sp.externalIPs) {
      if (hasEndpoints) add(nat, N.KUBE_SERVICES, `-m comment --comment ${q(`${name} external IP`)} ${dst(ip, sp.port)} -j ${externalChain}`);
      if (!hasExternal) add(filter, N.KUBE_EXTERNAL_SERVICES, `-m comment --comment ${externalComment} ${dst(ip, sp.port)} -j ${externalTarget}`);
    }
    // With loadBalancerSourceRanges, load-balancer traffic goes through the firewall chain first:
    // allowed sources jump on to the external chain (and are DNATed), the rest fall off its end
    // un-DNATed and meet the filter table's DROP for the load-balancer IP in KUBE-PROXY-FIREWALL.
    const usesFWChain = hasEndpoints && sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    const fwChain = usesFWChain ? N.fwChain(name, proto) : '';
    const loadBalancerTrafficChain = usesFWChain ? fwChain : externalChain;
    for (const ip of sp.loadBalancerIPs) {
      if (hasEndpoints) add(nat, N.KUBE_SERVICES, `-m comment --comment ${q(`${name} loadbalancer IP`)} ${dst(ip, sp.port)} -j ${loadBalancerTrafficChain}`);
      if (usesFWChain) add(filter, N.KUBE_PROXY_FIREWALL, `-m comment --comment ${q(`${name} traffic not accepted by ${fwChain}`)} ${dst(ip, sp.port)} -j DROP`);
    }
    if (!hasExternal) {
      for (const ip of sp.loadBalancerIPs) add(filter, N.KUBE_EXTERNAL_SERVICES, `-m comment --comment ${externalComment} ${dst(ip, sp.port)} -j ${externalTarget}`);
    }
    if (sp.nodePort) {
      if (hasEndpoints) add(nat, N.KUBE_NODEPORTS, `-m comment --comment ${name} ${match} --dport ${sp.nodePort} -j ${externalChain}`);
      if (!hasExternal) add(filter, N.KUBE_EXTERNAL_SERVICES, `-m comment --comment ${externalComment} -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} -j ${externalTarget}`);
    }
    if (sp.healthCheckNodePort) {
      add(filter, N.KUBE_NODEPORTS, `-m comment --comment ${q(`${name} health check node port`)} -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
    }

    // Internal traffic from outside the pod network is masqueraded (it may come back through another node).
    if (hasInternal) {
      if (node.masqueradeAll) addSvc(internalChain, `${clusterComment}${clusterDst} -j ${N.KUBE_MARK_MASQ}`);
      else if (node.clusterCIDR) addSvc(internalChain, `${clusterComment}${clusterDst} ! -s ${node.clusterCIDR} -j ${N.KUBE_MARK_MASQ}`);
    }

    if (usesExternalChain) {
      declare(externalChain);
      if (!sp.externalPolicyLocal) {
        addSvc(externalChain, `-m comment --comment ${q(`masquerade traffic for ${name} external destinations`)} -j ${N.KUBE_MARK_MASQ}`);
      } else {
        if (node.clusterCIDR) addSvc(externalChain, `-m comment --comment ${q(`pod traffic for ${name} external destinations`)} -s ${node.clusterCIDR} -j ${clusterChain}`);
        addSvc(externalChain, `-m comment --comment ${q(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${N.KUBE_MARK_MASQ}`);
        addSvc(externalChain, `-m comment --comment ${q(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${clusterChain}`);
      }
      if (hasExternal) addSvc(externalChain, `-j ${externalPolicyChain}`);
    }

    if (usesFWChain) {
      declare(fwChain);
      const fwComment = `-m comment --comment ${q(`${name} loadbalancer IP`)} `;
      let allowFromNode = false;
      for (const cidr of sp.loadBalancerSourceRanges) {
        addSvc(fwChain, `${fwComment}-s ${cidr} -j ${externalChain}`);
        if (node.nodeIP && ipv4InCIDR(node.nodeIP, cidr)) allowFromNode = true;
      }
      // A load-balancer IP that is local (ServiceLB hands out the node's own addresses) is reached
      // from this node with that IP as the source: let those connections through when the node is allowed.
      if (allowFromNode) for (const ip of sp.loadBalancerIPs) addSvc(fwChain, `${fwComment}-s ${ip}/32 -j ${externalChain}`);
      addSvc(fwChain, `-m comment --comment ${q(`other traffic to ${name} will be dropped by ${N.KUBE_PROXY_FIREWALL}`)}`);
    }

    // Each endpoint's `ip:port` and KUBE-SEP chain, computed once (parallel to `all`).
    const n = all.length;
    const epStrs: string[] = new Array(n);
    const epChains: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const ep = all[i]!;
      const s = ep.ip + ':' + ep.port;
      epStrs[i] = s;
      epChains[i] = N.sepChain(name, proto, s);
    }
    const ctx: EndpointRuleContext = { sp, name, largeCluster, all, epStrs, epChains, index: undefined };
    if (usesClusterChain) {
      declare(clusterChain);
      writeServiceToEndpointRules(chains, ctx, clusterChain, cluster);
    }
    if (usesLocalChain) {
      declare(localChain);
      writeServiceToEndpointRules(chains, ctx, localChain, local);
    }
    const sepComment = largeCluster ? '' : `-m comment --comment ${name} `;
    const recentArgs = sp.sessionAffinityClientIP ? ' --mask 255.255.255.255 --rsource' : '';
    const dnat = match + ' -j DNAT --to-destination ';
    for (let i = 0; i < n; i++) {
      const chain = epChains[i]!;
      const head = '-A ' + chain + ' ' + sepComment;
      const recent = sp.sessionAffinityClientIP ? '-m recent --set --name ' + chain + recentArgs + ' ' : '';
      // A SEP chain belongs to one endpoint of one port: set, not appended (it cannot exist yet).
      chains.set(chain, [head + '-s ' + all[i]!.ip + '/32 -j ' + N.KUBE_MARK_MASQ, head + recent + dnat + epStrs[i]!]);
    }
  }
  return frag;
}

interface EndpointRuleContext {
  sp: ServicePort;
  name: string;
  largeCluster: boolean;
  /** The endpoints with rules, and each one's `ip:port` and KUBE-SEP chain (parallel arrays). */
  all: Endpoint[];
  epStrs: string[];
  epChains: string[];
  /** Endpoint → position in `all`, built only for long lists. */
  index: Map<Endpoint, number> | undefined;
}

/** Position of `ep` in ctx.all (`eps` is `all` itself or a subset of it, in the same order). */
function positionOf(ctx: EndpointRuleContext, eps: Endpoint[], i: number): number {
  if (eps === ctx.all) return i;
  const ep = eps[i]!;
  if (ctx.all.length <= 32) return ctx.all.indexOf(ep);
  if (!ctx.index) ctx.index = new Map(ctx.all.map((e, j) => [e, j]));
  return ctx.index.get(ep)!;
}

function lowerProtocol(p: string): string {
  return p === 'TCP' ? 'tcp' : p === 'UDP' ? 'udp' : p === 'SCTP' ? 'sctp' : p.toLowerCase();
}

function writeServiceToEndpointRules(chains: Map<string, string[]>, ctx: EndpointRuleContext, chain: string, eps: Endpoint[]): void {
  const { sp, name, largeCluster, epStrs, epChains } = ctx;
  let rules = chains.get(chain);
  if (!rules) chains.set(chain, (rules = []));
  const prefix = '-A ' + chain + ' ';
  const comment = (j: number) => (largeCluster ? '' : `-m comment --comment "${name} -> ${epStrs[j]!}" `);
  const n = eps.length;
  if (sp.sessionAffinityClientIP) {
    for (let i = 0; i < n; i++) {
      const j = positionOf(ctx, eps, i);
      const c = epChains[j]!;
      rules.push(`${prefix}${comment(j)}-m recent --rcheck --seconds ${sp.stickyMaxAgeSeconds} --reap --name ${c} --mask 255.255.255.255 --rsource -j ${c}`);
    }
  }
  for (let i = 0; i < n; i++) {
    const j = positionOf(ctx, eps, i);
    const stat = i < n - 1 ? '-m statistic --mode random --probability ' + probability(n - i) + ' ' : '';
    rules.push(prefix + comment(j) + stat + '-j ' + epChains[j]!);
  }
}
