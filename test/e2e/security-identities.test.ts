// Least privilege inside k8ts, live: the simulated node fleet runs as the narrow system:k8ts:sim-agent (not
// system:masters), the scheduler's extra rights come from the bootstrap policy (no admin-made role), and
// TaintNodesByCondition taints every new Node not-ready:NoSchedule until the node lifecycle controller lifts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

let s: K8tsServer;
const SIM = ['--as', 'system:k8ts:sim-agent', '--as-group', 'system:nodes'];

before(async () => {
  s = await startServer(['--runtime', 'none', '--sim-nodes', '2']);
});
after(async () => {
  await s?.stop();
});

describe('component identities', () => {
  test('the simulated fleet registers Ready nodes whose not-ready taint is lifted, without system:masters', async () => {
    await waitUntil('two sim nodes Ready and untainted', () => {
      const out = s.k(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} [{.spec.taints}]{"\\n"}{end}']);
      return /sim-node-00001 True \[(\[\])?\]/.test(out) && /sim-node-00002 True \[(\[\])?\]/.test(out);
    }, 90_000);
    const can = (args: string[]) => s.kubectl(['auth', 'can-i', ...args, ...SIM]).stdout.trim();
    assert.equal(can(['patch', 'nodes/status']), 'yes');
    assert.equal(can(['update', 'leases.coordination.k8s.io', '-n', 'kube-node-lease']), 'yes');
    assert.equal(can(['update', 'leases.coordination.k8s.io', '-n', 'kube-system']), 'no');
    assert.equal(can(['get', 'secrets', '-A']), 'no');
    assert.equal(can(['create', 'pods']), 'no');
    assert.equal(can(['create', 'clusterrolebindings']), 'no');
    assert.equal(can(['*', '*']), 'no');
    assert.match(s.k(['get', 'clusterrolebinding', 'k8ts:sim-agent', '-o', 'jsonpath={.subjects[0].name}']), /^system:k8ts:sim-agent$/);
  });

  test('the scheduler binds a pod and writes its decision with bootstrap-policy rights only', async () => {
    const role = s.k(['get', 'clusterrole', 'k8ts:kube-scheduler-extras', '-o', 'jsonpath={.metadata.labels.kubernetes\\.io/bootstrapping}']);
    assert.equal(role, 'rbac-defaults');
    const as = ['--as', 'system:kube-scheduler'];
    assert.equal(s.kubectl(['auth', 'can-i', 'patch', 'pods', ...as]).stdout.trim(), 'yes');
    assert.equal(s.kubectl(['auth', 'can-i', 'list', 'priorityclasses.scheduling.k8s.io', ...as]).stdout.trim(), 'yes');
    assert.equal(s.kubectl(['auth', 'can-i', 'get', 'secrets', ...as]).stdout.trim(), 'no');
    s.k(['run', 'idpod', '--image', 'nginx:1.27', '--restart', 'Never']);
    await waitUntil('idpod Running on a sim node', () => /sim-node-0000[12] Running/.test(s.k(['get', 'pod', 'idpod', '-o', 'jsonpath={.spec.nodeName} {.status.phase}'])), 60_000);
    const decision = s.k(['get', 'pod', 'idpod', '-o', 'jsonpath={.metadata.annotations.scheduler\\.k8ts\\.io/last-decision}']);
    assert.ok(decision.length > 0, 'decision annotation written by the scheduler');
  });

  test('TaintNodesByCondition: a new Node is created with node.kubernetes.io/not-ready:NoSchedule', () => {
    const node = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'tnbc-node' }, spec: { taints: [{ key: 'example.com/x', effect: 'NoSchedule' }] } });
    const out = JSON.parse(s.k(['create', '--dry-run=server', '-o', 'json', '-f', '-'], node)) as { spec: { taints: Array<{ key: string; effect: string }> } };
    assert.deepEqual(out.spec.taints.map((t) => `${t.key}:${t.effect}`), ['example.com/x:NoSchedule', 'node.kubernetes.io/not-ready:NoSchedule']);
  });
});
