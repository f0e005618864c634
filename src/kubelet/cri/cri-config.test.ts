// Pod → CRI config as the kubelet builds it: DNS policies, resources and QoS, env sources, pull policies and auth, OCI layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../types.js';
import { dnsConfig, linuxResources, qosClass, sandboxConfig, type SandboxContext } from './cri-config.js';
import { ContainerConfigError, containerEnv, expand } from './env.js';
import { authFor, defaultPullPolicy, registryOf } from './images.js';
import { tar } from './oci-image.js';
import { clusterDnsIP } from './index.js';
import { conflist, gatewayOf, masqChain } from '../cni/index.js';
import type { FullPodSpec } from './pod-spec.js';

const ctx: SandboxContext = { logRoot: '/logs', cgroupRoot: '/k8ts-x', clusterDNS: '10.43.0.10', clusterDomain: 'cluster.local' };
const pod = (spec: Partial<FullPodSpec> = {}, ns = 'team'): Pod => ({ metadata: { name: 'p', namespace: ns, uid: 'u1', labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } as Pod['spec'] });

test('dnsPolicy ClusterFirst: the cluster DNS, namespace search path, ndots:5; dnsConfig is merged in', () => {
  const d = dnsConfig(pod({ dnsConfig: { nameservers: ['1.1.1.1'], searches: ['example.com'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), ctx) as { servers: string[]; searches: string[]; options: string[] };
  assert.deepEqual(d.servers, ['10.43.0.10', '1.1.1.1']);
  assert.deepEqual(d.searches.slice(0, 3), ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  assert.ok(d.searches.includes('example.com'));
  assert.deepEqual(d.options, ['ndots:2', 'edns0']);
});

test('dnsPolicy None uses only dnsConfig; hostNetwork with ClusterFirst falls back to the host, ClusterFirstWithHostNet does not', () => {
  assert.deepEqual(dnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'] } }), ctx), { servers: ['9.9.9.9'], searches: [], options: [] });
  assert.equal(dnsConfig(pod({ hostNetwork: true }), ctx), undefined);
  assert.deepEqual((dnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), ctx) as { servers: string[] }).servers, ['10.43.0.10']);
  assert.equal(clusterDnsIP('10.43.0.0/16'), '10.43.0.10');
});

test('sandbox: pod namespaces, hostPorts, cgroup parent in its QoS class under the k8ts root, labels carry the pod identity', () => {
  const cfg = sandboxConfig(pod({ hostNetwork: true, containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }] }] }), 2, ctx) as Record<string, any>;
  assert.equal(cfg.linux.security_context.namespace_options.network, 'NODE');
  assert.equal(cfg.linux.security_context.namespace_options.pid, 'CONTAINER');
  assert.deepEqual(cfg.port_mappings, [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' }]);
  assert.equal(cfg.linux.cgroup_parent, '/k8ts-x/kubepods/besteffort/podu1');
  assert.equal(cfg.labels['io.kubernetes.pod.uid'], 'u1');
  assert.equal(cfg.metadata.attempt, 2);
  assert.equal(cfg.hostname, '');
});

test('resources: cpu shares from requests, CFS quota from limits, memory limit, OOM score by QoS class', () => {
  const g = { containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '128Mi' } } }] } as FullPodSpec;
  assert.equal(qosClass(g), 'Guaranteed');
  assert.deepEqual(linuxResources(g, g.containers[0]!), { cpu_shares: '512', cpu_period: '100000', cpu_quota: '50000', memory_limit_in_bytes: String(128 * 1024 * 1024), oom_score_adj: '-997' });
  const be = { containers: [{ name: 'c' }] } as FullPodSpec;
  assert.equal(qosClass(be), 'BestEffort');
  assert.deepEqual(linuxResources(be, be.containers[0]!), { cpu_shares: '2', oom_score_adj: '1000' });
  const b = { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] } as FullPodSpec;
  assert.equal(qosClass(b), 'Burstable');
  assert.equal(linuxResources(b, b.containers[0]!).cpu_shares, '102');
});

test('env: envFrom then env, $(VAR) expansion with $$ escapes, ConfigMap/Secret refs, optional refs, downward API', async () => {
  const p = pod({ nodeName: 'n1' });
  const c = {
    name: 'c',
    envFrom: [{ prefix: 'X_', configMapRef: { name: 'cm' } }, { secretRef: { name: 'missing', optional: true } }],
    env: [
      { name: 'A', value: 'a' },
      { name: 'B', value: '$(A)-$(NOPE)-$$(A)' },
      { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } },
      { name: 'O', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent', optional: true } } },
      { name: 'N', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ],
  };
  const src = {
    configMap: async (_ns: string, name: string) => (name === 'cm' ? { one: '1' } : undefined),
    secret: async (_ns: string, name: string) => (name === 'sec' ? { k: 'v' } : undefined),
    hostIP: '192.0.2.1',
    podIP: '10.42.0.5',
  };
  const env = Object.fromEntries((await containerEnv(p, c, src)).map((e) => [e.key, e.value]));
  assert.deepEqual(env, { X_one: '1', A: 'a', B: 'a-$(NOPE)-$(A)', S: 'v', N: 'n1', L: 'a', IP: '10.42.0.5' });
  await assert.rejects(containerEnv(p, { name: 'c', env: [{ name: 'Z', valueFrom: { secretKeyRef: { name: 'sec', key: 'nope' } } }] }, src), (e: Error) => e instanceof ContainerConfigError && /couldn't find key nope in Secret team\/sec/.test(e.message));
  assert.equal(expand('$(A)$(A)', new Map([['A', 'x']])), 'xx');
});

test('images: default pull policy by tag, registry host, credentials from dockerconfigjson', () => {
  assert.equal(defaultPullPolicy('busybox'), 'Always');
  assert.equal(defaultPullPolicy('localhost:5000/x:latest'), 'Always');
  assert.equal(defaultPullPolicy('localhost/k8ts/busybox:1.36'), 'IfNotPresent');
  assert.equal(registryOf('localhost:5000/a/b:1'), 'localhost:5000');
  assert.equal(registryOf('library/nginx'), 'docker.io');
  const cfg = JSON.stringify({ auths: { 'localhost:5000': { auth: Buffer.from('u:p:w').toString('base64') } } });
  assert.deepEqual(authFor('localhost:5000/a:1', [cfg]), { username: 'u', password: 'p:w' });
  assert.equal(authFor('other:5000/a:1', [cfg]), undefined);
});

test('CNI conflist: bridge with hairpin and gateway, host-local for the podCIDR, portmap (containerd adds loopback); chain names fit iptables', () => {
  const c = conflist({ name: 'k8ts-k8ts0', bridge: 'k8ts0', podCIDR: '10.42.3.0/24', clusterCIDR: '10.42.0.0/16', ipamDir: '/d' }) as { plugins: Array<Record<string, any>> };
  assert.deepEqual(c.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.equal(c.plugins[0]!.hairpinMode, true);
  assert.equal(c.plugins[0]!.ipMasq, false);
  assert.deepEqual(c.plugins[0]!.ipam.ranges, [[{ subnet: '10.42.3.0/24', gateway: '10.42.3.1' }]]);
  assert.equal(gatewayOf('10.42.3.0/24'), '10.42.3.1');
  assert.ok(masqChain('k8t0123456789ab').length <= 28);
});

test('the OCI layer tar is a valid ustar archive (dirs, files with modes, symlinks)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-tar-'));
  try {
    const f = join(dir, 'l.tar');
    writeFileSync(f, tar([{ path: 'bin', type: 'dir' }, { path: 'bin/x', type: 'file', data: Buffer.from('hi'), mode: 0o755 }, { path: 'bin/y', type: 'symlink', target: 'x' }]));
    const r = spawnSync('tar', ['-tvf', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^drwxr-xr-x .* bin\/$/m);
    assert.match(r.stdout, /^-rwxr-xr-x .* 2 .* bin\/x$/m);
    assert.match(r.stdout, /^lrwxrwxrwx .* bin\/y -> x$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
