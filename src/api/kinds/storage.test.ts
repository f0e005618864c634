// Tests for storage.k8s.io/v1 StorageClass, CSIDriver, CSINode, VolumeAttachment: defaults, validation, tables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDef } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { STORAGE_RESOURCES, csiDriverDef, csiNodeDef, storageClassDef, volumeAttachmentDef } from './storage.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const obj = (name: string, body: Record<string, unknown>): KObject => ({ metadata: { name, creationTimestamp: '2024-04-29T12:00:00Z' }, ...body });

function check(def: ResourceDef, o: KObject, old?: KObject): string[] {
  def.defaults?.(o);
  if (old) def.defaults?.(old);
  return (def.validate?.(o, old) ?? []).map(fieldErrText);
}

const sc = (body: Record<string, unknown>) => obj('fast', { provisioner: 'example.com/disk', ...body });
const va = (spec: Record<string, unknown>) => obj('va', { spec: { attacher: 'csi.example.com', nodeName: 'node1', source: { persistentVolumeName: 'pv1' }, ...spec } });

describe('storage resource definitions', () => {
  it('serves four cluster-scoped kinds, with sc as the StorageClass short name and a VolumeAttachment status', () => {
    assert.deepEqual(STORAGE_RESOURCES.map((d) => [d.kind, d.resource, d.namespaced]), [
      ['CSIDriver', 'csidrivers', false], ['CSINode', 'csinodes', false], ['StorageClass', 'storageclasses', false], ['VolumeAttachment', 'volumeattachments', false],
    ]);
    assert.deepEqual(storageClassDef.shortNames, ['sc']);
    assert.equal(volumeAttachmentDef.statusSubresource, true);
    for (const d of STORAGE_RESOURCES) assert.equal(d.schema, `io.k8s.api.storage.v1.${d.kind}`);
  });
});

describe('storage defaults', () => {
  it('defaults a StorageClass to Delete and Immediate', () => {
    const o = sc({});
    storageClassDef.defaults?.(o);
    assert.deepEqual([o.reclaimPolicy, o.volumeBindingMode], ['Delete', 'Immediate']);
  });
  it('defaults a CSIDriver as upstream with its feature gates on', () => {
    const o = obj('csi.example.com', {});
    csiDriverDef.defaults?.(o);
    assert.deepEqual(o.spec, {
      attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType',
      volumeLifecycleModes: ['Persistent'], requiresRepublish: false, seLinuxMount: false,
    });
  });
  it('defaults a VolumeAttachment to not attached', () => {
    const o = va({});
    volumeAttachmentDef.defaults?.(o);
    assert.deepEqual(o.status, { attached: false });
  });
});

describe('storage validation', () => {
  const cases: Array<[string, ResourceDef, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts a StorageClass', storageClassDef, () => sc({ parameters: { type: 'ssd' } }), undefined, []],
    ['requires a provisioner', storageClassDef, () => obj('x', {}), undefined, ['provisioner: Required value']],
    ['rejects an unqualified provisioner, Recycle and unknown binding modes', storageClassDef, () => sc({ provisioner: 'a/b/c', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }), undefined, [
      "provisioner: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]],
    ['forbids changing parameters, provisioner, reclaim policy and binding mode', storageClassDef,
      () => sc({ provisioner: 'example.com/other', parameters: { a: '2' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }),
      () => sc({ parameters: { a: '1' } }), [
        'parameters: Forbidden: updates to parameters are forbidden.',
        'provisioner: Forbidden: updates to provisioner are forbidden.',
        'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
        'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
      ]],
    ['allows changing allowVolumeExpansion', storageClassDef, () => sc({ allowVolumeExpansion: true }), () => sc({}), []],
    ['checks CSIDriver names, lifecycle modes and token requests', csiDriverDef, () => obj('Bad_Driver', { spec: { volumeLifecycleModes: ['Forever'], tokenRequests: [{ audience: 'a', expirationSeconds: 60 }, { audience: 'a' }] } }), undefined, [
      "name: Invalid value: \"Bad_Driver\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.volumeLifecycleModes[0]: Unsupported value: "Forever": supported values: "Ephemeral", "Persistent"',
      'spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
      'spec.tokenRequests[1].audience: Duplicate value: "a"',
    ]],
    ['keeps attachRequired immutable under its upstream field name', csiDriverDef, () => obj('d.example.com', { spec: { attachRequired: false } }), () => obj('d.example.com', {}), [
      'spec.attachedRequired: Invalid value: false: field is immutable',
    ]],
    ['requires CSINode driver node IDs and unique names', csiNodeDef, () => obj('node1', { spec: { drivers: [{ name: 'a.example.com', nodeID: 'n' }, { name: 'a.example.com' }] } }), undefined, [
      'spec.drivers[1].nodeID: Required value',
      'spec.drivers[1].name: Duplicate value: "a.example.com"',
    ]],
    ['accepts a VolumeAttachment of a persistent volume', volumeAttachmentDef, () => va({}), undefined, []],
    ['requires an attacher, a node and exactly one source', volumeAttachmentDef, () => obj('va', { spec: { source: {} } }), undefined, [
      'spec.attacher: Required value',
      'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
      "spec.nodeName: Invalid value: \"\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.attacher: Required value',
      "spec.attacher: Invalid value: \"\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]],
    ['forbids both source kinds at once', volumeAttachmentDef, () => va({ source: { persistentVolumeName: 'pv1', inlineVolumeSpec: {} } }), undefined, [
      'spec.source: Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
    ]],
    ['keeps the VolumeAttachment spec immutable but not its status', volumeAttachmentDef, () => ({ ...va({ nodeName: 'node2' }) }), () => va({}), [
      'spec: Invalid value: {"attacher":"csi.example.com","nodeName":"node2","source":{"persistentVolumeName":"pv1"}}: field is immutable',
    ]],
  ];
  for (const [name, def, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(def, make(), makeOld?.()), want));
  }
});

describe('storage tables', () => {
  it('marks the default StorageClass after its name', () => {
    const o = sc({ allowVolumeExpansion: true });
    o.metadata.annotations = { 'storageclass.kubernetes.io/is-default-class': 'true' };
    storageClassDef.defaults?.(o);
    assert.deepEqual(storageClassDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
    assert.deepEqual(storageClassDef.table?.row(o, NOW), ['fast (default)', 'example.com/disk', 'Delete', 'Immediate', true, '2d']);
    const beta = sc({});
    beta.metadata.annotations = { 'storageclass.beta.kubernetes.io/is-default-class': 'true' };
    assert.equal(storageClassDef.table?.row(beta, NOW)[0], 'fast (default)');
  });
  it('prints a CSIDriver with token audiences and lifecycle modes', () => {
    const o = obj('d.example.com', { spec: { tokenRequests: [{ audience: 'a' }, { audience: 'b' }], volumeLifecycleModes: ['Persistent', 'Ephemeral'] } });
    csiDriverDef.defaults?.(o);
    assert.deepEqual(csiDriverDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'ATTACHREQUIRED', 'PODINFOONMOUNT', 'STORAGECAPACITY', 'TOKENREQUESTS', 'REQUIRESREPUBLISH', 'MODES', 'AGE']);
    assert.deepEqual(csiDriverDef.table?.row(o, NOW), ['d.example.com', true, false, false, 'a,b', false, 'Persistent,Ephemeral', '2d']);
    assert.deepEqual(csiDriverDef.table?.row(obj('x', { spec: {} }), NOW).slice(4, 7), ['<unset>', false, '<none>']);
  });
  it('prints a CSINode driver count', () => {
    assert.deepEqual(csiNodeDef.table?.row(obj('n', { spec: { drivers: [{}, {}] } }), NOW), ['n', 2, '2d']);
  });
  it('prints a VolumeAttachment as NAME ATTACHER PV NODE ATTACHED AGE', () => {
    const o = va({});
    o.status = { attached: true };
    assert.deepEqual(volumeAttachmentDef.table?.row(o, NOW), ['va', 'csi.example.com', 'pv1', 'node1', true, '2d']);
  });
});
