// pods/eviction and pods/ephemeralcontainers through real kubectl: PDB 429s, allowed evictions, kubectl drain, kubectl debug-style patches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessBinary } from '../support/require.js';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { call } from '../support/https.js';

/** Minimal protobuf writer: a varint, a length-delimited field, and the k8s envelope (magic + runtime.Unknown). */
const varint = (n: number): Buffer => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
};
const field = (no: number, v: Buffer | string): Buffer => {
  const b = typeof v === 'string' ? Buffer.from(v) : v;
  return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
};
const intField = (no: number, n: number): Buffer => Buffer.concat([varint(no << 3), varint(n)]);
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])), field(2, raw)]);

const pod = (name: string, labels: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {${labels}}}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: main, image: nginx:1.27}]
`;

const pdb = (name: string, sel: string) => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}}
spec: {minAvailable: 1, selector: {matchLabels: {${sel}}}}
`;

const eviction = (name: string, extra = '') => JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(extra ? JSON.parse(extra) : {}) });

describe('pods/eviction and pods/ephemeralcontainers', { skip: skipUnlessBinary('kubectl', 'any kubectl 1.32') }, () => {
  let s: K8tsServer;
  const run = (name: string) => s.k(['patch', 'pod', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } })]);
  const setPdb = (name: string, allowed: number) =>
    s.k(['patch', 'pdb', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } })]);
  const evict = (name: string, extra = '') => s.kubectl(['create', '--raw', `/api/v1/namespaces/default/pods/${name}/eviction`, '-f', '-'], { input: eviction(name, extra) });

  before(async () => {
    s = await startServer(API_ONLY);
  });
  after(async () => {
    await s?.stop();
  });

  test('discovery lists pods/eviction as policy/v1 Eviction', () => {
    const list = JSON.parse(s.k(['get', '--raw', '/api/v1'])) as { resources: Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }> };
    const ev = list.resources.find((r) => r.name === 'pods/eviction');
    assert.deepEqual(ev && { kind: ev.kind, group: ev.group, version: ev.version, verbs: ev.verbs }, { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] });
    assert.ok(list.resources.some((r) => r.name === 'pods/ephemeralcontainers' && r.kind === 'Pod'));
  });

  test('a PDB with no disruptions allowed blocks eviction with 429 and a DisruptionBudget cause', () => {
    s.k(['apply', '-f', '-'], pod('guarded', 'app: guarded') + '---\n' + pdb('guard', 'app: guarded'));
    run('guarded');
    setPdb('guard', 0);
    const r = evict('guarded');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /TooManyRequests|Too Many Requests/i);
    assert.match(r.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
    const raw = s.kubectl(['create', '--raw', '/api/v1/namespaces/default/pods/guarded/eviction', '-f', '-', '-v=8'], { input: eviction('guarded') });
    assert.match(raw.stderr, /"reason": "DisruptionBudget",\s+"message": "The disruption budget guard needs 1 healthy pods and has 1 currently"/);
    assert.match(raw.stderr, /Response Status: 429 Too Many Requests/);
    assert.match(s.k(['get', 'pod', 'guarded', '-o', 'name']), /pod\/guarded/);
  });

  test('an allowed eviction deletes the pod, decrements the budget and answers a 201 Success Status', () => {
    setPdb('guard', 1);
    const r = evict('guarded');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.match(s.kubectl(['get', 'pod', 'guarded']).stderr, /NotFound/);
    const st = JSON.parse(s.k(['get', 'pdb', 'guard', '-o', 'json'])) as { status: { disruptionsAllowed: number; disruptedPods: Record<string, string> } };
    assert.equal(st.status.disruptionsAllowed, 0);
    assert.ok(st.status.disruptedPods.guarded);
  });

  test('pending pods are evictable whatever the budget; dry-run deletes nothing; two PDBs are a 500', () => {
    s.k(['apply', '-f', '-'], pod('pending', 'app: guarded'));
    assert.equal(evict('pending', '{"deleteOptions":{"dryRun":["All"]}}').code, 0);
    assert.match(s.k(['get', 'pod', 'pending', '-o', 'name']), /pending/);
    assert.equal(evict('pending').code, 0);
    s.k(['apply', '-f', '-'], pod('twice', 'app: guarded, tier: x') + '---\n' + pdb('second', 'tier: x'));
    run('twice');
    const r = evict('twice');
    assert.match(r.stderr, /This pod has more than one PodDisruptionBudget, which the eviction subresource does not support\./);
    const mismatch = s.kubectl(['create', '--raw', '/api/v1/namespaces/default/pods/twice/eviction', '-f', '-'], { input: eviction('other') });
    assert.match(mismatch.stderr, /name in URL does not match name in Eviction object/);
  });

  test('a protobuf Eviction with deleteOptions is honoured; without them a bound pod gets its grace period', async () => {
    for (const p of ['proto', 'slow']) {
      s.k(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: ${p}}\nspec: {nodeName: worker-9, containers: [{name: main, image: nginx:1.27}]}\n`);
      run(p);
    }
    const body = envelope('policy/v1', 'Eviction', Buffer.concat([field(1, field(1, 'proto')), field(2, intField(1, 0))]));
    const r = await call(s, 'POST', '/api/v1/namespaces/default/pods/proto/eviction', { body, type: 'application/vnd.kubernetes.protobuf' });
    assert.equal(r.code, 201, r.body);
    assert.equal(r.json().status, 'Success');
    assert.match(s.kubectl(['get', 'pod', 'proto']).stderr, /NotFound/);
    assert.equal(evict('slow').code, 0);
    const slow = JSON.parse(s.k(['get', 'pod', 'slow', '-o', 'json'])) as { metadata: { deletionGracePeriodSeconds?: number; deletionTimestamp?: string }; status: { conditions: Array<Record<string, string>> } };
    assert.equal(slow.metadata.deletionGracePeriodSeconds, 30);
    assert.ok(slow.metadata.deletionTimestamp);
    const cond = slow.status.conditions.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual(cond && [cond.status, cond.reason, cond.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']);
  });

  test('kubectl drain cordons, evicts what it may, and retries on a PDB until its timeout', () => {
    s.k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Node\nmetadata: {name: worker-1}\n');
    s.k(['apply', '-f', '-'], pod('free', 'app: free') + '---\n' + pod('held', 'app: held') + '---\n' + pdb('hold', 'app: held'));
    for (const p of ['free', 'held']) {
      s.k(['create', '--raw', `/api/v1/namespaces/default/pods/${p}/binding`, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: p }, target: { kind: 'Node', name: 'worker-1' } }));
      run(p);
    }
    setPdb('hold', 0);
    const r = s.kubectl(['drain', 'worker-1', '--force', '--timeout=8s', '--grace-period=0'], { timeoutMs: 60_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /node\/worker-1 cordoned/);
    assert.match(r.stdout + r.stderr, /evicting pod default\/free/);
    assert.match(r.stdout + r.stderr, /pod\/free evicted/);
    assert.match(r.stderr, /error when evicting pods\/"held" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.match(s.k(['get', 'node', 'worker-1']), /SchedulingDisabled/);
    setPdb('hold', 1);
    const ok = s.kubectl(['drain', 'worker-1', '--force', '--timeout=20s', '--grace-period=0'], { timeoutMs: 60_000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /pod\/held evicted/);
    assert.match(ok.stdout, /node\/worker-1 drained/);
  });

  test('ephemeral containers are added through the subresource and existing ones are immutable (kubectl debug works)', () => {
    s.k(['apply', '-f', '-'], pod('dbg', 'app: dbg'));
    const add = { spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox:1.36', command: ['sh'], stdin: true, tty: true }] } };
    const out = JSON.parse(s.k(['patch', 'pod', 'dbg', '--subresource=ephemeralcontainers', '--type=strategic', '-p', JSON.stringify(add), '-o', 'json'])) as {
      spec: { ephemeralContainers: Array<Record<string, unknown>>; containers: Array<Record<string, unknown>> };
    };
    assert.equal(out.spec.ephemeralContainers[0]?.name, 'debugger');
    assert.equal(out.spec.ephemeralContainers[0]?.terminationMessagePath, '/dev/termination-log');
    assert.equal(out.spec.ephemeralContainers[0]?.imagePullPolicy, 'IfNotPresent');
    const sneaky = JSON.stringify({ spec: { containers: [{ name: 'main', image: 'evil:1' }] } });
    const same = JSON.parse(s.k(['patch', 'pod', 'dbg', '--subresource=ephemeralcontainers', '--type=merge', '-p', sneaky, '-o', 'json'])) as typeof out;
    assert.equal(same.spec.containers[0]?.image, 'nginx:1.27');
    const change = s.kubectl(['patch', 'pod', 'dbg', '--subresource=ephemeralcontainers', '--type=json', '-p', '[{"op":"replace","path":"/spec/ephemeralContainers/0/image","value":"alpine:3"}]']);
    assert.match(change.stderr, /spec\.ephemeralContainers\[debugger\]: Forbidden: existing ephemeral containers "debugger" may not be changed/);
    const remove = s.kubectl(['patch', 'pod', 'dbg', '--subresource=ephemeralcontainers', '--type=json', '-p', '[{"op":"remove","path":"/spec/ephemeralContainers/0"}]']);
    assert.match(remove.stderr, /spec\.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed/);
    const dbg = s.kubectl(['debug', 'dbg', '--image=busybox:1.36', '-c', 'shell', '--target=main', '--profile=general']);
    assert.equal(dbg.code, 0, dbg.stderr);
    const names = s.k(['get', 'pod', 'dbg', '-o', 'jsonpath={.spec.ephemeralContainers[*].name} {.spec.ephemeralContainers[1].targetContainerName}']);
    assert.equal(names, 'debugger shell main');
    const got = JSON.parse(s.k(['get', '--raw', '/api/v1/namespaces/default/pods/dbg/ephemeralcontainers'])) as { kind: string };
    assert.equal(got.kind, 'Pod');
  });
});
