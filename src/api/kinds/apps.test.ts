// apps/v1 kinds: upstream v1.32 defaults, validation messages and table rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import type { ResourceDef } from '../resource.js';
import { fieldErrText } from '../validation.js';
import { APPS_RESOURCES, controllerRevisionDef, daemonSetDef, deploymentDef, replicaSetDef, statefulSetDef } from './apps.js';

const T0 = '2024-05-01T10:00:00Z';

function workload(kind: string, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: T0 },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
      ...extra,
    },
  };
}

/** Defaults then validation, as the server runs them. */
function check(def: ResourceDef, obj: KObject, old?: KObject): string[] {
  def.defaults?.(obj);
  if (old) def.defaults?.(old);
  return (def.validate?.(obj, old) ?? []).map(fieldErrText);
}

const spec = (o: KObject): Record<string, any> => o.spec as Record<string, any>;

describe('apps/v1 definitions', () => {
  it('serve the upstream names, scopes and subresources', () => {
    const got = APPS_RESOURCES.map((d) => [d.kind, d.resource, d.shortNames ?? [], d.categories ?? [], d.schema, d.scale !== undefined, d.statusSubresource === true]);
    assert.deepEqual(got, [
      ['ControllerRevision', 'controllerrevisions', [], [], 'io.k8s.api.apps.v1.ControllerRevision', false, false],
      ['DaemonSet', 'daemonsets', ['ds'], ['all'], 'io.k8s.api.apps.v1.DaemonSet', false, true],
      ['Deployment', 'deployments', ['deploy'], ['all'], 'io.k8s.api.apps.v1.Deployment', true, true],
      ['ReplicaSet', 'replicasets', ['rs'], ['all'], 'io.k8s.api.apps.v1.ReplicaSet', true, true],
      ['StatefulSet', 'statefulsets', ['sts'], ['all'], 'io.k8s.api.apps.v1.StatefulSet', true, true],
    ]);
    for (const d of APPS_RESOURCES) assert.equal(d.group, 'apps');
    assert.equal(replicaSetDef.fieldSelectors?.['status.replicas']?.({ metadata: {}, status: { replicas: 3 } }), '3');
  });
});

describe('apps/v1 defaulting', () => {
  it('a minimal Deployment gets RollingUpdate 25%/25%, history 10, deadline 600 and pod template defaults', () => {
    const d = workload('Deployment');
    deploymentDef.defaults!(d);
    const s = spec(d);
    assert.equal(s.replicas, 1);
    assert.deepEqual(s.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(s.revisionHistoryLimit, 10);
    assert.equal(s.progressDeadlineSeconds, 600);
    assert.deepEqual(s.template.metadata, { labels: { app: 'web' }, creationTimestamp: null });
    const pod = s.template.spec;
    assert.deepEqual(
      [pod.dnsPolicy, pod.restartPolicy, pod.schedulerName, pod.securityContext, pod.terminationGracePeriodSeconds],
      ['ClusterFirst', 'Always', 'default-scheduler', {}, 30],
    );
    // SetDefaults_Pod (not PodSpec) sets enableServiceLinks, so templates do not get it.
    assert.equal('enableServiceLinks' in pod, false);
    assert.deepEqual(pod.containers[0], {
      name: 'nginx',
      image: 'nginx:1.27',
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
    });
  });

  it('a host-network template keeps its ports as written, and an explicit enableServiceLinks stays', () => {
    const d = workload('Deployment');
    Object.assign(spec(d).template.spec, { hostNetwork: true, enableServiceLinks: false });
    spec(d).template.spec.containers[0].ports = [{ containerPort: 8080 }];
    deploymentDef.defaults!(d);
    assert.deepEqual(spec(d).template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
    assert.equal(spec(d).template.spec.enableServiceLinks, false);
  });

  it('a Recreate Deployment keeps no rollingUpdate and explicit values survive', () => {
    const d = workload('Deployment', { replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 2 });
    deploymentDef.defaults!(d);
    assert.deepEqual([spec(d).replicas, spec(d).strategy, spec(d).revisionHistoryLimit], [0, { type: 'Recreate' }, 2]);
  });

  it('a ReplicaSet gets one replica and prints status.replicas 0', () => {
    const rs = workload('ReplicaSet');
    replicaSetDef.defaults!(rs);
    assert.equal(spec(rs).replicas, 1);
    assert.deepEqual(rs.status, { replicas: 0 });
  });

  it('a StatefulSet gets OrderedReady, partition 0, Retain/Retain, history 10 and claim template defaults', () => {
    const sts = workload('StatefulSet', { volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }] });
    statefulSetDef.defaults!(sts);
    const s = spec(sts);
    assert.equal(s.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.deepEqual([s.replicas, s.revisionHistoryLimit, s.serviceName, s.minReadySeconds], [1, 10, '', undefined]);
    assert.deepEqual(s.volumeClaimTemplates[0], {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'www', creationTimestamp: null },
      spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
    assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
  });

  it('an OnDelete StatefulSet gets no rollingUpdate', () => {
    const sts = workload('StatefulSet', { updateStrategy: { type: 'OnDelete' } });
    statefulSetDef.defaults!(sts);
    assert.deepEqual(spec(sts).updateStrategy, { type: 'OnDelete' });
  });

  it('a DaemonSet gets maxUnavailable 1, maxSurge 0, history 10, template generation 1 and zero counters', () => {
    const ds = workload('DaemonSet');
    daemonSetDef.defaults!(ds);
    assert.deepEqual(spec(ds).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(spec(ds).revisionHistoryLimit, 10);
    assert.deepEqual(ds.metadata.annotations, { 'deprecated.daemonset.template.generation': '1' });
    assert.deepEqual(ds.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });
});

describe('apps/v1 validation', () => {
  const cases: Array<[string, ResourceDef, () => KObject, string[], (() => KObject)?]> = [
    ['a valid Deployment passes', deploymentDef, () => workload('Deployment'), []],
    [
      'a Deployment without a selector is told it is required and matches nothing',
      deploymentDef,
      () => workload('Deployment', { selector: undefined }),
      ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
    ],
    [
      'a selector that misses the template labels is rejected with the upstream message',
      deploymentDef,
      () => workload('Deployment', { selector: { matchLabels: { app: 'other' } } }),
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
    ],
    [
      'an empty selector is invalid for a Deployment',
      deploymentDef,
      () => workload('Deployment', { selector: {} }),
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    ],
    ['negative replicas are rejected', deploymentDef, () => workload('Deployment', { replicas: -1 }), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    [
      'an unknown strategy type is unsupported',
      deploymentDef,
      () => workload('Deployment', { strategy: { type: 'BlueGreen' } }),
      ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'],
    ],
    [
      'Recreate may not carry rollingUpdate',
      deploymentDef,
      () => workload('Deployment', { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }),
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'maxUnavailable and maxSurge may not both be zero',
      deploymentDef,
      () => workload('Deployment', { strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'a percent without its sign is not a percent',
      deploymentDef,
      () => workload('Deployment', { strategy: { rollingUpdate: { maxSurge: '30' } } }),
      [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"30\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ],
    ],
    [
      'pods of a Deployment must restart Always',
      deploymentDef,
      () => {
        const d = workload('Deployment');
        spec(d).template.spec.restartPolicy = 'OnFailure';
        return d;
      },
      ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    ],
    [
      'the progress deadline must exceed minReadySeconds',
      deploymentDef,
      () => workload('Deployment', { minReadySeconds: 30, progressDeadlineSeconds: 30 }),
      ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'],
    ],
    [
      'the selector of a Deployment is immutable',
      deploymentDef,
      () => {
        const d = workload('Deployment', { selector: { matchLabels: { app: 'web', tier: 'fe' } } });
        spec(d).template.metadata.labels.tier = 'fe';
        return d;
      },
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'],
      () => workload('Deployment'),
    ],
    [
      'a ReplicaSet says its empty selector is invalid "for deployment", as upstream does',
      replicaSetDef,
      () => workload('ReplicaSet', { selector: { matchLabels: {} } }),
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    ],
    [
      'a StatefulSet name must be a DNS label',
      statefulSetDef,
      () => ({ ...workload('StatefulSet'), metadata: { name: 'web.v1', namespace: 'default' } }),
      ['metadata.name: Invalid value: "web.v1": must not contain dots'],
    ],
    [
      'a StatefulSet pod management policy is OrderedReady or Parallel',
      statefulSetDef,
      () => workload('StatefulSet', { podManagementPolicy: 'Random' }),
      ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\''],
    ],
    [
      'a StatefulSet may change only some spec fields',
      statefulSetDef,
      () => workload('StatefulSet', { serviceName: 'other' }),
      ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"],
      () => workload('StatefulSet'),
    ],
    [
      'a DaemonSet may not surge while maxUnavailable is non-zero',
      daemonSetDef,
      () => workload('DaemonSet', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }),
      ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero'],
    ],
    [
      'a DaemonSet without a selector matches nothing',
      daemonSetDef,
      () => workload('DaemonSet', { selector: undefined }),
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
    ],
    [
      'a ControllerRevision needs data',
      controllerRevisionDef,
      () => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-1', namespace: 'default' }, revision: 1 }),
      ['data: Required value: data is mandatory'],
    ],
  ];
  for (const [name, def, make, want, old] of cases) {
    it(name, () => assert.deepEqual(check(def, make(), old?.()), want));
  }

  it('a Deployment annotation change bumps the generation, a status-only write does not', () => {
    const old = workload('Deployment');
    old.metadata.generation = 4;
    const next = workload('Deployment');
    next.metadata.generation = 4;
    next.metadata.annotations = { 'kubernetes.io/change-cause': 'rollout' };
    check(deploymentDef, next, old);
    assert.equal(next.metadata.generation, 5);
    const same = workload('Deployment');
    same.metadata.generation = 4;
    same.status = { replicas: 1 };
    check(deploymentDef, same, old);
    assert.equal(same.metadata.generation, 4);
  });

  it('a DaemonSet template change bumps its template generation annotation', () => {
    const old = workload('DaemonSet');
    daemonSetDef.defaults!(old);
    old.metadata.annotations = { 'deprecated.daemonset.template.generation': '3' };
    const next = workload('DaemonSet');
    spec(next).template.spec.containers[0].image = 'nginx:1.28';
    next.metadata.annotations = { 'deprecated.daemonset.template.generation': '3' };
    assert.deepEqual(check(daemonSetDef, next, old), []);
    assert.equal(next.metadata.annotations['deprecated.daemonset.template.generation'], '4');
  });
});
