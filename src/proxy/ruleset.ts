/**
 * The pure heart of the proxy: ProxyState in, the iptables ruleset out,
 * structured as upstream kube-proxy's iptables mode builds it
 * (pkg/proxy/iptables/proxier.go syncProxyRules).
 * @module
 */
import * as N from './chain-names.js';
import { endpointKey } from './service-info.js';
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
  return (1 / remaining).toFixed(10);
}

/** A comment argument: quoted as upstream quotes it (always, except bare service-port names). */
const q = (s: string): string => `"${s}"`;

export interface Categorized {
  cluster: Endpoint[];
  local: Endpoint[];
  all: Endpoint[];
  hasEndpoints: boolean;
}

/** Upstream's CategorizeEndpoints, without topology hints. */
export function categorizeEndpoints(eps: Endpoint[], sp: ServicePort): Categorized {
  const externallyAccessible = sp.nodePort > 0 || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
  const usesLocal = sp.internalPolicyLocal || sp.externalPolicyLocal;
  const usesCluster = !sp.internalPolicyLocal || (externallyAccessible && !sp.externalPolicyLocal);
  const pick = (list: Endpoint[]) => {
    const ready = list.filter((e) => e.ready);
    return ready.length ? ready : list.filter((e) => e.serving && e.terminating);
  };
  const cluster = usesCluster ? pick(eps) : [];
  const local = usesLocal ? pick(eps.filter((e) => e.isLocal)) : [];
  const seen = new Set<Endpoint>();
  const all = [...cluster, ...local].filter((e) => (seen.has(e) ? false : (seen.add(e), true)));
  const hasEndpoints = eps.some((e) => e.ready || (e.serving && e.terminating));
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
  return assembleRuleset(state.services.map((sp) => buildServiceFragment(sp, state.endpoints.get(endpointKey(sp)) ?? [], node)), node);
}

/** Top-level chains around the Services' fragments, in upstream's order. */
export function assembleRuleset(fragments: Fragment[], node: NodeConfig): Ruleset {
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
  return { filter, nat };
}

/** The rules of one Service port (upstream's loop body in syncProxyRules). */
export function buildServiceFragment(sp: ServicePort, eps: Endpoint[], node: NodeConfig): Fragment {
  const frag: Fragment = { filter: [], nat: [], chains: new Map() };
  const add = (t: 'filter' | 'nat', chain: string, rule: string) => frag[t].push([chain, `-A ${chain} ${rule}`]);
  const addSvc = (chain: string, rule: string) => {
    let r = frag.chains.get(chain);
    if (!r) frag.chains.set(chain, (r = []));
    r.push(`-A ${chain} ${rule}`);
  };
  const declare = (chain: string) => {
    if (!frag.chains.has(chain)) frag.chains.set(chain, []);
  };
  const filter = 'filter' as const;
  const nat = 'nat' as const;
  {
    const proto = sp.protocol.toLowerCase();
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

    if (hasInternal) add(nat, N.KUBE_SERVICES, `-m comment --comment ${q(`${name} cluster IP`)} ${dst(sp.clusterIP, sp.port)} -j ${internalChain}`);
    else add(filter, N.KUBE_SERVICES, `-m comment --comment ${internalComment} ${dst(sp.clusterIP, sp.port)} -j ${internalTarget}`);

    for (const ip of sp.externalIPs) {
      if (hasEndpoints) add(nat, N.KUBE_SERVICES, `-m comment --comment ${q(`${name} external IP`)} ${dst(ip, sp.port)} -j ${externalChain}`);
      if (!hasExternal) add(filter, N.KUBE_EXTERNAL_SERVICES, `-m comment --comment ${externalComment} ${dst(ip, sp.port)} -j ${externalTarget}`);
    }
    for (const ip of sp.loadBalancerIPs) {
      if (hasEndpoints) add(nat, N.KUBE_SERVICES, `-m comment --comment ${q(`${name} loadbalancer IP`)} ${dst(ip, sp.port)} -j ${externalChain}`);
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
      const args = `-m comment --comment ${q(`${name} cluster IP`)} ${dst(sp.clusterIP, sp.port)}`;
      if (node.masqueradeAll) addSvc(internalChain, `${args} -j ${N.KUBE_MARK_MASQ}`);
      else if (node.clusterCIDR) addSvc(internalChain, `${args} ! -s ${node.clusterCIDR} -j ${N.KUBE_MARK_MASQ}`);
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

    if (usesClusterChain) {
      declare(clusterChain);
      writeServiceToEndpointRules(addSvc, sp, clusterChain, cluster);
    }
    if (usesLocalChain) {
      declare(localChain);
      writeServiceToEndpointRules(addSvc, sp, localChain, local);
    }
    for (const ep of all) {
      const chain = N.sepChain(name, proto, `${ep.ip}:${ep.port}`);
      declare(chain);
      addSvc(chain, `-m comment --comment ${name} -s ${ep.ip}/32 -j ${N.KUBE_MARK_MASQ}`);
      const recent = sp.sessionAffinityClientIP ? ` -m recent --set --name ${chain} --mask 255.255.255.255 --rsource` : '';
      addSvc(chain, `-m comment --comment ${name}${recent} ${match} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
    }
  }
  return frag;
}

function writeServiceToEndpointRules(addSvc: (chain: string, rule: string) => void, sp: ServicePort, chain: string, eps: Endpoint[]): void {
  const proto = sp.protocol.toLowerCase();
  const sep = (ep: Endpoint) => N.sepChain(sp.nameString, proto, `${ep.ip}:${ep.port}`);
  if (sp.sessionAffinityClientIP) {
    for (const ep of eps) {
      const c = sep(ep);
      addSvc(chain, `-m comment --comment ${q(`${sp.nameString} -> ${ep.ip}:${ep.port}`)} -m recent --rcheck --seconds ${sp.stickyMaxAgeSeconds} --reap --name ${c} --mask 255.255.255.255 --rsource -j ${c}`);
    }
  }
  eps.forEach((ep, i) => {
    const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(eps.length - i)}` : '';
    addSvc(chain, `-m comment --comment ${q(`${sp.nameString} -> ${ep.ip}:${ep.port}`)}${stat} -j ${sep(ep)}`);
  });
}
