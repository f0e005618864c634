// Tests for networking.k8s.io/v1 NetworkPolicy, Ingress and IngressClass: defaults, validation and tables as upstream.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDef } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { NETWORKING_RESOURCES, ingressClassDef, ingressDef, networkPolicyDef } from './networking.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const obj = (name: string, ns: string | undefined, body: Record<string, unknown>): KObject => ({
  metadata: { name, ...(ns ? { namespace: ns } : {}), creationTimestamp: '2024-05-01T11:59:30Z' },
  ...body,
});

function check(def: ResourceDef, o: KObject, old?: KObject): string[] {
  def.defaults?.(o);
  if (old) def.defaults?.(old);
  return (def.validate?.(o, old) ?? []).map(fieldErrText);
}

const backend = { service: { name: 'web', port: { number: 80 } } };
const ing = (spec: Record<string, unknown>, annotations?: Record<string, string>) => {
  const o = obj('web', 'default', { spec });
  if (annotations) o.metadata.annotations = annotations;
  return o;
};
const np = (spec: Record<string, unknown>) => obj('np', 'default', { spec });
const ic = (spec: Record<string, unknown>) => obj('nginx', undefined, { spec });

describe('networking resource definitions', () => {
  it('serves networkpolicies (netpol), ingresses (ing, with status) and cluster-scoped ingressclasses', () => {
    assert.equal(NETWORKING_RESOURCES.length, 3);
    assert.deepEqual([networkPolicyDef.resource, networkPolicyDef.namespaced, networkPolicyDef.shortNames], ['networkpolicies', true, ['netpol']]);
    assert.deepEqual([ingressDef.resource, ingressDef.namespaced, ingressDef.shortNames, ingressDef.statusSubresource], ['ingresses', true, ['ing'], true]);
    assert.deepEqual([ingressClassDef.resource, ingressClassDef.namespaced], ['ingressclasses', false]);
    for (const d of NETWORKING_RESOURCES) assert.equal(d.schema, `io.k8s.api.networking.v1.${d.kind}`);
  });
});

describe('networking defaults', () => {
  const cases: Array<[string, Record<string, unknown>, unknown]> = [
    ['implies Ingress when a policy has no policyTypes and no egress rules', {}, ['Ingress']],
    ['adds Egress when the policy has egress rules', { egress: [{}] }, ['Ingress', 'Egress']],
    ['keeps explicit policyTypes', { policyTypes: ['Egress'] }, ['Egress']],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => {
      const o = np(spec);
      networkPolicyDef.defaults?.(o);
      assert.deepEqual((o.spec as Record<string, unknown>).policyTypes, want);
      assert.deepEqual((o.spec as Record<string, unknown>).podSelector, {});
    });
  }
  it('defaults network policy port protocols to TCP', () => {
    const o = np({ ingress: [{ ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }], egress: [{ ports: [{}] }] });
    networkPolicyDef.defaults?.(o);
    const spec = o.spec as { ingress: Array<{ ports: unknown[] }>; egress: Array<{ ports: unknown[] }> };
    assert.deepEqual([spec.ingress[0]?.ports, spec.egress[0]?.ports], [[{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], [{ protocol: 'TCP' }]]);
  });
  it('defaults an ingress class parameters scope to Cluster and an ingress status load balancer', () => {
    const c = ic({ controller: 'example.com/c', parameters: { kind: 'K', name: 'n' } });
    ingressClassDef.defaults?.(c);
    assert.equal((c.spec as { parameters: { scope: string } }).parameters.scope, 'Cluster');
    const i = ing({ defaultBackend: backend });
    ingressDef.defaults?.(i);
    assert.deepEqual(i.status, { loadBalancer: {} });
  });
});

describe('networking validation', () => {
  const cases: Array<[string, ResourceDef, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts a policy with peers and ports', networkPolicyDef, () => np({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }], ports: [{ port: 5432 }] }] }), undefined, []],
    ['requires a peer and rejects ipBlock mixed with selectors', networkPolicyDef, () => np({ ingress: [{ from: [{}, { podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }] }] }), undefined, [
      'spec.ingress[0].from[0]: Required value: must specify a peer',
      'spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
    ]],
    ['rejects bad CIDRs and excepts outside the block', networkPolicyDef, () => np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/8'] } }, { ipBlock: { cidr: 'nope' } }] }] }), undefined, [
      'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      'spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
      'spec.egress[0].to[1].ipBlock.cidr: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]],
    ['rejects bad ports and port ranges', networkPolicyDef, () => np({ ingress: [{ ports: [{ port: 0 }, { port: 100, endPort: 90 }, { port: 'http', endPort: 90 }, { endPort: 5, protocol: 'ICMP' }] }] }), undefined, [
      'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ingress[0].ports[1].endPort: Invalid value: 90: must be greater than or equal to `port`',
      'spec.ingress[0].ports[2].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      'spec.ingress[0].ports[3].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.ingress[0].ports[3].endPort: Invalid value: 5: may not be specified when `port` is not specified',
    ]],
    ['rejects unknown and too many policy types', networkPolicyDef, () => np({ policyTypes: ['Ingress', 'Sideways'] }), undefined, ['spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"']],
    ['rejects more than two policy types', networkPolicyDef, () => np({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }), undefined, [
      'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
    ]],
    ['accepts an ingress with a prefix path and TLS', ingressDef, () => ing({ tls: [{ hosts: ['*.example.com'], secretName: 'tls' }], rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] }), undefined, []],
    ['requires rules or a default backend', ingressDef, () => ing({}), undefined, ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']],
    ['checks hosts, path types and absolute paths', ingressDef, () => ing({ rules: [{ host: '10.0.0.1', http: { paths: [{ path: 'x', pathType: 'Exact', backend }, { path: '/a', backend }, { path: '/b', pathType: 'Regex', backend }] } }, { host: 'Bad_Host', http: { paths: [] } }] }), undefined, [
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
      'spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified',
      'spec.rules[0].http.paths[2].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      'spec.rules[1].host: Invalid value: "Bad_Host": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      'spec.rules[1].http.paths: Required value',
    ]],
    ['rejects unsafe path sequences', ingressDef, () => ing({ rules: [{ http: { paths: [{ path: '/a//b/..', pathType: 'Prefix', backend }] } }] }), undefined, [
      "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b/..\": must not contain '//'",
      "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b/..\": cannot end with '/..'",
    ]],
    ['checks backends', ingressDef, () => ing({ rules: [{ http: { paths: [
      { path: '/', pathType: 'Prefix', backend: {} },
      { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http', number: 80 } } } },
      { path: '/', pathType: 'Prefix', backend: { service: { name: '1web', port: { number: 70000 } } } },
    ] } }] }), undefined, [
      'spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required',
      'spec.rules[0].http.paths[1].backend: Invalid value: "": cannot set both port name & port number',
      "spec.rules[0].http.paths[2].backend.service.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      'spec.rules[0].http.paths[2].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]],
    ['requires the class annotation to match ingressClassName on create', ingressDef, () => ing({ ingressClassName: 'a', defaultBackend: backend }, { 'kubernetes.io/ingress.class': 'b' }), undefined, [
      'annotations.kubernetes.io/ingress.class: Invalid value: "b": must match `ingressClassName` when both are specified',
    ]],
    ['requires a domain-prefixed controller', ingressClassDef, () => ic({ controller: 'nginx' }), undefined, ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['requires a controller', ingressClassDef, () => ic({}), undefined, ['spec.controller: Required value']],
    ['requires a namespace for namespace-scoped parameters', ingressClassDef, () => ic({ controller: 'example.com/c', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } }), undefined, [
      "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
    ]],
    ['forbids a namespace for cluster-scoped parameters', ingressClassDef, () => ic({ controller: 'example.com/c', parameters: { kind: 'K', name: 'n', namespace: 'x' } }), undefined, [
      "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
    ]],
    ['keeps the controller immutable', ingressClassDef, () => ic({ controller: 'example.com/b' }), () => ic({ controller: 'example.com/a' }), ['spec.controller: Invalid value: "example.com/b": field is immutable']],
  ];
  for (const [name, def, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(def, make(), makeOld?.()), want));
  }
});

describe('networking tables', () => {
  it('prints a policy pod selector, or <none> when it selects every pod', () => {
    assert.deepEqual(networkPolicyDef.table?.row(np({ podSelector: { matchLabels: { b: '1', a: '2' }, matchExpressions: [{ key: 'c', operator: 'Exists' }] } }), NOW), ['np', 'a=2,b=1,c', '30s']);
    assert.deepEqual(networkPolicyDef.table?.row(np({ podSelector: {} }), NOW), ['np', '<none>', '30s']);
  });
  it('prints an ingress as NAME CLASS HOSTS ADDRESS PORTS AGE', () => {
    const o = ing({ ingressClassName: 'nginx', tls: [{}], rules: ['a', 'b', '', 'c', 'd'].map((host) => ({ host })) });
    o.status = { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.1' }] } };
    assert.deepEqual(ingressDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    assert.deepEqual(ingressDef.table?.row(o, NOW), ['web', 'nginx', 'a,b,c + 2 more...', '10.0.0.1,10.0.0.2,lb.example.com', '80, 443', '30s']);
    assert.deepEqual(ingressDef.table?.row(ing({ defaultBackend: backend }), NOW), ['web', '<none>', '*', '', '80', '30s']);
  });
  it('prints an ingress class controller and parameters reference', () => {
    assert.deepEqual(ingressClassDef.table?.row(ic({ controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'P', name: 'x' } }), NOW), ['nginx', 'k8s.io/ingress-nginx', 'P.k8s.example.com/x', '30s']);
    assert.deepEqual(ingressClassDef.table?.row(ic({ controller: 'k8s.io/c' }), NOW), ['nginx', 'k8s.io/c', '<none>', '30s']);
  });
});
