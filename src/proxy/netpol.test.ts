import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildNetpolRules, type NetpolPod, type NetpolState, type NetworkPolicy } from './netpol.js';

const dir = new URL('./testdata/', import.meta.url).pathname;

function golden(name: string, text: string): void {
  const path = `${dir}netpol-${name}.txt`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  assert.equal(text, readFileSync(path, 'utf8'), `golden ${path} (UPDATE_GOLDEN=1 to rewrite)`);
}

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>, extra: Partial<NetpolPod> = {}): NetpolPod => ({ namespace, name, labels, ips: [ip], ports: [], nodeName: 'n1', ...extra });
const policy = (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });

function base(policies: NetworkPolicy[]): NetpolState {
  return {
    namespaces: [
      { name: 'alpha', labels: { 'kubernetes.io/metadata.name': 'alpha' } },
      { name: 'beta', labels: { 'kubernetes.io/metadata.name': 'beta', team: 'beta' } },
    ],
    pods: [
      pod('alpha', 'client', '10.42.0.10', { app: 'client' }),
      pod('alpha', 'web', '10.42.0.11', { app: 'web' }, { ports: [{ name: 'http', containerPort: 80 }, { name: 'alt', containerPort: 8080 }] }),
      pod('beta', 'client', '10.42.1.12', { app: 'client' }, { nodeName: 'n2' }),
      pod('beta', 'db', '10.42.1.13', { app: 'db' }, { nodeName: 'n2', ports: [{ name: 'pg', containerPort: 5432 }] }),
      pod('alpha', 'host', '192.168.1.5', { app: 'web' }, { hostNetwork: true }),
    ],
    policies,
  };
}

describe('NetworkPolicy rule generation (golden)', () => {
  it('no policy: only the top chain with the conntrack shortcut', () => {
    const rs = buildNetpolRules(base([]), { nodeName: 'n1' });
    golden('empty', rs.text);
    assert.deepEqual(rs.chains, ['K8TS-NWPLCY']);
  });

  it('ingress by podSelector and namespaceSelector, numeric and named ports, default deny', () => {
    const rs = buildNetpolRules(
      base([
        policy('alpha', 'web-allow', {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [
            { from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 80 }] },
            { from: [{ namespaceSelector: { matchLabels: { team: 'beta' } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'alt' }] },
          ],
        }),
      ]),
      { nodeName: 'n1' },
    );
    golden('ingress', rs.text);
    assert.match(rs.text, /-A K8TS-NWPLCY-I-\w+ -s 10\.42\.0\.10\/32 -p tcp -m tcp --dport 80 /, 'same-namespace client on port 80');
    assert.match(rs.text, /-A K8TS-NWPLCY-I-\w+ -s 10\.42\.1\.12\/32 -p tcp -m tcp --dport 8080 /, 'named port alt resolves to 8080 for the beta client');
    assert.doesNotMatch(rs.text, /10\.42\.1\.13\/32/, 'beta/db is not a client');
    assert.doesNotMatch(rs.text, /192\.168\.1\.5/, 'hostNetwork pods are neither policed nor peers');
    assert.match(rs.text, /-A K8TS-NWPLCY -d 10\.42\.0\.11\/32 .* -j K8TS-NWPLCY-I-/);
    assert.match(rs.text, /alpha\/web: no ingress policy allows this" -j DROP/);
  });

  it('egress with ipBlock except, port ranges and protocols; deny-all; only local pods get chains', () => {
    const rs = buildNetpolRules(
      base([
        policy('alpha', 'client-egress', {
          podSelector: { matchLabels: { app: 'client' } },
          policyTypes: ['Egress'],
          egress: [
            { to: [{ ipBlock: { cidr: '10.42.0.0/16', except: ['10.42.1.0/24'] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }] },
            { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 'pg' }] },
            { ports: [{ protocol: 'UDP', port: 53 }] },
          ],
        }),
        policy('beta', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      ]),
      { nodeName: 'n1' },
    );
    golden('egress', rs.text);
    assert.match(rs.text, /-A K8TS-NWPLCY-E-\w+ -d 10\.42\.0\.0\/16 -p tcp -m tcp --dport 8000:8100 .* -j K8TS-NWPLCY-X-/);
    assert.match(rs.text, /-A K8TS-NWPLCY-X-\w+ -d 10\.42\.1\.0\/24 -j RETURN/);
    assert.match(rs.text, /-d 10\.42\.1\.13\/32 -p tcp -m tcp --dport 5432 /, 'egress named port resolves on the peer pod');
    assert.match(rs.text, /-A K8TS-NWPLCY-E-\w+ -p udp -m udp --dport 53 /, 'a rule without peers allows any destination');
    assert.doesNotMatch(rs.text, /beta\/(client|db) (ingress|egress)/, 'beta pods live on n2: no chains here');
    const all = buildNetpolRules(base([policy('beta', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]));
    golden('deny-all', all.text);
    assert.equal(all.text.match(/-j DROP/g)?.length, 4, 'two beta pods × two directions');
  });
});
