// kubectl e2e of the workload controllers without nodes: ReplicaSets, Deployments, garbage collection, namespaces.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';

let s: K8tsServer;
before(async () => {
  // No scheduler and no node agent: these tests drive pod status themselves.
  s = await startServer(['--disable', 'scheduler,agent']);
});
after(async () => {
  await s.stop();
});

async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}\n${s.log().slice(-3000)}`);
}
const count = (out: string) => out.split('\n').filter((l) => l.trim()).length;
const pods = (ns: string, sel: string) => count(s.k(['get', 'pods', '-n', ns, '-l', sel, '-o', 'name']));

test('a ReplicaSet creates its pods, replaces a deleted one, scales, and reports status', async () => {
  s.k(['create', 'namespace', 'rs1']);
  s.k(['apply', '-n', 'rs1', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'fe' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'fe' } }, template: { metadata: { labels: { app: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }));
  await until('3 pods', () => pods('rs1', 'app=fe') === 3);
  const rs = JSON.parse(s.k(['get', 'rs', 'fe', '-n', 'rs1', '-o', 'json'])) as { metadata: { uid: string }; status: Record<string, number> };
  const pod = JSON.parse(s.k(['get', 'pods', '-n', 'rs1', '-l', 'app=fe', '-o', 'json'])) as { items: Array<{ metadata: { name: string; ownerReferences: Array<{ uid: string; controller: boolean; blockOwnerDeletion: boolean }> } }> };
  assert.deepEqual(pod.items[0]?.metadata.ownerReferences.map((r) => [r.uid, r.controller, r.blockOwnerDeletion]), [[rs.metadata.uid, true, true]]);
  s.k(['delete', 'pod', '-n', 'rs1', pod.items[0]?.metadata.name ?? '', '--wait=false']);
  await until('replacement', () => {
    const names = s.k(['get', 'pods', '-n', 'rs1', '-l', 'app=fe', '-o', 'name']);
    return count(names) === 3 && !names.includes(pod.items[0]?.metadata.name ?? '');
  });
  s.k(['scale', 'rs', 'fe', '-n', 'rs1', '--replicas=1']);
  await until('1 pod', () => pods('rs1', 'app=fe') === 1);
  await until('status', () => JSON.parse(s.k(['get', 'rs', 'fe', '-n', 'rs1', '-o', 'json'])).status.replicas === 1);
  // An orphan matching the selector is adopted (and the surplus deleted).
  s.k(['run', 'stray', '-n', 'rs1', '--image=nginx', '--labels=app=fe']);
  await until('adoption', () => pods('rs1', 'app=fe') === 1);
});

test('a Deployment rolls out ReplicaSets with revisions; scale, set image, history, undo, pause', async () => {
  s.k(['create', 'namespace', 'dep1']);
  s.k(['create', 'deployment', 'web', '-n', 'dep1', '--image=nginx:1', '--replicas=3']);
  await until('3 pods', () => pods('dep1', 'app=web') === 3);
  const rsList = () => JSON.parse(s.k(['get', 'rs', '-n', 'dep1', '-o', 'json'])) as { items: Array<{ metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> }; spec: { replicas: number } }> };
  const first = rsList().items[0];
  assert.ok(first?.metadata.labels['pod-template-hash']);
  assert.equal(first?.metadata.name, `web-${first?.metadata.labels['pod-template-hash']}`);
  assert.equal(first?.metadata.annotations['deployment.kubernetes.io/revision'], '1');
  const dep = JSON.parse(s.k(['get', 'deploy', 'web', '-n', 'dep1', '-o', 'json'])) as { metadata: { annotations: Record<string, string> }; status: { conditions: Array<{ type: string; reason: string }> } };
  assert.equal(dep.metadata.annotations['deployment.kubernetes.io/revision'], '1');
  s.k(['scale', 'deploy', 'web', '-n', 'dep1', '--replicas=5']);
  await until('5 pods', () => pods('dep1', 'app=web') === 5);
  s.k(['scale', 'deploy', 'web', '-n', 'dep1', '--replicas=2']);
  await until('2 pods', () => pods('dep1', 'app=web') === 2);
  s.k(['set', 'image', 'deploy/web', '-n', 'dep1', 'nginx=nginx:2']);
  await until('2 replica sets', () => rsList().items.length === 2);
  const hist = s.k(['rollout', 'history', 'deploy/web', '-n', 'dep1']);
  assert.match(hist, /^1\s/m);
  assert.match(hist, /^2\s/m);
  // Without nodes no pod becomes available: maxUnavailable 25% of 2 = 0, so the old RS keeps 2 and the new one surges to 1.
  await until('surge', () => rsList().items.map((x) => x.spec.replicas).sort().join() === '1,2');
  const status = JSON.parse(s.k(['get', 'deploy', 'web', '-n', 'dep1', '-o', 'json'])) as { status: { conditions: Array<{ type: string; status: string; reason: string }> } };
  assert.equal(status.status.conditions.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
  assert.equal(status.status.conditions.find((c) => c.type === 'Available')?.status, 'False');
  s.k(['rollout', 'undo', 'deploy/web', '-n', 'dep1']);
  await until('revision 3 on the first RS', () => rsList().items.some((x) => x.metadata.name === first?.metadata.name && x.metadata.annotations['deployment.kubernetes.io/revision'] === '3'));
  s.k(['rollout', 'pause', 'deploy/web', '-n', 'dep1']);
  await until('paused condition', () => /DeploymentPaused/.test(s.k(['get', 'deploy', 'web', '-n', 'dep1', '-o', 'json'])));
  s.k(['rollout', 'resume', 'deploy/web', '-n', 'dep1']);
  s.k(['rollout', 'restart', 'deploy/web', '-n', 'dep1']);
  await until('3 replica sets after restart', () => rsList().items.length === 3);
});

test('a Recreate Deployment with a progress deadline reports ProgressDeadlineExceeded', async () => {
  s.k(['create', 'namespace', 'dep2']);
  s.k(['apply', '-n', 'dep2', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'rc' },
    spec: { replicas: 2, progressDeadlineSeconds: 2, strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'rc' } }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }));
  await until('2 pods', () => pods('dep2', 'app=rc') === 2);
  await until('deadline exceeded', () => /ProgressDeadlineExceeded/.test(s.k(['get', 'deploy', 'rc', '-n', 'dep2', '-o', 'json'])), 15_000);
  const r = s.kubectl(['rollout', 'status', 'deploy/rc', '-n', 'dep2', '--timeout=5s']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /exceeded its progress deadline/);
  s.k(['set', 'image', 'deploy/rc', '-n', 'dep2', 'c=nginx:2']);
  const sizes = () => (JSON.parse(s.k(['get', 'rs', '-n', 'dep2', '-o', 'json'])) as { items: Array<{ spec: { replicas: number } }> }).items.map((x) => x.spec.replicas).sort().join();
  await until('old RS at 0, new RS at 2', () => sizes() === '0,2');
  await until('2 new pods', () => pods('dep2', 'app=rc') === 2);
});
