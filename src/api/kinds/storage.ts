/**
 * storage.k8s.io/v1 StorageClass, CSIDriver, CSINode and VolumeAttachment:
 * defaults, validation and tables as upstream.
 * @module
 */
import type { ResourceDef } from '../resource.js';
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isDNS1123Subdomain, isQualifiedName } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, define, rec, str } from './common.js';
import { defineNamed, immutable, same } from './core-more-util.js';

const GROUP = 'storage.k8s.io';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** ValidateCSIDriverName (driver names: CSIDriver, CSINode drivers, attachers). */
export function csiDriverNameErrs(name: string, path: string): FieldErr[] {
  const errs: FieldErr[] = [];
  if (!name) errs.push(fieldErr.required(path));
  if (name.length > 63) errs.push(fieldErr.tooLong(path, 63));
  for (const m of isDNS1123Subdomain(name.toLowerCase())) errs.push(fieldErr.invalid(path, name, m));
  return errs;
}

function validateStorageClass(sc: KObject, old?: KObject): FieldErr[] {
  const errs: FieldErr[] = [];
  const provisioner = str(sc.provisioner);
  if (!provisioner) errs.push(fieldErr.required('provisioner'));
  else for (const m of isQualifiedName(provisioner.toLowerCase())) errs.push(fieldErr.invalid('provisioner', provisioner.toLowerCase(), m));
  const params = Object.entries(rec(sc.parameters));
  if (params.length > 512) errs.push(fieldErr.tooLong('parameters', 512));
  else {
    let size = 0;
    for (const [k, v] of params) {
      if (!k) errs.push(fieldErr.invalid('parameters', k, 'field can not be empty.'));
      size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
    }
    if (size > 256 * 1024) errs.push(fieldErr.tooLong('parameters', 256 * 1024));
  }
  const policy = str(sc.reclaimPolicy);
  if (policy && policy !== 'Delete' && policy !== 'Retain') errs.push(fieldErr.notSupported('reclaimPolicy', policy, ['Delete', 'Retain']));
  if (sc.volumeBindingMode === undefined) errs.push(fieldErr.required('volumeBindingMode'));
  else if (!['Immediate', 'WaitForFirstConsumer'].includes(str(sc.volumeBindingMode))) {
    errs.push(fieldErr.notSupported('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  }
  if (old) {
    if (!same(rec(old.parameters), rec(sc.parameters))) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
    if (str(old.provisioner) !== provisioner) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (str(old.reclaimPolicy) !== policy) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (old.volumeBindingMode !== sc.volumeBindingMode) errs.push(immutable('volumeBindingMode', sc.volumeBindingMode));
  }
  return errs;
}

/** storageutil.IsDefaultAnnotation. */
export function isDefaultStorageClass(o: KObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

export const storageClassDef = define({
  group: GROUP,
  version: 'v1',
  kind: 'StorageClass',
  resource: 'storageclasses',
  namespaced: false,
  shortNames: ['sc'],
  defaults(sc) {
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validate: validateStorageClass,
  table: {
    columns: [
      NAME_COL,
      col('Provisioner', 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
      col('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      AGE_COL,
    ],
    row: (sc, now) => [
      `${sc.metadata.name ?? ''}${isDefaultStorageClass(sc) ? ' (default)' : ''}`,
      str(sc.provisioner),
      str(sc.reclaimPolicy) || 'Delete',
      str(sc.volumeBindingMode) || 'Immediate',
      sc.allowVolumeExpansion === true,
      age(sc.metadata.creationTimestamp, now),
    ],
  },
});

function validateCSIDriver(d: KObject, old?: KObject): FieldErr[] {
  const spec = rec(d.spec);
  const errs = csiDriverNameErrs(d.metadata.name ?? '', 'name');
  for (const k of ['attachRequired', 'podInfoOnMount', 'storageCapacity', 'requiresRepublish']) if (spec[k] === undefined) errs.push(fieldErr.required(`spec.${k}`));
  const fsGroup = spec.fsGroupPolicy;
  if (fsGroup !== undefined && !['File', 'None', 'ReadWriteOnceWithFSType'].includes(str(fsGroup))) {
    errs.push(fieldErr.notSupported('spec.fsGroupPolicy', fsGroup, ['File', 'None', 'ReadWriteOnceWithFSType']));
  }
  arr(spec.volumeLifecycleModes).forEach((m, i) => {
    if (m !== 'Ephemeral' && m !== 'Persistent') errs.push(fieldErr.notSupported(`spec.volumeLifecycleModes[${i}]`, m, ['Ephemeral', 'Persistent']));
  });
  const audiences = new Set<string>();
  arr(spec.tokenRequests).map(rec).forEach((t, i) => {
    const p = `spec.tokenRequests[${i}]`;
    if (audiences.has(str(t.audience))) errs.push(fieldErr.duplicate(`${p}.audience`, str(t.audience)));
    audiences.add(str(t.audience));
    const exp = t.expirationSeconds;
    if (typeof exp === 'number' && exp < 600) errs.push(fieldErr.invalid(`${p}.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
    if (typeof exp === 'number' && exp > 2 ** 32) errs.push(fieldErr.invalid(`${p}.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
  });
  if (old) {
    const o = rec(old.spec);
    if (!same(o.attachRequired, spec.attachRequired)) errs.push(immutable('spec.attachedRequired', spec.attachRequired));
    if (!same(o.fsGroupPolicy, spec.fsGroupPolicy)) errs.push(immutable('spec.fsGroupPolicy', spec.fsGroupPolicy));
    if (!same(o.volumeLifecycleModes, spec.volumeLifecycleModes)) errs.push(immutable('spec.volumeLifecycleModes', spec.volumeLifecycleModes));
  }
  return errs;
}

export const csiDriverDef = defineNamed(
  {
    group: GROUP,
    version: 'v1',
    kind: 'CSIDriver',
    resource: 'csidrivers',
    namespaced: false,
    defaults(d) {
      const spec = child(d, 'spec');
      spec.attachRequired ??= true;
      spec.podInfoOnMount ??= false;
      spec.storageCapacity ??= false;
      spec.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
      if (arr(spec.volumeLifecycleModes).length === 0) spec.volumeLifecycleModes = ['Persistent'];
      spec.requiresRepublish ??= false;
      spec.seLinuxMount ??= false;
    },
    validate: validateCSIDriver,
    table: {
      columns: [
        NAME_COL,
        col('AttachRequired', 'attachRequired indicates this CSI volume driver requires an attach operation.', 0, 'boolean'),
        col('PodInfoOnMount', 'podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.', 0, 'boolean'),
        col('StorageCapacity', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.', 0, 'boolean'),
        col('TokenRequests', 'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for.'),
        col('RequiresRepublish', 'requiresRepublish indicates the CSI driver wants NodePublishVolume being periodically called.', 0, 'boolean'),
        col('Modes', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.'),
        AGE_COL,
      ],
      row(d, now) {
        const spec = rec(d.spec);
        const modes = arr(spec.volumeLifecycleModes).map(String).join(',');
        const tokens = Array.isArray(spec.tokenRequests) ? spec.tokenRequests.map((t) => str(rec(t).audience)).join(',') : '<unset>';
        return [d.metadata.name, spec.attachRequired !== false, spec.podInfoOnMount === true, spec.storageCapacity === true, tokens, spec.requiresRepublish === true, modes || '<none>', age(d.metadata.creationTimestamp, now)];
      },
    },
  },
  () => [],
);

function validateCSINode(n: KObject): FieldErr[] {
  const errs: FieldErr[] = [];
  const names = new Set<string>();
  arr(rec(n.spec).drivers).map(rec).forEach((d, i) => {
    const p = `spec.drivers[${i}]`;
    const name = str(d.name);
    errs.push(...csiDriverNameErrs(name, `${p}.name`));
    const nodeID = str(d.nodeID);
    if (!nodeID) errs.push(fieldErr.required(`${p}.nodeID`));
    else if (nodeID.length > 192) errs.push(fieldErr.invalid(`${p}.nodeID`, nodeID, 'must be 192 characters or less'));
    const count = rec(d.allocatable).count;
    if (typeof count === 'number' && count < 0) errs.push(fieldErr.invalid(`${p}.allocatable.count`, count, 'must be greater than or equal to 0'));
    if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
    names.add(name);
  });
  return errs;
}

export const csiNodeDef = define({
  group: GROUP,
  version: 'v1',
  kind: 'CSINode',
  resource: 'csinodes',
  namespaced: false,
  validate: validateCSINode,
  table: {
    columns: [NAME_COL, col('Drivers', 'Drivers indicates the number of CSI drivers registered on the node', 0, 'integer'), AGE_COL],
    row: (n, now) => [n.metadata.name, arr(rec(n.spec).drivers).length, age(n.metadata.creationTimestamp, now)],
  },
});

function validateVolumeAttachment(va: KObject, old?: KObject): FieldErr[] {
  const spec = rec(va.spec);
  const attacher = str(spec.attacher);
  const errs: FieldErr[] = [];
  if (!attacher) errs.push(fieldErr.required('spec.attacher'));
  const source = rec(spec.source);
  const inline = isRecord(source.inlineVolumeSpec);
  const pv = source.persistentVolumeName;
  if (!inline && typeof pv !== 'string') errs.push(fieldErr.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (inline && typeof pv === 'string') errs.push(fieldErr.forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (pv === '') errs.push(fieldErr.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  const node = str(spec.nodeName);
  for (const m of isDNS1123Subdomain(node)) errs.push(fieldErr.invalid('spec.nodeName', node, m));
  // ValidateVolumeAttachmentV1: the attacher is a CSI driver name, the PV name a subdomain.
  errs.push(...csiDriverNameErrs(attacher, 'spec.attacher'));
  if (typeof pv === 'string' && pv) for (const m of isDNS1123Subdomain(pv)) errs.push(fieldErr.invalid('spec.source.persistentVolumeName', pv, m));
  if (old && !same(rec(old.spec), spec)) errs.push(fieldErr.invalid('spec', spec, 'field is immutable'));
  return errs;
}

export const volumeAttachmentDef = define({
  group: GROUP,
  version: 'v1',
  kind: 'VolumeAttachment',
  resource: 'volumeattachments',
  namespaced: false,
  statusSubresource: true,
  subresources: [{ name: 'status', group: GROUP, version: 'v1', kind: 'VolumeAttachment', verbs: ['get', 'patch', 'update'] }],
  defaults(va) {
    child(va, 'status').attached ??= false;
  },
  validate: validateVolumeAttachment,
  table: {
    columns: [
      NAME_COL,
      { ...col('Attacher', 'attacher indicates the name of the volume driver that MUST handle this request.'), format: 'name' },
      col('PV', 'persistentVolumeName represents the name of the persistent volume to attach.'),
      col('Node', 'nodeName represents the node that the volume should be attached to.'),
      col('Attached', 'attached indicates the volume is successfully attached.', 0, 'boolean'),
      AGE_COL,
    ],
    row(va, now) {
      const spec = rec(va.spec);
      return [va.metadata.name, str(spec.attacher), str(rec(spec.source).persistentVolumeName), str(spec.nodeName), rec(va.status).attached === true, age(va.metadata.creationTimestamp, now)];
    },
  },
});

export const STORAGE_RESOURCES: ResourceDef[] = [csiDriverDef, csiNodeDef, storageClassDef, volumeAttachmentDef];
