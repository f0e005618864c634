// Tests for the core/v1 remainder: defaults, validation messages and table rows as upstream prints them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDef } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import {
  CORE_MORE_RESOURCES,
  componentStatusDef,
  limitRangeDef,
  persistentVolumeClaimDef,
  persistentVolumeDef,
  podTemplateDef,
  replicationControllerDef,
  resourceQuotaDef,
} from './core-more.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const CREATED = '2024-05-01T11:00:00Z';

function obj(kind: string, name: string, ns: string | undefined, body: Record<string, unknown>): KObject {
  return { metadata: { name, ...(ns ? { namespace: ns } : {}), creationTimestamp: CREATED }, kind, ...body };
}

/** Defaults then validation, as the API server runs them; the errors as upstream's one-line texts. */
function check(def: ResourceDef, o: KObject, old?: KObject): string[] {
  def.defaults?.(o);
  if (old) def.defaults?.(old);
  return (def.validate?.(o, old) ?? []).map(fieldErrText);
}

const pv = (spec: Record<string, unknown>) => obj('PersistentVolume', 'pv1', undefined, { spec });
const pvc = (spec: Record<string, unknown>) => obj('PersistentVolumeClaim', 'data', 'default', { spec });
const rc = (spec: Record<string, unknown>) => obj('ReplicationController', 'web', 'default', { spec });
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

describe('core/v1 remainder resource definitions', () => {
  const cases: Array<[string, string, boolean, string[] | undefined]> = [
    ['LimitRange', 'limitranges', true, ['limits']],
    ['ResourceQuota', 'resourcequotas', true, ['quota']],
    ['PersistentVolume', 'persistentvolumes', false, ['pv']],
    ['PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc']],
    ['ReplicationController', 'replicationcontrollers', true, ['rc']],
    ['PodTemplate', 'podtemplates', true, undefined],
    ['ComponentStatus', 'componentstatuses', false, ['cs']],
  ];
  for (const [kind, resource, namespaced, shortNames] of cases) {
    it(`serves ${kind} as ${resource} with upstream's scope and short names`, () => {
      const def = CORE_MORE_RESOURCES.find((d) => d.kind === kind);
      assert.ok(def);
      assert.equal(def.group, '');
      assert.equal(def.resource, resource);
      assert.equal(def.namespaced, namespaced);
      assert.deepEqual(def.shortNames, shortNames);
      assert.equal(def.schema, `io.k8s.api.core.v1.${kind}`);
    });
  }
  it('makes ComponentStatus read-only and ReplicationController part of "all" with a scale subresource', () => {
    assert.deepEqual(componentStatusDef.verbs, ['get', 'list']);
    assert.deepEqual(replicationControllerDef.categories, ['all']);
    assert.deepEqual(replicationControllerDef.scale, { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selectorPath: 'spec.selector' });
    assert.deepEqual(replicationControllerDef.subresources?.map((s) => s.name), ['status', 'scale']);
    assert.deepEqual(Object.keys(replicationControllerDef.fieldSelectors ?? {}), ['status.replicas']);
  });
});

describe('core/v1 remainder defaults', () => {
  it('defaults a PersistentVolume to Retain, Filesystem and a Pending phase with its transition time', () => {
    const o = pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/d' } });
    persistentVolumeDef.defaults?.(o);
    assert.equal((o.spec as Record<string, unknown>).persistentVolumeReclaimPolicy, 'Retain');
    assert.equal((o.spec as Record<string, unknown>).volumeMode, 'Filesystem');
    assert.deepEqual((o.spec as Record<string, unknown>).hostPath, { path: '/d', type: '' });
    const status = o.status as Record<string, unknown>;
    assert.equal(status.phase, 'Pending');
    assert.match(String(status.lastPhaseTransitionTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
  it('defaults a PersistentVolumeClaim to Filesystem and Pending', () => {
    const o = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    persistentVolumeClaimDef.defaults?.(o);
    assert.deepEqual([(o.spec as Record<string, unknown>).volumeMode, (o.status as Record<string, unknown>).phase], ['Filesystem', 'Pending']);
  });
  it('defaults a ReplicationController selector, labels and replicas from its template', () => {
    const o = rc({ template: structuredClone(template) });
    replicationControllerDef.defaults?.(o);
    const spec = o.spec as Record<string, unknown>;
    assert.deepEqual(spec.selector, { app: 'web' });
    assert.deepEqual(o.metadata.labels, { app: 'web' });
    assert.equal(spec.replicas, 1);
    assert.deepEqual(o.status, { replicas: 0 });
    assert.equal((spec.template as { spec: { restartPolicy: string } }).spec.restartPolicy, 'Always');
  });
  it('keeps a ReplicationController selector and labels that are already set', () => {
    const o = rc({ selector: { app: 'web', tier: 'x' }, replicas: 0, template: structuredClone(template) });
    o.metadata.labels = { owner: 'me' };
    replicationControllerDef.defaults?.(o);
    assert.deepEqual([(o.spec as Record<string, unknown>).selector, o.metadata.labels, (o.spec as Record<string, unknown>).replicas], [{ app: 'web', tier: 'x' }, { owner: 'me' }, 0]);
  });
  it('defaults container limit ranges from max, then default, then min', () => {
    const o = obj('LimitRange', 'l', 'default', { spec: { limits: [{ type: 'Container', max: { memory: '1Gi' }, min: { cpu: '100m' } }, { type: 'Pod', max: { cpu: '2' } }] } });
    limitRangeDef.defaults?.(o);
    const [container, pod] = (o.spec as { limits: Array<Record<string, unknown>> }).limits;
    assert.deepEqual(container?.default, { memory: '1Gi' });
    assert.deepEqual(container?.defaultRequest, { memory: '1Gi', cpu: '100m' });
    assert.equal(pod?.default, undefined);
  });
  it('defaults the pod spec inside a PodTemplate', () => {
    const o = obj('PodTemplate', 't', 'default', { template: structuredClone(template) });
    podTemplateDef.defaults?.(o);
    assert.equal((o.template as { spec: { dnsPolicy: string } }).spec.dnsPolicy, 'ClusterFirst');
  });
});

describe('core/v1 remainder validation', () => {
  const cases: Array<[string, ResourceDef, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts a hostPath PersistentVolume', persistentVolumeDef, () => pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/d' } }), undefined, []],
    ['requires access modes, capacity and a volume source on a PersistentVolume', persistentVolumeDef, () => pv({}), undefined, [
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: {}: supported values: "storage"',
      'spec: Required value: must specify a volume type',
    ]],
    ['rejects two volume sources and a bad reclaim policy', persistentVolumeDef, () => pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Keep', hostPath: { path: '/d' }, nfs: { server: 's', path: '/x' } }), undefined, [
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      'spec.nfs: Forbidden: may not specify more than 1 volume type',
    ]],
    ['rejects ReadWriteOncePod mixed with other access modes', persistentVolumeDef, () => pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'], hostPath: { path: '/d' } }), undefined, [
      'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
    ]],
    ['requires node affinity for a local PersistentVolume', persistentVolumeDef, () => pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/d' } }), undefined, [
      'spec.nodeAffinity: Required value: Local volume requires node affinity',
    ]],
    ['forbids changing the volume source of a PersistentVolume', persistentVolumeDef, () => pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/e' } }),
      () => pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/d' } }), ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation']],
    ['requires access modes and a storage request on a claim', persistentVolumeClaimDef, () => pvc({ resources: {} }), undefined, [
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]],
    ['rejects a zero storage request and an unknown access mode', persistentVolumeClaimDef, () => pvc({ accessModes: ['ReadWriteSometimes'], resources: { requests: { storage: '0' } } }), undefined, [
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]],
    ['forbids changing a claim spec other than its requests', persistentVolumeClaimDef, () => pvc({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '2Gi' } } }),
      () => pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }), ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']],
    ['lets a claim grow and get its volume name once', persistentVolumeClaimDef, () => pvc({ accessModes: ['ReadWriteOnce'], volumeName: 'pv1', resources: { requests: { storage: '2Gi' } } }),
      () => pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }), []],
    ['requires a selector matching the template and restartPolicy Always', replicationControllerDef, () => rc({ selector: { app: 'other' }, template: { ...structuredClone(template), spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x' }] } } }), undefined, [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]],
    ['requires a template and rejects negative replicas', replicationControllerDef, () => rc({ selector: { a: 'b' }, replicas: -1 }), undefined, [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.template: Required value',
    ]],
    ['validates the pod spec of a PodTemplate', podTemplateDef, () => obj('PodTemplate', 't', 'default', { template: { spec: { containers: [] } } }), undefined, ['template.spec.containers: Required value']],
    ['rejects unknown limit types, duplicates and Pod defaults', limitRangeDef, () => obj('LimitRange', 'l', 'default', { spec: { limits: [{ type: 'Pod', default: { cpu: '1' } }, { type: 'Pod' }, { type: 'Node' }] } }), undefined, [
      "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[1].type: Duplicate value: "Pod"',
      'spec.limits[2].type: Invalid value: "Node": must be a standard limit type or fully qualified',
    ]],
    ['rejects min above max and a storage-less claim limit', limitRangeDef, () => obj('LimitRange', 'l', 'default', { spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }, { type: 'PersistentVolumeClaim', max: { widgets: '1' } }] } }), undefined, [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
      'spec.limits[1].max[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.limits[1].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
    ]],
    ['rejects non-quota resources, fractional counts and conflicting scopes', resourceQuotaDef, () => obj('ResourceQuota', 'q', 'default', { spec: { hard: { foo: '1', pods: '1500m' }, scopes: ['BestEffort', 'NotBestEffort'] } }), undefined, [
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
      'spec.hard[pods]: Invalid value: "1500m": must be an integer',
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: conflicting scopes',
    ]],
    ['rejects a BestEffort scope on cpu quotas', resourceQuotaDef, () => obj('ResourceQuota', 'q', 'default', { spec: { hard: { cpu: '1' }, scopes: ['BestEffort'] } }), undefined, [
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
    ]],
  ];
  for (const [name, def, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(def, make(), makeOld?.()), want));
  }
});

describe('core/v1 remainder tables', () => {
  const row = (def: ResourceDef, o: KObject) => {
    def.defaults?.(o);
    return def.table?.row(o, NOW);
  };
  it('prints a PersistentVolume as NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE VOLUMEMODE', () => {
    const o = pv({ capacity: { storage: '5120Mi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], storageClassName: 'fast', claimRef: { namespace: 'ns', name: 'c' }, hostPath: { path: '/' } });
    o.status = { phase: 'Bound' };
    assert.deepEqual(persistentVolumeDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE', 'VOLUMEMODE']);
    assert.deepEqual(row(persistentVolumeDef, o), ['pv1', '5Gi', 'RWO,RWX', 'Retain', 'Bound', 'ns/c', 'fast', '<unset>', '', '60m', 'Filesystem']);
  });
  it('prints capacity and access modes of a claim only once it is bound', () => {
    const pending = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    assert.deepEqual(row(persistentVolumeClaimDef, pending), ['data', 'Pending', '', '', '', '', '<unset>', '60m', 'Filesystem']);
    const bound = pvc({ volumeName: 'pv1', storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } });
    bound.status = { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadOnlyMany'] };
    bound.metadata.deletionTimestamp = CREATED;
    assert.deepEqual(row(persistentVolumeClaimDef, bound), ['data', 'Terminating', 'pv1', '2Gi', 'ROX', 'fast', '<unset>', '60m', 'Filesystem']);
  });
  it('prints a ReplicationController with its containers, images and selector', () => {
    const o = rc({ replicas: 3, template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } });
    o.status = { replicas: 2, readyReplicas: 1 };
    assert.deepEqual(row(replicationControllerDef, o), ['web', 3, 2, 1, '60m', 'a,b', 'x,y', 'a=1,b=2']);
  });
  it('prints a PodTemplate as NAME CONTAINERS IMAGES POD LABELS', () => {
    assert.deepEqual(row(podTemplateDef, obj('PodTemplate', 't', 'default', { template: structuredClone(template) })), ['t', 'c', 'nginx', 'app=web']);
  });
  it('prints quota usage split into requests and limits, sorted by resource', () => {
    const o = obj('ResourceQuota', 'q', 'default', { status: { hard: { 'limits.memory': '2Gi', pods: '10', 'requests.cpu': '1' }, used: { pods: '3' } } });
    assert.deepEqual(row(resourceQuotaDef, o), ['q', '60m', 'pods: 3/10, requests.cpu: 0/1', 'limits.memory: 0/2Gi']);
  });
  it('prints component health from the Healthy condition', () => {
    const o = obj('ComponentStatus', 'etcd-0', undefined, { conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    assert.deepEqual(row(componentStatusDef, o), ['etcd-0', 'Healthy', 'ok', '']);
    assert.deepEqual(row(componentStatusDef, obj('ComponentStatus', 'x', undefined, {})), ['x', 'Unknown', '', '']);
  });
  it('leaves LimitRange on the generic NAME / CREATED AT table', () => assert.equal(limitRangeDef.table, undefined));
});
