// Controllers on a real server with simulated nodes: EndpointSlice mirroring of custom Endpoints, Job pod-tracking
// finalizers / backoffLimitPerIndex / maxFailedIndexes / podReplacementPolicy, DaemonSet maxSurge, StatefulSet whenScaled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';

let s: K8tsServer;
before(async () => {
  s = await startServer(['--runtime', 'sim', '--sim-nodes', '2']);
});
after(async () => {
  await s.stop();
});

async function until(what: string, fn: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}\n${s.log().slice(-3000)}`);
}
const json = <T>(args: string[]): T => JSON.parse(s.k([...args, '-o', 'json'])) as T;
interface List<T> {
  items: T[];
}
interface Meta {
  metadata: { name: string; finalizers?: string[]; annotations?: Record<string, string>; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: Array<{ kind: string; name: string }> };
}
interface JobStatus {
  status: { succeeded?: number; failed?: number; terminating?: number; active?: number; failedIndexes?: string; uncountedTerminatedPods?: Record<string, unknown>; conditions?: Array<{ type: string; status: string; reason: string }> };
}
const apply = (ns: string, obj: unknown) => s.k(['apply', '-n', ns, '-f', '-'], JSON.stringify(obj));
const job = (ns: string, name: string) => json<JobStatus>(['get', 'job', name, '-n', ns]);
const jobPods = (ns: string, name: string) => json<List<Meta & { status: { phase: string } }>>(['get', 'pods', '-n', ns, '-l', `job-name=${name}`]).items;
const cond = (j: JobStatus, type: string) => j.status.conditions?.find((c) => c.type === type && c.status === 'True');

test('custom Endpoints of a selector-less Service are mirrored into EndpointSlices, and removed with the Service', async () => {
  s.k(['create', 'namespace', 'mirror']);
  apply('mirror', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  apply('mirror', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', labels: { team: 'a' } }, subsets: [{ addresses: [{ ip: '10.1.2.3' }], notReadyAddresses: [{ ip: '10.1.2.4' }], ports: [{ name: 'http', port: 8080 }] }] });
  type Slice = Meta & { addressType: string; endpoints?: Array<{ addresses: string[]; conditions: { ready: boolean } }>; ports?: Array<{ name: string; port: number; protocol: string }> };
  const slices = () => json<List<Slice>>(['get', 'endpointslices', '-n', 'mirror', '-l', 'endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io']).items;
  await until('a mirrored slice', () => slices().length === 1 && (slices()[0]?.endpoints?.length ?? 0) === 2);
  const sl = slices()[0]!;
  assert.equal(sl.metadata.labels?.['kubernetes.io/service-name'], 'ext');
  assert.equal(sl.metadata.labels?.team, 'a', 'Endpoints labels are copied');
  assert.equal(sl.addressType, 'IPv4');
  assert.deepEqual(sl.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(sl.endpoints!.map((e) => [e.addresses[0], e.conditions.ready]), [['10.1.2.3', true], ['10.1.2.4', false]]);
  assert.equal(sl.metadata.ownerReferences?.[0]?.kind, 'Service');
  apply('mirror', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', labels: { team: 'a' } }, subsets: [{ addresses: [{ ip: '10.1.2.5' }], ports: [{ name: 'http', port: 8080 }] }] });
  await until('the slice follows the Endpoints', () => slices()[0]?.endpoints?.map((e) => e.addresses[0]).join() === '10.1.2.5');
  // The apiserver's own kubernetes Endpoints carry skip-mirror.
  assert.equal(s.k(['get', 'endpointslices', '-n', 'default', '-l', 'endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io', '-o', 'name']).trim(), '');
  s.k(['delete', 'service', 'ext', '-n', 'mirror']);
  await until('mirrored slice removed with the Service', () => slices().length === 0);
});

test('Job pods carry the job-tracking finalizer until counted; counts survive pod deletion', async () => {
  s.k(['create', 'namespace', 'jt']);
  apply('jt', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'two' }, spec: { completions: 2, parallelism: 2, template: { metadata: { annotations: { 'sim.k8ts.io/run-seconds': '3' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
  await until('2 pods', () => jobPods('jt', 'two').length === 2);
  for (const p of jobPods('jt', 'two')) assert.ok(p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking'), `${p.metadata.name} has the tracking finalizer`);
  await until('Complete', () => Boolean(cond(job('jt', 'two'), 'Complete')));
  const j = job('jt', 'two');
  assert.equal(j.status.succeeded, 2);
  assert.deepEqual(j.status.uncountedTerminatedPods, {});
  await until('finalizers removed', () => jobPods('jt', 'two').every((p) => !p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')));
  s.k(['delete', 'pods', '-n', 'jt', '-l', 'job-name=two']);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(job('jt', 'two').status.succeeded, 2, 'the count lives in status, not in the pods');
});

test('backoffLimitPerIndex fails indexes one by one (FailedIndexes); maxFailedIndexes ends the Job early', async () => {
  const tmpl = { metadata: { annotations: { 'sim.k8ts.io/run-seconds': '1', 'sim.k8ts.io/exit-code': '1' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } };
  apply('jt', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'perindex' }, spec: { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1, template: tmpl } });
  await until('Failed', () => Boolean(cond(job('jt', 'perindex'), 'Failed')), 90_000);
  const j = job('jt', 'perindex');
  assert.equal(cond(j, 'Failed')?.reason, 'FailedIndexes');
  assert.equal(j.status.failedIndexes, '0,1');
  assert.equal(j.status.failed, 4, 'each index ran twice (backoffLimitPerIndex 1)');
  const retries = jobPods('jt', 'perindex').filter((p) => p.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'] === '1');
  assert.equal(retries.length, 2, 'the second pod of each index carries its failure count');

  apply('jt', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'maxfailed' }, spec: { completionMode: 'Indexed', completions: 3, parallelism: 1, backoffLimitPerIndex: 0, maxFailedIndexes: 0, template: tmpl } });
  await until('Failed', () => Boolean(cond(job('jt', 'maxfailed'), 'Failed')), 60_000);
  assert.equal(cond(job('jt', 'maxfailed'), 'Failed')?.reason, 'MaxFailedIndexesExceeded');
  assert.equal(jobPods('jt', 'maxfailed').length, 1, 'no other index was started');
});

test('podReplacementPolicy: TerminatingOrFailed replaces a deleted pod at once; Failed waits until it is Failed', async () => {
  const tmpl = { metadata: { annotations: { 'sim.k8ts.io/run-seconds': '600' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } };
  apply('jt', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'eager' }, spec: { template: tmpl } });
  await until('eager pod', () => jobPods('jt', 'eager').length === 1);
  const first = jobPods('jt', 'eager')[0]!.metadata.name;
  s.k(['delete', 'pod', first, '-n', 'jt', '--wait=false']);
  await until('replacement and the deleted pod counted failed', () => job('jt', 'eager').status.failed === 1 && jobPods('jt', 'eager').some((p) => p.metadata.name !== first && !p.metadata.deletionTimestamp));

  apply('jt', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'patient' }, spec: { podReplacementPolicy: 'Failed', template: tmpl } });
  await until('patient pod running', () => jobPods('jt', 'patient')[0]?.status.phase === 'Running');
  const p0 = jobPods('jt', 'patient')[0]!.metadata.name;
  s.k(['delete', 'pod', p0, '-n', 'jt', '--wait=false']);
  await until('status.terminating 1', () => job('jt', 'patient').status.terminating === 1);
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(jobPods('jt', 'patient').map((p) => p.metadata.name), [p0], 'no replacement while the old pod is terminating');
  // The kubelet's last word: the pod is Failed. Now it is counted and replaced.
  s.k(['patch', 'pod', p0, '-n', 'jt', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Failed' } })]);
  await until('replacement after Failed', () => job('jt', 'patient').status.failed === 1 && jobPods('jt', 'patient').some((p) => p.metadata.name !== p0));
  await until('the old pod released and gone', () => !jobPods('jt', 'patient').some((p) => p.metadata.name === p0));
});

test('DaemonSet RollingUpdate with maxSurge runs the new pod beside the old one until it is available', async () => {
  s.k(['create', 'namespace', 'dss']);
  const ds = (image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      minReadySeconds: 3,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image }] } },
    },
  });
  apply('dss', ds('agent:1'));
  type Ds = { status: { desiredNumberScheduled?: number; numberAvailable?: number } };
  await until('DaemonSet available on every node', () => {
    const st = json<Ds>(['get', 'ds', 'agent', '-n', 'dss']).status;
    return (st.desiredNumberScheduled ?? 0) >= 3 && st.numberAvailable === st.desiredNumberScheduled;
  });
  const desired = json<Ds>(['get', 'ds', 'agent', '-n', 'dss']).status.desiredNumberScheduled!;
  apply('dss', ds('agent:2'));
  let maxPods = 0;
  let minAvailableOld = Infinity;
  const image = (p: Meta & { spec?: { containers?: Array<{ image: string }> } }) => p.spec?.containers?.[0]?.image;
  await until('every pod on agent:2', () => {
    const pods = json<List<Meta & { spec: { containers: Array<{ image: string }> }; status: { phase: string } }>>(['get', 'pods', '-n', 'dss']).items.filter((p) => !p.metadata.deletionTimestamp);
    maxPods = Math.max(maxPods, pods.length);
    minAvailableOld = Math.min(minAvailableOld, pods.filter((p) => p.status.phase === 'Running').length);
    return pods.length === desired && pods.every((p) => image(p) === 'agent:2');
  }, 120_000);
  assert.equal(maxPods, desired + 1, 'one surge pod at a time (maxSurge 1)');
  assert.ok(minAvailableOld >= desired, 'never fewer running pods than nodes (maxUnavailable 0)');
});

test('StatefulSet whenScaled: Delete removes the PVCs of scaled-down ordinals, keeps the rest', async () => {
  s.k(['create', 'namespace', 'stsr']);
  apply('stsr', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      replicas: 3,
      serviceName: 'db',
      podManagementPolicy: 'Parallel',
      persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Retain' },
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });
  const pvcs = () => s.k(['get', 'pvc', '-n', 'stsr', '-o', 'name']).trim().split('\n').filter(Boolean).sort();
  await until('3 PVCs', () => pvcs().length === 3);
  s.k(['scale', 'sts', 'db', '-n', 'stsr', '--replicas=1']);
  await until('PVCs of db-1 and db-2 deleted', () => pvcs().join() === 'persistentvolumeclaim/data-db-0');
  const claim = json<Meta>(['get', 'pvc', 'data-db-0', '-n', 'stsr']);
  assert.ok(!(claim.metadata.ownerReferences ?? []).length, 'whenDeleted Retain: no owner on the kept claim');
  s.k(['patch', 'sts', 'db', '-n', 'stsr', '--type=merge', '-p', JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } } })]);
  await until('whenDeleted Delete: the StatefulSet owns its claims', () => (json<Meta>(['get', 'pvc', 'data-db-0', '-n', 'stsr']).metadata.ownerReferences ?? []).some((r) => r.kind === 'StatefulSet' && r.name === 'db'));
});
