// kubectl v1.32 against a real `k8ts server`: discovery, get/apply/patch/delete, errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { skipUnlessBinary } from '../support/require.js';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';

const POD = (name: string, image = 'busybox:1.36', labels = 'app: web') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  containers:
  - name: main
    image: ${image}
    ports: [{containerPort: 8080, name: http}]
    env: [{name: A, value: "1"}]
`;

describe('kubectl basics', { skip: skipUnlessBinary('kubectl', 'google-cloud-cli-kubectl (or any kubectl 1.32)') }, () => {
  let s: K8tsServer;
  before(async () => {
    s = await startServer(API_ONLY);
  });
  after(async () => {
    await s?.stop();
  });

  test('version reports a v1.32 server', () => {
    const out = s.k(['version']);
    assert.match(out, /Server Version: v1\.32\.\d+\+k8ts/);
  });

  test('api-resources lists core kinds with short names', () => {
    const out = s.k(['api-resources']);
    assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    assert.match(out, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
  });

  test('the system namespaces and the kubernetes Service exist', () => {
    const ns = s.k(['get', 'ns', '-o', 'name']).trim().split('\n').sort();
    assert.deepEqual(ns, ['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
    const svc = s.k(['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].port}']);
    assert.equal(svc, '10.43.0.1 443');
  });

  test('apply creates, is unchanged the second time, then configures a change', () => {
    assert.match(s.k(['apply', '-f', '-'], POD('web')), /pod\/web created/);
    assert.match(s.k(['apply', '-f', '-'], POD('web')), /pod\/web unchanged/);
    assert.match(s.k(['apply', '-f', '-'], POD('web', 'busybox:1.37')), /pod\/web configured/);
    assert.equal(s.k(['get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image}']), 'busybox:1.37');
  });

  test('get prints upstream columns, wide adds more, and output formats work', () => {
    s.k(['apply', '-f', '-'], POD('tbl'));
    const plain = s.k(['get', 'pods']);
    assert.match(plain.split('\n')[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.match(plain, /^tbl\s+0\/1\s+Pending\s+0\s+\S+$/m);
    const wide = s.k(['get', 'pods', '-o', 'wide']);
    assert.match(wide.split('\n')[0]!, /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    const json = JSON.parse(s.k(['get', 'pod', 'tbl', '-o', 'json'])) as { spec: { dnsPolicy: string; containers: Array<{ imagePullPolicy: string; terminationMessagePath: string }> } };
    assert.equal(json.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(json.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
    assert.equal(json.spec.containers[0]!.terminationMessagePath, '/dev/termination-log');
    assert.match(s.k(['get', 'pod', 'tbl', '-o', 'yaml']), /^kind: Pod$/m);
    const all = s.k(['get', 'pods', '-A']);
    assert.match(all, /^default\s+tbl\s+/m);
  });

  test('label and field selectors filter lists', () => {
    s.k(['apply', '-f', '-'], POD('sel-a', 'busybox:1.36', 'app: a, tier: x'));
    s.k(['apply', '-f', '-'], POD('sel-b', 'busybox:1.36', 'app: b, tier: x'));
    assert.equal(s.k(['get', 'pods', '-l', 'app=a', '-o', 'name']).trim(), 'pod/sel-a');
    assert.equal(s.k(['get', 'pods', '-l', 'tier=x,app!=a', '-o', 'name']).trim(), 'pod/sel-b');
    assert.equal(s.k(['get', 'pods', '-l', 'app in (a,b)', '-o', 'name']).trim().split('\n').length, 2);
    assert.equal(s.k(['get', 'pods', '--field-selector', 'metadata.name=sel-b', '-o', 'name']).trim(), 'pod/sel-b');
    assert.match(s.k(['get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name']), /pod\/sel-a/);
    const bad = s.kubectl(['get', 'pods', '--field-selector', 'spec.nope=x']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec\.nope/);
  });

  test('chunked lists follow continue tokens', () => {
    for (let i = 0; i < 7; i++) s.k(['create', 'cm', `chunk-${i}`, '--from-literal=k=v', '--dry-run=client', '-o', 'yaml']);
    const yaml = Array.from({ length: 7 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: chunk-${i}}\ndata: {k: v}\n---\n`).join('');
    s.k(['apply', '-f', '-'], yaml);
    const out = s.k(['get', 'cm', '--chunk-size=2', '-o', 'name']);
    for (let i = 0; i < 7; i++) assert.match(out, new RegExp(`configmap/chunk-${i}$`, 'm'));
  });

  test('patch works with strategic, merge and JSON patches', () => {
    s.k(['apply', '-f', '-'], POD('patchme'));
    s.k(['patch', 'pod', 'patchme', '-p', '{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}']);
    assert.equal(s.k(['get', 'pod', 'patchme', '-o', 'jsonpath={.spec.containers[0].image} {.spec.containers[0].env[0].name}']), 'busybox:2 A');
    s.k(['patch', 'pod', 'patchme', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1"}}}']);
    s.k(['patch', 'pod', 'patchme', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"2"}]']);
    assert.equal(s.k(['get', 'pod', 'patchme', '-o', 'jsonpath={.metadata.labels.m}{.metadata.labels.j}']), '12');
    const bad = s.kubectl(['patch', 'pod', 'patchme', '--type=json', '-p', '[{"op":"test","path":"/metadata/name","value":"other"}]']);
    assert.notEqual(bad.code, 0);
  });

  test('label and annotate change metadata', () => {
    s.k(['apply', '-f', '-'], POD('meta'));
    s.k(['label', 'pod', 'meta', 'color=blue']);
    s.k(['annotate', 'pod', 'meta', 'note=hello']);
    assert.equal(s.k(['get', 'pod', 'meta', '-o', 'jsonpath={.metadata.labels.color} {.metadata.annotations.note}']), 'blue hello');
    s.k(['label', 'pod', 'meta', 'color-']);
    assert.equal(s.k(['get', 'pod', 'meta', '-o', 'jsonpath={.metadata.labels.color}']), '');
  });

  test('replace with a stale resourceVersion is a Conflict', () => {
    s.k(['apply', '-f', '-'], POD('stale'));
    const yaml = s.k(['get', 'pod', 'stale', '-o', 'yaml']);
    s.k(['label', 'pod', 'stale', 'bump=1']);
    const r = s.kubectl(['replace', '-f', '-'], { input: yaml });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on pods "stale": the object has been modified; please apply your changes to the latest version and try again/);
  });

  test('errors read as upstream: NotFound, AlreadyExists, Invalid', () => {
    const nf = s.kubectl(['get', 'pod', 'nope']);
    assert.equal(nf.code, 1);
    assert.match(nf.stderr, /Error from server \(NotFound\): pods "nope" not found/);
    s.k(['create', 'cm', 'dup']);
    const ae = s.kubectl(['create', 'cm', 'dup']);
    assert.match(ae.stderr, /AlreadyExists|already exists/);
    const inv = s.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: c\n' });
    assert.equal(inv.code, 1);
    assert.match(inv.stderr, /The Pod "bad" is invalid: spec\.containers\[0\]\.image: Required value/);
    const unknown = s.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: strict}\nbogus: 1\n' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown field "bogus"/);
  });

  test('--dry-run=server validates and writes nothing', () => {
    assert.match(s.k(['apply', '-f', '-', '--dry-run=server'], POD('dry')), /pod\/dry created \(server dry run\)/);
    assert.equal(s.kubectl(['get', 'pod', 'dry']).code, 1);
  });

  test('explain and describe work', () => {
    assert.match(s.k(['explain', 'pod.spec.containers']), /FIELDS:[\s\S]*image\s+<string>/);
    s.k(['apply', '-f', '-'], POD('desc'));
    assert.match(s.k(['describe', 'pod', 'desc']), /^Name:\s+desc$/m);
  });

  test('delete removes the object', () => {
    s.k(['apply', '-f', '-'], POD('gone'));
    assert.match(s.k(['delete', 'pod', 'gone']), /pod "gone" deleted/);
    assert.equal(s.kubectl(['get', 'pod', 'gone']).code, 1);
  });

  test('create generators send protobuf bodies that the server decodes', () => {
    s.k(['create', 'namespace', 'pb']);
    s.k(['create', 'configmap', 'pb-cm', '-n', 'pb', '--from-literal=k=v']);
    s.k(['create', 'secret', 'generic', 'pb-s', '-n', 'pb', '--from-literal=pw=s3cret']);
    s.k(['create', 'service', 'clusterip', 'pb-svc', '-n', 'pb', '--tcp=80:8080']);
    s.k(['create', 'serviceaccount', 'pb-sa', '-n', 'pb']);
    assert.equal(s.k(['get', 'cm', 'pb-cm', '-n', 'pb', '-o', 'jsonpath={.data.k}']), 'v');
    assert.equal(Buffer.from(s.k(['get', 'secret', 'pb-s', '-n', 'pb', '-o', 'jsonpath={.data.pw}']), 'base64').toString(), 's3cret');
    const svc = s.k(['get', 'svc', 'pb-svc', '-n', 'pb', '-o', 'jsonpath={.spec.ports[0].port}:{.spec.ports[0].targetPort} {.spec.clusterIP}']);
    assert.match(svc, /^80:8080 10\.43\.\d+\.\d+$/);
    assert.match(s.k(['get', 'sa', '-n', 'pb']), /pb-sa/);
  });

  test('auth whoami and auth can-i answer for the admin', () => {
    const who = s.k(['auth', 'whoami']);
    assert.match(who, /Username\s+kubernetes-admin/);
    assert.match(who, /Groups\s+\[system:masters system:authenticated\]/);
    assert.equal(s.k(['auth', 'can-i', 'list', 'pods']).trim(), 'yes');
    assert.equal(s.k(['auth', 'can-i', 'get', '/healthz']).trim(), 'yes');
    assert.match(s.k(['auth', 'can-i', '--list']), /\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
  });

  test('get componentstatuses reports the datastore and warns that the API is deprecated', () => {
    const r = s.kubectl(['get', 'cs']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^etcd-0\s+Healthy\s+ok/m);
    assert.match(r.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
  });

  test('get -w streams changes', async () => {
    s.k(['create', 'cm', 'watched']);
    const proc = spawn('kubectl', ['get', 'cm', '-w', '--output-watch-events'], { env: { ...process.env, KUBECONFIG: s.kubeconfig } });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 1500));
    s.k(['label', 'cm', 'watched', 'x=1']);
    s.k(['delete', 'cm', 'watched']);
    const deadline = Date.now() + 10_000;
    while (!/DELETED\s+watched/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    proc.kill();
    assert.match(out, /ADDED\s+watched/);
    assert.match(out, /MODIFIED\s+watched/);
    assert.match(out, /DELETED\s+watched/);
  });
});
