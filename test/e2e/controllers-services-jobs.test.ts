// kubectl e2e of EndpointSlices/Endpoints (pods made Ready through the status subresource) and Jobs (pods set Succeeded/Failed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../support/https.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { waitUntil } from '../support/wait.js';

let s: K8tsServer;
before(async () => {
  // No scheduler and no node agent: these tests drive pod status themselves.
  s = await startServer(['--disable', 'scheduler,agent']);
});
after(async () => {
  await s.stop();
});

const until = waitUntil;
type Pod = { metadata: { name: string; labels: Record<string, string> } };
const podsOf = (ns: string, sel: string) => (JSON.parse(s.k(['get', 'pods', '-n', ns, '-l', sel, '-o', 'json'])) as { items: Pod[] }).items;

async function setPodStatus(ns: string, name: string, status: Record<string, unknown>): Promise<void> {
  const r = await call(s, 'PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, { body: JSON.stringify({ status }), type: 'application/merge-patch+json' });
  assert.equal(r.code, 200, r.body);
}
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const ready = (ip: string, isReady = true) => ({ phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False', lastTransitionTime: now() }] });

test('expose gives a Service whose EndpointSlice and Endpoints list the Ready pods; the Deployment completes', async () => {
  s.k(['create', 'namespace', 'svc1']);
  s.k(['apply', '-n', 'svc1', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
  }));
  await until('3 pods', () => podsOf('svc1', 'app=web').length === 3);
  s.k(['expose', 'deployment', 'web', '-n', 'svc1', '--port=80', '--target-port=http']);
  const pods = podsOf('svc1', 'app=web');
  for (const [i, p] of pods.entries()) await setPodStatus('svc1', p.metadata.name, ready(`10.42.0.${i + 10}`, i < 2));
  const slice = () => (JSON.parse(s.k(['get', 'endpointslices', '-n', 'svc1', '-l', 'kubernetes.io/service-name=web', '-o', 'json'])) as { items: Array<{ addressType: string; ports: Array<{ port: number; name: string }>; endpoints?: Array<{ addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean }; targetRef: { name: string } }> }> }).items;
  await until('3 endpoints', () => (slice()[0]?.endpoints ?? []).length === 3);
  const sl = slice()[0];
  assert.equal(sl?.addressType, 'IPv4');
  assert.deepEqual(sl?.ports.map((p) => p.port), [8080]);
  assert.equal(sl?.endpoints?.filter((e) => e.conditions.ready).length, 2);
  await until('Endpoints', () => {
    const ep = JSON.parse(s.k(['get', 'endpoints', 'web', '-n', 'svc1', '-o', 'json'])) as { subsets?: Array<{ addresses?: unknown[]; notReadyAddresses?: unknown[] }> };
    return ep.subsets?.[0]?.addresses?.length === 2 && ep.subsets[0].notReadyAddresses?.length === 1;
  });
  const third = pods[2]?.metadata.name ?? '';
  await setPodStatus('svc1', third, ready('10.42.0.12'));
  const r = s.kubectl(['rollout', 'status', 'deploy/web', '-n', 'svc1', '--timeout=20s'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /successfully rolled out/);
  const dep = JSON.parse(s.k(['get', 'deploy', 'web', '-n', 'svc1', '-o', 'json'])) as { status: { conditions: Array<{ type: string; status: string; reason: string }> } };
  assert.equal(dep.status.conditions.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
  assert.equal(dep.status.conditions.find((c) => c.type === 'Available')?.status, 'True');
  // A pod that stops matching leaves the slice (its replacement has no IP yet).
  s.k(['label', 'pod', third, '-n', 'svc1', 'app=other', '--overwrite']);
  await until('2 endpoints', () => (slice()[0]?.endpoints ?? []).length === 2 && !(slice()[0]?.endpoints ?? []).some((e) => e.targetRef.name === third));
});

test('a Job completes when its pods succeed and kubectl wait returns; backoffLimit fails a Job', async () => {
  s.k(['create', 'namespace', 'job1']);
  s.k(['apply', '-n', 'job1', '-f', '-'], JSON.stringify({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' },
    spec: { completions: 2, parallelism: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  }));
  await until('2 pods', () => podsOf('job1', 'job-name=pi').length === 2);
  for (const p of podsOf('job1', 'job-name=pi')) await setPodStatus('job1', p.metadata.name, { phase: 'Succeeded' });
  const w = s.kubectl(['wait', '--for=condition=complete', 'job/pi', '-n', 'job1', '--timeout=20s'], { timeoutMs: 30_000 });
  assert.equal(w.code, 0, w.stderr);
  const job = JSON.parse(s.k(['get', 'job', 'pi', '-n', 'job1', '-o', 'json'])) as { status: { succeeded: number; completionTime?: string; conditions: Array<{ type: string }> } };
  assert.equal(job.status.succeeded, 2);
  assert.ok(job.status.completionTime);
  assert.deepEqual(job.status.conditions.map((c) => c.type).sort(), ['Complete', 'SuccessCriteriaMet']);

  s.k(['apply', '-n', 'job1', '-f', '-'], JSON.stringify({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bad' },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  }));
  await until('1 pod', () => podsOf('job1', 'job-name=bad').length === 1);
  await setPodStatus('job1', podsOf('job1', 'job-name=bad')[0]?.metadata.name ?? '', { phase: 'Failed' });
  const f = s.kubectl(['wait', '--for=condition=failed', 'job/bad', '-n', 'job1', '--timeout=20s'], { timeoutMs: 30_000 });
  assert.equal(f.code, 0, f.stderr);
  assert.match(s.k(['get', 'job', 'bad', '-n', 'job1', '-o', 'json']), /BackoffLimitExceeded/);

  s.k(['apply', '-n', 'job1', '-f', '-'], JSON.stringify({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'idx' },
    spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', ttlSecondsAfterFinished: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  }));
  await until('3 indexed pods', () => podsOf('job1', 'job-name=idx').length === 3);
  const idxPods = podsOf('job1', 'job-name=idx');
  assert.deepEqual(idxPods.map((p) => p.metadata.labels['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1', '2']);
  for (const p of idxPods) await setPodStatus('job1', p.metadata.name, { phase: 'Succeeded' });
  await until('ttl deletes the job', () => s.kubectl(['get', 'job', 'idx', '-n', 'job1']).code !== 0);
});
