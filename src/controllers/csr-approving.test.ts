// Table tests of the csrapproving rules: which kubelet client and serving requests are auto-approved.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { createCsr } from '../kubelet/index.js';
import { CLIENT_KUBELET_SIGNER, isNodeClientCert, parseCsr, servingProblem } from './csr-approving.js';

const facts = (cn: string, o: string[], dnsNames: string[] = [], ips: string[] = []) => parseCsr(createCsr({ commonName: cn, organizations: o, dnsNames, ips }).csrPem)!;
const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: 'n1' }] } };

describe('csrapproving', () => {
  test('parseCsr reads subject and SANs of a PKCS#10 request', () => {
    assert.deepEqual(facts('system:node:n1', ['system:nodes'], ['n1'], ['10.0.0.7']), { commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'], ips: ['10.0.0.7'], otherNames: [] });
    assert.equal(parseCsr('not a csr'), undefined);
  });

  const client: Array<[string, string, string[], ReturnType<typeof facts>, boolean]> = [
    ['a node client request is recognised', CLIENT_KUBELET_SIGNER, ['digital signature', 'client auth'], facts('system:node:n1', ['system:nodes']), true],
    ['key encipherment is allowed too', CLIENT_KUBELET_SIGNER, ['key encipherment', 'digital signature', 'client auth'], facts('system:node:n1', ['system:nodes']), true],
    ['another signer is not', 'kubernetes.io/kube-apiserver-client', ['digital signature', 'client auth'], facts('system:node:n1', ['system:nodes']), false],
    ['extra organisations are not', CLIENT_KUBELET_SIGNER, ['digital signature', 'client auth'], facts('system:node:n1', ['system:nodes', 'system:masters']), false],
    ['a CN outside system:node: is not', CLIENT_KUBELET_SIGNER, ['digital signature', 'client auth'], facts('admin', ['system:nodes']), false],
    ['SANs are not', CLIENT_KUBELET_SIGNER, ['digital signature', 'client auth'], facts('system:node:n1', ['system:nodes'], ['n1']), false],
    ['server auth is not', CLIENT_KUBELET_SIGNER, ['digital signature', 'server auth'], facts('system:node:n1', ['system:nodes']), false],
  ];
  for (const [name, signer, usages, f, want] of client) test(name, () => assert.equal(isNodeClientCert(signer, usages, f), want));

  const serving: Array<[string, ReturnType<typeof facts>, string, KObject | undefined, RegExp | undefined]> = [
    ['a node asking for its own addresses is approved', facts('system:node:n1', ['system:nodes'], ['n1'], ['10.0.0.7']), 'system:node:n1', node, undefined],
    ['a name that is not the node\'s is refused', facts('system:node:n1', ['system:nodes'], ['kubernetes.default.svc']), 'system:node:n1', node, /not addresses of the node: kubernetes.default.svc/],
    ['an IP that is not the node\'s is refused', facts('system:node:n1', ['system:nodes'], [], ['10.0.0.8']), 'system:node:n1', node, /10\.0\.0\.8/],
    ['asking for another node is refused', facts('system:node:n1', ['system:nodes'], ['n1']), 'system:node:n2', node, /not the node named/],
    ['no SANs at all is refused', facts('system:node:n1', ['system:nodes']), 'system:node:n1', node, /no DNS or IP/],
    ['an unknown node is refused', facts('system:node:n1', ['system:nodes'], ['n1']), 'system:node:n1', undefined, /does not exist/],
  ];
  for (const [name, f, requester, n, want] of serving) {
    test(name, () => {
      const got = servingProblem(['digital signature', 'server auth'], f, requester, n);
      if (want) assert.match(got ?? '', want);
      else assert.equal(got, undefined);
    });
  }
});
