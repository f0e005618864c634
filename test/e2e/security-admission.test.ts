// Admission, bootstrap tokens, in-flight limits, the audit log and `k8ts audit-rbac` against a live `k8ts server`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../support/https.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { issueCertificate } from '../../src/pki/index.js';

const root = new URL('../../', import.meta.url).pathname;
const json = (o: object) => JSON.stringify(o);

describe('security: admission, tokens, limits, audit', () => {
  let s: K8tsServer;
  let auditPath: string;
  let auditDir: string;
  const k8ts = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  before(async () => {
    auditDir = mkdtempSync(join(tmpdir(), 'k8ts-audit-'));
    auditPath = join(auditDir, 'audit.log');
    s = await startServer(['--disable', 'scheduler,controllers,agent,proxy,dns', '--max-requests-inflight', '2', '--max-mutating-requests-inflight', '1', '--audit-log-path', auditPath]);
  });
  after(async () => {
    await s?.stop();
    rmSync(auditDir, { recursive: true, force: true });
  });

  test('PodSecurity: a privileged pod in a restricted namespace is refused with upstream\'s message; a compliant pod is admitted', () => {
    s.k(['create', 'namespace', 'locked']);
    s.k(['label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted']);
    const bad = s.kubectl(['create', '-f', '-'], { input: json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root', namespace: 'locked' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } }) });
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /pods "root" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false \(container "c" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "c" must set securityContext.capabilities.drop=\["ALL"\]\), runAsNonRoot != true \(pod or container "c" must set securityContext.runAsNonRoot=true\), seccompProfile \(pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"\)/,
    );
    const good = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok', namespace: 'locked' }, spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] } };
    s.k(['create', '-f', '-'], json(good));
  });

  test('PodSecurity warn: kubectl prints the Warning header and the pod is created', () => {
    s.k(['create', 'namespace', 'warned']);
    s.k(['label', 'namespace', 'warned', 'pod-security.kubernetes.io/warn=baseline']);
    const r = s.kubectl(['create', '-f', '-'], { input: json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hn', namespace: 'warned' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox' }] } }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
  });

  test('ServiceAccount, Priority and DefaultTolerationSeconds fill in new pods', () => {
    s.k(['create', 'serviceaccount', 'default', '-n', 'default']);
    s.k(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'filled', namespace: 'default' }, spec: { priorityClassName: 'system-cluster-critical', containers: [{ name: 'c', image: 'busybox' }] } }));
    const pod = JSON.parse(s.k(['get', 'pod', 'filled', '-o', 'json'])) as { spec: Record<string, unknown> & { volumes: Array<{ name: string; projected?: { sources: unknown[] } }>; containers: Array<{ volumeMounts: Array<{ mountPath: string }> }>; tolerations: Array<{ key: string; tolerationSeconds: number }> } };
    assert.equal(pod.spec.serviceAccountName, 'default');
    assert.equal(pod.spec.priority, 2000000000);
    assert.match(pod.spec.volumes[0]!.name, /^kube-api-access-[a-z0-9]{5}$/);
    assert.equal(pod.spec.volumes[0]!.projected!.sources.length, 3);
    assert.equal(pod.spec.containers[0]!.volumeMounts[0]!.mountPath, '/var/run/secrets/kubernetes.io/serviceaccount');
    assert.deepEqual(pod.spec.tolerations.map((t) => [t.key, t.tolerationSeconds]), [['node.kubernetes.io/not-ready', 300], ['node.kubernetes.io/unreachable', 300]]);
    const missing = s.kubectl(['create', '-f', '-'], { input: json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'busybox' }] } }) });
    assert.match(missing.stderr, /error looking up service account default\/ghost: serviceaccount "ghost" not found/);
    const noClass = s.kubectl(['create', '-f', '-'], { input: json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'y' }, spec: { priorityClassName: 'nope', containers: [{ name: 'c', image: 'busybox' }] } }) });
    assert.match(noClass.stderr, /no PriorityClass with name nope was found/);
  });

  test('LimitRanger fills container defaults; ResourceQuota refuses with "exceeded quota" / "failed quota"', () => {
    s.k(['create', 'namespace', 'quota']);
    s.k(['create', 'quota', 'q', '-n', 'quota', '--hard=pods=2,requests.cpu=1']);
    const pod = (name: string, cpu?: string) => json({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'quota' }, spec: { containers: [{ name: 'c', image: 'busybox', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] } });
    const unspecified = s.kubectl(['create', '-f', '-'], { input: pod('none') });
    assert.match(unspecified.stderr, /pods "none" is forbidden: failed quota: q: must specify requests.cpu for: c/);
    s.k(['create', '-f', '-'], pod('a', '600m'));
    const over = s.kubectl(['create', '-f', '-'], { input: pod('b', '600m') });
    assert.match(over.stderr, /pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1/);
    s.k(['create', '-f', '-'], pod('b', '400m'));
    const third = s.kubectl(['create', '-f', '-'], { input: pod('c', '0') });
    assert.match(third.stderr, /exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2/);
    s.k(['create', 'namespace', 'limited']);
    s.k(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'limited' }, spec: { limits: [{ type: 'Container', default: { cpu: '200m' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' } }] } }));
    s.k(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd', namespace: 'limited' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
    const res = JSON.parse(s.k(['get', 'pod', 'd', '-n', 'limited', '-o', 'jsonpath={.spec.containers[0].resources}'])) as unknown;
    assert.deepEqual(res, { limits: { cpu: '200m' }, requests: { cpu: '100m' } });
    const big = s.kubectl(['create', '-f', '-'], { input: json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e', namespace: 'limited' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '2' } } }] } }) });
    assert.match(big.stderr, /maximum cpu usage per Container is 1, but limit is 2/);
  });

  test('bootstrap tokens from `k8ts token create` authenticate as system:bootstrap:<id>, may create CSRs, nothing more', async () => {
    const r = k8ts(['token', 'create', '--data-dir', s.dataDir, '--ttl', '1h']);
    assert.equal(r.status, 0, r.stderr);
    const token = r.stdout.trim();
    assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const auth = { cert: null, headers: { Authorization: `Bearer ${token}` } };
    const who = await call(s, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { ...auth, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    assert.deepEqual((who.json() as { status: { userInfo: unknown } }).status.userInfo, { username: `system:bootstrap:${token.split('.')[0]}`, groups: ['system:bootstrappers', 'system:authenticated'] });
    assert.equal((await call(s, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests', auth)).code, 200);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/kube-system/secrets', auth)).code, 403);
    const wrong = `${token.slice(0, 7)}${'0'.repeat(16)}`;
    assert.equal((await call(s, 'GET', '/api', { cert: null, headers: { Authorization: `Bearer ${wrong}` } })).code, 401);
  });

  test('a request flood past the in-flight limit gets 429 with Retry-After; the admin is exempt', async () => {
    const ca = { certPem: readFileSync(join(s.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: readFileSync(join(s.dataDir, 'pki/ca.key'), 'utf8') };
    const leaf = await issueCertificate(ca, { commonName: 'flooder', usages: 'client' });
    s.k(['create', 'clusterrolebinding', 'flooder-view', '--clusterrole=view', '--user=flooder']);
    await new Promise((r) => setTimeout(r, 100));
    const cert = { cert: leaf.certPem, key: leaf.keyPem };
    const replies = await Promise.all(Array.from({ length: 40 }, () => call(s, 'GET', '/api/v1/namespaces/default/configmaps', { cert })));
    const limited = replies.filter((r) => r.code === 429);
    assert.ok(limited.length > 0, 'some requests were limited');
    assert.ok(replies.some((r) => r.code === 200), 'some were served');
    assert.equal(limited[0]!.headers['retry-after'], '1');
    assert.equal((limited[0]!.json() as { reason: string }).reason, 'TooManyRequests');
    const admin = await Promise.all(Array.from({ length: 20 }, () => call(s, 'GET', '/api/v1/namespaces/default/configmaps')));
    assert.ok(admin.every((r) => r.code === 200));
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/default/configmaps', { cert })).code, 200);
  });

  test('the audit log has one audit.k8s.io/v1 Event per line, secrets at Metadata without their data', async () => {
    s.k(['create', 'secret', 'generic', 'topsecret', '--from-literal=password=hunter2']);
    s.k(['get', 'secret', 'topsecret', '-o', 'yaml']);
    await new Promise((r) => setTimeout(r, 300));
    const lines = readFileSync(auditPath, 'utf8').trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { kind: string; apiVersion: string; level: string; stage: string; verb: string; objectRef?: { resource: string; name?: string }; user: { username: string }; responseStatus?: { code: number }; annotations?: Record<string, string> });
    assert.ok(events.every((e) => e.kind === 'Event' && e.apiVersion === 'audit.k8s.io/v1'));
    const create = events.find((e) => e.objectRef?.resource === 'secrets' && e.verb === 'create' && e.stage === 'ResponseComplete');
    assert.ok(create);
    assert.equal(create.level, 'Metadata');
    assert.equal(create.responseStatus?.code, 201);
    assert.equal(create.user.username, 'kubernetes-admin');
    assert.doesNotMatch(readFileSync(auditPath, 'utf8'), /hunter2|aHVudGVyMg/);
    assert.ok(events.some((e) => e.responseStatus?.code === 403 && e.annotations?.['authorization.k8s.io/decision'] === 'forbid'));
  });

  test('k8ts audit-rbac lists who holds dangerous rights', () => {
    s.k(['create', 'clusterrolebinding', 'eve-admin', '--clusterrole=cluster-admin', '--user=eve']);
    s.k(['create', 'rolebinding', 'mallory-edit', '-n', 'default', '--clusterrole=edit', '--user=mallory']);
    const r = k8ts(['audit-rbac', '--data-dir', s.dataDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^SUBJECT\s+KIND\s+SCOPE\s+DANGEROUS RIGHTS\s+VIA/m);
    assert.match(r.stdout, /^eve\s+User\s+cluster\s+wildcard,secrets read,pods\/exec.*escalate,bind,impersonate.*crb\/eve-admin/m);
    assert.match(r.stdout, /^mallory\s+User\s+default\s+secrets read,pods\/exec,pods\/attach,impersonate,create pods in kube-system,serviceaccounts\/token\s+rb\/mallory-edit/m);
  });
});
