// Framework behaviour against a real API server, with the scheduler in this process so the test can
// see its queue: per-plugin queueing hints decide which cluster events retry an unschedulable pod;
// Permit `Wait` holds pods until a coscheduling-like plugin lets a whole group through (or a timeout /
// another pod rejects them); default topology spread constraints select pods through their Services.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Client } from '../../src/client/index.js';
import { readKubeconfig } from '../../src/pki/index.js';
import { Code, Status, setupScheduler, type Handle, type Plugin, type Pod, type SchedulerSetup } from '../../src/scheduler/index.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { addNode, apply, nodeOf, pendingMessage, pod, reset, waitFor } from './scheduler-support.js';

/**
 * A coscheduling-like Permit plugin (the idea of scheduler-plugins' Coscheduling):
 * pods labelled `pod-group: G` with `min-available: N` wait at Permit until N
 * of the group are waiting, then all go on; `timeout-ms` bounds the wait. A pod
 * labelled `cancel-group: G` rejects the group's waiting pods (another plugin's rejection).
 */
function newCoscheduling(_args: Record<string, unknown>, h: Handle): Plugin {
  const name = 'Coscheduling';
  const group = (p: Pod) => p.metadata.labels?.['pod-group'];
  return {
    name,
    permit(_state, p) {
      const cancel = p.metadata.labels?.['cancel-group'];
      if (cancel) for (const w of h.waitingPods()) if (group(w.pod) === cancel) w.reject(name, `group ${cancel} cancelled by ${p.metadata.name}`);
      const g = group(p);
      if (!g) return [undefined, 0];
      const min = Number(p.metadata.labels?.['min-available'] ?? 1);
      const waiting = h.waitingPods().filter((w) => group(w.pod) === g);
      if (waiting.length + 1 >= min) {
        for (const w of waiting) w.allow(name);
        return [undefined, 0];
      }
      return [new Status(Code.Wait), Number(p.metadata.labels?.['timeout-ms'] ?? 60_000)];
    },
  };
}

const GANG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: gang-scheduler
  plugins:
    permit:
      enabled:
      - name: Coscheduling
- schedulerName: spread-scheduler
  pluginConfig:
  - name: PodTopologySpread
    args:
      defaultingType: List
      defaultConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
`;

let s: K8tsServer;
let client: Client;
let setup: SchedulerSetup;
const ac = new AbortController();
let running: Promise<void>;

before(async () => {
  // No scheduler in the server: the one under test runs here, so the test can see its queue.
  s = await startServer(['--disable', 'agent,controllers,scheduler']);
  const kc = await readKubeconfig(join(s.dataDir, 'kubeconfig.yaml'));
  client = new Client({ server: kc.server, caPem: kc.caPem, clientCertPem: kc.clientCertPem, clientKeyPem: kc.clientKeyPem });
  setup = setupScheduler(client, parse(GANG), { outOfTreeRegistry: { Coscheduling: newCoscheduling }, log: () => undefined });
  running = setup.run(ac.signal);
});
after(async () => {
  ac.abort();
  await running?.catch(() => undefined);
  await client?.close();
  await s?.stop();
});
beforeEach(async () => {
  await reset(s);
});

test('queueing hints: a pod rejected by NodeResourcesFit is not retried on unrelated events, and is on a pod deletion', async () => {
  const sched = setup.scheduler;
  await addNode(s, 'full', { pods: '1' });
  await addNode(s, 'infra', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] });
  apply(s, pod('a'));
  assert.equal(await nodeOf(s, 'a'), 'full');
  apply(s, pod('b'));
  assert.equal(
    await pendingMessage(s, 'b'),
    '0/2 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint {dedicated: infra}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
  );
  const bObj = { metadata: { namespace: 'default', name: 'b' } } as Pod;
  await waitFor(() => (sched.queue.isParked(bObj) ? true : undefined), 30_000, 'b parked');
  const failed = sched.failed;
  // Unrelated events: another pod's labels, node labels (no allocatable change, taints unchanged).
  s.k(['label', 'pod', 'a', 'color=blue']);
  s.k(['label', 'node', 'full', 'tier=gold']);
  s.k(['label', 'node', 'infra', 'ready-for=c']);
  // Barrier: c can only be placed once the scheduler has seen infra's new label (and, earlier in the
  // same pod watch, a's label change).
  apply(s, pod('c', { spec: { nodeSelector: { 'ready-for': 'c' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] } }));
  assert.equal(await nodeOf(s, 'c', 'default'), 'infra');
  assert.ok(sched.queue.isParked(bObj), 'b must still be parked after events that cannot help it');
  assert.equal(sched.failed, failed, 'b must not have been retried');
  assert.equal(s.k(['get', 'pod', 'b', '-o', 'jsonpath={.spec.nodeName}']), '');
  // Deleting the pod on the full node frees a slot: NodeResourcesFit's hint queues b, which lands.
  s.k(['delete', 'pod', 'a', '--force', '--grace-period=0']);
  assert.equal(await nodeOf(s, 'b'), 'full');
});

test('Permit Wait: a group waits until min-available pods are permitted, then all bind', async () => {
  await addNode(s, 'g1');
  const member = (n: string, extra: Record<string, string> = {}) => pod(n, { labels: { 'pod-group': 'g', 'min-available': '3', ...extra }, spec: { schedulerName: 'gang-scheduler' } });
  apply(s, member('gang-1'), member('gang-2'));
  await waitFor(() => (waitingIn('g') === 2 ? true : undefined), 30_000, 'two pods waiting at Permit');
  // Waiting pods are reserved on the node but not bound.
  assert.equal(s.k(['get', 'pod', 'gang-1', 'gang-2', '-o', 'jsonpath={.items[*].spec.nodeName}']).trim(), '');
  apply(s, member('gang-3'));
  for (const n of ['gang-1', 'gang-2', 'gang-3']) assert.equal(await nodeOf(s, n), 'g1');
  assert.equal(waitingIn('g'), 0);
});

test('Permit Wait: the timeout rejects a waiting pod with upstream\'s message; another plugin can reject waiting pods', async () => {
  await addNode(s, 'g2');
  apply(s, pod('lonely', { labels: { 'pod-group': 't', 'min-available': '2', 'timeout-ms': '1500' }, spec: { schedulerName: 'gang-scheduler' } }));
  assert.equal(await pendingMessage(s, 'lonely'), 'rejected due to timeout after waiting 1.5s at plugin Coscheduling');
  apply(s, pod('waiter', { labels: { 'pod-group': 'r', 'min-available': '5' }, spec: { schedulerName: 'gang-scheduler' } }));
  await waitFor(() => (waitingIn('r') === 1 ? true : undefined), 30_000, 'waiter waiting');
  apply(s, pod('canceller', { labels: { 'cancel-group': 'r' }, spec: { schedulerName: 'gang-scheduler' } }));
  assert.equal(await nodeOf(s, 'canceller'), 'g2');
  assert.equal(await pendingMessage(s, 'waiter'), 'group r cancelled by canceller');
  assert.equal(s.k(['get', 'pod', 'waiter', '-o', 'jsonpath={.spec.nodeName}']), '');
});

test('default topology spread constraints apply to pods a Service selects (upstream DefaultSelector)', async () => {
  await addNode(s, 'n1');
  await addNode(s, 'n2', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] });
  const web = (n: string, extra: Record<string, unknown> = {}) => pod(n, { labels: { app: 'web' }, spec: { schedulerName: 'spread-scheduler', ...extra } });
  apply(s, web('w1', { nodeName: 'n1' }), web('w2', { nodeName: 'n1' }));
  // No Service or controller selects the pods yet: no default constraint, so n1 takes a third.
  apply(s, web('before'));
  assert.equal(await nodeOf(s, 'before'), 'n1');
  apply(s, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  await waitFor(() => (setup.factory.informerFor('services').get('default', 'web') ? true : undefined), 30_000, 'service seen by the scheduler');
  try {
    // Now the hostname constraint (maxSkew 1) counts n1's 3 web pods against n2's 0: n1 is out, n2 is tainted.
    apply(s, web('after'));
    assert.equal(
      await pendingMessage(s, 'after'),
      "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint {dedicated: infra}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    );
    // Pods the Service does not select are not constrained.
    apply(s, pod('other', { labels: { app: 'db' }, spec: { schedulerName: 'spread-scheduler' } }));
    assert.equal(await nodeOf(s, 'other'), 'n1');
  } finally {
    s.k(['delete', 'service', 'web', '--ignore-not-found']);
  }
});

function waitingIn(group: string): number {
  const fw = setup.scheduler.profile('gang-scheduler');
  return [...(fw?.waitingPods.values() ?? [])].filter((w) => w.pod.metadata.labels?.['pod-group'] === group).length;
}
