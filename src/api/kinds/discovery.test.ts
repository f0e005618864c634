// Tests for discovery.k8s.io/v1 EndpointSlice: defaults, validation messages and table rows as upstream.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { DISCOVERY_RESOURCES, endpointSliceDef } from './discovery.js';

const es = (body: Record<string, unknown>): KObject => ({ metadata: { name: 'web-abc', namespace: 'default', creationTimestamp: '2024-05-01T11:59:00Z' }, ...body });

function check(o: KObject, old?: KObject): string[] {
  endpointSliceDef.defaults?.(o);
  return (endpointSliceDef.validate?.(o, old) ?? []).map(fieldErrText);
}

const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));

describe('EndpointSlice definition and defaults', () => {
  it('is namespaced discovery.k8s.io/v1 endpointslices with generation', () => {
    assert.deepEqual(DISCOVERY_RESOURCES, [endpointSliceDef]);
    const d = endpointSliceDef;
    assert.deepEqual([d.group, d.version, d.resource, d.namespaced, d.generation, d.schema], ['discovery.k8s.io', 'v1', 'endpointslices', true, true, 'io.k8s.api.discovery.v1.EndpointSlice']);
  });
  it('defaults port names to "" and protocols to TCP', () => {
    const o = es({ addressType: 'IPv4', ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    endpointSliceDef.defaults?.(o);
    assert.deepEqual(o.ports, [{ port: 80, name: '', protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }]);
  });
});

describe('EndpointSlice validation', () => {
  const cases: Array<[string, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts IPv4 endpoints with named ports', () => es({ addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.5'], hostname: 'pod-a' }], ports: [{ name: 'http', port: 80 }] }), undefined, []],
    ['requires an address type', () => es({}), undefined, ['addressType: Required value']],
    ['accepts only IPv4, IPv6 and FQDN address types on create', () => es({ addressType: 'IP' }), undefined, ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    ['tolerates the deprecated IP address type on update', () => es({ addressType: 'IP' }), () => es({ addressType: 'IP' }), []],
    ['keeps the address type immutable', () => es({ addressType: 'IPv6' }), () => es({ addressType: 'IPv4' }), ['addressType: Invalid value: "IPv6": field is immutable']],
    ['checks addresses against the address type', () => es({ addressType: 'IPv4', endpoints: [{ addresses: [] }, { addresses: ['fd00::1', '127.0.0.1', '169.254.1.1'] }] }), undefined, [
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
      'endpoints[1].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'endpoints[1].addresses[2]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ]],
    ['checks IPv6 and FQDN addresses', () => es({ addressType: 'FQDN', endpoints: [{ addresses: ['example.com', 'localhost'] }] }), undefined, [
      'endpoints[0].addresses[1]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
    ]],
    ['rejects more than 1000 endpoints', () => es({ addressType: 'IPv4', endpoints: many(1001, () => ({ addresses: ['10.0.0.1'] })) }), undefined, ['endpoints: Too many: 1001: must have at most 1000 items']],
    ['rejects more than 100 ports', () => es({ addressType: 'IPv4', ports: many(101, (i) => ({ name: `p${i}`, port: 1000 + i })) }), undefined, ['ports: Too many: 101: must have at most 100 items']],
    ['rejects more than 100 addresses in one endpoint', () => es({ addressType: 'IPv4', endpoints: [{ addresses: many(101, () => '10.0.0.1') }] }), undefined, ['endpoints[0].addresses: Too many: 101: must have at most 100 items']],
    ['rejects duplicate port names, bad protocols and bad hostnames', () => es({ addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], hostname: 'A_B' }], ports: [{ port: 80 }, { port: 81 }, { name: 'x', protocol: 'ICMP' }] }), undefined, [
      "endpoints[0].hostname: Invalid value: \"A_B\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'ports[1].name: Duplicate value: ""',
      'ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]],
    ['rejects duplicate zone hints', () => es({ addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], hints: { forZones: [{ name: 'a' }, { name: 'a' }] } }] }), undefined, ['endpoints[0].hints.forZones[1].name: Duplicate value: "a"']],
  ];
  for (const [name, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(make(), makeOld?.()), want));
  }
});

describe('EndpointSlice table', () => {
  const row = (o: KObject) => endpointSliceDef.table?.row(o, Date.parse('2024-05-01T12:00:00Z'));
  it('prints NAME ADDRESSTYPE PORTS ENDPOINTS AGE', () => {
    assert.deepEqual(endpointSliceDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    assert.deepEqual(row(es({ addressType: 'IPv4', ports: [{ port: 80 }, { name: 'x' }, {}], endpoints: [{ addresses: ['10.0.0.1'] }] })), ['web-abc', 'IPv4', '80,x,*', '10.0.0.1', '60s']);
  });
  it('shows three ports and endpoints, then how many more, and <unset> when empty', () => {
    const o = es({ addressType: 'IPv4', ports: many(5, (i) => ({ port: i + 1 })), endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4'] }] });
    assert.deepEqual(row(o)?.slice(2, 4), ['1,2,3 + 2 more...', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...']);
    assert.deepEqual(row(es({ addressType: 'FQDN' }))?.slice(2, 4), ['<unset>', '<unset>']);
  });
});
