/**
 * The proxy's model: what one Service port and its endpoints mean to the
 * data plane, after reading the Service and EndpointSlice objects.
 * @module
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One port of one Service, as kube-proxy's servicePortInfo sees it. Invariant: clusterIP is a real IPv4 address. */
export interface ServicePort {
  namespace: string;
  name: string;
  /** Port name ('' for an unnamed port). */
  portName: string;
  /** `ns/name:port` (or `ns/name` without a port name): upstream's ServicePortName.String(). */
  nameString: string;
  clusterIP: string;
  port: number;
  protocol: Protocol;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /**
   * spec.loadBalancerSourceRanges (else the service.beta.kubernetes.io/load-balancer-source-ranges
   * annotation) as IPv4 network/prefix strings: traffic to the load-balancer IPs from other
   * sources is dropped (KUBE-FW-<hash> in nat, KUBE-PROXY-FIREWALL in filter). Empty: no firewall.
   */
  loadBalancerSourceRanges: string[];
  sessionAffinityClientIP: boolean;
  stickyMaxAgeSeconds: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  healthCheckNodePort: number;
}

/** One endpoint of a Service port. */
export interface Endpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  /** Lives on this proxy's node. */
  isLocal: boolean;
}

/** Everything a sync needs, keyed by ServicePort.nameString. */
export interface ProxyState {
  services: ServicePort[];
  endpoints: Map<string, Endpoint[]>;
}

/** Node-level settings the rules depend on. */
export interface NodeConfig {
  nodeName: string;
  /** Pod network: traffic from outside it to a ClusterIP is masqueraded (upstream's LocalDetector by cluster CIDR). */
  clusterCIDR?: string;
  /** The masquerade mark (upstream: 1 << 14 = 0x4000). */
  masqueradeMark: string;
  /** NodePorts on 127.0.0.1 (route_localnet). */
  localhostNodePorts: boolean;
  /** Masquerade every Service connection (--masquerade-all). */
  masqueradeAll: boolean;
  /**
   * The node's primary IPv4 address (upstream's proxier.nodeIP): when a Service's
   * loadBalancerSourceRanges contain it, the node's own connections to the
   * load-balancer IPs (which loop back with the VIP as source) are allowed too.
   */
  nodeIP?: string;
}

export const DEFAULT_NODE_CONFIG: NodeConfig = {
  nodeName: '',
  masqueradeMark: '0x4000',
  localhostNodePorts: true,
  masqueradeAll: false,
};

/** iptables tables we write, each an ordered list of chains with their rules. */
export type Table = 'filter' | 'nat';

/** Chain name → its rules, each a full `-A CHAIN ...` line. Insertion order is output order. */
export type Chains = Map<string, string[]>;

export interface Ruleset {
  filter: Chains;
  nat: Chains;
}
