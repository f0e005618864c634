// The node controllers in a standalone `k8ts controller-manager` (nodeipam, nodelifecycle, taint-eviction-controller):
// podCIDRs, zone-rate-limited NoExecute tainting (--node-eviction-rate) and the full-disruption stop, with sim nodes in 2 zones.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { startControllerManager, type ControllerManagerProcess } from '../support/controller-manager.js';

let s: K8tsServer;
let cm: ControllerManagerProcess;
const NODES = Array.from({ length: 6 }, (_, i) => `sim-node-0000${i + 1}`);
const ZA = NODES.slice(0, 3);
const ZB = NODES.slice(3);

interface Node {
  metadata: { name: string };
  spec: { podCIDR?: string; taints?: Array<{ key: string; effect: string; timeAdded?: string }> };
  status: { conditions?: Array<{ type: string; status: string }> };
}

before(async () => {
  s = await startServer(['--runtime', 'none', '--sim-nodes', '6', '--node-monitor-grace-period', '4s', '--disable', 'controllers,scheduler']);
  cm = startControllerManager(s, ['--secure-port=-1', '--controllers', 'nodeipam,nodelifecycle,taint-eviction-controller', '--node-monitor-grace-period', '4s', '--node-eviction-rate', '0.2', '--cluster-cidr', '10.77.0.0/16']);
});

after(async () => {
  await cm.stop();
  await s.stop();
});

const until = (what: string, fn: () => boolean, ms = 60_000) => cm.until(what, fn, ms);

const nodes = (): Node[] => (JSON.parse(s.k(['get', 'nodes', '-o', 'json'])) as { items: Node[] }).items;
const ready = (n: Node) => n.status.conditions?.find((c) => c.type === 'Ready')?.status;
const noExec = (n: Node) => n.spec.taints?.find((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
const byName = (name: string) => nodes().find((n) => n.metadata.name === name)!;
const podExists = (name: string) => s.kubectl(['get', 'pod', name]).code === 0;
/** Evicted: deleted, or Terminating (a dead node's kubelet never confirms the deletion). */
const evicted = (name: string) => {
  const r = s.kubectl(['get', 'pod', name, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
  return r.code !== 0 || r.stdout.trim() !== '';
};

function pod(name: string, node: string, tolerationSeconds: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: node,
      containers: [{ name: 'c', image: 'busybox' }],
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds }],
    },
  });
}

test('the standalone manager allocates podCIDRs, rate-limits NoExecute tainting per zone, and stops evicting when every zone is down', async () => {
  await until('6 Ready nodes with podCIDRs from --cluster-cidr', () => {
    const ns = nodes();
    return ns.length === 6 && ns.every((n) => ready(n) === 'True' && n.spec.podCIDR?.startsWith('10.77.'));
  });
  s.k(['label', 'node', ...ZA, 'topology.kubernetes.io/zone=za']);
  s.k(['label', 'node', ...ZB, 'topology.kubernetes.io/zone=zb']);
  s.k(['apply', '-f', '-'], pod('victim', ZA[0]!, 1));
  for (const n of ZB) s.k(['apply', '-f', '-'], pod(`keep-${n}`, n, 8));

  // Two of three nodes in zone za die together: the zone stays Normal (not > 2 not-ready), so
  // NoExecute taints come at --node-eviction-rate 0.2/s: the second one about 5 s after the first.
  s.k(['annotate', 'node', ZA[0]!, ZA[1]!, 'sim.k8ts.io/stopped=true']);
  await until('both stopped za nodes Unknown and tainted NoExecute', () => [ZA[0]!, ZA[1]!].every((n) => ready(byName(n)) === 'Unknown' && noExec(byName(n))));
  const [t1, t2] = [ZA[0]!, ZA[1]!].map((n) => Date.parse(noExec(byName(n))!.timeAdded!));
  const gap = Math.abs(t1! - t2!) / 1000;
  assert.ok(gap >= 4, `NoExecute taints ${gap}s apart, want >= 4s (one node per 5s in the zone)`);
  await until('the non-tolerating pod on the dead za node evicted', () => evicted('victim'));

  // Every remaining node dies: all zones fully disrupted → no NoExecute taints anywhere, no evictions.
  s.k(['annotate', 'node', ZA[2]!, ...ZB, 'sim.k8ts.io/stopped=true']);
  await until('all nodes Unknown', () => nodes().every((n) => ready(n) === 'Unknown'));
  await until('NoExecute taints lifted from every node (master disruption mode)', () => nodes().every((n) => !noExec(n)));
  await until('the manager reports master disruption mode', () => /every zone is fully disrupted/.test(cm.log()), 20_000);
  const calm = Date.now() + 10_000; // longer than the keep pods' tolerationSeconds (8)
  while (Date.now() < calm) {
    assert.ok(nodes().every((n) => !noExec(n)), 'no NoExecute taint is added while every zone is fully disrupted');
    await new Promise((r) => setTimeout(r, 1000));
  }
  for (const n of ZB) assert.ok(podExists(`keep-${n}`) && !evicted(`keep-${n}`), `pod keep-${n} was not evicted`);

  // Recovery: heartbeats resume, the controller's taints go.
  s.k(['annotate', 'node', ...NODES, 'sim.k8ts.io/stopped-']);
  await until('every node Ready and untainted', () => nodes().every((n) => ready(n) === 'True' && !(n.spec.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'))));
});
