/**
 * Hand-built bodies (field numbers spelled out, independent of the tables):
 * a Pod exercising nested messages and special types, kinds kubectl's create
 * commands never send (Event, Lease, Node, PVC, Secret bytes), and wire-format details.
 * @module
 */
import { deepStrictEqual, equal } from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeKubernetesProtobuf } from './index.js';
import { formatDuration } from './special.js';
import { concat, envelope, pb } from './wire-writer.case.js';

const T = 1704164645; // 2024-01-02T03:04:05Z
const time = (num: number, seconds: number, nanos?: number) => pb.msg(num, pb.int(1, seconds), ...(nanos === undefined ? [] : [pb.int(2, nanos)]));
const quantities = (num: number, map: Record<string, string>) => concat(...Object.entries(map).map(([k, v]) => pb.entry(num, k, pb.msg(2, pb.str(1, v)))));
const intOrString = (num: number, v: number | string) => (typeof v === 'number' ? pb.msg(num, pb.int(1, 0), pb.int(2, v)) : pb.msg(num, pb.int(1, 1), pb.str(3, v)));
const decode = (apiVersion: string, kind: string, raw: Uint8Array) => decodeKubernetesProtobuf(envelope(apiVersion, kind, raw)).object;

const podBody = concat(
  pb.msg(1, // metadata
    pb.str(1, 'web-0'), pb.str(2, ''), pb.str(3, 'prod'), pb.str(5, ''), pb.int(7, 0), time(8, T),
    pb.labels(11, { app: 'web', tier: 'front' }),
    pb.msg(13, pb.str(1, 'ReplicaSet'), pb.str(3, 'web-abc'), pb.str(4, 'u-1'), pb.str(5, 'apps/v1'), pb.int(6, true)),
    pb.msg(17, pb.str(1, 'kubectl'), pb.str(2, 'Update'), pb.str(3, 'v1'), time(4, T), pb.str(6, 'FieldsV1'), pb.msg(7, pb.str(1, '{"f:metadata":{"f:labels":{}}}'))),
  ),
  pb.msg(2, // spec
    pb.msg(1, pb.str(1, 'data'), pb.msg(2, pb.msg(10, pb.str(1, 'data-web-0'), pb.int(2, false)))),
    pb.msg(1, pb.str(1, 'cache'), pb.msg(2, pb.msg(2, pb.str(1, 'Memory'), pb.msg(2, pb.str(1, '64Mi'))))),
    pb.msg(1, pb.str(1, 'token'), pb.msg(2, pb.msg(26, pb.msg(1, pb.msg(4, pb.str(1, 'vault'), pb.int(2, 3600), pb.str(3, 'token'))), pb.int(2, 0o644)))),
    pb.msg(2, // containers
      pb.str(1, 'app'), pb.str(2, 'nginx:1.27'),
      pb.msg(6, pb.str(1, 'http'), pb.int(2, 0), pb.int(3, 8080), pb.str(4, 'TCP')),
      pb.msg(7, pb.str(1, 'POD_NAME'), pb.str(2, ''), pb.msg(3, pb.msg(1, pb.str(1, 'v1'), pb.str(2, 'metadata.name')))),
      pb.msg(7, pb.str(1, 'MEM'), pb.msg(3, pb.msg(2, pb.str(2, 'limits.memory'), pb.msg(3, pb.str(1, '1Mi'))))),
      pb.msg(8, quantities(1, { cpu: '500m', memory: '128Mi' }), quantities(2, { cpu: '250m' })),
      pb.msg(10, pb.msg(1, pb.msg(2, pb.str(1, '/healthz'), intOrString(2, 'http'), pb.str(4, 'HTTP'))), pb.int(2, 5), pb.int(3, 0), pb.int(4, 10), pb.int(6, 3)),
      pb.msg(11, pb.msg(1, pb.msg(3, intOrString(1, 8080))), pb.int(3, 1)),
      pb.msg(22, pb.msg(1, pb.msg(1, pb.str(1, 'cat'), pb.str(1, '/tmp/ready'))), pb.int(7, 0)),
      pb.msg(12, pb.msg(2, pb.msg(4, pb.int(1, 5)))),
      pb.msg(15, pb.msg(1, pb.str(2, 'ALL')), pb.int(5, true), pb.int(6, true), pb.int(7, false), pb.msg(11, pb.str(1, 'RuntimeDefault'))),
      pb.int(16, false), pb.int(18, false),
    ),
    pb.str(3, 'Always'), pb.int(4, 30), pb.str(6, 'ClusterFirst'), pb.labels(7, { disk: 'ssd' }),
    pb.str(8, 'web'), pb.str(9, 'web'), pb.str(10, ''), pb.int(11, false),
    pb.msg(14, pb.int(2, 1000), pb.int(4, 1000), pb.int(4, 2000), pb.int(5, 2000)),
    pb.msg(18,
      pb.msg(1, pb.msg(1, pb.msg(1, pb.msg(1, pb.str(1, 'zone'), pb.str(2, 'In'), pb.str(3, 'a'), pb.str(3, 'b'))))),
      pb.msg(3, pb.msg(2, pb.int(1, 100), pb.msg(2, pb.msg(1, pb.labels(1, { app: 'web' })), pb.str(3, 'kubernetes.io/hostname')))),
    ),
    pb.msg(22, pb.str(1, 'node.kubernetes.io/not-ready'), pb.str(2, 'Exists'), pb.str(3, ''), pb.str(4, 'NoExecute'), pb.int(5, 300)),
    pb.int(25, 0), pb.int(30, false),
    quantities(32, { cpu: '10m' }),
    pb.msg(33, pb.int(1, 1), pb.str(2, 'topology.kubernetes.io/zone'), pb.str(3, 'DoNotSchedule'), pb.msg(4, pb.msg(2, pb.str(1, 'app'), pb.str(2, 'Exists')))),
    pb.msg(34, pb.msg(1, pb.str(1, 'debug'), pb.str(2, 'busybox:1.36'), pb.int(16, true), pb.int(18, true)), pb.str(2, 'app')),
  ),
  pb.msg(3, // status
    pb.str(1, 'Running'),
    pb.msg(2, pb.str(1, 'Ready'), pb.str(2, 'True'), pb.msg(3), time(4, T + 60)),
    pb.str(6, '10.0.0.5'), time(7, T),
    pb.msg(8, pb.str(1, 'app'), pb.msg(2, pb.msg(2, time(1, T + 1))), pb.msg(3), pb.int(4, true), pb.int(5, 0), pb.str(6, 'nginx:1.27'), pb.str(7, ''), pb.int(9, true)),
    pb.str(9, 'Burstable'), pb.msg(12, pb.str(1, '10.0.0.5')),
  ),
);

const podJson = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-0',
    namespace: 'prod',
    creationTimestamp: '2024-01-02T03:04:05Z',
    labels: { app: 'web', tier: 'front' },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'web-abc', uid: 'u-1', apiVersion: 'apps/v1', controller: true }],
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
  },
  spec: {
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } }], defaultMode: 420 } },
    ],
    containers: [
      {
        name: 'app',
        image: 'nginx:1.27',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        ],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 },
        readinessProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 1 },
        startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, terminationGracePeriodSeconds: 0 },
        lifecycle: { preStop: { sleep: { seconds: 5 } } },
        securityContext: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    nodeSelector: { disk: 'ssd' },
    serviceAccountName: 'web',
    serviceAccount: 'web',
    securityContext: { runAsUser: 1000, supplementalGroups: [1000, 2000], fsGroup: 2000 },
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } }] },
    },
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    priority: 0, // a pointer: zero is kept
    enableServiceLinks: false, // a pointer: false is kept
    overhead: { cpu: '10m' },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } }],
    ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36', stdin: true, tty: true, targetContainerName: 'app' }],
  },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-01-02T03:05:05Z' }],
    podIP: '10.0.0.5',
    startTime: '2024-01-02T03:04:05Z',
    containerStatuses: [{ name: 'app', state: { running: { startedAt: '2024-01-02T03:04:06Z' } }, lastState: {}, ready: true, restartCount: 0, image: 'nginx:1.27', imageID: '', started: true }],
    qosClass: 'Burstable',
    podIPs: [{ ip: '10.0.0.5' }],
  },
};

describe('hand-built bodies', () => {
  test('a Pod with volumes, probes, affinity, security contexts and status decodes as the JSON API shows it', () => {
    const decoded = decodeKubernetesProtobuf(envelope('v1', 'Pod', podBody));
    equal(decoded.apiVersion, 'v1');
    equal(decoded.kind, 'Pod');
    deepStrictEqual(decoded.object, podJson);
  });

  test('an Event carries Time, MicroTime with microseconds and an event series', () => {
    const o = decode('v1', 'Event', concat(
      pb.msg(1, pb.str(1, 'web.17a'), pb.str(3, 'prod'), pb.msg(8)),
      pb.msg(2, pb.str(1, 'Pod'), pb.str(2, 'prod'), pb.str(3, 'web-0'), pb.str(5, 'v1')),
      pb.str(3, 'Pulled'), pb.str(4, 'pulled image'), pb.msg(5, pb.str(1, 'kubelet'), pb.str(2, 'n1')),
      time(6, T), time(7, T + 9), pb.int(8, 2), pb.str(9, 'Normal'),
      time(10, T, 123_456_789), pb.msg(11, pb.int(1, 2), time(2, T + 9, 5_000)),
      pb.str(14, 'kubelet'), pb.str(15, 'n1'),
    ));
    deepStrictEqual(o, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: 'web.17a', namespace: 'prod', creationTimestamp: null },
      involvedObject: { kind: 'Pod', namespace: 'prod', name: 'web-0', apiVersion: 'v1' },
      reason: 'Pulled', message: 'pulled image', source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '2024-01-02T03:04:05Z', lastTimestamp: '2024-01-02T03:04:14Z', count: 2, type: 'Normal',
      eventTime: '2024-01-02T03:04:05.123456Z', series: { count: 2, lastObservedTime: '2024-01-02T03:04:14.000005Z' },
      reportingComponent: 'kubelet', reportingInstance: 'n1',
    });
  });

  test('a Lease keeps MicroTime renewTime and zero-valued pointer fields', () => {
    const o = decode('coordination.k8s.io/v1', 'Lease', concat(
      pb.msg(1, pb.str(1, 'n1'), pb.str(3, 'kube-node-lease')),
      pb.msg(2, pb.str(1, 'n1'), pb.int(2, 40), time(4, T, 999_999_999), pb.int(5, 0)),
    ));
    deepStrictEqual(o, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: 'n1', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2024-01-02T03:04:05.999999Z', leaseTransitions: 0 },
    });
  });

  test('a Node has quantity maps, taints with timeAdded, addresses and images', () => {
    const o = decode('v1', 'Node', concat(
      pb.msg(1, pb.str(1, 'n1'), pb.labels(11, { 'kubernetes.io/os': 'linux' })),
      pb.msg(2, pb.str(1, '10.244.0.0/24'), pb.int(4, true), pb.msg(5, pb.str(1, 'k'), pb.str(2, ''), pb.str(3, 'NoSchedule'), time(4, T))),
      pb.msg(3,
        quantities(1, { cpu: '4', memory: '16Gi', pods: '110' }), quantities(2, { cpu: '3800m' }),
        pb.msg(4, pb.str(1, 'Ready'), pb.str(2, 'True'), time(3, T), time(4, T), pb.str(5, 'KubeletReady')),
        pb.msg(5, pb.str(1, 'InternalIP'), pb.str(2, '192.168.1.10')),
        pb.msg(8, pb.str(1, 'nginx@sha256:x'), pb.str(1, 'nginx:1.27'), pb.int(2, 70_000_000_000)),
      ),
    ));
    deepStrictEqual(o, {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: 'n1', labels: { 'kubernetes.io/os': 'linux' } },
      spec: { podCIDR: '10.244.0.0/24', unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule', timeAdded: '2024-01-02T03:04:05Z' }] },
      status: {
        capacity: { cpu: '4', memory: '16Gi', pods: '110' }, allocatable: { cpu: '3800m' },
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-02T03:04:05Z', lastTransitionTime: '2024-01-02T03:04:05Z', reason: 'KubeletReady' }],
        addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
        images: [{ names: ['nginx@sha256:x', 'nginx:1.27'], sizeBytes: 70_000_000_000 }],
      },
    });
  });

  test('a PersistentVolumeClaim keeps storageClassName "" (a pointer) and decodes requests', () => {
    const o = decode('v1', 'PersistentVolumeClaim', concat(
      pb.msg(1, pb.str(1, 'data')),
      pb.msg(2, pb.str(1, 'ReadWriteOnce'), pb.msg(2, quantities(2, { storage: '10Gi' })), pb.str(3, ''), pb.str(5, ''), pb.str(6, 'Filesystem')),
    ));
    deepStrictEqual(o, {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: '', volumeMode: 'Filesystem' },
    });
  });

  test('Secret data and ConfigMap binaryData bytes become base64 strings', () => {
    const bytes = Uint8Array.from([0xff, 0x00, 0x41]);
    const secret = decode('v1', 'Secret', concat(pb.msg(1, pb.str(1, 's')), pb.entry(2, 'bin', pb.bytes(2, bytes)), pb.entry(2, 'empty', new Uint8Array(0)), pb.str(3, 'Opaque')));
    deepStrictEqual(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { bin: '/wBB', empty: '' }, type: 'Opaque' });
    const cm = decode('v1', 'ConfigMap', concat(pb.msg(1, pb.str(1, 'c')), pb.entry(3, 'blob', pb.bytes(2, bytes))));
    deepStrictEqual(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, binaryData: { blob: '/wBB' } });
  });

  test('absent lists and maps stay absent', () => {
    deepStrictEqual(decode('v1', 'ConfigMap', pb.msg(1, pb.str(1, 'c'))), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  });

  test('packed repeated int64 decodes like unpacked, negatives included', () => {
    const packed = concat(...[1000, 2000, -1].map((n) => pb.int(0, n).subarray(1))); // varints without keys
    const o = decode('v1', 'Pod', pb.msg(2, pb.msg(14, pb.bytes(4, packed), pb.int(4, 3000), pb.int(2, -5))));
    deepStrictEqual(o.spec, { securityContext: { supplementalGroups: [1000, 2000, -1, 3000], runAsUser: -5 } });
  });

  test('a repeated message field merges, last scalar wins and unknown fields are skipped', () => {
    const o = decode('v1', 'Namespace', concat(
      pb.msg(1, pb.str(1, 'a'), pb.labels(11, { x: '1' })), pb.int(99, 7), pb.msg(98, pb.str(1, 'junk')),
      pb.msg(1, pb.str(1, 'b'), pb.labels(11, { y: '2' }), pb.fixed64(50, 1.5), pb.fixed32(51, 2.5)),
    ));
    deepStrictEqual(o, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b', labels: { x: '1', y: '2' } } });
  });

  test('authentication ExtraValue maps to lists and BoundObjectReference uID to uid', () => {
    const review = decode('authentication.k8s.io/v1', 'TokenReview', concat(
      pb.msg(2, pb.str(1, 'tok'), pb.str(2, 'api')),
      pb.msg(3, pb.int(1, true), pb.msg(2, pb.str(1, 'alice'), pb.str(3, 'devs'), pb.entry(4, 'scopes', pb.msg(2, pb.str(1, 'a'), pb.str(1, 'b'))))),
    ));
    deepStrictEqual(review.status, { authenticated: true, user: { username: 'alice', groups: ['devs'], extra: { scopes: ['a', 'b'] } } });
    const token = decode('authentication.k8s.io/v1', 'TokenRequest', pb.msg(2, pb.msg(3, pb.str(1, 'Pod'), pb.str(2, 'v1'), pb.str(3, 'web-0'), pb.str(4, 'u-1'))));
    deepStrictEqual(token.spec, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'u-1' } });
  });

  test('autoscaling/v1 Scale, policy/v1 Eviction with DeleteOptions, and DeleteOptions of any group version', () => {
    deepStrictEqual(decode('autoscaling/v1', 'Scale', concat(pb.msg(1, pb.str(1, 'web')), pb.msg(2, pb.int(1, 0)), pb.msg(3, pb.int(1, 3), pb.str(2, 'app=web')))), {
      apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: {}, status: { replicas: 3, selector: 'app=web' },
    });
    deepStrictEqual(decode('policy/v1', 'Eviction', concat(pb.msg(1, pb.str(1, 'web-0')), pb.msg(2, pb.int(1, 0), pb.msg(2, pb.str(1, 'u-1')), pb.str(5, 'All')))), {
      apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-0' }, deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u-1' }, dryRun: ['All'] },
    });
    deepStrictEqual(decode('apps/v1', 'DeleteOptions', pb.str(4, 'Foreground')), { apiVersion: 'apps/v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' });
  });

  test('an IntOrString targetPort and a NetworkPolicy port range', () => {
    const np = decode('networking.k8s.io/v1', 'NetworkPolicy', pb.msg(2,
      pb.msg(1),
      pb.msg(2, pb.msg(1, pb.str(1, 'TCP'), intOrString(2, 'https'), pb.int(3, 9000)), pb.msg(2, pb.msg(3, pb.str(1, '10.0.0.0/8'), pb.str(2, '10.1.0.0/16')))),
      pb.str(4, 'Ingress'),
    ));
    deepStrictEqual(np.spec, {
      podSelector: {},
      ingress: [{ ports: [{ protocol: 'TCP', port: 'https', endPort: 9000 }], from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }],
      policyTypes: ['Ingress'],
    });
  });

  test('a Buffer slice at a non-zero offset decodes (views, not copies)', () => {
    const body = envelope('v1', 'Namespace', pb.msg(1, pb.str(1, 'team-a')));
    const pooled = Buffer.concat([Buffer.from('padding'), Buffer.from(body)]).subarray(7);
    deepStrictEqual(decodeKubernetesProtobuf(pooled).object, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  });

  test('metav1.Duration (int64 nanoseconds) prints as Go time.Duration.String() does', () => {
    const cases: [bigint, string][] = [[0n, '0s'], [1n, '1ns'], [1500n, '1.5µs'], [2_500_000n, '2.5ms'], [1_500_000_000n, '1.5s'], [5_400_000_000_000n, '1h30m0s'], [-2_000_000_000n, '-2s'], [9_223_372_036_854_775_807n, '2562047h47m16.854775807s']];
    for (const [ns, text] of cases) equal(formatDuration(ns), text);
  });
});
