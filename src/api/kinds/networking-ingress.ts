/** networking.k8s.io/v1 Ingress and IngressClass: defaults, validation and tables as upstream. */
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPathSegmentName, isValidPortName, isValidPortNum, regexError } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { immutable } from './core-more-util.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const WILDCARD_FMT = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';

/** IsWildcardDNS1123Subdomain. */
function wildcardErrs(host: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(host) > 253) errs.push('must be no more than 253 characters');
  if (!new RegExp(`^${WILDCARD_FMT}$`).test(host)) {
    errs.push(regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", WILDCARD_FMT, '*.example.com'));
  }
  return errs;
}

const hostErrs = (host: string) => (host.includes('*') ? wildcardErrs(host) : isDNS1123Subdomain(host));

function validateBackend(b: Record<string, unknown>, p: string): FieldErr[] {
  const hasResource = isRecord(b.resource);
  const svc = b.service;
  if (hasResource && isRecord(svc)) return [fieldErr.invalid(p, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = rec(b.resource);
    const errs: FieldErr[] = [];
    if (typeof r.apiGroup === 'string') for (const m of isDNS1123Subdomain(r.apiGroup)) errs.push(fieldErr.invalid(`${p}.resource.apiGroup`, r.apiGroup, m));
    for (const k of ['kind', 'name']) {
      if (!str(r[k])) errs.push(fieldErr.required(`${p}.resource.${k}`));
      else for (const m of isValidPathSegmentName(str(r[k]))) errs.push(fieldErr.invalid(`${p}.resource.${k}`, r[k], m));
    }
    return errs;
  }
  if (!isRecord(svc)) return [fieldErr.invalid(p, '', 'resource or service backend is required')];
  const errs: FieldErr[] = [];
  const name = str(svc.name);
  if (!name) errs.push(fieldErr.required(`${p}.service.name`));
  else for (const m of isDNS1035Label(name)) errs.push(fieldErr.invalid(`${p}.service.name`, name, m));
  const port = rec(svc.port);
  const portName = str(port.name);
  const portNumber = typeof port.number === 'number' ? port.number : 0;
  if (portName && portNumber) errs.push(fieldErr.invalid(p, '', 'cannot set both port name & port number'));
  else if (portName) for (const m of isValidPortName(portName)) errs.push(fieldErr.invalid(`${p}.service.port.name`, portName, m));
  else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(fieldErr.invalid(`${p}.service.port.number`, portNumber, m));
  else errs.push(fieldErr.required(p, 'port name or number is required'));
  return errs;
}

function validatePath(path: Record<string, unknown>, p: string): FieldErr[] {
  if (path.pathType === undefined || path.pathType === null) return [fieldErr.required(`${p}.pathType`, 'pathType must be specified')];
  const errs: FieldErr[] = [];
  const value = str(path.path);
  const type = str(path.pathType);
  if (type === 'Exact' || type === 'Prefix') {
    if (!value.startsWith('/')) errs.push(fieldErr.invalid(`${p}.path`, value, 'must be an absolute path'));
    for (const seq of value ? INVALID_SEQUENCES : []) if (value.includes(seq)) errs.push(fieldErr.invalid(`${p}.path`, value, `must not contain '${seq}'`));
    for (const suf of value ? INVALID_SUFFIXES : []) if (value.endsWith(suf)) errs.push(fieldErr.invalid(`${p}.path`, value, `cannot end with '${suf}'`));
  } else if (type === 'ImplementationSpecific') {
    if (value && !value.startsWith('/')) errs.push(fieldErr.invalid(`${p}.path`, value, 'must be an absolute path'));
  } else {
    errs.push(fieldErr.notSupported(`${p}.pathType`, path.pathType, PATH_TYPES));
  }
  return [...errs, ...validateBackend(rec(path.backend), `${p}.backend`)];
}

function validateIngress(ing: KObject, old?: KObject): FieldErr[] {
  const spec = rec(ing.spec);
  const rules = arr(spec.rules).map(rec);
  const errs: FieldErr[] = [];
  if (rules.length === 0 && !isRecord(spec.defaultBackend)) {
    const value = Array.isArray(spec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)';
    errs.push({ type: 'FieldValueInvalid', field: 'spec', message: `Invalid value: ${value}: either \`defaultBackend\` or \`rules\` must be specified` });
  }
  if (isRecord(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const p = `spec.rules[${i}]`;
    const host = str(rule.host);
    if (host) {
      if (isValidIP(host).length === 0) errs.push(fieldErr.invalid(`${p}.host`, host, 'must be a DNS name, not an IP address'));
      for (const m of hostErrs(host)) errs.push(fieldErr.invalid(`${p}.host`, host, m));
    }
    if (isRecord(rule.http)) {
      const paths = arr(rule.http.paths);
      if (paths.length === 0) errs.push(fieldErr.required(`${p}.http.paths`));
      paths.forEach((path, j) => errs.push(...validatePath(rec(path), `${p}.http.paths[${j}]`)));
    }
  });
  arr(spec.tls).map(rec).forEach((tls, i) => {
    arr(tls.hosts).map(String).forEach((h, j) => {
      for (const m of hostErrs(h)) errs.push(fieldErr.invalid(`spec.tls[${i}].hosts[${j}]`, h, m));
    });
    const secret = str(tls.secretName);
    if (secret) for (const m of isDNS1123Subdomain(secret)) errs.push(fieldErr.invalid(`spec.tls[${i}].secretName`, secret, m));
  });
  if (typeof spec.ingressClassName === 'string') {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(fieldErr.invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  const annotation = ing.metadata.annotations?.[CLASS_ANNOTATION];
  if (!old && annotation !== undefined && typeof spec.ingressClassName === 'string' && annotation !== spec.ingressClassName) {
    errs.push(fieldErr.invalid(`annotations.${CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

/** formatHosts: up to three hosts, `*` when none. */
function hostsCell(rules: Record<string, unknown>[]): string {
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === 3) more = true;
    if (!more && str(r.host)) list.push(str(r.host));
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

/** ingressLoadBalancerStatusStringer (wide, as the server prints): sorted unique IPs or hostnames. */
export function ingressAddress(status: unknown): string {
  const set = new Set(arr(rec(rec(status).loadBalancer).ingress).map(rec).map((i) => str(i.ip) || str(i.hostname)).filter(Boolean));
  return [...set].sort().join(',');
}

export const ingressDef = define({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  resource: 'ingresses',
  namespaced: true,
  shortNames: ['ing'],
  statusSubresource: true,
  generation: true,
  subresources: [{ name: 'status', group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', verbs: ['get', 'patch', 'update'] }],
  defaults(ing) {
    child(child(ing, 'status'), 'loadBalancer');
  },
  validate: validateIngress,
  table: {
    columns: [
      NAME_COL,
      col('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
      col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
      col('Address', 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'Ports of TLS configurations that open'),
      AGE_COL,
    ],
    row(ing, now) {
      const spec = rec(ing.spec);
      return [
        ing.metadata.name,
        typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
        hostsCell(arr(spec.rules).map(rec)),
        ingressAddress(ing.status),
        arr(spec.tls).length ? '80, 443' : '80',
        age(ing.metadata.creationTimestamp, now),
      ];
    },
  },
});

/** IsDomainPrefixedPath (the controller name). */
function controllerErrs(controller: string): FieldErr[] {
  const p = 'spec.controller';
  if (!controller) return [fieldErr.required(p)];
  const errs: FieldErr[] = controller.length > 250 ? [fieldErr.tooLong(p, 250)] : [];
  const slash = controller.indexOf('/');
  if (slash <= 0 || slash === controller.length - 1) return [...errs, fieldErr.invalid(p, controller, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = controller.slice(0, slash);
  const path = controller.slice(slash + 1);
  for (const m of isDNS1123Subdomain(host)) errs.push(fieldErr.invalid(p, host, m));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(path)) errs.push(fieldErr.invalid(p, path, regexError('Invalid path', "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+")));
  return errs;
}

function validateParameters(params: unknown): FieldErr[] {
  if (!isRecord(params)) return [];
  const p = 'spec.parameters';
  const errs: FieldErr[] = [];
  if (typeof params.apiGroup === 'string') for (const m of isDNS1123Subdomain(params.apiGroup)) errs.push(fieldErr.invalid(`${p}.apiGroup`, params.apiGroup, m));
  for (const k of ['kind', 'name']) {
    if (!str(params[k])) errs.push(fieldErr.required(`${p}.${k}`));
    else for (const m of isValidPathSegmentName(str(params[k]))) errs.push(fieldErr.invalid(`${p}.${k}`, params[k], m));
  }
  if (params.scope === undefined || params.scope === null) return [...errs, fieldErr.required(`${p}.scope`)];
  const scope = str(params.scope);
  if (scope !== 'Cluster' && scope !== 'Namespace') errs.push(fieldErr.notSupported(`${p}.scope`, scope, ['Cluster', 'Namespace']));
  else if (scope === 'Namespace') {
    if (typeof params.namespace !== 'string') errs.push(fieldErr.required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else for (const m of isDNS1123Label(params.namespace)) errs.push(fieldErr.invalid(`${p}.namespace`, params.namespace, m));
  } else if (params.namespace !== undefined) errs.push(fieldErr.forbidden(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

export const ingressClassDef = define({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  resource: 'ingressclasses',
  namespaced: false,
  generation: true,
  defaults(ic) {
    const params = rec(ic.spec).parameters;
    if (isRecord(params)) params.scope ??= 'Cluster';
  },
  validate(ic, old) {
    const spec = rec(ic.spec);
    const errs = [...controllerErrs(str(spec.controller)), ...validateParameters(spec.parameters)];
    if (old && str(rec(old.spec).controller) !== str(spec.controller)) errs.unshift(immutable('spec.controller', str(spec.controller)));
    return errs;
  },
  table: {
    columns: [
      NAME_COL,
      col('Controller', 'Controller that is responsible for handling this class'),
      col('Parameters', 'A reference to a resource with additional parameters'),
      AGE_COL,
    ],
    row(ic, now) {
      const spec = rec(ic.spec);
      const params = spec.parameters;
      const cell = isRecord(params) ? `${str(params.kind)}${typeof params.apiGroup === 'string' ? `.${params.apiGroup}` : ''}/${str(params.name)}` : '<none>';
      return [ic.metadata.name, str(spec.controller), cell, age(ic.metadata.creationTimestamp, now)];
    },
  },
});
