// The built-in v1.32 API through real kubectl: realistic manifests for every kind, idempotent apply, defaults, explain, table columns, `get all`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { skipUnlessBinary } from '../support/require.js';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';

const dir = new URL('./manifests/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort((a, b) => (a === 'core.yaml' ? -1 : b === 'core.yaml' ? 1 : a.localeCompare(b)));

/** kubectl resource → upstream v1.32 table header (single spaces between the column names). */
const COLUMNS: Record<string, string> = {
  deployments: 'NAME READY UP-TO-DATE AVAILABLE AGE',
  replicasets: 'NAME DESIRED CURRENT READY AGE',
  statefulsets: 'NAME READY AGE',
  daemonsets: 'NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE',
  controllerrevisions: 'NAME CONTROLLER REVISION AGE',
  jobs: 'NAME STATUS COMPLETIONS DURATION AGE',
  cronjobs: 'NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE',
  limitranges: 'NAME CREATED AT',
  persistentvolumes: 'NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE',
  persistentvolumeclaims: 'NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE',
  replicationcontrollers: 'NAME DESIRED CURRENT READY AGE',
  podtemplates: 'NAME CONTAINERS IMAGES POD LABELS',
  endpointslices: 'NAME ADDRESSTYPE PORTS ENDPOINTS AGE',
  leases: 'NAME HOLDER AGE',
  events: 'LAST SEEN TYPE REASON OBJECT MESSAGE',
  priorityclasses: 'NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY',
  poddisruptionbudgets: 'NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE',
  roles: 'NAME CREATED AT',
  rolebindings: 'NAME ROLE AGE',
  clusterroles: 'NAME CREATED AT',
  clusterrolebindings: 'NAME ROLE AGE',
  networkpolicies: 'NAME POD-SELECTOR AGE',
  ingresses: 'NAME CLASS HOSTS ADDRESS PORTS AGE',
  ingressclasses: 'NAME CONTROLLER PARAMETERS AGE',
  runtimeclasses: 'NAME HANDLER AGE',
  storageclasses: 'NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE',
  csidrivers: 'NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE',
  csinodes: 'NAME DRIVERS AGE',
  volumeattachments: 'NAME ATTACHER PV NODE ATTACHED AGE',
  certificatesigningrequests: 'NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION',
  horizontalpodautoscalers: 'NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE',
};

/** explain target → kind it must name. */
const EXPLAIN: Array<[string, string]> = [
  ...['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'].map((k): [string, string] => [`${k.toLowerCase()}s.apps`, k]),
  ['jobs.batch', 'Job'], ['cronjobs.batch', 'CronJob'],
  ...['LimitRange', 'ResourceQuota', 'PersistentVolume', 'PersistentVolumeClaim', 'ReplicationController', 'PodTemplate'].map((k): [string, string] => [`${k.toLowerCase()}s`, k]),
  ['componentstatuses', 'ComponentStatus'],
  ['endpointslices.discovery.k8s.io', 'EndpointSlice'], ['leases.coordination.k8s.io', 'Lease'], ['events --api-version=events.k8s.io/v1', 'Event'],
  ['priorityclasses.scheduling.k8s.io', 'PriorityClass'], ['poddisruptionbudgets.policy', 'PodDisruptionBudget'],
  ['roles.rbac.authorization.k8s.io', 'Role'], ['clusterroles.rbac.authorization.k8s.io', 'ClusterRole'], ['rolebindings.rbac.authorization.k8s.io', 'RoleBinding'], ['clusterrolebindings.rbac.authorization.k8s.io', 'ClusterRoleBinding'],
  ['networkpolicies.networking.k8s.io', 'NetworkPolicy'], ['ingresses.networking.k8s.io', 'Ingress'], ['ingressclasses.networking.k8s.io', 'IngressClass'],
  ['runtimeclasses.node.k8s.io', 'RuntimeClass'], ['storageclasses.storage.k8s.io', 'StorageClass'], ['csidrivers.storage.k8s.io', 'CSIDriver'], ['csinodes.storage.k8s.io', 'CSINode'], ['volumeattachments.storage.k8s.io', 'VolumeAttachment'],
  ['certificatesigningrequests.certificates.k8s.io', 'CertificateSigningRequest'], ['horizontalpodautoscalers.autoscaling', 'HorizontalPodAutoscaler'],
];

/** Kinds where kubectl itself reports `configured` on a re-apply (as against upstream): a `replace` patch strategy, and an atomic list the server defaults into. */
const CLIENT_SIDE_CONFIGURED = new Set(['poddisruptionbudget.policy/web-pdb', 'statefulset.apps/db']);

describe('built-in API through kubectl', { skip: skipUnlessBinary('kubectl', 'any kubectl 1.32') }, () => {
  let s: K8tsServer;
  before(async () => {
    s = await startServer(API_ONLY);
  });
  after(async () => {
    await s?.stop();
  });
  const applyAll = (): string[] => files.flatMap((f) => s.k(['apply', '-f', `${dir}${f}`]).trim().split('\n'));
  const versions = (): Map<string, string> => {
    const out = s.k(['get', Object.keys(COLUMNS).join(','), '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\\n"}{end}']);
    return new Map(out.trim().split('\n').map((l) => l.split('=') as [string, string]));
  };

  test('apply creates every kind, and a second apply changes nothing', () => {
    const first = applyAll();
    assert.ok(first.length >= 37, first.join('\n'));
    for (const line of first) assert.match(line, / created$/);
    const before = versions();
    const second = applyAll();
    for (const line of second) {
      const name = line.split(' ')[0]!;
      assert.equal(line.endsWith(' unchanged') || CLIENT_SIDE_CONFIGURED.has(name), true, line);
    }
    assert.deepEqual(versions(), before, 'no object was rewritten by the second apply');
  });

  test('a minimal Deployment comes back with upstream defaults', () => {
    const y = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: mini}\nspec:\n  selector: {matchLabels: {app: mini}}\n  template:\n    metadata: {labels: {app: mini}}\n    spec:\n      containers: [{name: a, image: nginx}, {name: b, image: "redis:7"}]\n';
    const d = JSON.parse(s.k(['apply', '-f', '-', '-o', 'json'], y)) as { spec: Record<string, unknown> & { template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } } } };
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    const pod = d.spec.template.spec;
    assert.equal(pod.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.schedulerName, 'default-scheduler');
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.deepEqual(pod.securityContext, {});
    assert.deepEqual(pod.containers.map((c) => [c.imagePullPolicy, c.terminationMessagePath, c.terminationMessagePolicy]), [
      ['Always', '/dev/termination-log', 'File'],
      ['IfNotPresent', '/dev/termination-log', 'File'],
    ]);
  });

  test('the realistic Deployment keeps every field it was given and gets probe, port and volume defaults', () => {
    const d = JSON.parse(s.k(['get', 'deployment', 'web', '-o', 'json'])) as { spec: { template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown> & { livenessProbe: Record<string, unknown> }>; volumes: Array<Record<string, Record<string, unknown>>> } } } };
    const pod = d.spec.template.spec;
    assert.equal((pod.topologySpreadConstraints as unknown[]).length, 2);
    assert.equal((pod.tolerations as unknown[]).length, 2);
    const nginx = pod.containers[0]!;
    assert.deepEqual(nginx.livenessProbe.httpGet, { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: 'liveness' }] });
    assert.equal(nginx.livenessProbe.successThreshold, 1);
    assert.deepEqual(nginx.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9113, protocol: 'TCP' }]);
    const vol = (n: string) => pod.volumes.find((v) => v.name === (n as unknown))!;
    assert.equal(vol('tls').secret!.defaultMode, 0o400);
    assert.equal(vol('podinfo').downwardAPI!.defaultMode, 0o644);
    assert.equal(vol('projected').projected!.defaultMode, 0o644);
    assert.equal(vol('host-logs').hostPath!.type, 'Directory');
    assert.equal(pod.containers[1]!.imagePullPolicy, 'IfNotPresent', 'digest references default to IfNotPresent');
  });

  test('kubectl get prints upstream columns for every kind', () => {
    for (const [res, header] of Object.entries(COLUMNS)) {
      const out = s.k(['get', res]);
      assert.equal(out.split('\n')[0]!.trim().split(/\s+/).join(' '), header, res);
    }
  });

  // Known gaps in the kinds' tables (not this suite's files): upstream's ResourceQuota order is NAME AGE REQUEST LIMIT and
  // events.k8s.io Events print like core Events.
  test('kubectl get resourcequotas and events.events.k8s.io print upstream columns', () => {
    assert.equal(s.k(['get', 'resourcequotas']).split('\n')[0]!.trim().split(/\s+/).join(' '), 'NAME AGE REQUEST LIMIT');
    assert.equal(s.k(['get', 'events.events.k8s.io']).split('\n')[0]!.trim().split(/\s+/).join(' '), 'LAST SEEN TYPE REASON OBJECT MESSAGE');
  });

  test('kubectl get all lists the all category', () => {
    const out = s.k(['get', 'all']);
    for (const name of ['service/web', 'deployment.apps/web', 'replicaset.apps/legacy-rs', 'statefulset.apps/db', 'daemonset.apps/node-exporter', 'job.batch/migrate', 'cronjob.batch/nightly-backup', 'replicationcontroller/old-frontend', 'horizontalpodautoscaler.autoscaling/web']) {
      assert.match(out, new RegExp(`^${name.replace(/\./g, '\\.')}\\s`, 'm'), name);
    }
    assert.doesNotMatch(out, /configmap|secret|persistentvolumeclaim|ingress/);
  });

  test('kubectl explain describes every kind in k8ts\'s own words', () => {
    for (const [target, kind] of EXPLAIN) {
      const [res, ...flags] = target.split(' ');
      const out = s.k(['explain', res!, ...flags]);
      assert.match(out, new RegExp(`KIND:\\s+${kind}\\n`), target);
      const desc = /DESCRIPTION:\n([\s\S]*?)\n(FIELDS:|\n)/.exec(out)?.[1]?.trim() ?? '';
      assert.ok(desc && desc !== '<empty>', `${target} has a description`);
      assert.doesNotMatch(s.k(['explain', `${res!}.metadata`, ...flags]), /DESCRIPTION:\n\s+<empty>/, `${target}.metadata`);
      if (flags.length) assert.match(out, /GROUP:\s+events\.k8s\.io\n/);
    }
    assert.match(s.k(['explain', 'deployment.spec.replicas']), /DESCRIPTION:\n\s+How many pods should run\. Defaults to 1\./);
    assert.match(s.k(['explain', 'deployment.spec.strategy']), /RollingUpdate \(the default, 25% surge/);
    assert.match(s.k(['explain', 'pod.spec.containers.image']), /Container image reference to run/);
    assert.match(s.k(['explain', 'service.spec.type']), /ClusterIP \(inside the cluster, the default\)/);
    assert.match(s.k(['explain', 'deployment.spec.template.spec.affinity.podAntiAffinity']), /FIELD: podAntiAffinity <PodAntiAffinity>/);
  });
});
