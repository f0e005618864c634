/**
 * Golden tests against kubectl v1.32: request bodies it really sent (testdata/<case>.bin)
 * must decode to the object it prints with `--dry-run=client -o json` (<case>.json), and
 * table-filled bodies (oracle-<kind>-<variant>.bin) to what kubectl prints after decoding
 * them with its compiled-in Go types. `UPDATE_TESTDATA=1` re-captures everything.
 * @module
 */
import { deepStrictEqual, equal } from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { decodeKubernetesProtobuf } from './index.js';
import { haveKubectl, kubectl, startFakeApiServer, type FakeApiServer } from './kubectl-capture.case.js';
import { fillMessage, type Variant } from './oracle.case.js';
import { envelope } from './wire-writer.case.js';

const TESTDATA = new URL('testdata/', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_TESTDATA === '1';

interface Case {
  name: string;
  args: string[];
  /** Where <name>.json comes from: kubectl's dry-run output, or its print of the echoed body; none: asserted below. */
  expect: 'dry-run' | 'echo' | 'none';
}

const CASES: Case[] = [
  { name: 'deployment', args: ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=8080'], expect: 'dry-run' },
  { name: 'deployment-multi', args: ['create', 'deployment', 'pair', '-n', 'team-a', '--image=nginx:1.27', '--image=busybox:1.36', '--port=80'], expect: 'dry-run' },
  { name: 'namespace', args: ['create', 'namespace', 'team-a'], expect: 'dry-run' },
  { name: 'configmap', args: ['create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=greeting=hello world'], expect: 'dry-run' },
  { name: 'configmap-files', args: ['create', 'configmap', 'files', '--from-file=app.properties', '--from-file=blob.bin'], expect: 'dry-run' },
  { name: 'secret-generic', args: ['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=pass=s3cr3t!'], expect: 'dry-run' },
  { name: 'secret-docker-registry', args: ['create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example.com', '--docker-username=u', '--docker-password=p'], expect: 'dry-run' },
  { name: 'service-clusterip', args: ['create', 'service', 'clusterip', 'web', '--tcp=80:8080'], expect: 'dry-run' },
  { name: 'service-nodeport', args: ['create', 'service', 'nodeport', 'np', '--tcp=443:8443', '--node-port=30443'], expect: 'dry-run' },
  { name: 'serviceaccount', args: ['create', 'serviceaccount', 'robot'], expect: 'dry-run' },
  { name: 'job', args: ['create', 'job', 'once', '--image=busybox:1.36', '--', 'echo', 'hi'], expect: 'dry-run' },
  { name: 'cronjob', args: ['create', 'cronjob', 'tick', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--restart=OnFailure', '--', 'date'], expect: 'dry-run' },
  { name: 'role', args: ['create', 'role', 'reader', '--verb=get,list,watch', '--resource=pods,deployments.apps', '--resource-name=web'], expect: 'dry-run' },
  { name: 'rolebinding', args: ['create', 'rolebinding', 'read', '--role=reader', '--user=alice', '--serviceaccount=default:robot'], expect: 'dry-run' },
  { name: 'clusterrole', args: ['create', 'clusterrole', 'viewer', '--verb=get,list', '--resource=nodes,pods/log'], expect: 'dry-run' },
  { name: 'clusterrole-nonresource', args: ['create', 'clusterrole', 'health', '--verb=get', '--non-resource-url=/healthz', '--non-resource-url=/livez'], expect: 'dry-run' },
  { name: 'clusterrolebinding', args: ['create', 'clusterrolebinding', 'view', '--clusterrole=viewer', '--group=devs', '--user=bob'], expect: 'dry-run' },
  { name: 'ingress', args: ['create', 'ingress', 'web', '--class=nginx', '--rule=example.com/api*=web:80,tls=web-tls', '--rule=/=web:http', '--annotation=team=a'], expect: 'dry-run' },
  { name: 'pdb', args: ['create', 'pdb', 'web', '--selector=app=web', '--min-available=50%'], expect: 'dry-run' },
  { name: 'pdb-max-unavailable', args: ['create', 'pdb', 'db', '--selector=app=db', '--max-unavailable=1'], expect: 'dry-run' },
  { name: 'priorityclass', args: ['create', 'priorityclass', 'high', '--value=1000', '--description=important', '--preemption-policy=Never'], expect: 'dry-run' },
  { name: 'quota', args: ['create', 'quota', 'q', '--hard=cpu=2,memory=1Gi,pods=10,requests.storage=500m'], expect: 'dry-run' },
  { name: 'auth-whoami', args: ['auth', 'whoami'], expect: 'echo' },
  { name: 'auth-can-i', args: ['auth', 'can-i', 'list', 'pods'], expect: 'none' },
  { name: 'auth-can-i-subresource', args: ['auth', 'can-i', 'update', 'deployments.apps', '--subresource=scale', '-n', 'kube-system'], expect: 'none' },
  { name: 'auth-can-i-nonresource', args: ['auth', 'can-i', 'get', '/healthz'], expect: 'none' },
  { name: 'create-token', args: ['create', 'token', 'robot', '--audience=api', '--duration=1h'], expect: 'none' },
  { name: 'drain-delete', args: ['drain', 'n1', '--force', '--disable-eviction', '--grace-period=30', '--timeout=20s'], expect: 'none' },
];

/** Kinds whose table-filled bodies kubectl prints back: [kind, apiVersion, root message, command]. */
const ORACLES: [string, string, string, string[]][] = [
  ['Deployment', 'apps/v1', 'apps.Deployment', ['create', 'deployment', 'x', '--image=x']],
  ['Job', 'batch/v1', 'batch.Job', ['create', 'job', 'x', '--image=x']],
  ['CronJob', 'batch/v1', 'batch.CronJob', ['create', 'cronjob', 'x', '--image=x', '--schedule=* * * * *']],
  ['Service', 'v1', 'core.Service', ['create', 'service', 'clusterip', 'x', '--tcp=1:1']],
  ['Namespace', 'v1', 'core.Namespace', ['create', 'namespace', 'x']],
  ['ConfigMap', 'v1', 'core.ConfigMap', ['create', 'configmap', 'x']],
  ['Secret', 'v1', 'core.Secret', ['create', 'secret', 'generic', 'x']],
  ['ServiceAccount', 'v1', 'core.ServiceAccount', ['create', 'serviceaccount', 'x']],
  ['ResourceQuota', 'v1', 'core.ResourceQuota', ['create', 'quota', 'x']],
  ['Role', 'rbac.authorization.k8s.io/v1', 'rbac.Role', ['create', 'role', 'x', '--verb=get', '--resource=pods']],
  ['ClusterRole', 'rbac.authorization.k8s.io/v1', 'rbac.ClusterRole', ['create', 'clusterrole', 'x', '--verb=get', '--resource=pods']],
  ['RoleBinding', 'rbac.authorization.k8s.io/v1', 'rbac.RoleBinding', ['create', 'rolebinding', 'x', '--role=r']],
  ['ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'rbac.ClusterRoleBinding', ['create', 'clusterrolebinding', 'x', '--clusterrole=r']],
  ['Ingress', 'networking.k8s.io/v1', 'networking.Ingress', ['create', 'ingress', 'x', '--rule=a.com/=b:80']],
  ['PodDisruptionBudget', 'policy/v1', 'policy.PodDisruptionBudget', ['create', 'pdb', 'x', '--selector=a=b', '--min-available=1']],
  ['PriorityClass', 'scheduling.k8s.io/v1', 'scheduling.PriorityClass', ['create', 'priorityclass', 'x', '--value=1']],
  ['SelfSubjectReview', 'authentication.k8s.io/v1', 'authentication.SelfSubjectReview', ['auth', 'whoami']],
];
const VARIANTS: Variant[] = ['values', 'zeros'];

const read = (name: string) => new Uint8Array(readFileSync(join(TESTDATA, name)));
const readJson = (name: string): unknown => JSON.parse(readFileSync(join(TESTDATA, name), 'utf8'));
const decode = (name: string) => decodeKubernetesProtobuf(read(name)).object;
/** Adds flags before any `--` that starts the container command. */
const withFlags = (args: string[], ...flags: string[]) => {
  const i = args.indexOf('--');
  return i < 0 ? [...args, ...flags] : [...args.slice(0, i), ...flags, ...args.slice(i)];
};
const canonical = (stdout: string, pretty: boolean) => `${JSON.stringify(JSON.parse(stdout), null, pretty ? 2 : undefined)}\n`;

async function capture(server: FakeApiServer, c: Case, cwd: string): Promise<void> {
  if (c.expect === 'dry-run') {
    const dry = await kubectl(server, withFlags(c.args, '--dry-run=client', '-o', 'json'), cwd);
    equal(dry.code, 0, dry.stderr);
    writeFileSync(join(TESTDATA, `${c.name}.json`), canonical(dry.stdout, true));
  }
  if (c.name === 'create-token') server.replies.push({ status: 201, contentType: 'application/json', body: '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","status":{"token":"t"}}' });
  const before = server.requests.length;
  const run = await kubectl(server, c.expect === 'none' ? c.args : withFlags(c.args, '-o', 'json'), cwd);
  const sent = server.requests.slice(before).filter((r) => r.contentType === 'application/vnd.kubernetes.protobuf');
  equal(sent.length, 1, `${c.name}: expected one protobuf request\n${run.stderr}`);
  writeFileSync(join(TESTDATA, `${c.name}.bin`), sent[0]!.body);
  if (c.expect === 'echo') writeFileSync(join(TESTDATA, `${c.name}.json`), canonical(run.stdout, true));
  // kubectl's print of the echoed body is Go's own decoding: it must match the dry-run object too.
  if (c.expect === 'dry-run') deepStrictEqual(JSON.parse(run.stdout), readJson(`${c.name}.json`), c.name);
}

async function captureOracle(server: FakeApiServer, [kind, apiVersion, root, args]: (typeof ORACLES)[number], variant: Variant): Promise<void> {
  const body = envelope(apiVersion, kind, fillMessage(root, variant));
  server.replies.push({ status: 201, contentType: 'application/vnd.kubernetes.protobuf', body });
  const run = await kubectl(server, [...args, '-o', 'json', '--show-managed-fields']);
  equal(run.code, 0, `${kind} ${variant}: ${run.stderr}`);
  const base = `oracle-${kind.toLowerCase()}-${variant}`;
  writeFileSync(join(TESTDATA, `${base}.bin`), body);
  writeFileSync(join(TESTDATA, `${base}.json`), canonical(run.stdout, false));
}

describe('kubectl v1.32 golden bodies', () => {
  before(async () => {
    if (!UPDATE) return;
    if (!haveKubectl()) throw new Error('UPDATE_TESTDATA=1 needs kubectl v1.32 (set KUBECTL_132)');
    const cwd = mkdtempSync(join(tmpdir(), 'k8ts-capture-'));
    writeFileSync(join(cwd, 'app.properties'), 'color=blue\nsize=10\n');
    writeFileSync(join(cwd, 'blob.bin'), Uint8Array.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x7f]));
    const server = await startFakeApiServer();
    try {
      for (const c of CASES) await capture(server, c, cwd);
      for (const o of ORACLES) for (const v of VARIANTS) await captureOracle(server, o, v);
    } finally {
      await server.close();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  for (const c of CASES.filter((x) => x.expect !== 'none')) {
    test(`kubectl ${c.args.slice(0, 3).join(' ')} decodes to what kubectl prints (${c.name})`, () => {
      deepStrictEqual(decode(`${c.name}.bin`), readJson(`${c.name}.json`));
    });
  }

  for (const [kind] of ORACLES) {
    for (const v of VARIANTS) {
      test(`a ${kind} with every field ${v === 'zeros' ? 'at its zero value' : 'set'} decodes as kubectl's Go types print it`, () => {
        const base = `oracle-${kind.toLowerCase()}-${v}`;
        deepStrictEqual(decode(`${base}.bin`), readJson(`${base}.json`));
      });
    }
  }

  test('auth can-i list pods sends a SelfSubjectAccessReview with resourceAttributes', () => {
    deepStrictEqual(decode('auth-can-i.bin'), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } },
      status: { allowed: false },
    });
  });

  test('auth can-i on a subresource names group, resource and subresource', () => {
    const o = decode('auth-can-i-subresource.bin') as { spec: unknown };
    deepStrictEqual(o.spec, { resourceAttributes: { namespace: 'kube-system', verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale' } });
  });

  test('auth can-i on a URL sends nonResourceAttributes', () => {
    const o = decode('auth-can-i-nonresource.bin') as { spec: unknown };
    deepStrictEqual(o.spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' } });
  });

  test('create token sends a TokenRequest with audiences and expirationSeconds', () => {
    deepStrictEqual(decode('create-token.bin'), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { creationTimestamp: null }, // the name travels in the URL
      spec: { audiences: ['api'], expirationSeconds: 3600 },
      status: { token: '', expirationTimestamp: null },
    });
  });

  test('a typed DELETE (drain --disable-eviction) sends DeleteOptions under apiVersion v1', () => {
    deepStrictEqual(decodeKubernetesProtobuf(read('drain-delete.bin')), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      object: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 30 },
    });
  });

  test('every testdata body is covered by a test', () => {
    const names = new Set([...CASES.map((c) => c.name), ...ORACLES.flatMap(([k]) => VARIANTS.map((v) => `oracle-${k.toLowerCase()}-${v}`))]);
    const stray = readdirSync(TESTDATA).filter((f) => f.endsWith('.bin') && !names.has(f.slice(0, -4)));
    deepStrictEqual(stray, []);
  });
});
