/**
 * networking.k8s.io/v1: NetworkPolicy here; Ingress and IngressClass in
 * networking-ingress.ts. Defaults, validation and tables as upstream.
 * @module
 */
import type { ResourceDef } from '../resource.js';
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isValidCIDR, isValidPortName, isValidPortNum } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { formatSelector, validateLabelSelector } from './core-more-util.js';
import { ingressClassDef, ingressDef } from './networking-ingress.js';

export { ingressClassDef, ingressDef, ingressAddress } from './networking-ingress.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function validatePort(port: Record<string, unknown>, p: string): FieldErr[] {
  const errs: FieldErr[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(str(port.protocol))) errs.push(fieldErr.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  const end = port.endPort;
  if (typeof port.port === 'number') {
    for (const m of isValidPortNum(port.port)) errs.push(fieldErr.invalid(`${p}.port`, port.port, m));
    if (typeof end === 'number') {
      if (end < port.port) errs.push(fieldErr.invalid(`${p}.endPort`, end, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(end)) errs.push(fieldErr.invalid(`${p}.endPort`, end, m));
    }
  } else if (typeof port.port === 'string') {
    if (end !== undefined) errs.push(fieldErr.invalid(`${p}.endPort`, end, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(port.port)) errs.push(fieldErr.invalid(`${p}.port`, port.port, m));
  } else if (end !== undefined) {
    errs.push(fieldErr.invalid(`${p}.endPort`, end, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

/** An IPv4 CIDR as [network, prefix length]; undefined for IPv6 or invalid input. */
function cidr4(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text);
  if (!m) return undefined;
  const bits = Number(m[5]);
  const ip = m.slice(1, 5).reduce((a, b) => a * 256 + Number(b), 0);
  const size = 2 ** (32 - bits);
  return [Math.floor(ip / size) * size, bits];
}

function validateIPBlock(ipb: Record<string, unknown>, p: string): FieldErr[] {
  const cidr = str(ipb.cidr);
  if (!cidr) return [fieldErr.required(`${p}.cidr`)];
  const errs = isValidCIDR(cidr).map((m) => fieldErr.invalid(`${p}.cidr`, cidr, m));
  if (errs.length) return errs;
  const outer = cidr4(cidr);
  arr(ipb.except).map(String).forEach((ex, i) => {
    const ep = `${p}.except[${i}]`;
    const bad = isValidCIDR(ex);
    errs.push(...bad.map((m) => fieldErr.invalid(ep, ex, m)));
    const inner = cidr4(ex);
    if (bad.length || !outer || !inner) return;
    const size = 2 ** (32 - outer[1]);
    if (Math.floor(inner[0] / size) * size !== outer[0] || outer[1] >= inner[1]) errs.push(fieldErr.invalid(ep, ex, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(peer: Record<string, unknown>, p: string): FieldErr[] {
  const errs: FieldErr[] = [];
  let n = 0;
  for (const key of ['podSelector', 'namespaceSelector'] as const) {
    if (!isRecord(peer[key])) continue;
    n++;
    errs.push(...validateLabelSelector(peer[key], `${p}.${key}`));
  }
  if (isRecord(peer.ipBlock)) {
    n++;
    errs.push(...validateIPBlock(peer.ipBlock, `${p}.ipBlock`));
  }
  if (n === 0) errs.push(fieldErr.required(p, 'must specify a peer'));
  else if (n > 1 && isRecord(peer.ipBlock)) errs.push(fieldErr.forbidden(p, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validateNetworkPolicy(np: KObject): FieldErr[] {
  const spec = rec(np.spec);
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  for (const [dir, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
    arr(spec[dir]).map(rec).forEach((rule, i) => {
      const p = `spec.${dir}[${i}]`;
      arr(rule.ports).forEach((port, j) => errs.push(...validatePort(rec(port), `${p}.ports[${j}]`)));
      arr(rule[peers]).forEach((peer, j) => errs.push(...validatePeer(rec(peer), `${p}.${peers}[${j}]`)));
    });
  }
  const types = arr(spec.policyTypes);
  if (types.length > 2) {
    const value = `[]networking.PolicyType{${types.map((t) => JSON.stringify(String(t))).join(', ')}}`;
    return [...errs, { type: 'FieldValueInvalid', field: 'spec.policyTypes', message: `Invalid value: ${value}: may not specify more than two policyTypes` }];
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(fieldErr.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  return errs;
}

export const networkPolicyDef = define({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  resource: 'networkpolicies',
  namespaced: true,
  shortNames: ['netpol'],
  generation: true,
  defaults(np) {
    const spec = child(np, 'spec');
    child(spec, 'podSelector');
    for (const dir of ['ingress', 'egress']) {
      for (const rule of arr(spec[dir])) for (const port of arr(rec(rule).ports)) if (isRecord(port)) port.protocol ??= 'TCP';
    }
    // A policy without policyTypes implies Ingress, plus Egress when it has egress rules.
    if (arr(spec.policyTypes).length === 0) spec.policyTypes = arr(spec.egress).length ? ['Ingress', 'Egress'] : ['Ingress'];
  },
  validate: validateNetworkPolicy,
  table: {
    columns: [
      NAME_COL,
      col('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies.'),
      AGE_COL,
    ],
    row: (np, now) => [np.metadata.name, formatSelector(rec(np.spec).podSelector), age(np.metadata.creationTimestamp, now)],
  },
});

export const NETWORKING_RESOURCES: ResourceDef[] = [ingressClassDef, ingressDef, networkPolicyDef];
