// kubectl e2e for simulated nodes: registration, podCIDRs, Leases, pod lifecycle through the sim runtime, node failure and recovery.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { call } from '../support/https.js';

interface Obj {
  metadata: { name: string; deletionTimestamp?: string; resourceVersion?: string };
  spec?: { podCIDR?: string; taints?: Array<{ key: string; effect: string }> };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{ restartCount: number; state: Record<string, { reason?: string }>; ready: boolean }>;
  };
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const inCidr = (ip: string, cidr: string) => ip.split('.').slice(0, 3).join('.') === cidr.split('.').slice(0, 3).join('.');

describe('k8ts server --runtime none --sim-nodes 3', () => {
  let s: K8tsServer;
  const get = (args: string[]): Obj => JSON.parse(s.k(['get', ...args, '-o', 'json'])) as Obj;
  const list = (args: string[]): Obj[] => (JSON.parse(s.k(['get', ...args, '-o', 'json'])) as { items: Obj[] }).items;
  const bind = async (pod: string, node: string) => {
    const r = await call(s, 'POST', `/api/v1/namespaces/default/pods/${pod}/binding`, { body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod }, target: { kind: 'Node', name: node } } });
    assert.equal(r.code, 201, r.body);
  };
  const pod = (name: string, extra: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n${extra}`;

  before(async () => {
    s = await startServer(['--runtime', 'none', '--sim-nodes', '3', '--node-monitor-grace-period', '3s', '--disable', 'scheduler']);
  });
  after(async () => {
    await s?.stop();
  });

  test('three nodes become Ready with distinct podCIDRs, upstream labels, capacity and conditions', async () => {
    const nodes = await waitFor('3 Ready nodes with podCIDRs', () => {
      const items = list(['nodes']);
      return items.length === 3 && items.every((n) => n.spec?.podCIDR && n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') && items;
    });
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ['sim-node-00001', 'sim-node-00002', 'sim-node-00003']);
    assert.equal(new Set(nodes.map((n) => n.spec?.podCIDR)).size, 3);
    for (const n of nodes) assert.match(n.spec?.podCIDR ?? '', /^10\.42\.\d+\.0\/24$/);
    const n1 = JSON.parse(s.k(['get', 'node', 'sim-node-00001', '-o', 'json'])) as { metadata: { labels: Record<string, string> }; status: { capacity: Record<string, string>; conditions: Array<{ type: string; reason: string; message: string }> } };
    assert.equal(n1.metadata.labels['kubernetes.io/hostname'], 'sim-node-00001');
    assert.equal(n1.metadata.labels['kubernetes.io/os'], 'linux');
    assert.equal(n1.status.capacity.pods, '110');
    const ready = n1.status.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.reason, 'KubeletReady');
    assert.equal(ready?.message, 'kubelet is posting ready status');
    assert.deepEqual(n1.status.conditions.map((c) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
    assert.match(s.k(['get', 'nodes']), /sim-node-00002\s+Ready/);
  });

  test('node Leases in kube-node-lease are renewed', async () => {
    const renew = () => (JSON.parse(s.k(['get', 'lease', '-n', 'kube-node-lease', 'sim-node-00001', '-o', 'json'])) as { spec: { renewTime: string; holderIdentity: string } }).spec;
    const first = renew();
    assert.equal(first.holderIdentity, 'sim-node-00001');
    await waitFor('a renewal', () => renew().renewTime !== first.renewTime, 10_000);
  });

  test('a pod bound by hand becomes Running with an IP in its node podCIDR', async () => {
    s.k(['apply', '-f', '-'], pod('web', 'spec:\n  initContainers: [{name: init, image: busybox}]\n  containers: [{name: c, image: nginx}]\n'));
    await bind('web', 'sim-node-00002');
    const p = await waitFor('web Running', () => {
      const o = get(['pod', 'web']);
      return o.status?.phase === 'Running' && o.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && o;
    });
    const node = get(['node', 'sim-node-00002']);
    assert.ok(inCidr(p.status?.podIP ?? '', node.spec?.podCIDR ?? ''), `${p.status?.podIP} in ${node.spec?.podCIDR}`);
    assert.deepEqual(p.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    assert.match(s.k(['get', 'pod', 'web']), /web\s+1\/1\s+Running/);
  });

  test('a Job-like pod (restartPolicy Never) Succeeds after its run time', async () => {
    s.k(['apply', '-f', '-'], pod('job', '  annotations: {sim.k8ts.io/run-seconds: "1"}\nspec:\n  restartPolicy: Never\n  containers: [{name: c, image: busybox}]\n'));
    await bind('job', 'sim-node-00001');
    await waitFor('job Succeeded', () => get(['pod', 'job']).status?.phase === 'Succeeded');
    assert.match(s.k(['get', 'pod', 'job']), /Completed/);
  });

  test('an exit-code pod fails (Never) or restarts with CrashLoopBackOff (OnFailure)', async () => {
    s.k(['apply', '-f', '-'], pod('fail', '  annotations: {sim.k8ts.io/exit-code: "2", sim.k8ts.io/run-seconds: "0.5"}\nspec:\n  restartPolicy: Never\n  containers: [{name: c, image: busybox}]\n'));
    s.k(['apply', '-f', '-'], pod('crash', '  annotations: {sim.k8ts.io/exit-code: "3", sim.k8ts.io/run-seconds: "0.5"}\nspec:\n  restartPolicy: OnFailure\n  containers: [{name: c, image: busybox}]\n'));
    await bind('fail', 'sim-node-00001');
    await bind('crash', 'sim-node-00001');
    await waitFor('fail Failed', () => get(['pod', 'fail']).status?.phase === 'Failed');
    await waitFor('crash in CrashLoopBackOff', () => get(['pod', 'crash']).status?.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
    await waitFor('crash restarted', () => (get(['pod', 'crash']).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 20_000);
    assert.equal(get(['pod', 'crash']).status?.phase, 'Running');
  });

  test('a stopped node goes Unknown, is tainted, its pods are evicted (tolerationSeconds honoured), and it recovers', async () => {
    // DefaultTolerationSeconds admission gives every pod 300 s; the victim asks for 0 (leave at once).
    s.k(['apply', '-f', '-'], pod('victim', 'spec:\n  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 0}]\n  containers: [{name: c, image: nginx}]\n'));
    s.k(['apply', '-f', '-'], pod('patient', 'spec:\n  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}]\n  containers: [{name: c, image: nginx}]\n'));
    await bind('victim', 'sim-node-00003');
    await bind('patient', 'sim-node-00003');
    await waitFor('pods Running', () => get(['pod', 'victim']).status?.phase === 'Running' && get(['pod', 'patient']).status?.phase === 'Running');
    s.k(['annotate', 'node', 'sim-node-00003', 'sim.k8ts.io/stopped=true']);
    const node = await waitFor('node Unknown and tainted', () => {
      const n = get(['node', 'sim-node-00003']);
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'Unknown' && n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') && n;
    }, 20_000);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'NodeStatusUnknown');
    assert.ok(node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule'));
    assert.match(s.k(['get', 'node', 'sim-node-00003']), /NotReady/);
    const tainted = Date.now();
    await waitFor('pods of the lost node marked not Ready', () => get(['pod', 'patient']).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False', 3000);
    await waitFor('victim evicted', () => get(['pod', 'victim']).metadata.deletionTimestamp, 5000);
    assert.equal(get(['pod', 'patient']).metadata.deletionTimestamp, undefined, 'the tolerating pod stays for its tolerationSeconds');
    await waitFor('patient evicted', () => get(['pod', 'patient']).metadata.deletionTimestamp, 8000);
    const waited = Date.now() - tainted;
    assert.ok(waited >= 1000, `patient left after ${waited} ms`);
    const events = s.k(['get', 'events', '--field-selector', 'reason=TaintManagerEviction']);
    assert.match(events, /Marking for deletion Pod default\/victim/);
    assert.match(events, /Marking for deletion Pod default\/patient/);

    s.k(['annotate', 'node', 'sim-node-00003', 'sim.k8ts.io/stopped-']);
    await waitFor('node Ready and untainted', () => {
      const n = get(['node', 'sim-node-00003']);
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !(n.spec?.taints ?? []).length;
    }, 15_000);
    // Back alive, the agent finishes the evictions: the pods are deleted.
    await waitFor('evicted pods gone', () => !/victim|patient/.test(s.k(['get', 'pods', '-o', 'name'])), 10_000);
  });
});
