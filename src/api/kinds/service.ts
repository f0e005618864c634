/** core/v1 Service: defaults, validation and table as upstream (IP allocation is the API server's). */
import { child, isRecord } from '../object.js';
import { isValidCIDR } from '../names.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function validateService(svc: Record<string, unknown>, old?: Record<string, unknown>): FieldErr[] {
  const spec = rec(svc.spec);
  const errs: FieldErr[] = [];
  const type = str(spec.type);
  if (!TYPES.includes(type)) errs.push(fieldErr.notSupported('spec.type', spec.type, TYPES));
  const ports = arr(spec.ports).map(rec);
  if (type !== 'ExternalName' && ports.length === 0 && spec.clusterIP !== 'None') errs.push(fieldErr.required('spec.ports'));
  if (type === 'ExternalName' && !str(spec.externalName)) errs.push(fieldErr.required('spec.externalName'));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !str(p.name)) errs.push(fieldErr.required(`${path}.name`));
    if (str(p.name)) {
      if (names.has(str(p.name))) errs.push(fieldErr.duplicate(`${path}.name`, p.name));
      names.add(str(p.name));
    }
    const port = p.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      errs.push(fieldErr.invalid(`${path}.port`, port ?? 0, 'must be between 1 and 65535, inclusive'));
    }
    const proto = str(p.protocol);
    if (!['TCP', 'UDP', 'SCTP'].includes(proto)) errs.push(fieldErr.notSupported(`${path}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    const key = `${String(port)}/${proto}`;
    if (seen.has(key)) errs.push(fieldErr.duplicate(path, { port, protocol: proto }));
    seen.add(key);
    const tp = p.targetPort;
    if (typeof tp === 'number' && (tp < 1 || tp > 65535)) errs.push(fieldErr.invalid(`${path}.targetPort`, tp, 'must be between 1 and 65535, inclusive'));
    if (p.nodePort !== undefined && type === 'ClusterIP') errs.push(fieldErr.forbidden(`${path}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
  });
  if (old) {
    const oldSpec = rec(old.spec);
    const oldIP = str(oldSpec.clusterIP);
    if (oldIP && spec.clusterIP !== oldIP && str(oldSpec.type) !== 'ExternalName' && type !== 'ExternalName') {
      errs.push(fieldErr.invalid('spec.clusterIPs[0]', spec.clusterIP ?? '', 'may not change once set'));
    }
  }
  // ── loadBalancerSourceRanges (helper N2; upstream's ValidateService): the field, else the annotation ──
  errs.push(...validateSourceRanges(svc, spec, type));
  // ── end loadBalancerSourceRanges ──
  const sa = spec.sessionAffinity;
  if (sa !== undefined && sa !== 'None' && sa !== 'ClientIP') errs.push(fieldErr.notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  return errs;
}

// ── loadBalancerSourceRanges (helper N2) ──
const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/**
 * spec.loadBalancerSourceRanges (or, when it is empty, the older annotation) only on
 * LoadBalancer Services, and every entry a CIDR (space padding allowed, as upstream's
 * GetLoadBalancerSourceRanges trims it). Field path and messages as upstream's.
 */
function validateSourceRanges(svc: Record<string, unknown>, spec: Record<string, unknown>, type: string): FieldErr[] {
  const ranges = arr(spec.loadBalancerSourceRanges);
  const annotations = rec(rec(svc.metadata).annotations);
  const annotated = Object.prototype.hasOwnProperty.call(annotations, LB_SOURCE_RANGES_ANNOTATION);
  if (!ranges.length && !annotated) return [];
  const errs: FieldErr[] = [];
  let path: string;
  let shown: string;
  let values: string[];
  if (ranges.length) {
    path = 'spec.LoadBalancerSourceRanges';
    values = ranges.map((r) => (typeof r === 'string' ? r : String(r)));
    shown = `[${values.join(' ')}]`;
  } else {
    path = `metadata.annotations[${LB_SOURCE_RANGES_ANNOTATION}]`;
    shown = str(annotations[LB_SOURCE_RANGES_ANNOTATION]);
    values = (shown.trim() || '0.0.0.0/0').split(',');
  }
  if (type !== 'LoadBalancer') errs.push(fieldErr.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
  if (values.some((v) => isValidCIDR(v.trim()).length > 0)) errs.push(fieldErr.invalid(path, shown, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
  return errs;
}
// ── end loadBalancerSourceRanges ──

function portsCell(spec: Record<string, unknown>): string {
  const ports = arr(spec.ports).map(rec);
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => (p.nodePort ? `${String(p.port)}:${String(p.nodePort)}/${str(p.protocol)}` : `${String(p.port)}/${str(p.protocol)}`))
    .join(',');
}

function externalIPCell(svc: Record<string, unknown>): string {
  const spec = rec(svc.spec);
  const type = str(spec.type);
  const ext = arr(spec.externalIPs).map(String);
  if (type === 'ExternalName') return str(spec.externalName);
  if (type === 'LoadBalancer') {
    const ingress = arr(rec(rec(svc.status).loadBalancer).ingress).map((i) => str(rec(i).ip) || str(rec(i).hostname));
    const all = [...ingress, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  return ext.length ? ext.join(',') : '<none>';
}

export const serviceDef = define(
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    resource: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
    storageResource: 'services/specs',
    subresources: [
      { name: 'status', group: '', version: 'v1', kind: 'Service', verbs: ['get', 'patch', 'update'] },
      { name: 'proxy', group: '', version: 'v1', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    ],
    defaults(svc) {
      const spec = child(svc, 'spec');
      spec.type ??= 'ClusterIP';
      if (spec.type !== 'ExternalName') {
        spec.sessionAffinity ??= 'None';
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
      if (spec.sessionAffinity === 'ClientIP') {
        const cfg = child(child(spec, 'sessionAffinityConfig'), 'clientIP');
        cfg.timeoutSeconds ??= 10800;
      }
      for (const p of arr(spec.ports)) {
        if (!isRecord(p)) continue;
        p.protocol ??= 'TCP';
        if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
      }
      svc.status ??= { loadBalancer: {} };
    },
    validate: (svc, old) => validateService(svc, old),
    table: {
      columns: [
        NAME_COL,
        col('Type', 'The type of the service'),
        col('Cluster-IP', 'The cluster IP of the service'),
        col('External-IP', 'The external IP of the service'),
        col('Port(s)', 'The ports of the service'),
        AGE_COL,
        col('Selector', 'The label selector of the service', 1),
      ],
      row(svc, now) {
        const spec = rec(svc.spec);
        const sel = Object.entries(rec(spec.selector)).map(([k, v]) => `${k}=${String(v)}`);
        return [
          svc.metadata.name,
          str(spec.type),
          str(spec.clusterIP) || '<none>',
          externalIPCell(svc),
          portsCell(spec),
          age(svc.metadata.creationTimestamp, now),
          sel.length ? sel.join(',') : '<none>',
        ];
      },
    },
  },
  'label1035',
);
