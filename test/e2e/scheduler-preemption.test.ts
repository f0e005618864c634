// Preemption with PriorityClasses and a PodDisruptionBudget, and `k8ts explain pod` reading the scheduler's last decision.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { addNode, apply, nodeOf, pendingMessage, pod, reset, waitFor } from './scheduler-support.js';

const root = new URL('../../', import.meta.url).pathname;
let s: K8tsServer;
before(async () => {
  s = await startServer(['--disable', 'agent,controllers']);
});
after(async () => {
  await s?.stop();
});
beforeEach(async () => {
  await reset(s);
});

const pc = (name: string, value: number) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name, labels: { e2e: 'sched' } }, value });
const explain = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', 'pod', ...args, '--kubeconfig', s.kubeconfig], { cwd: root, encoding: 'utf8' });

test('a high-priority pod preempts the lowest-priority pod, respecting a PDB; the victim gets a Preempted event', async () => {
  apply(s, pc('e2e-low', 100), pc('e2e-mid', 500), pc('e2e-high', 1000));
  await addNode(s, 'n1', { cpu: '2' });
  await addNode(s, 'n2', { cpu: '2' });
  apply(
    s,
    pod('low-1', { cpu: '2', labels: { app: 'low' }, spec: { priorityClassName: 'e2e-low', nodeName: undefined } }),
    pod('guarded', { cpu: '2', labels: { app: 'guarded' }, spec: { priorityClassName: 'e2e-low' } }),
  );
  const n1 = await nodeOf(s, 'low-1');
  const n2 = await nodeOf(s, 'guarded');
  assert.notEqual(n1, n2);
  apply(s, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard', namespace: 'default', labels: { e2e: 'sched' } }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } });
  // Without a disruption controller, the PDB's status is written here as it would compute it.
  s.k(['patch', 'pdb', 'guard', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, observedGeneration: 1 } })]);
  apply(s, pod('vip', { cpu: '2', spec: { priorityClassName: 'e2e-high' } }));
  assert.equal(await nodeOf(s, 'vip'), n1);
  const gone = s.kubectl(['get', 'pod', 'low-1']);
  assert.notEqual(gone.code, 0, 'the victim was deleted');
  assert.match(gone.stderr, /not found/);
  assert.equal(s.k(['get', 'pod', 'guarded', '-o', 'jsonpath={.spec.nodeName}']), n2);
  const ev = await waitFor(() => s.k(['get', 'events', '--field-selector', 'involvedObject.name=low-1,reason=Preempted', '-o', 'jsonpath={.items[0].message}']).trim() || undefined);
  assert.match(ev, new RegExp(`^Preempted by pod .+ on node ${n1}$`));
});

test('preemptionPolicy Never and equal priority do not preempt', async () => {
  apply(s, pc('e2e-low', 100), { ...pc('e2e-never', 1000), preemptionPolicy: 'Never' });
  await addNode(s, 'n1', { cpu: '1' });
  apply(s, pod('low', { cpu: '1', spec: { priorityClassName: 'e2e-low' } }));
  await nodeOf(s, 'low');
  apply(s, pod('polite', { cpu: '1', spec: { priorityClassName: 'e2e-never', preemptionPolicy: 'Never' } }));
  assert.equal(await pendingMessage(s, 'polite'), '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  apply(s, pod('peer', { cpu: '1', spec: { priorityClassName: 'e2e-low' } }));
  assert.equal(await pendingMessage(s, 'peer'), '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
});

test('k8ts explain pod: rejections per node for a pending pod, scores and the winner for a placed one', async () => {
  await addNode(s, 'infra', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] });
  await addNode(s, 'big', { cpu: '8', memory: '16Gi' });
  await addNode(s, 'tiny', { cpu: '1', memory: '2Gi' });
  apply(s, pod('placed', { cpu: '500m' }));
  const node = await nodeOf(s, 'placed');
  assert.equal(node, 'big', 'LeastAllocated and balance favour the big node');
  const out = await waitFor(() => {
    const r = explain('placed');
    return r.stdout.includes('scheduled on') ? r.stdout : undefined;
  });
  assert.match(out, /^Pod default\/placed: scheduled on big \(profile default-scheduler/);
  assert.match(out, /infra\s+TaintToleration\s+node\(s\) had untolerated taint \{dedicated: infra\}/);
  assert.match(out, /\*\s+big\s+\d+/);
  assert.match(out, /NodeResourcesFit/);
  apply(s, pod('stuck', { cpu: '10' }));
  await pendingMessage(s, 'stuck');
  const pending = await waitFor(() => {
    const r = explain('stuck', '-n', 'default');
    return r.stdout.includes('unschedulable') ? r.stdout : undefined;
  });
  assert.match(pending, /Message: 0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: infra\}, 2 Insufficient cpu\./);
  assert.match(pending, /big\s+NodeResourcesFit\s+Insufficient cpu/);
  assert.match(pending, /tiny\s+NodeResourcesFit\s+Insufficient cpu/);
  const missing = explain('nope');
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /pods "nope" not found/);
});
